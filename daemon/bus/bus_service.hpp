// ifpind on the system bus: owns the connection and serves it from the daemon's single event loop.
// sdbus-c++ 1.2 cannot attach to sd-event, so its poll data (fd, events, timeout) drive an io source
// and a timer, read again after each round of processing. Routes and the broker never depend on the
// bus: when it is absent or goes away, this logs it and connects again with back-off (up to 30 s),
// which is the only thing that wakes an otherwise idle ifpind.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "bus/bus_authorizer.hpp"
#include "bus/bus_objects.hpp"
#include "core/backoff.hpp"
#include "core/event_loop.hpp"
#include "core/rate_limited_log.hpp"

namespace sdbus {
class IConnection;
}

namespace ifpin {

class BusService {
public:
    BusService(EventLoop &loop, BusBackend backend);
    ~BusService();
    BusService(const BusService &) = delete;
    BusService &operator=(const BusService &) = delete;

    // Connects (DBUS_SYSTEM_BUS_ADDRESS or the system bus), registers the objects and takes the name
    // org.ifpin1. A failure is logged and retried later; this never throws.
    void start();
    // After each reconcile: role objects follow the roles, changed properties are signalled.
    void policyApplied();
    // A checkpoint opened, closed or moved its deadline: its object follows, soon after (from the
    // loop, outside the method call that closed it, whose object it removes).
    void checkpointChanged();
    // Emits CheckpointRolledBack soon after, from the loop (nothing while there is no bus).
    void checkpointRolledBack(uint64_t id);

private:
    void connect();
    void disconnect(std::string_view why);
    void scheduleReconnect();
    // Processes what sd-bus has pending, then watches what its poll data ask for.
    void process();
    void watch();

    EventLoop &loop_;
    BusBackend backend_;
    RateLimitedLog refusals_; // refused calls: a caller can repeat them at will
    std::unique_ptr<sdbus::IConnection> connection_;
    // Both go before connection_ (declared after it); the authorizer, whose proxies and pending calls
    // live on the connection, first.
    std::unique_ptr<BusAuthorizer> authorizer_;
    std::unique_ptr<BusContext> context_;
    std::unique_ptr<BusObjects> objects_;

    EventSourcePtr io_;
    int ioFd_ = -1;
    uint32_t ioEvents_ = 0;
    EventSourcePtr timeoutTimer_;  // sd-bus's own deadline (pending replies, queued messages)
    EventSourcePtr processSource_; // defer: more to process after a capped round or an outside send
    EventSourcePtr reconnectTimer_;
    EventSourcePtr checkpointSource_; // defer: the checkpoint object follows the open checkpoint
    std::vector<uint64_t> pendingRolledBack_; // CheckpointRolledBack to emit from checkpointSource_
    Backoff reconnectBackoff_;
    bool everConnected_ = false;
    bool failureReported_ = false;
};

} // namespace ifpin
