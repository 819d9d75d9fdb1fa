#include "config/role_clash.hpp"

#include <algorithm>

namespace ifpin {

namespace {

// The kernel keeps an IPv6 route of metric 0 at 1024 (ip6_route_info_create: "if (!rt->fib6_metric)
// rt->fib6_metric = IP6_RT_PRIO_USER"), so 0 and 1024 are one IPv6 metric: two roles there would have
// one multipath default route across both uplinks.
uint32_t ipv6Metric(uint32_t metric)
{
    return metric == 0 ? ipv6DefaultMetric : metric;
}

bool same(RoleField field, const RoleConfig &a, const RoleConfig &b)
{
    if (field == RoleField::interface)
        return a.interface == b.interface;
    return a.metric == b.metric || ipv6Metric(a.metric) == ipv6Metric(b.metric);
}

} // namespace

const RoleConfig *clashingRole(std::span<const RoleConfig> holders, const RoleConfig &role, RoleField field)
{
    auto found = std::find_if(holders.begin(), holders.end(), [&](const RoleConfig &holder) {
        return holder.name != role.name && same(field, role, holder);
    });
    return found == holders.end() ? nullptr : &*found;
}

std::string clashMessage(RoleField field, const RoleConfig &role, const RoleConfig &holder)
{
    std::string value = field == RoleField::metric ? "metric " + std::to_string(role.metric)
                                                   : "interface " + role.interface;
    std::string message = value + " is already used by role " + holder.name;
    if (field == RoleField::metric && role.metric != holder.metric)
        message += " (its metric " + std::to_string(holder.metric) + ": IPv6 stores metric 0 as " +
                   std::to_string(ipv6DefaultMetric) + ")";
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
