// The egress guard's pure half (docs/security.md): the mark each role's sockets carry, the nftables
// ruleset that drops marked packets leaving by any other interface, and the per-role drop counters
// read back from `nft -j`. No kernel here: egress_guard.hpp programs and reads it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ifpin {

// Every role mark is egressMarkPrefix | (16 bits). Admins with fwmark-based `ip rule`s or nftables
// marks must keep clear of 0x6970xxxx.
inline constexpr uint32_t egressMarkPrefix = 0x69700000;
inline constexpr const char *egressTableFamily = "inet";
inline constexpr const char *egressTableName = "ifpind";

// 16-bit FNV-1a: the 32-bit hash folded (high half XOR low half).
uint16_t fnv1a16(std::string_view text);

// The mark of each role: egressMarkPrefix | fnv1a16(name). On a collision the names are taken in
// sorted order and the later one probes linearly (+1, wrapping in 16 bits) to the next free value, so
// the result depends on the set of names only, never on their order in the configuration.
std::map<std::string, uint32_t, std::less<>> egressMarks(std::vector<std::string> roleNames);

struct EgressRule {
    std::string role;
    std::string interface;
    uint32_t mark = 0;

    friend bool operator==(const EgressRule &, const EgressRule &) = default;
};

// One rule per role (sorted by role), marks from egressMarks().
std::vector<EgressRule> egressRules(const std::vector<std::pair<std::string, std::string>> &roleInterfaces);

// One nft transaction that creates or replaces `table inet ifpind` whole: with no rules, the table
// holds an empty chain. An interface name nft cannot quote (a '"' or '\\' in it) gets a rule that
// drops every packet of the role: fail closed.
std::string egressRulesetScript(const std::vector<EgressRule> &rules);
// The transaction that removes the table, whether or not it exists.
std::string egressRemovalScript();

// Role => packets dropped, from the JSON of `nft -j list table inet ifpind` (rules whose comment is
// "role NAME"). Throws std::runtime_error when the text is not nft's JSON.
std::map<std::string, uint64_t, std::less<>> egressDropCounters(const nlohmann::json &listing);

} // namespace ifpin
