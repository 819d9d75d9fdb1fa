// What a role's D-Bus object shows, and which changes are signalled.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/if.h>

#include "bus/role_properties.hpp"

namespace ifpin {
namespace {

using testing::ElementsAre;
using testing::IsEmpty;

TEST(RoleProperties, LinkState)
{
    EXPECT_EQ(linkStateName(nullptr), "missing");
    LinkFact link{3, "eth0", 0};
    EXPECT_EQ(linkStateName(&link), "down");
    link.flags = IFF_UP;
    EXPECT_EQ(linkStateName(&link), "no-carrier");
    link.flags = IFF_UP | IFF_LOWER_UP;
    EXPECT_EQ(linkStateName(&link), "up");
}

TEST(RoleProperties, BeforeTheFirstReconcileTheConfigSpeaks)
{
    RoleConfig role;
    role.name = "mgmt";
    role.interface = "eth1";
    role.metric = 1000;
    role.gateway4 = IpAddress::parse("198.51.100.1");
    KernelState kernel(254);
    auto properties = describeRole(role, nullptr, kernel, {}, BrokerCounters{3, 1});
    EXPECT_EQ(properties.interface, "eth1");
    EXPECT_EQ(properties.metric, 1000u);
    EXPECT_EQ(properties.gateway4, "198.51.100.1");
    EXPECT_EQ(properties.gateway6, "");
    EXPECT_EQ(properties.linkState, "missing");
    EXPECT_EQ(properties.state, "no-interface");
    EXPECT_EQ(properties.socketsServed, 3u);
    EXPECT_EQ(properties.requestsDenied, 1u);
}

TEST(RoleProperties, FromStatusAndOutranking)
{
    RoleConfig role;
    role.name = "mgmt";
    role.interface = "eth1";
    role.metric = 1000;
    KernelState kernel(254);
    kernel.replaceLinks({LinkFact{2, "eth1", IFF_UP | IFF_LOWER_UP}, LinkFact{5, "other0", IFF_UP}});
    RoleStatus status;
    status.state = RoleState::enforced;
    status.ifindex = 2;
    status.restorations = 4;
    status.families[0].gatewayKnown = true;
    status.families[0].gatewayLearned = true;
    status.families[0].gateway = IpAddress::parse("198.51.100.1");
    status.families[0].routeInPlace = true;
    status.families[1].gatewayKnown = true;
    RouteFact foreign;
    foreign.ifindex = 5;
    foreign.metric = 5;
    foreign.protocol = 3;
    foreign.gateway = IpAddress::parse("203.0.113.66");
    std::vector<OutrankingRoute> outranking{{foreign, {"media", "mgmt"}}, {foreign, {"media"}}};

    auto properties = describeRole(role, &status, kernel, outranking, BrokerCounters{});
    EXPECT_EQ(properties.state, "enforced");
    EXPECT_EQ(properties.linkState, "up");
    EXPECT_EQ(properties.gateway4, "198.51.100.1");
    EXPECT_TRUE(properties.gateway4Learned);
    EXPECT_TRUE(properties.route4InPlace);
    EXPECT_EQ(properties.gateway6, "") << "on-link";
    EXPECT_FALSE(properties.route6InPlace);
    EXPECT_EQ(properties.restorations, 4u);
    EXPECT_THAT(properties.outrankedBy, ElementsAre("default via 203.0.113.66 dev other0 metric 5 proto 3"));
}

TEST(RoleProperties, ChangedPropertiesLeaveOutNameAndCounters)
{
    RoleProperties before;
    before.name = "mgmt";
    before.metric = 1000;
    RoleProperties after = before;
    EXPECT_THAT(changedProperties(before, after), IsEmpty());
    after.socketsServed = 9;
    after.requestsDenied = 2;
    EXPECT_THAT(changedProperties(before, after), IsEmpty());
    after.metric = 500;
    after.route4InPlace = true;
    after.outrankedBy = {"default dev other0 metric 0 proto 3"};
    EXPECT_THAT(changedProperties(before, after), ElementsAre("Metric", "Route4InPlace", "OutrankedBy"));
}

TEST(RoleProperties, ReturnRoutingFromTheRulesAndReplyRoutesInPlace)
{
    RoleConfig role;
    role.name = "mgmt";
    role.interface = "eth1";
    role.returnRouting = true;
    role.replyTable = 1002;
    role.replyPriority = 32002;
    RoleStatus status;
    status.state = RoleState::enforced;
    status.restorations = 4;
    status.replyRouteInPlace[0] = true;
    RoleRuleStatus rules;
    RuleFact mainRule;
    mainRule.priority = 32000;
    mainRule.table = 254;
    mainRule.suppressPrefixLength = 0;
    mainRule.protocol = 241;
    RuleFact own = mainRule;
    own.priority = 32002;
    own.table = 1002;
    own.suppressPrefixLength.reset();
    own.source = IpAddress::parse("198.51.100.2");
    rules.inPlace[0] = {mainRule, own};
    rules.restorations = 2;

    RoleProperties properties;
    properties.state = "enforced";
    properties.restorations = status.restorations;
    describeReturnRouting(properties, role, &status, &rules);
    EXPECT_TRUE(properties.returnRouting);
    EXPECT_EQ(properties.replyTable, 1002u);
    EXPECT_THAT(properties.replyRules4, ElementsAre("32000: from all lookup 254 suppress_prefixlength 0 proto 241",
                                                    "32002: from 198.51.100.2 lookup 1002 proto 241"));
    EXPECT_THAT(properties.replyRules6, IsEmpty());
    EXPECT_TRUE(properties.replyRoute4InPlace);
    EXPECT_FALSE(properties.replyRoute6InPlace);
    EXPECT_EQ(properties.restorations, 6u) << "routes and rules written again";
    EXPECT_EQ(properties.state, "enforced");

    rules.lastError = "cannot add rule ...";
    RoleProperties failing;
    failing.state = "enforced";
    describeReturnRouting(failing, role, &status, &rules);
    EXPECT_EQ(failing.state, "failed") << "a failed rule write, as a failed route write";
    RoleProperties down;
    down.state = "link-down";
    describeReturnRouting(down, role, &status, &rules);
    EXPECT_EQ(down.state, "link-down") << "what the link says comes first";
}

TEST(RoleProperties, WithoutReturnRoutingNothingOfIt)
{
    RoleConfig role;
    role.name = "mgmt";
    role.replyTable = 1002; // resolved by the config, but unused
    RoleProperties properties;
    describeReturnRouting(properties, role, nullptr, nullptr);
    EXPECT_FALSE(properties.returnRouting);
    EXPECT_EQ(properties.replyTable, 0u);
    EXPECT_THAT(properties.replyRules4, IsEmpty());
}

TEST(RoleProperties, ReturnRoutingChangesAreSignalled)
{
    RoleProperties before;
    RoleProperties after = before;
    after.returnRouting = true;
    after.replyTable = 1002;
    after.replyRules4 = {"32002: from 198.51.100.2 lookup 1002 proto 241"};
    after.replyRules6 = {"32002: from 2001:db8:2::2 lookup 1002 proto 241"};
    after.replyRoute4InPlace = after.replyRoute6InPlace = true;
    EXPECT_THAT(changedProperties(before, after), ElementsAre("ReturnRouting", "ReplyTable", "ReplyRules4", "ReplyRules6",
                                                              "ReplyRoute4InPlace", "ReplyRoute6InPlace"));
}

TEST(RoleProperties, HealthPerFamilyWithItsTargets)
{
    using namespace std::chrono_literals;
    FamilyHealth inet;
    inet.setTargets({"192.0.2.1"});
    for (int i = 0; i < 3; ++i)
        inet.record("192.0.2.1", {ProbeOutcome::ok, 410us, {}}, {3, 3});
    inet.record("192.0.2.1", {ProbeOutcome::timeout, 0us, {}}, {3, 3});
    FamilyHealth inet6;
    inet6.setTargets({}, "no inet6 gateway known");
    RoleProperties properties;
    addHealth(properties, Family::inet, HealthState::healthy, inet, false);
    addHealth(properties, Family::inet6, HealthState::unknown, inet6, false);
    EXPECT_EQ(properties.health, (std::map<std::string, std::string>{{"inet", "healthy"}, {"inet6", "unknown"}}));
    EXPECT_THAT(properties.demoted, IsEmpty());
    ASSERT_EQ(properties.healthDetails.size(), 1u);
    EXPECT_EQ(properties.healthDetails[0],
              (HealthTargetProperties{"inet", "192.0.2.1", "up", "timeout", "", 410, 1, 0}));

    FamilyHealth unprobed;
    unprobed.setTargets({"192.0.2.1"});
    RoleProperties demoted;
    addHealth(demoted, Family::inet, HealthState::down, unprobed, true);
    EXPECT_THAT(demoted.demoted, ElementsAre("inet"));
    EXPECT_EQ(demoted.healthDetails[0].lastResult, "none");
}

TEST(RoleProperties, HealthAndDemotionAreSignalledTheirDetailsAreNot)
{
    RoleProperties before;
    before.health = {{"inet", "healthy"}};
    RoleProperties after = before;
    after.healthDetails.push_back({"inet", "192.0.2.1", "up", "ok", "", 400, 0, 4});
    EXPECT_THAT(changedProperties(before, after), IsEmpty());
    after.health["inet"] = "down";
    after.demoted = {"inet"};
    EXPECT_THAT(changedProperties(before, after), ElementsAre("Health", "Demoted"));

}

} // namespace
} // namespace ifpin
