// rtnetlink sockets: a blocking one for dumps and route and rule writes, and a non-blocking one
// subscribed to link, address, route and rule events. Received bytes are walked in place: nothing
// is allocated per message.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel/netlink_messages.hpp"

struct nl_sock;

namespace ifpin {

class NetlinkError : public std::runtime_error {
public:
    NetlinkError(const std::string &what, int error) : std::runtime_error(what), error_(error) {}
    int error() const { return error_; }

private:
    int error_;
};

struct NlSockDeleter {
    void operator()(nl_sock *sock) const;
};
using NlSockPtr = std::unique_ptr<nl_sock, NlSockDeleter>;

using MessageHandler = std::function<void(const nlmsghdr *)>;

// For dumps and writes. Strict checking is on, so dump filters are applied by the kernel.
class RtnlRequestSocket {
public:
    RtnlRequestSocket();

    // Sends the request and waits for its ACK. Returns the kernel's answer (error 0 on success).
    NetlinkAck transact(nl_msg *request);

    // Sends a dump request and hands each answer message to the handler. A dump the kernel marks as
    // interrupted (NLM_F_DUMP_INTR) is started again. Throws NetlinkError when the kernel refuses it.
    void dump(nl_msg *request, const MessageHandler &handler);

private:
    // Reads answers to the request with sequence number seq until NLMSG_DONE or NLMSG_ERROR.
    // Returns false when the dump was interrupted.
    bool receiveAnswers(uint32_t seq, const MessageHandler &handler, NetlinkAck *ack);
    uint32_t send(nl_msg *request);

    NlSockPtr sock_;
    std::vector<uint8_t> buffer_;
};

// Subscribed to RTNLGRP_LINK, IPv4/IPv6 address, route and rule groups (and RTNLGRP_NEIGH when
// asked). A socket filter in the kernel drops route events that are not default routes, so route
// churn elsewhere costs ifpind no wake-up at all. Rule events pass (rules change rarely, and a
// deleted rule of ifpind's must be seen at once).
class RtnlEventSocket {
public:
    // receiveBuffer: bytes the kernel may queue for us (SO_RCVBUFFORCE, falling back to SO_RCVBUF).
    explicit RtnlEventSocket(int receiveBuffer);

    int fd() const;
    // RTNLGRP_NEIGH on or off: neighbour events only while uplink health follows a neighbour.
    void subscribeNeighbours(bool on);

    enum class DrainResult { drained, overflowed };
    // Reads until the socket is empty. overflowed: the kernel dropped events (ENOBUFS); the state
    // must be read again from a dump.
    DrainResult drain(const MessageHandler &handler);

private:
    NlSockPtr sock_;
    std::vector<uint8_t> buffer_;
};

// Walks the netlink messages in one datagram. Returns false on a malformed (truncated) datagram.
bool forEachMessage(std::span<const uint8_t> datagram, const MessageHandler &handler);

} // namespace ifpin
