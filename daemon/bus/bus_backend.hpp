// What ifpind's D-Bus objects act on: the daemon's parts, by reference, and the daemon's own paths
// for putting a change in force. The names and paths of org.ifpin1 (docs/dbus-api.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "broker/access_policy.hpp"
#include "broker/socket_broker.hpp"
#include "checkpoint/checkpoints.hpp"
#include "config/layered_config.hpp"
#include "egress/egress_guard.hpp"
#include "health/health_monitor.hpp"
#include "kernel/kernel_state.hpp"
#include "pinning/kernel_pinning.hpp"
#include "routes/route_policy.hpp"
#include "rules/rule_policy.hpp"

namespace ifpin {

inline constexpr const char *busName = "org.ifpin1";
inline constexpr const char *managerPath = "/org/ifpin1";

// /org/ifpin1/role/NAME, NAME escaped as sd_bus_path_encode() does.
std::string rolePath(std::string_view role);
// /org/ifpin1/checkpoint/ID.
std::string checkpointPath(uint64_t id);

// What the objects act on: the daemon's parts, by reference, and the daemon's own paths for
// putting a change in force.
struct BusBackend {
    const RoutePolicy &policy;
    const KernelState &kernel;
    SocketBroker &broker;
    LayeredConfig &layers;
    const AccountResolver &accounts;
    const EgressGuard &egress;
    const KernelPinning &pinning;
    const HealthMonitor &health;
    // Puts layers.effective() in force: RoutePolicy::setConfig and a policy reconcile.
    std::function<void()> applyConfig;
    // As SIGHUP: reads the configuration file again; what was wrong when the new file was refused.
    std::function<std::optional<std::string>()> reload;
    const RulePolicy &rules; // return routing's rules in place, per role
    // The open checkpoint; creating, confirming and rolling back go through it.
    Checkpoints &checkpoints;
};

} // namespace ifpin
