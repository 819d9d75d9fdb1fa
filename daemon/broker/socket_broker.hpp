// The broker's decision and work, apart from any transport: given a request and who asks, check the
// role's allow lists and hand out sockets bound to the role's interface. The Unix-socket server
// (broker_server.hpp) and the D-Bus method OpenSocket both go through here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/access_policy.hpp"
#include "config/config.hpp"
#include "core/rate_limited_log.hpp"
#include "broker/peer_credentials.hpp"
#include "protocol.h"
#include "core/unique_fd.hpp"

namespace ifpin {

struct BrokerCounters {
    uint64_t socketsServed = 0;
    uint64_t requestsDenied = 0;
};

// What a client asks for, wherever it asks (the broker socket, D-Bus OpenSocket).
struct SocketRequest {
    std::string role;
    int family = 0;   // AF_INET or AF_INET6
    int type = 0;     // SOCK_STREAM or SOCK_DGRAM
    int protocol = 0; // 0, or the one that fits the type
    int count = 1;    // 1..IFPIN_MAX_SOCKETS_PER_REQUEST
};

struct SocketGrant {
    ifpin_status status = IFPIN_STATUS_OK;
    int error = 0;       // errno, for IFPIN_STATUS_SOCKET_FAILED
    std::string message; // for people: what was wrong, or what was granted
    std::vector<UniqueFd> sockets;
};

class SocketBroker {
public:
    using RoleLookup = std::function<const RoleConfig *(std::string_view)>;
    // The SO_MARK of a role's sockets (the egress guard's, egress_guard.hpp); nothing: no mark.
    using MarkLookup = std::function<std::optional<uint32_t>(std::string_view)>;
    // Every role in force, for admitsSomewhere().
    using RoleList = std::function<std::span<const RoleConfig>()>;

    // refusals: where refused requests are logged, rate-limited (a client can repeat them at will);
    // without one, each is logged.
    SocketBroker(RoleLookup roles, const AccountResolver &accounts, MarkLookup marks = {}, RoleList allRoles = {},
                 RateLimitedLog *refusals = nullptr)
        : roles_(std::move(roles)), accounts_(accounts), marks_(std::move(marks)), allRoles_(std::move(allRoles)),
          refusals_(refusals)
    {
    }

    // Validates, authorises and creates. Every decision is logged with the peer's uid and pid.
    SocketGrant open(const SocketRequest &request, const PeerCredentials &peer);

    // Whether deciding on `role` looks at the peer's supplementary groups (it has allow_groups).
    bool checksGroups(std::string_view role) const;
    // Whether any role's allow lists admit the peer (root counts only where a role admits it too).
    // Any role with allow_groups needs peer.groups read.
    bool admitsSomewhere(const PeerCredentials &peer) const;
    bool anyRoleChecksGroups() const;

    // A refusal, to the refusals log (rate-limited) when there is one.
    void logRefusal(const std::string &line) const;

    // Per role; roles that never saw a request are absent.
    const BrokerCounters &counters(std::string_view role) const;

private:
    SocketGrant refuse(ifpin_status status, std::string message, const SocketRequest &request,
                       const PeerCredentials &peer);

    RoleLookup roles_;
    const AccountResolver &accounts_;
    MarkLookup marks_;
    RoleList allRoles_;
    RateLimitedLog *refusals_;
    std::map<std::string, BrokerCounters, std::less<>> counters_;
};

} // namespace ifpin
