// DaemonProcess: ifpind as a child of the test, in a lab's host namespace, with its sd_notify
// socket, environment and log files.
#include "lab_fixture.hpp"
#include "fixture_internal.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ifpin::lab {

using detail::Clock;
using detail::decodeWaitStatus;
using detail::pollInterval;
using detail::readFile;

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

    // A test process killed outright takes ifpind with it (PR_SET_PDEATHSIG). `ip netns exec`
    // execs in place: the pid is ifpind's.
    pid_ = detail::spawnWithLog(argv, logPath_, detail::LogFile::truncate, env.data());
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

} // namespace ifpin::lab
