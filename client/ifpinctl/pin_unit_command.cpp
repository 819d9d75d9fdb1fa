// ifpinctl pin-unit / unpin-unit: see pin_unit_command.hpp.
#include "pin_unit_command.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>

#include "daemon_client.hpp"
#include "unit_pin_dropin.hpp"

namespace ifpinctl {
namespace {

constexpr size_t roleNameMax = 32; // as the daemon's config allows

struct UnitOptions {
    std::string unit;
    std::string role;
};

int usageProblem(const char *command, const UnitOptions &options)
{
    if (auto problem = unitProblem(options.unit)) {
        std::cerr << "ifpinctl " << command << ": unit '" << options.unit << "': " << *problem << '\n';
        return exitUsage;
    }
    if (options.role.empty() || options.role.size() > roleNameMax) {
        std::cerr << "ifpinctl " << command << ": role '" << options.role << "' must be 1 to " << roleNameMax
                  << " bytes\n";
        return exitUsage;
    }
    return exitOk;
}

// systemd 252 attaches BPFProgram= only on a unified hierarchy; elsewhere it starts the unit
// without it, unpinned.
bool unifiedHierarchy()
{
    struct statfs fs {};
    return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

std::optional<std::string> readText(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Written beside and renamed over, so systemd never reads half a drop-in.
void writeDropIn(const std::string &path, const std::string &text)
{
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << text;
        out.flush();
        if (!out)
            throw std::runtime_error("cannot write " + temporary + ": " + std::strerror(errno));
    }
    std::filesystem::permissions(temporary, std::filesystem::perms(0644));
    if (rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        unlink(temporary.c_str());
        throw std::runtime_error("cannot rename " + temporary + " to " + path + ": " + std::strerror(error));
    }
}

// systemctl daemon-reload, over the bus.
void reloadSystemd(sdbus::IConnection &connection)
{
    auto systemd = sdbus::createProxy(connection, "org.freedesktop.systemd1", "/org/freedesktop/systemd1");
    systemd->callMethod("Reload").onInterface("org.freedesktop.systemd1.Manager").withTimeout(std::chrono::seconds(90));
}

int runPinUnit(const UnitOptions &options)
{
    if (int status = usageProblem("pin-unit", options); status != exitOk)
        return status;
    if (access(systemdUnitDirectory, W_OK) != 0) {
        std::cerr << "ifpinctl pin-unit: cannot write drop-ins in " << systemdUnitDirectory << ": "
                  << std::strerror(errno) << " (pinning a unit is root's)\n";
        return exitFailure;
    }
    if (!unifiedHierarchy()) {
        std::cerr << "ifpinctl pin-unit: /sys/fs/cgroup is not a unified cgroup v2 hierarchy, and systemd then "
                     "ignores BPFProgram=: "
                  << options.unit << " would run unpinned; nothing was written\n";
        return exitFailure;
    }
    return withDaemon("pin-unit", [&](DaemonClient &client) {
        auto properties = client.role(options.role)->allProperties();
        auto text = [&](const char *name) {
            auto found = properties.find(name);
            return found != properties.end() && found->second.containsValueOfType<std::string>()
                       ? found->second.get<std::string>()
                       : std::string();
        };
        auto available = properties.find("PinAvailable");
        if (available == properties.end() || !available->second.containsValueOfType<bool>() ||
            !available->second.get<bool>()) {
            std::cerr << "ifpinctl pin-unit: kernel pinning is not available for role " << options.role << ": "
                      << (text("PinProblem").empty() ? "ifpind does not say why" : text("PinProblem"))
                      << "; nothing was written\n";
            return exitFailure;
        }
        const std::string program = text("PinProgram");
        const std::string path = dropInPath(systemdUnitDirectory, options.unit);
        if (auto existing = readText(path)) {
            auto role = pinnedRoleIn(*existing);
            if (role && *role != options.role) {
                std::cerr << "ifpinctl pin-unit: " << options.unit << " is pinned to role " << *role
                          << " already (" << path << "); unpin it first: ifpinctl unpin-unit " << options.unit << ' '
                          << *role << '\n';
                return exitFailure;
            }
        }
        writeDropIn(path, dropInText(options.unit, options.role, program));
        reloadSystemd(client.connection());
        std::cout << options.unit << " is pinned to role " << options.role << " (" << path << ", " << program
                  << "); it takes effect when " << options.unit << " starts: restart it if it runs\n";
        return exitOk;
    });
}

int runUnpinUnit(const UnitOptions &options)
{
    if (int status = usageProblem("unpin-unit", options); status != exitOk)
        return status;
    const std::string path = dropInPath(systemdUnitDirectory, options.unit);
    auto existing = readText(path);
    std::optional<std::string> role = existing ? pinnedRoleIn(*existing) : std::nullopt;
    if (!role) {
        std::cerr << "ifpinctl unpin-unit: " << options.unit << " is not pinned by ifpinctl (no " << path << ")\n";
        return exitFailure;
    }
    if (*role != options.role) {
        std::cerr << "ifpinctl unpin-unit: " << options.unit << " is pinned to role " << *role << ", not "
                  << options.role << "; nothing was removed\n";
        return exitFailure;
    }
    if (unlink(path.c_str()) != 0) {
        std::cerr << "ifpinctl unpin-unit: cannot remove " << path << ": " << std::strerror(errno) << '\n';
        return exitFailure;
    }
    rmdir(std::filesystem::path(path).parent_path().c_str()); // when nothing else is in it
    try {
        auto connection = sdbus::createSystemBusConnection();
        reloadSystemd(*connection);
    } catch (const sdbus::Error &error) {
        std::cerr << "ifpinctl unpin-unit: removed " << path << ", but systemd was not reloaded: "
                  << error.getMessage() << " (" << error.getName() << "); run systemctl daemon-reload\n";
        return exitFailure;
    }
    std::cout << options.unit << " is no longer pinned to role " << options.role << " (" << path
              << " removed); its processes keep their pin until it restarts\n";
    return exitOk;
}

Subcommand addUnitCommand(CLI::App &parent, const char *name, const char *description, int (*run)(const UnitOptions &))
{
    auto options = std::make_shared<UnitOptions>();
    CLI::App *app = parent.add_subcommand(name, description);
    app->add_option("unit", options->unit, "The systemd unit, with its suffix (e.g. vendor-agent.service)")->required();
    app->add_option("role", options->role, "The role (e.g. mgmt)")->required();
    return {app, [options, run] { return run(*options); }};
}

} // namespace

Subcommand addPinUnitCommand(CLI::App &parent)
{
    Subcommand command = addUnitCommand(parent, "pin-unit",
                                        "Bind every inet socket of a systemd unit to a role's interface, in the kernel "
                                        "(a drop-in with BPFProgram=; root)",
                                        runPinUnit);
    command.app->footer("Example: ifpinctl pin-unit vendor-agent.service mgmt\n"
                        "Writes /etc/systemd/system/UNIT.d/50-ifpin-pin.conf and reloads systemd; the unit is "
                        "pinned from its next start.");
    return command;
}

Subcommand addUnpinUnitCommand(CLI::App &parent)
{
    return addUnitCommand(parent, "unpin-unit", "Remove what pin-unit wrote for a unit and reload systemd (root)",
                          runUnpinUnit);
}

} // namespace ifpinctl
