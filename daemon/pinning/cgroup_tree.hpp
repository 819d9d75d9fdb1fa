// The cgroup v2 files kernel pinning touches: ifpind's own cgroups <cgroup2>/ifpin/ROLE (on hosts
// without systemd), moving a process into one, and reading who is in a cgroup (its own or a systemd
// scope). The only file of pinning that writes cgroupfs.
//
// ifpind's cgroups are 0755 root: nobody else may create cgroups below them (mkdir needs write
// access) or move processes in or out (cgroup.procs is root's, and a move needs write access to the
// common ancestor's too). No controller is enabled in them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "core/unique_fd.hpp"
#include "pinning/cgroup_layout.hpp"

namespace ifpin {

class CgroupTree {
public:
    explicit CgroupTree(MountEntry cgroup2) : cgroup2_(std::move(cgroup2)) {}

    const MountEntry &mount() const { return cgroup2_; }
    // The directory of a cgroup given relative to the mount ("ifpin/mgmt").
    std::string directory(std::string_view relative) const;
    // The directory of a cgroup given as systemd and /proc/PID/cgroup name it ("/ifpin.slice/x.scope"),
    // or "" when it lies outside this mount.
    std::string directoryOfPath(std::string_view cgroupPath) const;

    // Makes <mount>/ifpin and <mount>/ifpin/ROLE when missing (0755) and opens the role's
    // directory (O_RDONLY, to attach a program to). Throws std::system_error naming the path.
    UniqueFd ensureOwn(std::string_view role) const;
    // Opens a cgroup directory; an invalid UniqueFd (errno set) when it cannot.
    static UniqueFd open(const std::string &directory);
    // Writes pid into the cgroup's cgroup.procs (which moves the whole process). It blocks for an
    // RCU grace period (8 to 16 ms measured) unless one just passed. Throws std::system_error.
    static void move(const std::string &directory, pid_t pid);
    // Whether pid is listed in the cgroup's cgroup.procs; how many are.
    static bool contains(const std::string &directory, pid_t pid);
    static size_t processCount(const std::string &directory);
    // Removes ifpind's own cgroup of role; false (errno set) while processes are still in it.
    bool removeOwn(std::string_view role) const;

private:
    MountEntry cgroup2_;
};

} // namespace ifpin
