// A checkpoint (docs/dbus-api.md, "Checkpoints"): the policy in force when it was made, its deadline,
// who made it, and its file, STATE_DIRECTORY/checkpoint.json (docs/configuration.md). Pure: the
// values and their JSON; the file, the timer and the rollback are checkpoints.cpp's and the daemon's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/routing_table_names.hpp"
#include "config/runtime_overrides.hpp"
#include "routes/route_policy.hpp"

namespace ifpin {

// Everything a rollback puts back: what the state file holds (the runtime changes), what a reload
// would change (the file's layer, as text, so that it is kept the way it was written), and the
// gateways the roles had learned (a role moved back finds nothing left to learn from).
struct PolicySnapshot {
    Config file;            // the file's layer in force: the configuration file's, or a kept copy's
    std::string fileText;   // its TOML text, as read
    std::string fileSource; // the path it was read from
    RuntimeOverrides overrides;
    std::vector<LearnedGatewayEntry> learned;
    friend bool operator==(const PolicySnapshot &, const PolicySnapshot &) = default;
};

struct Checkpoint {
    uint64_t id = 0;           // its object is /org/ifpin1/checkpoint/ID
    uint32_t creator = 0;      // uid
    uint64_t createdUsec = 0;  // CLOCK_REALTIME, µs
    uint64_t deadlineUsec = 0; // CLOCK_REALTIME, µs: rolled back when the wall clock gets there
    PolicySnapshot snapshot;
    friend bool operator==(const Checkpoint &, const Checkpoint &) = default;
};

std::string checkpointToJson(const Checkpoint &checkpoint);

struct ParsedCheckpoint {
    std::optional<Checkpoint> checkpoint;
    // Why nothing could be taken from the text (not JSON, not our format, a snapshot whose
    // configuration does not parse any more); empty when checkpoint is set.
    std::string unusable;
    // Entries of the runtime changes that were skipped, each saying which and why; the rest applies.
    std::vector<std::string> skipped;
};
// The text of checkpoint.json; tables resolve the table names of the kept configuration.
ParsedCheckpoint checkpointFromJson(std::string_view text, const RoutingTableNames &tables);

// "2025-05-01T10:00:02Z": a CLOCK_REALTIME time in µs for people, to the second.
std::string utcText(uint64_t realtimeUsec);

} // namespace ifpin
