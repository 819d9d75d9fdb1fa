// `ifpinctl reset ROLE`: org.ifpin1.Role.Reset, the configuration file's values apply again.
#include <iostream>
#include <memory>

#include "daemon_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

Subcommand addResetCommand(CLI::App &parent)
{
    auto role = std::make_shared<std::string>();
    CLI::App *app = parent.add_subcommand("reset", "Drop a role's runtime changes: the configuration file applies");
    app->add_option("role", *role, "The role (e.g. mgmt)")->required();
    return {app, [role] {
                return withDaemon("reset", [&](DaemonClient &client) {
                    client.role(*role)->Reset();
                    std::cout << "role " << *role << ": runtime changes dropped\n";
                    return exitOk;
                });
            }};
}

} // namespace ifpinctl
