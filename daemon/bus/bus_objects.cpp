#include "bus/bus_objects.hpp"

#include <algorithm>

namespace ifpin {

BusObjects::BusObjects(sdbus::IConnection &connection, BusContext &context)
    : connection_(connection), context_(context),
      manager_(std::make_unique<ManagerObject>(connection, context))
{
    refresh();
}

void BusObjects::refresh()
{
    const auto &roles = context_.backend.policy.config().roles;
    const std::vector<std::string> roleInterface{org::ifpin1::Role_adaptor::INTERFACE_NAME};
    for (auto entry = roles_.begin(); entry != roles_.end();) {
        bool wanted = std::any_of(roles.begin(), roles.end(),
                                  [&](const RoleConfig &role) { return role.name == entry->first; });
        if (wanted) {
            ++entry;
            continue;
        }
        // Emitted while the object is still registered: sd-bus checks the interfaces it names.
        entry->second->emitInterfacesRemovedSignal(roleInterface);
        entry = roles_.erase(entry);
    }
    for (const auto &role : roles) {
        auto found = roles_.find(role.name);
        if (found == roles_.end()) {
            auto &added = roles_.emplace(role.name, std::make_unique<RoleObject>(connection_, context_, role.name))
                              .first->second;
            added->emitInterfacesAddedSignal(roleInterface);
        } else {
            found->second->emitChanges();
        }
    }
    // Not the checkpoint object: a reconcile may come from inside a Rollback that was authorised at
    // once (the caller's credentials known), i.e. inside that object's own handler. It follows the
    // open checkpoint from the loop (checkpointChanged).
}

} // namespace ifpin
