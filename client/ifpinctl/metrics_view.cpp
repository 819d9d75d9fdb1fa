// What `ifpinctl metrics` prints: see metrics_view.hpp.
#include "metrics_view.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <functional>
#include <string_view>
#include <utility>

namespace ifpinctl {

const std::vector<std::string> knownRoleStates{"enforced", "no-gateway", "link-down", "no-interface", "failed"};
const std::vector<std::string> knownLinkStates{"up", "down", "no-carrier", "missing"};
const std::vector<std::string> knownHealthStates{"healthy", "degraded", "down", "unknown"};

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// One line of a family: its labels besides role, and its value as the format writes it.
struct Sample {
    Labels labels;
    std::string value;
};

using SamplesOf = std::function<std::vector<Sample>(const RoleView &)>;

// One metric family with a sample (or several) per role.
struct RoleFamily {
    std::string_view name;
    std::string_view type; // "counter" or "gauge"
    std::string_view help;
    SamplesOf samples;
};

std::string number(bool value) { return value ? "1" : "0"; }
std::string number(uint64_t value) { return std::to_string(value); }
std::string number(uint32_t value) { return std::to_string(value); }

// A field of the role, as one sample.
template <typename T>
SamplesOf field(T RoleView::*member)
{
    return [member](const RoleView &role) { return std::vector<Sample>{{{}, number(role.*member)}}; };
}

// A field of each address family, as a sample labelled family="inet" and one family="inet6".
template <typename T>
SamplesOf perFamily(T FamilyView::*member)
{
    return [member](const RoleView &role) {
        return std::vector<Sample>{{{{"family", "inet"}}, number(role.inet.*member)},
                                   {{{"family", "inet6"}}, number(role.inet6.*member)}};
    };
}

// A state as the enum pattern: one sample per known value, 1 for the role's; its value too when unknown.
SamplesOf oneOf(std::string RoleView::*member, const std::vector<std::string> &known)
{
    return [member, &known](const RoleView &role) {
        std::vector<Sample> samples;
        for (const auto &state : known)
            samples.push_back({{{"state", state}}, number(state == role.*member)});
        if (std::find(known.begin(), known.end(), role.*member) == known.end())
            samples.push_back({{{"state", role.*member}}, "1"});
        return samples;
    };
}

// A text field as the label of an info metric, whose value is always 1.
SamplesOf info(std::string label, std::string RoleView::*member)
{
    return [label, member](const RoleView &role) { return std::vector<Sample>{{{{label, role.*member}}, "1"}}; };
}

// How many entries a list has.
SamplesOf countOf(std::vector<std::string> RoleView::*member)
{
    return [member](const RoleView &role) {
        return std::vector<Sample>{{{}, number(uint64_t{(role.*member).size()})}};
    };
}

// Uplink health, for roles with health checks only: per family one sample per known state, 1 for
// the family's (and its state too when unknown to this ifpinctl).
SamplesOf healthStates()
{
    return [](const RoleView &role) {
        std::vector<Sample> samples;
        if (!role.health)
            return samples;
        for (const auto &[family, current] : role.health->states) {
            for (const auto &state : knownHealthStates)
                samples.push_back({{{"family", family}, {"state", state}}, number(state == current)});
            if (std::find(knownHealthStates.begin(), knownHealthStates.end(), current) == knownHealthStates.end())
                samples.push_back({{{"family", family}, {"state", current}}, "1"});
        }
        return samples;
    };
}

SamplesOf healthDemoted()
{
    return [](const RoleView &role) {
        std::vector<Sample> samples;
        if (!role.health)
            return samples;
        for (const auto &[family, state] : role.health->states) {
            const auto &demoted = role.health->demoted;
            samples.push_back({{{"family", family}},
                               number(std::find(demoted.begin(), demoted.end(), family) != demoted.end())});
        }
        return samples;
    };
}

// A figure of each probe target, labelled family and target.
SamplesOf perTarget(const std::function<std::optional<std::string>(const HealthTargetView &)> &value)
{
    return [value](const RoleView &role) {
        std::vector<Sample> samples;
        if (!role.health)
            return samples;
        for (const auto &target : role.health->targets)
            if (auto text = value(target))
                samples.push_back({{{"family", target.family}, {"target", target.target}}, *text});
        return samples;
    };
}

std::string seconds(uint64_t microseconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.6f", static_cast<double>(microseconds) / 1e6);
    return text;
}

// Every role family, in the order printed. A new role property: one line here (and its field in
// RoleView, read in roleViewFrom), documented in docs/dbus-api.md's list of metrics.
const std::vector<RoleFamily> &roleFamilies()
{
    static const std::vector<RoleFamily> families{
        {"ifpin_role_info", "gauge", "The interface a role is on now, as the label interface; always 1.",
         info("interface", &RoleView::interface)},
        {"ifpin_role_route_metric", "gauge", "The metric of the role's default routes.", field(&RoleView::metric)},
        {"ifpin_role_state", "gauge",
         "The role's state: 1 for the one it is in (enforced, no-gateway, link-down, no-interface, failed), "
         "0 for the others.",
         oneOf(&RoleView::state, knownRoleStates)},
        {"ifpin_role_link_state", "gauge",
         "The state of the role's interface: 1 for the one it is in (up, down, no-carrier, missing), "
         "0 for the others.",
         oneOf(&RoleView::linkState, knownLinkStates)},
        {"ifpin_route_in_place", "gauge",
         "1 when the role's default route of the family is in the kernel as the policy wants it, else 0.",
         perFamily(&FamilyView::routeInPlace)},
        {"ifpin_outranking_routes", "gauge",
         "Default routes ifpind does not manage, on other interfaces, that win over the role's route.",
         countOf(&RoleView::outrankedBy)},
        {"ifpin_restorations_total", "counter",
         "Times a change by someone else made ifpind write the role's routes or rules again.",
         field(&RoleView::restorations)},
        {"ifpin_sockets_served_total", "counter", "Sockets the broker gave out for the role.",
         field(&RoleView::socketsServed)},
        {"ifpin_socket_requests_denied_total", "counter", "Socket requests for the role refused by its allow lists.",
         field(&RoleView::requestsDenied)},
        {"ifpin_egress_dropped_packets_total", "counter",
         "Packets of the role's sockets sent out of another interface and dropped by the egress guard.",
         field(&RoleView::egressDropped)},
        {"ifpin_return_routing", "gauge",
         "1 when what leaves from the role's addresses is routed by its reply table (return routing), else 0.",
         field(&RoleView::returnRouting)},
        {"ifpin_reply_rules", "gauge",
         "Return-routing rules of the role in the kernel now, the main rule among them.",
         [](const RoleView &role) {
             return std::vector<Sample>{{{{"family", "inet"}}, number(uint64_t{role.replyRules4.size()})},
                                        {{{"family", "inet6"}}, number(uint64_t{role.replyRules6.size()})}};
         }},
        {"ifpin_reply_route_in_place", "gauge",
         "1 when the role's default route of the family is in its reply table, else 0.",
         [](const RoleView &role) {
             return std::vector<Sample>{{{{"family", "inet"}}, number(role.replyRoute4InPlace)},
                                        {{{"family", "inet6"}}, number(role.replyRoute6InPlace)}};
         }},
        {"ifpin_role_health", "gauge",
         "The uplink health of the role's family: 1 for the state it is in (healthy, degraded, down, unknown), 0 for "
         "the others; roles with health checks only.",
         healthStates()},
        {"ifpin_role_demoted", "gauge",
         "1 while the role's default route of the family is demoted (on_down = \"demote\"), else 0.", healthDemoted()},
        {"ifpin_health_target_up", "gauge", "1 when the probe target is up, 0 when down or not known yet.",
         perTarget([](const HealthTargetView &t) -> std::optional<std::string> { return number(t.status == "up"); })},
        {"ifpin_health_target_failures", "gauge", "Probes of the target that failed in a row, now.",
         perTarget([](const HealthTargetView &t) -> std::optional<std::string> { return number(t.failuresInRow); })},
        {"ifpin_health_target_rtt_seconds", "gauge",
         "The round-trip time of the target's last answered probe (ICMP echo, TCP connect); none before one.",
         perTarget([](const HealthTargetView &t) -> std::optional<std::string> {
             if (!t.rttMicroseconds)
                 return std::nullopt;
             return seconds(t.rttMicroseconds);
         })},

    };
    return families;
}

// HELP text escapes backslash and newline (the format's rule; label values escape quotes too).
std::string escapeHelp(std::string_view help)
{
    std::string out;
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string header(std::string_view name, std::string_view type, std::string_view help)
{
    std::string out = "# HELP ";
    out.append(name).append(" ").append(escapeHelp(help)).append("\n# TYPE ");
    out.append(name).append(" ").append(type).append("\n");
    return out;
}

std::string sampleLine(std::string_view name, const Labels &labels, const std::string &value)
{
    std::string out(name);
    if (!labels.empty()) {
        out += '{';
        for (size_t i = 0; i < labels.size(); ++i)
            out += (i ? "," : "") + labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + "\"";
        out += '}';
    }
    return out + " " + value + "\n";
}

std::string upFamily(bool up)
{
    return header("ifpin_up", "gauge",
                  "1 when ifpinctl read ifpind's state over D-Bus, 0 when it could not (ifpind not running).") +
           sampleLine("ifpin_up", {}, number(up));
}

} // namespace

std::string escapeLabelValue(const std::string &value)
{
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string metricsText(const std::vector<RoleView> &roles, const std::string &version)
{
    std::string out = upFamily(true);
    out += header("ifpin_build_info", "gauge", "ifpind's version, as the label version; always 1.");
    out += sampleLine("ifpin_build_info", {{"version", version}}, "1");
    if (roles.empty())
        return out;
    for (const auto &family : roleFamilies()) {
        std::string lines;
        for (const auto &role : roles) {
            for (auto &sample : family.samples(role)) {
                sample.labels.insert(sample.labels.begin(), {"role", role.name});
                lines += sampleLine(family.name, sample.labels, sample.value);
            }
        }
        // A family no role has samples of (health, without checks) is left out, HELP and TYPE too.
        if (!lines.empty())
            out += header(family.name, family.type, family.help) + lines;
    }
    return out;
}

std::string metricsTextWithoutDaemon()
{
    return upFamily(false);
}

} // namespace ifpinctl
