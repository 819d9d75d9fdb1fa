// ifpind's top level, and the only place that sees every subsystem: it owns them, in the order
// below, and wires their events to each other. It decides nothing itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/access_policy.hpp"
#include "broker/account_cache.hpp"
#include "broker/broker_server.hpp"
#include "bus/bus_service.hpp"
#include "checkpoint/checkpoints.hpp"
#include "checkpoint/kept_config.hpp"
#include "config/config.hpp"
#include "egress/egress_guard.hpp"
#include "core/backoff.hpp"
#include "core/event_loop.hpp"
#include "core/rate_limited_log.hpp"
#include "health/health_monitor.hpp"
#include "kernel/kernel_state.hpp"
#include "config/layered_config.hpp"
#include "kernel/kernel_watch.hpp"
#include "kernel/netlink_socket.hpp"
#include "pinning/kernel_pinning.hpp"
#include "routes/route_policy.hpp"
#include "routes/route_writer.hpp"
#include "rules/rule_policy.hpp"
#include "rules/rule_writer.hpp"
#include "core/service_notifier.hpp"
#include "broker/socket_broker.hpp"

namespace ifpin {

struct DaemonOptions {
    std::string configPath;
    int netlinkReceiveBuffer = KernelWatch::defaultReceiveBuffer;
    std::string logLevelOverride; // --log-level: wins over the file's log_level, also after reloads
};

class Daemon {
public:
    // configText: the configuration file as read (checkpoints keep it).
    Daemon(DaemonOptions options, Config config, std::string configText);
    ~Daemon();
    Daemon(const Daemon &) = delete;
    Daemon &operator=(const Daemon &) = delete;

    // Reads the kernel, applies the policy, tells systemd it is ready and serves until SIGTERM/SIGINT.
    // Returns the process exit status.
    int run();

private:
    void scheduleReconcile(ReconcileTrigger trigger);
    void runReconcile();
    // Reads the configuration file again (SIGHUP, D-Bus Reload); what was wrong when it was refused.
    std::optional<std::string> reload(std::string_view trigger);
    // Puts layers_.effective() in force after a change of the file's layer (reload, rollback): the
    // table, the policy, a reconcile.
    void putLayersInForce();
    // Our routes leave the table we watched; the new one is read.
    void switchTable(uint32_t table);
    // The snapshot a checkpoint keeps, and the rollback to one (Checkpoints::Hooks).
    PolicySnapshot snapshot() const;
    bool rollBackTo(const Checkpoint &checkpoint, std::string_view why);
    void stop();
    // The end of stop(): once no pin request waits for systemd any more (or after a while).
    void exitWhenPinsAnswered();
    void notifyStatus();
    void startBroker();
    void startBus();
    // Puts layers_.effective() in force: the route policy, the interfaces followed and the egress
    // guard's table.
    void setPolicyConfig();
    // Uplink health: the facts of each role's uplink after a reconcile, and a state that changed.
    void followUplinks();
    void healthChanged();

    DaemonOptions options_;
    FileLayer fileLayer_;        // the file's layer in force: the configuration file's or a kept copy
    std::string configFileText_; // what the configuration file held when it was last read
    LayeredConfig layers_;       // the file's layer plus the runtime changes made over D-Bus
    RoutePolicy policy_;
    RulePolicy rules_; // return routing's policy rules
    KernelState kernel_;
    EventLoop loop_;
    ServiceNotifier notifier_; // READY, STATUS, STOPPING for systemd, never blocking the loop
    RtnlRequestSocket requests_;
    KernelWatch kernelWatch_;
    NetlinkRouteWriter writer_;
    NetlinkRuleWriter ruleWriter_;
    SystemAccountResolver systemAccounts_;
    AccountCache accounts_{systemAccounts_}; // allow lists and admin_group, resolved in setPolicyConfig()
    EgressGuard egress_; // before broker_ and pinning_, which ask it for marks
    RateLimitedLog brokerRefusals_; // a client can repeat a refused request at will
    // A DHCP client or RAs can make ifpind restore a route every few seconds for ever: the first
    // restoration of each minute at info, the rest summed up (each one is at debug).
    RateLimitedLog restorationLog_;
    SocketBroker broker_;
    KernelPinning pinning_; // answers the broker's pin requests
    HealthMonitor health_;  // timers and sockets only for roles with [role.NAME.health]
    Checkpoints checkpoints_; // before bus_, which acts on it
    std::unique_ptr<BrokerServer> brokerServer_;
    std::unique_ptr<BusService> bus_;
    std::string ownedSocketPath_;
    std::string lastStatus_; // the STATUS= sent to systemd last

    EventSourcePtr reconcileSource_;
    EventSourcePtr retryTimer_; // while a route or rule write failed
    EventSourcePtr holdoffTimer_; // while a restoration is held off (routes/restoration_holdoff.hpp)
    // At the earliest router lifetime of a learned gateway (routes/learned_gateways.hpp); off when
    // none expires, so an idle ifpind is never woken.
    EventSourcePtr gatewayExpiryTimer_;
    Backoff retryBackoff_;
    std::vector<EventSourcePtr> signalSources_;
    EventSourcePtr exitTimer_; // while stop() waits for pin requests
    bool stopping_ = false;
    bool running_ = false; // run() has read the kernel: changes of policy go to it at once

    ReconcileTrigger pendingTrigger_ = ReconcileTrigger::kernel;
};

} // namespace ifpin
