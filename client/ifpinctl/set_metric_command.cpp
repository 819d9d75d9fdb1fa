// `ifpinctl set-metric ROLE N`: org.ifpin1.Role.SetMetric.
#include <cstdint>
#include <iostream>
#include <memory>

#include "checkpoint_client.hpp"
#include "daemon_client.hpp"
#include "policy_commands.hpp"

namespace ifpinctl {

namespace {

struct SetMetricOptions {
    std::string role;
    uint32_t confirmWithin = 0; // seconds; 0: no checkpoint
    uint32_t metric = 0;
};

} // namespace

Subcommand addSetMetricCommand(CLI::App &parent)
{
    auto options = std::make_shared<SetMetricOptions>();
    CLI::App *app = parent.add_subcommand("set-metric", "Give a role's default routes another metric");
    app->add_option("role", options->role, "The role (e.g. mgmt)")->required();
    app->add_option("metric", options->metric, "The new metric, 0 to 4294967295")->required();
    addConfirmWithinOption(*app, options->confirmWithin);
    return {app, [options] {
                return withDaemon("set-metric", [&](DaemonClient &client) {
                    auto role = client.role(options->role);
                    changeUnderCheckpoint(client, options->confirmWithin, [&] {
                        role->SetMetric(options->metric);
                        std::cout << "role " << options->role << ": metric " << options->metric << '\n';
                    });
                    return exitOk;
                });
            }};
}

} // namespace ifpinctl
