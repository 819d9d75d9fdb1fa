// The egress guard's pure half (docs/security.md): the mark each role's sockets carry, the nftables
// ruleset that drops marked packets leaving by any other interface, and the per-role drop counters
// read back from `nft -j`. No kernel here: egress_guard.hpp programs and reads it.
#pragma once

#include <cstdint>
#include <map>
#include <set>
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
// the result depends on the set of names only, never on their order in the configuration. Marks in
// `reserved` (retired marks, below) are never given out: they count as taken from the start.
std::map<std::string, uint32_t, std::less<>> egressMarks(std::vector<std::string> roleNames,
                                                         const std::set<uint32_t> &reserved = {});

struct EgressRule {
    std::string role;
    std::string interface; // empty for a retired mark
    uint32_t mark = 0;
    // A mark whose role is gone (a reload removed it) or whose value moved: sockets handed out with
    // it live on in the processes that hold them, so the table drops everything they send, from any
    // interface, for as long as the table exists (docs/security.md).
    bool retired = false;

    friend bool operator==(const EgressRule &, const EgressRule &) = default;
};

// One rule per role (sorted by role), marks from egressMarks().
std::vector<EgressRule> egressRules(const std::vector<std::pair<std::string, std::string>> &roleInterfaces);

// The rules for the roles in force, given what the table holds now (`previous`: read back from the
// kernel at start, the last write afterwards): the roles' rules, sorted by role, then every retired
// mark of `previous` and every mark of `previous` whose role is gone or whose value moved, as
// retired rules sorted by mark. No role is given a retired mark; a role that comes back under its
// old name and gets its old mark takes its retired rule back.
std::vector<EgressRule> planEgressRules(const std::vector<std::pair<std::string, std::string>> &roleInterfaces,
                                        const std::vector<EgressRule> &previous);

// The rules ifpind wrote, from the JSON of `nft -j list table inet ifpind`: comment "role NAME" or
// "retired role NAME" and a `meta mark ==` match; anything else in the table is not ifpind's and is
// left out. Throws std::runtime_error when the text is not nft's JSON.
std::vector<EgressRule> egressRulesInTable(const nlohmann::json &listing);

// One nft transaction that creates or replaces `table inet ifpind` whole: with no rules, the table
// holds an empty chain. An interface name nft would not take literally (a '"', '\\', '*' or control
// byte in it) gets a rule that drops every packet of the role: fail closed. A retired mark gets
// `meta mark M counter drop comment "retired role NAME"`.
std::string egressRulesetScript(const std::vector<EgressRule> &rules);
// The transaction that removes the table, whether or not it exists.
std::string egressRemovalScript();

// Role => packets dropped, from the JSON of `nft -j list table inet ifpind` (rules whose comment is
// "role NAME"). Throws std::runtime_error when the text is not nft's JSON.
std::map<std::string, uint64_t, std::less<>> egressDropCounters(const nlohmann::json &listing);

} // namespace ifpin
