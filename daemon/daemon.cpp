#include "daemon.hpp"

#include <algorithm>
#include <csignal>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "ifpin_build_config.h"
#include "checkpoint/policy_difference.hpp"
#include "core/logging.hpp"
#include "core/text.hpp"

namespace ifpin {

using namespace std::chrono_literals;

namespace {

// The file's layer at start: a configuration a checkpoint's rollback kept in force in place of the
// file (docs/configuration.md, "Checkpoints"), else the file's.
FileLayer fileLayerAtStart(Config config, std::string text, const std::string &configPath)
{
    KeptConfigRead kept = readKeptConfig(config.daemon.stateDirectory, RoutingTableNames::loadSystem());
    if (kept.layer) {
        spdlog::warn("{} is not in force: a checkpoint's rollback kept the configuration before it, saved in {}, "
                     "which stays in force until the next reload (ifpinctl reload, systemctl reload ifpind, SIGHUP)",
                     configPath, kept.layer->source);
        return std::move(*kept.layer);
    }
    if (!kept.problem.empty())
        spdlog::error("the configuration kept by a checkpoint's rollback cannot be used ({}); {} applies", kept.problem,
                      configPath);
    return {std::move(config), std::move(text), configPath, false};
}

} // namespace

Daemon::Daemon(DaemonOptions options, Config config, std::string configText)
    : options_(std::move(options)), fileLayer_(fileLayerAtStart(std::move(config), configText, options_.configPath)),
      configFileText_(std::move(configText)), layers_(fileLayer_.config), policy_(IFPIN_RT_PROTOCOL),
      rules_(IFPIN_RT_PROTOCOL),
      kernel_(layers_.effective().daemon.table), notifier_(loop_),
      kernelWatch_(loop_, requests_, kernel_, options_.netlinkReceiveBuffer, IFPIN_RT_PROTOCOL,
                   [this] { scheduleReconcile(ReconcileTrigger::kernel); }),
      writer_(requests_), ruleWriter_(requests_),
      brokerRefusals_(loop_, "refused broker requests"),
      restorationLog_(loop_, "policy restorations", 1, 60s),
      broker_([this](std::string_view role) { return policy_.config().findRole(role); }, accounts_,
              [this](std::string_view role) { return egress_.markOf(role); },
              [this] { return std::span<const RoleConfig>(policy_.config().roles); }, &brokerRefusals_),
      pinning_(loop_, accounts_, [this](std::string_view role) { return egress_.markOf(role); }),
      health_(loop_, requests_, [this] { healthChanged(); }),
      checkpoints_(loop_, {[this] { return snapshot(); },
                           [this](const Checkpoint &checkpoint, std::string_view why) {
                               return rollBackTo(checkpoint, why);
                           },
                           [this] {
                               if (bus_)
                                   bus_->checkpointChanged();
                           }}),
      retryBackoff_(250ms, 30s)
{
    reconcileSource_ = loop_.addDefer([this] { runReconcile(); });
    retryTimer_ = loop_.addTimer([this] { scheduleReconcile(ReconcileTrigger::kernel); });
    holdoffTimer_ = loop_.addTimer([this] { scheduleReconcile(ReconcileTrigger::kernel); });
    gatewayExpiryTimer_ = loop_.addTimer([this] { scheduleReconcile(ReconcileTrigger::kernel); });
    signalSources_.push_back(loop_.addSignal(SIGTERM, [this] { stop(); }));
    signalSources_.push_back(loop_.addSignal(SIGINT, [this] { stop(); }));
    signalSources_.push_back(loop_.addSignal(SIGHUP, [this] { reload("SIGHUP"); }));
    // A checkpoint whose deadline passed while ifpind was down is rolled back before anything of the
    // policy it guarded is put in force again.
    checkpoints_.start(layers_.effective().daemon.stateDirectory, RoutingTableNames::loadSystem());
    // main() set the file's; a kept configuration or a rollback may say otherwise.
    setLogLevel(options_.logLevelOverride.empty() ? layers_.effective().daemon.logLevel : options_.logLevelOverride);
    setPolicyConfig();
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
    // Configured gateways need no table: their routes go in first, added beside whatever is there,
    // and the first reconcile, after the whole table was read, removes what must go.
    try {
        kernelWatch_.readLinks();
        // Not when a rollback at start changed the table: they would go into the old one.
        if (kernel_.table() == policy_.config().daemon.table)
            policy_.placeConfiguredRoutes(kernel_, writer_);
    } catch (const std::exception &error) {
        spdlog::debug("routes not placed before reading the table: {}", error.what());
    }
    kernelWatch_.readAll();
    if (kernel_.table() != policy_.config().daemon.table) {
        // A rollback at start changed the table: our routes in the one the checkpoint guarded go.
        switchTable(policy_.config().daemon.table);
        kernelWatch_.readAll();
    }
    running_ = true;
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
        brokerServer_ = std::make_unique<BrokerServer>(loop_, std::move(listener), broker_, &pinning_);
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
                       pinning_,
                       health_,
                       [this] {
                           setPolicyConfig();
                           scheduleReconcile(ReconcileTrigger::policy);
                       },
                       [this] { return reload("D-Bus Reload"); },
                       rules_, checkpoints_};
    bus_ = std::make_unique<BusService>(loop_, std::move(backend));
    bus_->start();
}

void Daemon::scheduleReconcile(ReconcileTrigger trigger)
{
    if (trigger == ReconcileTrigger::policy)
        pendingTrigger_ = ReconcileTrigger::policy;
    reconcileSource_->triggerOnce();
}

void Daemon::runReconcile()
{
    if (!kernelWatch_.catchUp())
        return; // it tries again and calls back
    // A rule of ifpind's may name a table no role has (a role removed while ifpind was stopped): that
    // table is read before anything is planned, so that what ifpind left there is seen and removed.
    if (kernelWatch_.followReplyTables(policy_.replyTablesToFollow(kernel_)) && !kernelWatch_.catchUp())
        return;

    ReconcileTrigger trigger = pendingTrigger_;
    pendingTrigger_ = ReconcileTrigger::kernel;
    // Routes first: a role's reply table holds its route before a rule sends anything there.
    bool routesFailed = policy_.reconcile(kernel_, writer_, trigger);
    bool rulesFailed = rules_.reconcile(kernel_, ruleWriter_, trigger);
    for (const auto &line : policy_.takeRestorationReports())
        restorationLog_.log(spdlog::level::info, line);
    if (auto until = policy_.heldOffUntil()) {
        auto delay = std::chrono::ceil<std::chrono::microseconds>(*until - std::chrono::steady_clock::now());
        holdoffTimer_->armIn(std::max(delay, std::chrono::microseconds(0)));
    } else {
        holdoffTimer_->disable();
    }
    if (auto expiry = policy_.nextGatewayExpiry()) {
        auto delay = std::chrono::ceil<std::chrono::microseconds>(*expiry - std::chrono::steady_clock::now());
        // The reconcile just run drops what has expired; a deadline it left in the past would make
        // this timer fire at once, forever: looked at again in a second instead.
        gatewayExpiryTimer_->armIn(delay > std::chrono::microseconds(0) ? delay : std::chrono::microseconds(1s));
    } else {
        gatewayExpiryTimer_->disable();
    }
    // Pinned processes follow their role's interface by ifindex: a link that came or went, a role
    // that moved.
    pinning_.follow(kernel_);
    followUplinks();
    if (routesFailed || rulesFailed) {
        spdlog::debug("some route or rule writes failed; retrying in {} ms", retryBackoff_.current().count());
        retryTimer_->armIn(retryBackoff_.take());
    } else {
        retryTimer_->disable();
        retryBackoff_.reset();
    }
    // A table whose ifpind routes and rules are gone now is followed no longer; one that is new to
    // follow is read in another round.
    if (kernelWatch_.followReplyTables(policy_.replyTablesToFollow(kernel_)))
        scheduleReconcile(ReconcileTrigger::kernel);
    notifyStatus();
    if (bus_)
        bus_->policyApplied();
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
    const std::string previousStateDirectory = layers_.fileConfig().daemon.stateDirectory;
    if (checkpoints_.open() && config.daemon.stateDirectory != previousStateDirectory) {
        // The open checkpoint, and the policy it rolls back to, live in the state directory.
        std::string problem = options_.configPath + ": state_directory cannot change while " +
                              describeCheckpoint(*checkpoints_.open()) + " is open; confirm it or roll it back first";
        spdlog::error("new configuration rejected: {}; the previous policy stays in force", problem);
        return "new configuration rejected, the previous policy stays in force: " + problem;
    }
    if (config.daemon.socketPath != policy_.config().daemon.socketPath)
        spdlog::warn("the broker socket moves to {} only when ifpind restarts", config.daemon.socketPath);
    layers_.setFileConfig(config);
    configFileText_ = result.text;
    // A reload puts the file in force: a configuration a rollback kept in its place goes.
    for (const auto &directory : {previousStateDirectory, config.daemon.stateDirectory}) {
        try {
            if (removeKeptConfig(directory))
                spdlog::info("{} is in force again; the configuration kept by a checkpoint's rollback is removed",
                             options_.configPath);
        } catch (const std::exception &error) {
            spdlog::error("cannot remove the configuration kept by a checkpoint's rollback ({}); a restart would "
                          "put it in force in place of {}",
                          error.what(), options_.configPath);
        }
    }
    fileLayer_ = {config, std::move(result.text), options_.configPath, false};
    putLayersInForce();
    spdlog::info("configuration reloaded: {} role(s), table {}", config.roles.size(), config.daemon.tableName);
    return std::nullopt;
}

void Daemon::putLayersInForce()
{
    const Config &config = layers_.effective();
    setLogLevel(options_.logLevelOverride.empty() ? config.daemon.logLevel : options_.logLevelOverride);
    if (config.daemon.table != kernel_.table())
        switchTable(config.daemon.table);
    setPolicyConfig();
    scheduleReconcile(ReconcileTrigger::policy);
}

void Daemon::switchTable(uint32_t table)
{
    // Our routes in the old table would be nobody's once we stop watching it.
    policy_.removeOwnRoutes(kernel_, writer_);
    kernel_.setTable(table);
    kernelWatch_.readAllSoon();
}

PolicySnapshot Daemon::snapshot() const
{
    return {layers_.fileConfig(), fileLayer_.text, fileLayer_.source, layers_.overrides(), policy_.learnedGateways()};
}

bool Daemon::rollBackTo(const Checkpoint &checkpoint, std::string_view why)
{
    try {
        const PolicySnapshot &snapshot = checkpoint.snapshot;
        Config before = layers_.effective();
        bool saved = true;
        if (auto restored = layers_.restore(snapshot.file, snapshot.overrides);
            restored.outcome != LayeredConfig::Outcome::applied) {
            spdlog::error("{}: {}; the rolled-back policy is in force all the same", describeCheckpoint(checkpoint),
                          restored.message);
            saved = false;
        }
        // When the configuration file no longer says what the checkpoint kept (a reload came after
        // it), the kept text stays in force in its place, across restarts too, until the next reload.
        const std::string &directory = snapshot.file.daemon.stateDirectory;
        bool keep = snapshot.fileText != configFileText_;
        std::string source = keep ? directory + "/" + std::string(keptConfigFileName) : options_.configPath;
        try {
            if (keep)
                writeKeptConfig(directory, snapshot.fileText, options_.configPath,
                                describeCheckpoint(checkpoint) + " was rolled back at " + utcText(checkpoints_.now()));
            else
                removeKeptConfig(directory);
        } catch (const std::exception &error) {
            spdlog::error("{}: {}; {}", describeCheckpoint(checkpoint), error.what(),
                          keep ? "a restart would put " + options_.configPath + " in force again"
                               : "a restart would put the configuration kept earlier in force");
            saved = false;
        }
        fileLayer_ = {snapshot.file, snapshot.fileText, source, keep};
        policy_.adoptLearnedGateways(snapshot.learned);
        spdlog::warn("{} rolled back, {}: {}{}", describeCheckpoint(checkpoint), why,
                     describePolicyDifference(before, layers_.effective()),
                     keep ? "; " + options_.configPath + " is not in force: the configuration before it, kept in " +
                                source + ", is until the next reload"
                          : "");
        if (running_)
            putLayersInForce(); // at start, the constructor and run() do
        if (bus_)
            bus_->checkpointRolledBack(checkpoint.id);
        return saved;
    } catch (const std::exception &error) {
        spdlog::error("{}: rollback failed: {}", describeCheckpoint(checkpoint), error.what());
        return false;
    }
}

void Daemon::setPolicyConfig()
{
    policy_.setConfig(layers_.effective());
    rules_.setConfig(layers_.effective());
    // Once here, not per broker request (docs/performance.md); a name that does not resolve is
    // asked again at most every 30 s, so that an account made after start counts without a reload.
    for (const auto &name : accounts_.resolve(policy_.config()))
        spdlog::warn("{} does not exist (yet): it admits nobody; asked again at most every {} s and at each reload",
                     escaped(name), AccountCache::defaultRetryUnresolved.count());
    std::vector<std::string> interfaces;
    for (const auto &role : policy_.config().roles)
        interfaces.push_back(role.interface);
    // What they ask to read is read by the reconcile every caller schedules (or, at start, by readAll).
    kernelWatch_.follow(std::move(interfaces));
    kernelWatch_.followReplyTables(policy_.replyTablesToFollow(kernel_));
    egress_.apply(policy_.config()); // never throws; logs when it cannot
    pinning_.setRoles(policy_.config()); // after the guard: the marks are its; never throws
    health_.setRoles(policy_.config());
    policy_.setDemoted(health_.demoted()); // a role whose checks went (or changed) is not demoted
    // Last, and never throws: the policy above is in force whatever the event socket says.
    try {
        if (health_.usesNeighbours())
            kernelWatch_.followNeighbours({[this](const NeighbourMessage &message) { health_.neighbourChanged(message); },
                                           [this] { health_.neighboursLost(); }});
        else
            kernelWatch_.followNeighbours({});
    } catch (const std::exception &error) {
        spdlog::error("neighbour events not followed ({}): neighbour health checks may stay unknown",
                      error.what());
    }
}

void Daemon::followUplinks()
{
    for (const auto &role : policy_.config().roles) {
        if (!role.health)
            continue;
        const LinkFact *link = kernel_.linkByName(role.interface);
        UplinkFacts facts{role.interface, link ? link->ifindex : 0, link && link->adminUp() && link->hasCarrier(),
                          std::nullopt, std::nullopt};
        if (const RoleStatus *status = policy_.status(role.name)) {
            const FamilyStatus &inet = status->families[familyIndex(Family::inet)];
            const FamilyStatus &inet6 = status->families[familyIndex(Family::inet6)];
            facts.gateway4 = inet.gatewayKnown ? inet.gateway : std::nullopt;
            facts.gateway6 = inet6.gatewayKnown ? inet6.gateway : std::nullopt;
        }
        health_.follow(role.name, facts);
    }
}

// A role family's health changed: a demotion that starts or ends is a policy change, and the bus's
// properties follow after the reconcile either way.
void Daemon::healthChanged()
{
    policy_.setDemoted(health_.demoted());
    scheduleReconcile(ReconcileTrigger::policy);
}

void Daemon::stop()
{
    spdlog::info("stopping");
    notifier_.send("STOPPING=1");
    if (brokerServer_)
        brokerServer_->answerPending();
    if (policy_.config().daemon.removeRoutesOnExit) {
        spdlog::info("removing ifpind's rules, routes and the egress guard's table, as remove_routes_on_exit asks");
        rules_.removeOwnRules(kernel_, ruleWriter_);
        policy_.removeOwnReplyRoutes(kernel_, writer_);
        policy_.removeOwnRoutes(kernel_, writer_);
        egress_.remove();
    } else {
        // Sockets handed out live on in their holders: the guard stays, as the routes do, and the
        // next ifpind takes it over (docs/security.md).
        spdlog::info("leaving the routes and the egress guard's table in place");
    }
    exitWhenPinsAnswered();
}

void Daemon::exitWhenPinsAnswered()
{
    // A pin request systemd is working on is answered before ifpind goes, as the broker's requests
    // are: the client would otherwise wait for nothing. Pinned processes stay where they are.
    if (pinning_.placing() == 0 || stopping_) {
        loop_.exit(0);
        return;
    }
    stopping_ = true;
    spdlog::info("waiting for {} pin request(s) systemd is working on", pinning_.placing());
    auto deadline = std::chrono::steady_clock::now() + 10s;
    exitTimer_ = loop_.addTimer([this, deadline] {
        if (pinning_.placing() == 0 || std::chrono::steady_clock::now() >= deadline)
            loop_.exit(0);
        else
            exitTimer_->armIn(20ms);
    });
    exitTimer_->armIn(20ms);
}

void Daemon::notifyStatus()
{
    std::string text;
    for (const auto &role : policy_.config().roles) {
        const RoleStatus *status = policy_.status(role.name);
        const RoleRuleStatus *rules = rules_.status(role.name);
        std::string_view state = status ? roleStateName(status->state) : "unknown";
        if (rules && !rules->lastError.empty() && status && status->state == RoleState::enforced)
            state = roleStateName(RoleState::failed); // a rule write failed: as a route write would
        text += fmt::format("{}{} {}", text.empty() ? "" : ", ", role.name, state);
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
