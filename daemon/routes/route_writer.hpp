// The one seam through which routes are written. The daemon uses rtnetlink; unit tests substitute a
// recorder to check what RoutePolicy would do without a kernel.
#pragma once

#include "kernel/kernel_facts.hpp"
#include "kernel/netlink_messages.hpp"

namespace ifpin {

class RtnlRequestSocket;

class RouteWriter {
public:
    virtual ~RouteWriter() = default;
    // Both return the kernel's answer: error 0 on success, else an errno and the kernel's text.
    virtual NetlinkAck add(const RouteFact &route, bool replace) = 0;
    virtual NetlinkAck remove(const RouteFact &route) = 0;
    // Adds the route only when no route has its destination and metric (EEXIST otherwise).
    virtual NetlinkAck addIfAbsent(const RouteFact &route) = 0;
};

class NetlinkRouteWriter final : public RouteWriter {
public:
    explicit NetlinkRouteWriter(RtnlRequestSocket &socket) : socket_(socket) {}
    NetlinkAck add(const RouteFact &route, bool replace) override;
    NetlinkAck remove(const RouteFact &route) override;
    NetlinkAck addIfAbsent(const RouteFact &route) override;

private:
    RtnlRequestSocket &socket_;
};

} // namespace ifpin
