// ifpind's top level: owns the event loop and wires netlink, signals and timers to the route policy.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "broker/access_policy.hpp"
#include "broker/broker_server.hpp"
#include "bus/bus_service.hpp"
#include "config/config.hpp"
#include "egress/egress_guard.hpp"
#include "core/event_loop.hpp"
#include "kernel/kernel_state.hpp"
#include "config/layered_config.hpp"
#include "kernel/netlink_socket.hpp"
#include "routes/route_policy.hpp"
#include "routes/route_writer.hpp"
#include "core/service_notifier.hpp"
#include "broker/socket_broker.hpp"

namespace ifpin {

struct DaemonOptions {
    std::string configPath;
    int netlinkReceiveBuffer = 8 * 1024 * 1024;
    std::string logLevelOverride; // --log-level: wins over the file's log_level, also after reloads
};

class Daemon {
public:
    Daemon(DaemonOptions options, Config config);
    ~Daemon();
    Daemon(const Daemon &) = delete;
    Daemon &operator=(const Daemon &) = delete;

    // Reads the kernel, applies the policy, tells systemd it is ready and serves until SIGTERM/SIGINT.
    // Returns the process exit status.
    int run();

private:
    void onNetlinkReadable();
    void handleEvent(const nlmsghdr *header);
    void scheduleReconcile(ReconcileTrigger trigger);
    void runReconcile();
    void resynchronize();
    void refreshRoutesOf(int ifindex);
    // The default routes of the managed table in one family (of one interface when ifindex != 0).
    std::vector<RouteFact> dumpDefaultRoutes(Family family, int ifindex);
    bool followsLink(int ifindex) const;
    // Reads the configuration file again (SIGHUP, D-Bus Reload); what was wrong when it was refused.
    std::optional<std::string> reload(std::string_view trigger);
    void stop();
    void notifyStatus();
    void startBroker();
    void startBus();
    // Puts layers_.effective() in force: the route policy and the egress guard's table.
    void setPolicyConfig();

    DaemonOptions options_;
    LayeredConfig layers_; // the file plus the runtime changes made over D-Bus
    RoutePolicy policy_;
    KernelState kernel_;
    EventLoop loop_;
    ServiceNotifier notifier_; // READY, STATUS, STOPPING for systemd, never blocking the loop
    RtnlRequestSocket requests_;
    RtnlEventSocket events_;
    NetlinkRouteWriter writer_;
    SystemAccountResolver accounts_;
    EgressGuard egress_; // before broker_, which asks it for marks
    SocketBroker broker_;
    std::unique_ptr<BrokerServer> brokerServer_;
    std::unique_ptr<BusService> bus_;
    std::string ownedSocketPath_;
    std::string lastStatus_; // the STATUS= sent to systemd last

    EventSourcePtr netlinkSource_;
    EventSourcePtr reconcileSource_;
    EventSourcePtr resyncTimer_;
    EventSourcePtr retryTimer_;
    std::vector<EventSourcePtr> signalSources_;

    bool fullResyncPending_ = false;
    std::set<int> dirtyLinks_;
    ReconcileTrigger pendingTrigger_ = ReconcileTrigger::kernel;
    std::chrono::milliseconds resyncBackoff_;
    std::chrono::milliseconds retryBackoff_;
};

} // namespace ifpin
