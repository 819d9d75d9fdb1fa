// ifpinctl's commands that change ifpind's policy over D-Bus, one file each: set-metric,
// set-interface, set-gateway, reset and reload, each with --confirm-within (a checkpoint first), and
// confirm and rollback of the open checkpoint. Root or the daemon's admin_group only (the daemon
// decides); a change is saved by the daemon and survives its restart (docs/configuration.md).
#pragma once

#include "subcommand.hpp"

namespace ifpinctl {

Subcommand addSetMetricCommand(CLI::App &parent);    // set-metric ROLE N
Subcommand addSetInterfaceCommand(CLI::App &parent); // set-interface ROLE IFNAME
Subcommand addSetGatewayCommand(CLI::App &parent);   // set-gateway ROLE inet|inet6 ADDR|""|learn
Subcommand addResetCommand(CLI::App &parent);        // reset ROLE
Subcommand addReloadCommand(CLI::App &parent);       // reload
Subcommand addConfirmCommand(CLI::App &parent);      // confirm
Subcommand addRollbackCommand(CLI::App &parent);     // rollback

} // namespace ifpinctl
