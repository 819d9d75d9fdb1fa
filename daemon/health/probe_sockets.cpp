#include "health/probe_sockets.hpp"

#include <cerrno>
#include <cstring>
#include <random>

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "health/echo_packets.hpp"

namespace ifpin {

namespace {

std::string errnoText(int error)
{
    return std::strerror(error);
}

// A socket address for target (port 0 for ICMP), with the scope of a link-local IPv6 address.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

SocketAddress socketAddressOf(const IpAddress &address, uint16_t port, int scopeIfindex)
{
    SocketAddress out;
    if (address.family() == Family::inet) {
        auto *in = reinterpret_cast<sockaddr_in *>(&out.storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        std::memcpy(&in->sin_addr, address.bytes().data(), 4);
        out.length = sizeof(sockaddr_in);
    } else {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&out.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        std::memcpy(&in6->sin6_addr, address.bytes().data(), 16);
        if (address.isLinkLocal())
            in6->sin6_scope_id = static_cast<uint32_t>(scopeIfindex);
        out.length = sizeof(sockaddr_in6);
    }
    return out;
}

std::optional<IpAddress> addressOf(const sockaddr_storage &storage)
{
    if (storage.ss_family == AF_INET) {
        const auto &in = reinterpret_cast<const sockaddr_in &>(storage);
        return IpAddress::fromBytes(Family::inet, {reinterpret_cast<const uint8_t *>(&in.sin_addr), 4});
    }
    if (storage.ss_family == AF_INET6) {
        const auto &in6 = reinterpret_cast<const sockaddr_in6 &>(storage);
        return IpAddress::fromBytes(Family::inet6, {reinterpret_cast<const uint8_t *>(&in6.sin6_addr), 16});
    }
    return std::nullopt;
}

void bindToDevice(int fd, const std::string &interface)
{
    // Needs no capability on a socket not bound yet (Linux >= 5.7), as the broker's sockets.
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), static_cast<socklen_t>(interface.size())) < 0)
        throw ProbeSocketError("cannot bind a probe socket to " + interface + ": " + errnoText(errno));
}

int afOf(Family family)
{
    return family == Family::inet ? AF_INET : AF_INET6;
}

} // namespace

EchoSocket::EchoSocket(Family family, const std::string &interface) : family_(family)
{
    int protocol = family == Family::inet ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
    fd_.reset(socket(afOf(family), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
    int pingError = fd_ ? 0 : errno;
    if (!fd_) {
        fd_.reset(socket(afOf(family), SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
        if (!fd_) {
            int rawError = errno;
            throw ProbeSocketError("cannot open an " + std::string(family == Family::inet ? "ICMP" : "ICMPv6") +
                                   " socket: a ping socket was refused (" + errnoText(pingError) +
                                   (pingError == EACCES ? ": ifpind's group is outside net.ipv4.ping_group_range" : "") +
                                   ") and so was a raw one (" + errnoText(rawError) +
                                   (rawError == EPERM ? ": it needs CAP_NET_RAW" : "") + ")");
        }
        kind_ = Kind::raw;
        identifier_ = static_cast<uint16_t>(std::random_device{}());
        // Only echo replies wake ifpind: a raw socket would get every ICMP message the interface receives.
        if (family == Family::inet) {
            icmp_filter filter{~(1u << ICMP_ECHOREPLY)};
            setsockopt(fd_.get(), SOL_RAW, ICMP_FILTER, &filter, sizeof filter);
        } else {
            icmp6_filter filter;
            ICMP6_FILTER_SETBLOCKALL(&filter);
            ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
            setsockopt(fd_.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
        }
    }
    bindToDevice(fd_.get(), interface);
    int on = 1;
    if (family == Family::inet)
        setsockopt(fd_.get(), IPPROTO_IP, IP_RECVERR, &on, sizeof on);
    else
        setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
}

int EchoSocket::send(const IpAddress &target, int scopeIfindex, uint16_t sequence)
{
    std::vector<uint8_t> request = buildEchoRequest(family_, identifier_, sequence);
    SocketAddress to = socketAddressOf(target, 0, scopeIfindex);
    for (;;) {
        ssize_t sent = sendto(fd_.get(), request.data(), request.size(), MSG_DONTWAIT,
                              reinterpret_cast<const sockaddr *>(&to.storage), to.length);
        if (sent >= 0)
            return 0;
        if (errno != EINTR)
            return errno;
    }
}

std::vector<EchoSocket::Answer> EchoSocket::receive()
{
    std::vector<Answer> answers;
    uint8_t buffer[1500];
    for (;;) {
        sockaddr_storage from{};
        socklen_t fromLength = sizeof from;
        ssize_t length = recvfrom(fd_.get(), buffer, sizeof buffer, MSG_DONTWAIT, reinterpret_cast<sockaddr *>(&from),
                                  &fromLength);
        if (length < 0) {
            if (errno == EINTR)
                continue;
            // An error queued for the socket makes recvfrom fail with it: read the queue.
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                readErrors(answers);
            break;
        }
        bool withIpHeader = kind_ == Kind::raw && family_ == Family::inet;
        auto reply = parseEchoReply(family_, {buffer, static_cast<size_t>(length)}, withIpHeader);
        auto peer = addressOf(from);
        // A ping socket gets the replies to its own identifier only; a raw one checks it.
        if (!reply || !peer || (kind_ == Kind::raw && reply->identifier != identifier_))
            continue;
        answers.push_back({*peer, reply->sequence, 0});
    }
    readErrors(answers);
    return answers;
}

void EchoSocket::readErrors(std::vector<Answer> &answers)
{
    for (;;) {
        uint8_t data[512];
        alignas(cmsghdr) uint8_t control[512];
        sockaddr_storage destination{};
        iovec vector{data, sizeof data};
        msghdr message{};
        message.msg_name = &destination;
        message.msg_namelen = sizeof destination;
        message.msg_iov = &vector;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        ssize_t length = recvmsg(fd_.get(), &message, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (length < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        int error = 0;
        for (cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
            bool ours = (header->cmsg_level == SOL_IP && header->cmsg_type == IP_RECVERR) ||
                        (header->cmsg_level == SOL_IPV6 && header->cmsg_type == IPV6_RECVERR);
            if (ours) {
                sock_extended_err extended{};
                std::memcpy(&extended, CMSG_DATA(header), sizeof extended);
                error = static_cast<int>(extended.ee_errno);
            }
        }
        std::span<const uint8_t> sent(data, static_cast<size_t>(length));
        auto sequence = sequenceOfRequest(family_, sent);
        if (!sequence && family_ == Family::inet && !sent.empty() && (sent[0] >> 4) == 4)
            sequence = sequenceOfRequest(family_, sent.subspan(std::min<size_t>(sent.size(), (sent[0] & 0x0f) * 4)));
        auto peer = addressOf(destination);
        if (error && sequence && peer)
            answers.push_back({*peer, *sequence, error});
    }
}

TcpAttempt::TcpAttempt(const HealthTarget &target, const std::string &interface, int scopeIfindex)
{
    fd_.reset(socket(afOf(target.address.family()), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_)
        throw ProbeSocketError("cannot open a TCP socket: " + errnoText(errno));
    bindToDevice(fd_.get(), interface);
    SocketAddress to = socketAddressOf(target.address, target.port, scopeIfindex);
    if (connect(fd_.get(), reinterpret_cast<const sockaddr *>(&to.storage), to.length) < 0 && errno != EINPROGRESS)
        immediateError_ = errno;
}

int TcpAttempt::outcome() const
{
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length) < 0)
        return errno;
    return error;
}

void TcpAttempt::close()
{
    if (!fd_)
        return;
    linger reset{1, 0};
    setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    fd_.reset();
}

std::optional<NeighbourMessage> NeighbourRequests::get(int ifindex, const IpAddress &address)
{
    std::optional<NeighbourMessage> found;
    try {
        requests_.dump(buildNeighbourGetRequest(ifindex, address).get(), [&](const nlmsghdr *header) {
            if (auto message = decodeNeighbourMessage(header); message && message->address == address)
                found = message;
        });
    } catch (const NetlinkError &error) {
        if (error.error() != ENOENT)
            throw;
    }
    return found;
}

int NeighbourRequests::use(int ifindex, const IpAddress &address)
{
    return requests_.transact(buildNeighbourUseRequest(ifindex, address).get()).error;
}

} // namespace ifpin
