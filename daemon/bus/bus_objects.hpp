// ifpind's objects on the bus: the manager, and one role object per role in force, kept in step
// with the roles after each reconcile.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/method_call.hpp"
#include "bus/manager_object.hpp"
#include "bus/role_object.hpp"

namespace ifpin {

// The manager and one role object per role in force.
class BusObjects {
public:
    BusObjects(sdbus::IConnection &connection, BusContext &context);
    BusObjects(const BusObjects &) = delete;
    BusObjects &operator=(const BusObjects &) = delete;

    // After each reconcile: adds and removes role objects as the roles changed, announcing each with
    // InterfacesAdded or InterfacesRemoved (the manager's ObjectManager), and emits PropertiesChanged
    // for the others. Never call it from inside a method handler.
    void refresh();
    // A checkpoint opened, closed or moved its deadline: the checkpoint object follows. Never from
    // inside a method handler (BusService calls it from a defer source).
    void checkpointChanged() { manager_->syncCheckpoint(); }
    // CheckpointRolledBack of the manager.
    void checkpointRolledBack(uint64_t id) { manager_->emitRolledBack(id); }

private:
    sdbus::IConnection &connection_;
    BusContext &context_;
    std::unique_ptr<ManagerObject> manager_;
    std::map<std::string, std::unique_ptr<RoleObject>, std::less<>> roles_;
};

} // namespace ifpin
