#include "config/role_clash.hpp"

#include <algorithm>

namespace ifpin {

namespace {

bool same(RoleField field, const RoleConfig &a, const RoleConfig &b)
{
    return field == RoleField::metric ? a.metric == b.metric : a.interface == b.interface;
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
    return value + " is already used by role " + holder.name;
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
