// ifpinctl status: see status_command.hpp.
#include "status_command.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_client.hpp"
#include "daemon_client.hpp"
#include "status_view.hpp"

namespace ifpinctl {
namespace {

struct StatusOptions {
    bool json = false;
    std::string role; // empty: every role
};

int runStatus(const StatusOptions &options)
{
    return withDaemon("status", [&options](DaemonClient &client) {
        PropertyTypeWarnings warnings(std::cerr);
        std::vector<RoleView> views;
        if (!options.role.empty()) {
            // An unknown role: DaemonClient::role throws UnknownRole naming the roles there are (status 1).
            views.push_back(roleViewFrom(options.role, client.role(options.role)->allProperties(), warnings));
        } else {
            for (const auto &entry : client.roles()) {
                auto proxy = client.role(entry);
                views.push_back(roleViewFrom(entry.name, proxy->allProperties(), warnings));
            }
        }
        // The open checkpoint after the roles: a table line, or "checkpoint" in JSON (only when open).
        auto checkpoint = openCheckpoint(client);
        if (options.json) {
            nlohmann::json status = statusJson(views, client.manager().Version());
            if (checkpoint)
                status["checkpoint"] = checkpointJson(*checkpoint, realtimeNow());
            std::cout << status.dump(2) << '\n';
        } else {
            std::cout << statusTable(views);
            if (checkpoint)
                std::cout << checkpointLine(*checkpoint, realtimeNow());
        }
        return exitOk;
    });
}

} // namespace

Subcommand addStatusCommand(CLI::App &parent)
{
    auto options = std::make_shared<StatusOptions>();
    CLI::App *app = parent.add_subcommand("status", "Show each role: interface, metric, gateways, routes, state");
    app->add_flag("--json", options->json, "Print JSON for scripts instead of a table");
    app->add_option("role", options->role, "Show this role alone (e.g. mgmt)");
    return {app, [options] { return runStatus(*options); }};
}

} // namespace ifpinctl
