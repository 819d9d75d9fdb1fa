#include "broker/client_limits.hpp"

namespace ifpin {

bool inReservedRoom(const ClientLimits &limits, const ConnectionCounts &counts)
{
    return counts.total + limits.reservedConnections >= limits.maxConnections;
}

std::optional<std::string> connectionRefusal(const ClientLimits &limits, const ConnectionCounts &counts, uid_t uid,
                                             bool allowListed)
{
    if (counts.total >= limits.maxConnections)
        return "too many clients connected to ifpind; try again";
    if (uid != 0 && counts.ofUid >= limits.connectionsPerUid)
        return "uid " + std::to_string(uid) + " has " + std::to_string(counts.ofUid) +
               " connections to ifpind already; close one and try again";
    if (uid != 0 && !allowListed && inReservedRoom(limits, counts))
        return "too many clients connected to ifpind (the rest is kept for root and the users of a role); try again";
    return std::nullopt;
}

std::optional<std::string> inFlightRefusal(const ClientLimits &limits, const InFlight &inFlight, size_t count,
                                           uid_t uid)
{
    if (inFlight.ofConnection + count > limits.inFlightPerConnection)
        return std::to_string(inFlight.ofConnection) + " sockets sent on this connection are not received yet; "
               "read the replies first";
    if (uid != 0 && inFlight.ofUid + count > limits.inFlightPerUid)
        return std::to_string(inFlight.ofUid) + " sockets sent to uid " + std::to_string(uid) +
               " are not received yet; read the replies first";
    if (inFlight.total + count > inFlight.budget)
        return "ifpind has too many sockets in flight to its clients; try again";
    return std::nullopt;
}

size_t inFlightBudget(size_t openFileLimit)
{
    return openFileLimit / 2;
}

} // namespace ifpin
