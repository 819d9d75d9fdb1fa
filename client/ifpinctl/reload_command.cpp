// `ifpinctl reload`: org.ifpin1.Manager.Reload, as SIGHUP: the configuration file is read again and
// the runtime changes are laid over it.
#include <iostream>

#include "daemon_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

Subcommand addReloadCommand(CLI::App &parent)
{
    CLI::App *app = parent.add_subcommand("reload", "Make ifpind read its configuration file again");
    return {app, [] {
                return withDaemon("reload", [](DaemonClient &client) {
                    client.manager().Reload();
                    std::cout << "configuration reloaded\n";
                    return exitOk;
                });
            }};
}

} // namespace ifpinctl
