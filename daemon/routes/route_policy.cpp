#include "routes/route_policy.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

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
    std::erase_if(learned_, [&](const auto &entry) {
        const RoleConfig *role = config.findRole(entry.first.first);
        return !role || role->interface != entry.second.interface;
    });
    std::map<std::string, RoleStatus, std::less<>> status;
    for (const auto &role : config.roles) {
        auto previous = status_.find(role.name);
        status[role.name] = previous != status_.end() ? previous->second : RoleStatus{};
    }
    status_ = std::move(status);
    config_ = config;
}

std::string RoutePolicy::interfaceName(const KernelState &kernel, int ifindex) const
{
    const LinkFact *link = kernel.linkByIndex(ifindex);
    return link ? link->name : "#" + std::to_string(ifindex);
}

// Configured, else what a foreign route on the interface says (a DHCP client's or the kernel's from a
// router advertisement), else what was learned before, else ifpind's own route (after a restart).
std::optional<std::optional<IpAddress>> RoutePolicy::gatewayFor(const RoleConfig &role, Family family,
                                                                const LinkFact *link, const KernelState &kernel,
                                                                FamilyStatus &status)
{
    status.gatewayLearned = false;
    if (const auto &configured = role.gateway(family))
        return configured;
    if (!link)
        return std::nullopt;

    auto observed = observeGateway(kernel.defaultRoutes(), family, link->ifindex, ownProtocol_);
    auto key = RoleFamily{role.name, family};
    auto known = learned_.find(key);
    if (observed && (observed->fromForeignRoute || known == learned_.end())) {
        if (known == learned_.end() || known->second.gateway != observed->gateway) {
            spdlog::info("role {} {}: learned gateway {} on {} from {}", role.name, familyName(family),
                         observed->gateway ? observed->gateway->toString() : "(on-link)", role.interface,
                         observed->fromForeignRoute ? "a foreign default route" : "ifpind's existing route");
        }
        learned_[key] = LearnedGateway{role.interface, observed->gateway};
        known = learned_.find(key);
    }
    if (known == learned_.end())
        return std::nullopt;
    status.gatewayLearned = true;
    return known->second.gateway;
}

bool RoutePolicy::execute(const RouteChange &change, const std::string &role, KernelState &kernel,
                          RouteWriter &writer, std::string *error)
{
    const RouteFact &route = change.route;
    bool removing = change.kind == RouteChange::Kind::remove;
    NetlinkAck ack = removing ? writer.remove(route) : writer.add(route, change.kind == RouteChange::Kind::replace);

    // Already there / already gone: the goal of the write holds, which is all that matters.
    bool done = ack.error == 0 || (!removing && ack.error == EEXIST) ||
                (removing && (ack.error == ESRCH || ack.error == ENOENT));
    std::string what = fmt::format("default{} dev {} metric {} proto {}",
                                   route.gateway ? " via " + route.gateway->toString() : std::string(),
                                   interfaceName(kernel, route.ifindex), route.metric, route.protocol);
    std::string who = role.empty() ? "stale route" : "role " + role + " " + std::string(familyName(route.family));
    if (!done) {
        *error = fmt::format("{} {}: {}{}", removing ? "cannot remove" : "cannot add", what,
                             std::strerror(ack.error), ack.message.empty() ? "" : " (" + ack.message + ")");
        spdlog::error("{}: {}", who, *error);
        return false;
    }

    if (removing) {
        kernel.noteRemoved(route);
        spdlog::info("{}: removed {}", who, what);
    } else {
        if (change.kind == RouteChange::Kind::replace) {
            // The kernel swapped the route of that metric and nexthop for ours.
            auto routes = kernel.defaultRoutes();
            for (const auto &old : routes)
                if (old.family == route.family && old.metric == route.metric && old.ifindex == route.ifindex &&
                    old.gateway == route.gateway)
                    kernel.noteRemoved(old);
        }
        kernel.noteAdded(route);
        spdlog::info("{}: {} {}", who, change.kind == RouteChange::Kind::replace ? "replaced with" : "added", what);
    }
    return true;
}

bool RoutePolicy::reconcile(KernelState &kernel, RouteWriter &writer, ReconcileTrigger trigger)
{
    std::vector<WantedRoute> wanted;
    std::vector<int> managed;
    for (const auto &role : config_.roles) {
        RoleStatus &status = status_[role.name];
        const LinkFact *link = kernel.linkByName(role.interface);
        status.ifindex = link ? link->ifindex : 0;
        if (link)
            managed.push_back(link->ifindex);
        for (Family family : allFamilies) {
            FamilyStatus &familyStatus = status.families[familyIndex(family)];
            auto gateway = gatewayFor(role, family, link, kernel, familyStatus);
            familyStatus.gatewayKnown = gateway.has_value();
            familyStatus.gateway = gateway.value_or(std::nullopt);
            familyStatus.lastError.clear();
            if (link && link->adminUp() && gateway)
                wanted.push_back({role.name, makeOwnRoute(family, kernel.table(), link->ifindex, *gateway, role.metric,
                                                          ownProtocol_)});
        }
    }

    RoutePlan plan = planRoutes(wanted, managed, kernel.defaultRoutes(), ownProtocol_);
    bool anyFailed = false;
    for (const auto &rolePlan : plan.roles) {
        RoleStatus &status = status_[rolePlan.role];
        FamilyStatus &familyStatus = status.families[familyIndex(rolePlan.family)];
        bool wrote = false;
        bool made = true;
        for (const auto &change : rolePlan.make) {
            made = execute(change, rolePlan.role, kernel, writer, &familyStatus.lastError);
            wrote |= made;
            if (!made)
                break;
        }
        // Never take a route away from an interface that did not get ours.
        if (made)
            for (const auto &change : rolePlan.clear)
                wrote |= execute(change, rolePlan.role, kernel, writer, &familyStatus.lastError);
        anyFailed |= !familyStatus.lastError.empty();
        if (wrote && trigger == ReconcileTrigger::kernel) {
            ++status.restorations;
            spdlog::info("role {} {}: policy restored (restoration #{})", rolePlan.role,
                         familyName(rolePlan.family), status.restorations);
        }
    }
    for (const auto &change : plan.staleOwn) {
        std::string error;
        anyFailed |= !execute(change, "", kernel, writer, &error);
    }
    reportOutranking(plan, kernel);

    for (const auto &role : config_.roles) {
        RoleStatus &status = status_[role.name];
        const LinkFact *link = kernel.linkByIndex(status.ifindex);
        bool anyGateway = false;
        bool anyError = false;
        for (Family family : allFamilies) {
            FamilyStatus &familyStatus = status.families[familyIndex(family)];
            familyStatus.routeInPlace = std::any_of(wanted.begin(), wanted.end(), [&](const WantedRoute &want) {
                return want.role == role.name && want.route.family == family &&
                       std::any_of(kernel.defaultRoutes().begin(), kernel.defaultRoutes().end(),
                                   [&](const RouteFact &route) { return route.sameRoute(want.route); });
            });
            anyGateway |= familyStatus.gatewayKnown;
            anyError |= !familyStatus.lastError.empty();
        }
        status.state = !link                                       ? RoleState::noInterface
                       : !link->adminUp() || !link->hasCarrier()   ? RoleState::linkDown
                       : anyError                                  ? RoleState::failed
                       : !anyGateway                               ? RoleState::noGateway
                                                                   : RoleState::enforced;
    }
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
            spdlog::warn("a default route ifpind does not manage outranks role(s) {}: default{} dev {} metric {} "
                         "proto {}; left in place",
                         roles, entry.route.gateway ? " via " + entry.route.gateway->toString() : std::string(),
                         interfaceName(kernel, entry.route.ifindex), entry.route.metric, entry.route.protocol);
        }
    }
    outranking_ = plan.outranking;
}

void RoutePolicy::removeOwnRoutes(KernelState &kernel, RouteWriter &writer)
{
    auto routes = kernel.defaultRoutes();
    for (const auto &route : routes) {
        if (route.protocol != ownProtocol_ || route.multipath)
            continue;
        std::string error;
        execute({RouteChange::Kind::remove, route}, "exit", kernel, writer, &error);
    }
}

const RoleStatus *RoutePolicy::status(std::string_view role) const
{
    auto it = status_.find(role);
    return it == status_.end() ? nullptr : &it->second;
}

} // namespace ifpin
