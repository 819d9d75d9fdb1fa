// ifpind's D-Bus objects (docs/dbus-api.md): /org/ifpin1 (org.ifpin1.Manager) and one
// /org/ifpin1/role/NAME (org.ifpin1.Role) per role, on the adaptors sdbus-c++-xml2cpp generates from
// dbus/*.xml. Each object registers in its constructor and unregisters in its destructor. Errors are
// named org.ifpin1.Error.* here and nowhere else; nothing but sdbus::Error leaves a method.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sdbus-c++/sdbus-c++.h>

#include "broker/access_policy.hpp"
#include "egress/egress_guard.hpp"
#include "kernel/kernel_state.hpp"
#include "config/layered_config.hpp"
#include "org.ifpin1.Manager-adaptor.h"
#include "org.ifpin1.Role-adaptor.h"
#include "bus/role_properties.hpp"
#include "routes/route_policy.hpp"
#include "broker/socket_broker.hpp"

namespace ifpin {

inline constexpr const char *busName = "org.ifpin1";
inline constexpr const char *managerPath = "/org/ifpin1";

// /org/ifpin1/role/NAME, NAME escaped as sd_bus_path_encode() does.
std::string rolePath(std::string_view role);

// What the objects act on: the daemon's parts, by reference, and the daemon's own paths for
// putting a change in force.
struct BusBackend {
    const RoutePolicy &policy;
    const KernelState &kernel;
    SocketBroker &broker;
    LayeredConfig &layers;
    const AccountResolver &accounts;
    const EgressGuard &egress;
    // Puts layers.effective() in force: RoutePolicy::setConfig and a policy reconcile.
    std::function<void()> applyConfig;
    // As SIGHUP: reads the configuration file again; what was wrong when the new file was refused.
    std::function<std::optional<std::string>()> reload;
};

class ManagerObject final : public sdbus::AdaptorInterfaces<org::ifpin1::Manager_adaptor> {
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

class RoleObject final : public sdbus::AdaptorInterfaces<org::ifpin1::Role_adaptor> {
public:
    RoleObject(sdbus::IConnection &connection, BusBackend &backend, std::string role);
    ~RoleObject();
    RoleObject(const RoleObject &) = delete;
    RoleObject &operator=(const RoleObject &) = delete;

    // Emits PropertiesChanged for the properties that differ from the values last emitted.
    void emitChanges();

private:
    RoleProperties current() const;
    // Applies an authorised caller's edit of this role's runtime changes and puts it in force.
    void change(const char *method, const PeerCredentials &caller, const std::function<void(RoleOverride &)> &edit);

    void SetMetric(const uint32_t &metric) override;
    void SetInterface(const std::string &interface) override;
    void SetGateway(const std::string &family, const std::string &address) override;
    void Reset() override;

    std::string Name() override { return role_; }
    std::string Interface() override { return current().interface; }
    uint32_t Metric() override { return current().metric; }
    std::string Gateway4() override { return current().gateway4; }
    std::string Gateway6() override { return current().gateway6; }
    bool Gateway4Learned() override { return current().gateway4Learned; }
    bool Gateway6Learned() override { return current().gateway6Learned; }
    std::string State() override { return current().state; }
    std::string LinkState() override { return current().linkState; }
    bool Route4InPlace() override { return current().route4InPlace; }
    bool Route6InPlace() override { return current().route6InPlace; }
    uint64_t Restorations() override { return current().restorations; }
    std::vector<std::string> OutrankedBy() override { return current().outrankedBy; }
    uint64_t SocketsServed() override { return current().socketsServed; }
    uint64_t RequestsDenied() override { return current().requestsDenied; }
    uint64_t EgressDropped() override; // read from the kernel at each call, never signalled

    BusBackend &backend_;
    std::string role_;
    RoleProperties lastEmitted_;
};

// The manager and one role object per role in force.
class BusObjects {
public:
    BusObjects(sdbus::IConnection &connection, BusBackend &backend);
    BusObjects(const BusObjects &) = delete;
    BusObjects &operator=(const BusObjects &) = delete;

    // After each reconcile: adds and removes role objects as the roles changed, and emits
    // PropertiesChanged for the others. Never call it from inside a method handler.
    void refresh();

private:
    sdbus::IConnection &connection_;
    BusBackend &backend_;
    std::unique_ptr<ManagerObject> manager_;
    std::map<std::string, std::unique_ptr<RoleObject>, std::less<>> roles_;
};

} // namespace ifpin
