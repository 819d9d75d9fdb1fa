// ifpinctl status: see status_command.hpp.
#include "status_command.hpp"

#include <iostream>
#include <memory>
#include <vector>

#include "daemon_client.hpp"
#include "status_view.hpp"

namespace ifpinctl {
namespace {

int runStatus(bool json)
{
    return withDaemon("status", [json](DaemonClient &client) {
        PropertyTypeWarnings warnings(std::cerr);
        std::vector<RoleView> views;
        for (const auto &entry : client.roles()) {
            auto proxy = client.role(entry);
            views.push_back(roleViewFrom(entry.name, proxy->allProperties(), warnings));
        }
        if (json)
            std::cout << statusJsonText(views, client.manager().Version());
        else
            std::cout << statusTable(views);
        return exitOk;
    });
}

} // namespace

Subcommand addStatusCommand(CLI::App &parent)
{
    auto json = std::make_shared<bool>(false);
    CLI::App *app = parent.add_subcommand("status", "Show each role: interface, metric, gateways, routes, state");
    app->add_flag("--json", *json, "Print JSON for scripts instead of a table");
    return {app, [json] { return runStatus(*json); }};
}

} // namespace ifpinctl
