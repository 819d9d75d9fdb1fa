// `ifpinctl set-gateway ROLE inet|inet6 ADDR`: org.ifpin1.Role.SetGateway. ADDR "" or "learn"
// forgets the configured gateway, so that the role learns it from the interface again.
#include <iostream>
#include <memory>

#include "checkpoint_client.hpp"
#include "daemon_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

namespace {

struct SetGatewayOptions {
    std::string role;
    uint32_t confirmWithin = 0; // seconds; 0: no checkpoint
    std::string family;
    std::string address;
};

} // namespace

Subcommand addSetGatewayCommand(CLI::App &parent)
{
    auto options = std::make_shared<SetGatewayOptions>();
    CLI::App *app = parent.add_subcommand("set-gateway", "Set or forget the gateway of a role's family");
    app->add_option("role", options->role, "The role (e.g. mgmt)")->required();
    app->add_option("family", options->family, "inet or inet6")
        ->required()
        ->check(CLI::IsMember({"inet", "inet6"}));
    app->add_option("address", options->address, "The gateway, or \"\" or learn to learn it from the interface")
        ->required();
    addConfirmWithinOption(*app, options->confirmWithin);
    return {app, [options] {
                return withDaemon("set-gateway", [&](DaemonClient &client) {
                    auto role = client.role(options->role);
                    changeUnderCheckpoint(client, options->confirmWithin, [&] {
                        role->SetGateway(options->family, options->address);
                        bool learn = options->address.empty() || options->address == "learn";
                        std::cout << "role " << options->role << ": " << options->family << " gateway "
                                  << (learn ? "learned from the interface" : options->address) << '\n';
                    });
                    return exitOk;
                });
            }};
}

} // namespace ifpinctl
