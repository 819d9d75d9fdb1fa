#include "config/role_clash.hpp"

#include <algorithm>
#include <vector>

namespace ifpin {

namespace {

// The kernel keeps an IPv6 route of metric 0 at 1024 (ip6_route_info_create: "if (!rt->fib6_metric)
// rt->fib6_metric = IP6_RT_PRIO_USER"), so 0 and 1024 are one IPv6 metric: two roles there would have
// one multipath default route across both uplinks.
uint32_t ipv6Metric(uint32_t metric)
{
    return metric == 0 ? ipv6DefaultMetric : metric;
}

// A metric a role's default routes can have: its own, or metric + demote_by while it is demoted.
struct RouteMetric {
    uint32_t value;
    bool demoted;
};

std::vector<RouteMetric> routeMetrics(const RoleConfig &role)
{
    std::vector<RouteMetric> metrics{{role.metric, false}};
    if (role.health && role.health->onDown == HealthAction::demote)
        metrics.push_back({demotedMetric(role.metric, role.health->demoteBy), true});
    return metrics;
}

bool sameMetric(uint32_t a, uint32_t b)
{
    return a == b || ipv6Metric(a) == ipv6Metric(b);
}

// The first metric of role's that is also one of holder's (plain ones first, so that two plain
// metrics are named as such), with holder's.
std::optional<std::pair<RouteMetric, RouteMetric>> sharedMetric(const RoleConfig &role, const RoleConfig &holder)
{
    for (const RouteMetric &mine : routeMetrics(role))
        for (const RouteMetric &theirs : routeMetrics(holder))
            if (sameMetric(mine.value, theirs.value))
                return std::pair{mine, theirs};
    return std::nullopt;
}

bool same(RoleField field, const RoleConfig &a, const RoleConfig &b)
{
    if (field == RoleField::interface)
        return a.interface == b.interface;
    return sharedMetric(a, b).has_value();
}

// "demoted metric 20100 (metric 100 + demote_by 20000)".
std::string demotedText(const RoleConfig &role)
{
    return "metric " + std::to_string(role.metric) + " + demote_by " + std::to_string(role.health->demoteBy);
}

} // namespace

const RoleConfig *clashingRole(std::span<const RoleConfig> holders, const RoleConfig &role, RoleField field)
{
    auto found = std::find_if(holders.begin(), holders.end(), [&](const RoleConfig &holder) {
        return holder.name != role.name && same(field, role, holder);
    });
    return found == holders.end() ? nullptr : &*found;
}

bool clashesByDemotedMetric(const RoleConfig &role, const RoleConfig &holder)
{
    auto shared = sharedMetric(role, holder);
    return shared && shared->first.demoted;
}

std::string clashMessage(RoleField field, const RoleConfig &role, const RoleConfig &holder)
{
    if (field == RoleField::interface)
        return "interface " + role.interface + " is already used by role " + holder.name;
    auto shared = sharedMetric(role, holder);
    if (!shared) // called for a clash only; a caller's slip still gets a true sentence
        return "metric " + std::to_string(role.metric) + " is not used by role " + holder.name;
    auto [mine, theirs] = *shared;
    std::string message = mine.demoted ? "demoted metric " + std::to_string(mine.value) + " (" + demotedText(role) + ")"
                                       : "metric " + std::to_string(mine.value);
    message += " is already used by role " + holder.name;
    const std::string ipv6 = ": IPv6 stores metric 0 as " + std::to_string(ipv6DefaultMetric);
    if (theirs.demoted)
        message += " as its demoted metric (" + demotedText(holder) +
                   (mine.value != theirs.value ? " = " + std::to_string(theirs.value) + ipv6 : "") + ")";
    else if (mine.value != theirs.value)
        message += " (its metric " + std::to_string(theirs.value) + ipv6 + ")";
    return message;
}

std::optional<std::string> findClash(std::span<const RoleConfig> roles, std::string_view role)
{
    auto self = std::find_if(roles.begin(), roles.end(), [&](const RoleConfig &r) { return r.name == role; });
    if (self == roles.end())
        return std::nullopt;
    for (RoleField field : {RoleField::metric, RoleField::interface})
        if (const RoleConfig *holder = clashingRole(roles, *self, field))
            return clashMessage(field, *self, *holder);
    return std::nullopt;
}

} // namespace ifpin
