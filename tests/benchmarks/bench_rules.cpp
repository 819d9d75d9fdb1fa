#include "bench_rules.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ifpin::bench {

Rule parseRule(int family, const std::string &source, uint32_t priority, uint32_t table, uint8_t protocol)
{
    Rule rule;
    rule.family = family;
    rule.priority = priority;
    rule.table = table;
    rule.protocol = protocol;
    if (!source.empty()) {
        if (inet_pton(family, source.c_str(), rule.source.data()) != 1)
            throw std::runtime_error("bad source " + source);
        rule.sourceLength = family == AF_INET ? 32 : 128;
    }
    return rule;
}

bool sameRule(const Rule &a, const Rule &b)
{
    return a.family == b.family && a.priority == b.priority && a.table == b.table &&
           a.sourceLength == b.sourceLength && a.protocol == b.protocol && a.source == b.source;
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

std::vector<uint8_t> encodeRule(uint16_t type, uint16_t flags, const Rule &rule, uint32_t seq)
{
    std::vector<uint8_t> message(NLMSG_SPACE(sizeof(fib_rule_hdr)));
    fib_rule_hdr frh{};
    frh.family = uint8_t(rule.family);
    frh.src_len = rule.sourceLength;
    frh.table = rule.table < 256 ? uint8_t(rule.table) : uint8_t(RT_TABLE_UNSPEC);
    frh.action = FR_ACT_TO_TBL;
    std::memcpy(message.data() + NLMSG_HDRLEN, &frh, sizeof frh);
    addAttribute(message, FRA_TABLE, &rule.table, 4);
    addAttribute(message, FRA_PRIORITY, &rule.priority, 4);
    if (rule.sourceLength)
        addAttribute(message, FRA_SRC, rule.source.data(), rule.family == AF_INET ? 4 : 16);
    addAttribute(message, FRA_PROTOCOL, &rule.protocol, 1);
    nlmsghdr header{uint32_t(message.size()), type, uint16_t(NLM_F_REQUEST | flags), seq, 0};
    std::memcpy(message.data(), &header, sizeof header);
    return message;
}

std::optional<Rule> decodeRule(const nlmsghdr *header)
{
    if (header->nlmsg_len < NLMSG_LENGTH(sizeof(fib_rule_hdr)))
        return std::nullopt;
    const auto *frh = static_cast<const fib_rule_hdr *>(NLMSG_DATA(header));
    Rule rule;
    rule.family = frh->family;
    rule.table = frh->table;
    rule.sourceLength = frh->src_len;
    rule.protocol = 0;
    int length = int(header->nlmsg_len - NLMSG_LENGTH(sizeof(fib_rule_hdr)));
    auto *attr = reinterpret_cast<const rtattr *>(reinterpret_cast<const uint8_t *>(frh) + NLMSG_ALIGN(sizeof *frh));
    for (; RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
        size_t size = RTA_PAYLOAD(attr);
        switch (attr->rta_type) {
        case FRA_TABLE: std::memcpy(&rule.table, RTA_DATA(attr), 4); break;
        case FRA_PRIORITY: std::memcpy(&rule.priority, RTA_DATA(attr), 4); break;
        case FRA_SRC: std::memcpy(rule.source.data(), RTA_DATA(attr), std::min<size_t>(size, 16)); break;
        case FRA_PROTOCOL: rule.protocol = *static_cast<const uint8_t *>(RTA_DATA(attr)); break;
        default: break;
        }
    }
    return rule;
}

} // namespace

RuleNetlink::RuleNetlink() : buffer_(1 << 16)
{
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0)
        throw std::runtime_error("netlink socket: " + std::string(std::strerror(errno)));
    int receive = 1 << 20;
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &receive, sizeof receive) < 0)
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive, sizeof receive);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (bind(fd_, reinterpret_cast<sockaddr *>(&local), sizeof local) < 0)
        throw std::runtime_error("netlink bind: " + std::string(std::strerror(errno)));
}

RuleNetlink::~RuleNetlink()
{
    if (fd_ >= 0)
        close(fd_);
}

void RuleNetlink::subscribe()
{
    for (int group : {RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE})
        if (setsockopt(fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
            throw std::runtime_error("NETLINK_ADD_MEMBERSHIP: " + std::string(std::strerror(errno)));
}

int RuleNetlink::request(uint16_t type, uint16_t flags, const Rule &rule)
{
    uint32_t seq = seq_++;
    auto message = encodeRule(type, flags | NLM_F_ACK, rule, seq);
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
             header = NLMSG_NEXT(header, remaining))
            if (header->nlmsg_type == NLMSG_ERROR && header->nlmsg_seq == seq)
                return static_cast<nlmsgerr *>(NLMSG_DATA(header))->error;
    }
}

std::optional<RuleEvent> RuleNetlink::waitEvent(const std::function<bool(const RuleEvent &)> &match,
                                                Clock::duration deadline)
{
    auto end = Clock::now() + deadline;
    for (;;) {
        ssize_t length = recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (length < 0) {
            if (errno == ENOBUFS)
                continue;
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
            if (header->nlmsg_type != RTM_NEWRULE && header->nlmsg_type != RTM_DELRULE)
                continue;
            if (auto rule = decodeRule(header)) {
                RuleEvent event{header->nlmsg_type, *rule, at};
                if (match(event))
                    return event;
            }
        }
    }
}

} // namespace ifpin::bench
