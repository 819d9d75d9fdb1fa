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
    compare("LinkState", before.linkState, after.linkState);
    compare("Route4InPlace", before.route4InPlace, after.route4InPlace);
    compare("Route6InPlace", before.route6InPlace, after.route6InPlace);
    compare("Restorations", before.restorations, after.restorations);
    compare("OutrankedBy", before.outrankedBy, after.outrankedBy);
    compare("PinAvailable", before.pinAvailable, after.pinAvailable);
    compare("PinProgram", before.pinProgram, after.pinProgram);
    compare("PinProblem", before.pinProblem, after.pinProblem);
    return names;
}

} // namespace ifpin
