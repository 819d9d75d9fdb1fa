#include "routes/route_writer.hpp"

#include "kernel/netlink_socket.hpp"

namespace ifpin {

NetlinkAck NetlinkRouteWriter::add(const RouteFact &route, bool replace)
{
    return socket_.transact(buildRouteAddRequest(route, replace).get());
}

NetlinkAck NetlinkRouteWriter::remove(const RouteFact &route)
{
    return socket_.transact(buildRouteDeleteRequest(route).get());
}

NetlinkAck NetlinkRouteWriter::addIfAbsent(const RouteFact &route)
{
    return socket_.transact(buildRouteAddIfAbsentRequest(route).get());
}

} // namespace ifpin
