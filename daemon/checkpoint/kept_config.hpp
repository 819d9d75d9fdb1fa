// The configuration a rollback kept in force in place of the configuration file: when a checkpoint
// rolls back a reload, the file in /etc still holds the new configuration (ifpind cannot write
// there), so the previous one is written to STATE_DIRECTORY/checkpoint-config.toml and is the file's
// layer from then on, also across restarts, until the next reload reads the file again
// (docs/configuration.md, "Checkpoints"). A restart must not bring back the file that locked the
// admin out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/routing_table_names.hpp"

namespace ifpin {

inline constexpr std::string_view keptConfigFileName = "checkpoint-config.toml";

// The file's layer of the policy in force and where it came from.
struct FileLayer {
    Config config;
    std::string text;   // as read; for a kept copy, without the header this file adds
    std::string source; // the path it was read from
    bool kept = false;  // the kept copy, not the configuration file
};

struct KeptConfigRead {
    std::optional<FileLayer> layer; // when there is a usable kept copy
    std::string problem;            // why one that is there cannot be used; empty otherwise
};
// The kept copy in stateDirectory (the state directory the configuration file names), if any. A copy
// that names another state directory than stateDirectory is not used (the runtime changes and
// checkpoints would be looked for elsewhere).
KeptConfigRead readKeptConfig(const std::string &stateDirectory, const RoutingTableNames &tables);

// Writes text (a configuration file's, valid) as the kept copy, atomically, under a header that
// says what it is: kept in place of configPath since `why`. Throws std::system_error.
void writeKeptConfig(const std::string &stateDirectory, std::string_view text, std::string_view configPath,
                     std::string_view why);
// Removes the kept copy, durably; false when there was none. Throws std::system_error.
bool removeKeptConfig(const std::string &stateDirectory);

} // namespace ifpin
