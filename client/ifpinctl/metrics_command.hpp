// `ifpinctl metrics [--output PATH]`: the roles' figures of `ifpinctl status` in the Prometheus text
// format (metrics_view.hpp), on standard output or written atomically to PATH for
// prometheus-node-exporter's textfile collector (systemd/ifpin-metrics.service). ifpind is never
// started for it: when it is not running, ifpin_up 0 is printed (or written) and the exit status is 1.
#pragma once

#include "subcommand.hpp"

namespace ifpinctl {

Subcommand addMetricsCommand(CLI::App &parent);

} // namespace ifpinctl
