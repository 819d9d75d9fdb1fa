#include "egress/egress_ruleset.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <spdlog/fmt/fmt.h>

namespace ifpin {

uint16_t fnv1a16(std::string_view text)
{
    uint32_t hash = 2166136261u;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 16777619u;
    }
    return static_cast<uint16_t>((hash >> 16) ^ (hash & 0xffff));
}

std::map<std::string, uint32_t, std::less<>> egressMarks(std::vector<std::string> roleNames,
                                                         const std::set<uint32_t> &reserved)
{
    std::sort(roleNames.begin(), roleNames.end());
    roleNames.erase(std::unique(roleNames.begin(), roleNames.end()), roleNames.end());
    std::map<std::string, uint32_t, std::less<>> marks;
    std::set<uint16_t> taken;
    for (uint32_t mark : reserved)
        if ((mark & 0xffff0000u) == egressMarkPrefix)
            taken.insert(static_cast<uint16_t>(mark & 0xffff));
    if (roleNames.size() + taken.size() > 0x10000)
        throw std::runtime_error("more roles and retired marks than 16-bit marks");
    for (const auto &name : roleNames) {
        uint16_t low = fnv1a16(name);
        while (taken.contains(low)) // checked above: there is always a free value
            ++low;
        taken.insert(low);
        marks.emplace(name, egressMarkPrefix | low);
    }
    return marks;
}

std::vector<EgressRule> egressRules(const std::vector<std::pair<std::string, std::string>> &roleInterfaces)
{
    std::vector<std::string> names;
    for (const auto &[role, interface] : roleInterfaces)
        names.push_back(role);
    auto marks = egressMarks(names);
    std::vector<EgressRule> rules;
    for (const auto &[role, interface] : roleInterfaces)
        rules.push_back({role, interface, marks.at(role)});
    std::sort(rules.begin(), rules.end(), [](const auto &a, const auto &b) { return a.role < b.role; });
    return rules;
}

std::vector<EgressRule> planEgressRules(const std::vector<std::pair<std::string, std::string>> &roleInterfaces,
                                        const std::vector<EgressRule> &previous)
{
    std::set<std::string, std::less<>> names;
    for (const auto &[role, interface] : roleInterfaces)
        names.insert(role);
    std::map<uint32_t, std::string> retired;
    for (const auto &rule : previous)
        if (rule.retired)
            retired.emplace(rule.mark, rule.role);
    // Reserved: every retired mark but those of a name in force, which may get its own mark back.
    std::set<uint32_t> reserved;
    for (const auto &[mark, role] : retired)
        if (!names.contains(role))
            reserved.insert(mark);
    std::map<std::string, uint32_t, std::less<>> marks;
    // Each round reserves at least one more mark of `previous` or stops, so this ends.
    for (bool again = true; again;) {
        again = false;
        marks = egressMarks({names.begin(), names.end()}, reserved);
        for (const auto &rule : previous) {
            if (rule.retired || (names.contains(rule.role) && marks.at(rule.role) == rule.mark))
                continue;
            retired.emplace(rule.mark, rule.role); // gone, or its mark moved: old sockets carry it
        }
        for (const auto &[mark, role] : retired) {
            bool takenBack = names.contains(role) && marks.at(role) == mark;
            if (!takenBack && !reserved.contains(mark)) {
                reserved.insert(mark);
                again = true;
            }
        }
    }
    std::vector<EgressRule> rules;
    for (const auto &[role, interface] : roleInterfaces)
        rules.push_back({role, interface, marks.at(role), false});
    std::sort(rules.begin(), rules.end(), [](const auto &a, const auto &b) { return a.role < b.role; });
    for (const auto &[mark, role] : retired)
        if (!(names.contains(role) && marks.at(role) == mark))
            rules.push_back({role, "", mark, true});
    return rules;
}

namespace {

// A name nft takes literally inside "...": no quote or backslash to end or bend the string, no
// control byte, and no '*', which nft reads as a wildcard ("m*" would match media9). The
// configuration refuses such names already (value_checks.cpp); this is the second line.
bool literal(std::string_view text)
{
    return !text.empty() && std::none_of(text.begin(), text.end(), [](unsigned char c) {
        return c == '"' || c == '\\' || c == '*' || c < 0x20 || c == 0x7f;
    });
}

} // namespace

std::string egressRulesetScript(const std::vector<EgressRule> &rules)
{
    // "table" first makes "delete" valid when the table is absent; all three are one transaction.
    std::string script = fmt::format("table {0} {1}\ndelete table {0} {1}\ntable {0} {1} {{\n", egressTableFamily,
                                     egressTableName);
    script += "\tchain egress {\n\t\ttype filter hook output priority filter; policy accept;\n";
    for (const auto &rule : rules) {
        // Role names are [A-Za-z0-9_-] (config validation): always quotable.
        if (rule.retired)
            script += fmt::format("\t\tmeta mark {:#010x} counter drop comment \"retired role {}\"\n", rule.mark,
                                  rule.role);
        else if (literal(rule.interface))
            script += fmt::format("\t\tmeta mark {:#010x} oifname != \"{}\" counter drop comment \"role {}\"\n",
                                  rule.mark, rule.interface, rule.role);
        else
            script += fmt::format("\t\tmeta mark {:#010x} counter drop comment \"role {}\"\n", rule.mark, rule.role);
    }
    script += "\t}\n}\n";
    return script;
}

std::string egressRemovalScript()
{
    return fmt::format("table {0} {1}\ndelete table {0} {1}\n", egressTableFamily, egressTableName);
}

namespace {

const nlohmann::json &nftEntries(const nlohmann::json &listing)
{
    if (!listing.is_object() || !listing.contains("nftables") || !listing["nftables"].is_array())
        throw std::runtime_error("not nft's JSON: no \"nftables\" array");
    return listing["nftables"];
}

// The right-hand side of the rule's `meta KEY` match, or null.
const nlohmann::json *metaMatch(const nlohmann::json &expressions, std::string_view key)
{
    for (const auto &expression : expressions) {
        if (!expression.is_object() || !expression.contains("match") || !expression["match"].is_object())
            continue;
        const auto &match = expression["match"];
        if (match.contains("left") && match["left"].is_object() && match["left"].contains("meta") &&
            match["left"]["meta"].is_object() && match["left"]["meta"].value("key", "") == key &&
            match.contains("right"))
            return &match["right"];
    }
    return nullptr;
}

} // namespace

std::vector<EgressRule> egressRulesInTable(const nlohmann::json &listing)
{
    std::vector<EgressRule> rules;
    for (const auto &entry : nftEntries(listing)) {
        if (!entry.is_object() || !entry.contains("rule"))
            continue;
        const auto &rule = entry["rule"];
        if (!rule.is_object() || rule.value("table", "") != egressTableName || !rule.contains("comment") ||
            !rule["comment"].is_string() || !rule.contains("expr") || !rule["expr"].is_array())
            continue;
        std::string comment = rule["comment"];
        EgressRule found;
        if (comment.starts_with("retired role "))
            found = {comment.substr(13), "", 0, true};
        else if (comment.starts_with("role "))
            found = {comment.substr(5), "", 0, false};
        else
            continue;
        const nlohmann::json *mark = metaMatch(rule["expr"], "mark");
        if (!mark || !mark->is_number_unsigned() || mark->get<uint64_t>() > UINT32_MAX)
            continue;
        found.mark = mark->get<uint32_t>();
        if (const nlohmann::json *oifname = metaMatch(rule["expr"], "oifname"); oifname && oifname->is_string())
            found.interface = oifname->get<std::string>();
        rules.push_back(std::move(found));
    }
    return rules;
}

std::map<std::string, uint64_t, std::less<>> egressDropCounters(const nlohmann::json &listing)
{
    nftEntries(listing);
    std::map<std::string, uint64_t, std::less<>> counters;
    for (const auto &entry : listing["nftables"]) {
        if (!entry.is_object() || !entry.contains("rule"))
            continue;
        const auto &rule = entry["rule"];
        if (!rule.is_object() || rule.value("table", "") != egressTableName || !rule.contains("comment") ||
            !rule["comment"].is_string() || !rule.contains("expr") || !rule["expr"].is_array())
            continue;
        std::string comment = rule["comment"];
        if (!comment.starts_with("role "))
            continue;
        uint64_t packets = 0;
        for (const auto &expression : rule["expr"])
            if (expression.is_object() && expression.contains("counter") && expression["counter"].is_object() &&
                expression["counter"].contains("packets") && expression["counter"]["packets"].is_number_unsigned())
                packets += expression["counter"]["packets"].get<uint64_t>();
        counters[comment.substr(5)] += packets;
    }
    return counters;
}

} // namespace ifpin
