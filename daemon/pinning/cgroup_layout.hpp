// Where kernel pinning lives, as pure functions of names and of /proc/self/mountinfo's text: the
// cgroup v2 mount (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one), the
// filesystem under the pin directory, ifpind's own cgroups when no systemd manages the tree
// (<cgroup2>/ifpin/ROLE), and the transient scopes it asks systemd for
// (ifpin.slice/ifpin-ROLE-PID.scope). Unit-tested on text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace ifpin {

struct MountEntry {
    std::string root;       // the mount's root within its filesystem ("/" or a subtree)
    std::string mountPoint; // where it is mounted, unescaped
    std::string fstype;
};

// Every line of /proc/PID/mountinfo that has the fields it should; the \NNN escapes of paths undone.
std::vector<MountEntry> parseMountinfo(std::string_view text);

// The cgroup v2 hierarchy: the cgroup2 mount at /sys/fs/cgroup when there is one, else the first
// cgroup2 mount; of several at one mount point the last (the others are covered). Nothing when none
// is mounted.
std::optional<MountEntry> cgroup2Mount(const std::vector<MountEntry> &mounts);

// The mount that holds path: the one mounted last at the longest mount point that is path or one of
// its ancestors. Nothing when none is (a relative path).
std::optional<MountEntry> mountHolding(const std::vector<MountEntry> &mounts, std::string_view path);

// The cgroup of role's pinned processes when ifpind manages them itself, relative to the cgroup2
// mount ("ifpin/ROLE"), and as /proc/PID/cgroup names it (the mount's root in front:
// "/ifpin/ROLE" when the whole hierarchy is mounted).
inline constexpr const char *ownCgroupTop = "ifpin";
std::string ownCgroupRelative(std::string_view role);
std::string cgroupPathAsSeen(const MountEntry &cgroup2, std::string_view relative);

// Under systemd: the slice of every pinned process, and one transient scope per process,
// "ifpin-ROLE-PID.scope" ("ifpin-ROLE-PID-ATTEMPT.scope" from the second attempt on, when a scope of
// that name still exists). ROLE is escaped as systemd escapes unit names ('-' is "\x2d", since '-'
// in a unit name means nesting), so one role's scopes never look like another's.
inline constexpr const char *pinSlice = "ifpin.slice";
std::string escapeUnitNamePart(std::string_view text);
std::string scopeName(std::string_view role, pid_t pid, unsigned attempt = 1);
// Whether unitName is a scope that scopeName made for role.
bool isScopeOfRole(std::string_view unitName, std::string_view role);

// The pid a pidfd names, from its /proc/self/fdinfo/FD text ("Pid:\t1234"): -1 once the process has
// been reaped, 0 when it is not in this pid namespace; nothing when the text has no such line.
std::optional<pid_t> pidfdPidFromFdinfo(std::string_view fdinfo);

} // namespace ifpin
