// Raw rtnetlink for the benchmarks: route requests with or without ACK, batches sent in one
// datagram, and a listener of default-route events filtered in the kernel. No libnl: the benchmarks
// must not share the daemon's code paths.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace ifpin::bench {

// A default route (or any prefix) as the benchmarks write and watch them.
struct Route {
    int family = 2; // AF_INET
    uint32_t table = 254;
    uint8_t dstLength = 0;
    std::array<uint8_t, 16> dst{};
    std::array<uint8_t, 16> gateway{};
    bool hasGateway = false;
    int ifindex = 0;
    uint32_t metric = 0;
    uint8_t protocol = 4; // RTPROT_STATIC
};
Route parseRoute(int family, const std::string &dst, const std::string &gateway, int ifindex, uint32_t metric,
                 uint8_t protocol = 4, uint32_t table = 254); // dst "0/0" style: "ADDR/LEN"

struct RouteEvent {
    uint16_t type = 0; // RTM_NEWROUTE or RTM_DELROUTE
    Route route;
    Clock::time_point at;
};

// An rtnetlink socket. Requests with an ACK are synchronous; without one they are fire-and-forget
// (errors are read and counted by drainErrors). subscribeDefaultRoutes() joins the IPv4 and IPv6
// route groups with a socket filter that passes only prefix-length-0 route messages.
class Rtnl {
public:
    explicit Rtnl(int receiveBuffer = 1 << 20);
    ~Rtnl();
    Rtnl(const Rtnl &) = delete;
    Rtnl &operator=(const Rtnl &) = delete;

    int fd() const { return fd_; }
    void subscribeDefaultRoutes();
    // 0 or the kernel's negative errno.
    int routeRequest(uint16_t type, uint16_t flags, const Route &route);
    // Appends one request without an ACK to a batch sent by flush() in one sendmsg.
    void queue(uint16_t type, uint16_t flags, const Route &route);
    void flush();
    size_t drainErrors(); // reads what is pending (non-blocking); the number of error answers
    // Waits for a route event matching; the time it was read. Events not matching are dropped.
    std::optional<RouteEvent> waitEvent(const std::function<bool(const RouteEvent &)> &match,
                                        Clock::duration deadline, size_t *overflows = nullptr);

private:
    int fd_ = -1;
    uint32_t seq_ = 1;
    std::vector<uint8_t> batch_;
    std::vector<uint8_t> buffer_;
};

int interfaceIndex(const std::string &name); // throws when absent
bool sameRoute(const Route &a, const Route &b); // family, table, dst, ifindex, metric

} // namespace ifpin::bench
