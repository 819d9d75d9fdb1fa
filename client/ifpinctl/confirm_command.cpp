// `ifpinctl confirm`: org.ifpin1.Checkpoint.Confirm of the open checkpoint (Manager.Checkpoint).
#include "checkpoint_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

Subcommand addConfirmCommand(CLI::App &parent)
{
    CLI::App *app = parent.add_subcommand("confirm", "Keep the changes made under the open checkpoint");
    return {app, [] { return closeOpenCheckpoint("confirm", true); }};
}

} // namespace ifpinctl
