// Uplink health of every role that asks for it ([role.NAME.health]): one RoleChecks each, nothing at
// all for the others (no timer, no socket), and what the route policy is to demote. daemon.cpp
// feeds it the roles, the uplinks' facts after each reconcile and the kernel's neighbour events.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.hpp"
#include "core/event_loop.hpp"
#include "health/role_checks.hpp"
#include "kernel/netlink_socket.hpp"

namespace ifpin {

class HealthMonitor {
public:
    // changed: a role family's health state changed (from the loop).
    HealthMonitor(EventLoop &loop, RtnlRequestSocket &requests, std::function<void()> changed);

    // The roles in force. A role whose health table is unchanged keeps its checks and what they
    // know; a changed table starts afresh; a role without one has none.
    void setRoles(const Config &config);
    // After each reconcile, per role with checks.
    void follow(const std::string &role, const UplinkFacts &facts);
    // Whether a role checks its neighbour entries (KernelWatch then follows neighbour events).
    bool usesNeighbours() const;
    void neighbourChanged(const NeighbourMessage &message);
    void neighboursLost();

    // The role families whose routes are to be demoted now (down, with on_down = "demote").
    std::set<std::pair<std::string, Family>> demoted() const;
    // A role's checks; null when it has none.
    const RoleChecks *checks(std::string_view role) const;

private:
    EventLoop &loop_;
    NeighbourRequests neighbours_;
    std::function<void()> changed_;
    std::map<std::string, std::unique_ptr<RoleChecks>, std::less<>> roles_;
};

} // namespace ifpin
