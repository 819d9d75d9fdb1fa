// Under systemd: a pinned process is put in a transient scope of its own, ifpin.slice/
// ifpin-ROLE-PID.scope, with BPFProgram=sock_create:PROGRAM, so that it is nobody's service (it
// outlives `systemctl restart ifpind`) and systemd attaches the role's program before it moves the
// process in. Asked over the system bus (org.freedesktop.systemd1.Manager.StartTransientUnit) on a
// connection of its own, made at the first request and served from the daemon's sd-event loop by
// sd-bus itself; every call is asynchronous. The only file of pinning that talks D-Bus.
//
// systemd 252 fails open here (a missing pin is skipped with a warning, a hybrid hierarchy ignores
// BPFProgram=, an attach error is only logged): the caller checks the scope's cgroup afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "core/event_loop.hpp"

#include <systemd/sd-bus.h>

namespace ifpin {

class SystemdScopes {
public:
    struct Outcome {
        bool started = false;
        std::string unit;         // the scope's name
        std::string controlGroup; // its cgroup, as systemd names it ("/ifpin.slice/ifpin-mgmt-42.scope")
        std::string problem;      // when not started
    };
    using Done = std::function<void(Outcome)>;

    // How long systemd may take to start a scope before the request is given up.
    static constexpr auto timeout = std::chrono::seconds(8);

    explicit SystemdScopes(EventLoop &loop);
    ~SystemdScopes();
    SystemdScopes(const SystemdScopes &) = delete;
    SystemdScopes &operator=(const SystemdScopes &) = delete;

    // Starts a scope of role holding pid; done is called once, from the loop (never from inside
    // start), with the scope's cgroup once systemd's start job is done, or what went wrong.
    void start(const std::string &role, pid_t pid, const std::string &programPath, Done done);
    size_t pending() const { return pending_.size(); }

private:
    struct Placement;

    bool connect(std::string &problem);
    void disconnect();
    void call(Placement &placement);
    void jobDone(Placement &placement, const std::string &result);
    void finish(uint64_t id, Outcome outcome);

    static int onStartReply(sd_bus_message *message, void *userdata, sd_bus_error *error);
    static int onJobRemoved(sd_bus_message *message, void *userdata, sd_bus_error *error);
    static int onControlGroup(sd_bus_message *message, void *userdata, sd_bus_error *error);

    EventLoop &loop_;
    sd_bus *bus_ = nullptr;
    sd_bus_slot *jobRemovedMatch_ = nullptr;
    std::map<uint64_t, std::unique_ptr<Placement>> pending_;
    std::vector<std::unique_ptr<Placement>> finished_;
    EventSourcePtr reaper_;
    std::map<std::string, std::string> removedEarly_; // job path -> result, seen before the reply named it
    uint64_t nextId_ = 1;
};

} // namespace ifpin
