// The lab: its namespaces made and removed with tools/lab.sh (also on SIGINT/SIGTERM), commands
// in them, and the kernel's routes read back with `ip -j` and parsed into DefaultRoute.
#include "lab_fixture.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace ifpin::lab {
namespace {

constexpr auto labScriptDeadline = 60s;

std::string joinArgs(const std::vector<std::string> &argv)
{
    std::string out;
    for (const auto &arg : argv)
        out += (out.empty() ? "" : " ") + arg;
    return out;
}

// Labs still up, so that SIGINT or SIGTERM (e.g. meson's timeout) does not leave namespaces behind.
// Plain arrays: the signal handler may only read them.
struct LabRegistry {
    static constexpr size_t slots = 32;
    char script[4096] = {};
    char prefixes[slots][64] = {};
    volatile sig_atomic_t used[slots] = {};
};
LabRegistry registry;
std::mutex registryMutex;

void downAllLabs(int signo)
{
    for (size_t i = 0; i < LabRegistry::slots; ++i) {
        if (!registry.used[i])
            continue;
        pid_t child = fork();
        if (child == 0) {
            char down[] = "down";
            char *argv[] = {registry.script, down, registry.prefixes[i], nullptr};
            execv(registry.script, argv);
            _exit(127);
        }
        if (child > 0)
            waitpid(child, nullptr, 0);
    }
    signal(signo, SIG_DFL);
    raise(signo);
}

void registerLab(const std::string &script, const std::string &prefix)
{
    static std::once_flag handlersInstalled;
    std::lock_guard lock(registryMutex);
    std::snprintf(registry.script, sizeof registry.script, "%s", script.c_str());
    std::call_once(handlersInstalled, [] {
        struct sigaction action {};
        action.sa_handler = downAllLabs;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
    });
    for (size_t slot = 0; slot < LabRegistry::slots; ++slot) {
        if (!registry.used[slot]) {
            std::snprintf(registry.prefixes[slot], sizeof registry.prefixes[slot], "%s", prefix.c_str());
            registry.used[slot] = 1;
            return;
        }
    }
    // All slots taken: this lab is torn down by its destructor only.
}

void unregisterLab(const std::string &prefix)
{
    std::lock_guard lock(registryMutex);
    for (size_t slot = 0; slot < LabRegistry::slots; ++slot)
        if (registry.used[slot] && prefix == registry.prefixes[slot])
            registry.used[slot] = 0;
}

std::string nextLabPrefix()
{
    static std::atomic<unsigned> counter{0};
    return "ifp" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

} // namespace

std::string_view familyName(Family family)
{
    return family == Family::inet ? "inet" : "inet6";
}

std::ostream &operator<<(std::ostream &os, Family family)
{
    return os << familyName(family);
}

// ---- routes ----------------------------------------------------------------------------------

std::ostream &operator<<(std::ostream &os, const DefaultRoute &route)
{
    os << "default";
    if (!route.gateway.empty())
        os << " via " << route.gateway;
    return os << " dev " << route.dev << " metric " << route.metric << " proto " << route.protocol
              << " table " << route.table;
}

std::string describe(const std::vector<DefaultRoute> &routes)
{
    if (routes.empty())
        return "(no default route)";
    std::ostringstream out;
    for (const auto &route : routes)
        out << "\n  " << route;
    return out.str();
}

// ---- lab -------------------------------------------------------------------------------------

Lab::Lab() : labScript_(requiredEnv("IFPIN_LAB")), prefix_(nextLabPrefix())
{
    registerLab(labScript_, prefix_);
    auto up = runCommand({labScript_, "up", prefix_}, labScriptDeadline);
    if (!up.ok()) {
        runCommand({labScript_, "down", prefix_}, labScriptDeadline);
        unregisterLab(prefix_);
        throw std::runtime_error("lab.sh up " + prefix_ + " failed: " + up.describe());
    }
}

Lab::~Lab()
{
    auto down = runCommand({labScript_, "down", prefix_}, labScriptDeadline);
    if (!down.ok())
        std::cerr << "lab.sh down " << prefix_ << " failed: " << down.describe() << '\n';
    unregisterLab(prefix_);
}

std::string Lab::hostNamespace() const
{
    return prefix_ + "-host";
}

std::string Lab::gatewayNamespace(std::string_view role) const
{
    return prefix_ + "-gw" + std::string(role);
}

CommandResult Lab::shell(const std::string &command) const
{
    return shellIn(hostNamespace(), command);
}

CommandResult Lab::shellIn(const std::string &ns, const std::string &command) const
{
    return runCommand({"ip", "netns", "exec", ns, "/bin/sh", "-c", command});
}

int Lab::run(const std::string &command) const
{
    return shell(command).status;
}

std::string Lab::output(const std::string &command) const
{
    auto result = shell(command);
    if (!result.ok())
        throw std::runtime_error("`" + command + "` in " + hostNamespace() + ": " + result.describe());
    return result.out;
}

void Lab::recreateUplink(std::string_view role) const
{
    std::vector<std::string> argv{labScript_, "recreate-uplink", prefix_, std::string(role)};
    auto result = runCommand(argv, labScriptDeadline);
    if (!result.ok())
        throw std::runtime_error(joinArgs(argv) + ": " + result.describe());
}

void Lab::startDns() const
{
    std::vector<std::string> argv{labScript_, "dns", prefix_};
    auto result = runCommand(argv, labScriptDeadline);
    if (!result.ok())
        throw std::runtime_error(joinArgs(argv) + ": " + result.describe());
}

Lab::PinningPaths Lab::pinningUp() const
{
    std::vector<std::string> argv{labScript_, "pinning-up", prefix_};
    auto result = runCommand(argv, labScriptDeadline);
    if (!result.ok())
        throw std::runtime_error(joinArgs(argv) + ": " + result.describe());
    PinningPaths paths;
    std::istringstream lines(result.out);
    for (std::string key, value; lines >> key >> value;)
        (key == "cgroup" ? paths.cgroup : paths.bpffs) = value;
    if (paths.cgroup.empty() || paths.bpffs.empty())
        throw std::runtime_error(joinArgs(argv) + " printed no paths: " + result.out);
    return paths;
}

std::vector<std::string> Lab::pinningLauncher(const std::string &layout) const
{
    return {labScript_, "pinning-exec", prefix_, layout};
}

int Lab::ifindex(const std::string &interface) const
{
    auto result = runCommand({"ip", "-j", "-n", hostNamespace(), "link", "show", "dev", interface});
    if (!result.ok())
        throw std::runtime_error("no interface " + interface + " in " + hostNamespace() + ": " + result.describe());
    return nlohmann::json::parse(result.out).at(0).at("ifindex").get<int>();
}

nlohmann::json Lab::routes(Family family, const std::string &table) const
{
    std::vector<std::string> argv{"ip", "-N", "-j", "-n", hostNamespace(), "-f", std::string(familyName(family)),
                                  "route", "show", "table", table};
    auto result = runCommand(argv);
    if (!result.ok()) {
        if (result.err.find("FIB table does not exist") != std::string::npos)
            return nlohmann::json::array();
        throw std::runtime_error(joinArgs(argv) + ": " + result.describe());
    }
    if (result.out.find_first_not_of(" \n") == std::string::npos)
        return nlohmann::json::array();
    return nlohmann::json::parse(result.out);
}

std::vector<DefaultRoute> Lab::defaultRoutes(Family family, const std::string &table) const
{
    constexpr int rtprotBoot = 3; // the one protocol `ip` leaves out
    std::vector<DefaultRoute> out;
    for (const auto &route : routes(family, table)) {
        if (route.value("dst", "") != "default")
            continue;
        DefaultRoute base;
        base.metric = route.value("metric", 0u);
        const std::string protocol = route.value("protocol", "");
        base.protocol = protocol.empty() ? rtprotBoot : std::stoi(protocol);
        base.table = route.value("table", table);
        auto withHop = [&](const nlohmann::json &hop) {
            DefaultRoute entry = base;
            entry.dev = hop.value("dev", "");
            entry.gateway = hop.value("gateway", "");
            out.push_back(entry);
        };
        if (route.contains("nexthops")) {
            for (const auto &hop : route.at("nexthops"))
                withHop(hop);
        } else {
            withHop(route);
        }
    }
    return out;
}

std::vector<DefaultRoute> Lab::defaultRoutesOn(const std::string &dev, Family family, const std::string &table) const
{
    auto all = defaultRoutes(family, table);
    std::erase_if(all, [&](const DefaultRoute &route) { return route.dev != dev; });
    return all;
}

std::string Lab::describeState() const
{
    auto result = shell("echo '## links'; ip -br link; echo '## addresses'; ip -br addr;"
                        " echo '## IPv4 routes (all tables, unicast)'; ip -N -4 route show table all type unicast;"
                        " echo '## IPv6 routes (all tables, unicast)'; ip -N -6 route show table all type unicast");
    return result.out + (result.ok() ? "" : "(" + result.describe() + ")");
}
} // namespace ifpin::lab
