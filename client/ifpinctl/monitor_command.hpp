// `ifpinctl monitor [--json]`: follows ifpind on the bus and prints each event as it comes (a route
// restored, a state or link change, a role added or removed), one line each (monitor_view.hpp),
// like `ip monitor`. Runs until SIGINT or SIGTERM (status 0) or until ifpind goes away (a last
// line saying so, status 1). It never starts ifpind: when ifpind is not running it says so and exits 1.
#pragma once

#include "subcommand.hpp"

namespace ifpinctl {

Subcommand addMonitorCommand(CLI::App &parent);

} // namespace ifpinctl
