// Runtime changes to roles (D-Bus SetMetric, SetInterface, SetGateway): kept apart from the
// configuration file, saved as JSON in state_directory, and laid over the file's roles at start and
// on every reload. Pure: the JSON text, the merge and the clash check; the file itself is
// layered_config.cpp's. The format and the rules are in docs/configuration.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/role_clash.hpp"
#include "core/ip_address.hpp"

namespace ifpin {

struct GatewayOverride {
    std::optional<IpAddress> address; // empty: forget the file's gateway and learn it from the interface
    friend bool operator==(const GatewayOverride &, const GatewayOverride &) = default;
};

struct RoleOverride {
    std::optional<uint32_t> metric;
    std::optional<std::string> interface;
    std::optional<GatewayOverride> gateway4;
    std::optional<GatewayOverride> gateway6;

    std::optional<GatewayOverride> &gateway(Family family) { return family == Family::inet ? gateway4 : gateway6; }
    bool empty() const { return !metric && !interface && !gateway4 && !gateway6; }
    friend bool operator==(const RoleOverride &, const RoleOverride &) = default;
};

// By role name.
using RuntimeOverrides = std::map<std::string, RoleOverride, std::less<>>;

// {"version": 1, "roles": {"mgmt": {"metric": 500, "interface": "eth1", "gateway4": "192.0.2.1",
// "gateway6": ""}}}: a key is there only when overridden; "" as a gateway means "learn it".
std::string overridesToJson(const RuntimeOverrides &overrides);

struct ParsedOverrides {
    RuntimeOverrides overrides;
    // Set when the text as a whole is unusable (not JSON, not our format): nothing is taken from it.
    std::optional<std::string> unusable;
    // Entries that were skipped, each saying which and why; the rest of the file still applies.
    std::vector<std::string> skipped;
};
ParsedOverrides overridesFromJson(std::string_view text);

// The role with override's values in place of the file's.
void applyOverride(RoleConfig &role, const RoleOverride &override);

struct MergedConfig {
    Config config;              // the file's, with the overrides that fit applied
    RuntimeOverrides applied;   // the overrides that were applied
    std::vector<std::string> dropped; // one line per override (or part of one) that was left out, and why
};

// Lays overrides over the file's config. An override of a role the file does not have is dropped;
// a metric or interface that would clash with another role is dropped and the file's value applies.
MergedConfig mergeOverrides(const Config &file, const RuntimeOverrides &overrides);

// "metric 500, interface eth1, gateway4 learned": for logs.
std::string describeOverride(const RoleOverride &override);

} // namespace ifpin
