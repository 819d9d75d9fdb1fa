// /org/ifpin1, the org.ifpin1.Manager interface (docs/dbus-api.md), on the adaptor sdbus-c++-xml2cpp
// generates from dbus/org.ifpin1.Manager.xml, and org.freedesktop.DBus.ObjectManager for the role
// objects below it (their InterfacesAdded and InterfacesRemoved: BusObjects). Registers in its
// constructor, unregisters in its destructor.
#pragma once

#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/bus_backend.hpp"
#include "org.ifpin1.Manager-adaptor.h"

namespace ifpin {

class ManagerObject final
    : public sdbus::AdaptorInterfaces<org::ifpin1::Manager_adaptor, sdbus::ObjectManager_adaptor> {
public:
    ManagerObject(sdbus::IConnection &connection, BusBackend &backend);
    ~ManagerObject();
    ManagerObject(const ManagerObject &) = delete;
    ManagerObject &operator=(const ManagerObject &) = delete;

private:
    std::vector<sdbus::Struct<std::string, sdbus::ObjectPath>> ListRoles() override;
    void Reload() override;
    sdbus::UnixFd OpenSocket(const std::string &role, const int32_t &family, const int32_t &type,
                             const int32_t &protocol) override;
    std::string Version() override;

    BusBackend &backend_;
};

} // namespace ifpin
