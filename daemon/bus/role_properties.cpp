#include "bus/role_properties.hpp"

#include <algorithm>

namespace ifpin {

std::string linkStateName(const LinkFact *link)
{
    if (!link)
        return "missing";
    if (!link->adminUp())
        return "down";
    return link->hasCarrier() ? "up" : "no-carrier";
}

RoleProperties describeRole(const RoleConfig &role, const RoleStatus *status, const KernelState &kernel,
                            std::span<const OutrankingRoute> outranking, const BrokerCounters &counters)
{
    RoleProperties properties;
    properties.name = role.name;
    properties.interface = role.interface;
    properties.metric = role.metric;
    properties.linkState = linkStateName(kernel.linkByName(role.interface));
    properties.socketsServed = counters.socketsServed;
    properties.requestsDenied = counters.requestsDenied;
    if (!status) {
        properties.state = std::string(roleStateName(RoleState::noInterface));
        properties.gateway4 = role.gateway4 ? role.gateway4->toString() : "";
        properties.gateway6 = role.gateway6 ? role.gateway6->toString() : "";
        return properties;
    }
    properties.state = std::string(roleStateName(status->state));
    properties.restorations = status->restorations;
    properties.stateReason = status->stateReason;
    for (Family family : allFamilies) {
        const FamilyStatus &familyStatus = status->families[familyIndex(family)];
        std::string gateway =
            familyStatus.gatewayKnown && familyStatus.gateway ? familyStatus.gateway->toString() : std::string();
        bool learned = familyStatus.gatewayKnown && familyStatus.gatewayLearned;
        if (family == Family::inet) {
            properties.gateway4 = gateway;
            properties.gateway4Learned = learned;
            properties.route4InPlace = familyStatus.routeInPlace;
        } else {
            properties.gateway6 = gateway;
            properties.gateway6Learned = learned;
            properties.route6InPlace = familyStatus.routeInPlace;
        }
    }
    for (const auto &entry : outranking)
        if (std::find(entry.outrankedRoles.begin(), entry.outrankedRoles.end(), role.name) !=
            entry.outrankedRoles.end())
            properties.outrankedBy.push_back(kernel.describe(entry.route));
    return properties;
}

void describeReturnRouting(RoleProperties &properties, const RoleConfig &role, const RoleStatus *status,
                           const RoleRuleStatus *rules)
{
    properties.returnRouting = role.returnRouting;
    properties.replyTable = role.returnRouting ? role.replyTable : 0;
    if (!role.returnRouting)
        return;
    if (status) {
        properties.replyRoute4InPlace = status->replyRouteInPlace[familyIndex(Family::inet)];
        properties.replyRoute6InPlace = status->replyRouteInPlace[familyIndex(Family::inet6)];
    }
    if (!rules)
        return;
    properties.restorations += rules->restorations; // "routes or rules written again"
    for (Family family : allFamilies) {
        auto &texts = family == Family::inet ? properties.replyRules4 : properties.replyRules6;
        for (const auto &rule : rules->inPlace[familyIndex(family)])
            texts.push_back(describe(rule));
    }
    if (!rules->lastError.empty() && properties.state == roleStateName(RoleState::enforced))
        properties.state = std::string(roleStateName(RoleState::failed));
}

void addHealth(RoleProperties &properties, Family family, HealthState state, const FamilyHealth &health,
               bool demoted)
{
    std::string name(familyName(family));
    properties.health[name] = std::string(healthStateName(state));
    if (demoted)
        properties.demoted.push_back(name);
    for (const auto &target : health.targets()) {
        HealthTargetProperties entry{name, target.label, std::string(targetStatusName(target.status)), "none", "",
                                     static_cast<uint64_t>(target.lastRtt.count()), target.failuresInRow,
                                     target.successesInRow};
        if (target.last) {
            entry.lastResult = std::string(probeOutcomeName(target.last->outcome));
            entry.detail = target.last->detail;
        } else if (!health.problem().empty()) {
            entry.detail = health.problem();
        }
        properties.healthDetails.push_back(std::move(entry));
    }
}

std::vector<std::string> changedProperties(const RoleProperties &before, const RoleProperties &after)
{
    std::vector<std::string> names;
    auto compare = [&](const char *name, const auto &a, const auto &b) {
        if (a != b)
            names.emplace_back(name);
    };
    compare("Interface", before.interface, after.interface);
    compare("Metric", before.metric, after.metric);
    compare("Gateway4", before.gateway4, after.gateway4);
    compare("Gateway6", before.gateway6, after.gateway6);
    compare("Gateway4Learned", before.gateway4Learned, after.gateway4Learned);
    compare("Gateway6Learned", before.gateway6Learned, after.gateway6Learned);
    compare("State", before.state, after.state);
    compare("StateReason", before.stateReason, after.stateReason);
    compare("LinkState", before.linkState, after.linkState);
    compare("Route4InPlace", before.route4InPlace, after.route4InPlace);
    compare("Route6InPlace", before.route6InPlace, after.route6InPlace);
    compare("Restorations", before.restorations, after.restorations);
    compare("OutrankedBy", before.outrankedBy, after.outrankedBy);
    compare("PinAvailable", before.pinAvailable, after.pinAvailable);
    compare("PinProgram", before.pinProgram, after.pinProgram);
    compare("PinProblem", before.pinProblem, after.pinProblem);
    compare("ReturnRouting", before.returnRouting, after.returnRouting);
    compare("ReplyTable", before.replyTable, after.replyTable);
    compare("ReplyRules4", before.replyRules4, after.replyRules4);
    compare("ReplyRules6", before.replyRules6, after.replyRules6);
    compare("ReplyRoute4InPlace", before.replyRoute4InPlace, after.replyRoute4InPlace);
    compare("ReplyRoute6InPlace", before.replyRoute6InPlace, after.replyRoute6InPlace);
    compare("Health", before.health, after.health);
    compare("Demoted", before.demoted, after.demoted);

    return names;
}

} // namespace ifpin
