// The heart of ifpind, as pure functions: given the routes the policy wants and the default routes
// the kernel holds, decide the smallest ordered set of changes. No I/O here, so every case is a unit
// test; RoutePolicy (route_policy.hpp) carries the plan out through the one RouteWriter.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel/kernel_facts.hpp"

namespace ifpin {

// The metric the kernel stores for a requested one: IPv6 turns 0 into 1024 (IP6_RT_PRIO_USER).
uint32_t kernelMetric(Family family, uint32_t metric);

// ifpind's default route for one role and family: on ifindex, via gateway (or on-link when the
// gateway is empty), at the role's metric, marked with ifpind's protocol.
RouteFact makeOwnRoute(Family family, uint32_t table, int ifindex, const std::optional<IpAddress> &gateway,
                       uint32_t metric, uint8_t protocol);

struct WantedRoute {
    std::string role;
    RouteFact route;
};

struct RouteChange {
    enum class Kind { add, replace, remove };
    Kind kind;
    RouteFact route;
    friend bool operator==(const RouteChange &, const RouteChange &) = default;
};

// The changes for one wanted route: `make` runs first, in order; `clear` (the other default routes on
// the interface) runs only when every step of `make` succeeded, so an interface never loses its
// default route because ours could not be added.
struct RoleRoutePlan {
    std::string role;
    Family family;
    std::vector<RouteChange> make;
    std::vector<RouteChange> clear;
    bool replyTable = false; // the route in the role's reply table, not in the managed table
};

// A default route on an interface no role names that wins over a role's route.
struct OutrankingRoute {
    RouteFact route;
    std::vector<std::string> outrankedRoles;
};

struct RoutePlan {
    std::vector<RoleRoutePlan> roles;
    std::vector<RouteChange> staleOwn; // ifpind's routes on interfaces no role names any more
    std::vector<OutrankingRoute> outranking;

    bool empty() const;
};

// managedIfindexes: the interfaces named by roles that exist now (whether or not a route is wanted
// on them): ifpind's routes there are kept, others' routes are left to the per-role plans.
RoutePlan planRoutes(std::span<const WantedRoute> wanted, std::span<const int> managedIfindexes,
                     std::span<const RouteFact> actual, uint8_t ownProtocol);

// The gateway a route on ifindex tells about: a foreign default route's first (lowest metric), else
// ifpind's own (adopted after a restart). The outer optional is empty when no route says anything;
// an inner empty optional means an on-link route without gateway.
struct ObservedGateway {
    std::optional<IpAddress> gateway;
    bool fromForeignRoute = false;
    RouteFact route; // the route that tells it (its expiry among the rest)
};
// Return routing: the reply table of each role that has one, and the interface the role names there
// now (0 when it does not exist), whose ifpind routes in the table are kept while none is wanted
// (the link is down, the gateway unknown), as on the managed table.
struct ReplyTable {
    std::string role;
    uint32_t table = 0;
    int ifindex = 0;
};

// The plans for the reply tables: each wanted route (its table one of `tables`) made, then every
// other default route of its family in its table cleared, whatever its interface: a reply table
// holds the role's route alone. ifpind's routes in tables no role has (any more), or on an interface
// that is no longer the role's, are stale. Routes of others in a table without a wanted route of
// their family are left.
RoutePlan planReplyRoutes(std::span<const WantedRoute> wanted, std::span<const ReplyTable> tables,
                          std::span<const RouteFact> actual, uint8_t ownProtocol);

std::optional<ObservedGateway> observeGateway(std::span<const RouteFact> actual, Family family, int ifindex,
                                              uint8_t ownProtocol);

} // namespace ifpin
