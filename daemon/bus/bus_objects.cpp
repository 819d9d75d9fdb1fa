#include "bus/bus_objects.hpp"

#include <algorithm>

namespace ifpin {

BusObjects::BusObjects(sdbus::IConnection &connection, BusBackend &backend)
    : connection_(connection), backend_(backend),
      manager_(std::make_unique<ManagerObject>(connection, backend))
{
    refresh();
}

void BusObjects::refresh()
{
    const auto &roles = backend_.policy.config().roles;
    std::erase_if(roles_, [&](const auto &entry) {
        return std::none_of(roles.begin(), roles.end(),
                            [&](const RoleConfig &role) { return role.name == entry.first; });
    });
    for (const auto &role : roles) {
        auto found = roles_.find(role.name);
        if (found == roles_.end())
            roles_.emplace(role.name, std::make_unique<RoleObject>(connection_, backend_, role.name));
        else
            found->second->emitChanges();
    }
}

} // namespace ifpin
