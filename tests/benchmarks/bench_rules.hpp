// Raw rtnetlink for the rule benchmark: policy-rule requests with an ACK, and a listener of the
// IPv4 and IPv6 rule groups. No libnl, as in bench_netlink.hpp: the benchmarks must not share the
// daemon's code paths.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace ifpin::bench {

// "from SOURCE lookup TABLE" at a priority (a whole address; "" is "from all").
struct Rule {
    int family = 2; // AF_INET
    uint32_t priority = 0;
    uint32_t table = 0;
    std::array<uint8_t, 16> source{};
    uint8_t sourceLength = 0;
    uint8_t protocol = 4; // RTPROT_STATIC
};
Rule parseRule(int family, const std::string &source, uint32_t priority, uint32_t table, uint8_t protocol);
bool sameRule(const Rule &a, const Rule &b); // everything above

struct RuleEvent {
    uint16_t type = 0; // RTM_NEWRULE or RTM_DELRULE
    Rule rule;
    Clock::time_point at;
};

class RuleNetlink {
public:
    RuleNetlink();
    ~RuleNetlink();
    RuleNetlink(const RuleNetlink &) = delete;
    RuleNetlink &operator=(const RuleNetlink &) = delete;

    // Joins RTNLGRP_IPV4_RULE and RTNLGRP_IPV6_RULE: use one object for requests, another to listen.
    void subscribe();
    // 0 or the kernel's negative errno.
    int request(uint16_t type, uint16_t flags, const Rule &rule);
    // Waits for a rule event matching; the time it was read. Events not matching are dropped.
    std::optional<RuleEvent> waitEvent(const std::function<bool(const RuleEvent &)> &match, Clock::duration deadline);

private:
    int fd_ = -1;
    uint32_t seq_ = 1;
    std::vector<uint8_t> buffer_;
};

} // namespace ifpin::bench
