// The broker's Unix socket (SOCK_SEQPACKET): accepts clients, reads one request per message, answers
// with the reply and the sockets in SCM_RIGHTS. Served from the daemon's event loop; never blocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "broker/client_message.hpp"
#include "broker/pin_requests.hpp"
#include "broker/socket_broker.hpp"
#include "protocol.h"
#include "core/unique_fd.hpp"

namespace ifpin {

struct BrokerLimits {
    size_t maxConnections = 256;          // more are answered BUSY and closed
    size_t acceptBatch = 16;              // accepts per wake-up, so hang-ups are reaped in between
    size_t maxRequestsPerConnection = 256; // then the connection is closed
    std::chrono::milliseconds idleTimeout{5000}; // a connection that says nothing is closed
    std::chrono::milliseconds acceptBackoff{100}; // after EMFILE/ENFILE, before accepting again
    size_t maxUnreadReplyBytes = 32 * 1024;       // replies (with their sockets) a client left unread
};

// A decoded wire request answered by the broker: an open-sockets request becomes a SocketRequest;
// a request type this ifpind does not know is refused (BAD_REQUEST) without looking further.
SocketGrant answerWireRequest(SocketBroker &broker, const ifpin_request &request, const PeerCredentials &peer);

class BrokerServer {
public:
    // listener: a listening SOCK_SEQPACKET socket (see openListener / listenerFromSystemd). pins:
    // who answers pin requests; without it they are refused as unavailable.
    BrokerServer(EventLoop &loop, UniqueFd listener, SocketBroker &broker, PinRequestHandler *pins = nullptr,
                 BrokerLimits limits = {});
    ~BrokerServer();
    BrokerServer(const BrokerServer &) = delete;
    BrokerServer &operator=(const BrokerServer &) = delete;

    // Creates the socket at path (and its directory), replacing a stale one. Mode 0666: who may
    // get what is decided per request from the peer's credentials, not by file permissions. Refuses
    // a directory others may write to (socket_directory.hpp).
    static UniqueFd openListener(const std::string &path);
    // The socket systemd passed (socket activation) when it is a SEQPACKET socket listening on
    // path; an invalid UniqueFd when systemd passed none.
    static UniqueFd listenerFromSystemd(const std::string &path);

    // Before exit: accept no more clients (under socket activation they wait for the next ifpind)
    // and answer the requests already received, so that a restart loses none of them.
    void answerPending();

private:
    struct Connection;

    void acceptClients();
    void serve(Connection &connection);
    // Returns false when the connection must be closed.
    bool answer(Connection &connection, const uint8_t *request, ClientMessage &message);
    // Hands a pin request to pins_; the connection reads nothing more until finishPin.
    bool askToPin(Connection &connection, const ifpin_request &request, ClientMessage &message);
    void finishPin(int fd, uint64_t serial, const SocketGrant &grant);
    bool sendReply(Connection &connection, const SocketGrant &grant);
    void close(int fd);
    void sweepIdle();

    EventLoop &loop_;
    UniqueFd listener_;
    SocketBroker &broker_;
    PinRequestHandler *pins_;
    BrokerLimits limits_;
    uint64_t nextSerial_ = 1; // tells a connection from a later one on the same descriptor number
    EventSourcePtr listenerSource_;
    EventSourcePtr acceptBackoffTimer_;
    EventSourcePtr idleTimer_;
    EventSourcePtr reaper_;
    std::map<int, std::unique_ptr<Connection>> connections_;
    std::vector<std::unique_ptr<Connection>> closed_;
};

} // namespace ifpin
