#include "routes/route_policy.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include <spdlog/spdlog.h>

namespace ifpin {

std::string_view roleStateName(RoleState state)
{
    switch (state) {
    case RoleState::enforced:
        return "enforced";
    case RoleState::noGateway:
        return "no-gateway";
    case RoleState::linkDown:
        return "link-down";
    case RoleState::noInterface:
        return "no-interface";
    case RoleState::failed:
        return "failed";
    }
    return "unknown";
}

void RoutePolicy::setConfig(const Config &config)
{
    learned_.keepOnly([&](const std::string &name, const std::string &interface) {
        const RoleConfig *role = config.findRole(name);
        return role && role->interface == interface;
    });
    learned_.forgetDroppedIf([&](const std::string &name) {
        const RoleConfig *role = config.findRole(name);
        const RoleConfig *before = config_.findRole(name);
        return !role || !before || role->interface != before->interface;
    });
    std::map<std::string, RoleStatus, std::less<>> status;
    for (const auto &role : config.roles) {
        auto previous = status_.find(role.name);
        status[role.name] = previous != status_.end() ? previous->second : RoleStatus{};
    }
    status_ = std::move(status);
    std::erase_if(holdoffs_, [&](const auto &entry) { return !config.findRole(std::get<0>(entry.first)); });
    config_ = config;
}

// Configured, else what a foreign route on the interface says (a DHCP client's or the kernel's from a
// router advertisement), else what was learned before, else ifpind's own route (after a restart).
std::optional<std::optional<IpAddress>> RoutePolicy::gatewayFor(const RoleConfig &role, Family family,
                                                                const LinkFact *link, const KernelState &kernel,
                                                                FamilyStatus &status)
{
    status.gatewayLearned = false;
    auto key = RoleFamily{role.name, family};
    auto now = clock_();
    const auto &configured = role.gateway(family);
    if (configured || !link) {
        // A learned gateway that a configured one overrides, or whose interface is gone, is not
        // dropped with a reason (nothing uses it), but its passed deadline goes: the daemon's timer
        // is armed for the earliest deadline, and one in the past would fire at once, forever.
        const LearnedGateways::Gateway *unused = learned_.find(key);
        if (unused && unused->expiresAt && *unused->expiresAt <= now && !config_.daemon.keepLearnedGateways)
            learned_.forget(key);
        return configured ? std::optional<std::optional<IpAddress>>(configured) : std::nullopt;
    }

    auto observed = observeGateway(kernel.defaultRoutes(), family, link->ifindex, ownProtocol_);
    // ifpind's own route teaches nothing once the gateway it goes through was dropped: it is a
    // leftover of that gateway, not news of a new one.
    if (observed && (observed->fromForeignRoute || (!learned_.find(key) && !learned_.dropped(key)))) {
        RouteFact route = observed->route;
        // At the role's own metric, the kernel cannot add the next advertisement's route beside
        // ifpind's (the same metric, router and device: EEXIST, and no event), so no newer
        // advertisement would ever be seen: its lifetime cannot be followed, and is not.
        if (kernelMetric(family, route.metric) == kernelMetric(family, role.metric))
            route.expiresIn.reset();
        if (learned_.learn(key, role.interface, route, observed->fromForeignRoute, now)) {
            spdlog::info("role {} {}: learned gateway {} on {} from {}", role.name, familyName(family),
                         observed->gateway ? observed->gateway->toString() : "(on-link)", role.interface,
                         observed->fromForeignRoute ? "a foreign default route" : "ifpind's existing route");
        }
    }
    const LearnedGateways::Gateway *known = learned_.find(key);
    if (known && known->expiresAt && *known->expiresAt <= now && !config_.daemon.keepLearnedGateways) {
        dropExpiredGateway(key, role.interface);
        known = nullptr;
    }
    if (!known) {
        const std::string *dropped = learned_.droppedReason(key);
        status.noGatewayReason = dropped ? *dropped : std::string();
        return std::nullopt;
    }
    status.noGatewayReason.clear();
    status.gatewayLearned = true;
    return known->gateway;
}

std::string RoutePolicy::dropExpiredGateway(const RoleFamily &key, const std::string &interface)
{
    const LearnedGateways::Gateway *known = learned_.find(key);
    std::string gateway = known->gateway ? known->gateway->toString() : "(on-link)";
    std::string lifetime =
        known->lifetime ? fmt::format(" ({} s)", (known->lifetime->count() + 999) / 1000) : std::string();
    std::string reason = fmt::format("learned gateway {} dropped: the router lifetime it advertised on {}{} ran "
                                     "out with no newer router advertisement",
                                     gateway, interface, lifetime);
    spdlog::warn("role {} {}: {}; its route is removed, none until a router advertises again", key.first,
                 familyName(key.second), reason);
    learned_.drop(key, reason, true);
    return reason;
}

bool RoutePolicy::withdrawExpired(KernelState &kernel, RouteWriter &writer)
{
    bool anyFailed = false;
    for (const auto &[name, family] : learned_.withdrawn()) {
        const RoleConfig *role = config_.findRole(name);
        const LinkFact *link = role ? kernel.linkByName(role->interface) : nullptr;
        if (!link)
            continue;
        if (role->gateway(family))
            continue; // configured since: the route through it is wanted
        std::vector<RouteFact> routes; // copies: each removal updates kernel's lists
        for (const auto *held : {&kernel.defaultRoutes(), &kernel.replyRoutes()})
            for (const auto &route : *held)
                if (route.protocol == ownProtocol_ && route.family == family && route.ifindex == link->ifindex &&
                    !route.multipath && (route.table == kernel.table() || route.table == role->replyTable))
                    routes.push_back(route);
        std::string who = fmt::format("role {} {}", name, familyName(family));
        for (const auto &route : routes) {
            // At debug: the warning that dropped the gateway said its route goes.
            auto failure = executeAndLog({RouteChange::Kind::remove, route}, who, kernel, writer, spdlog::level::debug);
            if (failure) {
                status_[name].families[familyIndex(family)].lastError = failure->text;
                anyFailed = true;
            }
        }
    }
    return anyFailed;
}

std::optional<RestorationHoldoff::Clock::time_point> RoutePolicy::nextGatewayExpiry() const
{
    if (config_.daemon.keepLearnedGateways)
        return std::nullopt;
    return learned_.nextDeadline();
}

std::optional<NetlinkAck> RoutePolicy::execute(const RouteChange &change, KernelState &kernel, RouteWriter &writer)
{
    const RouteFact &route = change.route;
    bool removing = change.kind == RouteChange::Kind::remove;
    NetlinkAck ack = removing ? writer.remove(route) : writer.add(route, change.kind == RouteChange::Kind::replace);

    // Already there / already gone: the goal of the write holds, which is all that matters.
    bool done = ack.error == 0 || (!removing && ack.error == EEXIST) ||
                (removing && (ack.error == ESRCH || ack.error == ENOENT));
    if (!done)
        return ack;
    if (removing) {
        kernel.noteRemoved(route);
        return std::nullopt;
    }
    if (change.kind == RouteChange::Kind::replace) {
        // The kernel swapped the route of that table, metric and nexthop for ours.
        auto routes = route.table == kernel.table() ? kernel.defaultRoutes() : kernel.replyRoutes();
        for (const auto &old : routes)
            if (old.table == route.table && old.family == route.family && old.metric == route.metric &&
                old.ifindex == route.ifindex && old.gateway == route.gateway)
                kernel.noteRemoved(old);
    }
    kernel.noteAdded(route);
    return std::nullopt;
}

std::optional<RoutePolicy::WriteFailure> RoutePolicy::executeAndLog(const RouteChange &change, std::string_view who,
                                                      KernelState &kernel, RouteWriter &writer,
                                                      spdlog::level::level_enum level)
{
    std::string what = kernel.describe(change.route);
    auto failure = execute(change, kernel, writer);
    if (failure) {
        std::string error =
            fmt::format("{} {}: {}{}", change.kind == RouteChange::Kind::remove ? "cannot remove" : "cannot add",
                        what, std::strerror(failure->error), failure->message.empty() ? "" : " (" + failure->message + ")");
        spdlog::error("{}: {}", who, error);
        return WriteFailure{failure->error, std::move(error)};
    }
    std::string_view done = change.kind == RouteChange::Kind::add       ? "added"
                            : change.kind == RouteChange::Kind::replace ? "replaced with"
                                                                        : "removed";
    spdlog::log(level, "{}: {} {}", who, done, what);
    return std::nullopt;
}

RoutePolicy::Wanted RoutePolicy::collectWanted(const KernelState &kernel)
{
    Wanted wanted;
    for (const auto &role : config_.roles) {
        RoleStatus &status = status_[role.name];
        const LinkFact *link = kernel.linkByName(role.interface);
        status.ifindex = link ? link->ifindex : 0;
        if (link)
            wanted.managedIfindexes.push_back(link->ifindex);
        for (Family family : allFamilies) {
            FamilyStatus &familyStatus = status.families[familyIndex(family)];
            auto gateway = gatewayFor(role, family, link, kernel, familyStatus);
            familyStatus.gatewayKnown = gateway.has_value();
            familyStatus.gateway = gateway.value_or(std::nullopt);
            familyStatus.lastError.clear();
            // Demoted: the route moves like any metric change, the new one made before the old goes.
            // The reply table's route is not demoted: it is the only route there, and what leaves
            // from the role's addresses keeps leaving by the role (return routing is unaffected).
            familyStatus.demoted = role.health && role.health->onDown == HealthAction::demote &&
                                   demoted_.contains({role.name, family});
            familyStatus.metric =
                familyStatus.demoted ? demotedMetric(role.metric, role.health->demoteBy) : role.metric;
            if (link && link->adminUp() && gateway) {
                wanted.routes.push_back({role.name, makeOwnRoute(family, kernel.table(), link->ifindex, *gateway,
                                                                 familyStatus.metric, ownProtocol_)});
                if (role.returnRouting)
                    wanted.replyRoutes.push_back({role.name, makeOwnRoute(family, role.replyTable, link->ifindex,
                                                                          *gateway, role.metric, ownProtocol_)});
            }
        }
        if (role.returnRouting)
            wanted.replyTables.push_back({role.name, role.replyTable, link ? link->ifindex : 0});
    }
    return wanted;
}

bool RoutePolicy::holdOff(const HoldoffKey &key, RestorationHoldoff::Clock::time_point now, std::string_view who)
{
    RestorationHoldoff &holdoff = holdoffs_[key];
    auto at = holdoff.allowedAt(now);
    if (at <= now)
        return false;
    spdlog::debug("{}: route deleted again right after it was restored; restoring in {} ms", who,
                  holdoff.current().count());
    heldOffUntil_ = heldOffUntil_ ? std::min(*heldOffUntil_, at) : at;
    return true;
}

bool RoutePolicy::dropRefusedGateway(const RoleFamily &key, const std::string &error, FamilyStatus &status)
{
    const LearnedGateways::Gateway *learned = learned_.find(key);
    if (config_.daemon.keepLearnedGateways || !learned)
        return false;
    std::string gateway = learned->gateway ? learned->gateway->toString() : "(on-link)";
    std::string reason = fmt::format("learned gateway {} dropped: the kernel refused it ({}); the lease or "
                                     "router it was learned from is gone",
                                     gateway, error);
    spdlog::warn("role {} {}: {}; no route until a new gateway is learned", key.first, familyName(key.second),
                 reason);
    learned_.drop(key, reason, false);
    status.gatewayKnown = false;
    status.gateway.reset();
    status.gatewayLearned = false;
    status.noGatewayReason = reason;
    return true;
}

bool RoutePolicy::carryOut(const RoutePlan &plan, KernelState &kernel, RouteWriter &writer, ReconcileTrigger trigger)
{
    bool anyFailed = false;
    std::set<RoleFamily> restored;
    bool restoring = trigger == ReconcileTrigger::kernel;
    auto now = clock_();
    heldOffUntil_.reset();
    for (const auto &rolePlan : plan.roles) {
        RoleStatus &status = status_[rolePlan.role];
        FamilyStatus &familyStatus = status.families[familyIndex(rolePlan.family)];
        std::string who = fmt::format("role {} {}", rolePlan.role, familyName(rolePlan.family));
        if (rolePlan.replyTable)
            who += " (reply table)";
        HoldoffKey key{rolePlan.role, rolePlan.family, rolePlan.replyTable};
        // Only re-adding a route somebody took away waits; removing a foreign route never does
        // (our route is in place then), nor does applying a new policy.
        if (restoring && !rolePlan.make.empty() && holdOff(key, now, who))
            continue;
        int lastErrno = 0;
        auto step = [&](const RouteChange &change) {
            auto error = executeAndLog(change, who, kernel, writer,
                                       restoring ? spdlog::level::debug : spdlog::level::info);
            if (error) {
                familyStatus.lastError = error->text;
                lastErrno = error->error;
            }
            return !error;
        };
        bool wrote = false;
        bool made = true;
        for (const auto &change : rolePlan.make) {
            made = step(change);
            wrote |= made;
            if (!made)
                break;
        }
        if (restoring && !rolePlan.make.empty() && made)
            holdoffs_[key].restored(now);
        // Never take a route away from an interface that did not get ours.
        if (made)
            for (const auto &change : rolePlan.clear)
                wrote |= step(change);
        bool refusedAsUnreachable = lastErrno == EINVAL || lastErrno == ENETUNREACH || lastErrno == EHOSTUNREACH;
        if (!made && !rolePlan.replyTable && refusedAsUnreachable && familyStatus.gatewayLearned &&
            dropRefusedGateway({rolePlan.role, rolePlan.family}, familyStatus.lastError, familyStatus))
            familyStatus.lastError.clear(); // no retry: nothing to retry until a new gateway is learned
        anyFailed |= !familyStatus.lastError.empty();
        // One restoration per role and family, however many of its tables were written again.
        if (wrote && restoring && restored.insert({rolePlan.role, rolePlan.family}).second) {
            ++status.restorations;
            spdlog::debug("{}: policy restored (restoration #{})", who, status.restorations);
            restorationReports_.push_back(
                fmt::format("{}: policy restored (restoration #{}: {})", who, status.restorations,
                            rolePlan.make.empty() ? "a foreign default route removed" : "ifpind's route written again"));
        }
    }
    for (const auto &change : plan.staleOwn)
        anyFailed |= executeAndLog(change, "route of no role", kernel, writer).has_value();
    return anyFailed;
}

void RoutePolicy::updateStates(const Wanted &wanted, const KernelState &kernel)
{
    auto inPlace = [&](const std::vector<WantedRoute> &wants, const std::vector<RouteFact> &actual,
                       const std::string &role, Family family) {
        return std::any_of(wants.begin(), wants.end(), [&](const WantedRoute &want) {
            return want.role == role && want.route.family == family &&
                   std::any_of(actual.begin(), actual.end(),
                               [&](const RouteFact &route) { return route.sameRoute(want.route); });
        });
    };
    for (const auto &role : config_.roles) {
        RoleStatus &status = status_[role.name];
        const LinkFact *link = kernel.linkByIndex(status.ifindex);
        bool anyGateway = false;
        bool anyError = false;
        for (Family family : allFamilies) {
            FamilyStatus &familyStatus = status.families[familyIndex(family)];
            familyStatus.routeInPlace = inPlace(wanted.routes, kernel.defaultRoutes(), role.name, family);
            status.replyRouteInPlace[familyIndex(family)] =
                inPlace(wanted.replyRoutes, kernel.replyRoutes(), role.name, family);
            anyGateway |= familyStatus.gatewayKnown;
            anyError |= !familyStatus.lastError.empty();
        }
        status.stateReason.clear();
        if (link && !anyGateway)
            for (Family family : allFamilies) {
                const auto &reason = status.families[familyIndex(family)].noGatewayReason;
                status.stateReason += reason.empty() ? "" : (status.stateReason.empty() ? "" : "; ") +
                                                                std::string(familyName(family)) + ": " + reason;
            }
        if (link && !anyGateway && status.stateReason.empty())
            status.stateReason = "no gateway configured, none learned from the interface yet";
        status.state = !link                                       ? RoleState::noInterface
                       : !link->adminUp() || !link->hasCarrier()   ? RoleState::linkDown
                       : anyError                                  ? RoleState::failed
                       : !anyGateway                               ? RoleState::noGateway
                                                                   : RoleState::enforced;
        if (status.state != RoleState::noGateway)
            status.stateReason.clear();
    }
}

bool RoutePolicy::reconcile(KernelState &kernel, RouteWriter &writer, ReconcileTrigger trigger)
{
    Wanted wanted = collectWanted(kernel);
    RoutePlan plan = planRoutes(wanted.routes, wanted.managedIfindexes, kernel.defaultRoutes(), ownProtocol_);
    // The reply tables after the managed one: a role's main route is what matters first.
    RoutePlan reply = planReplyRoutes(wanted.replyRoutes, wanted.replyTables, kernel.replyRoutes(), ownProtocol_);
    plan.roles.insert(plan.roles.end(), reply.roles.begin(), reply.roles.end());
    plan.staleOwn.insert(plan.staleOwn.end(), reply.staleOwn.begin(), reply.staleOwn.end());
    bool anyFailed = carryOut(plan, kernel, writer, trigger);
    anyFailed |= withdrawExpired(kernel, writer);
    reportOutranking(plan, kernel);
    updateStates(wanted, kernel);
    // What the kernel still holds of others' routes now: seen again, they are no newer advertisement.
    std::vector<RouteFact> foreign;
    std::copy_if(kernel.defaultRoutes().begin(), kernel.defaultRoutes().end(), std::back_inserter(foreign),
                 [&](const RouteFact &route) { return route.protocol != ownProtocol_; });
    learned_.rememberForeignRoutes(std::move(foreign));
    return anyFailed;
}

void RoutePolicy::reportOutranking(const RoutePlan &plan, const KernelState &kernel)
{
    for (const auto &entry : plan.outranking) {
        bool known = std::any_of(outranking_.begin(), outranking_.end(), [&](const OutrankingRoute &old) {
            return old.route.sameRoute(entry.route) && old.outrankedRoles == entry.outrankedRoles;
        });
        if (!known) {
            std::string roles;
            for (const auto &role : entry.outrankedRoles)
                roles += (roles.empty() ? "" : ", ") + role;
            spdlog::warn("a default route ifpind does not manage outranks role(s) {}: {}; left in place", roles,
                         escaped(kernel.describe(entry.route))); // names the kernel's links
        }
    }
    outranking_ = plan.outranking;
}

size_t RoutePolicy::placeConfiguredRoutes(const KernelState &kernel, RouteWriter &writer)
{
    size_t placed = 0;
    for (const auto &role : config_.roles) {
        const LinkFact *link = kernel.linkByName(role.interface);
        if (!link || !link->adminUp())
            continue;
        for (Family family : allFamilies) {
            const auto &gateway = role.gateway(family);
            if (!gateway)
                continue;
            RouteFact route = makeOwnRoute(family, kernel.table(), link->ifindex, gateway, role.metric, ownProtocol_);
            // Refused when something holds the place (ours from before a restart, a foreign route at
            // our metric, an unreachable gateway): reconcile() decides once it has seen the table.
            NetlinkAck ack = writer.addIfAbsent(route);
            if (ack.error == 0) {
                ++placed;
                spdlog::info("role {} {}: added {} before reading the route table", role.name, familyName(family),
                             kernel.describe(route));
            } else {
                spdlog::debug("role {} {}: not added before reading the route table: {}", role.name,
                              familyName(family), std::strerror(ack.error));
            }
        }
    }
    return placed;
}

void RoutePolicy::removeOwnRoutes(KernelState &kernel, RouteWriter &writer)
{
    removeOwn(kernel.defaultRoutes(), kernel, writer);
}

void RoutePolicy::removeOwnReplyRoutes(KernelState &kernel, RouteWriter &writer)
{
    removeOwn(kernel.replyRoutes(), kernel, writer);
}

std::set<uint32_t> RoutePolicy::replyTablesToFollow(const KernelState &kernel) const
{
    std::set<uint32_t> tables;
    for (const auto &role : config_.roles)
        if (role.returnRouting)
            tables.insert(role.replyTable);
    // Only a rule with a source points to a reply table; the main rule's table is main.
    for (const auto &rule : kernel.rules())
        if (rule.protocol == ownProtocol_ && rule.source)
            tables.insert(rule.table);
    for (const auto &route : kernel.replyRoutes())
        if (route.protocol == ownProtocol_)
            tables.insert(route.table);
    tables.erase(kernel.table());
    return tables;
}

void RoutePolicy::removeOwn(const std::vector<RouteFact> &held, KernelState &kernel, RouteWriter &writer)
{
    auto routes = held; // a copy: each removal updates kernel's list
    for (const auto &route : routes) {
        if (route.protocol != ownProtocol_ || route.multipath)
            continue;
        std::string interface = kernel.interfaceName(route.ifindex);
        auto owner = std::find_if(config_.roles.begin(), config_.roles.end(),
                                  [&](const RoleConfig &role) { return role.interface == interface; });
        std::string who = owner == config_.roles.end()
                              ? std::string("route of no role")
                              : fmt::format("role {} {}", owner->name, familyName(route.family));
        executeAndLog({RouteChange::Kind::remove, route}, who, kernel, writer);
    }
}

std::vector<LearnedGatewayEntry> RoutePolicy::learnedGateways() const
{
    return learned_.entries();
}

void RoutePolicy::adoptLearnedGateways(const std::vector<LearnedGatewayEntry> &entries)
{
    learned_.adopt(entries);
}

const RoleStatus *RoutePolicy::status(std::string_view role) const
{
    auto it = status_.find(role);
    return it == status_.end() ? nullptr : &it->second;
}

} // namespace ifpin
