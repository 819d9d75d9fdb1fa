#include "daemon.hpp"

#include <algorithm>
#include <csignal>

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <sys/epoll.h>

#include "ifpin_build_config.h"
#include "core/logging.hpp"

namespace ifpin {

using namespace std::chrono_literals;

namespace {

constexpr std::chrono::milliseconds firstResyncBackoff = 10ms;
constexpr std::chrono::milliseconds maxResyncBackoff = 1s;
constexpr std::chrono::milliseconds firstRetryBackoff = 250ms;
constexpr std::chrono::milliseconds maxRetryBackoff = 30s;

} // namespace

Daemon::Daemon(DaemonOptions options, Config config)
    : options_(std::move(options)), layers_(config), policy_(IFPIN_RT_PROTOCOL), kernel_(config.daemon.table),
      notifier_(loop_), events_(options_.netlinkReceiveBuffer), writer_(requests_),
      broker_([this](std::string_view role) { return policy_.config().findRole(role); }, accounts_,
              [this](std::string_view role) { return egress_.markOf(role); }),
      resyncBackoff_(firstResyncBackoff),
      retryBackoff_(firstRetryBackoff)
{
    setPolicyConfig();
    netlinkSource_ = loop_.addIo(events_.fd(), EPOLLIN, [this](uint32_t) { onNetlinkReadable(); });
    reconcileSource_ = loop_.addDefer([this] { runReconcile(); });
    resyncTimer_ = loop_.addTimer([this] {
        fullResyncPending_ = true;
        scheduleReconcile(ReconcileTrigger::kernel);
    });
    retryTimer_ = loop_.addTimer([this] { scheduleReconcile(ReconcileTrigger::kernel); });
    signalSources_.push_back(loop_.addSignal(SIGTERM, [this] { stop(); }));
    signalSources_.push_back(loop_.addSignal(SIGINT, [this] { stop(); }));
    signalSources_.push_back(loop_.addSignal(SIGHUP, [this] { reload("SIGHUP"); }));
}

Daemon::~Daemon()
{
    // A socket systemd passed belongs to systemd; one ifpind made is removed with it.
    if (!ownedSocketPath_.empty())
        unlink(ownedSocketPath_.c_str());
}

int Daemon::run()
{
    // The event socket is subscribed already, so nothing that happens during the first dump is lost.
    resynchronize();
    pendingTrigger_ = ReconcileTrigger::policy;
    runReconcile();
    startBroker();
    startBus();
    spdlog::info("ifpind {} ready: {} role(s), table {}, protocol {}, egress {}", IFPIN_VERSION,
                 policy_.config().roles.size(), policy_.config().daemon.tableName, IFPIN_RT_PROTOCOL,
                 egress_.active() ? "guarded" : "NOT guarded");
    notifier_.send("READY=1");
    loop_.enableWatchdog();
    return loop_.run();
}

// Routes never depend on the broker: if its socket cannot be served, ifpind says so and goes on.
void Daemon::startBroker()
{
    const std::string &path = policy_.config().daemon.socketPath;
    try {
        UniqueFd listener = BrokerServer::listenerFromSystemd(path);
        bool activated = static_cast<bool>(listener);
        if (!activated) {
            listener = BrokerServer::openListener(path);
            ownedSocketPath_ = path;
        }
        brokerServer_ = std::make_unique<BrokerServer>(loop_, std::move(listener), broker_);
        spdlog::info("broker: serving bound sockets on {}{}", path, activated ? " (socket from systemd)" : "");
    } catch (const std::exception &error) {
        spdlog::error("broker: {}; serving routes without the broker", error.what());
    }
}

// The bus is optional too: BusService connects when it can and never holds anything else up.
void Daemon::startBus()
{
    BusBackend backend{policy_,
                       kernel_,
                       broker_,
                       layers_,
                       accounts_,
                       egress_,
                       [this] {
                           setPolicyConfig();
                           scheduleReconcile(ReconcileTrigger::policy);
                       },
                       [this] { return reload("D-Bus Reload"); }};
    bus_ = std::make_unique<BusService>(loop_, std::move(backend));
    bus_->start();
}

void Daemon::onNetlinkReadable()
{
    auto result = events_.drain([this](const nlmsghdr *header) {
        try {
            handleEvent(header);
        } catch (const std::exception &error) {
            spdlog::error("netlink event of type {} could not be handled: {}; skipped", header->nlmsg_type,
                          error.what());
        }
    });
    if (result == RtnlEventSocket::DrainResult::overflowed) {
        spdlog::warn("netlink events were lost (ENOBUFS: receive buffer overflowed); resynchronising in {} ms",
                     resyncBackoff_.count());
        if (!resyncTimer_->armed())
            resyncTimer_->armIn(resyncBackoff_);
        resyncBackoff_ = std::min(resyncBackoff_ * 2, maxResyncBackoff);
    }
}

bool Daemon::followsLink(int ifindex) const
{
    const LinkFact *link = kernel_.linkByIndex(ifindex);
    bool named = link && std::any_of(policy_.config().roles.begin(), policy_.config().roles.end(),
                                     [&](const RoleConfig &role) { return role.interface == link->name; });
    return named || std::any_of(kernel_.defaultRoutes().begin(), kernel_.defaultRoutes().end(),
                                [&](const RouteFact &route) { return route.ifindex == ifindex; });
}

void Daemon::handleEvent(const nlmsghdr *header)
{
    if (isDefaultRouteMessage(header)) {
        auto message = decodeRouteMessage(header);
        if (!message) {
            spdlog::warn("malformed route event ignored");
            return;
        }
        bool ours = std::any_of(message->routes.begin(), message->routes.end(),
                                [&](const RouteFact &route) { return route.table == kernel_.table(); });
        if (!ours)
            return;
        // A replace overwrote some route we cannot name, and a multipath event may stand for several
        // routes: both are rare, and a fresh dump is the only exact answer.
        if (message->replaced || message->routes.size() > 1) {
            spdlog::debug("route replaced or multipath route changed; reading the table again");
            fullResyncPending_ = true;
            scheduleReconcile(ReconcileTrigger::kernel);
        } else if (kernel_.applyRoute(*message)) {
            scheduleReconcile(ReconcileTrigger::kernel);
        }
        return;
    }
    if (auto message = decodeLinkMessage(header)) {
        int ifindex = message->link.ifindex;
        bool followedBefore = followsLink(ifindex);
        if (kernel_.applyLink(*message)) {
            spdlog::debug("link {} (#{}) {}: flags {:#x}", message->link.name, ifindex,
                          message->removed ? "removed" : "changed", message->link.flags);
            // Taking a link down drops its IPv4 routes without a notification: read them again.
            if (!message->removed && (followedBefore || followsLink(ifindex)))
                dirtyLinks_.insert(ifindex);
            scheduleReconcile(ReconcileTrigger::kernel);
        }
        return;
    }
    if (auto message = decodeAddressMessage(header)) {
        // Removing the last address of a link drops its IPv4 routes silently too.
        if (followsLink(message->ifindex)) {
            dirtyLinks_.insert(message->ifindex);
            scheduleReconcile(ReconcileTrigger::kernel);
        }
    }
}

void Daemon::scheduleReconcile(ReconcileTrigger trigger)
{
    if (trigger == ReconcileTrigger::policy)
        pendingTrigger_ = ReconcileTrigger::policy;
    reconcileSource_->triggerOnce();
}

void Daemon::runReconcile()
{
    try {
        if (fullResyncPending_)
            resynchronize();
        for (int ifindex : dirtyLinks_)
            refreshRoutesOf(ifindex);
        dirtyLinks_.clear();
    } catch (const std::exception &error) {
        spdlog::error("cannot read the kernel's routes: {}; trying again in {} ms", error.what(),
                      resyncBackoff_.count());
        fullResyncPending_ = true;
        resyncTimer_->armIn(resyncBackoff_);
        resyncBackoff_ = std::min(resyncBackoff_ * 2, maxResyncBackoff);
        return;
    }

    ReconcileTrigger trigger = pendingTrigger_;
    pendingTrigger_ = ReconcileTrigger::kernel;
    if (policy_.reconcile(kernel_, writer_, trigger)) {
        spdlog::debug("some route writes failed; retrying in {} ms", retryBackoff_.count());
        retryTimer_->armIn(retryBackoff_);
        retryBackoff_ = std::min(retryBackoff_ * 2, maxRetryBackoff);
    } else {
        retryTimer_->disable();
        retryBackoff_ = firstRetryBackoff;
    }
    notifyStatus();
    if (bus_)
        bus_->policyApplied();
}

void Daemon::resynchronize()
{
    std::vector<LinkFact> links;
    requests_.dump(buildLinkDumpRequest().get(), [&](const nlmsghdr *header) {
        if (auto message = decodeLinkMessage(header))
            links.push_back(message->link);
    });
    kernel_.replaceLinks(std::move(links));

    size_t routeCount = 0;
    for (Family family : allFamilies) {
        std::vector<RouteFact> routes = dumpDefaultRoutes(family, 0);
        routeCount += routes.size();
        kernel_.replaceRoutes(family, 0, routes);
    }
    fullResyncPending_ = false;
    dirtyLinks_.clear();
    resyncBackoff_ = firstResyncBackoff;
    spdlog::debug("read the kernel: {} default route(s) in table {}", routeCount, kernel_.table());
}

std::vector<RouteFact> Daemon::dumpDefaultRoutes(Family family, int ifindex)
{
    std::vector<RouteFact> routes;
    requests_.dump(buildRouteDumpRequest(family, kernel_.table(), ifindex).get(), [&](const nlmsghdr *header) {
        if (!isDefaultRouteMessage(header))
            return; // the common case by far: dropped before anything is decoded
        if (auto message = decodeRouteMessage(header))
            routes.insert(routes.end(), message->routes.begin(), message->routes.end());
    });
    return routes;
}

void Daemon::refreshRoutesOf(int ifindex)
{
    if (!kernel_.linkByIndex(ifindex)) {
        kernel_.forgetRoutesOf(ifindex);
        return;
    }
    for (Family family : allFamilies) {
        std::vector<RouteFact> routes;
        try {
            routes = dumpDefaultRoutes(family, ifindex);
        } catch (const NetlinkError &error) {
            if (error.error() != ENODEV)
                throw;
            kernel_.forgetRoutesOf(ifindex); // gone since the event: its routes went with it
            return;
        }
        kernel_.replaceRoutes(family, ifindex, routes);
    }
}

std::optional<std::string> Daemon::reload(std::string_view trigger)
{
    spdlog::info("{}: reloading {}", trigger, options_.configPath);
    auto result = loadConfigFile(options_.configPath, RoutingTableNames::loadSystem());
    if (!result.config) {
        std::string problems;
        for (const auto &error : result.errors) {
            spdlog::error("{}", error.toString());
            problems += (problems.empty() ? "" : "; ") + error.toString();
        }
        spdlog::error("new configuration rejected ({} error(s)); the previous policy stays in force",
                      result.errors.size());
        return "new configuration rejected, the previous policy stays in force: " + problems;
    }
    const Config &config = *result.config;
    setLogLevel(options_.logLevelOverride.empty() ? config.daemon.logLevel : options_.logLevelOverride);
    if (config.daemon.table != kernel_.table()) {
        // Our routes in the old table would be nobody's once we stop watching it.
        policy_.removeOwnRoutes(kernel_, writer_);
        kernel_.setTable(config.daemon.table);
        fullResyncPending_ = true;
    }
    if (config.daemon.socketPath != policy_.config().daemon.socketPath)
        spdlog::warn("the broker socket moves to {} only when ifpind restarts", config.daemon.socketPath);
    layers_.setFileConfig(config);
    setPolicyConfig();
    spdlog::info("configuration reloaded: {} role(s), table {}", config.roles.size(), config.daemon.tableName);
    scheduleReconcile(ReconcileTrigger::policy);
    return std::nullopt;
}

void Daemon::setPolicyConfig()
{
    policy_.setConfig(layers_.effective());
    egress_.apply(policy_.config()); // never throws; logs when it cannot
}

void Daemon::stop()
{
    spdlog::info("stopping");
    notifier_.send("STOPPING=1");
    if (brokerServer_)
        brokerServer_->answerPending();
    if (policy_.config().daemon.removeRoutesOnExit) {
        spdlog::info("removing ifpind's routes, as remove_routes_on_exit asks");
        policy_.removeOwnRoutes(kernel_, writer_);
    }
    egress_.remove();
    loop_.exit(0);
}

void Daemon::notifyStatus()
{
    std::string text;
    for (const auto &role : policy_.config().roles) {
        const RoleStatus *status = policy_.status(role.name);
        text += fmt::format("{}{} {}", text.empty() ? "" : ", ", role.name,
                            status ? roleStateName(status->state) : "unknown");
    }
    if (!egress_.active() && !policy_.config().roles.empty())
        text += "; egress not guarded";
    if (text.empty())
        text = "no roles configured";
    // Only changes: a message per reconcile would be noise in `systemctl status`.
    if (text == lastStatus_)
        return;
    lastStatus_ = text;
    notifier_.status(text);
}

} // namespace ifpin
