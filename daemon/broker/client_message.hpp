// One message a broker client sent: its bytes, and what the kernel attached to it (credentials,
// descriptors). Received without blocking, descriptors with MSG_CMSG_CLOEXEC and owned here, so a
// message that carries descriptors it should not leaks none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <sys/socket.h>

#include "core/unique_fd.hpp"

namespace ifpin {

struct ClientMessage {
    size_t length = 0;
    bool truncated = false;        // longer than the buffer (MSG_TRUNC)
    bool controlTruncated = false; // more ancillary data than fits (MSG_CTRUNC)
    std::optional<ucred> credentials; // SCM_CREDENTIALS (the listener has SO_PASSCRED)
    std::vector<UniqueFd> descriptors; // SCM_RIGHTS
};

enum class Received {
    message,    // `out` holds it
    wouldBlock, // nothing (more) to read now
    closed,     // the client hung up, or the connection broke
};

// Reads one message of fd into buffer and out.
Received receiveClientMessage(int fd, std::span<uint8_t> buffer, ClientMessage &out);

} // namespace ifpin
