// Which rules the roles want from their addresses, and the order of the changes that get there.
#include <gtest/gtest.h>

#include "rule_test_support.hpp"

namespace ifpin {
namespace {

using namespace test;

std::vector<RuleFact> rulesOf(const std::vector<WantedRule> &wanted)
{
    std::vector<RuleFact> rules;
    for (const auto &want : wanted)
        rules.push_back(want.rule);
    return rules;
}

TEST(WantedRules, TheMainRuleThenOneRulePerAddressOfEachRole)
{
    KernelState kernel = kernelWith({address(media, "192.0.2.2"), address(media, "2001:db8:1::2"),
                                     address(mgmt, "198.51.100.2"), address(mgmt, "198.51.100.3"),
                                     address(mgmt, "2001:db8:2::2")});
    auto wanted = wantedRules(returningRoles(), kernel, ours);
    EXPECT_EQ(rulesOf(wanted),
              (std::vector<RuleFact>{mainRule(Family::inet), mainRule(Family::inet6), reply("192.0.2.2", 32001, 1001),
                                     reply("2001:db8:1::2", 32001, 1001), reply("198.51.100.2", 32002, 1002),
                                     reply("198.51.100.3", 32002, 1002), reply("2001:db8:2::2", 32002, 1002)}));
    EXPECT_EQ(wanted[0].role, "");
    EXPECT_EQ(wanted[4].role, "mgmt");
    EXPECT_EQ(describe(wanted[0].rule), "32000: from all lookup 254 suppress_prefixlength 0 proto 241");
}

// Link-local addresses are answered on the link; a tentative or DAD-failed one is not used yet; an
// optimistic one is; a deprecated one still answers its connections.
TEST(WantedRules, OnlyAddressesTheKernelWouldAnswerFromThroughTheGateway)
{
    KernelState kernel = kernelWith({address(mgmt, "fe80::2", 0, RT_SCOPE_LINK), address(mgmt, "169.254.7.7"),
                                     address(mgmt, "2001:db8:2::4", IFA_F_TENTATIVE),
                                     address(mgmt, "2001:db8:2::5", IFA_F_TENTATIVE | IFA_F_DADFAILED),
                                     address(mgmt, "2001:db8:2::6", IFA_F_TENTATIVE | IFA_F_OPTIMISTIC),
                                     address(mgmt, "2001:db8:2::7", IFA_F_DEPRECATED)});
    auto wanted = wantedRules(returningRoles(), kernel, ours);
    EXPECT_EQ(rulesOf(wanted), (std::vector<RuleFact>{mainRule(Family::inet), mainRule(Family::inet6),
                                                      reply("2001:db8:2::6", 32002, 1002),
                                                      reply("2001:db8:2::7", 32002, 1002)}));
}

TEST(WantedRules, NothingWithoutReturnRoutingAndNoRoleRuleWithoutItsInterface)
{
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2")});
    Config off = returningRoles();
    off.roles[0].returnRouting = off.roles[1].returnRouting = false;
    EXPECT_TRUE(wantedRules(off, kernel, ours).empty());

    Config moved = returningRoles();
    moved.roles[1].interface = "mgmt9"; // not there
    EXPECT_EQ(rulesOf(wantedRules(moved, kernel, ours)),
              (std::vector<RuleFact>{mainRule(Family::inet), mainRule(Family::inet6)}));
}

TEST(WantedRules, AnAddressWithTwoPrefixLengthsGetsOneRule)
{
    AddressFact wide = address(mgmt, "198.51.100.2");
    wide.prefixLength = 16;
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2"), wide});
    auto wanted = wantedRules(returningRoles(), kernel, ours);
    EXPECT_EQ(std::count(wanted.begin(), wanted.end(), WantedRule{"mgmt", reply("198.51.100.2", 32002, 1002)}), 1);
}

TEST(RulePlanner, AddsWhatIsMissingMainRuleFirst)
{
    std::vector<WantedRule> wanted{{"mgmt", reply("198.51.100.2", 32002, 1002)}, {"", mainRule(Family::inet)}};
    auto plan = planRules(wanted, {});
    EXPECT_EQ(plan.add, (std::vector<WantedRule>{{"", mainRule(Family::inet)},
                                                 {"mgmt", reply("198.51.100.2", 32002, 1002)}}));
    EXPECT_TRUE(plan.remove.empty());
    EXPECT_TRUE(planRules(wanted, std::vector{reply("198.51.100.2", 32002, 1002), mainRule(Family::inet)}).empty());
}

// A priority or table that moves: the new rule is added, then the old one removed; the main rule,
// when it goes, goes last.
TEST(RulePlanner, MakesBeforeItBreaks)
{
    std::vector<WantedRule> wanted{{"", mainRule(Family::inet, 31000)}, {"mgmt", reply("198.51.100.2", 31002, 2002)}};
    std::vector<RuleFact> actual{mainRule(Family::inet), reply("198.51.100.2", 32002, 1002)};
    auto plan = planRules(wanted, actual);
    EXPECT_EQ(plan.add, wanted);
    EXPECT_EQ(plan.remove, (std::vector<RuleFact>{reply("198.51.100.2", 32002, 1002), mainRule(Family::inet)}));
}

TEST(RulePlanner, RulesNobodyWantsGoAndAHeldTwiceRuleIsRemovedOnce)
{
    RuleFact stale = reply("198.51.100.3", 32002, 1002);
    auto plan = planRules({}, std::vector{stale, stale});
    EXPECT_EQ(plan.remove, (std::vector<RuleFact>{stale}));
    std::vector<WantedRule> wanted{{"mgmt", stale}};
    EXPECT_TRUE(planRules(wanted, std::vector{stale, stale}).empty());
}

} // namespace
} // namespace ifpin
