// Which process a pin request is about, named by a pidfd, so that a pid number reused by another
// process can never be moved in its place. cgroup.procs takes pid numbers only, so the move is
// checked through the pidfd around the write (kernel_pinning.cpp).
//
// Where the pidfd comes from: SO_PEERPIDFD of the connection on Linux >= 6.5; before that (Debian
// 12's 6.1) the pidfd the client sends with its SCM_CREDENTIALS. The latter is trusted because the
// kernel checks the credentials' pid at sendmsg time, the descriptor was attached then too, and a
// pidfd whose pid is still N while its process lives names the process that held N then: a number
// is not reused while its process lives, and a reaped process's pidfd says -1.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

#include "broker/pin_requests.hpp"
#include "core/unique_fd.hpp"

namespace ifpin {

// The pid that pidfd names now (/proc/self/fdinfo): -1 once reaped, 0 when outside ifpind's pid
// namespace; nothing when fd is not a pidfd or cannot be read.
std::optional<pid_t> pidOfPidfd(int pidfd);

struct IdentifiedProcess {
    UniqueFd pidfd;
    pid_t pid = 0;
    const char *how = ""; // "SO_PEERPIDFD" or "the pidfd it sent"
};

struct Identification {
    std::optional<IdentifiedProcess> process;
    int error = 0;       // when not identified: ESRCH (gone), EPERM (names another process), EPROTO (no proof)
    std::string problem; // when not identified, for the reply and the log
};

// The sender of request, from the evidence it carries (its pidfds are taken).
Identification identifySender(PinRequest &request);

} // namespace ifpin
