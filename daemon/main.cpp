// ifpind: keeps one default route per role and address family; see ifpind(8).
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "daemon.hpp"
#include "ifpin_build_config.h"
#include "core/logging.hpp"

int main(int argc, char **argv)
{
    CLI::App app{"ifpind: keeps one default route per role (uplink) and address family", "ifpind"};
    std::string configPath = IFPIN_DEFAULT_CONFIG;
    std::string logLevel;
    bool checkOnly = false;
    int receiveBuffer = ifpin::KernelWatch::defaultReceiveBuffer;
    app.add_option("-c,--config", configPath, "configuration file")->capture_default_str();
    app.add_flag("--check-config", checkOnly, "validate the configuration and exit");
    app.add_option("--log-level", logLevel, "trace, debug, info, warning, error, critical or off (overrides the file)")
        ->check(CLI::IsMember(std::vector<std::string>(ifpin::logLevelNames.begin(), ifpin::logLevelNames.end())));
    app.add_option("--netlink-receive-buffer", receiveBuffer, "bytes the kernel may queue for ifpind's event socket")
        ->check(CLI::Range(4096, 1 << 30))
        ->capture_default_str();
    app.set_version_flag("--version", "ifpind " IFPIN_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        // --help and --version end here too, with CLI11's success code; bad arguments exit 2.
        int status = app.exit(error);
        return status == static_cast<int>(CLI::ExitCodes::Success) ? 0 : 2;
    }

    ifpin::setupLogging(logLevel.empty() ? "info" : logLevel);
    auto result = ifpin::loadConfigFile(configPath, ifpin::RoutingTableNames::loadSystem());
    if (!result.config) {
        for (const auto &error : result.errors)
            std::fprintf(stderr, "%s\n", error.toString().c_str());
        std::fprintf(stderr, "ifpind: %s: configuration invalid (%zu error(s)); no route was touched\n",
                     configPath.c_str(), result.errors.size());
        return 1;
    }
    if (checkOnly) {
        std::printf("%s: configuration valid, %zu role(s)\n", configPath.c_str(), result.config->roles.size());
        return 0;
    }
    if (logLevel.empty())
        ifpin::setLogLevel(result.config->daemon.logLevel);

    try {
        ifpin::Daemon daemon({configPath, receiveBuffer, logLevel}, *result.config, std::move(result.text));
        return daemon.run();
    } catch (const std::exception &error) {
        spdlog::critical("ifpind failed: {}", error.what());
        return 1;
    }
}
