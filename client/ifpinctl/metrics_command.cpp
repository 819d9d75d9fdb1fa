// ifpinctl metrics: see metrics_command.hpp.
#include "metrics_command.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "atomic_file.hpp"
#include "daemon_client.hpp"
#include "metrics_view.hpp"
#include "status_view.hpp"

namespace ifpinctl {
namespace {

// The file is read by prometheus-node-exporter's own user.
constexpr mode_t outputMode = 0644;

int runMetrics(const std::string &output)
{
    std::string text;
    int status = withDaemon("metrics", [&text](DaemonClient &client) {
        if (!client.ifpindOnBus()) {
            std::cerr << notRunningMessage << '\n';
            return exitFailure;
        }
        PropertyTypeWarnings warnings(std::cerr);
        std::vector<RoleView> views;
        for (const auto &entry : client.roles())
            views.push_back(roleViewFrom(entry.name, client.role(entry)->allProperties(), warnings));
        text = metricsText(views, client.manager().Version());
        return exitOk;
    });
    if (status != exitOk)
        text = metricsTextWithoutDaemon();
    if (output.empty()) {
        std::cout << text << std::flush;
        return status;
    }
    try {
        replaceFileAtomically(output, text, outputMode);
    } catch (const std::exception &error) {
        std::cerr << "ifpinctl metrics: " << error.what() << '\n';
        return exitFailure;
    }
    return status;
}

} // namespace

Subcommand addMetricsCommand(CLI::App &parent)
{
    auto output = std::make_shared<std::string>();
    CLI::App *app = parent.add_subcommand(
        "metrics", "Print each role's figures in the Prometheus text format (for node exporter's textfile collector)");
    app->add_option("--output", *output,
                    "Write them to this file, atomically (e.g. /var/lib/prometheus/node-exporter/ifpin.prom)")
        ->type_name("PATH");
    return {app, [output] { return runMetrics(*output); }};
}

} // namespace ifpinctl
