// What ifpind knows about the kernel: plain values decoded from rtnetlink messages.
// Only default routes of the managed table are ever held, never the whole route table.
#pragma once

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

struct LinkFact {
    int ifindex = 0;
    std::string name;
    unsigned flags = 0; // IFF_*

    bool adminUp() const;
    bool hasCarrier() const; // IFF_LOWER_UP
    friend bool operator==(const LinkFact &, const LinkFact &) = default;
};

} // namespace ifpin
