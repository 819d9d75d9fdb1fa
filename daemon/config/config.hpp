// ifpind's configuration: the TOML schema (docs/configuration.md) parsed into plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/health_config.hpp"
#include "core/ip_address.hpp"
#include "config/routing_table_names.hpp"

namespace ifpin {

struct RoleConfig {
    std::string name;
    std::string interface;
    uint32_t metric = 0;
    std::optional<IpAddress> gateway4;
    std::optional<IpAddress> gateway6;
    std::vector<std::string> allowUsers;
    std::vector<std::string> allowGroups;
    // Return routing (config/return_routing.hpp): rules that send what leaves from the addresses of
    // the role's interface to replyTable, which holds the role's default routes. The file's values
    // or the defaults of the role's position, always resolved to numbers. On by default in the file
    // (the parser's default); a RoleConfig made in code has it only when asked.
    bool returnRouting = false;
    uint32_t replyTable = 0;
    uint32_t replyPriority = 0;
    std::optional<HealthConfig> health; // [role.NAME.health]; none: no checks, no timers

    const std::optional<IpAddress> &gateway(Family family) const
    {
        return family == Family::inet ? gateway4 : gateway6;
    }
    friend bool operator==(const RoleConfig &, const RoleConfig &) = default;
};

struct DaemonConfig {
    std::string socketPath = "/run/ifpind/ifpind.sock";
    std::string stateDirectory = "/var/lib/ifpind";
    uint32_t table = 254;
    std::string tableName = "main";
    bool removeRoutesOnExit = false;
    // A learned gateway the kernel refuses (its lease's address went) is kept and retried, as
    // before issue #20, instead of dropped.
    bool keepLearnedGateways = false;
    std::string logLevel = "info";
    std::string adminGroup = "ifpin-admin"; // may change the policy over D-Bus (a name or decimal gid)
    uint32_t mainRulePriority = 32000;      // the `lookup main suppress_prefixlength 0` rule of return routing
    friend bool operator==(const DaemonConfig &, const DaemonConfig &) = default;
};

struct Config {
    DaemonConfig daemon;
    std::vector<RoleConfig> roles; // in the order the file names them

    const RoleConfig *findRole(std::string_view name) const;
    friend bool operator==(const Config &, const Config &) = default;
};

// One problem found in a config file, located for a person to fix it.
struct ConfigError {
    std::string source; // the file name
    uint32_t line = 0;  // 1-based; a missing key points at its table; 0 when unreadable
    std::string key;    // dotted path, e.g. "role.media.metric"; empty for syntax errors
    std::string message;

    // "SOURCE:LINE: KEY: MESSAGE" (LINE and KEY are left out when unknown).
    std::string toString() const;
};

struct ConfigResult {
    std::optional<Config> config; // set only when errors is empty
    std::vector<ConfigError> errors;
    std::string text; // loadConfigFile: what the file held, whether valid or not (a checkpoint keeps it)
};

// Parses and validates TOML text. sourceName is used in errors only.
ConfigResult parseConfig(std::string_view text, std::string_view sourceName,
                         const RoutingTableNames &tables);

// Reads and parses a file; an unreadable file is one error naming the path and errno's text.
ConfigResult loadConfigFile(const std::string &path, const RoutingTableNames &tables);

} // namespace ifpin
