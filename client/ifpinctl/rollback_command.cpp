// `ifpinctl rollback`: org.ifpin1.Checkpoint.Rollback of the open checkpoint (Manager.Checkpoint).
#include "checkpoint_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

Subcommand addRollbackCommand(CLI::App &parent)
{
    CLI::App *app = parent.add_subcommand("rollback", "Roll back the open checkpoint now");
    return {app, [] { return closeOpenCheckpoint("rollback", false); }};
}

} // namespace ifpinctl
