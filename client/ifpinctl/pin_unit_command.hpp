// `ifpinctl pin-unit UNIT ROLE` and `ifpinctl unpin-unit UNIT ROLE`: a systemd unit's every inet
// socket bound by the kernel to a role's interface, through a drop-in with BPFProgram=
// (unit_pin_dropin.hpp), and systemd told to reload.
#pragma once

#include "subcommand.hpp"

namespace ifpinctl {

Subcommand addPinUnitCommand(CLI::App &parent);
Subcommand addUnpinUnitCommand(CLI::App &parent);

} // namespace ifpinctl
