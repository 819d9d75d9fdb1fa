// ifpinctl __complete: see complete_command.hpp.
#include "complete_command.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "daemon_client.hpp"

namespace ifpinctl {
namespace {

// A completion that waits longer than this is worse than none.
constexpr std::chrono::seconds completionTimeout{1};

int printRoleNames()
{
    try {
        auto connection = sdbus::createSystemBusConnection();
        connection->setMethodCallTimeout(completionTimeout);
        DaemonClient client(*connection);
        if (!client.ifpindOnBus())
            return exitFailure;
        std::string names;
        for (const auto &entry : client.roles())
            names += entry.name + "\n";
        std::cout << names;
        return exitOk;
    } catch (const std::exception &) {
        return exitFailure; // quiet by design: a completion prints nothing rather than an error
    }
}

} // namespace

Subcommand addCompleteCommand(CLI::App &parent)
{
    auto what = std::make_shared<std::string>();
    CLI::App *app = parent.add_subcommand("__complete", "Words for the shell completion");
    app->group(""); // hidden from --help
    app->add_option("what", *what, "roles")->required()->check(CLI::IsMember({"roles"}));
    // The lambda keeps `what` alive: CLI11 writes the parsed word into it after this returns.
    return {app, [what] { return printRoleNames(); }};
}

} // namespace ifpinctl
