#include <gtest/gtest.h>

#include <linux/rtnetlink.h>

#include "routes/route_planner.hpp"

namespace ifpin {
namespace {

constexpr uint8_t ours = 241;
constexpr uint32_t mainTable = 254;
constexpr int media = 2, mgmt = 3, other = 4;

IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

RouteFact own(Family family, int ifindex, const char *gateway, uint32_t metric)
{
    return makeOwnRoute(family, mainTable, ifindex, ip(gateway), metric, ours);
}

RouteFact foreign(Family family, int ifindex, const char *gateway, uint32_t metric, uint8_t protocol = RTPROT_DHCP)
{
    RouteFact route = own(family, ifindex, gateway, metric);
    route.protocol = protocol;
    return route;
}

using Kind = RouteChange::Kind;
const std::vector<int> managed{media, mgmt};

TEST(RoutePlanner, AddsAMissingRoute)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet, media, "192.0.2.1", 100)}};
    auto plan = planRoutes(wanted, managed, {}, ours);
    ASSERT_EQ(plan.roles.size(), 1u);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::add, wanted[0].route}}));
    EXPECT_TRUE(plan.roles[0].clear.empty());
    EXPECT_FALSE(plan.empty());
}

TEST(RoutePlanner, NothingToDoWhenTheRouteIsInPlace)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet, media, "192.0.2.1", 100)}};
    std::vector<RouteFact> actual{wanted[0].route};
    EXPECT_TRUE(planRoutes(wanted, managed, actual, ours).empty());
}

TEST(RoutePlanner, ForeignRouteOnTheInterfaceIsReplacedMakeBeforeBreak)
{
    std::vector<WantedRoute> wanted{{"mgmt", own(Family::inet, mgmt, "198.51.100.1", 1000)}};
    RouteFact dhcp = foreign(Family::inet, mgmt, "198.51.100.1", 0);
    auto plan = planRoutes(wanted, managed, std::vector{dhcp}, ours);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::add, wanted[0].route}}));
    EXPECT_EQ(plan.roles[0].clear, (std::vector<RouteChange>{{Kind::remove, dhcp}}));
}

TEST(RoutePlanner, MetricChangeAddsTheNewRouteBeforeRemovingTheOld)
{
    std::vector<WantedRoute> wanted{{"mgmt", own(Family::inet, mgmt, "198.51.100.1", 2000)}};
    RouteFact old = own(Family::inet, mgmt, "198.51.100.1", 1000);
    auto plan = planRoutes(wanted, managed, std::vector{old}, ours);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::add, wanted[0].route}}));
    EXPECT_EQ(plan.roles[0].clear, (std::vector<RouteChange>{{Kind::remove, old}}));
}

TEST(RoutePlanner, Ipv6SameNexthopAndMetricIsReplacedInPlace)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet6, media, "2001:db8:1::1", 100)}};
    RouteFact ra = foreign(Family::inet6, media, "2001:db8:1::1", 100, RTPROT_RA);
    auto plan = planRoutes(wanted, managed, std::vector{ra}, ours);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::replace, wanted[0].route}}));
    EXPECT_TRUE(plan.roles[0].clear.empty()); // the replace consumed it
}

TEST(RoutePlanner, Ipv6ReplaceIsAvoidedWhenAnotherRouteSharesTheMetric)
{
    // NLM_F_REPLACE could hit the route on the other interface: delete the blocker, then add.
    std::vector<WantedRoute> wanted{{"media", own(Family::inet6, media, "2001:db8:1::1", 100)}};
    RouteFact blocker = foreign(Family::inet6, media, "2001:db8:1::1", 100, RTPROT_STATIC);
    RouteFact elsewhere = foreign(Family::inet6, other, "2001:db8:3::1", 100, RTPROT_STATIC);
    auto plan = planRoutes(wanted, managed, std::vector{elsewhere, blocker}, ours);
    EXPECT_EQ(plan.roles[0].make,
              (std::vector<RouteChange>{{Kind::remove, blocker}, {Kind::add, wanted[0].route}}));
    EXPECT_TRUE(plan.roles[0].clear.empty());
}

TEST(RoutePlanner, Ipv4SameMetricForeignRouteIsAddedBesideThenRemoved)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet, media, "192.0.2.1", 100)}};
    RouteFact dhcp = foreign(Family::inet, media, "192.0.2.1", 100);
    auto plan = planRoutes(wanted, managed, std::vector{dhcp}, ours);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::add, wanted[0].route}}));
    EXPECT_EQ(plan.roles[0].clear, (std::vector<RouteChange>{{Kind::remove, dhcp}}));
}

TEST(RoutePlanner, OtherInterfacesAndFamiliesAreLeftAlone)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet, media, "192.0.2.1", 100)}};
    std::vector<RouteFact> actual{
        wanted[0].route,
        foreign(Family::inet, other, "203.0.113.66", 200, RTPROT_STATIC), // unmanaged, outranked by nobody
        foreign(Family::inet6, media, "2001:db8:1::1", 0, RTPROT_RA),     // no IPv6 route wanted
    };
    auto plan = planRoutes(wanted, managed, actual, ours);
    EXPECT_TRUE(plan.empty());
    EXPECT_TRUE(plan.outranking.empty());
}

TEST(RoutePlanner, UnmanagedRouteThatWinsIsReported)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet, media, "192.0.2.1", 100)},
                                    {"mgmt", own(Family::inet, mgmt, "198.51.100.1", 1000)}};
    RouteFact winner = foreign(Family::inet, other, "203.0.113.66", 50, RTPROT_STATIC);
    auto plan = planRoutes(wanted, managed, std::vector{wanted[0].route, wanted[1].route, winner}, ours);
    EXPECT_TRUE(plan.empty());
    ASSERT_EQ(plan.outranking.size(), 1u);
    EXPECT_EQ(plan.outranking[0].route, winner);
    EXPECT_EQ(plan.outranking[0].outrankedRoles, (std::vector<std::string>{"media", "mgmt"}));
}

TEST(RoutePlanner, OwnRoutesOnInterfacesNoRoleNamesAreStale)
{
    RouteFact stale = own(Family::inet, other, "203.0.113.66", 100);
    auto plan = planRoutes({}, managed, std::vector{stale}, ours);
    EXPECT_EQ(plan.staleOwn, (std::vector<RouteChange>{{Kind::remove, stale}}));
}

TEST(RoutePlanner, OwnRouteOnAManagedInterfaceWithNothingWantedIsKept)
{
    // E.g. the link is down: the role still names the interface, so the route is not stale.
    auto plan = planRoutes({}, managed, std::vector{own(Family::inet, mgmt, "198.51.100.1", 1000)}, ours);
    EXPECT_TRUE(plan.empty());
}

TEST(RoutePlanner, Ipv4MultipathRoutesAreNeverDeleted)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet, media, "192.0.2.1", 100)}};
    RouteFact multipath = foreign(Family::inet, media, "192.0.2.9", 10, RTPROT_STATIC);
    multipath.multipath = true;
    auto plan = planRoutes(wanted, managed, std::vector{wanted[0].route, multipath}, ours);
    EXPECT_TRUE(plan.empty());
}

TEST(RoutePlanner, GatewayChangeReplacesOurRoute)
{
    std::vector<WantedRoute> wanted{{"media", own(Family::inet, media, "192.0.2.254", 100)}};
    RouteFact old = own(Family::inet, media, "192.0.2.1", 100);
    auto plan = planRoutes(wanted, managed, std::vector{old}, ours);
    EXPECT_EQ(plan.roles[0].make, (std::vector<RouteChange>{{Kind::add, wanted[0].route}}));
    EXPECT_EQ(plan.roles[0].clear, (std::vector<RouteChange>{{Kind::remove, old}}));
}

TEST(KernelMetric, Ipv6TurnsZeroInto1024)
{
    EXPECT_EQ(kernelMetric(Family::inet6, 0), 1024u);
    EXPECT_EQ(kernelMetric(Family::inet, 0), 0u);
    EXPECT_EQ(kernelMetric(Family::inet6, 5), 5u);
    EXPECT_EQ(own(Family::inet6, media, "2001:db8:1::1", 0).metric, 1024u);
}

TEST(OwnRoute, OnLinkIpv4RouteHasLinkScope)
{
    RouteFact route = makeOwnRoute(Family::inet, mainTable, media, std::nullopt, 100, ours);
    EXPECT_EQ(route.scope, RT_SCOPE_LINK);
    EXPECT_EQ(route.type, RTN_UNICAST);
    EXPECT_EQ(own(Family::inet, media, "192.0.2.1", 1).scope, RT_SCOPE_UNIVERSE);
}

TEST(ObserveGateway, PrefersTheLowestForeignRouteThenOurOwn)
{
    std::vector<RouteFact> actual{
        own(Family::inet, mgmt, "198.51.100.9", 1000),
        foreign(Family::inet, mgmt, "198.51.100.2", 20),
        foreign(Family::inet, mgmt, "198.51.100.1", 10),
        foreign(Family::inet, media, "192.0.2.1", 0),
    };
    auto observed = observeGateway(actual, Family::inet, mgmt, ours);
    ASSERT_TRUE(observed);
    EXPECT_TRUE(observed->fromForeignRoute);
    EXPECT_EQ(observed->gateway, ip("198.51.100.1"));

    auto adopted = observeGateway(std::vector{actual[0]}, Family::inet, mgmt, ours);
    ASSERT_TRUE(adopted);
    EXPECT_FALSE(adopted->fromForeignRoute);
    EXPECT_EQ(adopted->gateway, ip("198.51.100.9"));

    EXPECT_FALSE(observeGateway(actual, Family::inet6, mgmt, ours));
}

} // namespace
} // namespace ifpin
