// `ifpinctl status [--json] [ROLE]`: asks ifpind for every role's properties (or ROLE's) over D-Bus and prints what
// status_view.hpp makes of them, a table for people or JSON for scripts (docs/dbus-api.md).
#pragma once

#include "subcommand.hpp"

namespace ifpinctl {

Subcommand addStatusCommand(CLI::App &parent);

} // namespace ifpinctl
