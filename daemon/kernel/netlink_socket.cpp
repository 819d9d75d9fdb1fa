#include "kernel/netlink_socket.hpp"

#include <cerrno>
#include <cstring>

#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <sys/socket.h>

namespace ifpin {

namespace {

// Large enough for one datagram of any dump: the kernel fills up to 32 KiB per recv for dumps and
// truncates silently (MSG_TRUNC) when the buffer is smaller.
constexpr size_t receiveBufferSize = 64 * 1024;

NlSockPtr openRouteSocket()
{
    NlSockPtr sock(nl_socket_alloc());
    if (!sock)
        throw std::bad_alloc();
    if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
        throw NetlinkError(std::string("cannot open rtnetlink socket: ") + nl_geterror(err), EIO);
    int on = 1;
    int fd = nl_socket_get_fd(sock.get());
    // Strict checking makes the kernel honour the filters of our dump requests; extended acks give
    // the kernel's reason for a refused write ("Nexthop has invalid gateway") for the log.
    setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof on);
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
    return sock;
}

std::string errnoText(int error)
{
    return std::strerror(error);
}

} // namespace

void NlSockDeleter::operator()(nl_sock *sock) const
{
    nl_socket_free(sock);
}

bool forEachMessage(std::span<const uint8_t> datagram, const MessageHandler &handler)
{
    auto header = reinterpret_cast<const nlmsghdr *>(datagram.data());
    int remaining = static_cast<int>(datagram.size());
    for (; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining))
        handler(header);
    return remaining == 0;
}

RtnlRequestSocket::RtnlRequestSocket() : sock_(openRouteSocket()), buffer_(receiveBufferSize)
{
    // A blocking socket, but never blocking forever: the kernel answers in microseconds.
    timeval timeout{10, 0};
    setsockopt(nl_socket_get_fd(sock_.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

uint32_t RtnlRequestSocket::send(nl_msg *request)
{
    int sent = nl_send_auto(sock_.get(), request); // fills in pid, seq, NLM_F_REQUEST and NLM_F_ACK
    if (sent < 0)
        throw NetlinkError(std::string("cannot send netlink request: ") + nl_geterror(sent), EIO);
    return nlmsg_hdr(request)->nlmsg_seq;
}

bool RtnlRequestSocket::receiveAnswers(uint32_t seq, const MessageHandler &handler, NetlinkAck *ack)
{
    int fd = nl_socket_get_fd(sock_.get());
    bool finished = false;
    bool interrupted = false;
    while (!finished) {
        ssize_t length = recv(fd, buffer_.data(), buffer_.size(), 0);
        if (length < 0) {
            if (errno == EINTR)
                continue;
            throw NetlinkError("cannot receive netlink answer: " + errnoText(errno), errno);
        }
        forEachMessage({buffer_.data(), static_cast<size_t>(length)}, [&](const nlmsghdr *header) {
            if (header->nlmsg_seq != seq || finished)
                return; // a late answer to an earlier request
            if (header->nlmsg_flags & NLM_F_DUMP_INTR)
                interrupted = true;
            if (header->nlmsg_type == NLMSG_DONE) {
                finished = true;
            } else if (auto answer = decodeAck(header)) {
                finished = true;
                if (ack)
                    *ack = *answer;
                else if (answer->error)
                    throw NetlinkError("kernel refused dump: " + errnoText(answer->error) +
                                           (answer->message.empty() ? "" : " (" + answer->message + ")"),
                                       answer->error);
            } else if (handler) {
                handler(header);
            }
        });
    }
    return !interrupted;
}

NetlinkAck RtnlRequestSocket::transact(nl_msg *request)
{
    NetlinkAck ack;
    receiveAnswers(send(request), nullptr, &ack);
    return ack;
}

void RtnlRequestSocket::dump(nl_msg *request, const MessageHandler &handler)
{
    constexpr int attempts = 5;
    for (int attempt = 1;; ++attempt) {
        if (receiveAnswers(send(request), handler, nullptr) || attempt == attempts)
            return;
        // The table changed while the kernel was dumping it; what was handed out stays valid as
        // facts, and the events queued since then complete it. Dump again anyway for a clean start.
    }
}

namespace {

// Classic BPF over each multicast datagram (one notification per datagram): accept everything but
// RTM_NEWROUTE/RTM_DELROUTE with a non-zero destination prefix length. BPF loads are big-endian,
// netlink headers are host order, hence the htons on the constants.
void attachDefaultRouteFilter(int fd)
{
    constexpr uint32_t typeOffset = offsetof(nlmsghdr, nlmsg_type);
    constexpr uint32_t dstLenOffset = NLMSG_HDRLEN + offsetof(rtmsg, rtm_dst_len);
    sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, typeOffset),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWROUTE), 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELROUTE), 0, 2),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, dstLenOffset),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    sock_fprog filter{static_cast<unsigned short>(std::size(program)), program};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) < 0)
        throw NetlinkError("cannot attach the default-route filter: " + errnoText(errno), errno);
}

} // namespace

RtnlEventSocket::RtnlEventSocket(int receiveBuffer) : sock_(openRouteSocket()), buffer_(receiveBufferSize)
{
    int fd = nl_socket_get_fd(sock_.get());
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receiveBuffer, sizeof receiveBuffer) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    attachDefaultRouteFilter(fd);
    if (int err = nl_socket_add_memberships(sock_.get(), RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
                                            RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE,
                                            RTNLGRP_IPV6_RULE, 0);
        err < 0)
        throw NetlinkError(std::string("cannot subscribe to rtnetlink events: ") + nl_geterror(err), EIO);
    nl_socket_set_nonblocking(sock_.get());
}

int RtnlEventSocket::fd() const
{
    return nl_socket_get_fd(sock_.get());
}

void RtnlEventSocket::subscribeNeighbours(bool on)
{
    int err = on ? nl_socket_add_membership(sock_.get(), RTNLGRP_NEIGH)
                 : nl_socket_drop_membership(sock_.get(), RTNLGRP_NEIGH);
    if (err < 0)
        throw NetlinkError(std::string("cannot ") + (on ? "subscribe to" : "unsubscribe from") +
                               " neighbour events: " + nl_geterror(err),
                           EIO);
}

RtnlEventSocket::DrainResult RtnlEventSocket::drain(const MessageHandler &handler)
{
    DrainResult result = DrainResult::drained;
    for (;;) {
        ssize_t length = recv(fd(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (length < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                result = DrainResult::overflowed; // keep reading: what is queued is still valid
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return result;
            throw NetlinkError("cannot receive rtnetlink events: " + errnoText(errno), errno);
        }
        if (!forEachMessage({buffer_.data(), static_cast<size_t>(length)}, handler))
            result = DrainResult::overflowed; // a truncated datagram: something was lost
    }
}

} // namespace ifpin
