#include "broker/broker_server.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "broker/peer_credentials.hpp"
#include "broker/socket_directory.hpp"

namespace ifpin {

using Clock = std::chrono::steady_clock;

struct BrokerServer::Connection {
    UniqueFd fd;
    PeerCredentials peer;
    EventSourcePtr source;
    size_t requests = 0;
    bool groupsRead = false;
    Clock::time_point lastActivity;
    uint64_t serial = 0;
    bool awaitingPin = false; // a pin request is being answered: read nothing more meanwhile
    // Sockets sent on this connection since its client was last seen to have read every reply
    // (SIOCOUTQ 0: the kernel frees a message, and uncharges its descriptors, as it is received).
    size_t inFlight = 0;
    // Served no more, kept open only while sockets sent on it are in flight (see close()).
    bool draining = false;
};

namespace {

// After the connections' own events (SD_EVENT_PRIORITY_NORMAL); see the constructor.
constexpr int64_t kListenerPriority = SD_EVENT_PRIORITY_NORMAL + 10;

sockaddr_un socketAddress(const std::string &path)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        throw std::runtime_error("broker socket path is too long: " + path);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

// A socket file left by a daemon that died is removed; a live one means another ifpind serves it.
void removeStaleSocket(const std::string &path)
{
    struct stat st {};
    if (lstat(path.c_str(), &st) < 0)
        return;
    if (!S_ISSOCK(st.st_mode))
        throw std::runtime_error("broker socket path exists and is not a socket: " + path);
    UniqueFd probe(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un address = socketAddress(path);
    if (connect(probe.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) == 0)
        throw std::runtime_error("another process is already serving the broker socket " + path);
    unlink(path.c_str());
}

} // namespace

SocketGrant answerWireRequest(SocketBroker &broker, const ifpin_request &request, const PeerCredentials &peer)
{
    if (request.type != IFPIN_REQUEST_OPEN_SOCKETS) {
        std::string why = "unknown request type " + std::to_string(request.type);
        broker.logRefusal(fmt::format("broker: refused a request of {}: {}", peer.describe(), why));
        return SocketGrant{IFPIN_STATUS_BAD_REQUEST, 0, why, {}};
    }
    SocketRequest wanted;
    wanted.role.assign(request.role, strnlen(request.role, sizeof request.role));
    wanted.family = request.family;
    wanted.type = request.sock_type;
    wanted.protocol = request.protocol;
    wanted.count = request.count;
    return broker.open(wanted, peer);
}

UniqueFd BrokerServer::openListener(const std::string &path)
{
    std::filesystem::path directory = std::filesystem::path(path).parent_path();
    std::error_code error;
    if (std::filesystem::create_directories(directory, error); error)
        throw std::runtime_error("cannot create " + directory.string() + ": " + error.message());
    // A squatter who may write the directory could replace the socket with one of its own.
    if (auto problem = socketDirectoryProblem(directory.string()))
        throw std::runtime_error("refusing to make the broker socket " + path + ": " + *problem);
    removeStaleSocket(path);

    UniqueFd listener(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address = socketAddress(path);
    if (!listener || bind(listener.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) < 0 ||
        chmod(path.c_str(), 0666) < 0 || listen(listener.get(), SOMAXCONN) < 0)
        throw std::runtime_error("cannot listen on " + path + ": " + std::strerror(errno));
    return listener;
}

UniqueFd BrokerServer::listenerFromSystemd(const std::string &path)
{
    int count = sd_listen_fds(1);
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + count; ++fd) {
        if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, path.c_str(), 0) > 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            fcntl(fd, F_SETFD, FD_CLOEXEC);
            return UniqueFd(fd);
        }
        spdlog::warn("ignoring a socket from systemd (fd {}) that is not a SEQPACKET socket listening on {}", fd,
                     path);
    }
    return UniqueFd();
}

BrokerServer::BrokerServer(EventLoop &loop, UniqueFd listener, SocketBroker &broker, PinRequestHandler *pins,
                           BrokerLimits limits)
    : loop_(loop), listener_(std::move(listener)), broker_(broker), pins_(pins), limits_(limits),
      clientLog_(loop, "broker lines about clients")
{
    // A pin request proves its sender's pid with SCM_CREDENTIALS, which the kernel delivers only to
    // a socket with SO_PASSCRED; accepted connections inherit it from the listener.
    int on = 1;
    if (setsockopt(listener_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
        spdlog::warn("broker: cannot set SO_PASSCRED on the listener: {}; pin requests will be refused",
                     std::strerror(errno));
    listenerSource_ = loop_.addIo(listener_.get(), EPOLLIN, [this](uint32_t) { acceptClients(); });
    // Clients that reconnect as fast as they are answered would otherwise keep ifpind accepting
    // while the hang-ups of their earlier connections wait, until the table is full and new
    // clients are refused BUSY (seen with 8 benchmark clients). Accepting comes after every ready
    // connection and in bounded batches, so closed connections leave the table first.
    listenerSource_->setPriority(kListenerPriority);
    acceptBackoffTimer_ = loop_.addTimer([this] {
        listenerSource_->enable();
        acceptClients();
    });
    idleTimer_ = loop_.addTimer([this] { sweepIdle(); });
    reaper_ = loop_.addDefer([this] { closed_.clear(); });
}

BrokerServer::~BrokerServer() = default;

void BrokerServer::acceptClients()
{
    for (size_t round = 0; round < limits_.acceptBatch; ++round) {
        UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: stop watching the listener (it would wake us in a busy loop)
                // and look again shortly; clients wait in the backlog meanwhile.
                spdlog::warn("broker: cannot accept clients: {}; pausing for {} ms", std::strerror(errno),
                             limits_.acceptBackoff.count());
                listenerSource_->disable();
                acceptBackoffTimer_->armIn(limits_.acceptBackoff);
            } else if (errno != EAGAIN) {
                spdlog::error("broker: accept failed: {}", std::strerror(errno));
            }
            return;
        }
        auto peer = PeerCredentials::of(client.get());
        std::optional<std::string> refusal;
        if (!peer) {
            refusal = "no peer credentials";
        } else {
            auto ofUid = connectionsOf_.find(peer->uid);
            ConnectionCounts counts{connections_.size(), ofUid == connectionsOf_.end() ? 0 : ofUid->second};
            // Who some role admits matters only in the room kept for them: no look-up otherwise.
            bool allowListed = false;
            if (peer->uid != 0 && inReservedRoom(limits_.clients, counts)) {
                if (broker_.anyRoleChecksGroups())
                    peer->readGroups(client.get());
                allowListed = broker_.admitsSomewhere(*peer);
            }
            refusal = connectionRefusal(limits_.clients, counts, peer->uid, allowListed);
        }
        if (refusal) {
            // As cheap as it can be: one reply, no event source, a log line only now and then.
            Connection refused{std::move(client), peer.value_or(PeerCredentials{}), nullptr, 0, false, Clock::now(), 0,
                               false};
            sendReply(refused, SocketGrant{IFPIN_STATUS_BUSY, 0, *refusal, {}});
            clientLog_.log(spdlog::level::warn,
                           fmt::format("broker: refused a connection from {}: {}", refused.peer.describe(), *refusal));
            continue;
        }
        int fd = client.get();
        auto connection = std::make_unique<Connection>();
        connection->fd = std::move(client);
        connection->peer = *peer;
        connection->lastActivity = Clock::now();
        connection->serial = nextSerial_++;
        Connection &accepted = *connection;
        connections_[fd] = std::move(connection);
        ++connectionsOf_[peer->uid];
        // One line per connection, at debug: how tests tell that a client reused its connection.
        spdlog::debug("broker: accepted a connection of {}", peer->describe());
        if (!idleTimer_->armed())
            idleTimer_->armIn(limits_.idleTimeout);
        // A client sends its request right after connecting: it is often there already, and
        // answering now saves a trip through the loop, and the epoll registration as well when
        // the client has hung up by the time its reply is sent.
        serve(accepted);
        if (connections_.contains(fd) && !accepted.source) {
            accepted.source = loop_.addIo(fd, accepted.draining ? EPOLLRDHUP : EPOLLIN, [this, fd](uint32_t events) {
                auto it = connections_.find(fd);
                if (it == connections_.end())
                    return;
                if (it->second->draining)
                    drained(*it->second, events);
                else
                    serve(*it->second);
            });
            if (accepted.awaitingPin)
                accepted.source->disable();
        }
    }
}

void BrokerServer::serve(Connection &connection)
{
    std::array<uint8_t, IFPIN_REQUEST_MAX> buffer{};
    while (!connection.awaitingPin && !connection.draining) {
        ClientMessage message;
        Received received = receiveClientMessage(connection.fd.get(), buffer, message);
        if (received == Received::wouldBlock)
            return;
        if (received == Received::closed) { // the client hung up: its receive queue goes with it
            forget(connection.fd.get());
            return;
        }
        connection.lastActivity = Clock::now();
        if (!answer(connection, buffer.data(), message)) {
            close(connection.fd.get());
            return;
        }
    }
    // Until the pin request is answered: finishPin watches the connection again.
    if (connection.awaitingPin && connection.source)
        connection.source->disable();
}

bool BrokerServer::answer(Connection &connection, const uint8_t *request, ClientMessage &message)
{
    // A client that sends requests without reading the replies is served no more past a few unread
    // replies (the sockets it was sent are bounded apart, in inFlightRefusal).
    // (Nothing can be unread before the first reply: one ioctl less on a fresh connection.)
    int unread = 0;
    if (connection.requests > 0 && ioctl(connection.fd.get(), SIOCOUTQ, &unread) == 0 && static_cast<size_t>(unread) > limits_.maxUnreadReplyBytes) {
        clientLog_.log(spdlog::level::warn, fmt::format("broker: {} does not read its replies ({} bytes unread); "
                                                        "serving it no more", connection.peer.describe(), unread));
        return false;
    }
    ifpin_request decoded{};
    int status = message.truncated ? IFPIN_STATUS_BAD_REQUEST : ifpin_decode_request(request, message.length, &decoded);
    if (status != IFPIN_STATUS_OK) {
        std::string why = message.truncated ? "request larger than " + std::to_string(IFPIN_REQUEST_MAX) + " bytes"
                          : status == IFPIN_STATUS_UNSUPPORTED_VERSION
                              ? "unsupported protocol version (ifpind speaks " +
                                    std::to_string(IFPIN_PROTOCOL_VERSION) + ")"
                              : "malformed request";
        clientLog_.log(spdlog::level::warn,
                       fmt::format("broker: {} from {}; closing the connection", why, connection.peer.describe()));
        sendReply(connection, SocketGrant{static_cast<ifpin_status>(status), 0, why, {}});
        return false;
    }
    // Descriptors from a client are refused (and closed), but for the one pidfd a pin request carries.
    bool pin = decoded.type == IFPIN_REQUEST_PIN_PROCESS;
    if (message.controlTruncated || message.descriptors.size() > (pin ? 1u : 0u)) {
        SocketGrant refusal{IFPIN_STATUS_BAD_REQUEST, 0,
                            pin ? "a pin request carries one descriptor, the sender's pidfd"
                                : "ifpind accepts no file descriptors from clients",
                            {}};
        sendReply(connection, refusal);
        clientLog_.log(spdlog::level::warn,
                       fmt::format("broker: {} sent {} file descriptor(s); closed them and the connection",
                                   connection.peer.describe(), message.descriptors.size()));
        return false;
    }
    if (++connection.requests > limits_.maxRequestsPerConnection) {
        sendReply(connection, SocketGrant{IFPIN_STATUS_BUSY, 0, "too many requests on one connection", {}});
        return false;
    }
    if (decoded.type == IFPIN_REQUEST_OPEN_SOCKETS && decoded.count >= 1 &&
        decoded.count <= IFPIN_MAX_SOCKETS_PER_REQUEST) {
        // Before any socket is made: a refusal costs nothing but the reply.
        if (auto refusal = inFlightRefusal(connection, decoded.count)) {
            clientLog_.log(spdlog::level::warn, fmt::format("broker: refused {} socket(s) to {}: {}", decoded.count,
                                                            connection.peer.describe(), *refusal));
            return sendReply(connection, SocketGrant{IFPIN_STATUS_BUSY, 0, *refusal, {}});
        }
    }
    if (!connection.groupsRead && broker_.checksGroups(decoded.role)) {
        if (!connection.peer.readGroups(connection.fd.get())) {
            sendReply(connection, SocketGrant{IFPIN_STATUS_BUSY, 0, "no supplementary groups of the peer", {}});
            return false;
        }
        connection.groupsRead = true;
    }
    if (pin)
        return askToPin(connection, decoded, message);
    return sendReply(connection, answerWireRequest(broker_, decoded, connection.peer));
}

bool BrokerServer::askToPin(Connection &connection, const ifpin_request &request, ClientMessage &message)
{
    if (request.family != 0 || request.sock_type != 0 || request.protocol != 0 || request.count != 0)
        return sendReply(connection, SocketGrant{IFPIN_STATUS_INVALID_ARGUMENT, 0,
                                                 "a pin request has family, socket type, protocol and count 0", {}});
    if (!pins_)
        return sendReply(connection, SocketGrant{IFPIN_STATUS_PIN_UNAVAILABLE, 0,
                                                 "this ifpind does not pin processes", {}});
    PinRequest pin;
    pin.role.assign(request.role, strnlen(request.role, sizeof request.role));
    pin.peer = connection.peer;
    pin.peerPidfd = PeerCredentials::pidfdOf(connection.fd.get());
    pin.sentCredentials = message.credentials;
    if (!message.descriptors.empty())
        pin.sentPidfd = std::move(message.descriptors.front());
    connection.awaitingPin = true;
    int fd = connection.fd.get();
    uint64_t serial = connection.serial;
    // May answer at once (ifpind's own cgroups) or later from the loop (a systemd scope).
    pins_->place(std::move(pin), [this, fd, serial](SocketGrant grant) { finishPin(fd, serial, grant); });
    return true;
}

void BrokerServer::finishPin(int fd, uint64_t serial, const SocketGrant &grant)
{
    auto it = connections_.find(fd);
    if (it == connections_.end() || it->second->serial != serial) {
        spdlog::debug("broker: the client of a pin request left before the answer ({})", grant.message);
        return;
    }
    Connection &connection = *it->second;
    connection.awaitingPin = false;
    connection.lastActivity = Clock::now();
    if (!sendReply(connection, grant)) {
        close(fd);
        return;
    }
    if (connection.source) // not yet watched when answered at once, right after accept
        connection.source->enable();
}

bool BrokerServer::sendReply(Connection &connection, const SocketGrant &grant)
{
    ifpin_reply reply{};
    reply.status = static_cast<uint16_t>(grant.status);
    reply.count = static_cast<uint16_t>(grant.sockets.size());
    reply.error = grant.error;
    std::strncpy(reply.message, grant.message.c_str(), IFPIN_MESSAGE_MAX);
    std::array<uint8_t, IFPIN_REPLY_MAX> bytes{};
    size_t length = ifpin_encode_reply(&reply, bytes.data(), bytes.size());

    iovec iov{bytes.data(), length};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(int) * IFPIN_MAX_SOCKETS_PER_REQUEST)> control{};
    if (!grant.sockets.empty()) {
        message.msg_control = control.data();
        message.msg_controllen = CMSG_SPACE(sizeof(int) * grant.sockets.size());
        cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * grant.sockets.size());
        for (size_t i = 0; i < grant.sockets.size(); ++i) {
            int fd = grant.sockets[i].get();
            std::memcpy(CMSG_DATA(header) + i * sizeof(int), &fd, sizeof fd);
        }
    }
    if (sendmsg(connection.fd.get(), &message, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        // EAGAIN: the client does not read its replies; it is dropped rather than waited for.
        clientLog_.log(spdlog::level::warn, fmt::format("broker: cannot answer {}: {}; dropping the connection",
                                                        connection.peer.describe(), std::strerror(errno)));
        return false;
    }
    connection.inFlight += grant.sockets.size();
    return true;
}

size_t BrokerServer::inFlight(Connection &connection)
{
    int unread = 0;
    if (connection.inFlight > 0 && ioctl(connection.fd.get(), SIOCOUTQ, &unread) == 0 && unread == 0)
        connection.inFlight = 0;
    return connection.inFlight;
}

std::optional<std::string> BrokerServer::inFlightRefusal(Connection &connection, size_t count)
{
    InFlight counts;
    counts.ofConnection = inFlight(connection);
    for (auto &[fd, other] : connections_) {
        size_t sockets = inFlight(*other);
        counts.total += sockets;
        if (other->peer.uid == connection.peer.uid)
            counts.ofUid += sockets;
    }
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files); // read each time: it can be changed under a running ifpind
    counts.budget = inFlightBudget(files.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(files.rlim_cur));
    return ifpin::inFlightRefusal(limits_.clients, counts, count, connection.peer.uid);
}

void BrokerServer::answerPending()
{
    listenerSource_->disable();
    acceptBackoffTimer_->disable();
    std::vector<int> open;
    for (const auto &entry : connections_)
        open.push_back(entry.first);
    for (int fd : open) {
        auto it = connections_.find(fd);
        if (it != connections_.end())
            serve(*it->second);
    }
}

void BrokerServer::close(int fd)
{
    auto it = connections_.find(fd);
    if (it == connections_.end())
        return;
    Connection &connection = *it->second;
    if (inFlight(connection) == 0) {
        forget(fd);
        return;
    }
    // Closing would not take back what its client holds unread: the kernel charges it to ifpind as
    // long as the client keeps its end. So the connection stays, counted for its uid, watched only for
    // the client's hang-up, and goes once the client has read or closed.
    if (!connection.draining)
        spdlog::debug("broker: keeping the connection of {} until it receives the {} socket(s) sent to it",
                      connection.peer.describe(), connection.inFlight);
    connection.draining = true;
    if (connection.source) {
        connection.source->setIoEvents(EPOLLRDHUP);
        connection.source->enable();
    }
}

void BrokerServer::drained(Connection &connection, uint32_t events)
{
    // Only what the kernel says counts: a client that shut down its sending half still holds what
    // it did not read. Once it closes, its queue is freed and SIOCOUTQ falls to 0.
    if (inFlight(connection) == 0) {
        forget(connection.fd.get());
        return;
    }
    // Half-closed with sockets unread: nothing to wait for but the end (EPOLLHUP comes anyway) and
    // the idle sweep, which looks again.
    if ((events & EPOLLRDHUP) && connection.source)
        connection.source->setIoEvents(0);
}

void BrokerServer::forget(int fd)
{
    auto it = connections_.find(fd);
    if (it == connections_.end())
        return;
    // The descriptor goes now; the Connection (and the event source whose callback may be running
    // right now) at the next loop iteration.
    if (it->second->source) // not yet watched when closed while served right after accept
        it->second->source->disable();
    if (auto count = connectionsOf_.find(it->second->peer.uid); count != connectionsOf_.end() && --count->second == 0)
        connectionsOf_.erase(count);
    it->second->fd.reset();
    closed_.push_back(std::move(it->second));
    connections_.erase(it);
    reaper_->triggerOnce();
}

void BrokerServer::sweepIdle()
{
    auto deadline = Clock::now() - limits_.idleTimeout;
    std::vector<int> idle;
    for (const auto &[fd, connection] : connections_) {
        // Waiting for ifpind (a pin request systemd is working on) is not the client's silence.
        if (connection->awaitingPin)
            continue;
        if (connection->draining || connection->lastActivity <= deadline)
            idle.push_back(fd);
    }
    for (int fd : idle) {
        auto it = connections_.find(fd);
        if (it == connections_.end())
            continue;
        if (!it->second->draining)
            spdlog::debug("broker: closing idle connection of {}", it->second->peer.describe());
        close(fd); // or keeps it draining, while its client has sockets unread
    }
    // Only while clients are connected does this timer run: an idle daemon has no wake-ups.
    if (!connections_.empty())
        idleTimer_->armIn(limits_.idleTimeout / 2);
}

} // namespace ifpin
