// spdlog set-up: stderr for people, the journal (with priorities) when systemd runs ifpind.
#pragma once

#include <array>
#include <string_view>

namespace ifpin {

// The levels, least severe first, that the file's log_level and --log-level accept.
inline constexpr std::array<std::string_view, 7> logLevelNames{"trace", "debug", "info", "warning", "error",
                                                              "critical", "off"};

void setupLogging(std::string_view level);
// Returns false (and changes nothing) for an unknown level name.
bool setLogLevel(std::string_view level);

} // namespace ifpin
