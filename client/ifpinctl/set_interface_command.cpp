// `ifpinctl set-interface ROLE IFNAME`: org.ifpin1.Role.SetInterface.
#include <iostream>
#include <memory>

#include "checkpoint_client.hpp"
#include "daemon_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

namespace {

struct SetInterfaceOptions {
    std::string role;
    uint32_t confirmWithin = 0; // seconds; 0: no checkpoint
    std::string interface;
};

} // namespace

Subcommand addSetInterfaceCommand(CLI::App &parent)
{
    auto options = std::make_shared<SetInterfaceOptions>();
    CLI::App *app = parent.add_subcommand("set-interface", "Move a role to another interface");
    app->add_option("role", options->role, "The role (e.g. mgmt)")->required();
    app->add_option("interface", options->interface, "The interface (e.g. eth1)")->required();
    addConfirmWithinOption(*app, options->confirmWithin);
    app->footer("The role's routes move at once. Unless the role has a configured gateway, it learns one "
                "on the new interface; set-gateway first when there is nothing to learn from.");
    return {app, [options] {
                return withDaemon("set-interface", [&](DaemonClient &client) {
                    auto role = client.role(options->role);
                    changeUnderCheckpoint(client, options->confirmWithin, [&] {
                        role->SetInterface(options->interface);
                        std::cout << "role " << options->role << ": interface " << options->interface << '\n';
                    });
                    return exitOk;
                });
            }};
}

} // namespace ifpinctl
