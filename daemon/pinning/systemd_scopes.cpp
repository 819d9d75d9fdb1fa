#include "pinning/systemd_scopes.hpp"

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "pinning/cgroup_layout.hpp"

namespace ifpin {

namespace {

constexpr const char *systemdService = "org.freedesktop.systemd1";
constexpr const char *systemdPath = "/org/freedesktop/systemd1";
constexpr const char *managerInterface = "org.freedesktop.systemd1.Manager";
constexpr unsigned maxAttempts = 4; // scope names tried per request when one is taken

std::string errorText(int code)
{
    return std::strerror(code < 0 ? -code : code);
}

std::string replyError(sd_bus_message *message)
{
    const sd_bus_error *error = sd_bus_message_get_error(message);
    if (!error)
        return "error without a name";
    return std::string(error->message ? error->message : "") + " (" + (error->name ? error->name : "?") + ")";
}

} // namespace

struct SystemdScopes::Placement {
    SystemdScopes *owner = nullptr;
    uint64_t id = 0;
    std::string role;
    pid_t pid = 0;
    std::string program;
    unsigned attempt = 1;
    std::string unit;
    std::string job;
    Done done;
    sd_bus_slot *call = nullptr;
    EventSourcePtr timer;
    EventSourcePtr later; // a failure found inside start() is reported from the loop
    Outcome early;

    ~Placement() { sd_bus_slot_unref(call); }
};

SystemdScopes::SystemdScopes(EventLoop &loop) : loop_(loop)
{
    reaper_ = loop_.addDefer([this] { finished_.clear(); });
}

SystemdScopes::~SystemdScopes()
{
    pending_.clear();
    finished_.clear();
    disconnect();
}

bool SystemdScopes::connect(std::string &problem)
{
    if (bus_ && sd_bus_is_open(bus_) > 0)
        return true;
    disconnect();
    if (int r = sd_bus_open_system(&bus_); r < 0) {
        bus_ = nullptr;
        problem = "cannot connect to the system bus to reach systemd: " + errorText(r);
        return false;
    }
    sd_bus_set_description(bus_, "ifpind-pinning");
    int r = sd_bus_attach_event(bus_, loop_.get(), SD_EVENT_PRIORITY_NORMAL);
    // The match is in place before any call: the bus daemon handles one connection's messages in
    // order, so no JobRemoved of ours can pass it by.
    if (r >= 0)
        r = sd_bus_match_signal_async(bus_, &jobRemovedMatch_, systemdService, systemdPath, managerInterface,
                                      "JobRemoved", onJobRemoved, nullptr, this);
    if (r < 0) {
        problem = "cannot listen for systemd's job results on the system bus: " + errorText(r);
        disconnect();
        return false;
    }
    return true;
}

void SystemdScopes::disconnect()
{
    jobRemovedMatch_ = sd_bus_slot_unref(jobRemovedMatch_);
    if (bus_) {
        sd_bus_detach_event(bus_);
        bus_ = sd_bus_flush_close_unref(bus_);
    }
    removedEarly_.clear();
}

void SystemdScopes::start(const std::string &role, pid_t pid, const std::string &programPath, Done done)
{
    auto placement = std::make_unique<Placement>();
    placement->owner = this;
    placement->id = nextId_++;
    placement->role = role;
    placement->pid = pid;
    placement->program = programPath;
    placement->done = std::move(done);
    uint64_t id = placement->id;
    placement->timer = loop_.addTimer([this, id] {
        finish(id, Outcome{false, {}, {}, fmt::format("systemd did not start the scope within {} s", timeout.count())});
    });
    placement->timer->armIn(timeout);
    Placement &added = *placement;
    pending_[id] = std::move(placement);

    std::string problem;
    if (!connect(problem)) {
        added.early = Outcome{false, {}, {}, problem};
        added.later = loop_.addDefer([this, id] {
            auto it = pending_.find(id);
            if (it != pending_.end())
                finish(id, it->second->early);
        });
        added.later->triggerOnce();
        return;
    }
    call(added);
}

void SystemdScopes::call(Placement &placement)
{
    placement.unit = scopeName(placement.role, placement.pid, placement.attempt);
    sd_bus_message *message = nullptr;
    int r = sd_bus_message_new_method_call(bus_, &message, systemdService, systemdPath, managerInterface,
                                           "StartTransientUnit");
    const std::string description = fmt::format("ifpin: pid {} pinned to role {}", placement.pid, placement.role);
    if (r >= 0)
        r = sd_bus_message_append(message, "ss", placement.unit.c_str(), "fail");
    if (r >= 0)
        r = sd_bus_message_append(message, "a(sv)", 5,                              //
                                  "Description", "s", description.c_str(),         //
                                  "Slice", "s", pinSlice,                          //
                                  "PIDs", "au", 1, static_cast<uint32_t>(placement.pid), //
                                  "BPFProgram", "a(ss)", 1, "sock_create", placement.program.c_str(),
                                  "CollectMode", "s", "inactive-or-failed");
    if (r >= 0)
        r = sd_bus_message_append(message, "a(sa(sv))", 0);
    if (r >= 0)
        r = sd_bus_call_async(bus_, &placement.call, message, onStartReply, &placement,
                              std::chrono::microseconds(timeout).count());
    sd_bus_message_unref(message);
    if (r < 0) {
        placement.early = Outcome{false, placement.unit, {}, "cannot ask systemd for a scope: " + errorText(r)};
        uint64_t id = placement.id;
        placement.later = loop_.addDefer([this, id] {
            auto it = pending_.find(id);
            if (it != pending_.end())
                finish(id, it->second->early);
        });
        placement.later->triggerOnce();
    }
}

int SystemdScopes::onStartReply(sd_bus_message *message, void *userdata, sd_bus_error *)
{
    auto &placement = *static_cast<Placement *>(userdata);
    SystemdScopes &self = *placement.owner;
    try {
        placement.call = sd_bus_slot_unref(placement.call);
        if (sd_bus_message_is_method_error(message, "org.freedesktop.systemd1.UnitExists") &&
            placement.attempt < maxAttempts) {
            ++placement.attempt; // an old scope of a process with the same pid is still there
            self.call(placement);
            return 0;
        }
        if (sd_bus_message_is_method_error(message, nullptr)) {
            self.finish(placement.id, Outcome{false, placement.unit, {},
                                              "systemd refused the scope " + placement.unit + ": " + replyError(message)});
            return 0;
        }
        const char *job = nullptr;
        if (sd_bus_message_read(message, "o", &job) < 0 || !job) {
            self.finish(placement.id, Outcome{false, placement.unit, {}, "systemd's answer names no job"});
            return 0;
        }
        placement.job = job;
        if (auto early = self.removedEarly_.find(placement.job); early != self.removedEarly_.end()) {
            std::string result = early->second;
            self.removedEarly_.erase(early);
            self.jobDone(placement, result);
        }
    } catch (const std::exception &error) {
        spdlog::error("pinning: systemd's answer for {}: {}", placement.unit, error.what());
    }
    return 0;
}

int SystemdScopes::onJobRemoved(sd_bus_message *message, void *userdata, sd_bus_error *)
{
    auto &self = *static_cast<SystemdScopes *>(userdata);
    try {
        uint32_t id = 0;
        const char *job = nullptr, *unit = nullptr, *result = nullptr;
        if (sd_bus_message_read(message, "uoss", &id, &job, &unit, &result) < 0 || !job || !result)
            return 0;
        for (auto &[key, placement] : self.pending_) {
            if (placement->job == job) {
                self.jobDone(*placement, result);
                return 0;
            }
        }
        // Our reply may still be on its way: keep the results of scopes that could be ours.
        if (unit && std::string_view(unit).starts_with("ifpin-") && self.removedEarly_.size() < 256)
            self.removedEarly_[job] = result;
    } catch (const std::exception &error) {
        spdlog::error("pinning: systemd's job result: {}", error.what());
    }
    return 0;
}

void SystemdScopes::jobDone(Placement &placement, const std::string &result)
{
    if (result != "done") {
        finish(placement.id, Outcome{false, placement.unit, {},
                                     "systemd's job to start " + placement.unit + " ended with '" + result + "'"});
        return;
    }
    char *path = nullptr;
    int r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", placement.unit.c_str(), &path);
    if (r >= 0)
        r = sd_bus_call_method_async(bus_, &placement.call, systemdService, path, "org.freedesktop.DBus.Properties",
                                     "Get", onControlGroup, &placement, "ss", "org.freedesktop.systemd1.Scope",
                                     "ControlGroup");
    free(path);
    if (r < 0)
        finish(placement.id, Outcome{false, placement.unit, {}, "cannot ask systemd for the cgroup of " +
                                                                   placement.unit + ": " + errorText(r)});
}

int SystemdScopes::onControlGroup(sd_bus_message *message, void *userdata, sd_bus_error *)
{
    auto &placement = *static_cast<Placement *>(userdata);
    SystemdScopes &self = *placement.owner;
    try {
        placement.call = sd_bus_slot_unref(placement.call);
        const char *group = nullptr;
        if (sd_bus_message_is_method_error(message, nullptr))
            self.finish(placement.id, Outcome{false, placement.unit, {},
                                              "systemd does not say where " + placement.unit + " is: " + replyError(message)});
        else if (sd_bus_message_enter_container(message, 'v', "s") < 0 || sd_bus_message_read(message, "s", &group) < 0 ||
                 !group || !*group)
            self.finish(placement.id, Outcome{false, placement.unit, {}, "systemd gives no cgroup for " + placement.unit});
        else
            self.finish(placement.id, Outcome{true, placement.unit, group, {}});
    } catch (const std::exception &error) {
        spdlog::error("pinning: systemd's answer for {}: {}", placement.unit, error.what());
    }
    return 0;
}

void SystemdScopes::finish(uint64_t id, Outcome outcome)
{
    auto it = pending_.find(id);
    if (it == pending_.end())
        return;
    std::unique_ptr<Placement> placement = std::move(it->second);
    pending_.erase(it);
    placement->call = sd_bus_slot_unref(placement->call);
    placement->timer->disable();
    Done done = std::move(placement->done);
    // The placement (with the timer or defer source whose callback may be running this) goes at
    // the next loop iteration; done may start other placements meanwhile.
    finished_.push_back(std::move(placement));
    reaper_->triggerOnce();
    done(std::move(outcome));
}

} // namespace ifpin
