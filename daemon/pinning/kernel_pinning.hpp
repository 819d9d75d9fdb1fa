// Kernel pinning (docs/security.md): every AF_INET/AF_INET6 socket a pinned process creates is bound
// by the kernel to its role's interface. One program per role (role_program.hpp), driven by its
// map, which this keeps current as the role's interface comes and goes; and the answer to the
// broker's pin requests: authorise the sender exactly as for sockets, identify it by pidfd, and put
// it in the role's pinned cgroup: a transient scope under systemd (systemd_scopes.hpp), ifpind's
// own <cgroup2>/ifpin/ROLE elsewhere (cgroup_tree.hpp), checked in the kernel either way before
// the answer is OK.
//
// A role that cannot be pinned (no cgroup v2, no bpf filesystem, no CAP_BPF, a foreign pin in the
// way) says why; routes and the broker's sockets never depend on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/access_policy.hpp"
#include "broker/pin_requests.hpp"
#include "config/config.hpp"
#include "core/event_loop.hpp"
#include "kernel/kernel_state.hpp"
#include "pinning/cgroup_tree.hpp"
#include "pinning/process_identity.hpp"

namespace ifpin {

class RoleProgram;
class SystemdScopes;

// What org.ifpin1.Role and `ifpinctl status` show of a role's kernel pinning (the counters apart:
// reading them costs file reads).
struct RolePinningStatus {
    bool available = false;
    std::string program; // the pinned program's path, when available
    std::string problem; // why not, when not

    friend bool operator==(const RolePinningStatus &, const RolePinningStatus &) = default;
};

class KernelPinning final : public PinRequestHandler {
public:
    // The SO_MARK of a role's sockets (the egress guard's); nothing: no mark.
    using MarkLookup = std::function<std::optional<uint32_t>(std::string_view)>;
    static constexpr const char *defaultPinDirectory = "/sys/fs/bpf/ifpin";

    // Under systemd (sd_booted) pinned processes go into transient scopes; elsewhere into ifpind's
    // own cgroups.
    KernelPinning(EventLoop &loop, const AccountResolver &accounts, MarkLookup marks,
                  std::string pinDirectory = defaultPinDirectory);
    ~KernelPinning() override;
    KernelPinning(const KernelPinning &) = delete;
    KernelPinning &operator=(const KernelPinning &) = delete;

    // The roles in force (start, reload, a D-Bus change): new roles get their program (loaded, or
    // the pinned one reused), roles gone are retired (their sockets refused, then unpinned), and
    // so are the pins of roles found from an earlier run that are no longer configured.
    void setRoles(const Config &config);
    // The kernel's links: each role's map gets the current ifindex of its interface (0 while it is
    // missing) and its mark. Writes only what changed.
    void follow(const KernelState &kernel);

    void place(PinRequest request, PinReply reply) override;

    RolePinningStatus status(std::string_view role) const;
    // Processes in the role's pinned cgroups now (ifpind's own and its systemd scopes).
    uint32_t pinnedProcesses(std::string_view role) const;
    // Sockets the role's program refused while the role's interface was missing.
    uint64_t refusedSockets(std::string_view role) const;
    bool underSystemd() const { return underSystemd_; }
    // Pin requests waiting for systemd.
    size_t placing() const;

private:
    struct Role;

    void load(Role &role);
    std::string environmentProblem();
    SocketGrant placeInOwnCgroup(const Role &role, const IdentifiedProcess &process, const PeerCredentials &peer);
    SocketGrant checkScope(const std::string &roleName, const IdentifiedProcess &process, const PeerCredentials &peer,
                           const std::string &unit, const std::string &controlGroup);
    SocketGrant refuse(ifpin_status status, int error, std::string message, std::string_view role,
                       const PeerCredentials &peer) const;

    EventLoop &loop_;
    const AccountResolver &accounts_;
    MarkLookup marks_;
    std::string pinDirectory_;
    bool underSystemd_;
    std::optional<CgroupTree> tree_;
    std::unique_ptr<SystemdScopes> scopes_;
    std::map<std::string, std::unique_ptr<Role>, std::less<>> roles_;

    // Refusals logged per window; the rest are counted and the count logged after.
    static constexpr auto refusalWindowLength = std::chrono::seconds(60);
    static constexpr unsigned refusalsLoggedPerWindow = 20;
    mutable std::chrono::steady_clock::time_point refusalWindow_{};
    mutable unsigned refusalsLogged_ = 0;
    mutable unsigned refusalsUnlogged_ = 0;
};

} // namespace ifpin
