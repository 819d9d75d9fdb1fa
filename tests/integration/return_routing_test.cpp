// Return routing, checked on the kernel's rules and routes and on where packets went: a connection
// that comes in on an uplink is answered through that uplink (source-based policy rules into a
// table of the role's own), while plain outbound traffic still follows the metrics. Each answer is
// counted at the gateways (nftables counters in their namespaces), not only seen to arrive.
#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "return_routing_fixture.hpp"

namespace ifpin::lab {
namespace {

using namespace return_test;

// The defect of issue 13: a connection from behind mgmt's gateway to the host's mgmt address was
// answered through media (the lowest metric) and never completed. Each role's uplink now answers
// its own connections, in both families.
TEST_F(ReturnRouting, InboundConnectionsAreAnsweredThroughTheUplinkTheyCameIn)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());
    ASSERT_TRUE(returnRoutingBecomes());
    for (Family family : {Family::inet, Family::inet6}) {
        EXPECT_TRUE(answeredThroughOwnUplink("mgmt", family));
        EXPECT_TRUE(answeredThroughOwnUplink("media", family));
    }
}

// What the rules must not change: outbound traffic without a source takes media (the metric);
// ifpinctl exec mgmt takes mgmt; and a socket bound to mgmt's address (not to its interface) now
// leaves through mgmt, as binding the management application to the management IP promises.
TEST_F(ReturnRouting, OutboundTrafficFollowsTheMetricUnlessItsSourceIsARolesAddress)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());
    ASSERT_TRUE(returnRoutingBecomes());
    ASSERT_TRUE(daemon().waitReady());

    EXPECT_EQ(lab().shell("curl -sS --max-time 5 http://203.0.113.10/").out, "media\n");
    EXPECT_EQ(lab().shell("curl -sS -g --max-time 5 'http://[2001:db8:ffff::10]/'").out, "media\n");
    // The broker's socket through the shim (kernel pinning needs ifpind started by lab.sh
    // pinning-exec, the Pinning suites' business): bound to mgmt0 whatever the rules say.
    auto exec = lab().shell(requiredEnv("IFPINCTL") + " exec --preload mgmt -- curl -sS --max-time 5 http://203.0.113.10/");
    EXPECT_EQ(exec.out, "mgmt\n") << exec.describe();
    EXPECT_EQ(lab().shell("curl -sS --max-time 5 --interface 198.51.100.2 http://203.0.113.10/").out, "mgmt\n");
    EXPECT_EQ(lab().shell("curl -sS -g --max-time 5 --interface 2001:db8:2::2 'http://[2001:db8:ffff::10]/'").out,
              "mgmt\n");
    EXPECT_EQ(lab().shell("curl -sS --max-time 5 --interface 192.0.2.2 http://203.0.113.10/").out, "media\n");
    // A specific route of main still wins over a role's table: other0's subnet from mgmt's address.
    auto route = lab().shell("ip -4 route get 203.0.113.66 from 198.51.100.2");
    EXPECT_NE(route.out.find("dev other0"), std::string::npos) << route.describe() << route.out;
}

// Addresses come and go (a DHCP renewal, a second address, SLAAC): each one's rule follows within a
// second, and the address is answered through its uplink.
TEST_F(ReturnRouting, AnAddressAddedAtRunTimeIsAnsweredThroughItsUplink)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());

    lab().output("ip addr add 198.51.100.3/24 dev mgmt0; ip addr add 2001:db8:2::3/64 dev mgmt0 nodad");
    std::vector<std::string> with4 = standardRules(Family::inet), with6 = standardRules(Family::inet6);
    with4.push_back(ownRule(mgmtPriority, "198.51.100.3", mgmtTable));
    with6.push_back(ownRule(mgmtPriority, "2001:db8:2::3", mgmtTable));
    std::sort(with4.begin(), with4.end());
    std::sort(with6.begin(), with6.end());
    auto sortedRules = [&](Family family) {
        auto found = rules(family);
        std::sort(found.begin(), found.end());
        return found;
    };
    EXPECT_TRUE(eventually([&] { return sortedRules(Family::inet) == with4 && sortedRules(Family::inet6) == with6; },
                           [&] { return describeRules(); }, 1s));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet, "198.51.100.3"));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet6, "2001:db8:2::3"));

    lab().output("ip addr del 198.51.100.3/24 dev mgmt0; ip addr del 2001:db8:2::3/64 dev mgmt0");
    EXPECT_TRUE(eventually([&] { return standardRulesInPlace(); }, [&] { return describeRules(); }, 1s));
}

// Link-local and tentative IPv6 addresses get no rule: a tentative one cannot be used yet, and a
// link-local peer is on-link (main's fe80::/64 answers it).
TEST_F(ReturnRouting, TentativeAndLinkLocalAddressesGetNoRule)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());
    // DAD on mgmt0 for this address only, against a gateway that never answers: it stays tentative
    // for the DAD time (1 s per probe), long enough to look.
    lab().output("sysctl -qw net.ipv6.conf.mgmt0.accept_dad=1 net.ipv6.conf.mgmt0.dad_transmits=5;"
                 " ip addr add 2001:db8:2::4/64 dev mgmt0; ip addr add fe80::4/64 dev mgmt0 nodad");
    ASSERT_NE(lab().output("ip -6 addr show dev mgmt0").find("tentative"), std::string::npos)
        << lab().output("ip -6 addr show dev mgmt0");
    EXPECT_TRUE(holdsFor([&] { return rules(Family::inet6) == standardRules(Family::inet6); },
                         [&] { return describeRules() + "\n" + lab().output("ip -6 addr show dev mgmt0"); }, 1s));
    // Once DAD is done the address is valid, and it gets its rule.
    std::vector<std::string> with6 = standardRules(Family::inet6);
    with6.push_back(ownRule(mgmtPriority, "2001:db8:2::4", mgmtTable));
    std::sort(with6.begin(), with6.end());
    EXPECT_TRUE(eventually([&] {
        auto found = rules(Family::inet6);
        std::sort(found.begin(), found.end());
        return found == with6;
    }, [&] { return describeRules() + "\n" + lab().output("ip -6 addr show dev mgmt0"); }, 10s));
}

// An admin deletes one of ifpind's rules (and the main rule): both are back within a second and the
// mgmt port answers again; a rule of somebody else's, at another priority, is never touched.
TEST_F(ReturnRouting, ADeletedRuleIsRestoredAndForeignRulesAreLeftAlone)
{
    lab().output("ip rule add pref 500 from 198.51.100.99 lookup 77; ip -6 rule add pref 500 from 2001:db8:2::99 lookup 77");
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());

    lab().output("ip rule del pref 32002 from 198.51.100.2 lookup 1002; ip -6 rule del pref 32000");
    EXPECT_TRUE(eventually([&] { return standardRulesInPlace(); }, [&] { return describeRules(); }, 1s));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet6));

    auto foreign = [&](Family family) {
        auto all = rules(family, false);
        std::string source = family == Family::inet ? "198.51.100.99" : "2001:db8:2::99";
        return std::count(all.begin(), all.end(), "500: from " + source + " lookup 77");
    };
    EXPECT_EQ(foreign(Family::inet), 1) << describeRules();
    EXPECT_EQ(foreign(Family::inet6), 1) << describeRules();
    EXPECT_TRUE(daemon().running());
}

// Events lost to a full receive buffer (ENOBUFS): with ifpind stopped (SIGSTOP) and a tiny buffer, a
// burst of foreign rule changes overflows it, and the deletion of one of ifpind's rules and a new
// address of mgmt0 are lost in it. Only the resync (rules and the followed addresses read again)
// can bring the deleted rule back and give the new address its rule.
TEST_F(ReturnRouting, RulesAndAddressesChangedWhileEventsWereLostAreRepairedByTheResync)
{
    daemon().start(lab(), standardConfig(), {"--netlink-receive-buffer", "4096"});
    ASSERT_TRUE(returnRoutingBecomes());
    ASSERT_TRUE(daemon().waitReady());

    std::string batch;
    auto pairs = [&batch](int count) { // a foreign rule added and deleted: one at a time in the kernel
        for (int i = 0; i < count; ++i)
            batch += "rule add pref 600 from 203.0.113.77 lookup 77\nrule del pref 600 from 203.0.113.77 lookup 77\n";
    };
    pairs(500);
    batch += "rule del pref 32002 from 198.51.100.2 lookup 1002\n";
    batch += "address add 198.51.100.3/24 dev mgmt0\n";
    pairs(500);
    std::string batchFile = scratch().write("burst.batch", batch);

    daemon().signal(SIGSTOP);
    CommandResult burst = lab().shell("ip -batch " + batchFile);
    daemon().signal(SIGCONT);
    ASSERT_TRUE(burst.ok()) << burst.describe();

    EXPECT_TRUE(eventually([&] { return daemon().log().find("events were lost") != std::string::npos; },
                           [&] { return "ifpind's log:\n" + daemon().log(); }));
    std::vector<std::string> with4 = standardRules(Family::inet);
    with4.push_back(ownRule(mgmtPriority, "198.51.100.3", mgmtTable));
    std::sort(with4.begin(), with4.end());
    EXPECT_TRUE(eventually([&] {
        auto found = rules(Family::inet);
        std::sort(found.begin(), found.end());
        return found == with4;
    }, [&] { return describeRules(); }));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet, "198.51.100.3"));
    EXPECT_TRUE(daemon().running());
}

// A restart adopts the rules and reply routes in place: the same set, no duplicates. With
// remove_routes_on_exit, a clean exit takes rules and reply tables away too.
TEST_F(ReturnRouting, ARestartKeepsTheSameRulesAndRemoveOnExitTakesThemAway)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());
    ASSERT_EQ(daemon().stop(), 0);
    EXPECT_TRUE(standardRulesInPlace()) << describeRules();

    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_TRUE(holdsFor([&] { return standardRulesInPlace() && standardReplyRoutesInPlace(); },
                         [&] { return describeRules() + "\n" + describeReplyTables(); }, 500ms));
    ASSERT_EQ(daemon().stop(), 0);

    std::string removing = standardConfig();
    removing.insert(removing.find("\n") + 1, "remove_routes_on_exit = true\n");
    daemon().start(lab(), removing);
    ASSERT_TRUE(daemon().waitReady());
    ASSERT_EQ(daemon().stop(), 0);
    EXPECT_TRUE(rules(Family::inet).empty() && rules(Family::inet6).empty()) << describeRules();
    for (uint32_t table : {mediaTable, mgmtTable})
        for (Family family : {Family::inet, Family::inet6})
            EXPECT_TRUE(lab().routes(family, std::to_string(table)).empty())
                << describeDefaults(family, std::to_string(table));
}

// A role removed from the file while ifpind was stopped: at the next start its rules are found
// (they carry ifpind's protocol), the table they name is read, and both are cleared; the role that
// stays keeps its rules.
TEST_F(ReturnRouting, ARoleRemovedWhileIfpindWasStoppedLeavesNothingBehind)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());
    ASSERT_EQ(daemon().stop(), 0);

    daemon().start(lab(), daemonSection() + mediaRole());
    std::vector<std::string> mediaOnly4{mainRule(), ownRule(mediaPriority, "192.0.2.2", mediaTable)};
    std::vector<std::string> mediaOnly6{mainRule(), ownRule(mediaPriority, "2001:db8:1::2", mediaTable)};
    EXPECT_TRUE(eventually([&] { return rules(Family::inet) == mediaOnly4 && rules(Family::inet6) == mediaOnly6; },
                           [&] { return describeRules(); }));
    EXPECT_TRUE(eventually([&] {
        return lab().defaultRoutes(Family::inet, std::to_string(mgmtTable)).empty() &&
               lab().defaultRoutes(Family::inet6, std::to_string(mgmtTable)).empty();
    }, [&] { return describeReplyTables(); }));
    EXPECT_EQ(lab().defaultRoutes(Family::inet, std::to_string(mediaTable)).size(), 1u) << describeReplyTables();
}

// A link flap drops the reply routes with the main ones (IPv4 without a notification); deleting and
// creating the interface again drops its addresses too. Rules and reply routes come back, and so
// do the answers.
TEST_F(ReturnRouting, RulesAndReplyRoutesComeBackAfterALinkFlapAndARecreatedInterface)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());

    lab().output("ip link set mgmt0 down");
    ASSERT_TRUE(eventually([&] { return lab().defaultRoutes(Family::inet, std::to_string(mgmtTable)).empty(); },
                           [&] { return describeReplyTables(); }));
    lab().output("ip link set mgmt0 up");
    EXPECT_TRUE(returnRoutingBecomes());
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet));

    lab().recreateUplink("mgmt");
    EXPECT_TRUE(returnRoutingBecomes());
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet6));
    EXPECT_TRUE(daemon().running());
}

// return_routing = false for mgmt: no rule, no reply table, and mgmt's connections are answered by
// the metric again (through media, where they are lost). media keeps its rules.
TEST_F(ReturnRouting, ReturnRoutingOffLeavesARoleToTheMetric)
{
    std::string config = standardConfig() + "return_routing = false\n"; // mgmt is the last section
    daemon().start(lab(), config);
    ASSERT_TRUE(standardRoutesBecome());
    std::vector<std::string> expected4{mainRule(), ownRule(mediaPriority, "192.0.2.2", mediaTable)};
    ASSERT_TRUE(eventually([&] { return rules(Family::inet) == expected4; }, [&] { return describeRules(); }));
    EXPECT_TRUE(lab().routes(Family::inet, std::to_string(mgmtTable)).empty());

    long long mediaBefore = answersAt("media", Family::inet);
    EXPECT_NE(connectFromBehind("mgmt", Family::inet).out, "host\n");
    EXPECT_GT(answersAt("media", Family::inet), mediaBefore) << "mgmt's answers did not go out through media";
}

// A reload that moves mgmt's table and priority moves its rules and reply routes: the new ones are
// in place and the old ones gone.
TEST_F(ReturnRouting, AReloadMovesRulesAndReplyRoutes)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());

    daemon().reload(standardConfig() + "reply_table = 2002\nreply_priority = 32100\n");
    std::vector<std::string> expected4{mainRule(), ownRule(mediaPriority, "192.0.2.2", mediaTable),
                                       ownRule(32100, "198.51.100.2", 2002)};
    EXPECT_TRUE(eventually([&] { return rules(Family::inet) == expected4; }, [&] { return describeRules(); }));
    EXPECT_TRUE(eventually([&] {
        return lab().defaultRoutes(Family::inet, "2002") ==
                   std::vector<DefaultRoute>{{"mgmt0", "198.51.100.1", 1000, ownProtocol, "2002"}} &&
               lab().defaultRoutes(Family::inet, std::to_string(mgmtTable)).empty() &&
               lab().defaultRoutes(Family::inet6, std::to_string(mgmtTable)).empty();
    }, [&] { return describeDefaults(Family::inet, "2002") + "\n" + describeReplyTables(); }));
    EXPECT_TRUE(answeredThroughOwnUplink("mgmt", Family::inet));
}

// A reload whose return-routing keys are wrong is refused, each problem named at its line and key,
// and the rules in force stay; ifpind goes on, and --check-config says the same.
TEST_F(ReturnRouting, AnInvalidReloadKeepsTheRulesInForce)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(returnRoutingBecomes());

    std::string invalid = standardConfig() + "reply_table = \"main\"\nreply_priority = 31000\n";
    daemon().reload(invalid);
    EXPECT_TRUE(eventually([&] { return daemon().log().find("previous policy stays in force") != std::string::npos; },
                           [&] { return daemon().log(); }));
    std::string log = daemon().log();
    EXPECT_NE(log.find("role.mgmt.reply_table: expected a table of the role's own, got the kernel's table main"),
              std::string::npos) << log;
    EXPECT_NE(log.find("role.mgmt.reply_priority: expected a priority above daemon.main_rule_priority (32000)"),
              std::string::npos) << log;
    EXPECT_TRUE(holdsFor([&] { return standardRulesInPlace(); }, [&] { return describeRules(); }, 300ms));
    EXPECT_TRUE(daemon().running());

    auto check = runIfpindOnce({"--check-config", "--config", scratch().write("invalid.toml", invalid)});
    EXPECT_EQ(check.status, 1) << check.describe();
    EXPECT_NE(check.err.find("role.mgmt.reply_table"), std::string::npos) << check.describe();
}

} // namespace
} // namespace ifpin::lab
