// ifpinctl: the command-line client of ifpin. One file per subcommand (exec_command.cpp, ...); this
// file only parses and dispatches. Exit statuses: the subcommand's, or 2 for bad arguments.
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "complete_command.hpp"
#include "exec_command.hpp"
#include "pin_unit_command.hpp"
#include "ifpin_build_config.h"
#include "metrics_command.hpp"
#include "monitor_command.hpp"
#include "policy_commands.hpp"
#include "status_command.hpp"
#include "subcommand.hpp"

int main(int argc, char **argv)
{
    using namespace ifpinctl;
    CLI::App app{"ifpinctl: control ifpin, which pins traffic to uplinks"};
    app.name("ifpinctl");
    app.set_version_flag("--version", "ifpinctl " IFPIN_VERSION);
    app.require_subcommand(1);

    // Every subcommand, one line each.
    const std::vector<Subcommand> subcommands{
        addExecCommand(app),
        addStatusCommand(app),
        addSetMetricCommand(app),
        addSetInterfaceCommand(app),
        addSetGatewayCommand(app),
        addResetCommand(app),
        addReloadCommand(app),
        addConfirmCommand(app),
        addRollbackCommand(app),
        addMetricsCommand(app),
        addMonitorCommand(app),
        addCompleteCommand(app),
        addPinUnitCommand(app),
        addUnpinUnitCommand(app),
    };

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        // --help (of the app or of a subcommand) and --version: CLI11 prints them, exit 0.
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(error);
        std::cerr << "ifpinctl: " << error.what() << "\nRun 'ifpinctl --help' for usage.\n";
        return exitUsage;
    }
    for (const auto &subcommand : subcommands)
        if (subcommand.app->parsed())
            return subcommand.run();
    std::cerr << "ifpinctl: no subcommand given\n";
    return exitUsage;
}
