#include "checkpoint/policy_difference.hpp"

#include <vector>

#include "core/text.hpp"

namespace ifpin {

namespace {

std::string gatewayText(const std::optional<IpAddress> &gateway)
{
    return gateway ? gateway->toString() : "learned";
}

std::string listText(const std::vector<std::string> &list)
{
    return list.empty() ? "none" : "[" + joined(list) + "]";
}

void addChange(std::vector<std::string> &changes, const std::string &key, const std::string &from,
               const std::string &to)
{
    if (from != to)
        changes.push_back(key + " " + from + " -> " + to);
}

// "interface other0 -> mgmt0, metric 500 -> 1000"; empty when the two are the same.
std::string roleChanges(const RoleConfig &from, const RoleConfig &to)
{
    std::vector<std::string> changes;
    addChange(changes, "interface", from.interface, to.interface);
    addChange(changes, "metric", std::to_string(from.metric), std::to_string(to.metric));
    addChange(changes, "gateway4", gatewayText(from.gateway4), gatewayText(to.gateway4));
    addChange(changes, "gateway6", gatewayText(from.gateway6), gatewayText(to.gateway6));
    addChange(changes, "allow_users", listText(from.allowUsers), listText(to.allowUsers));
    addChange(changes, "allow_groups", listText(from.allowGroups), listText(to.allowGroups));
    return joined(changes);
}

std::string describeRole(const RoleConfig &role)
{
    return "interface " + role.interface + ", metric " + std::to_string(role.metric);
}

} // namespace

std::string describePolicyDifference(const Config &from, const Config &to)
{
    std::vector<std::string> parts;
    for (const auto &role : to.roles) {
        const RoleConfig *before = from.findRole(role.name);
        if (!before)
            parts.push_back("role " + role.name + " added back (" + describeRole(role) + ")");
        else if (std::string changes = roleChanges(*before, role); !changes.empty())
            parts.push_back("role " + role.name + ": " + changes);
    }
    for (const auto &role : from.roles)
        if (!to.findRole(role.name))
            parts.push_back("role " + role.name + " removed");

    std::vector<std::string> daemon;
    const DaemonConfig &a = from.daemon, &b = to.daemon;
    addChange(daemon, "table", a.tableName, b.tableName);
    addChange(daemon, "admin_group", a.adminGroup, b.adminGroup);
    addChange(daemon, "log_level", a.logLevel, b.logLevel);
    addChange(daemon, "remove_routes_on_exit", a.removeRoutesOnExit ? "true" : "false",
              b.removeRoutesOnExit ? "true" : "false");
    addChange(daemon, "socket", a.socketPath, b.socketPath);
    addChange(daemon, "state_directory", a.stateDirectory, b.stateDirectory);
    if (!daemon.empty())
        parts.push_back("daemon: " + joined(daemon));
    std::string text;
    for (const auto &part : parts)
        text += (text.empty() ? "" : "; ") + part;
    return text.empty() ? "no change to the policy" : text;
}

} // namespace ifpin
