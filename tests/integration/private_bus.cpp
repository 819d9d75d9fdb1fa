// The private bus of the D-Bus tests; see private_bus.hpp.
#include "private_bus.hpp"
#include "fixture_internal.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ifpin::lab {
namespace {

using detail::Clock;
using detail::readFile;

void writeFile(const std::string &path, const std::string &content)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

// tools/private-system-bus.conf.in, the bus configuration the demo uses too, filled in; with polkit,
// plus polkitd's own policy, which lets user polkitd own its name; then the further policies asked for.
std::string busConfig(const std::string &socketPath, bool polkit, const std::vector<std::string> &policies)
{
    std::string config = readFile(IFPIN_PRIVATE_BUS_CONF);
    if (config.empty())
        throw std::runtime_error("cannot read " + std::string(IFPIN_PRIVATE_BUS_CONF));
    auto fill = [&](const std::string &marker, const std::string &value) {
        for (auto at = config.find(marker); at != std::string::npos; at = config.find(marker, at + value.size()))
            config.replace(at, marker.size(), value);
    };
    fill("@LISTEN@", socketPath);
    fill("@POLICY@", IFPIN_DBUS_POLICY);
    if (polkit)
        config.insert(config.rfind("</busconfig>"),
                      "  <include>/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>\n");
    for (const auto &policy : policies) {
        if (readFile(policy).empty())
            throw std::runtime_error("cannot read the bus policy " + policy);
        config.insert(config.rfind("</busconfig>"), "  <include>" + policy + "</include>\n");
    }
    return config;
}

bool accepts(const std::string &socketPath)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socketPath.c_str());
    bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

std::vector<std::string> asCaller(const Caller &caller, std::vector<std::string> argv)
{
    if (!caller.uid)
        return argv;
    std::vector<std::string> wrapped{"setpriv", "--reuid=" + std::to_string(*caller.uid),
                                     "--regid=" + std::to_string(*caller.uid)};
    if (caller.groups.empty()) {
        wrapped.push_back("--clear-groups");
    } else {
        std::string groups;
        for (gid_t gid : caller.groups)
            groups += (groups.empty() ? "" : ",") + std::to_string(gid);
        wrapped.push_back("--groups=" + groups);
    }
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

} // namespace

PrivateBus::PrivateBus(PrivateBusOptions options) : options_(options)
{
    char pattern[] = "/tmp/ifpin-bus.XXXXXX";
    if (!mkdtemp(pattern))
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    dir_ = pattern;
    std::filesystem::permissions(dir_, std::filesystem::perms(0755)); // the test uid must reach the socket
    const std::string socketPath = dir_ + "/system_bus_socket";
    address_ = "unix:path=" + socketPath;
    configPath_ = dir_ + "/bus.conf";
    logPath_ = dir_ + "/dbus-daemon.log";
    writeFile(configPath_, busConfig(socketPath, options_.polkit || options_.polkitBusPolicy, options_.policies));
    const std::string member = std::to_string(testMemberUid);
    writeFile(dir_ + "/passwd", readFile("/etc/passwd") + "ifpin-test:x:" + std::to_string(testUid) + ":" +
                                    std::to_string(testUid) + ":ifpin test caller:/nonexistent:/usr/sbin/nologin\n" +
                                    "ifpin-test-member:x:" + member + ":" + member +
                                    ":ifpin test admin group member:/nonexistent:/usr/sbin/nologin\n");
    writeFile(dir_ + "/group", readFile("/etc/group") + "ifpin-test:x:" + std::to_string(testUid) +
                                   ":\nifpin-test-member:x:" + member + ":\nifpin-test-admin:x:" +
                                   std::to_string(testAdminGid) + ":ifpin-test-member\n");
    if (options_.polkit || options_.polkitBusPolicy) {
        // What polkitd reads, in place of the host's: Debian's actions plus ifpin's, and ifpin's rules.
        for (const char *sub : {"/actions", "/rules.d", "/etc-rules.d"})
            std::filesystem::create_directories(dir_ + sub);
        std::error_code ignored;
        for (const auto &entry : std::filesystem::directory_iterator("/usr/share/polkit-1/actions", ignored))
            std::filesystem::copy_file(entry.path(), dir_ + "/actions/" + entry.path().filename().string(), ignored);
        writeFile(dir_ + "/actions/org.ifpin1.policy", readFile(IFPIN_POLKIT_POLICY));
        writeFile(dir_ + "/rules.d/50-ifpin.rules", readFile(IFPIN_POLKIT_RULES));
        for (const char *sub : {"/actions", "/rules.d", "/etc-rules.d"})
            std::filesystem::permissions(dir_ + sub, std::filesystem::perms(0755));
    }
    if (const char *saved = std::getenv("DBUS_SYSTEM_BUS_ADDRESS"))
        savedAddress_ = saved;
    setenv("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str(), 1);
    try {
        start();
    } catch (...) {
        std::filesystem::remove_all(dir_);
        throw;
    }
}

PrivateBus::~PrivateBus()
{
    stop();
    if (savedAddress_)
        setenv("DBUS_SYSTEM_BUS_ADDRESS", savedAddress_->c_str(), 1);
    else
        unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void PrivateBus::start()
{
    if (pid_ > 0)
        return;
    const std::string socketPath = dir_ + "/system_bus_socket";
    std::filesystem::remove(socketPath);
    // unshare execs in place and sh execs dbus-daemon: the pid is the bus's.
    std::string polkitFiles;
    if (options_.polkit || options_.polkitBusPolicy)
        polkitFiles = "mount --bind '" + dir_ + "/actions' /usr/share/polkit-1/actions && mount --bind '" + dir_ +
                      "/rules.d' /usr/share/polkit-1/rules.d && mount --bind '" + dir_ +
                      "/etc-rules.d' /etc/polkit-1/rules.d && ";
    const std::string script = "mount --bind '" + dir_ + "/passwd' /etc/passwd && mount --bind '" + dir_ +
                               "/group' /etc/group && " + polkitFiles +
                               "exec dbus-daemon --nofork --nopidfile --config-file='" + configPath_ + "'";
    std::vector<std::string> argv{"unshare", "--mount", "--propagation", "private", "sh", "-c", script};
    // A test killed outright takes its bus with it (PR_SET_PDEATHSIG). The log is appended to, not
    // emptied, so after stop() and start() it holds every run's output.
    pid_ = detail::spawnWithLog(argv, logPath_, detail::LogFile::append);
    auto until = Clock::now() + std::chrono::seconds(10);
    while (!accepts(socketPath)) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("the private dbus-daemon exited at start: " + log());
        }
        if (Clock::now() > until) {
            stop();
            throw std::runtime_error("the private dbus-daemon did not listen within 10 s: " + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (options_.polkit)
        startPolkit();
}

std::vector<std::string> PrivateBus::inItsMountNamespace() const
{
    return {"nsenter", "--mount=/proc/" + std::to_string(pid_) + "/ns/mnt", "--"};
}

void PrivateBus::startPolkit()
{
    if (polkitPid_ > 0)
        return;
    // nsenter execs polkitd in place: the pid is polkitd's. It finds the bus in DBUS_SYSTEM_BUS_ADDRESS.
    std::vector<std::string> argv = inItsMountNamespace();
    argv.insert(argv.end(), {"/usr/lib/polkit-1/polkitd", "--no-debug"});
    polkitPid_ = detail::spawnWithLog(argv, dir_ + "/polkitd.log", detail::LogFile::append);
    auto until = Clock::now() + std::chrono::seconds(10);
    while (true) {
        auto owner = busctl({"call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "NameHasOwner", "s", "org.freedesktop.PolicyKit1"});
        if (owner.ok() && owner.out.find("true") != std::string::npos)
            return;
        int status = 0;
        if (waitpid(polkitPid_, &status, WNOHANG) == polkitPid_) {
            polkitPid_ = -1;
            throw std::runtime_error("polkitd exited at start: " + polkitLog());
        }
        if (Clock::now() > until)
            throw std::runtime_error("polkitd did not appear on the bus within 10 s: " + polkitLog());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void PrivateBus::stopPolkit()
{
    if (polkitPid_ <= 0)
        return;
    kill(polkitPid_, SIGTERM);
    int status = 0;
    auto until = Clock::now() + std::chrono::seconds(5);
    while (waitpid(polkitPid_, &status, WNOHANG) == 0) {
        if (Clock::now() > until) {
            kill(polkitPid_, SIGKILL);
            waitpid(polkitPid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    polkitPid_ = -1;
}

void PrivateBus::addPolkitRules(const std::string &name, const std::string &javascript)
{
    const std::string path = dir_ + "/rules.d/" + name + ".rules";
    writeFile(path, javascript);
    std::filesystem::permissions(path, std::filesystem::perms(0644));
}

std::string PrivateBus::polkitLog() const
{
    return readFile(dir_ + "/polkitd.log");
}

void PrivateBus::stop()
{
    stopPolkit();
    if (pid_ <= 0)
        return;
    kill(pid_, SIGTERM);
    auto until = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() > until) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

CommandResult PrivateBus::busctl(const std::vector<std::string> &args, const Caller &caller) const
{
    std::vector<std::string> argv{"busctl", "--address=" + address_};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(asCaller(caller, argv), std::chrono::seconds(30));
}

CommandResult PrivateBus::dbusSend(const std::vector<std::string> &args, const Caller &caller) const
{
    std::vector<std::string> argv{"dbus-send", "--bus=" + address_, "--print-reply"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(asCaller(caller, argv), std::chrono::seconds(30));
}

bool PrivateBus::hasIfpind() const
{
    auto result = busctl({"call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "NameHasOwner", "s", "org.ifpin1"});
    return result.ok() && result.out.find("true") != std::string::npos;
}

std::string PrivateBus::log() const
{
    return readFile(logPath_);
}

// ---- PropertiesChanged ----------------------------------------------------------------------

PropertiesChangedRecorder::PropertiesChangedRecorder(const PrivateBus &bus)
    : connection_(sdbus::createSessionBusConnectionWithAddress(bus.address()))
{
    slot_ = connection_->addMatch(
        "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
        "arg0='org.ifpin1.Role'",
        [this](sdbus::Message &message) {
            std::string interface;
            Signal signal;
            signal.path = message.getPath();
            message >> interface >> signal.changed;
            signals_.push_back(std::move(signal));
        });
}

const std::vector<PropertiesChangedRecorder::Signal> &PropertiesChangedRecorder::poll(
    std::chrono::milliseconds deadline)
{
    while (connection_->processPendingRequest()) {
    }
    auto data = connection_->getEventLoopPollData();
    pollfd fd{data.fd, data.events, 0};
    if (::poll(&fd, 1, static_cast<int>(deadline.count())) > 0)
        while (connection_->processPendingRequest()) {
        }
    return signals_;
}

bool PropertiesChangedRecorder::waitFor(const std::function<bool(const Signal &)> &predicate,
                                        std::chrono::milliseconds deadline)
{
    auto until = Clock::now() + deadline;
    size_t seen = 0;
    while (true) {
        for (; seen < signals_.size(); ++seen)
            if (predicate(signals_[seen]))
                return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (left.count() <= 0)
            return false;
        poll(std::min(left, std::chrono::milliseconds(100)));
    }
}

std::string PropertiesChangedRecorder::describe() const
{
    std::string out = std::to_string(signals_.size()) + " PropertiesChanged signal(s):";
    for (const auto &signal : signals_) {
        out += "\n  " + signal.path + ":";
        for (const auto &[name, value] : signal.changed)
            out += " " + name + "(" + value.peekValueType() + ")";
    }
    return out;
}

} // namespace ifpin::lab
