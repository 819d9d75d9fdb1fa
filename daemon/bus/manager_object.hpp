// /org/ifpin1, the org.ifpin1.Manager interface (docs/dbus-api.md), on the adaptor sdbus-c++-xml2cpp
// generates from dbus/org.ifpin1.Manager.xml, and org.freedesktop.DBus.ObjectManager for the role
// objects below it (their InterfacesAdded and InterfacesRemoved: BusObjects). Owns the object of the
// open checkpoint. Registers in its constructor, unregisters in its destructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/checkpoint_object.hpp"
#include "bus/method_call.hpp"
#include "org.ifpin1.Manager-adaptor.h"

namespace ifpin {

class ManagerObject final
    : public sdbus::AdaptorInterfaces<org::ifpin1::Manager_adaptor, sdbus::ObjectManager_adaptor> {
public:
    ManagerObject(sdbus::IConnection &connection, BusContext &context);
    ~ManagerObject();
    ManagerObject(const ManagerObject &) = delete;
    ManagerObject &operator=(const ManagerObject &) = delete;

    // The checkpoint object follows the open checkpoint (made, removed, its Deadline signalled), and
    // a change of the Checkpoint property is signalled. Never from inside the handler of the
    // checkpoint object it would remove.
    void syncCheckpoint();
    void emitRolledBack(uint64_t id) { emitCheckpointRolledBack(sdbus::ObjectPath(checkpointPath(id))); }

private:
    std::vector<sdbus::Struct<std::string, sdbus::ObjectPath>> ListRoles() override;
    // Asynchronous: the reply comes once the caller is authorised (bus_authorizer.hpp).
    void Reload(sdbus::Result<> &&result) override;
    void OpenSocket(sdbus::Result<sdbus::UnixFd> &&result, std::string role, int32_t family, int32_t type,
                    int32_t protocol) override;
    std::string Version() override;
    void CheckpointCreate(sdbus::Result<sdbus::ObjectPath> &&result, uint32_t timeout_s) override;
    sdbus::ObjectPath Checkpoint() override;

    BusContext &context_;
    BusBackend &backend_;
    std::unique_ptr<CheckpointObject> checkpoint_;
};

} // namespace ifpin
