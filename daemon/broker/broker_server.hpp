// The broker's Unix socket (SOCK_SEQPACKET): accepts clients, reads one request per message, answers
// with the reply and the sockets in SCM_RIGHTS. Served from the daemon's event loop; never blocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/client_limits.hpp"
#include "broker/client_message.hpp"
#include "broker/pin_requests.hpp"
#include "broker/socket_broker.hpp"
#include "core/event_loop.hpp"
#include "core/rate_limited_log.hpp"
#include "protocol.h"
#include "core/unique_fd.hpp"

namespace ifpin {

struct BrokerLimits {
    ClientLimits clients;                 // connections (in all, per uid) and sockets in flight
    size_t acceptBatch = 16;              // accepts per wake-up, so hang-ups are reaped in between
    size_t maxRequestsPerConnection = IFPIN_REQUESTS_PER_CONNECTION; // then it is closed
    std::chrono::milliseconds idleTimeout{5000}; // a connection that says nothing is closed
    std::chrono::milliseconds acceptBackoff{100}; // after EMFILE/ENFILE, before accepting again
    size_t maxUnreadReplyBytes = 32 * 1024;       // replies a client left unread: then it is served no more
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
    // Why `count` more sockets may not go to this connection's client now, or nothing.
    std::optional<std::string> inFlightRefusal(Connection &connection, size_t count);
    // Sockets sent on the connection and not received yet (0 once its client has read every reply).
    size_t inFlight(Connection &connection);
    // Closes the connection, unless sockets sent on it are still in its client's receive queue:
    // they stay charged to ifpind until the client reads them or closes, so the connection is kept
    // (and counted) until then, served no more ("draining").
    void close(int fd);
    void drained(Connection &connection, uint32_t events);
    void forget(int fd);
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
    std::map<uid_t, size_t> connectionsOf_; // per uid, of connections_
    std::vector<std::unique_ptr<Connection>> closed_;
    RateLimitedLog clientLog_; // what a client can make ifpind say at will
};

} // namespace ifpin
