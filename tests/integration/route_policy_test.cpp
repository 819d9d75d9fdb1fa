// ifpind's core contract, checked on the kernel's routes in a lab (tools/lab.sh): one default route
// per role and family on the role's interface, at the role's metric, protocol 241; foreign default
// routes on managed interfaces replaced make-before-break; everything else left alone.
#include <algorithm>
#include <csignal>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "route_policy_fixture.hpp"

namespace ifpin::lab {
namespace {

using namespace route_test;

// 1. With both gateways configured, each role gets exactly one default route per family.
TEST_F(RoutePolicy, InstallsRoutesAtStart)
{
    daemon().start(lab(), standardConfig());
    EXPECT_TRUE(defaultsOnBecome("media0", Family::inet, {ours("media0", "192.0.2.1", 100)}));
    EXPECT_TRUE(defaultsOnBecome("media0", Family::inet6, {ours("media0", "2001:db8:1::1", 100)}));
    EXPECT_TRUE(defaultsOnBecome("mgmt0", Family::inet, {ours("mgmt0", "198.51.100.1", 1000)}));
    EXPECT_TRUE(defaultsOnBecome("mgmt0", Family::inet6, {ours("mgmt0", "2001:db8:2::1", 1000)}));
    EXPECT_TRUE(daemon().running());

    // End to end: the lower metric (media) carries traffic.
    EXPECT_EQ(lab().shell("curl -sS --max-time 5 http://203.0.113.10/").out, "media\n");
    EXPECT_EQ(lab().shell("curl -sS -g --max-time 5 'http://[2001:db8:ffff::10]/'").out, "media\n");
}

// 2a. No gateway4 for mgmt: a DHCP-style metric-0 route teaches it, and is replaced by ours
// make-before-break.
TEST_F(RoutePolicy, LearnsIpv4GatewayAndReplacesForeignDefault)
{
    daemon().start(lab(), daemonSection() + mediaRole() +
                              roleSection("mgmt", "mgmt0", 1000, std::nullopt, "2001:db8:2::1"));
    ASSERT_TRUE(defaultsOnBecome("mgmt0", Family::inet6, {ours("mgmt0", "2001:db8:2::1", 1000)}));
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_TRUE(defaultsOnAre("mgmt0", Family::inet, {})) << describeDefaults(Family::inet);

    RouteMonitor monitor(lab());
    lab().output("ip route add default via 198.51.100.1 dev mgmt0 metric 0 proto dhcp");

    EXPECT_TRUE(defaultsOnBecome("mgmt0", Family::inet, {ours("mgmt0", "198.51.100.1", 1000)}));
    EXPECT_TRUE(defaultsOnAre("media0", Family::inet, {ours("media0", "192.0.2.1", 100)}))
        << describeDefaults(Family::inet);

    const std::string added = "default via 198.51.100.1 dev mgmt0 proto 241 metric 1000";
    const std::string deleted = "Deleted default via 198.51.100.1 dev mgmt0 proto 16";
    EXPECT_TRUE(eventually([&] { return firstLineStarting(monitor.lines(), deleted) != std::string::npos; },
                           [&] { return "route events:" + monitor.text(); }));
    auto lines = monitor.lines();
    EXPECT_LT(firstLineStarting(lines, added), firstLineStarting(lines, deleted))
        << "not make-before-break; route events:" << monitor.text();
}

// 2b. The same for IPv6, with a link-local gateway (fe80::1 on the gateway's uplink0).
TEST_F(RoutePolicy, LearnsLinkLocalIpv6GatewayAndReplacesForeignDefault)
{
    daemon().start(lab(), daemonSection() + mediaRole() +
                              roleSection("mgmt", "mgmt0", 1000, "198.51.100.1", std::nullopt));
    ASSERT_TRUE(defaultsOnBecome("mgmt0", Family::inet, {ours("mgmt0", "198.51.100.1", 1000)}));
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_TRUE(defaultsOnAre("mgmt0", Family::inet6, {})) << describeDefaults(Family::inet6);

    RouteMonitor monitor(lab());
    lab().output("ip -6 route add default via fe80::1 dev mgmt0 metric 0 proto ra"); // the kernel makes it 1024

    EXPECT_TRUE(defaultsOnBecome("mgmt0", Family::inet6, {ours("mgmt0", "fe80::1", 1000)}));
    EXPECT_TRUE(defaultsOnAre("media0", Family::inet6, {ours("media0", "2001:db8:1::1", 100)}))
        << describeDefaults(Family::inet6);

    const std::string added = "default via fe80::1 dev mgmt0 proto 241 metric 1000";
    const std::string deleted = "Deleted default via fe80::1 dev mgmt0 proto 9";
    EXPECT_TRUE(eventually([&] { return firstLineStarting(monitor.lines(), deleted) != std::string::npos; },
                           [&] { return "route events:" + monitor.text(); }));
    auto lines = monitor.lines();
    EXPECT_LT(firstLineStarting(lines, added), firstLineStarting(lines, deleted))
        << "not make-before-break; route events:" << monitor.text();

    // And it carries traffic.
    EXPECT_EQ(lab().shell("curl -sS -g --max-time 5 --interface mgmt0 'http://[2001:db8:ffff::10]/'").out, "mgmt\n");
}

// 3. Somebody deletes ifpind's routes (both families, both roles): they come back.
TEST_F(RoutePolicy, RestoresDeletedRoutes)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());

    lab().output("ip route del default via 192.0.2.1 dev media0 metric 100 proto 241;"
                 " ip -6 route del default via 2001:db8:1::1 dev media0 metric 100 proto 241;"
                 " ip route del default via 198.51.100.1 dev mgmt0 metric 1000 proto 241;"
                 " ip -6 route del default via 2001:db8:2::1 dev mgmt0 metric 1000 proto 241");

    EXPECT_TRUE(standardRoutesBecome());
    EXPECT_TRUE(daemon().running());
}

// 4. mgmt0 goes down (the kernel drops its routes) and up again: the routes come back.
TEST_F(RoutePolicy, RestoresRoutesAfterLinkDownUp)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());

    lab().output("ip link set mgmt0 down");
    ASSERT_TRUE(eventually([&] { return lab().defaultRoutesOn("mgmt0", Family::inet).empty() &&
                                        lab().defaultRoutesOn("mgmt0", Family::inet6).empty(); },
                           [&] { return describeBothFamilies(); }))
        << "a route on a down link";
    EXPECT_TRUE(defaultsOnAre("media0", Family::inet, {ours("media0", "192.0.2.1", 100)}));

    lab().output("ip link set mgmt0 up");
    EXPECT_TRUE(standardRoutesBecome());
    EXPECT_TRUE(daemon().running());
}

// 5. mgmt0 is deleted and created again (new ifindex): the routes come back on the new interface.
TEST_F(RoutePolicy, RestoresRoutesOnRecreatedInterface)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());
    const int before = lab().ifindex("mgmt0");

    lab().recreateUplink("mgmt");
    ASSERT_NE(lab().ifindex("mgmt0"), before) << "lab.sh recreate-uplink kept the ifindex";

    EXPECT_TRUE(standardRoutesBecome());
    EXPECT_TRUE(daemon().running());
}

// 6. SIGHUP with mgmt's metric 1000 -> 2000: one mgmt route at 2000 per family, none at 1000.
TEST_F(RoutePolicy, ReloadChangesMetric)
{
    daemon().start(lab(), standardConfig(1000));
    ASSERT_TRUE(standardRoutesBecome(1000));

    daemon().reload(standardConfig(2000));

    EXPECT_TRUE(defaultsOnBecome("mgmt0", Family::inet, {ours("mgmt0", "198.51.100.1", 2000)}));
    EXPECT_TRUE(defaultsOnBecome("mgmt0", Family::inet6, {ours("mgmt0", "2001:db8:2::1", 2000)}));
    EXPECT_TRUE(standardRoutesInPlace(2000)) << describeBothFamilies();
    EXPECT_TRUE(daemon().running());
}

// 7. SIGHUP with an invalid file: logged, ifpind keeps running on the old policy; a valid file
// afterwards is applied.
TEST_F(RoutePolicy, InvalidReloadKeepsOldPolicy)
{
    daemon().start(lab(), standardConfig(1000));
    ASSERT_TRUE(standardRoutesBecome(1000));

    daemon().reload(withInvalidMgmtMetric(daemonSection()).first);
    EXPECT_TRUE(eventually([&] { return daemon().log().find("role.mgmt.metric") != std::string::npos; },
                           [&] { return std::string("the log does not name role.mgmt.metric"); }));
    EXPECT_TRUE(daemon().running());
    EXPECT_TRUE(standardRoutesStay(300ms, 1000));

    daemon().reload(standardConfig(2000));
    EXPECT_TRUE(standardRoutesBecome(2000));
    EXPECT_TRUE(daemon().running());
}

// 8. Not ifpind's business: default routes on other0 (even outranking media), non-default routes on
// a managed interface, default routes in another table.
TEST_F(RoutePolicy, LeavesOtherRoutesAlone)
{
    // Some before ifpind starts (its first dump), some while it runs (its events).
    lab().output("ip route add default via 203.0.113.66 dev other0 metric 50;"
                 " ip -6 route add default via 2001:db8:3::1 dev other0 metric 50;"
                 " ip route add default via 192.0.2.1 dev media0 table 100");
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());
    ASSERT_TRUE(daemon().waitReady());
    lab().output("ip route add 203.0.113.128/25 via 192.0.2.1 dev media0;"
                 " ip -6 route add 2001:db8:ffff::/48 via 2001:db8:1::1 dev media0;"
                 " ip -6 route add default via 2001:db8:1::1 dev media0 table 100;"
                 " ip route add default via 203.0.113.67 dev other0 metric 60 proto dhcp");

    auto othersInPlace = [&] {
        auto hasRoute = [&](Family family, const std::string &dst, const std::string &gateway) {
            auto routes = lab().routes(family);
            return std::any_of(routes.begin(), routes.end(), [&](const nlohmann::json &route) {
                return route.value("dst", "") == dst && route.value("gateway", "") == gateway &&
                       route.value("dev", "") == "media0";
            });
        };
        return defaultsOnAre("other0", Family::inet,
                             {{"other0", "203.0.113.66", 50, rtprotBoot, "main"},
                              {"other0", "203.0.113.67", 60, 16, "main"}}) &&
               defaultsOnAre("other0", Family::inet6, {{"other0", "2001:db8:3::1", 50, rtprotBoot, "main"}}) &&
               sorted(lab().defaultRoutes(Family::inet, "100")) ==
                   std::vector<DefaultRoute>{{"media0", "192.0.2.1", 0, rtprotBoot, "100"}} &&
               sorted(lab().defaultRoutes(Family::inet6, "100")) ==
                   std::vector<DefaultRoute>{{"media0", "2001:db8:1::1", 1024, rtprotBoot, "100"}} &&
               hasRoute(Family::inet, "203.0.113.128/25", "192.0.2.1") &&
               hasRoute(Family::inet6, "2001:db8:ffff::/48", "2001:db8:1::1") && standardRoutesInPlace();
    };
    auto describeAll = [&] {
        return describeBothFamilies() + "\n" + describeDefaults(Family::inet, "100") + "\n" +
               describeDefaults(Family::inet6, "100") + "\n" + lab().describeState();
    };
    EXPECT_TRUE(holdsFor(othersInPlace, describeAll, 500ms));
    EXPECT_TRUE(daemon().running());
}

// 8b. At start ifpind adds the routes of configured gateways before it reads the table (issue 19),
// only where no route holds the role's metric (NLM_F_EXCL): here media's metric is taken by foreign
// routes, mgmt's is free. So mgmt's routes come first, before the table is read, although the
// reconcile after the dump, in the config's order, would write media's first; media's foreign
// routes are replaced by that reconcile as ever, and mgmt's DHCP route goes after ours came.
TEST_F(RoutePolicy, ConfiguredRoutesGoInBeforeTheTableIsRead)
{
    lab().output("ip route add default via 192.0.2.1 dev media0 metric 100 proto static;"
                 " ip -6 route add default via 2001:db8:1::3 dev media0 metric 100 proto static;"
                 " ip route add default via 198.51.100.1 dev mgmt0 metric 0 proto dhcp");
    RouteMonitor monitor(lab());
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome()) << describeBothFamilies();
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_TRUE(standardRoutesStay(300ms)) << describeBothFamilies();

    const std::string mgmtAdded = "default via 198.51.100.1 dev mgmt0 proto 241 metric 1000";
    const std::string mediaAdded = "default via 192.0.2.1 dev media0 proto 241 metric 100";
    const std::string dhcpDeleted = "Deleted default via 198.51.100.1 dev mgmt0 proto 16";
    EXPECT_TRUE(eventually([&] { return firstLineStarting(monitor.lines(), dhcpDeleted) != std::string::npos; },
                           [&] { return "route events:" + monitor.text(); }));
    auto lines = monitor.lines();
    ASSERT_NE(firstLineStarting(lines, mediaAdded), std::string::npos) << "route events:" << monitor.text();
    EXPECT_LT(firstLineStarting(lines, mgmtAdded), firstLineStarting(lines, mediaAdded))
        << "mgmt's configured route was not added before the table was read; route events:" << monitor.text();
    EXPECT_LT(firstLineStarting(lines, mgmtAdded), firstLineStarting(lines, dhcpDeleted))
        << "not make-before-break; route events:" << monitor.text();
}

// 9. SIGTERM: exit 0, routes stay. Started again: still exactly one route per role and family, and
// the kernel sees no write of ifpind's routes (nothing to fix, so nothing written).
TEST_F(RoutePolicy, RestartKeepsOneRoutePerRole)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());
    ASSERT_TRUE(daemon().waitReady());

    EXPECT_EQ(daemon().stop(), 0);
    EXPECT_TRUE(standardRoutesStay(300ms)) << "routes must stay after SIGTERM";

    RouteMonitor monitor(lab());
    daemon().start(lab(), standardConfig());
    EXPECT_TRUE(standardRoutesStay(300ms));
    EXPECT_TRUE(daemon().waitReady());
    EXPECT_TRUE(standardRoutesStay(300ms));

    auto lines = monitor.lines();
    bool touched = std::any_of(lines.begin(), lines.end(), [](const std::string &line) {
        return line.find("proto 241") != std::string::npos;
    });
    EXPECT_FALSE(touched) << "the second run rewrote routes that were already right; route events:"
                          << monitor.text();
    EXPECT_EQ(daemon().stop(), 0);
}

// 10. An invalid file at start: non-zero exit, an error naming file, line and key on stderr, and
// the kernel untouched (a foreign route on a managed interface stays too).
TEST_F(RoutePolicy, InvalidConfigAtStartTouchesNothing)
{
    lab().output("ip route add default via 198.51.100.1 dev mgmt0 metric 0 proto dhcp");
    auto [config, line] = withInvalidMgmtMetric(daemonSection());
    const std::string path = scratch().write("invalid.toml", config);

    auto result = runIfpindOnce({"--config", path, "--log-level", "debug"});
    EXPECT_FALSE(result.timedOut) << "ifpind kept running on an invalid config";
    EXPECT_GT(result.status, 0);
    EXPECT_LT(result.status, 128) << "killed by a signal rather than exiting";

    std::istringstream err(result.err);
    bool named = false;
    for (std::string errLine; std::getline(err, errLine);)
        named = named || (errLine.find(path + ":" + std::to_string(line)) != std::string::npos &&
                          errLine.find("role.mgmt.metric") != std::string::npos);
    EXPECT_TRUE(named) << "no stderr line names " << path << ", line " << line << " and role.mgmt.metric; stderr:\n"
                       << result.err;

    EXPECT_TRUE(noRouteOfOurs()) << describeBothFamilies();
    EXPECT_TRUE(defaultsOnAre("mgmt0", Family::inet, {{"mgmt0", "198.51.100.1", 0, 16, "main"}}))
        << describeDefaults(Family::inet);
}

// 11. --check-config: 0 for a valid file, non-zero for an invalid one; no route written either way.
TEST_F(RoutePolicy, CheckConfigExitCodes)
{
    const std::string valid = scratch().write("valid.toml", standardConfig());
    const std::string invalid = scratch().write("invalid.toml", withInvalidMgmtMetric(daemonSection()).first);

    auto good = runIfpindOnce({"--config", valid, "--check-config"});
    EXPECT_EQ(good.status, 0) << good.describe();
    EXPECT_FALSE(good.timedOut);

    auto bad = runIfpindOnce({"--config", invalid, "--check-config"});
    EXPECT_FALSE(bad.timedOut);
    EXPECT_GT(bad.status, 0);
    EXPECT_LT(bad.status, 128) << "killed by a signal rather than exiting";
    EXPECT_NE(bad.err.find("role.mgmt.metric"), std::string::npos) << "stderr:\n" << bad.err;

    EXPECT_TRUE(noRouteOfOurs()) << describeBothFamilies();
}

// 12. A role with gateway6 only and no foreign IPv4 route to learn from: an IPv6 route, no IPv4 one.
TEST_F(RoutePolicy, Ipv6OnlyRole)
{
    daemon().start(lab(), daemonSection() + roleSection("media", "media0", 100, std::nullopt, "2001:db8:1::1") +
                              mgmtRole());
    EXPECT_TRUE(defaultsOnBecome("media0", Family::inet6, {ours("media0", "2001:db8:1::1", 100)}));
    EXPECT_TRUE(defaultsOnBecome("mgmt0", Family::inet, {ours("mgmt0", "198.51.100.1", 1000)}));
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_TRUE(holdsFor([&] { return lab().defaultRoutesOn("media0", Family::inet).empty(); },
                         [&] { return describeDefaults(Family::inet); }, 300ms));
    EXPECT_TRUE(daemon().running());
}

} // namespace
} // namespace ifpin::lab

namespace ifpin::lab {
namespace {

// 13. Events lost to a full receive buffer (ENOBUFS) are noticed and repaired by a resync: with
// ifpind stopped (SIGSTOP) and a tiny buffer, a burst of 100,001 default-route changes in another
// table (the figure) overflows it, and the deletion of ifpind's media route is lost in it.
TEST_F(RoutePolicy, ResynchronisesAfterNetlinkOverflow)
{
    daemon().start(lab(), standardConfig(), {"--netlink-receive-buffer", "4096"});
    ASSERT_TRUE(standardRoutesBecome());
    ASSERT_TRUE(daemon().waitReady());

    // Add and delete in pairs: one route at a time in table 100 keeps the kernel's work linear
    // (50,000 routes of one prefix at once take it 37 s here, each insert walking the others).
    std::string batch;
    auto pairs = [&batch](int count) {
        for (int i = 0; i < count; ++i) {
            const std::string route = "default via 192.0.2.1 dev media0 table 100 metric " + std::to_string(i % 10);
            batch += "route add " + route + "\nroute del " + route + "\n";
        }
    };
    pairs(25000);
    batch += "route del default via 192.0.2.1 dev media0 metric 100 proto 241\n";
    pairs(25000);
    std::string batchFile = scratch().write("burst.batch", batch);

    daemon().signal(SIGSTOP);
    CommandResult burst = lab().shell("ip -batch " + batchFile);
    daemon().signal(SIGCONT);
    ASSERT_TRUE(burst.ok()) << burst.describe();

    EXPECT_TRUE(eventually([&] { return daemon().log().find("events were lost") != std::string::npos; },
                           [&] { return "ifpind's log:\n" + daemon().log(); }));
    EXPECT_TRUE(standardRoutesBecome());
    EXPECT_TRUE(lab().defaultRoutes(Family::inet, "100").empty()) << describeDefaults(Family::inet, "100");
    EXPECT_TRUE(daemon().running());
}

// 14. ifpind follows the interface by name: renamed away, the role has no interface (and ifpind's
// routes do not stay on the renamed link); renamed back, the routes return.
TEST_F(RoutePolicy, FollowsTheInterfaceNameThroughRenames)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());
    lab().output("ip link set mgmt0 down && ip link set mgmt0 name mgmtx && ip link set mgmtx up");

    auto nothingOnRenamed = [&] {
        return defaultsOnAre("mgmtx", Family::inet, {}) && defaultsOnAre("mgmtx", Family::inet6, {}) &&
               defaultsOnAre("media0", Family::inet, {ours("media0", "192.0.2.1", 100)}) &&
               defaultsOnAre("media0", Family::inet6, {ours("media0", "2001:db8:1::1", 100)});
    };
    EXPECT_TRUE(eventually(nothingOnRenamed, [&] { return describeBothFamilies(); }));
    EXPECT_TRUE(holdsFor(nothingOnRenamed, [&] { return describeBothFamilies(); }, 300ms));

    lab().output("ip link set mgmtx down && ip link set mgmtx name mgmt0 && ip link set mgmt0 up");
    EXPECT_TRUE(standardRoutesBecome());
}

// 15. remove_routes_on_exit: a clean exit takes ifpind's routes, and only those, with it.
TEST_F(RoutePolicy, RemovesItsRoutesOnExitWhenAsked)
{
    lab().output("ip route add default via 203.0.113.66 dev other0 metric 50");
    daemon().start(lab(), daemonSection() + "remove_routes_on_exit = true\n" + mediaRole() + mgmtRole());
    ASSERT_TRUE(standardRoutesBecome());
    EXPECT_EQ(daemon().stop(), 0) << daemon().log();
    EXPECT_TRUE(noRouteOfOurs()) << describeBothFamilies();
    EXPECT_TRUE(defaultsOnAre("other0", Family::inet, {{"other0", "203.0.113.66", 50, rtprotBoot, "main"}}))
        << describeDefaults(Family::inet);
}

// 16. `table` names the table ifpind manages: its routes go there, and main stays as it was.
TEST_F(RoutePolicy, ManagesTheConfiguredTable)
{
    lab().output("ip route add default via 192.0.2.1 dev media0 metric 7 proto dhcp");
    daemon().start(lab(), daemonSection("100") + mediaRole() + mgmtRole());
    const std::vector<DefaultRoute> media{{"media0", "192.0.2.1", 100, ownProtocol, "100"}};
    const std::vector<DefaultRoute> mgmt4{{"mgmt0", "198.51.100.1", 1000, ownProtocol, "100"}};
    const std::vector<DefaultRoute> mgmt6{{"mgmt0", "2001:db8:2::1", 1000, ownProtocol, "100"}};
    auto inTable100 = [&] {
        return defaultsOnAre("media0", Family::inet, media, "100") && defaultsOnAre("mgmt0", Family::inet, mgmt4, "100") &&
               defaultsOnAre("mgmt0", Family::inet6, mgmt6, "100");
    };
    EXPECT_TRUE(eventually(inTable100, [&] { return describeDefaults(Family::inet, "100"); }));
    ASSERT_TRUE(daemon().waitReady());
    const std::vector<DefaultRoute> dhcp{{"media0", "192.0.2.1", 7, 16, "main"}};
    auto mainUntouched = [&] {
        return defaultsOnAre("media0", Family::inet, dhcp) &&
               lab().defaultRoutes(Family::inet6).empty();
    };
    EXPECT_TRUE(holdsFor(mainUntouched, [&] { return describeBothFamilies(); }, 300ms));
}

// 17. Bad command-line arguments: exit status 2 and a message naming the argument.
TEST_F(RoutePolicy, RejectsBadArguments)
{
    CommandResult unknown = runIfpindOnce({"--no-such-option"});
    EXPECT_EQ(unknown.status, 2) << unknown.describe();
    EXPECT_NE(unknown.err.find("--no-such-option"), std::string::npos) << unknown.describe();
    CommandResult tooSmall = runIfpindOnce({"--netlink-receive-buffer", "12"});
    EXPECT_EQ(tooSmall.status, 2) << tooSmall.describe();
    EXPECT_EQ(runIfpindOnce({"--version"}).status, 0);
    EXPECT_TRUE(noRouteOfOurs()) << describeBothFamilies();
}

// 18. The harness reads NOTIFY_SOCKET only until READY, as a busy systemd might not read it for a
// while: a queue that fills up (10 datagrams) must not stall ifpind, so thirty restorations in a
// row all happen.
TEST_F(RoutePolicy, KeepsRestoringWhenNobodyReadsItsNotifications)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());
    ASSERT_TRUE(daemon().waitReady());
    for (int round = 1; round <= 30; ++round) {
        lab().output("ip route del default dev mgmt0 metric 1000");
        ASSERT_TRUE(standardRoutesBecome()) << "round " << round;
    }
}

} // namespace
} // namespace ifpin::lab
