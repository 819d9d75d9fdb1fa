#include "broker/peer_credentials.hpp"

#include <cerrno>

#include <spdlog/fmt/fmt.h>
#include <sys/socket.h>

namespace ifpin {

std::optional<PeerCredentials> PeerCredentials::of(int fd)
{
    ucred cred{};
    socklen_t length = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) < 0)
        return std::nullopt;
    return PeerCredentials{cred.pid, cred.uid, cred.gid, {}};
}

bool PeerCredentials::readGroups(int fd)
{
    // SO_PEERGROUPS answers ERANGE with the size it needs; a few rounds cover any group count.
    std::vector<gid_t> groups(16);
    for (int attempt = 0; attempt < 4; ++attempt) {
        socklen_t size = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &size) == 0) {
            groups.resize(size / sizeof(gid_t));
            this->groups = std::move(groups);
            return true;
        }
        if (errno != ERANGE)
            return false;
        groups.resize(size / sizeof(gid_t) + 1);
    }
    return false;
}

UniqueFd PeerCredentials::pidfdOf(int fd)
{
#ifndef SO_PEERPIDFD
    constexpr int SO_PEERPIDFD = 77; // Linux 6.5; the headers of Debian 12 predate it
#endif
    int pidfd = -1;
    socklen_t length = sizeof pidfd;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &length) != 0)
        return UniqueFd();
    return UniqueFd(pidfd);
}

std::string PeerCredentials::describe() const
{
    return fmt::format("uid {} (pid {})", uid, pid);
}

} // namespace ifpin
