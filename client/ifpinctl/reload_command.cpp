// `ifpinctl reload`: org.ifpin1.Manager.Reload, as SIGHUP: the configuration file is read again and
// the runtime changes are laid over it.
#include <iostream>

#include <memory>

#include "checkpoint_client.hpp"
#include "daemon_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

Subcommand addReloadCommand(CLI::App &parent)
{
    auto confirmWithin = std::make_shared<uint32_t>(0);
    CLI::App *app = parent.add_subcommand("reload", "Make ifpind read its configuration file again");
    addConfirmWithinOption(*app, *confirmWithin);
    return {app, [confirmWithin] {
                return withDaemon("reload", [&](DaemonClient &client) {
                    changeUnderCheckpoint(client, *confirmWithin, [&] {
                        client.manager().Reload();
                        std::cout << "configuration reloaded\n";
                    });
                    return exitOk;
                });
            }};
}

} // namespace ifpinctl
