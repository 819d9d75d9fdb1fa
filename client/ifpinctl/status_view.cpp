// What `ifpinctl status` shows: see status_view.hpp.
#include "status_view.hpp"

#include <algorithm>

namespace ifpinctl {
namespace {

template <typename T>
T valueOf(const std::map<std::string, sdbus::Variant> &properties, const std::string &key, T fallback = {})
{
    auto found = properties.find(key);
    if (found == properties.end() || !found->second.containsValueOfType<T>())
        return fallback;
    return found->second.get<T>();
}

nlohmann::json familyJson(const FamilyView &family)
{
    return {{"gateway", family.gateway.empty() ? nlohmann::json(nullptr) : nlohmann::json(family.gateway)},
            {"gateway_learned", family.learned},
            {"route_in_place", family.routeInPlace}};
}

std::string familyCell(const FamilyView &family)
{
    std::string gateway = family.gateway.empty() ? "no gateway" : family.gateway;
    if (family.learned)
        gateway += " (learned)";
    return gateway + ", " + (family.routeInPlace ? "in place" : "no route");
}

} // namespace

RoleView roleViewFrom(const std::string &name, const std::map<std::string, sdbus::Variant> &properties)
{
    RoleView view;
    view.name = name;
    view.interface = valueOf<std::string>(properties, "Interface");
    view.linkState = valueOf<std::string>(properties, "LinkState", notSent);
    view.metric = valueOf<uint32_t>(properties, "Metric");
    view.state = valueOf<std::string>(properties, "State", notSent);
    view.inet = {valueOf<std::string>(properties, "Gateway4"), valueOf<bool>(properties, "Gateway4Learned"),
                 valueOf<bool>(properties, "Route4InPlace")};
    view.inet6 = {valueOf<std::string>(properties, "Gateway6"), valueOf<bool>(properties, "Gateway6Learned"),
                  valueOf<bool>(properties, "Route6InPlace")};
    view.socketsServed = valueOf<uint64_t>(properties, "SocketsServed");
    view.requestsDenied = valueOf<uint64_t>(properties, "RequestsDenied");
    view.restorations = valueOf<uint64_t>(properties, "Restorations");
    view.egressDropped = valueOf<uint64_t>(properties, "EgressDropped");
    view.outrankedBy = valueOf<std::vector<std::string>>(properties, "OutrankedBy");
    return view;
}

nlohmann::json statusJson(const std::vector<RoleView> &roles, const std::string &version)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto &role : roles)
        list.push_back({{"name", role.name},
                        {"interface", role.interface},
                        {"link_state", role.linkState},
                        {"metric", role.metric},
                        {"state", role.state},
                        {"inet", familyJson(role.inet)},
                        {"inet6", familyJson(role.inet6)},
                        {"sockets_served", role.socketsServed},
                        {"requests_denied", role.requestsDenied},
                        {"restorations", role.restorations},
                        {"egress_dropped", role.egressDropped},
                        {"outranked_by", role.outrankedBy}});
    return {{"version", version}, {"roles", std::move(list)}};
}

std::string statusJsonText(const std::vector<RoleView> &roles, const std::string &version)
{
    return statusJson(roles, version).dump(2) + "\n";
}

std::string statusTable(const std::vector<RoleView> &roles)
{
    if (roles.empty())
        return "no roles configured\n";
    std::vector<std::vector<std::string>> rows{
        {"ROLE", "STATE", "INTERFACE", "METRIC", "IPV4", "IPV6", "SOCKETS", "RESTORATIONS", "DROPPED"}};
    for (const auto &role : roles)
        rows.push_back({role.name, role.state, role.interface + " (" + role.linkState + ")",
                        std::to_string(role.metric), familyCell(role.inet), familyCell(role.inet6),
                        std::to_string(role.socketsServed) +
                            (role.requestsDenied ? " (" + std::to_string(role.requestsDenied) + " denied)" : ""),
                        std::to_string(role.restorations), std::to_string(role.egressDropped)});
    std::vector<size_t> widths(rows.front().size(), 0);
    for (const auto &row : rows)
        for (size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    std::string out;
    for (const auto &row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i)
            line += row[i] + (i + 1 < row.size() ? std::string(widths[i] - row[i].size() + 2, ' ') : "");
        out += line + "\n";
    }
    for (const auto &role : roles)
        for (const auto &route : role.outrankedBy)
            out += "role " + role.name + " is outranked by a route ifpind does not manage: " + route + "\n";
    return out;
}

} // namespace ifpinctl
