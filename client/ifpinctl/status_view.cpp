// What `ifpinctl status` shows: see status_view.hpp.
#include "status_view.hpp"

#include <algorithm>
#include <cstdio>

namespace ifpinctl {
namespace {

// One role's properties, read with the type each should have.
class PropertyReader {
public:
    PropertyReader(const std::string &role, const std::map<std::string, sdbus::Variant> &properties,
                   PropertyTypeWarnings &warnings)
        : role_(role), properties_(properties), warnings_(warnings)
    {
    }

    template <typename T>
    T valueOf(const std::string &key, T fallback = {}) const
    {
        auto found = properties_.find(key);
        if (found == properties_.end())
            return fallback;
        if (!found->second.containsValueOfType<T>()) {
            warnings_.unexpectedType(role_, key, sdbus::signature_of<T>::str(),
                                     found->second.isEmpty() ? "" : found->second.peekValueType());
            return fallback;
        }
        return found->second.get<T>();
    }

private:
    const std::string &role_;
    const std::map<std::string, sdbus::Variant> &properties_;
    PropertyTypeWarnings &warnings_;
};

nlohmann::json familyJson(const FamilyView &family, const std::vector<std::string> &replyRules, bool replyRouteInPlace)
{
    return {{"gateway", family.gateway.empty() ? nlohmann::json(nullptr) : nlohmann::json(family.gateway)},
            {"gateway_learned", family.learned},
            {"route_in_place", family.routeInPlace},
            {"reply_rules", replyRules},
            {"reply_route_in_place", replyRouteInPlace}};
}

// The sources of a role's rules ("32002: from 198.51.100.2 lookup ..."), leaving out the main rule's
// "from all": the addresses whose answers go through the role's table.
std::vector<std::string> ruleSources(const std::vector<std::string> &rules)
{
    std::vector<std::string> sources;
    for (const auto &rule : rules) {
        auto from = rule.find(" from ");
        if (from == std::string::npos)
            continue;
        std::string source = rule.substr(from + 6, rule.find(' ', from + 6) - (from + 6));
        if (source != "all")
            sources.push_back(source);
    }
    return sources;
}

// The RETURN cell: "off", or "table 1002, 2 rules" (the role's own rules in place, both families),
// with ", no inet route" for a family whose rules send answers to a reply table without its route.
std::string returnCell(const RoleView &role)
{
    if (!role.returnRouting)
        return "off";
    size_t rules4 = ruleSources(role.replyRules4).size(), rules6 = ruleSources(role.replyRules6).size();
    size_t rules = rules4 + rules6;
    std::string cell = "table " + std::to_string(role.replyTable) + ", " + std::to_string(rules) +
                       (rules == 1 ? " rule" : " rules");
    if (rules4 && !role.replyRoute4InPlace)
        cell += ", no inet route";
    if (rules6 && !role.replyRoute6InPlace)
        cell += ", no inet6 route";
    return cell;
}

nlohmann::json pinningJson(const PinningView &pinning)
{
    auto textOrNull = [](const std::string &text) { return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text); };
    return {{"available", pinning.available},
            {"program", textOrNull(pinning.program)},
            {"problem", textOrNull(pinning.problem)},
            {"pinned_processes", pinning.processes},
            {"refused_sockets", pinning.refused}};
}

std::string pinningLine(const std::string &role, const PinningView &pinning)
{
    if (!pinning.available)
        return "role " + role + ": kernel pinning not available: " + (pinning.problem.empty() ? notSent : pinning.problem) +
               "\n";
    auto count = [](uint64_t n, const char *one, const char *many) { return std::to_string(n) + " " + (n == 1 ? one : many); };
    return "role " + role + ": kernel pinning with " + pinning.program + ", " +
           count(pinning.processes, "process", "processes") + " pinned, " + count(pinning.refused, "socket", "sockets") +
           " refused\n";
}

using HealthDetailsType =
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string, uint64_t, uint32_t, uint32_t>>;

HealthView healthViewFrom(const PropertyReader &read)
{
    HealthView view;
    view.states = read.valueOf<std::map<std::string, std::string>>("Health");
    view.demoted = read.valueOf<std::vector<std::string>>("Demoted");
    for (const auto &entry : read.valueOf<HealthDetailsType>("HealthDetails"))
        view.targets.push_back({entry.get<0>(), entry.get<1>(), entry.get<2>(), entry.get<3>(), entry.get<4>(),
                                entry.get<5>(), entry.get<6>(), entry.get<7>()});
    return view;
}

bool isDemoted(const HealthView &health, const std::string &family)
{
    return std::find(health.demoted.begin(), health.demoted.end(), family) != health.demoted.end();
}

std::string millisecondsText(uint64_t microseconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(microseconds) / 1000.0);
    return text;
}

nlohmann::json healthJson(const HealthView &health)
{
    if (health.states.empty())
        return nullptr;
    nlohmann::json out = nlohmann::json::object();
    for (const auto &[family, state] : health.states) {
        nlohmann::json targets = nlohmann::json::array();
        for (const auto &target : health.targets) {
            if (target.family != family)
                continue;
            targets.push_back({{"target", target.target},
                               {"status", target.status},
                               {"last_result", target.lastResult},
                               {"detail", target.detail.empty() ? nlohmann::json(nullptr) : nlohmann::json(target.detail)},
                               {"rtt_ms", target.rttMicroseconds ? nlohmann::json(target.rttMicroseconds / 1000.0)
                                                                 : nlohmann::json(nullptr)},
                               {"failures_in_row", target.failuresInRow},
                               {"successes_in_row", target.successesInRow}});
        }
        out[family] = {{"state", state}, {"demoted", isDemoted(health, family)}, {"targets", std::move(targets)}};
    }
    return out;
}

// "192.0.2.1 up (ok, 0.41 ms)", "192.0.2.1 down (timeout, 3 failures in a row)".
std::string targetText(const HealthTargetView &target)
{
    std::string what = target.lastResult == "none" ? std::string("not probed yet") : target.lastResult;
    if (!target.detail.empty())
        what += ": " + target.detail;
    if (target.lastResult == "ok" && target.rttMicroseconds)
        what += ", " + millisecondsText(target.rttMicroseconds);
    if (target.failuresInRow)
        what += ", " + std::to_string(target.failuresInRow) + (target.failuresInRow == 1 ? " failure" : " failures") +
                " in a row";
    return target.target + " " + target.status + " (" + what + ")";
}

std::string healthLines(const std::string &role, const HealthView &health)
{
    std::string out;
    for (const auto &[family, state] : health.states) {
        std::string line = "role " + role + ": health " + family + " " + state;
        if (isDemoted(health, family))
            line += ", routes demoted";
        std::string targets;
        for (const auto &target : health.targets)
            if (target.family == family)
                targets += (targets.empty() ? "" : "; ") + targetText(target);
        out += line + ": " + (targets.empty() ? std::string("nothing to probe") : targets) + "\n";
    }
    return out;
}

std::string familyCell(const FamilyView &family)
{
    std::string gateway = family.gateway.empty() ? "no gateway" : family.gateway;
    if (family.learned)
        gateway += " (learned)";
    return gateway + ", " + (family.routeInPlace ? "in place" : "no route");
}

} // namespace

void PropertyTypeWarnings::unexpectedType(const std::string &role, const std::string &property,
                                          const std::string &expected, const std::string &found)
{
    if (!warned_.insert(property).second)
        return;
    out_ << "ifpinctl status: warning: property " << property << " of role " << role << " has D-Bus type '"
         << found << "' where ifpinctl expects '" << expected << "'; shown as not sent\n";
}

RoleView roleViewFrom(const std::string &name, const std::map<std::string, sdbus::Variant> &properties,
                      PropertyTypeWarnings &warnings)
{
    const PropertyReader read(name, properties, warnings);
    RoleView view;
    view.name = name;
    view.interface = read.valueOf<std::string>("Interface");
    view.linkState = read.valueOf<std::string>("LinkState", notSent);
    view.metric = read.valueOf<uint32_t>("Metric");
    view.state = read.valueOf<std::string>("State", notSent);
    if (properties.contains("StateReason"))
        view.stateReason = read.valueOf<std::string>("StateReason");
    view.inet = {read.valueOf<std::string>("Gateway4"), read.valueOf<bool>("Gateway4Learned"),
                 read.valueOf<bool>("Route4InPlace")};
    view.inet6 = {read.valueOf<std::string>("Gateway6"), read.valueOf<bool>("Gateway6Learned"),
                  read.valueOf<bool>("Route6InPlace")};
    view.socketsServed = read.valueOf<uint64_t>("SocketsServed");
    view.requestsDenied = read.valueOf<uint64_t>("RequestsDenied");
    view.restorations = read.valueOf<uint64_t>("Restorations");
    view.egressDropped = read.valueOf<uint64_t>("EgressDropped");
    view.outrankedBy = read.valueOf<std::vector<std::string>>("OutrankedBy");
    if (properties.contains("PinAvailable"))
        view.pinning = PinningView{read.valueOf<bool>("PinAvailable"), read.valueOf<std::string>("PinProgram"),
                                   read.valueOf<std::string>("PinProblem"), read.valueOf<uint32_t>("PinnedProcesses"),
                                   read.valueOf<uint64_t>("PinRefused")};
    view.returnRouting = read.valueOf<bool>("ReturnRouting");
    view.replyTable = read.valueOf<uint32_t>("ReplyTable");
    view.replyRules4 = read.valueOf<std::vector<std::string>>("ReplyRules4");
    view.replyRules6 = read.valueOf<std::vector<std::string>>("ReplyRules6");
    view.replyRoute4InPlace = read.valueOf<bool>("ReplyRoute4InPlace");
    view.replyRoute6InPlace = read.valueOf<bool>("ReplyRoute6InPlace");
    if (properties.contains("Health"))
        view.health = healthViewFrom(read);

    return view;
}

nlohmann::json statusJson(const std::vector<RoleView> &roles, const std::string &version)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto &role : roles) {
        list.push_back({{"name", role.name},
                        {"interface", role.interface},
                        {"link_state", role.linkState},
                        {"metric", role.metric},
                        {"state", role.state},
                        {"inet", familyJson(role.inet, role.replyRules4, role.replyRoute4InPlace)},
                        {"inet6", familyJson(role.inet6, role.replyRules6, role.replyRoute6InPlace)},
                        {"sockets_served", role.socketsServed},
                        {"requests_denied", role.requestsDenied},
                        {"restorations", role.restorations},
                        {"egress_dropped", role.egressDropped},
                        {"outranked_by", role.outrankedBy},
                        {"return_routing", role.returnRouting},
                        {"reply_table", role.replyTable}});
        if (role.pinning)
            list.back()["kernel_pinning"] = pinningJson(*role.pinning);
        // Only when there is one (no-gateway), as the table's line below it.
        if (!role.stateReason.empty())
            list.back()["state_reason"] = role.stateReason;
        if (role.health)
            list.back()["health"] = healthJson(*role.health);
    }
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
        {"ROLE", "STATE", "INTERFACE", "METRIC", "IPV4", "IPV6", "RETURN", "SOCKETS", "RESTORATIONS", "DROPPED"}};
    for (const auto &role : roles)
        rows.push_back({role.name, role.state, role.interface + " (" + role.linkState + ")",
                        std::to_string(role.metric), familyCell(role.inet), familyCell(role.inet6), returnCell(role),
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
    for (const auto &role : roles)
        if (!role.stateReason.empty())
            out += "role " + role.name + " is " + role.state + ": " + role.stateReason + "\n";
    for (const auto &role : roles)
        if (role.pinning)
            out += pinningLine(role.name, *role.pinning);
    for (const auto &role : roles)
        if (role.health)
            out += healthLines(role.name, *role.health);
    return out;
}

} // namespace ifpinctl
