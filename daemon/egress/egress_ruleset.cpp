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

std::map<std::string, uint32_t, std::less<>> egressMarks(std::vector<std::string> roleNames)
{
    std::sort(roleNames.begin(), roleNames.end());
    roleNames.erase(std::unique(roleNames.begin(), roleNames.end()), roleNames.end());
    std::map<std::string, uint32_t, std::less<>> marks;
    std::set<uint16_t> taken;
    for (const auto &name : roleNames) {
        uint16_t low = fnv1a16(name);
        while (taken.contains(low)) // at most 65536 roles: there is always a free value
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

namespace {

bool quotable(std::string_view text)
{
    return std::none_of(text.begin(), text.end(),
                        [](unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c == 0x7f; });
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
        if (quotable(rule.interface))
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

std::map<std::string, uint64_t, std::less<>> egressDropCounters(const nlohmann::json &listing)
{
    if (!listing.is_object() || !listing.contains("nftables") || !listing["nftables"].is_array())
        throw std::runtime_error("not nft's JSON: no \"nftables\" array");
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
