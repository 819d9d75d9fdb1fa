// ifpind's top level: owns the event loop and wires netlink, signals and timers to the route policy.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "access_policy.hpp"
#include "broker_server.hpp"
#include "config.hpp"
#include "event_loop.hpp"
#include "kernel_state.hpp"
#include "netlink_socket.hpp"
#include "route_policy.hpp"
#include "route_writer.hpp"
#include "socket_broker.hpp"

namespace ifpin {

struct DaemonOptions {
    std::string configPath;
    int netlinkReceiveBuffer = 8 * 1024 * 1024;
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
    bool followsLink(int ifindex) const;
    void reload();
    void stop();
    void notifyStatus() const;
    void startBroker();

    DaemonOptions options_;
    RoutePolicy policy_;
    KernelState kernel_;
    EventLoop loop_;
    RtnlRequestSocket requests_;
    RtnlEventSocket events_;
    NetlinkRouteWriter writer_;
    SystemAccountResolver accounts_;
    SocketBroker broker_;
    std::unique_ptr<BrokerServer> brokerServer_;
    std::string ownedSocketPath_;

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
