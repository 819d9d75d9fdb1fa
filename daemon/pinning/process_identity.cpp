#include "pinning/process_identity.hpp"

#include <cerrno>
#include <csignal>

#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/small_file.hpp"
#include "pinning/cgroup_layout.hpp"

namespace ifpin {

namespace {

Identification refusal(int error, std::string problem)
{
    return Identification{std::nullopt, error, std::move(problem)};
}

// pidfd_send_signal with signal 0 tells a pidfd from any other descriptor: EBADF only for the latter.
bool isPidfd(int fd)
{
    return syscall(SYS_pidfd_send_signal, fd, 0, nullptr, 0) == 0 || errno != EBADF;
}

} // namespace

std::optional<pid_t> pidOfPidfd(int pidfd)
{
    try {
        auto text = readSmallFile("/proc/self/fdinfo/" + std::to_string(pidfd), 4096);
        return text ? pidfdPidFromFdinfo(*text) : std::nullopt;
    } catch (const FileReadError &) {
        return std::nullopt;
    }
}

Identification identifySender(PinRequest &request)
{
    const pid_t connected = request.peer.pid;
    std::optional<IdentifiedProcess> found;
    if (request.peerPidfd) {
        auto pid = pidOfPidfd(request.peerPidfd.get());
        if (!pid || *pid != connected || connected <= 0)
            return refusal(ESRCH, fmt::format("the process that connected (pid {}) is gone", connected));
        found = IdentifiedProcess{std::move(request.peerPidfd), connected, "SO_PEERPIDFD"};
    }
    // The pidfd the client sent: the proof on kernels without SO_PEERPIDFD, and where there is
    // SO_PEERPIDFD it must name the same process, or the request says something false.
    if (request.sentPidfd) {
        if (!isPidfd(request.sentPidfd.get()))
            return refusal(EPROTO, "the descriptor sent with the pin request is not a pidfd");
        auto pid = pidOfPidfd(request.sentPidfd.get());
        if (!pid)
            return refusal(EPROTO, "cannot read the pidfd sent with the pin request");
        if (*pid == 0)
            return refusal(EPERM, "the pidfd sent names a process outside ifpind's pid namespace");
        if (*pid < 0)
            return refusal(ESRCH, "the pidfd sent names a process that is gone");
        if (!request.sentCredentials || request.sentCredentials->pid != *pid || *pid != connected)
            return refusal(EPERM, fmt::format("the pidfd sent names pid {}, but the sender is pid {} (connected as pid {})",
                                              *pid, request.sentCredentials ? request.sentCredentials->pid : 0,
                                              connected));
        if (!found)
            found = IdentifiedProcess{std::move(request.sentPidfd), *pid, "the pidfd it sent"};
    }
    if (!found)
        return refusal(EPROTO, "no proof of the sender: this kernel has no SO_PEERPIDFD, so a pin request must carry "
                               "SCM_CREDENTIALS and the sender's pidfd");
    return Identification{std::move(found), 0, {}};
}

} // namespace ifpin
