#include "pinning/kernel_pinning.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "core/small_file.hpp"
#include "core/text.hpp"
#include "pinning/role_program.hpp"
#include "pinning/systemd_scopes.hpp"

namespace ifpin {

namespace {

constexpr uint32_t notWritten = UINT32_MAX;

double millisecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

struct KernelPinning::Role {
    RoleConfig config;
    std::unique_ptr<RoleProgram> program;
    std::string problem;       // why the role cannot be pinned now
    std::string loggedProblem; // the problem last logged, so that it is logged once
    uint32_t writtenIfindex = notWritten;
    uint32_t writtenMark = 0;
};

KernelPinning::KernelPinning(EventLoop &loop, const AccountResolver &accounts, MarkLookup marks,
                             std::string pinDirectory)
    : loop_(loop), accounts_(accounts), marks_(std::move(marks)), pinDirectory_(std::move(pinDirectory)),
      underSystemd_(sd_booted() > 0)
{
}

KernelPinning::~KernelPinning() = default;

// What keeps every role from being pinned, if anything; finds the cgroup v2 hierarchy on the way.
std::string KernelPinning::environmentProblem()
{
    std::vector<MountEntry> mounts;
    try {
        if (auto text = readSmallFile("/proc/self/mountinfo", 4 * 1024 * 1024))
            mounts = parseMountinfo(*text);
    } catch (const FileReadError &error) {
        return error.what();
    }
    auto cgroup2 = cgroup2Mount(mounts);
    if (!cgroup2)
        return "no cgroup v2 hierarchy is mounted (kernel pinning needs cgroup v2)";
    tree_.emplace(*cgroup2);
    auto holder = mountHolding(mounts, pinDirectory_);
    if (!holder || holder->fstype != "bpf")
        return "no bpf filesystem holds " + pinDirectory_ + " (mount one: mount -t bpf bpf " +
               std::filesystem::path(pinDirectory_).parent_path().string() + ")";
    return {};
}

void KernelPinning::load(Role &role)
{
    const std::string &name = role.config.name;
    role.problem = environmentProblem();
    if (role.problem.empty()) {
        try {
            role.program = std::make_unique<RoleProgram>(pinDirectory_, name);
            if (!underSystemd_) {
                // Attached without flags: nothing else can be attached on or below it, and a
                // re-attach of a newer program replaces it atomically.
                UniqueFd cgroup = tree_->ensureOwn(name);
                if (!role.program->attachedTo(cgroup.get(), false))
                    role.program->attach(cgroup.get(), true);
                if (!role.program->attachedTo(cgroup.get(), true))
                    throw PinError("the kernel does not run " + role.program->programPath() + " for " +
                                   tree_->directory(ownCgroupRelative(name)) + " after attaching it");
            }
        } catch (const std::exception &error) { // PinError, std::system_error
            role.program.reset();
            role.problem = error.what();
        }
    }
    if (role.problem.empty()) {
        spdlog::info("pinning: role {}: program {} (id {}, {}){}", name, role.program->programPath(),
                     role.program->programId(), role.program->reused() ? "pinned before, reused" : "loaded",
                     underSystemd_ ? ", pinned processes go into systemd scopes in " + std::string(pinSlice)
                                   : ", attached to " + tree_->directory(ownCgroupRelative(name)));
        role.loggedProblem.clear();
        role.writtenIfindex = notWritten;
    } else if (role.problem != role.loggedProblem) {
        spdlog::error("pinning: kernel pinning is not available for role {}: {}", name, role.problem);
        role.loggedProblem = role.problem;
    }
}

void KernelPinning::setRoles(const Config &config)
{
    for (auto it = roles_.begin(); it != roles_.end();) {
        if (config.findRole(it->first)) {
            ++it;
            continue;
        }
        Role &gone = *it->second;
        if (gone.program) {
            // Whatever stays attached (a cgroup with processes left, a scope) refuses sockets now.
            if (auto problems = gone.program->retire(); !problems.empty())
                spdlog::error("pinning: retiring role {}: {}", gone.config.name, problems);
            // The program stays attached: detached, it would leave the processes still in the
            // cgroup unpinned. The cgroup goes when it is empty, its attachment with it.
            if (tree_ && !underSystemd_) {
                if (!tree_->removeOwn(gone.config.name))
                    spdlog::warn("pinning: role {} removed; its cgroup stays while processes are in it (they get no "
                                 "sockets): {}",
                                 gone.config.name, std::strerror(errno));
            }
            spdlog::info("pinning: role {} removed; its program and map are unpinned", gone.config.name);
        }
        it = roles_.erase(it);
    }
    for (const auto &roleConfig : config.roles) {
        auto &slot = roles_[roleConfig.name];
        if (!slot)
            slot = std::make_unique<Role>();
        slot->config = roleConfig;
        slot->writtenIfindex = notWritten; // the interface may have changed: write at the next follow
        if (!slot->program) {
            load(*slot);
            continue;
        }
        try {
            if (auto repinned = slot->program->repin(); !repinned.empty())
                spdlog::warn("pinning: role {}: {} had been removed; pinned again", roleConfig.name, repinned);
        } catch (const PinError &error) {
            spdlog::error("pinning: role {}: {}", roleConfig.name, error.what());
        }
    }
    // Pins left by an earlier run for roles that are no longer configured.
    std::error_code error;
    if (std::filesystem::is_directory(pinDirectory_, error))
        for (const auto &name : pinnedRoles(pinDirectory_))
            if (!config.findRole(name)) {
                auto problems = retirePinnedRole(pinDirectory_, name);
                spdlog::info("pinning: unpinned the program of role {}, which is no longer configured{}", quote(name),
                             problems.empty() ? "" : ": " + problems);
            }
}

void KernelPinning::follow(const KernelState &kernel)
{
    for (auto &[name, role] : roles_) {
        if (!role->program)
            continue;
        const LinkFact *link = kernel.linkByName(role->config.interface);
        uint32_t ifindex = link ? static_cast<uint32_t>(link->ifindex) : 0;
        uint32_t mark = marks_ ? marks_(name).value_or(0) : 0;
        if (ifindex == role->writtenIfindex && mark == role->writtenMark)
            continue;
        try {
            role->program->setTarget(ifindex, mark);
        } catch (const PinError &error) {
            spdlog::error("pinning: role {}: {}", name, error.what());
            continue;
        }
        role->writtenIfindex = ifindex;
        role->writtenMark = mark;
        if (ifindex)
            spdlog::info("pinning: role {}: sockets of pinned processes are bound to {} (#{}){}", name,
                         role->config.interface, ifindex, mark ? fmt::format(", mark {:#010x}", mark) : "");
        else
            spdlog::warn("pinning: role {}: interface {} is missing; pinned processes get no sockets until it is back",
                         name, role->config.interface);
    }
}

SocketGrant KernelPinning::refuse(ifpin_status status, int error, std::string message, std::string_view role,
                                  const PeerCredentials &peer) const
{
    // A client may repeat a refused request without end: the log says so, in bounded words.
    auto now = std::chrono::steady_clock::now();
    if (now - refusalWindow_ >= refusalWindowLength) {
        if (refusalsUnlogged_ > 0)
            spdlog::warn("pinning: {} more refusal(s) in the last {} s were not logged", refusalsUnlogged_,
                         std::chrono::duration_cast<std::chrono::seconds>(refusalWindowLength).count());
        refusalWindow_ = now;
        refusalsLogged_ = 0;
        refusalsUnlogged_ = 0;
    }
    if (refusalsLogged_ < refusalsLoggedPerWindow) {
        ++refusalsLogged_;
        spdlog::warn("pinning: refused to pin {} to role {}: {}", peer.describe(), quote(role), message);
    } else {
        ++refusalsUnlogged_;
    }
    return SocketGrant{status, error, std::move(message), {}};
}

void KernelPinning::place(PinRequest request, PinReply reply)
{
    auto it = roles_.find(request.role);
    if (it == roles_.end()) {
        reply(refuse(IFPIN_STATUS_UNKNOWN_ROLE, 0, "unknown role " + quote(request.role), request.role,
                     request.peer));
        return;
    }
    Role &role = *it->second;
    if (!mayUseRole(role.config, request.peer, accounts_)) {
        reply(refuse(IFPIN_STATUS_ACCESS_DENIED, 0,
                     fmt::format("uid {} may not use role {} (allowed: {})", request.peer.uid, role.config.name,
                                 describeAllowLists(role.config)),
                     request.role, request.peer));
        return;
    }
    if (!role.program)
        load(role); // the bpf filesystem may have been mounted since, say
    if (!role.program) {
        reply(refuse(IFPIN_STATUS_PIN_UNAVAILABLE, 0,
                     "kernel pinning is not available for role " + role.config.name + ": " + role.problem, request.role,
                     request.peer));
        return;
    }
    if (role.writtenIfindex == 0 || role.writtenIfindex == notWritten) {
        reply(refuse(IFPIN_STATUS_NO_DEVICE, 0,
                     fmt::format("interface {} of role {} does not exist", role.config.interface, role.config.name),
                     request.role, request.peer));
        return;
    }
    Identification identified = identifySender(request);
    if (!identified.process) {
        reply(refuse(IFPIN_STATUS_PIN_FAILED, identified.error, identified.problem, request.role, request.peer));
        return;
    }
    if (!underSystemd_) {
        reply(placeInOwnCgroup(role, *identified.process, request.peer));
        return;
    }
    if (!scopes_)
        scopes_ = std::make_unique<SystemdScopes>(loop_);
    auto process = std::make_shared<IdentifiedProcess>(std::move(*identified.process));
    auto started = std::chrono::steady_clock::now();
    scopes_->start(role.config.name, process->pid, role.program->programPath(),
                   [this, name = role.config.name, process, peer = request.peer, reply, started](SystemdScopes::Outcome outcome) {
                       if (!outcome.started) {
                           reply(refuse(IFPIN_STATUS_PIN_FAILED, EIO, outcome.problem, name, peer));
                           return;
                       }
                       SocketGrant grant = checkScope(name, *process, peer, outcome.unit, outcome.controlGroup);
                       if (grant.status == IFPIN_STATUS_OK)
                           spdlog::info("pinning: pinned pid {} ({}, by {}) to role {} in {} in {:.1f} ms", process->pid,
                                        peer.describe(), process->how, name, outcome.unit, millisecondsSince(started));
                       reply(std::move(grant));
                   });
}

SocketGrant KernelPinning::placeInOwnCgroup(const Role &role, const IdentifiedProcess &process,
                                            const PeerCredentials &peer)
{
    const std::string &name = role.config.name;
    const std::string relative = ownCgroupRelative(name);
    const std::string directory = tree_->directory(relative);
    const pid_t pid = process.pid;
    auto started = std::chrono::steady_clock::now();
    try {
        CgroupTree::move(directory, pid);
    } catch (const std::system_error &error) {
        return refuse(IFPIN_STATUS_PIN_FAILED, error.code().value(), error.what(), name, peer);
    }
    double moveMs = millisecondsSince(started);
    // Alive as pid before and after the write, so throughout it: the number named our process.
    if (pidOfPidfd(process.pidfd.get()) != pid) {
        bool stranger = CgroupTree::contains(directory, pid);
        spdlog::error("pinning: pid {} exited while it was being moved into {}{}", pid, directory,
                      stranger ? "; a process with that number is in the cgroup now (its sockets are pinned to role " +
                                     name + ")"
                               : "");
        return refuse(IFPIN_STATUS_PIN_FAILED, ESRCH, fmt::format("pid {} exited during the move", pid), name, peer);
    }
    if (!CgroupTree::contains(directory, pid) || pidOfPidfd(process.pidfd.get()) != pid)
        return refuse(IFPIN_STATUS_PIN_FAILED, EIO, fmt::format("pid {} is not in {} after the move", pid, directory),
                      name, peer);
    const std::string seen = cgroupPathAsSeen(tree_->mount(), relative);
    spdlog::info("pinning: pinned pid {} ({}, by {}) to role {} in {} (cgroup.procs written in {:.1f} ms)", pid,
                 peer.describe(), process.how, name, seen, moveMs);
    return SocketGrant{IFPIN_STATUS_OK, 0, seen, {}};
}

// systemd says the scope is started; whether the kernel runs the role's program for it and the
// process is in it is checked here, since systemd 252 starts a scope without its BPFProgram= when
// the pin is missing, the hierarchy is hybrid or attaching fails.
SocketGrant KernelPinning::checkScope(const std::string &roleName, const IdentifiedProcess &process,
                                      const PeerCredentials &peer, const std::string &unit,
                                      const std::string &controlGroup)
{
    auto it = roles_.find(roleName);
    if (it == roles_.end() || !it->second->program)
        return refuse(IFPIN_STATUS_PIN_FAILED, ENOENT, "role " + roleName + " went away meanwhile", roleName, peer);
    const RoleProgram &program = *it->second->program;
    const std::string directory = tree_ ? tree_->directoryOfPath(controlGroup) : std::string();
    UniqueFd cgroup = directory.empty() ? UniqueFd() : CgroupTree::open(directory);
    if (!cgroup)
        return refuse(IFPIN_STATUS_PIN_FAILED, EIO,
                      "cannot open the cgroup " + controlGroup + " of " + unit + " under the cgroup v2 mount", roleName,
                      peer);
    try {
        if (!program.attachedTo(cgroup.get(), true)) {
            spdlog::warn("pinning: systemd started {} without {} attached (a hybrid hierarchy, or the pin missing); "
                         "attaching it",
                         unit, program.programPath());
            program.attach(cgroup.get(), false);
            if (!program.attachedTo(cgroup.get(), true))
                return refuse(IFPIN_STATUS_PIN_FAILED, EIO, "the kernel does not run the role's program for " + unit,
                              roleName, peer);
        }
    } catch (const PinError &error) {
        return refuse(IFPIN_STATUS_PIN_FAILED, EIO, error.what(), roleName, peer);
    }
    if (!CgroupTree::contains(directory, process.pid) || pidOfPidfd(process.pidfd.get()) != process.pid)
        return refuse(IFPIN_STATUS_PIN_FAILED, ESRCH, fmt::format("pid {} is not in {} (gone?)", process.pid, unit),
                      roleName, peer);
    return SocketGrant{IFPIN_STATUS_OK, 0, controlGroup, {}};
}

RolePinningStatus KernelPinning::status(std::string_view name) const
{
    auto it = roles_.find(name);
    if (it == roles_.end())
        return {};
    const Role &role = *it->second;
    return RolePinningStatus{static_cast<bool>(role.program), role.program ? role.program->programPath() : "",
                             role.problem};
}

uint32_t KernelPinning::pinnedProcesses(std::string_view name) const
{
    if (!tree_)
        return 0;
    size_t processes = CgroupTree::processCount(tree_->directory(ownCgroupRelative(name)));
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(tree_->directory(pinSlice), error))
        if (isScopeOfRole(entry.path().filename().string(), name))
            processes += CgroupTree::processCount(entry.path());
    return static_cast<uint32_t>(processes);
}

uint64_t KernelPinning::refusedSockets(std::string_view name) const
{
    auto it = roles_.find(name);
    return it != roles_.end() && it->second->program ? it->second->program->refused() : 0;
}

size_t KernelPinning::placing() const
{
    return scopes_ ? scopes_->pending() : 0;
}

} // namespace ifpin
