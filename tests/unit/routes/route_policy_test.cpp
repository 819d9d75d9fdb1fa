#include <cstring>

#include <gtest/gtest.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "routes/route_policy.hpp"

namespace ifpin {
namespace {

constexpr uint8_t ours = 241;
constexpr int media = 2, mgmt = 3;

IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

// Records writes and answers them from a script; keeps no kernel of its own.
class RecordingWriter : public RouteWriter {
public:
    struct Write {
        bool add;
        RouteFact route;
        bool ifAbsent = false;
    };
    NetlinkAck add(const RouteFact &route, bool) override
    {
        writes.push_back({true, route});
        return {addError, ""};
    }
    NetlinkAck remove(const RouteFact &route) override
    {
        writes.push_back({false, route});
        return {removeError, ""};
    }
    NetlinkAck addIfAbsent(const RouteFact &route) override
    {
        writes.push_back({true, route, true});
        return {addIfAbsentError, ""};
    }
    std::vector<Write> writes;
    int addError = 0;
    int removeError = 0;
    int addIfAbsentError = 0;
};

Config twoRoles()
{
    Config config;
    RoleConfig mediaRole;
    mediaRole.name = "media";
    mediaRole.interface = "media0";
    mediaRole.metric = 100;
    mediaRole.gateway4 = ip("192.0.2.1");
    RoleConfig mgmtRole;
    mgmtRole.name = "mgmt";
    mgmtRole.interface = "mgmt0";
    mgmtRole.metric = 1000;
    config.roles = {mediaRole, mgmtRole};
    return config;
}

KernelState kernelWithLinks()
{
    KernelState kernel(254);
    kernel.replaceLinks({{media, "media0", IFF_UP | IFF_LOWER_UP}, {mgmt, "mgmt0", IFF_UP | IFF_LOWER_UP}});
    return kernel;
}

RouteFact dhcpRoute(int ifindex, const char *gateway, uint32_t metric)
{
    RouteFact route = makeOwnRoute(Family::inet, 254, ifindex, ip(gateway), metric, RTPROT_DHCP);
    return route;
}

TEST(RoutePolicy, InstallsConfiguredRoutesAndReportsState)
{
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel = kernelWithLinks();
    RecordingWriter writer;

    EXPECT_FALSE(policy.reconcile(kernel, writer, ReconcileTrigger::policy));
    ASSERT_EQ(writer.writes.size(), 1u);
    EXPECT_TRUE(writer.writes[0].add);
    EXPECT_EQ(writer.writes[0].route.ifindex, media);
    EXPECT_EQ(policy.status("media")->state, RoleState::enforced);
    EXPECT_TRUE(policy.status("media")->families[0].routeInPlace);
    EXPECT_EQ(policy.status("mgmt")->state, RoleState::noGateway);
    EXPECT_EQ(policy.status("media")->restorations, 0u);

    // The bookkeeping of the write means a second pass has nothing to do.
    writer.writes.clear();
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    EXPECT_TRUE(writer.writes.empty());
}

// Before the table is read: only roles with a configured gateway and a link that is up, only
// additions that change nothing already there, and nothing learned.
TEST(RoutePolicy, PlacesConfiguredRoutesBeforeTheTableIsRead)
{
    RoutePolicy policy(ours);
    Config config = twoRoles();
    config.roles[0].gateway6 = ip("2001:db8:1::1");
    RoleConfig down;
    down.name = "backup";
    down.interface = "backup0";
    down.metric = 2000;
    down.gateway4 = ip("203.0.113.1");
    config.roles.push_back(down);
    policy.setConfig(config);
    KernelState kernel(254);
    kernel.replaceLinks({{media, "media0", IFF_UP | IFF_LOWER_UP}, {mgmt, "mgmt0", IFF_UP | IFF_LOWER_UP},
                         {7, "backup0", 0}});
    RecordingWriter writer;

    EXPECT_EQ(policy.placeConfiguredRoutes(kernel, writer), 2u);
    ASSERT_EQ(writer.writes.size(), 2u);
    for (const auto &write : writer.writes) {
        EXPECT_TRUE(write.add);
        EXPECT_TRUE(write.ifAbsent) << "never replaces what is there";
        EXPECT_EQ(write.route.ifindex, media);
        EXPECT_EQ(write.route.metric, 100u);
        EXPECT_EQ(write.route.protocol, ours);
    }
    EXPECT_EQ(writer.writes[0].route.family, Family::inet);
    EXPECT_EQ(writer.writes[1].route.family, Family::inet6);

    // Something holds the place: nothing counted, and the reconcile after the dump decides.
    writer.writes.clear();
    writer.addIfAbsentError = EEXIST;
    EXPECT_EQ(policy.placeConfiguredRoutes(kernel, writer), 0u);
    EXPECT_EQ(writer.writes.size(), 2u);
}

TEST(RoutePolicy, LearnsTheGatewayFromAForeignRouteAndKeepsIt)
{
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel = kernelWithLinks();
    kernel.noteAdded(dhcpRoute(mgmt, "198.51.100.1", 0));
    RecordingWriter writer;

    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    const FamilyStatus &inet = policy.status("mgmt")->families[0];
    EXPECT_TRUE(inet.gatewayLearned);
    EXPECT_EQ(inet.gateway, ip("198.51.100.1"));
    // add ours, then remove theirs
    ASSERT_EQ(writer.writes.size(), 3u); // media add, mgmt add, dhcp remove
    EXPECT_TRUE(writer.writes[1].add);
    EXPECT_EQ(writer.writes[1].route.metric, 1000u);
    EXPECT_FALSE(writer.writes[2].add);
    EXPECT_EQ(writer.writes[2].route.protocol, RTPROT_DHCP);
    EXPECT_EQ(policy.status("mgmt")->restorations, 1u);
    EXPECT_EQ(policy.status("mgmt")->state, RoleState::enforced);

    // The foreign route is gone now; the learned gateway stays. (A second later: a route deleted
    // within milliseconds of being restored is held off, RoutePolicy.HoldsOffARouteDeletedInALoop.)
    writer.writes.clear();
    policy.setClock([] { return RestorationHoldoff::Clock::now() + std::chrono::seconds(1); });
    kernel.noteRemoved(makeOwnRoute(Family::inet, 254, mgmt, ip("198.51.100.1"), 1000, ours));
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    ASSERT_EQ(writer.writes.size(), 1u);
    EXPECT_EQ(writer.writes[0].route.gateway, ip("198.51.100.1"));
    EXPECT_EQ(policy.status("mgmt")->restorations, 2u);
}

TEST(RoutePolicy, HoldsOffARouteDeletedInALoop)
{
    using namespace std::chrono_literals;
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel = kernelWithLinks();
    RecordingWriter writer;
    RestorationHoldoff::Clock::time_point now{};
    now += 100s;
    policy.setClock([&] { return now; });
    RouteFact mediaRoute = makeOwnRoute(Family::inet, 254, media, ip("192.0.2.1"), 100, ours);

    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    ASSERT_EQ(writer.writes.size(), 1u);
    // Deleted by somebody: restored at once, the first time.
    kernel.noteRemoved(mediaRoute);
    now += 1s;
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    ASSERT_EQ(writer.writes.size(), 2u);
    EXPECT_FALSE(policy.heldOffUntil());
    ASSERT_EQ(policy.takeRestorationReports().size(), 1u);
    // Deleted again 1 ms later: not now, in 10 ms.
    kernel.noteRemoved(mediaRoute);
    now += 1ms;
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    EXPECT_EQ(writer.writes.size(), 2u);
    ASSERT_TRUE(policy.heldOffUntil());
    EXPECT_EQ(*policy.heldOffUntil(), now + 10ms);
    EXPECT_TRUE(policy.takeRestorationReports().empty());
    EXPECT_FALSE(policy.status("media")->families[0].routeInPlace);
    // A new policy is applied at once, hold-off or not.
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    EXPECT_EQ(writer.writes.size(), 3u);
    kernel.noteRemoved(mediaRoute);
    // The time comes: restored.
    now += 10ms;
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    EXPECT_EQ(writer.writes.size(), 4u);
    EXPECT_FALSE(policy.heldOffUntil());
    EXPECT_TRUE(policy.status("media")->families[0].routeInPlace);
}

// mgmt enforced through the gateway 198.51.100.1 it learned from a DHCP client's route; then
// ifpind's route through it goes (the lease's address went, or a transient loss) and the next
// writes fail with addError.
void learnMgmtGatewayThenLoseItsRoute(RoutePolicy &policy, KernelState &kernel, RecordingWriter &writer, int addError)
{
    kernel.noteAdded(dhcpRoute(mgmt, "198.51.100.1", 0));
    policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
    ASSERT_EQ(policy.status("mgmt")->state, RoleState::enforced);
    kernel.noteRemoved(makeOwnRoute(Family::inet, 254, mgmt, ip("198.51.100.1"), 1000, ours));
    writer.addError = addError;
    writer.writes.clear();
}

// The kernel refuses the route through a learned gateway (its lease's address went): the gateway
// is dropped, the role is no-gateway with the reason, and nothing is retried.
TEST(RoutePolicy, ARefusedLearnedGatewayIsDroppedUnlessKept)
{
    for (bool keep : {false, true}) {
        SCOPED_TRACE(keep ? "keep_learned_gateways" : "default");
        Config config = twoRoles();
        config.daemon.keepLearnedGateways = keep;
        RoutePolicy policy(ours);
        policy.setConfig(config);
        KernelState kernel = kernelWithLinks();
        RecordingWriter writer;
        learnMgmtGatewayThenLoseItsRoute(policy, kernel, writer, EINVAL); // "Nexthop has invalid gateway"
        if (HasFatalFailure())
            return;
        policy.setClock([] { return RestorationHoldoff::Clock::now() + std::chrono::seconds(10); });
        bool retry = policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
        const RoleStatus &mgmtStatus = *policy.status("mgmt");
        EXPECT_EQ(retry, keep);
        EXPECT_EQ(mgmtStatus.state, keep ? RoleState::failed : RoleState::noGateway);
        EXPECT_EQ(mgmtStatus.families[0].gatewayKnown, keep);
        if (!keep) {
            EXPECT_NE(mgmtStatus.stateReason.find("learned gateway 198.51.100.1 dropped"), std::string::npos)
                << mgmtStatus.stateReason;
            writer.writes.clear();
            policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
            EXPECT_TRUE(writer.writes.empty()) << "nothing left to write for mgmt";
            // A new lease teaches it again.
            writer.addError = 0;
            kernel.noteAdded(dhcpRoute(mgmt, "198.51.100.1", 0));
            policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
            EXPECT_EQ(policy.status("mgmt")->state, RoleState::enforced);
            EXPECT_TRUE(policy.status("mgmt")->stateReason.empty());
        }
    }
}

// Only a refusal that says the gateway cannot be reached drops it: a transient failure (the
// kernel's buffers, a busy lock) is retried with the gateway kept.
TEST(RoutePolicy, ATransientFailureKeepsTheLearnedGateway)
{
    for (int transient : {ENOBUFS, EBUSY, ENOMEM}) {
        SCOPED_TRACE(std::strerror(transient));
        RoutePolicy policy(ours);
        policy.setConfig(twoRoles());
        KernelState kernel = kernelWithLinks();
        RecordingWriter writer;
        learnMgmtGatewayThenLoseItsRoute(policy, kernel, writer, transient);
        if (HasFatalFailure())
            return;
        policy.setClock([] { return RestorationHoldoff::Clock::now() + std::chrono::seconds(10); });
        EXPECT_TRUE(policy.reconcile(kernel, writer, ReconcileTrigger::kernel)) << "retried";
        const RoleStatus &mgmtStatus = *policy.status("mgmt");
        EXPECT_EQ(mgmtStatus.state, RoleState::failed);
        EXPECT_TRUE(mgmtStatus.families[0].gatewayKnown);
        EXPECT_TRUE(mgmtStatus.stateReason.empty()) << mgmtStatus.stateReason;

        writer.addError = 0;
        writer.writes.clear();
        policy.setClock([] { return RestorationHoldoff::Clock::now() + std::chrono::seconds(20); });
        policy.reconcile(kernel, writer, ReconcileTrigger::kernel);
        EXPECT_EQ(policy.status("mgmt")->state, RoleState::enforced);
        EXPECT_FALSE(writer.writes.empty()) << "the route through 198.51.100.1 written again";
    }
}

TEST(RoutePolicy, FailedAddKeepsTheForeignRoute)
{
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel = kernelWithLinks();
    kernel.noteAdded(dhcpRoute(media, "192.0.2.1", 0));
    RecordingWriter writer;
    writer.addError = ENETUNREACH;

    EXPECT_TRUE(policy.reconcile(kernel, writer, ReconcileTrigger::policy));
    for (const auto &write : writer.writes)
        EXPECT_TRUE(write.add) << "a route was removed although ours could not be added";
    EXPECT_EQ(policy.status("media")->state, RoleState::failed);
    EXPECT_NE(policy.status("media")->families[0].lastError.find("cannot add"), std::string::npos);
    EXPECT_EQ(kernel.defaultRoutes().size(), 1u);
}

TEST(RoutePolicy, AlreadyPresentAndAlreadyGoneCountAsSuccess)
{
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel = kernelWithLinks();
    kernel.noteAdded(dhcpRoute(media, "192.0.2.1", 0));
    RecordingWriter writer;
    writer.addError = EEXIST;
    writer.removeError = ESRCH;
    EXPECT_FALSE(policy.reconcile(kernel, writer, ReconcileTrigger::policy));
    EXPECT_EQ(policy.status("media")->state, RoleState::enforced);
}

TEST(RoutePolicy, LinkStatesAreReported)
{
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel(254);
    kernel.replaceLinks({{media, "media0", 0}});
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    EXPECT_TRUE(writer.writes.empty()) << "no route may be added on a link that is down";
    EXPECT_EQ(policy.status("media")->state, RoleState::linkDown);
    EXPECT_EQ(policy.status("mgmt")->state, RoleState::noInterface);
}

TEST(RoutePolicy, RoleMovedToAnotherInterfaceLeavesNoStaleRoute)
{
    RoutePolicy policy(ours);
    Config config = twoRoles();
    policy.setConfig(config);
    KernelState kernel = kernelWithLinks();
    kernel.replaceLinks({{media, "media0", IFF_UP | IFF_LOWER_UP},
                         {mgmt, "mgmt0", IFF_UP | IFF_LOWER_UP},
                         {9, "spare0", IFF_UP | IFF_LOWER_UP}});
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);

    config.roles[0].interface = "spare0";
    policy.setConfig(config);
    writer.writes.clear();
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    ASSERT_EQ(writer.writes.size(), 2u);
    EXPECT_TRUE(writer.writes[0].add);
    EXPECT_EQ(writer.writes[0].route.ifindex, 9);
    EXPECT_FALSE(writer.writes[1].add);
    EXPECT_EQ(writer.writes[1].route.ifindex, media);
}

// A checkpoint's rollback moves mgmt back to mgmt0, whose DHCP route ifpind replaced when mgmt
// learned from it: only the copy of what was learned can give mgmt its gateway there again.
TEST(RoutePolicy, AdoptedLearnedGatewaysBringARoleBackToWhereItWas)
{
    RoutePolicy policy(ours);
    Config before = twoRoles();
    policy.setConfig(before);
    KernelState kernel = kernelWithLinks();
    kernel.replaceLinks({{media, "media0", IFF_UP | IFF_LOWER_UP},
                         {mgmt, "mgmt0", IFF_UP | IFF_LOWER_UP},
                         {9, "spare0", IFF_UP | IFF_LOWER_UP}});
    kernel.noteAdded(dhcpRoute(mgmt, "198.51.100.1", 0));
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    ASSERT_EQ(policy.status("mgmt")->state, RoleState::enforced);
    auto learned = policy.learnedGateways();
    ASSERT_EQ(learned, (std::vector<LearnedGatewayEntry>{{"mgmt", Family::inet, "mgmt0", ip("198.51.100.1")}}));

    Config moved = before;
    moved.roles[1].interface = "spare0";
    kernel.noteAdded(dhcpRoute(9, "203.0.113.66", 0));
    policy.setConfig(moved);
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    ASSERT_EQ(policy.status("mgmt")->families[0].gateway, ip("203.0.113.66"));
    ASSERT_TRUE(kernel.defaultRoutes().size() == 2u) << "media's and mgmt's on spare0; mgmt0 has none left";

    // Back without the copy: nothing on mgmt0 to learn from.
    RoutePolicy without = policy;
    without.setConfig(before);
    RecordingWriter ignored;
    KernelState kernelWithout = kernel;
    without.reconcile(kernelWithout, ignored, ReconcileTrigger::policy);
    EXPECT_EQ(without.status("mgmt")->state, RoleState::noGateway);

    // Back with it: the route on mgmt0 via the gateway learned there.
    policy.adoptLearnedGateways(learned);
    policy.setConfig(before);
    writer.writes.clear();
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    EXPECT_EQ(policy.status("mgmt")->state, RoleState::enforced);
    EXPECT_EQ(policy.status("mgmt")->families[0].gateway, ip("198.51.100.1"));
    EXPECT_TRUE(policy.status("mgmt")->families[0].gatewayLearned);
    ASSERT_FALSE(writer.writes.empty());
    EXPECT_TRUE(writer.writes[0].add);
    EXPECT_EQ(writer.writes[0].route.ifindex, mgmt);
    EXPECT_EQ(writer.writes[0].route.gateway, ip("198.51.100.1"));
}

TEST(RoutePolicy, AdoptingKeepsAGatewayLearnedSinceOnTheSameInterface)
{
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel = kernelWithLinks();
    kernel.noteAdded(dhcpRoute(mgmt, "198.51.100.7", 0)); // a renewed lease, newer than the copy
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);

    policy.adoptLearnedGateways({{"mgmt", Family::inet, "mgmt0", ip("198.51.100.1")}});
    EXPECT_EQ(policy.learnedGateways(),
              (std::vector<LearnedGatewayEntry>{{"mgmt", Family::inet, "mgmt0", ip("198.51.100.7")}}));
}

TEST(RoutePolicy, RemoveOwnRoutesTouchesOnlyOurs)
{
    RoutePolicy policy(ours);
    policy.setConfig(twoRoles());
    KernelState kernel = kernelWithLinks();
    kernel.noteAdded(dhcpRoute(mgmt, "198.51.100.1", 0));
    RecordingWriter writer;
    policy.reconcile(kernel, writer, ReconcileTrigger::policy);
    writer.writes.clear();
    kernel.noteAdded(dhcpRoute(mgmt, "198.51.100.7", 5));
    policy.removeOwnRoutes(kernel, writer);
    ASSERT_EQ(writer.writes.size(), 2u);
    for (const auto &write : writer.writes) {
        EXPECT_FALSE(write.add);
        EXPECT_EQ(write.route.protocol, ours);
    }
}

} // namespace
} // namespace ifpin
