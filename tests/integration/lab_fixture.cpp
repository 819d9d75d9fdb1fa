// The integration tests' harness; see lab_fixture.hpp.
#include "lab_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ifpin::lab {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto pollInterval = 10ms;
constexpr auto labScriptDeadline = 60s;

int decodeWaitStatus(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// argv as execvp wants it; built before fork, since the child may only make async-signal-safe calls.
std::vector<char *> execArgv(const std::vector<std::string> &argv)
{
    std::vector<char *> out;
    for (const auto &arg : argv)
        out.push_back(const_cast<char *>(arg.c_str()));
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void execOrDie(std::vector<char *> &argv)
{
    execvp(argv[0], argv.data());
    const char *what = strerror(errno);
    (void)!write(STDERR_FILENO, "exec ", 5);
    (void)!write(STDERR_FILENO, argv[0], strlen(argv[0]));
    (void)!write(STDERR_FILENO, ": ", 2);
    (void)!write(STDERR_FILENO, what, strlen(what));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
}

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

std::string requiredEnv(const char *name)
{
    const char *value = std::getenv(name);
    if (!value || !*value)
        throw std::runtime_error(std::string("environment variable ") + name +
                                 " is not set; run the integration tests through meson test");
    return value;
}

// ---- commands --------------------------------------------------------------------------------

std::string CommandResult::describe() const
{
    std::string out = timedOut ? "killed at its deadline" : "exit status " + std::to_string(status);
    if (!err.empty())
        out += "; stderr:\n" + err;
    return out;
}

CommandResult runCommand(const std::vector<std::string> &argv, std::chrono::milliseconds deadline)
{
    CommandResult result;
    int outPipe[2], errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    if (pipe2(errPipe, O_CLOEXEC) != 0) {
        close(outPipe[0]);
        close(outPipe[1]);
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    auto args = execArgv(argv);
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0); // its own group: the deadline kills whatever it started too
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devNull = open("/dev/null", O_RDONLY);
        dup2(devNull, STDIN_FILENO);
        dup2(outPipe[1], STDOUT_FILENO);
        dup2(errPipe[1], STDERR_FILENO);
        execOrDie(args);
    }
    close(outPipe[1]);
    close(errPipe[1]);
    if (child < 0) {
        close(outPipe[0]);
        close(errPipe[0]);
        result.err = std::string("fork: ") + strerror(errno);
        return result;
    }

    const auto until = Clock::now() + deadline;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string *sinks[2] = {&result.out, &result.err};
    int openPipes = 2;
    while (openPipes > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (left <= 0ms) {
            result.timedOut = true;
            kill(-child, SIGKILL);
            kill(child, SIGKILL);
            break;
        }
        int ready = poll(fds, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[4096];
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --openPipes;
            }
        }
    }
    for (auto &fd : fds)
        if (fd.fd >= 0)
            close(fd.fd);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = decodeWaitStatus(status);
    return result;
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

// ---- scratch directory ----------------------------------------------------------------------

ScratchDir::ScratchDir()
{
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ifpin-itest.XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = pattern;
}

ScratchDir::~ScratchDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::write(const std::string &name, std::string_view content) const
{
    const std::string target = path_ + "/" + name;
    const std::string temporary = target + ".new";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out.flush())
            throw std::runtime_error("cannot write " + temporary);
    }
    std::filesystem::rename(temporary, target);
    return target;
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

// ---- route monitor -------------------------------------------------------------------------

namespace {
constexpr std::string_view monitorMarker = "203.0.113.100 dev other0";
}

RouteMonitor::RouteMonitor(const Lab &lab) : outputPath_(dir_.path() + "/monitor.txt")
{
    std::vector<std::string> argv{"ip", "-N", "-n", lab.hostNamespace(), "monitor", "route"};
    auto args = execArgv(argv);
    int outFd = open(outputPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (outFd < 0)
        throw std::system_error(errno, std::generic_category(), "open " + outputPath_);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devNull = open("/dev/null", O_RDONLY);
        dup2(devNull, STDIN_FILENO);
        dup2(outFd, STDOUT_FILENO);
        dup2(outFd, STDERR_FILENO);
        execOrDie(args);
    }
    close(outFd);
    if (child < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    pid_ = child;

    // ip gives no sign that it listens: make events (a route added and deleted again, since
    // rewriting an identical IPv4 route makes none) until one shows.
    const std::string marker(monitorMarker);
    bool seen = eventually(
        [&] {
            lab.run("ip route add " + marker + " proto static; ip route del " + marker + " proto static");
            return readFile(outputPath_).find(marker) != std::string::npos;
        },
        5s);
    if (!seen) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        throw std::runtime_error("ip monitor route in " + lab.hostNamespace() + " shows nothing: " + readFile(outputPath_));
    }
}

RouteMonitor::~RouteMonitor()
{
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

std::vector<std::string> RouteMonitor::lines() const
{
    std::vector<std::string> out;
    std::istringstream in(readFile(outputPath_));
    for (std::string line; std::getline(in, line);) {
        if (line.find(monitorMarker) == std::string::npos && !line.empty())
            out.push_back(line);
    }
    return out;
}

std::string RouteMonitor::text() const
{
    std::string out;
    for (const auto &line : lines())
        out += "\n  " + line;
    return out.empty() ? "(no route events)" : out;
}

// ---- daemon ----------------------------------------------------------------------------------

DaemonProcess::~DaemonProcess()
{
    if (running())
        stop();
    if (notifyFd_ >= 0)
        close(notifyFd_);
}

void DaemonProcess::start(const Lab &lab, const std::string &configToml, std::vector<std::string> extraArgs)
{
    if (running())
        throw std::logic_error("DaemonProcess::start: ifpind is already running (pid " + std::to_string(pid_) + ")");
    configPath_ = dir_.write("ifpind.toml", configToml);
    logPath_ = dir_.path() + "/ifpind.run" + std::to_string(++runs_) + ".log";
    std::vector<std::string> argv{"ip", "netns", "exec", lab.hostNamespace()};
    argv.insert(argv.end(), launcher_.begin(), launcher_.end());
    argv.insert(argv.end(), {requiredEnv("IFPIND"), "--config", configPath_, "--log-level", "debug"});
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    auto args = execArgv(argv);

    if (notifyFd_ < 0) {
        const std::string socketPath = dir_.path() + "/notify.sock";
        notifyFd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socketPath.c_str());
        if (notifyFd_ < 0 || bind(notifyFd_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
            throw std::system_error(errno, std::generic_category(), "notify socket " + socketPath);
        extraEnv_.insert(extraEnv_.begin(), {"NOTIFY_SOCKET=" + socketPath,
                                             "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + dir_.path() + "/no-system-bus"});
    }
    readNotifications(); // whatever an earlier run left
    ready_ = false;
    // The inherited environment less what extraEnv_ sets; extraEnv_'s later entries win.
    auto nameOf = [](std::string_view var) { return var.substr(0, var.find('=')); };
    std::vector<char *> env;
    for (char **var = environ; *var; ++var) {
        bool replaced = std::any_of(extraEnv_.begin(), extraEnv_.end(),
                                    [&](const std::string &mine) { return nameOf(mine) == nameOf(*var); });
        if (!replaced)
            env.push_back(*var);
    }
    for (size_t i = 0; i < extraEnv_.size(); ++i) {
        bool overridden = std::any_of(extraEnv_.begin() + static_cast<long>(i) + 1, extraEnv_.end(),
                                      [&](const std::string &later) { return nameOf(later) == nameOf(extraEnv_[i]); });
        if (!overridden)
            env.push_back(extraEnv_[i].data());
    }
    env.push_back(nullptr);

    int logFd = open(logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (logFd < 0)
        throw std::system_error(errno, std::generic_category(), "open " + logPath_);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); // a test process killed outright takes ifpind with it
        int devNull = open("/dev/null", O_RDONLY);
        dup2(devNull, STDIN_FILENO);
        dup2(logFd, STDOUT_FILENO);
        dup2(logFd, STDERR_FILENO);
        environ = env.data();
        execOrDie(args); // `ip netns exec` execs in place: the pid is ifpind's
    }
    int forkErrno = errno;
    close(logFd);
    if (child < 0)
        throw std::system_error(forkErrno, std::generic_category(), "fork");
    pid_ = child;
    exitStatus_.reset();
}

void DaemonProcess::setEnv(const std::string &name, const std::string &value)
{
    extraEnv_.push_back(name + "=" + value);
}

void DaemonProcess::reload(const std::string &configToml)
{
    if (configPath_.empty())
        throw std::logic_error("DaemonProcess::reload before start");
    dir_.write("ifpind.toml", configToml);
    signal(SIGHUP);
}

void DaemonProcess::signal(int signo) const
{
    if (pid_ > 0 && !exitStatus_)
        ::kill(pid_, signo);
}

bool DaemonProcess::reap(int options)
{
    int status = 0;
    pid_t got;
    while ((got = waitpid(pid_, &status, options)) < 0 && errno == EINTR) {
    }
    if (got != pid_)
        return false;
    exitStatus_ = decodeWaitStatus(status);
    return true;
}

bool DaemonProcess::running()
{
    if (pid_ <= 0 || exitStatus_)
        return false;
    return !reap(WNOHANG);
}

void DaemonProcess::readNotifications()
{
    char buffer[4096];
    ssize_t n;
    while ((n = recv(notifyFd_, buffer, sizeof buffer, 0)) > 0) {
        std::istringstream message(std::string(buffer, static_cast<size_t>(n)));
        for (std::string line; std::getline(message, line);)
            if (line == "READY=1")
                ready_ = true;
    }
}

bool DaemonProcess::waitReady(std::chrono::milliseconds deadline)
{
    const auto until = Clock::now() + deadline;
    while (true) {
        readNotifications();
        if (ready_)
            return true;
        if (!running() || Clock::now() >= until)
            return false;
        std::this_thread::sleep_for(pollInterval);
    }
}

std::optional<int> DaemonProcess::waitExit(std::chrono::milliseconds deadline)
{
    if (pid_ <= 0)
        return std::nullopt;
    const auto until = Clock::now() + deadline;
    while (running()) {
        if (Clock::now() >= until)
            return std::nullopt;
        std::this_thread::sleep_for(pollInterval);
    }
    return exitStatus_;
}

int DaemonProcess::stop(std::chrono::milliseconds deadline)
{
    if (pid_ <= 0)
        return -1;
    if (running()) {
        signal(SIGTERM);
        if (!waitExit(deadline)) {
            std::cerr << "ifpind (pid " << pid_ << ") still running " << deadline.count()
                      << " ms after SIGTERM; sending SIGKILL\n";
            return kill9();
        }
    }
    return *exitStatus_;
}

int DaemonProcess::kill9()
{
    if (pid_ <= 0)
        return -1;
    if (!exitStatus_) {
        ::kill(pid_, SIGKILL);
        reap(0);
    }
    return *exitStatus_;
}

std::string DaemonProcess::log() const
{
    return logPath_.empty() ? std::string() : readFile(logPath_);
}

std::string DaemonProcess::allLogs() const
{
    std::string out;
    for (int run = 1; run <= runs_; ++run) {
        out += "---- ifpind run " + std::to_string(run) + " ----\n";
        out += readFile(dir_.path() + "/ifpind.run" + std::to_string(run) + ".log");
    }
    return out;
}

// ---- polling ---------------------------------------------------------------------------------

bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds deadline)
{
    const auto until = Clock::now() + deadline;
    while (!condition()) {
        if (Clock::now() >= until)
            return false;
        std::this_thread::sleep_for(pollInterval);
    }
    return true;
}

::testing::AssertionResult eventually(const std::function<bool()> &condition,
                                      const std::function<std::string()> &describe,
                                      std::chrono::milliseconds deadline)
{
    if (eventually(condition, deadline))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "not within " << deadline.count() << " ms; now: " << describe();
}

::testing::AssertionResult holdsFor(const std::function<bool()> &condition,
                                    const std::function<std::string()> &describe,
                                    std::chrono::milliseconds duration)
{
    const auto start = Clock::now();
    const auto until = start + duration;
    do {
        if (!condition()) {
            auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            return ::testing::AssertionFailure() << "stopped holding after " << after.count() << " ms; now: "
                                                 << describe();
        }
        std::this_thread::sleep_for(pollInterval);
    } while (Clock::now() < until);
    return ::testing::AssertionSuccess();
}

// ---- fixture ---------------------------------------------------------------------------------

void LabTest::SetUp()
{
    if (geteuid() != 0)
        FAIL() << "integration tests need root (they create network namespaces); run them as root, "
                  "e.g. sudo meson test -C BUILD --suite integration";
    std::string ifpind, labScript;
    try {
        ifpind = requiredEnv("IFPIND");
        labScript = requiredEnv("IFPIN_LAB");
    } catch (const std::exception &error) {
        FAIL() << error.what();
    }
    if (access(ifpind.c_str(), X_OK) != 0)
        FAIL() << "IFPIND=" << ifpind << " is not an executable file: " << strerror(errno);
    if (access(labScript.c_str(), X_OK) != 0)
        FAIL() << "IFPIN_LAB=" << labScript << " is not an executable file: " << strerror(errno);

    const std::string probe = "ifp" + std::to_string(getpid()) + "-probe";
    auto added = runCommand({"ip", "netns", "add", probe});
    runCommand({"ip", "netns", "del", probe});
    if (!added.ok())
        FAIL() << "`ip netns add` does not work here, so there can be no lab: " << added.describe();

    try {
        lab_.emplace();
    } catch (const std::exception &error) {
        FAIL() << error.what();
    }
    std::filesystem::create_directories(scratch_.path() + "/state");
}

std::string sanitizerReportIn(const std::string &log)
{
    for (const char *marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"})
        if (log.find(marker) != std::string::npos)
            return marker;
    return {};
}

void LabTest::TearDown()
{
    // Under tools/run-sanitized-tests.sh: any ASan/UBSan/LSan report from ifpind fails the test,
    // whatever its exit status (LSan only reports at exit, so stop it first).
    if (daemon_.runs() > 0) {
        if (daemon_.running())
            daemon_.stop();
        if (auto marker = sanitizerReportIn(daemon_.allLogs()); !marker.empty())
            ADD_FAILURE() << "ifpind's log has a sanitizer report (\"" << marker << "\"); see the log below";
    }
    const char *verbose = std::getenv("IFPIN_ITEST_VERBOSE");
    if (!HasFailure() && !(verbose && *verbose && std::string_view(verbose) != "0"))
        return;
    if (lab_)
        std::cout << "==== lab " << lab_->prefix() << " at the end of the test ====\n" << lab_->describeState();
    if (daemon_.runs() > 0) {
        if (daemon_.running())
            daemon_.stop();
        std::cout << "==== ifpind log (exit status " << daemon_.exitStatus().value_or(-1) << ") ====\n"
                  << daemon_.allLogs() << "==== end of ifpind log ====\n";
    }
}

Lab &LabTest::lab()
{
    if (!lab_)
        throw std::logic_error("LabTest::lab() without a lab (SetUp failed)");
    return *lab_;
}

std::string LabTest::daemonSection(const std::string &table) const
{
    return "[daemon]\n"
           "table = " + table + "\n"
           "socket = \"" + scratch_.path() + "/ifpind.sock\"\n"
           "state_directory = \"" + scratch_.path() + "/state\"\n";
}

// ---- registration check ----------------------------------------------------------------------

// tests/integration/meson.build names every case, one meson test each, and a filter that matches
// nothing passes silently: this compares its list (IFPIN_REGISTERED_CASES="Suite:a,b,c") with the
// cases compiled into this binary.
TEST(MesonRegistration, EveryCaseIsAMesonTest)
{
    const char *registered = std::getenv("IFPIN_REGISTERED_CASES");
    if (!registered) {
        std::cout << "IFPIN_REGISTERED_CASES not set (not run by meson): nothing to compare\n";
        return;
    }
    std::string spec = registered;
    auto colon = spec.find(':');
    ASSERT_NE(colon, std::string::npos) << "IFPIN_REGISTERED_CASES=" << spec;
    const std::string suite = spec.substr(0, colon);
    std::set<std::string> inMeson;
    std::istringstream names(spec.substr(colon + 1));
    for (std::string name; std::getline(names, name, ',');)
        inMeson.insert(name);

    std::set<std::string> compiled;
    const auto &unitTest = *::testing::UnitTest::GetInstance();
    for (int i = 0; i < unitTest.total_test_suite_count(); ++i) {
        const auto &testSuite = *unitTest.GetTestSuite(i);
        if (suite != testSuite.name())
            continue;
        for (int j = 0; j < testSuite.total_test_count(); ++j)
            compiled.insert(testSuite.GetTestInfo(j)->name());
    }
    // total_test_* counts include cases a filter deselected, so the whole suite is seen here.
    for (const auto &name : compiled)
        EXPECT_TRUE(inMeson.contains(name)) << suite << "." << name << " is not in tests/integration/meson.build";
    for (const auto &name : inMeson)
        EXPECT_TRUE(compiled.contains(name)) << suite << "." << name << " is in meson.build but not compiled";
}

} // namespace ifpin::lab
