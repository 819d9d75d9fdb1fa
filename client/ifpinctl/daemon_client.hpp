// ifpinctl's side of ifpind's D-Bus API (docs/dbus-api.md): the system bus connection
// (DBUS_SYSTEM_BUS_ADDRESS is honoured), the proxies generated from dbus/*.xml, and the one place
// where D-Bus failures become a message and an exit status.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "org.ifpin1.Manager-proxy.h"
#include "org.ifpin1.Role-proxy.h"

namespace ifpinctl {

inline constexpr const char *busName = "org.ifpin1";
inline constexpr const char *managerPath = "/org/ifpin1";
inline constexpr const char *notRunningMessage = "ifpind is not running: no owner of org.ifpin1 on the system bus";

class ManagerProxy final : public sdbus::ProxyInterfaces<org::ifpin1::Manager_proxy> {
public:
    explicit ManagerProxy(sdbus::IConnection &connection) : ProxyInterfaces(connection, busName, managerPath) {}
    ~ManagerProxy() = default;

private:
    // Never called: this proxy is not registered for signals (ifpinctl monitor matches it itself).
    void onCheckpointRolledBack(const sdbus::ObjectPath &) override {}
};

class RoleProxy final : public sdbus::ProxyInterfaces<org::ifpin1::Role_proxy> {
public:
    RoleProxy(sdbus::IConnection &connection, const std::string &path) : ProxyInterfaces(connection, busName, path) {}
    ~RoleProxy() = default;

    // Every org.ifpin1.Role property in one call (org.freedesktop.DBus.Properties.GetAll).
    std::map<std::string, sdbus::Variant> allProperties();
};

struct RoleEntry {
    std::string name;
    std::string path;
};

class DaemonClient {
public:
    explicit DaemonClient(sdbus::IConnection &connection) : connection_(connection), manager_(connection) {}

    ManagerProxy &manager() { return manager_; }
    sdbus::IConnection &connection() { return connection_; }
    // Whether org.ifpin1 has an owner now, asked of the bus (NameHasOwner), which unlike a call to
    // org.ifpin1 never starts ifpind by D-Bus activation: metrics, monitor and the completion
    // only look at a running ifpind.
    bool ifpindOnBus();
    std::vector<RoleEntry> roles();
    // The role's proxy; throws UnknownRole (as the daemon would) when there is no such role.
    std::unique_ptr<RoleProxy> role(const std::string &name);
    std::unique_ptr<RoleProxy> role(const RoleEntry &entry);

private:
    sdbus::IConnection &connection_;
    ManagerProxy manager_;
};

// Connects, runs body and maps what goes wrong to one line on stderr, prefixed with "ifpinctl
// COMMAND: ", and exit status 1: the daemon's errors with their message and name, the daemon not
// running with notRunningMessage.
int withDaemon(const std::string &command, const std::function<int(DaemonClient &)> &body);

} // namespace ifpinctl
