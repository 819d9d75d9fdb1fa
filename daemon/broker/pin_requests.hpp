// The broker's second kind of request (docs/protocol.md, IFPIN_REQUEST_PIN_PROCESS): "place me in
// the role's pinned cgroup". The broker server receives it and says who sent it, as the kernel
// vouches; what is done with it is kernel pinning's (daemon/pinning/), which implements
// PinRequestHandler. Answering may take a while (systemd starts a scope), so the answer is a
// callback, called exactly once, at once or later from the event loop.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <sys/socket.h>

#include "broker/peer_credentials.hpp"
#include "broker/socket_broker.hpp"
#include "core/unique_fd.hpp"

namespace ifpin {

struct PinRequest {
    std::string role;
    PeerCredentials peer;                 // SO_PEERCRED of the connection (and SO_PEERGROUPS when the role has allow_groups)
    UniqueFd peerPidfd;                   // SO_PEERPIDFD of the connection; none before Linux 6.5
    std::optional<ucred> sentCredentials; // SCM_CREDENTIALS of the message (checked by the kernel at sendmsg)
    UniqueFd sentPidfd;                   // the one descriptor the message carried: the sender's pidfd
};

// The reply: status, errno and message as for sockets; never sockets.
using PinReply = std::function<void(SocketGrant)>;

class PinRequestHandler {
public:
    virtual ~PinRequestHandler() = default;
    virtual void place(PinRequest request, PinReply reply) = 0;
};

} // namespace ifpin
