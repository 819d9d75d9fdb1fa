// RulePolicy from the config and the kernel facts down to the writes: make before break, what a
// failed write keeps, restorations, the status D-Bus shows, and the clean exit.
#include <cerrno>

#include <gtest/gtest.h>

#include "rule_test_support.hpp"
#include "rules/rule_policy.hpp"

namespace ifpin {
namespace {

using namespace test;

class RecordingWriter : public RuleWriter {
public:
    struct Write {
        bool add;
        RuleFact rule;
        friend bool operator==(const Write &, const Write &) = default;
    };
    NetlinkAck add(const RuleFact &rule) override
    {
        writes.push_back({true, rule});
        return {rule == failing ? addError : 0, ""};
    }
    NetlinkAck remove(const RuleFact &rule) override
    {
        writes.push_back({false, rule});
        return {removeError, ""};
    }
    std::vector<Write> writes;
    RuleFact failing; // the add that answers addError
    int addError = 0;
    int removeError = 0;
};

TEST(RulePolicy, PutsTheRulesInPlaceAndReportsThemPerRoleAndFamily)
{
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2"), address(mgmt, "2001:db8:2::2")});
    RulePolicy policy(ours);
    policy.setConfig(returningRoles());
    RecordingWriter writer;
    EXPECT_FALSE(policy.reconcile(kernel, writer, ReconcileTrigger::policy));
    EXPECT_EQ(writer.writes, (std::vector<RecordingWriter::Write>{{true, mainRule(Family::inet)},
                                                                  {true, mainRule(Family::inet6)},
                                                                  {true, reply("198.51.100.2", 32002, 1002)},
                                                                  {true, reply("2001:db8:2::2", 32002, 1002)}}));
    EXPECT_EQ(kernel.rules().size(), 4u) << "writes that took effect are recorded in the facts";
    const RoleRuleStatus *mgmtStatus = policy.status("mgmt");
    ASSERT_TRUE(mgmtStatus);
    EXPECT_EQ(mgmtStatus->inPlace[0], (std::vector<RuleFact>{mainRule(Family::inet), reply("198.51.100.2", 32002, 1002)}));
    EXPECT_EQ(mgmtStatus->inPlace[1], (std::vector<RuleFact>{mainRule(Family::inet6), reply("2001:db8:2::2", 32002, 1002)}));
    ASSERT_TRUE(policy.status("media"));
    EXPECT_EQ(policy.status("media")->inPlace[0], (std::vector<RuleFact>{mainRule(Family::inet)})) << "no address yet";

    writer.writes.clear();
    EXPECT_FALSE(policy.reconcile(kernel, writer, ReconcileTrigger::kernel));
    EXPECT_TRUE(writer.writes.empty()) << "nothing to do twice";
    EXPECT_EQ(mgmtStatus->restorations, 0u);
}

TEST(RulePolicy, ARuleDeletedBySomebodyElseIsARestoration)
{
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2")});
    RulePolicy policy(ours);
    policy.setConfig(returningRoles());
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);

    kernel.applyRule(true, reply("198.51.100.2", 32002, 1002));
    kernel.applyRule(true, mainRule(Family::inet));
    writer.writes.clear();
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    EXPECT_EQ(writer.writes, (std::vector<RecordingWriter::Write>{{true, mainRule(Family::inet)},
                                                                  {true, reply("198.51.100.2", 32002, 1002)}}));
    EXPECT_EQ(policy.status("mgmt")->restorations, 1u) << "two rules of one family in one reconcile: one";
    EXPECT_EQ(policy.status("media")->restorations, 1u) << "the main rule is media's too";

    // A new address is no restoration: its rule was never in place.
    kernel.applyAddress(false, address(mgmt, "198.51.100.3"));
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    EXPECT_EQ(policy.status("mgmt")->restorations, 1u);
    kernel.applyRule(true, reply("198.51.100.3", 32002, 1002));
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    EXPECT_EQ(policy.status("mgmt")->restorations, 2u);
}

TEST(RulePolicy, AFailedAddKeepsTheOldRulesOfItsFamily)
{
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2"), address(mgmt, "2001:db8:2::2")});
    RulePolicy policy(ours);
    policy.setConfig(returningRoles());
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);

    Config moved = returningRoles();
    moved.roles[1].replyPriority = 32100;
    policy.setConfig(moved);
    writer.writes.clear();
    writer.failing = reply("198.51.100.2", 32100, 1002);
    writer.addError = ENOMEM;
    EXPECT_TRUE(policy.reconcile(kernel, writer, ReconcileTrigger::policy));
    EXPECT_EQ(writer.writes, (std::vector<RecordingWriter::Write>{{true, reply("198.51.100.2", 32100, 1002)},
                                                                  {true, reply("2001:db8:2::2", 32100, 1002)},
                                                                  {false, reply("2001:db8:2::2", 32002, 1002)}}))
        << "IPv6 moved; IPv4 keeps its old rule";
    EXPECT_NE(policy.status("mgmt")->lastError.find("cannot add rule 32100: from 198.51.100.2"), std::string::npos)
        << policy.status("mgmt")->lastError;

    writer.addError = 0;
    writer.writes.clear();
    EXPECT_FALSE(policy.reconcile(kernel, writer, ReconcileTrigger::kernel));
    EXPECT_EQ(writer.writes, (std::vector<RecordingWriter::Write>{{true, reply("198.51.100.2", 32100, 1002)},
                                                                  {false, reply("198.51.100.2", 32002, 1002)}}));
    EXPECT_TRUE(policy.status("mgmt")->lastError.empty());
}

// There already (EEXIST) or gone already (ENOENT): the goal holds, and the facts say so.
TEST(RulePolicy, AlreadyThereAndAlreadyGoneAreSuccesses)
{
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2")});
    RulePolicy policy(ours);
    policy.setConfig(returningRoles());
    RecordingWriter writer;
    writer.failing = reply("198.51.100.2", 32002, 1002);
    writer.addError = EEXIST;
    EXPECT_FALSE(policy.reconcile(kernel, writer, ReconcileTrigger::policy));
    EXPECT_EQ(policy.status("mgmt")->inPlace[0].size(), 2u);

    writer.removeError = ENOENT;
    policy.removeOwnRules(kernel, writer);
    EXPECT_TRUE(kernel.rules().empty());
}

TEST(RulePolicy, ReturnRoutingTurnedOffTakesTheRulesAwayRolesFirst)
{
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2")});
    RulePolicy policy(ours);
    policy.setConfig(returningRoles());
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);

    Config off = returningRoles();
    off.roles[0].returnRouting = off.roles[1].returnRouting = false;
    policy.setConfig(off);
    writer.writes.clear();
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    EXPECT_EQ(writer.writes, (std::vector<RecordingWriter::Write>{{false, reply("198.51.100.2", 32002, 1002)},
                                                                  {false, mainRule(Family::inet)},
                                                                  {false, mainRule(Family::inet6)}}));
    EXPECT_FALSE(policy.status("mgmt"));
}

TEST(RulePolicy, RemoveOwnRulesRemovesTheRolesRulesBeforeTheMainRule)
{
    KernelState kernel = kernelWith({address(mgmt, "198.51.100.2")});
    RulePolicy policy(ours);
    policy.setConfig(returningRoles());
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    writer.writes.clear();
    policy.removeOwnRules(kernel, writer);
    EXPECT_EQ(writer.writes, (std::vector<RecordingWriter::Write>{{false, reply("198.51.100.2", 32002, 1002)},
                                                                  {false, mainRule(Family::inet)},
                                                                  {false, mainRule(Family::inet6)}}));
    EXPECT_TRUE(kernel.rules().empty());
}

} // namespace
} // namespace ifpin
