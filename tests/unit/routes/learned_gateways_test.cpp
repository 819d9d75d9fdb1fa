// A gateway learned from a router advertisement lives as long as the router lifetime it came with
// (issue #20): each newer advertisement moves the deadline, and when it passes without one the
// gateway is dropped, the role is no-gateway with the reason, and ifpind's route through it goes.
#include <algorithm>
#include <cerrno>

#include <gtest/gtest.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "routes/route_policy.hpp"

namespace ifpin {
namespace {

using namespace std::chrono_literals;

constexpr uint8_t ours = 241;
constexpr int mgmt = 3;

IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

class RecordingWriter : public RouteWriter {
public:
    NetlinkAck add(const RouteFact &route, bool) override
    {
        added.push_back(route);
        return {};
    }
    NetlinkAck remove(const RouteFact &route) override
    {
        removed.push_back(route);
        return {};
    }
    NetlinkAck addIfAbsent(const RouteFact &route) override { return add(route, false); }
    std::vector<RouteFact> added;
    std::vector<RouteFact> removed;
};

// mgmt learns its IPv6 gateway (none configured); return routing on, so its reply table's route
// must go too.
Config mgmtLearning(bool keep = false)
{
    Config config;
    RoleConfig role;
    role.name = "mgmt";
    role.interface = "mgmt0";
    role.metric = 1000;
    role.returnRouting = true;
    role.replyTable = 1001;
    config.roles = {role};
    config.daemon.keepLearnedGateways = keep;
    return config;
}

// The kernel's route from a router advertisement with `left` of its router lifetime to go.
RouteFact raRoute(std::chrono::milliseconds left, const char *router = "fe80::1")
{
    RouteFact route = makeOwnRoute(Family::inet6, 254, mgmt, ip(router), 1024, RTPROT_RA);
    route.expiresIn = left;
    return route;
}

RouteFact ownRoute(uint32_t table = 254, const char *router = "fe80::1")
{
    return makeOwnRoute(Family::inet6, table, mgmt, ip(router), 1000, ours);
}

struct Lab {
    explicit Lab(bool keep = false)
    {
        policy.setConfig(mgmtLearning(keep));
        kernel.replaceLinks({{mgmt, "mgmt0", IFF_UP | IFF_LOWER_UP}});
        kernel.setReplyTables({1001});
        now += 1000s;
        policy.setClock([this] { return now; });
    }
    // An advertisement: the kernel adds its route, ifpind replaces it with its own.
    void advertise(std::chrono::milliseconds lifetime, const char *router = "fe80::1")
    {
        kernel.noteAdded(raRoute(lifetime, router));
        policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    }
    const RoleStatus &status() { return *policy.status("mgmt"); }
    bool ownRoutesHeld()
    {
        auto held = [&](const std::vector<RouteFact> &routes) {
            return std::any_of(routes.begin(), routes.end(), [](const RouteFact &r) { return r.protocol == ours; });
        };
        return held(kernel.defaultRoutes()) || held(kernel.replyRoutes());
    }

    RoutePolicy policy{ours};
    KernelState kernel{254};
    RecordingWriter writer;
    RestorationHoldoff::Clock::time_point now{};
};

TEST(LearnedGatewayExpiry, EachAdvertisementMovesTheDeadline)
{
    Lab lab;
    lab.advertise(4s);
    ASSERT_EQ(lab.status().state, RoleState::enforced);
    ASSERT_TRUE(lab.policy.nextGatewayExpiry());
    EXPECT_EQ(*lab.policy.nextGatewayExpiry(), lab.now + 4s);
    EXPECT_FALSE(lab.kernel.defaultRoutes().empty());
    EXPECT_EQ(lab.kernel.defaultRoutes()[0].protocol, ours) << "the RA route was replaced by ifpind's";

    // Three more advertisements, a second apart, each 3 s before the last deadline: kept, moved.
    for (int i = 0; i < 3; ++i) {
        lab.now += 3s;
        lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
        ASSERT_EQ(lab.status().state, RoleState::enforced);
        lab.advertise(4s);
        EXPECT_EQ(*lab.policy.nextGatewayExpiry(), lab.now + 4s);
    }
    EXPECT_TRUE(lab.writer.removed.size() >= 4u); // the RA routes ifpind replaced
    EXPECT_EQ(lab.status().state, RoleState::enforced);
}

TEST(LearnedGatewayExpiry, NoNewerAdvertisementDropsTheGatewayAndItsRoutes)
{
    Lab lab;
    lab.advertise(4s);
    ASSERT_TRUE(lab.ownRoutesHeld());
    lab.now += 3999ms;
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    ASSERT_EQ(lab.status().state, RoleState::enforced) << "not before its time";

    lab.now += 1ms;
    lab.writer.removed.clear();
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    const RoleStatus &status = lab.status();
    EXPECT_EQ(status.state, RoleState::noGateway);
    EXPECT_FALSE(status.families[1].gatewayKnown);
    EXPECT_NE(status.stateReason.find("inet6: learned gateway fe80::1 dropped: the router lifetime it advertised "
                                      "on mgmt0 (4 s) ran out"),
              std::string::npos)
        << status.stateReason;
    // ifpind's routes through the router that is gone: the managed table's and the reply table's.
    ASSERT_EQ(lab.writer.removed.size(), 2u);
    EXPECT_TRUE(lab.writer.removed[0].sameRoute(ownRoute()));
    EXPECT_TRUE(lab.writer.removed[1].sameRoute(ownRoute(1001)));
    EXPECT_FALSE(lab.ownRoutesHeld());
    EXPECT_FALSE(lab.policy.nextGatewayExpiry()) << "nothing left to wake for";

    // Nothing more to do, and ifpind's own route (were it back) teaches nothing.
    lab.writer.added.clear();
    lab.writer.removed.clear();
    lab.now += 30s;
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    EXPECT_TRUE(lab.writer.added.empty());
    EXPECT_TRUE(lab.writer.removed.empty());
    lab.kernel.noteAdded(ownRoute());
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    EXPECT_EQ(lab.status().state, RoleState::noGateway);
    EXPECT_FALSE(lab.ownRoutesHeld()) << "a leftover route through the gone router is removed again";

    // The next advertisement teaches it again.
    lab.advertise(4s);
    EXPECT_EQ(lab.status().state, RoleState::enforced);
    EXPECT_TRUE(lab.status().stateReason.empty());
    EXPECT_TRUE(lab.ownRoutesHeld());
}

// A foreign route that stays (ifpind could not replace it) is the same advertisement: seeing it at
// each reconcile does not move the deadline, or a router that went silent would live forever.
TEST(LearnedGatewayExpiry, AForeignRouteThatStaysIsNoNewerAdvertisement)
{
    Lab lab;
    struct Refusing : RecordingWriter {
        NetlinkAck add(const RouteFact &route, bool replace) override
        {
            RecordingWriter::add(route, replace);
            return {ENOBUFS, ""};
        }
    } refusing;
    lab.kernel.noteAdded(raRoute(4s));
    lab.policy.reconcile(lab.kernel, refusing, ReconcileTrigger::kernel);
    ASSERT_TRUE(lab.policy.nextGatewayExpiry());
    auto deadline = *lab.policy.nextGatewayExpiry();
    lab.now += 2s;
    lab.policy.reconcile(lab.kernel, refusing, ReconcileTrigger::kernel);
    EXPECT_EQ(*lab.policy.nextGatewayExpiry(), deadline);
}

TEST(LearnedGatewayExpiry, KeepLearnedGatewaysKeepsItWithoutATimer)
{
    Lab lab(true);
    lab.advertise(4s);
    EXPECT_FALSE(lab.policy.nextGatewayExpiry()) << "no timer when nothing is dropped";
    lab.now += 1h;
    lab.writer.removed.clear();
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    EXPECT_EQ(lab.status().state, RoleState::enforced);
    EXPECT_TRUE(lab.writer.removed.empty());
}

// A DHCP client's route does not expire: a gateway learned from it has no deadline, and one that
// replaces an RA-learned gateway clears it.
TEST(LearnedGatewayExpiry, ARouteWithoutExpiryGivesNoDeadline)
{
    Lab lab;
    lab.advertise(4s);
    ASSERT_TRUE(lab.policy.nextGatewayExpiry());
    RouteFact dhcp = makeOwnRoute(Family::inet6, 254, mgmt, ip("fe80::2"), 1024, RTPROT_STATIC);
    lab.kernel.noteAdded(dhcp);
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    EXPECT_EQ(lab.status().families[1].gateway, ip("fe80::2"));
    EXPECT_FALSE(lab.policy.nextGatewayExpiry());
}

// A checkpoint's copy keeps the deadline: rolled back to, a router that stopped advertising still
// goes when its lifetime runs out.
TEST(LearnedGatewayExpiry, TheDeadlineTravelsWithACopy)
{
    Lab lab;
    lab.advertise(4s);
    auto copy = lab.policy.learnedGateways();
    ASSERT_EQ(copy.size(), 1u);
    ASSERT_TRUE(copy[0].expiresAt);
    EXPECT_EQ(*copy[0].expiresAt, lab.now + 4s);

    RoutePolicy restored(ours);
    restored.setClock([&] { return lab.now; });
    restored.adoptLearnedGateways(copy);
    restored.setConfig(mgmtLearning());
    EXPECT_EQ(restored.nextGatewayExpiry(), lab.now + 4s);
}

// A deadline nobody will act on must not stay behind: the daemon arms its timer for the earliest
// one, and one in the past fires at once, again and again. Here the admin configures gateway6 (the
// docs' advice), or the uplink goes away, while an RA-learned gateway is still held.
TEST(LearnedGatewayExpiry, AnExpiryNobodyActsOnLeavesNoDeadlineBehind)
{
    for (bool configure : {true, false}) {
        SCOPED_TRACE(configure ? "gateway6 configured" : "interface gone");
        Lab lab;
        lab.advertise(4s);
        if (configure) {
            Config config = mgmtLearning();
            config.roles[0].gateway6 = ip("fe80::9");
            lab.policy.setConfig(config);
        } else {
            lab.kernel.replaceLinks({});
        }
        lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
        lab.now += 5s;
        lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
        auto next = lab.policy.nextGatewayExpiry();
        EXPECT_FALSE(next && *next <= lab.now) << "a passed deadline is left: the timer would fire at once, forever";
    }
}

// After a router's lifetime ran out, ifpind's routes through it went. The admin then configures
// gateway6: that route is wanted, and must stay (not be withdrawn at every reconcile).
TEST(LearnedGatewayExpiry, AWithdrawalSparesAGatewayConfiguredSince)
{
    Lab lab;
    lab.advertise(4s);
    lab.now += 4s;
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    ASSERT_EQ(lab.status().state, RoleState::noGateway);
    ASSERT_FALSE(lab.ownRoutesHeld());

    Config config = mgmtLearning();
    config.roles[0].gateway6 = ip("fe80::9");
    lab.policy.setConfig(config);
    lab.writer.removed.clear();
    for (int i = 0; i < 3; ++i)
        lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::policy);
    EXPECT_TRUE(lab.writer.removed.empty()) << lab.writer.removed.size() << " routes removed";
    EXPECT_TRUE(lab.ownRoutesHeld());
    EXPECT_EQ(lab.status().state, RoleState::enforced);
    EXPECT_TRUE(lab.status().families[1].routeInPlace);
}

// A rollback brings back a copy of the learned gateways (here one without a deadline, as after a
// restart) after the router's lifetime ran out: the gateway is known again, so its route is wanted
// and not withdrawn at each reconcile.
TEST(LearnedGatewayExpiry, AGatewayTakenFromACopyIsNotWithdrawn)
{
    Lab lab;
    lab.advertise(4s);
    auto copy = lab.policy.learnedGateways();
    ASSERT_EQ(copy.size(), 1u);
    copy[0].expiresAt.reset();
    lab.now += 4s;
    lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
    ASSERT_EQ(lab.status().state, RoleState::noGateway);

    lab.policy.adoptLearnedGateways(copy);
    lab.policy.setConfig(mgmtLearning());
    lab.writer.removed.clear();
    for (int i = 0; i < 3; ++i)
        lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::policy);
    EXPECT_TRUE(lab.writer.removed.empty()) << lab.writer.removed.size() << " routes removed";
    EXPECT_EQ(lab.status().state, RoleState::enforced);
    EXPECT_TRUE(lab.ownRoutesHeld());
}

// mgmt's IPv6 metric is the kernel's RA route metric (1024, ra_defrtr_metric): once ifpind's route
// holds it, the kernel cannot add the next advertisement's route beside it (the same metric, router
// and device: EEXIST, no event), so no newer advertisement is ever seen. Its lifetime cannot be
// followed: the gateway gets no deadline (documented) rather than a drop every router lifetime.
TEST(LearnedGatewayExpiry, AtTheAdvertisementsOwnMetricNoDeadline)
{
    for (uint32_t metric : {1024u, 0u}) {
        SCOPED_TRACE(metric);
        Lab lab;
        Config config = mgmtLearning();
        config.roles[0].metric = metric;
        lab.policy.setConfig(config);
        lab.advertise(4s);
        EXPECT_FALSE(lab.policy.nextGatewayExpiry());
        lab.now += 1h;
        lab.policy.reconcile(lab.kernel, lab.writer, ReconcileTrigger::kernel);
        EXPECT_EQ(lab.status().state, RoleState::enforced);
    }
}

} // namespace
} // namespace ifpin
