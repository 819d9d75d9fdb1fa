// Who is on the other end of a Unix socket, as the kernel vouches for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace ifpin {

struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups; // supplementary groups (SO_PEERGROUPS)

    // SO_PEERCRED and SO_PEERGROUPS of a connected socket; nullopt if the kernel gives none.
    static std::optional<PeerCredentials> of(int fd);
    // "uid 1000 (pid 4242)" for logs.
    std::string describe() const;
};

} // namespace ifpin
