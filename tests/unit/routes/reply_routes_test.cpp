// Return routing's routes: each role's default route alone in its reply table (planReplyRoutes),
// and RoutePolicy keeping it there beside the managed table's, from the config down to the writes.
#include <gtest/gtest.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "routes/route_policy.hpp"

namespace ifpin {
namespace {

constexpr uint8_t ours = 241;
constexpr uint32_t mediaTable = 1001, mgmtTable = 1002;
constexpr int media = 2, mgmt = 3, other = 4;
using Kind = RouteChange::Kind;

IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

RouteFact replyRoute(uint32_t table, int ifindex, const char *gateway, uint32_t metric = 1000,
                     Family family = Family::inet, uint8_t protocol = ours)
{
    RouteFact route = makeOwnRoute(family, table, ifindex, ip(gateway), metric, ours);
    route.protocol = protocol;
    return route;
}

const std::vector<ReplyTable> tables{{"media", mediaTable, media}, {"mgmt", mgmtTable, mgmt}};

TEST(ReplyRoutePlanner, AddsTheRolesRouteToItsTable)
{
    std::vector<WantedRoute> wanted{{"mgmt", replyRoute(mgmtTable, mgmt, "198.51.100.1")}};
    auto plan = planReplyRoutes(wanted, tables, {}, ours);
    ASSERT_EQ(plan.roles.size(), 1u);
    EXPECT_TRUE(plan.roles[0].replyTable);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::add, wanted[0].route}}));
    EXPECT_TRUE(plan.roles[0].clear.empty());
    EXPECT_TRUE(plan.staleOwn.empty());
}

// The table is the role's: every other default route of the family in it goes, after ours is in,
// whatever its interface or protocol; the other family and the other tables are not its business.
TEST(ReplyRoutePlanner, ClearsEveryOtherRouteOfItsTableAfterMakingOurs)
{
    RouteFact want = replyRoute(mgmtTable, mgmt, "198.51.100.1");
    RouteFact oldGateway = replyRoute(mgmtTable, mgmt, "198.51.100.9");
    RouteFact otherInterface = replyRoute(mgmtTable, other, "203.0.113.66", 5, Family::inet, RTPROT_STATIC);
    RouteFact sixInSameTable = replyRoute(mgmtTable, mgmt, "2001:db8:2::1", 1000, Family::inet6);
    RouteFact mediasTable = replyRoute(mediaTable, media, "192.0.2.1", 100);
    std::vector<WantedRoute> wanted{{"mgmt", want}, {"media", mediasTable}};
    std::vector<RouteFact> actual{oldGateway, otherInterface, sixInSameTable, mediasTable};
    auto plan = planReplyRoutes(wanted, tables, actual, ours);
    ASSERT_EQ(plan.roles.size(), 2u);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::add, want}}));
    EXPECT_EQ(plan.roles[0].clear,
              (std::vector<RouteChange>{{Kind::remove, oldGateway}, {Kind::remove, otherInterface}}));
    EXPECT_TRUE(plan.roles[1].make.empty()) << "media's route is in place";
    EXPECT_TRUE(plan.roles[1].clear.empty());
    EXPECT_TRUE(plan.staleOwn.empty()) << "mgmt's IPv6 route: kept while the role's interface is mgmt0";
}

TEST(ReplyRoutePlanner, Ipv6RouteAtTheSameMetricAndNexthopIsReplaced)
{
    RouteFact want = replyRoute(mgmtTable, mgmt, "2001:db8:2::1", 1000, Family::inet6);
    RouteFact blocker = replyRoute(mgmtTable, mgmt, "2001:db8:2::1", 1000, Family::inet6, RTPROT_STATIC);
    auto plan = planReplyRoutes(std::vector<WantedRoute>{{"mgmt", want}}, tables, std::vector{blocker}, ours);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::replace, want}}));
    EXPECT_TRUE(plan.roles[0].clear.empty());
}

// No wanted route in a table (link down, no gateway): ifpind's route on the role's interface stays,
// as in the managed table; on another interface it is stale. A table no role has is stale whole;
// others' routes there are not ifpind's to remove.
TEST(ReplyRoutePlanner, WithoutAWantedRouteOnlyStaleOwnRoutesGo)
{
    RouteFact kept = replyRoute(mgmtTable, mgmt, "198.51.100.1");
    RouteFact movedAway = replyRoute(mgmtTable, other, "203.0.113.66");
    RouteFact foreign = replyRoute(mgmtTable, other, "203.0.113.66", 7, Family::inet, RTPROT_STATIC);
    RouteFact noRolesTable = replyRoute(1005, mgmt, "198.51.100.1");
    auto plan = planReplyRoutes({}, tables, std::vector{kept, movedAway, foreign, noRolesTable}, ours);
    EXPECT_TRUE(plan.roles.empty());
    EXPECT_EQ(plan.staleOwn, (std::vector<RouteChange>{{Kind::remove, movedAway}, {Kind::remove, noRolesTable}}));

    std::vector<ReplyTable> interfaceGone{{"mgmt", mgmtTable, 0}};
    auto gone = planReplyRoutes({}, interfaceGone, std::vector{kept}, ours);
    EXPECT_EQ(gone.staleOwn, (std::vector<RouteChange>{{Kind::remove, kept}}));
}

class RecordingWriter : public RouteWriter {
public:
    NetlinkAck add(const RouteFact &route, bool) override
    {
        added.push_back(route);
        return {0, ""};
    }
    NetlinkAck remove(const RouteFact &route) override
    {
        removed.push_back(route);
        return {0, ""};
    }
    NetlinkAck addIfAbsent(const RouteFact &route) override
    {
        added.push_back(route);
        return {0, ""};
    }
    std::vector<RouteFact> added, removed;
};

Config returningRoles()
{
    Config config;
    RoleConfig mediaRole;
    mediaRole.name = "media";
    mediaRole.interface = "media0";
    mediaRole.metric = 100;
    mediaRole.gateway4 = ip("192.0.2.1");
    mediaRole.returnRouting = true;
    mediaRole.replyTable = mediaTable;
    RoleConfig mgmtRole = mediaRole;
    mgmtRole.name = "mgmt";
    mgmtRole.interface = "mgmt0";
    mgmtRole.metric = 1000;
    mgmtRole.gateway4 = ip("198.51.100.1");
    mgmtRole.replyTable = mgmtTable;
    config.roles = {mediaRole, mgmtRole};
    return config;
}

KernelState kernelWithLinks()
{
    KernelState kernel(254);
    kernel.replaceLinks({{media, "media0", IFF_UP | IFF_LOWER_UP}, {mgmt, "mgmt0", IFF_UP | IFF_LOWER_UP}});
    return kernel;
}

TEST(ReplyRoutePolicy, EachRoleWithReturnRoutingGetsItsRouteInItsTableToo)
{
    Config config = returningRoles();
    config.roles[0].returnRouting = false;
    RoutePolicy policy(ours);
    policy.setConfig(config);
    KernelState kernel = kernelWithLinks();
    kernel.setReplyTables(policy.replyTablesToFollow(kernel));
    EXPECT_EQ(kernel.replyTables(), (std::set<uint32_t>{mgmtTable}));

    RecordingWriter writer;
    EXPECT_FALSE(policy.reconcile(kernel, writer, ReconcileTrigger::policy));
    RouteFact mgmtMain = makeOwnRoute(Family::inet, 254, mgmt, ip("198.51.100.1"), 1000, ours);
    RouteFact mgmtReply = makeOwnRoute(Family::inet, mgmtTable, mgmt, ip("198.51.100.1"), 1000, ours);
    ASSERT_EQ(writer.added.size(), 3u);
    EXPECT_EQ(writer.added[1], mgmtMain);
    EXPECT_EQ(writer.added[2], mgmtReply) << "the reply table after the managed one";
    EXPECT_TRUE(policy.status("mgmt")->families[0].routeInPlace);
    EXPECT_TRUE(policy.status("mgmt")->replyRouteInPlace[0]);
    EXPECT_FALSE(policy.status("media")->replyRouteInPlace[0]);

    // Deleted by somebody else: written again, counted as a restoration.
    kernel.noteRemoved(mgmtReply);
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    ASSERT_EQ(writer.added.size(), 4u);
    EXPECT_EQ(writer.added[3], mgmtReply);
    EXPECT_EQ(policy.status("mgmt")->restorations, 1u);

    // Both tables written again in one reconcile: one restoration, as before return routing. (A
    // second later: a route deleted within milliseconds of its restoration is held off,
    // RoutePolicy.HoldsOffARouteDeletedInALoop.)
    policy.setClock([] { return RestorationHoldoff::Clock::now() + std::chrono::seconds(1); });
    kernel.noteRemoved(mgmtReply);
    kernel.noteRemoved(mgmtMain);
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    EXPECT_EQ(writer.added.size(), 6u);
    EXPECT_EQ(policy.status("mgmt")->restorations, 2u);
}

// A table that only a rule of ifpind's, or a route of ifpind's, still names is followed, so that what
// ifpind left there is seen and removed; once it is gone, the table is no longer followed.
TEST(ReplyRoutePolicy, TablesNoRoleHasAreFollowedUntilIfpindsRoutesThereAreGone)
{
    RoutePolicy policy(ours);
    policy.setConfig(returningRoles());
    KernelState kernel = kernelWithLinks();
    RuleFact leftOver;
    leftOver.priority = 32005;
    leftOver.table = 1005;
    leftOver.source = ip("198.51.100.2");
    leftOver.protocol = ours;
    kernel.applyRule(false, leftOver);
    RuleFact mainRule;
    mainRule.table = 254;
    mainRule.suppressPrefixLength = 0;
    mainRule.protocol = ours;
    kernel.applyRule(false, mainRule);
    EXPECT_EQ(policy.replyTablesToFollow(kernel), (std::set<uint32_t>{mediaTable, mgmtTable, 1005}))
        << "the main rule's table is main, never a reply table";

    kernel.applyRule(true, leftOver);
    kernel.setReplyTables({mediaTable, mgmtTable, 1005});
    RouteFact stale = makeOwnRoute(Family::inet, 1005, mgmt, ip("198.51.100.1"), 1000, ours);
    kernel.noteAdded(stale);
    EXPECT_TRUE(policy.replyTablesToFollow(kernel).contains(1005));
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    EXPECT_EQ(writer.removed, (std::vector<RouteFact>{stale}));
    EXPECT_EQ(policy.replyTablesToFollow(kernel), (std::set<uint32_t>{mediaTable, mgmtTable}));
}

TEST(ReplyRoutePolicy, RemoveOwnReplyRoutesLeavesTheManagedTable)
{
    RoutePolicy policy(ours);
    policy.setConfig(returningRoles());
    KernelState kernel = kernelWithLinks();
    kernel.setReplyTables(policy.replyTablesToFollow(kernel));
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    ASSERT_EQ(kernel.replyRoutes().size(), 2u);
    policy.removeOwnReplyRoutes(kernel, writer);
    EXPECT_TRUE(kernel.replyRoutes().empty());
    EXPECT_EQ(kernel.defaultRoutes().size(), 2u);
    EXPECT_EQ(writer.removed.size(), 2u);
}

} // namespace
} // namespace ifpin
