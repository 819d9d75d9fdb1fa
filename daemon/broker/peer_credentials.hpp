// Who is on the other end of a Unix socket, as the kernel vouches for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "core/unique_fd.hpp"

namespace ifpin {

struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups; // supplementary groups (SO_PEERGROUPS), once read

    // SO_PEERCRED of a connected socket; nullopt if the kernel gives none. The supplementary
    // groups are read apart (readGroups), only when an allow list names groups: one system call
    // less for every other request.
    static std::optional<PeerCredentials> of(int fd);
    // SO_PEERGROUPS of the same socket into `groups`; false if the kernel gives none.
    bool readGroups(int fd);
    // SO_PEERPIDFD of the same socket: a pidfd of the process that connected (Linux >= 6.5), which
    // a reused pid cannot stand for. An invalid UniqueFd where the kernel has no such option.
    static UniqueFd pidfdOf(int fd);
    // "uid 1000 (pid 4242)" for logs.
    std::string describe() const;
};

} // namespace ifpin
