// What ifpind knows about the kernel: plain values decoded from rtnetlink messages.
// Only default routes of the managed table and of the roles' reply tables are ever held, never the
// whole route table; only the addresses of the roles' interfaces; only ifpind's own policy rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip_address.hpp"

namespace ifpin {

// One default route (one nexthop of it, for IPv6 multipath routes) as the kernel reports it.
struct RouteFact {
    Family family = Family::inet;
    uint32_t table = 0;
    uint32_t metric = 0; // RTA_PRIORITY; absent means 0
    uint8_t protocol = 0;
    uint8_t scope = 0;
    uint8_t type = 0;
    uint8_t tos = 0;
    int ifindex = 0; // RTA_OIF, or the nexthop's interface
    std::optional<IpAddress> gateway;
    // An IPv4 route with several nexthops: ifpind reports such routes but never deletes them, because
    // the kernel cannot remove one nexthop of an IPv4 multipath route.
    bool multipath = false;
    // When the kernel deletes the route by itself (RTA_CACHEINFO's rta_expires: a route from a router
    // advertisement lives as long as the router lifetime it advertised), counted from when the
    // message was read; negative when overdue. Empty for a route that does not expire. Not part of
    // what names a route (sameRoute): the same route reported later has less of it left.
    std::optional<std::chrono::milliseconds> expiresIn;

    // The fields the kernel uses to tell two default routes of one table apart.
    bool sameRoute(const RouteFact &other) const
    {
        return family == other.family && table == other.table && metric == other.metric &&
               protocol == other.protocol && tos == other.tos && ifindex == other.ifindex &&
               gateway == other.gateway;
    }
    friend bool operator==(const RouteFact &, const RouteFact &) = default;
};

// "default via 192.0.2.1 dev media0 metric 100 proto 241", as ip(8) would show it (with the
// protocol's number): for logs and the D-Bus OutrankedBy property.
std::string describe(const RouteFact &route, std::string_view device);

// One address of an interface, as RTM_NEWADDR reports it.
struct AddressFact {
    int ifindex = 0;
    IpAddress address;         // IFA_LOCAL, else IFA_ADDRESS (they differ on point-to-point links)
    uint8_t prefixLength = 0;
    uint8_t scope = 0;         // RT_SCOPE_*: universe, site, link (fe80::/10), host
    uint32_t flags = 0;        // IFA_F_*, from IFA_FLAGS when the kernel sends it (bits above 8)

    // Not tentative (unless optimistic, which may be used while DAD runs) and not DAD-failed: the
    // kernel would use it as a source now.
    bool usable() const;
    // The same address of the same interface (the key the kernel keeps it under).
    bool sameAddress(const AddressFact &other) const
    {
        return ifindex == other.ifindex && address == other.address && prefixLength == other.prefixLength;
    }
    friend bool operator==(const AddressFact &, const AddressFact &) = default;
};

// One policy rule of the two kinds ifpind writes (ip-rule(8)): "from SOURCE lookup TABLE" and
// "from all lookup TABLE suppress_prefixlength N", at a priority, with a protocol.
struct RuleFact {
    Family family = Family::inet;
    uint32_t priority = 0;
    uint32_t table = 0;
    std::optional<IpAddress> source;               // one address (/32, /128); empty: from all
    std::optional<uint32_t> suppressPrefixLength;  // FRA_SUPPRESS_PREFIXLEN
    uint8_t protocol = 0;                          // FRA_PROTOCOL

    friend bool operator==(const RuleFact &, const RuleFact &) = default;
};

// "32002: from 198.51.100.2 lookup 1002 proto 241", as `ip -N rule` shows it (with numbers): for
// logs and the D-Bus ReplyRules properties.
std::string describe(const RuleFact &rule);

struct LinkFact {
    int ifindex = 0;
    std::string name;
    unsigned flags = 0; // IFF_*

    bool adminUp() const;
    bool hasCarrier() const; // IFF_LOWER_UP
    friend bool operator==(const LinkFact &, const LinkFact &) = default;
};

} // namespace ifpin
