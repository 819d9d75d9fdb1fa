#include "broker/socket_broker.hpp"
#include "core/text.hpp"

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace ifpin {

namespace {

const BrokerCounters noCounters{};

std::string_view familyText(int family)
{
    return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "?";
}

std::string_view typeText(int type)
{
    return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "datagram" : "?";
}

// The request's shape, before any role is looked at. Empty when it is fine.
std::string shapeProblem(const SocketRequest &request)
{
    if (request.family != AF_INET && request.family != AF_INET6)
        return "family " + std::to_string(request.family) + " is not AF_INET or AF_INET6";
    if (request.type != SOCK_STREAM && request.type != SOCK_DGRAM)
        return "socket type " + std::to_string(request.type) + " is not SOCK_STREAM or SOCK_DGRAM";
    int expected = request.type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    if (request.protocol != 0 && request.protocol != expected)
        return "protocol " + std::to_string(request.protocol) + " does not fit a " +
               std::string(typeText(request.type)) + " socket";
    if (request.count < 1 || request.count > IFPIN_MAX_SOCKETS_PER_REQUEST)
        return "count " + std::to_string(request.count) + " is not between 1 and " +
               std::to_string(IFPIN_MAX_SOCKETS_PER_REQUEST);
    return {};
}

} // namespace

SocketGrant SocketBroker::refuse(ifpin_status status, std::string message, const SocketRequest &request,
                                 const PeerCredentials &peer)
{
    // The role name is the client's: escaped (a "\n" in it must not start a forged log line).
    logRefusal(fmt::format("broker: refused {} {} socket(s) of role {} to {}: {}", request.count,
                           familyText(request.family), escaped(request.role), peer.describe(), message));
    return SocketGrant{status, 0, std::move(message), {}};
}

void SocketBroker::logRefusal(const std::string &line) const
{
    if (refusals_)
        refusals_->log(spdlog::level::warn, line);
    else
        spdlog::warn("{}", line);
}

SocketGrant SocketBroker::open(const SocketRequest &request, const PeerCredentials &peer)
{
    if (auto problem = shapeProblem(request); !problem.empty())
        return refuse(IFPIN_STATUS_INVALID_ARGUMENT, problem, request, peer);
    const RoleConfig *role = roles_(request.role);
    if (!role)
        return refuse(IFPIN_STATUS_UNKNOWN_ROLE, fmt::format("unknown role '{}'", escaped(request.role)), request, peer);
    if (!mayUseRole(*role, peer, accounts_)) {
        ++counters_[role->name].requestsDenied;
        return refuse(IFPIN_STATUS_ACCESS_DENIED,
                      fmt::format("uid {} may not use role {} (allowed: {})", peer.uid, role->name,
                                  describeAllowLists(*role)),
                      request, peer);
    }

    // A mark the guard drops everywhere but on the role's interface; only CAP_NET_ADMIN changes it.
    std::optional<uint32_t> mark = marks_ ? marks_(role->name) : std::nullopt;
    SocketGrant grant;
    for (int i = 0; i < request.count; ++i) {
        UniqueFd socket(::socket(request.family, request.type | SOCK_CLOEXEC, request.protocol));
        int error = socket ? 0 : errno;
        // The interface as it is named now: a socket follows the name it was bound to, so a role
        // moved later does not move sockets already handed out.
        if (socket && setsockopt(socket.get(), SOL_SOCKET, SO_BINDTODEVICE, role->interface.c_str(),
                                 static_cast<socklen_t>(role->interface.size())) < 0)
            error = errno;
        if (socket && !error && mark && setsockopt(socket.get(), SOL_SOCKET, SO_MARK, &*mark, sizeof *mark) < 0)
            error = errno;
        if (error == ENODEV)
            return refuse(IFPIN_STATUS_NO_DEVICE,
                          fmt::format("interface {} of role {} does not exist", role->interface, role->name),
                          request, peer);
        if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM)
            return refuse(IFPIN_STATUS_BUSY, fmt::format("ifpind is out of resources: {}", std::strerror(error)),
                          request, peer);
        if (error) {
            auto refusal = refuse(IFPIN_STATUS_SOCKET_FAILED,
                                  fmt::format("cannot create a socket bound to {}: {}", role->interface,
                                              std::strerror(error)),
                                  request, peer);
            refusal.error = error;
            return refusal;
        }
        grant.sockets.push_back(std::move(socket));
    }
    counters_[role->name].socketsServed += request.count;
    grant.message = fmt::format("{} {} {} socket(s) bound to {}{}", request.count, familyText(request.family),
                                typeText(request.type), role->interface,
                                mark ? fmt::format(", mark {:#010x}", *mark) : std::string(", egress not guarded"));
    // At debug only: a line per grant at info cost more than the grant (docs/performance.md). The
    // audit trail at info is the per-role counters (ifpinctl status and metrics) and the refusals.
    spdlog::debug("broker: gave {} of role {} to {}", grant.message, role->name, peer.describe());
    return grant;
}

bool SocketBroker::checksGroups(std::string_view role) const
{
    const RoleConfig *config = roles_(role);
    return config && !config->allowGroups.empty();
}

bool SocketBroker::admitsSomewhere(const PeerCredentials &peer) const
{
    if (!allRoles_)
        return false;
    for (const auto &role : allRoles_())
        if (mayUseRole(role, peer, accounts_))
            return true;
    return false;
}

bool SocketBroker::anyRoleChecksGroups() const
{
    if (!allRoles_)
        return false;
    for (const auto &role : allRoles_())
        if (!role.allowGroups.empty())
            return true;
    return false;
}

const BrokerCounters &SocketBroker::counters(std::string_view role) const
{
    auto it = counters_.find(role);
    return it == counters_.end() ? noCounters : it->second;
}

} // namespace ifpin
