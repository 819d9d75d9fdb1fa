// The egress guard's pure half: role marks, the nft script, and the drop counters from `nft -j`.
#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "egress/egress_ruleset.hpp"

namespace ifpin {
namespace {

TEST(EgressMarks, Fnv1a16FoldsTheThirtyTwoBitHash)
{
    // FNV-1a 32 of "" is 0x811c9dc5, of "a" 0xe40c292c (the published test vectors).
    EXPECT_EQ(fnv1a16(""), 0x811c ^ 0x9dc5);
    EXPECT_EQ(fnv1a16("a"), 0xe40c ^ 0x292c);
}

TEST(EgressMarks, AreThePrefixAndTheHashOfTheName)
{
    auto marks = egressMarks({"mgmt", "media"});
    ASSERT_EQ(marks.size(), 2u);
    EXPECT_EQ(marks.at("mgmt"), egressMarkPrefix | fnv1a16("mgmt"));
    EXPECT_EQ(marks.at("media"), egressMarkPrefix | fnv1a16("media"));
    // The documented values (docs/security.md): a change here breaks admins' ip rules.
    EXPECT_EQ(marks.at("mgmt") & 0xffff0000u, 0x69700000u);
}

TEST(EgressMarks, DoNotDependOnTheOrderOfTheRoles)
{
    EXPECT_EQ(egressMarks({"a", "b", "media", "mgmt"}), egressMarks({"mgmt", "b", "media", "a"}));
}

TEST(EgressMarks, CollisionsProbeLinearlyInSortedOrder)
{
    // Find two names with the same 16-bit hash.
    std::string first, second;
    std::map<uint16_t, std::string> seen;
    for (int i = 0; second.empty(); ++i) {
        std::string name = "r" + std::to_string(i);
        auto [it, inserted] = seen.emplace(fnv1a16(name), name);
        if (!inserted) {
            first = std::min(it->second, name);
            second = std::max(it->second, name);
        }
    }
    uint32_t hash = egressMarkPrefix | fnv1a16(first);
    for (const auto &order : {std::vector<std::string>{first, second}, std::vector<std::string>{second, first}}) {
        auto marks = egressMarks(order);
        EXPECT_EQ(marks.at(first), hash) << first << " sorts first and keeps its hash";
        EXPECT_EQ(marks.at(second), egressMarkPrefix | static_cast<uint16_t>(fnv1a16(first) + 1)) << second;
    }
}

TEST(EgressMarks, ProbingWrapsInSixteenBits)
{
    // Probing from 0xffff wraps to 0x0000, staying inside the prefix.
    std::string name;
    for (int i = 0; name.empty(); ++i)
        if (fnv1a16("w" + std::to_string(i)) == 0xffff)
            name = "w" + std::to_string(i);
    std::string other;
    for (int i = 0; other.empty(); ++i)
        if (auto candidate = "x" + std::to_string(i); fnv1a16(candidate) == 0xffff && candidate > name)
            other = candidate;
    auto marks = egressMarks({name, other});
    EXPECT_EQ(marks.at(name), 0x6970ffffu);
    EXPECT_EQ(marks.at(other), 0x69700000u);
}

TEST(EgressRuleset, OneDropRulePerRoleInOneTransaction)
{
    auto rules = egressRules({{"mgmt", "mgmt0"}, {"media", "media0"}});
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].role, "media");
    EXPECT_EQ(rules[1].role, "mgmt");
    rules[0].mark = 0x69700001;
    rules[1].mark = 0x6970abcd;
    EXPECT_EQ(egressRulesetScript(rules),
              "table inet ifpind\n"
              "delete table inet ifpind\n"
              "table inet ifpind {\n"
              "\tchain egress {\n"
              "\t\ttype filter hook output priority filter; policy accept;\n"
              "\t\tmeta mark 0x69700001 oifname != \"media0\" counter drop comment \"role media\"\n"
              "\t\tmeta mark 0x6970abcd oifname != \"mgmt0\" counter drop comment \"role mgmt\"\n"
              "\t}\n"
              "}\n");
}

TEST(EgressRuleset, NoRolesIsAnEmptyChain)
{
    EXPECT_EQ(egressRulesetScript({}), "table inet ifpind\ndelete table inet ifpind\ntable inet ifpind {\n"
                                       "\tchain egress {\n"
                                       "\t\ttype filter hook output priority filter; policy accept;\n"
                                       "\t}\n}\n");
}

TEST(EgressRuleset, AnInterfaceNftCannotQuoteDropsAllOfTheRole)
{
    std::string script = egressRulesetScript({{"odd", "a\"b", 0x69700002}});
    EXPECT_NE(script.find("\t\tmeta mark 0x69700002 counter drop comment \"role odd\"\n"), std::string::npos)
        << script;
    EXPECT_EQ(script.find("a\"b"), std::string::npos) << script;
}

// Declaring the table first makes the delete succeed whether or not the table exists; that the
// kernel takes it both ways is the Egress integration case of the same name.
TEST(EgressRuleset, RemovalDeclaresTheTableBeforeDeletingIt)
{
    EXPECT_EQ(egressRemovalScript(), "table inet ifpind\ndelete table inet ifpind\n");
}

TEST(EgressCounters, ReadFromNftJson)
{
    // As `nft -j list table inet ifpind` prints it (nftables 1.0.6), trimmed.
    auto listing = nlohmann::json::parse(R"({"nftables": [
      {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
      {"table": {"family": "inet", "name": "ifpind", "handle": 7}},
      {"chain": {"family": "inet", "table": "ifpind", "name": "egress", "handle": 1, "type": "filter",
                 "hook": "output", "prio": 0, "policy": "accept"}},
      {"rule": {"family": "inet", "table": "ifpind", "chain": "egress", "handle": 2, "comment": "role media",
                "expr": [{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 1768947713}},
                         {"match": {"op": "!=", "left": {"meta": {"key": "oifname"}}, "right": "media0"}},
                         {"counter": {"packets": 0, "bytes": 0}}, {"drop": null}]}},
      {"rule": {"family": "inet", "table": "ifpind", "chain": "egress", "handle": 3, "comment": "role mgmt",
                "expr": [{"counter": {"packets": 3, "bytes": 99}}, {"drop": null}]}},
      {"rule": {"family": "inet", "table": "ifpind", "chain": "egress", "handle": 4, "comment": "someone else",
                "expr": [{"counter": {"packets": 7, "bytes": 1}}]}}
    ]})");
    auto counters = egressDropCounters(listing);
    EXPECT_EQ(counters.size(), 2u);
    EXPECT_EQ(counters.at("media"), 0u);
    EXPECT_EQ(counters.at("mgmt"), 3u);
}

TEST(EgressCounters, RejectsWhatIsNotNftJson)
{
    EXPECT_THROW(egressDropCounters(nlohmann::json::parse("[1, 2]")), std::runtime_error);
    EXPECT_THROW(egressDropCounters(nlohmann::json::parse(R"({"error": "x"})")), std::runtime_error);
}

// ---- retired marks (issue #15, item 4): a removed role's sockets live on ----

TEST(EgressPlan, ARemovedRolesMarkIsRetired)
{
    auto before = planEgressRules({{"media", "media0"}, {"mgmt", "mgmt0"}}, {});
    ASSERT_EQ(before.size(), 2u);
    uint32_t mgmtMark = before[1].mark;
    auto after = planEgressRules({{"media", "media0"}}, before);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0], before[0]);
    EXPECT_EQ(after[1], (EgressRule{"mgmt", "", mgmtMark, true}));
    // It stays retired through later changes, and its mark is given to no other role.
    auto later = planEgressRules({{"media", "media1"}, {"backup", "eth9"}}, after);
    EXPECT_NE(std::find(later.begin(), later.end(), EgressRule{"mgmt", "", mgmtMark, true}), later.end());
    for (const auto &rule : later) {
        if (!rule.retired) {
            EXPECT_NE(rule.mark, mgmtMark) << rule.role;
        }
    }
}

TEST(EgressPlan, ARoleThatComesBackTakesItsMarkBack)
{
    auto both = planEgressRules({{"media", "media0"}, {"mgmt", "mgmt0"}}, {});
    auto without = planEgressRules({{"media", "media0"}}, both);
    auto again = planEgressRules({{"media", "media0"}, {"mgmt", "eth3"}}, without);
    ASSERT_EQ(again.size(), 2u);
    EXPECT_FALSE(again[1].retired);
    EXPECT_EQ(again[1].mark, both[1].mark);
    EXPECT_EQ(again[1].interface, "eth3");
}

TEST(EgressPlan, AMarkThatMovesIsRetiredAndNeverReused)
{
    // Two names with one hash: the later (sorted) one probes to h + 1. Adding the first moves the
    // second's mark: its old value is retired, and no role gets it.
    std::string first, second;
    std::map<uint16_t, std::string> seen;
    for (int i = 0; second.empty(); ++i) {
        std::string name = "r" + std::to_string(i);
        auto [it, inserted] = seen.emplace(fnv1a16(name), name);
        if (!inserted) {
            first = std::min(it->second, name);
            second = std::max(it->second, name);
        }
    }
    auto alone = planEgressRules({{second, "eth1"}}, {});
    ASSERT_EQ(alone.size(), 1u);
    uint32_t old = alone[0].mark;
    EXPECT_EQ(old, egressMarkPrefix | fnv1a16(second));
    auto together = planEgressRules({{second, "eth1"}, {first, "eth0"}}, alone);
    std::map<std::string, uint32_t> current;
    bool oldRetired = false;
    for (const auto &rule : together) {
        if (rule.retired)
            oldRetired = oldRetired || (rule.mark == old && rule.role == second);
        else
            current[rule.role] = rule.mark;
    }
    EXPECT_TRUE(oldRetired);
    EXPECT_NE(current.at(first), old);
    EXPECT_NE(current.at(second), old);
    EXPECT_NE(current.at(first), current.at(second));
}

TEST(EgressPlan, RetiredRulesDropEverything)
{
    std::string script = egressRulesetScript({{"media", "media0", 0x69700001, false}, {"mgmt", "", 0x6970abcd, true}});
    EXPECT_NE(script.find("\t\tmeta mark 0x69700001 oifname != \"media0\" counter drop comment \"role media\"\n"),
              std::string::npos)
        << script;
    EXPECT_NE(script.find("\t\tmeta mark 0x6970abcd counter drop comment \"retired role mgmt\"\n"), std::string::npos)
        << script;
}

TEST(EgressRuleset, AWildcardInterfaceDropsAllOfTheRole)
{
    std::string script = egressRulesetScript({{"odd", "m*", 0x69700002}});
    EXPECT_NE(script.find("\t\tmeta mark 0x69700002 counter drop comment \"role odd\"\n"), std::string::npos)
        << script;
    EXPECT_EQ(script.find("m*"), std::string::npos) << script;
}

TEST(EgressTable, ReadBackFromNftJson)
{
    auto listing = nlohmann::json::parse(R"({"nftables": [
      {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
      {"table": {"family": "inet", "name": "ifpind", "handle": 7}},
      {"rule": {"family": "inet", "table": "ifpind", "chain": "egress", "handle": 2, "comment": "role media",
                "expr": [{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 1768947713}},
                         {"match": {"op": "!=", "left": {"meta": {"key": "oifname"}}, "right": "media0"}},
                         {"counter": {"packets": 0, "bytes": 0}}, {"drop": null}]}},
      {"rule": {"family": "inet", "table": "ifpind", "chain": "egress", "handle": 3, "comment": "retired role mgmt",
                "expr": [{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 1768991693}},
                         {"counter": {"packets": 3, "bytes": 99}}, {"drop": null}]}},
      {"rule": {"family": "inet", "table": "ifpind", "chain": "egress", "handle": 4, "comment": "someone else",
                "expr": [{"counter": {"packets": 7, "bytes": 1}}]}}
    ]})");
    auto rules = egressRulesInTable(listing);
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0], (EgressRule{"media", "media0", 1768947713u, false}));
    EXPECT_EQ(rules[1], (EgressRule{"mgmt", "", 1768991693u, true}));
    EXPECT_EQ(egressDropCounters(listing).count("mgmt"), 0u) << "a retired mark is no role's counter";
    EXPECT_THROW(egressRulesInTable(nlohmann::json::parse("[1]")), std::runtime_error);
}

} // namespace
} // namespace ifpin
