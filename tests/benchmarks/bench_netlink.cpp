#include "bench_netlink.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ifpin::bench {

Route parseRoute(int family, const std::string &dst, const std::string &gateway, int ifindex, uint32_t metric,
                 uint8_t protocol, uint32_t table)
{
    Route route;
    route.family = family;
    route.table = table;
    auto slash = dst.find('/');
    route.dstLength = uint8_t(std::stoi(dst.substr(slash + 1)));
    if (inet_pton(family, dst.substr(0, slash).c_str(), route.dst.data()) != 1)
        throw std::runtime_error("bad prefix " + dst);
    if (!gateway.empty()) {
        if (inet_pton(family, gateway.c_str(), route.gateway.data()) != 1)
            throw std::runtime_error("bad gateway " + gateway);
        route.hasGateway = true;
    }
    route.ifindex = ifindex;
    route.metric = metric;
    route.protocol = protocol;
    return route;
}

bool sameRoute(const Route &a, const Route &b)
{
    size_t bytes = a.family == AF_INET ? 4 : 16;
    return a.family == b.family && a.table == b.table && a.dstLength == b.dstLength && a.ifindex == b.ifindex &&
           a.metric == b.metric && std::memcmp(a.dst.data(), b.dst.data(), bytes) == 0;
}

int interfaceIndex(const std::string &name)
{
    unsigned index = if_nametoindex(name.c_str());
    if (index == 0)
        throw std::runtime_error("no interface " + name);
    return int(index);
}

namespace {

void addAttribute(std::vector<uint8_t> &message, uint16_t type, const void *data, size_t length)
{
    rtattr header{uint16_t(RTA_LENGTH(length)), type};
    size_t at = message.size();
    message.resize(at + RTA_SPACE(length));
    std::memcpy(message.data() + at, &header, sizeof header);
    std::memcpy(message.data() + at + RTA_LENGTH(0), data, length);
}

std::vector<uint8_t> encodeRoute(uint16_t type, uint16_t flags, const Route &route, uint32_t seq)
{
    std::vector<uint8_t> message(NLMSG_SPACE(sizeof(rtmsg)));
    rtmsg rt{};
    rt.rtm_family = uint8_t(route.family);
    rt.rtm_dst_len = route.dstLength;
    rt.rtm_table = route.table < 256 ? uint8_t(route.table) : uint8_t(RT_TABLE_UNSPEC);
    rt.rtm_protocol = route.protocol;
    rt.rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
    rt.rtm_type = RTN_UNICAST;
    std::memcpy(message.data() + NLMSG_HDRLEN, &rt, sizeof rt);
    size_t bytes = route.family == AF_INET ? 4 : 16;
    addAttribute(message, RTA_TABLE, &route.table, 4);
    if (route.dstLength)
        addAttribute(message, RTA_DST, route.dst.data(), bytes);
    if (route.hasGateway)
        addAttribute(message, RTA_GATEWAY, route.gateway.data(), bytes);
    if (route.ifindex)
        addAttribute(message, RTA_OIF, &route.ifindex, 4);
    addAttribute(message, RTA_PRIORITY, &route.metric, 4);
    nlmsghdr header{uint32_t(message.size()), type, uint16_t(NLM_F_REQUEST | flags), seq, 0};
    std::memcpy(message.data(), &header, sizeof header);
    return message;
}

std::optional<Route> decodeRoute(const nlmsghdr *header)
{
    if (header->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg)))
        return std::nullopt;
    const auto *rt = static_cast<const rtmsg *>(NLMSG_DATA(header));
    Route route;
    route.family = rt->rtm_family;
    route.table = rt->rtm_table;
    route.dstLength = rt->rtm_dst_len;
    route.protocol = rt->rtm_protocol;
    int length = int(RTM_PAYLOAD(header));
    for (auto *attr = RTM_RTA(rt); RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
        size_t size = RTA_PAYLOAD(attr);
        switch (attr->rta_type) {
        case RTA_TABLE: std::memcpy(&route.table, RTA_DATA(attr), 4); break;
        case RTA_DST: std::memcpy(route.dst.data(), RTA_DATA(attr), std::min<size_t>(size, 16)); break;
        case RTA_GATEWAY:
            std::memcpy(route.gateway.data(), RTA_DATA(attr), std::min<size_t>(size, 16));
            route.hasGateway = true;
            break;
        case RTA_OIF: std::memcpy(&route.ifindex, RTA_DATA(attr), 4); break;
        case RTA_PRIORITY: std::memcpy(&route.metric, RTA_DATA(attr), 4); break;
        default: break;
        }
    }
    return route;
}

} // namespace

Rtnl::Rtnl(int receiveBuffer) : buffer_(1 << 16)
{
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0)
        throw std::runtime_error("netlink socket: " + std::string(std::strerror(errno)));
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &receiveBuffer, sizeof receiveBuffer) < 0)
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    int send = 4 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &send, sizeof send);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (bind(fd_, reinterpret_cast<sockaddr *>(&local), sizeof local) < 0)
        throw std::runtime_error("netlink bind: " + std::string(std::strerror(errno)));
}

Rtnl::~Rtnl()
{
    if (fd_ >= 0)
        close(fd_);
}

void Rtnl::subscribeDefaultRoutes()
{
    // One skb per event: pass it when rtm_dst_len (byte 17: after the 16-byte nlmsghdr, the family) is 0.
    static sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NLMSG_HDRLEN + 1),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffff'ffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    sock_fprog program{sizeof code / sizeof code[0], code};
    if (setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0)
        throw std::runtime_error("SO_ATTACH_FILTER: " + std::string(std::strerror(errno)));
    for (int group : {RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE})
        if (setsockopt(fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
            throw std::runtime_error("NETLINK_ADD_MEMBERSHIP: " + std::string(std::strerror(errno)));
}

int Rtnl::routeRequest(uint16_t type, uint16_t flags, const Route &route)
{
    uint32_t seq = seq_++;
    auto message = encodeRoute(type, flags | NLM_F_ACK, route, seq);
    if (::send(fd_, message.data(), message.size(), 0) < 0)
        return -errno;
    for (;;) {
        ssize_t length = recv(fd_, buffer_.data(), buffer_.size(), 0);
        if (length < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        int remaining = int(length);
        for (auto *header = reinterpret_cast<nlmsghdr *>(buffer_.data()); NLMSG_OK(header, remaining);
             header = NLMSG_NEXT(header, remaining)) {
            if (header->nlmsg_type == NLMSG_ERROR && header->nlmsg_seq == seq)
                return static_cast<nlmsgerr *>(NLMSG_DATA(header))->error;
        }
    }
}

void Rtnl::queue(uint16_t type, uint16_t flags, const Route &route)
{
    auto message = encodeRoute(type, flags, route, seq_++);
    batch_.insert(batch_.end(), message.begin(), message.end());
}

void Rtnl::flush()
{
    if (batch_.empty())
        return;
    // The kernel handles a datagram of several requests one after the other.
    while (::send(fd_, batch_.data(), batch_.size(), 0) < 0 && errno == EINTR) {
    }
    batch_.clear();
}

size_t Rtnl::drainErrors()
{
    size_t errors = 0;
    for (;;) {
        ssize_t length = recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (length <= 0)
            return errors;
        int remaining = int(length);
        for (auto *header = reinterpret_cast<nlmsghdr *>(buffer_.data()); NLMSG_OK(header, remaining);
             header = NLMSG_NEXT(header, remaining))
            if (header->nlmsg_type == NLMSG_ERROR && static_cast<nlmsgerr *>(NLMSG_DATA(header))->error != 0)
                ++errors;
    }
}

std::optional<RouteEvent> Rtnl::waitEvent(const std::function<bool(const RouteEvent &)> &match,
                                          Clock::duration deadline, size_t *overflows)
{
    auto end = Clock::now() + deadline;
    for (;;) {
        ssize_t length = recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (length < 0) {
            if (errno == ENOBUFS) {
                if (overflows)
                    ++*overflows;
                continue;
            }
            if (Clock::now() >= end)
                return std::nullopt;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
            pollfd pfd{fd_, POLLIN, 0};
            poll(&pfd, 1, int(std::max<long>(1, left)));
            continue;
        }
        auto at = Clock::now();
        int remaining = int(length);
        for (auto *header = reinterpret_cast<nlmsghdr *>(buffer_.data()); NLMSG_OK(header, remaining);
             header = NLMSG_NEXT(header, remaining)) {
            if (header->nlmsg_type != RTM_NEWROUTE && header->nlmsg_type != RTM_DELROUTE)
                continue;
            if (auto route = decodeRoute(header)) {
                RouteEvent event{header->nlmsg_type, *route, at};
                if (match(event))
                    return event;
            }
        }
    }
}

} // namespace ifpin::bench
