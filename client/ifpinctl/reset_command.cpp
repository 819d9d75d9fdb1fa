// `ifpinctl reset ROLE`: org.ifpin1.Role.Reset, the configuration file's values apply again.
#include <iostream>
#include <memory>

#include "checkpoint_client.hpp"
#include "daemon_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

Subcommand addResetCommand(CLI::App &parent)
{
    struct ResetOptions {
        std::string role;
        uint32_t confirmWithin = 0; // seconds; 0: no checkpoint
    };
    auto options = std::make_shared<ResetOptions>();
    CLI::App *app = parent.add_subcommand("reset", "Drop a role's runtime changes: the configuration file applies");
    app->add_option("role", options->role, "The role (e.g. mgmt)")->required();
    addConfirmWithinOption(*app, options->confirmWithin);
    return {app, [options] {
                return withDaemon("reset", [&](DaemonClient &client) {
                    auto role = client.role(options->role);
                    changeUnderCheckpoint(client, options->confirmWithin, [&] {
                        role->Reset();
                        std::cout << "role " << options->role << ": runtime changes dropped\n";
                    });
                    return exitOk;
                });
            }};
}

} // namespace ifpinctl
