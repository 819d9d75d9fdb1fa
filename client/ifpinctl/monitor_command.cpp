// ifpinctl monitor: see monitor_command.hpp. The bus side: a proxy per role object for its
// PropertiesChanged, one on /org/ifpin1 for roles added and removed (org.freedesktop.DBus.ObjectManager)
// a match on CheckpointRolledBack of the manager and one on NameOwnerChanged of org.ifpin1, all on one connection processed from a poll loop
// that also waits on a signalfd for SIGINT and SIGTERM.
#include "monitor_command.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "daemon_client.hpp"
#include "monitor_view.hpp"

namespace ifpinctl {
namespace {

constexpr const char *roleInterface = org::ifpin1::Role_proxy::INTERFACE_NAME;

// PropertiesChanged of one role object.
class RoleWatch final : public sdbus::ProxyInterfaces<sdbus::Properties_proxy> {
public:
    using Handler = std::function<void(const PropertyMap &changed)>;

    RoleWatch(sdbus::IConnection &connection, const std::string &path, Handler handler)
        : ProxyInterfaces(connection, busName, path), handler_(std::move(handler))
    {
        registerProxy(); // the match is in place when this returns (sd-bus waits for AddMatch)
    }
    ~RoleWatch() { unregisterProxy(); }

private:
    void onPropertiesChanged(const std::string &interface, const PropertyMap &changed,
                             const std::vector<std::string> &) override
    {
        if (interface == roleInterface)
            handler_(changed);
    }

    Handler handler_;
};

// InterfacesAdded and InterfacesRemoved of the objects under /org/ifpin1.
class ObjectsWatch final : public sdbus::ProxyInterfaces<sdbus::ObjectManager_proxy> {
public:
    using Added = std::function<void(const std::string &path, const PropertyMap &properties)>;
    using Removed = std::function<void(const std::string &path)>;

    ObjectsWatch(sdbus::IConnection &connection, Added added, Removed removed)
        : ProxyInterfaces(connection, busName, managerPath), added_(std::move(added)), removed_(std::move(removed))
    {
        registerProxy();
    }
    ~ObjectsWatch() { unregisterProxy(); }

private:
    void onInterfacesAdded(const sdbus::ObjectPath &path,
                           const std::map<std::string, PropertyMap> &interfaces) override
    {
        if (auto role = interfaces.find(roleInterface); role != interfaces.end())
            added_(path, role->second);
    }
    void onInterfacesRemoved(const sdbus::ObjectPath &path, const std::vector<std::string> &interfaces) override
    {
        for (const auto &interface : interfaces)
            if (interface == roleInterface)
                removed_(path);
    }

    Added added_;
    Removed removed_;
};

// What the monitor knows of each role: its name and the properties last seen, to tell what changed.
class Monitor {
public:
    Monitor(DaemonClient &client, bool json) : client_(client), json_(json) {}

    // Subscribes to everything, then reads every role's properties: a change from then on is seen.
    void start()
    {
        auto &connection = client_.connection();
        nameWatch_ = connection.addMatch("type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                         "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" +
                                             std::string(busName) + "'",
                                         [this](sdbus::Message &message) { nameOwnerChanged(message); });
        rolledBackWatch_ = connection.addMatch("type='signal',sender='" + std::string(busName) + "',path='" +
                                                   std::string(managerPath) +
                                                   "',interface='org.ifpin1.Manager',member='CheckpointRolledBack'",
                                               [this](sdbus::Message &message) {
                                                   sdbus::ObjectPath path;
                                                   message >> path;
                                                   print(checkpointRolledBackEvent(std::chrono::system_clock::now(),
                                                                                   path));
                                               });
        objects_ = std::make_unique<ObjectsWatch>(
            connection, [this](const std::string &path, const PropertyMap &p) { roleAdded(path, p); },
            [this](const std::string &path) { roleRemoved(path); });
        for (const auto &entry : client_.roles()) {
            watch(entry.path, entry.name);
            roles_[entry.path].properties = client_.role(entry)->allProperties();
        }
    }

    std::vector<std::string> roleNames() const
    {
        std::vector<std::string> names;
        for (const auto &entry : roles_)
            names.push_back(entry.second.name);
        return names;
    }
    bool daemonGone() const { return daemonGone_; }
    // Proxies of removed roles are destroyed here, outside the callbacks that removed them.
    void collect() { removed_.clear(); }

private:
    struct Role {
        std::string name;
        PropertyMap properties;
        std::unique_ptr<RoleWatch> watch;
    };

    void watch(const std::string &path, const std::string &name)
    {
        Role &role = roles_[path];
        role.name = name;
        role.watch = std::make_unique<RoleWatch>(
            client_.connection(), path, [this, path](const PropertyMap &changed) { propertiesChanged(path, changed); });
    }

    void propertiesChanged(const std::string &path, const PropertyMap &changed)
    {
        auto found = roles_.find(path);
        if (found == roles_.end())
            return;
        Role &role = found->second;
        for (const auto &event : propertyEvents(std::chrono::system_clock::now(), role.name, role.properties, changed))
            print(event);
        for (const auto &[name, value] : changed)
            role.properties[name] = value;
    }

    void roleAdded(const std::string &path, const PropertyMap &properties)
    {
        std::string name = path.substr(path.rfind('/') + 1);
        if (auto found = properties.find("Name"); found != properties.end() &&
                                                  found->second.containsValueOfType<std::string>())
            name = found->second.get<std::string>();
        watch(path, name);
        roles_[path].properties = properties;
        print(roleAddedEvent(std::chrono::system_clock::now(), name, properties));
    }

    void roleRemoved(const std::string &path)
    {
        auto found = roles_.find(path);
        if (found == roles_.end())
            return;
        print(roleRemovedEvent(std::chrono::system_clock::now(), found->second.name));
        removed_.push_back(std::move(found->second.watch));
        roles_.erase(found);
    }

    void nameOwnerChanged(sdbus::Message &message)
    {
        std::string name, oldOwner, newOwner;
        message >> name >> oldOwner >> newOwner;
        if (name == busName && newOwner.empty() && !daemonGone_) {
            daemonGone_ = true;
            print(daemonGoneEvent(std::chrono::system_clock::now()));
        }
    }

    void print(const MonitorEvent &event)
    {
        // Flushed at once: the reader of a pipe wants each event when it happens.
        std::cout << (json_ ? eventJsonLine(event) : eventLine(event)) << std::flush;
    }

    DaemonClient &client_;
    bool json_;
    sdbus::Slot nameWatch_;
    sdbus::Slot rolledBackWatch_;
    std::unique_ptr<ObjectsWatch> objects_;
    std::map<std::string, Role> roles_; // by object path
    std::vector<std::unique_ptr<RoleWatch>> removed_;
    bool daemonGone_ = false;
};

// SIGINT and SIGTERM as a descriptor for poll (blocked, so they no longer end the process).
class StopSignals {
public:
    StopSignals()
    {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0 || (fd_ = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
            throw std::runtime_error(std::string("cannot watch SIGINT and SIGTERM: ") + std::strerror(errno));
    }
    ~StopSignals() { close(fd_); }
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

int monotonicMillisecondsUntil(uint64_t deadlineUsec)
{
    if (deadlineUsec == UINT64_MAX)
        return -1;
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t nowUsec = static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
    return deadlineUsec <= nowUsec ? 0 : static_cast<int>((deadlineUsec - nowUsec + 999) / 1000);
}

int runMonitor(bool json)
{
    return withDaemon("monitor", [json](DaemonClient &client) {
        if (!client.ifpindOnBus()) {
            std::cerr << notRunningMessage << '\n';
            return exitFailure;
        }
        StopSignals stop;
        Monitor monitor(client, json);
        monitor.start();
        std::string names;
        for (const auto &name : monitor.roleNames())
            names += (names.empty() ? "" : ", ") + name;
        // On standard error, so that standard output holds events alone (JSON included).
        std::cerr << "Monitoring ifpind (roles: " << (names.empty() ? "none" : names) << "); Ctrl-C to stop.\n";

        auto &connection = client.connection();
        while (true) {
            while (!monitor.daemonGone() && connection.processPendingRequest()) {
            }
            monitor.collect();
            if (monitor.daemonGone())
                return exitFailure;
            auto data = connection.getEventLoopPollData();
            pollfd fds[2] = {{data.fd, data.events, 0}, {stop.fd(), POLLIN, 0}};
            if (poll(fds, 2, monotonicMillisecondsUntil(data.timeout_usec)) < 0 && errno != EINTR)
                throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
            if (fds[1].revents & POLLIN)
                return exitOk;
        }
    });
}

} // namespace

Subcommand addMonitorCommand(CLI::App &parent)
{
    auto json = std::make_shared<bool>(false);
    CLI::App *app =
        parent.add_subcommand("monitor", "Print ifpind's events as they happen: routes restored, state changes");
    app->add_flag("--json", *json, "One JSON object per line instead of text");
    return {app, [json] { return runMonitor(*json); }};
}

} // namespace ifpinctl
