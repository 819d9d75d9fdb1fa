// Return routing's keys: return_routing, reply_table and reply_priority per role, main_rule_priority
// in [daemon]; their defaults, and every way they can be wrong, each error located.
#include "config_test_support.hpp"

namespace ifpin {
namespace {

using namespace test;
using testing::ElementsAre;
using testing::IsEmpty;

std::string twoRoles(std::string_view mediaExtra = "", std::string_view mgmtExtra = "",
                     std::string_view daemonExtra = "")
{
    // Line 1 [daemon], 2 daemonExtra, 3 [role.media], 4-5 keys, 6 mediaExtra, 7 [role.mgmt], 8-9, 10 mgmtExtra.
    return lines({"[daemon]", daemonExtra, "[role.media]", "interface = \"eth0\"", "metric = 100", mediaExtra,
                  "[role.mgmt]", "interface = \"eth3\"", "metric = 1000", mgmtExtra});
}

TEST(ReturnRoutingConfig, OnByDefaultWithTheDefaultsOfEachRolesPosition)
{
    auto result = parse(twoRoles());
    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->daemon.mainRulePriority, 32000u);
    const auto &roles = result.config->roles;
    ASSERT_EQ(roles.size(), 2u);
    EXPECT_TRUE(roles[0].returnRouting);
    EXPECT_EQ(roles[0].replyTable, 1001u);
    EXPECT_EQ(roles[0].replyPriority, 32001u);
    EXPECT_TRUE(roles[1].returnRouting);
    EXPECT_EQ(roles[1].replyTable, 1002u);
    EXPECT_EQ(roles[1].replyPriority, 32002u);
}

TEST(ReturnRoutingConfig, TakesTheFilesValues)
{
    auto result = parse(twoRoles("reply_table = 241\nreply_priority = 501", "reply_table = \"mgmt\"",
                                 "main_rule_priority = 500"));
    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->daemon.mainRulePriority, 500u);
    EXPECT_EQ(result.config->roles[0].replyTable, 241u);
    EXPECT_EQ(result.config->roles[0].replyPriority, 501u);
    EXPECT_EQ(result.config->roles[1].replyTable, 200u); // rt_tables: "200 mgmt"
    EXPECT_EQ(result.config->roles[1].replyPriority, 502u); // main_rule_priority + position
}

TEST(ReturnRoutingConfig, OffForOneRole)
{
    auto result = parse(twoRoles("", "return_routing = false"));
    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_TRUE(result.config->roles[0].returnRouting);
    EXPECT_FALSE(result.config->roles[1].returnRouting);
}

TEST(ReturnRoutingConfig, RefusesTheKernelsTablesAndTheManagedOne)
{
    for (std::string_view table : {"\"main\"", "254", "\"local\"", "255", "\"default\"", "253"}) {
        auto result = parse(twoRoles("", "reply_table = " + std::string(table)));
        EXPECT_THAT(result.errors, ElementsAre(isError(10, "role.mgmt.reply_table",
                                                       "expected a table of the role's own, got the kernel's table")))
            << table;
    }
    auto managed = parse(twoRoles("reply_table = \"media\"", "", "table = 100"));
    EXPECT_THAT(managed.errors,
                ElementsAre(isError(6, "role.media.reply_table", "got the managed table 100 (daemon.table)")));
}

TEST(ReturnRoutingConfig, RefusesTablesThatAreNoTables)
{
    auto zero = parse(twoRoles("reply_table = 0"));
    EXPECT_THAT(zero.errors, ElementsAre(isError(6, "role.media.reply_table", "between 1 and 4294967295, got 0")));
    auto large = parse(twoRoles("reply_table = 4294967296"));
    EXPECT_THAT(large.errors, ElementsAre(isError(6, "role.media.reply_table", "got 4294967296")));
    auto unknown = parse(twoRoles("reply_table = \"nosuch\""));
    EXPECT_THAT(unknown.errors, ElementsAre(isError(6, "role.media.reply_table", "unknown routing table name")));
    auto type = parse(twoRoles("reply_table = true"));
    EXPECT_THAT(type.errors,
                ElementsAre(isError(6, "role.media.reply_table", "expected a routing table name or number")));
}

TEST(ReturnRoutingConfig, TwoRolesMayNotShareATableOrAPriority)
{
    // mgmt takes media's default table; then media's explicit priority is mgmt's default.
    auto table = parse(twoRoles("", "reply_table = 1001"));
    EXPECT_THAT(table.errors,
                ElementsAre(isError(10, "role.mgmt.reply_table", "reply table 1001 is already used by role media")));
    auto priority = parse(twoRoles("reply_priority = 32002"));
    EXPECT_THAT(priority.errors, ElementsAre(isError(7, "role.mgmt.reply_priority",
                                                     "rule priority 32002 is already used by role media")));
    // A role without return routing uses neither, so it clashes with nobody.
    auto off = parse(twoRoles("", "reply_table = 1001\nreply_priority = 32001\nreturn_routing = false"));
    expectValid(off);
}

TEST(ReturnRoutingConfig, PrioritiesStayBetweenTheKernelsRulesAndAfterTheMainRule)
{
    for (std::string_view value : {"0", "32766", "-5", "4294967296"}) {
        auto result = parse(twoRoles("reply_priority = " + std::string(value)));
        EXPECT_THAT(result.errors,
                    ElementsAre(isError(6, "role.media.reply_priority", "expected a rule priority between 1 and 32765")))
            << value;
        auto daemon = parse(twoRoles("", "", "main_rule_priority = " + std::string(value)));
        EXPECT_THAT(daemon.errors,
                    ElementsAre(isError(2, "daemon.main_rule_priority", "expected a rule priority between 1 and 32765")))
            << value;
    }
    auto beforeMain = parse(twoRoles("reply_priority = 32000"));
    EXPECT_THAT(beforeMain.errors, ElementsAre(isError(6, "role.media.reply_priority",
                                                       "expected a priority above daemon.main_rule_priority (32000)")));
    auto type = parse(twoRoles("reply_priority = \"1\"", "", "main_rule_priority = 1.5"));
    EXPECT_THAT(type.errors, ElementsAre(isError(2, "daemon.main_rule_priority", "expected an integer"),
                                         isError(6, "role.media.reply_priority", "expected an integer")));
}

// main_rule_priority 32764 leaves room for one role: the second's default would be the kernel's 32766.
TEST(ReturnRoutingConfig, ADefaultPriorityThatDoesNotFitIsNamed)
{
    auto result = parse(twoRoles("", "", "main_rule_priority = 32764"));
    EXPECT_THAT(result.errors, ElementsAre(isError(7, "role.mgmt.reply_priority",
                                                   "the default of the role's position in the file: expected a rule "
                                                   "priority between 1 and 32765")));
    auto room = parse(twoRoles("", "", "main_rule_priority = 32763"));
    expectValid(room);
}

TEST(ReturnRoutingConfig, ReturnRoutingIsABoolean)
{
    auto result = parse(twoRoles("return_routing = \"yes\""));
    EXPECT_THAT(result.errors, ElementsAre(isError(6, "role.media.return_routing", "expected a boolean, got a string")));
}

} // namespace
} // namespace ifpin
