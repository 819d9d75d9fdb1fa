// spdlog set-up: stderr for people, the journal (with priorities) when systemd runs ifpind.
#pragma once

#include <string_view>

namespace ifpin {

void setupLogging(std::string_view level);
// Returns false (and changes nothing) for an unknown level name.
bool setLogLevel(std::string_view level);

} // namespace ifpin
