#include "routes/route_planner.hpp"

#include <algorithm>

#include <linux/rtnetlink.h>

namespace ifpin {

uint32_t kernelMetric(Family family, uint32_t metric)
{
    constexpr uint32_t ipv6DefaultMetric = 1024; // IP6_RT_PRIO_USER
    return family == Family::inet6 && metric == 0 ? ipv6DefaultMetric : metric;
}

RouteFact makeOwnRoute(Family family, uint32_t table, int ifindex, const std::optional<IpAddress> &gateway,
                       uint32_t metric, uint8_t protocol)
{
    RouteFact route;
    route.family = family;
    route.table = table;
    route.metric = kernelMetric(family, metric);
    route.protocol = protocol;
    // IPv4 routes without a gateway are on-link (scope link); IPv6 routes are always universe.
    route.scope = family == Family::inet && !gateway ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    route.type = RTN_UNICAST;
    route.ifindex = ifindex;
    route.gateway = gateway;
    return route;
}

bool RoutePlan::empty() const
{
    return staleOwn.empty() && std::all_of(roles.begin(), roles.end(), [](const RoleRoutePlan &plan) {
               return plan.make.empty() && plan.clear.empty();
           });
}

namespace {

bool isExactly(const RouteFact &actual, const RouteFact &wanted)
{
    return actual.sameRoute(wanted) && !actual.multipath;
}

// IPv6 refuses a second route with the same metric and nexthop, whatever its protocol (EEXIST), so
// such a foreign route has to be replaced rather than added beside.
bool blocksIpv6Add(const RouteFact &actual, const RouteFact &wanted)
{
    return wanted.family == Family::inet6 && actual.family == Family::inet6 && actual.metric == wanted.metric &&
           actual.ifindex == wanted.ifindex && actual.gateway == wanted.gateway;
}

// competitors: the routes the wanted one is to stand alone among (those on its interface in the
// managed table; its whole table for a reply table), all of them in want's table.
RoleRoutePlan planOne(const WantedRoute &wanted, std::span<const RouteFact> actual, bool wholeTable)
{
    const RouteFact &want = wanted.route;
    RoleRoutePlan plan{wanted.role, want.family, {}, {}, wholeTable};

    std::vector<RouteFact> onInterface;
    for (const auto &route : actual)
        if (route.family == want.family && route.table == want.table &&
            (wholeTable || route.ifindex == want.ifindex))
            onInterface.push_back(route);

    bool present = std::any_of(onInterface.begin(), onInterface.end(),
                               [&](const RouteFact &route) { return isExactly(route, want); });
    const RouteFact *consumed = nullptr;
    if (!present) {
        auto blocker = std::find_if(onInterface.begin(), onInterface.end(),
                                    [&](const RouteFact &route) { return blocksIpv6Add(route, want); });
        if (blocker == onInterface.end()) {
            plan.make.push_back({RouteChange::Kind::add, want});
        } else {
            // NLM_F_REPLACE swaps the first route of that metric in place: safe only when the blocker is
            // the only one at that metric. Otherwise delete it first: a moment without, but correct.
            auto sameMetric = std::count_if(actual.begin(), actual.end(), [&](const RouteFact &route) {
                return route.family == want.family && route.table == want.table && route.metric == want.metric;
            });
            if (sameMetric == 1) {
                plan.make.push_back({RouteChange::Kind::replace, want});
            } else {
                plan.make.push_back({RouteChange::Kind::remove, *blocker});
                plan.make.push_back({RouteChange::Kind::add, want});
            }
            consumed = &*blocker;
        }
    }

    for (const auto &route : onInterface) {
        if (isExactly(route, want) || (consumed && route == *consumed) || route.multipath)
            continue;
        plan.clear.push_back({RouteChange::Kind::remove, route});
    }
    return plan;
}

bool contains(std::span<const int> values, int value)
{
    return std::find(values.begin(), values.end(), value) != values.end();
}

} // namespace

RoutePlan planRoutes(std::span<const WantedRoute> wanted, std::span<const int> managedIfindexes,
                     std::span<const RouteFact> actual, uint8_t ownProtocol)
{
    RoutePlan plan;
    for (const auto &want : wanted)
        plan.roles.push_back(planOne(want, actual, false));

    for (const auto &route : actual) {
        if (contains(managedIfindexes, route.ifindex))
            continue;
        if (route.protocol == ownProtocol && !route.multipath) {
            plan.staleOwn.push_back({RouteChange::Kind::remove, route});
            continue;
        }
        OutrankingRoute outranking{route, {}};
        for (const auto &want : wanted)
            if (want.route.family == route.family && route.metric < want.route.metric)
                outranking.outrankedRoles.push_back(want.role);
        if (!outranking.outrankedRoles.empty())
            plan.outranking.push_back(std::move(outranking));
    }
    return plan;
}

RoutePlan planReplyRoutes(std::span<const WantedRoute> wanted, std::span<const ReplyTable> tables,
                          std::span<const RouteFact> actual, uint8_t ownProtocol)
{
    RoutePlan plan;
    for (const auto &want : wanted)
        plan.roles.push_back(planOne(want, actual, true));

    for (const auto &route : actual) {
        if (route.protocol != ownProtocol || route.multipath)
            continue;
        bool planned = std::any_of(wanted.begin(), wanted.end(), [&](const WantedRoute &want) {
            return want.route.table == route.table && want.route.family == route.family;
        });
        if (planned)
            continue; // kept or cleared by that table's plan
        bool kept = std::any_of(tables.begin(), tables.end(), [&](const ReplyTable &table) {
            return table.table == route.table && table.ifindex != 0 && table.ifindex == route.ifindex;
        });
        if (!kept)
            plan.staleOwn.push_back({RouteChange::Kind::remove, route});
    }
    return plan;
}

std::optional<ObservedGateway> observeGateway(std::span<const RouteFact> actual, Family family, int ifindex,
                                              uint8_t ownProtocol)
{
    const RouteFact *foreign = nullptr;
    const RouteFact *own = nullptr;
    for (const auto &route : actual) {
        if (route.family != family || route.ifindex != ifindex || route.multipath)
            continue;
        // A gateway of the other family (RTA_VIA) cannot be used for this family's route.
        if (route.gateway && route.gateway->family() != family)
            continue;
        const RouteFact *&slot = route.protocol == ownProtocol ? own : foreign;
        if (!slot || route.metric < slot->metric)
            slot = &route;
    }
    if (foreign)
        return ObservedGateway{foreign->gateway, true, *foreign};
    if (own)
        return ObservedGateway{own->gateway, false, *own};
    return std::nullopt;
}

} // namespace ifpin
