// `ifpinctl __complete roles`: the names of ifpind's roles, one a line, for the bash completion
// (client/completion/ifpinctl.bash). Hidden from --help. Quiet: when ifpind is not running or the bus
// does not answer within a second, it prints nothing at all and exits 1; it never starts ifpind.
#pragma once

#include "subcommand.hpp"

namespace ifpinctl {

Subcommand addCompleteCommand(CLI::App &parent);

} // namespace ifpinctl
