// ifpind beside Debian's systemd-networkd 252 managing the role's own interface (issue #20, gap 4).
// networkd runs in the lab's host namespace, in a mount and UTS namespace of its own (its
// /run/systemd, /etc/systemd/network, networkd.conf and resolv.conf are the test's), on a private
// system bus with Debian's bus policy for it, so that networkctl reaches it and nothing reaches
// the machine's networkd or bus. dnsmasq serves DHCP from the mgmt gateway as in the Coexistence
// suite. Route events are counted with RouteMonitor and timed with `ip -ts monitor route`.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "coexistence_fixture.hpp"
#include "private_bus.hpp"

namespace ifpin::lab {
namespace {

using namespace coexistence;

constexpr const char *networkdProgram = "/lib/systemd/systemd-networkd";
constexpr const char *networkctlProgram = "/usr/bin/networkctl";
constexpr const char *networkdBusPolicy = "/usr/share/dbus-1/system.d/org.freedesktop.network1.conf";

// networkd as installed, or as docs/configuration.md asks: ManageForeignRoutes=no and
// ManageForeignRoutingPolicyRules=no in networkd.conf's [Network] (networkd leaves the routes and
// rules it did not add alone: return routing's rules are ifpind's) and KeepConfiguration=static in the
// role interface's .network (a reload that changes the file keeps networkd's addresses, and with
// them the routes through them).
enum class NetworkdSetup { networkdDefaults, documented };
// mgmt0's .network: a fixed address with Gateway=, or networkd's own DHCPv4 client.
enum class Addressing { fixed, dhcp };

// What one reconfiguration did to the route events, from the timestamped monitor.
struct Episode {
    size_t events = 0;                          // route events on mgmt0 (both families)
    size_t ourDeletions = 0;                    // ifpind's routes deleted (by networkd, or by ifpind replacing them)
    size_t ourAdditions = 0;                    // ifpind's routes added (restorations)
    std::optional<double> longestGapMs;         // longest time one of ifpind's routes was missing
    bool addressRemoved = false;                // networkd removed (and re-added) mgmt0's IPv4 address
    size_t ourRuleDeletions = 0;                // ifpind's rules not of mgmt0's addresses deleted (by networkd)
};

// What networkd's defaults do at a reload or reconfigure, as docs/configuration.md says: they
// delete ifpind's routes and rules on mgmt0, ifpind puts them back within 1 s, and the episode
// ends (no fight: a bounded number of events).
void expectDeletedByNetworkdAndRestored(const Episode &episode)
{
    EXPECT_GE(episode.ourDeletions, 1u) << "networkd's defaults no longer delete foreign routes (docs say they do)";
    EXPECT_GE(episode.ourRuleDeletions, 1u) << "networkd's defaults no longer delete foreign rules (docs say they do)";
    EXPECT_TRUE(episode.longestGapMs && *episode.longestGapMs < 1000);
    EXPECT_LE(episode.events, 20u); // measured 18
}

class Networkd : public Coexistence {
protected:
    void SetUp() override
    {
        Coexistence::SetUp();
        if (HasFatalFailure())
            return;
        requiredProgram(networkdProgram, "systemd");
        requiredProgram(networkctlProgram, "systemd");
        PrivateBusOptions options;
        options.policies = {networkdBusPolicy};
        networkdBus_.emplace(options); // DBUS_SYSTEM_BUS_ADDRESS for networkd and networkctl started from here
    }
    void TearDown() override
    {
        if (HasFailure() && networkdRunning())
            std::cerr << "--- networkctl status mgmt0:\n" << networkctl("--lines=0 status mgmt0").out << "\n";
        Coexistence::TearDown(); // networkd and dnsmasq go first, then ifpind and the lab
        networkdBus_.reset();
    }

    // mgmt0's .network. The lab's IPv6 address is listed so that it is networkd's own, not a
    // foreign one networkd may drop; nothing a client could write into resolv.conf is taken.
    std::string networkFile(Addressing addressing, const std::string &extra = "") const
    {
        std::string out = "[Match]\nName=mgmt0\n\n[Network]\nAddress=2001:db8:2::2/64\nIPv6AcceptRA=no\n";
        if (setup_ == NetworkdSetup::documented)
            out += "KeepConfiguration=static\n";
        if (addressing == Addressing::fixed)
            out += "Address=198.51.100.2/24\n";
        else
            out += "DHCP=ipv4\n";
        out += extra;
        if (addressing == Addressing::dhcp)
            out += "\n[DHCPv4]\nUseDNS=no\nUseNTP=no\nUseHostname=no\nUseDomains=no\n";
        return out;
    }
    void writeNetworkFile(const std::string &content)
    {
        std::filesystem::create_directories(scratch().path() + "/networkd/network");
        scratch().write("networkd/network/10-mgmt0.network", content);
    }

    // networkd in the lab's host namespace, in a mount and UTS namespace of its own: a tmpfs as
    // /run/systemd (its state), the scratch directory's network/ as /run/systemd/network (so that
    // a test can change it before `networkctl reload`), empty /etc/systemd/network and
    // /usr/lib/systemd/network (Debian's examples do not match here, but neither do the host's
    // files), networkd.conf and resolv.conf from the scratch directory, no /run/dbus, and a
    // read-only /sys (no udev runs here, so links need no udev initialisation).
    void startNetworkd(Addressing addressing, NetworkdSetup setup)
    {
        setup_ = setup;
        std::string dir = scratch().path() + "/networkd";
        writeNetworkFile(networkFile(addressing, addressing == Addressing::fixed ? "Gateway=198.51.100.1\n" : ""));
        scratch().write("networkd/networkd.conf",
                        setup == NetworkdSetup::documented
                            ? "[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n"
                            : "[Network]\n");
        scratch().write("networkd/resolv.conf", "");
        std::string mounts =
            "mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/network /run/systemd/netif/links "
            "/run/systemd/netif/leases /run/systemd/netif/lldp && "
            "chown -R systemd-network:systemd-network /run/systemd/netif && "
            "mount --bind " + dir + "/network /run/systemd/network && "
            "mount -t tmpfs tmpfs /etc/systemd/network && mount -t tmpfs tmpfs /usr/lib/systemd/network && "
            "for d in /etc/systemd/networkd.conf.d /usr/lib/systemd/networkd.conf.d /run/dbus; do "
            "if [ -d $d ]; then mount -t tmpfs tmpfs $d || exit 1; fi; done && "
            "mount --bind " + dir + "/networkd.conf /etc/systemd/networkd.conf && "
            "mount --bind " + dir + "/resolv.conf /etc/resolv.conf && "
            "mount -o remount,bind,ro /sys && echo $$ >" + dir + "/networkd.pid";
        startIn(lab().hostNamespace(), "networkd",
                "SYSTEMD_LOG_LEVEL=debug exec unshare --mount --uts --propagation private sh -c '" + mounts +
                    " && exec " + networkdProgram + "'");
        ASSERT_TRUE(eventually([&] { return networkdRunning(); }, [&] { return background_["networkd"]->log(); }, 10s));
    }
    bool networkdRunning() const
    {
        std::error_code error;
        return background_.count("networkd") &&
               std::filesystem::file_size(scratch().path() + "/networkd/networkd.pid", error) > 0 && !error;
    }
    // networkctl in networkd's mount namespace (its state files), on the private bus.
    CommandResult networkctl(const std::string &args)
    {
        std::string pidFile = scratch().path() + "/networkd/networkd.pid";
        return lab().shell("nsenter --mount=/proc/$(cat " + pidFile + ")/ns/mnt timeout 10 " + networkctlProgram +
                           " --no-pager " + args);
    }
    std::string networkdState()
    {
        return networkctl("list --no-legend mgmt0").out;
    }
    ::testing::AssertionResult networkdConfigures()
    {
        return eventually([&] { return networkdState().find(" configured") != std::string::npos; },
                          [&] { return "networkd did not configure mgmt0: " + networkdState() + "\n" +
                                       background_["networkd"]->log(); },
                          20s);
    }

    // Both families on mgmt0 and media0's IPv4 route exactly ifpind's.
    bool policyExact(const std::string &gateway = "198.51.100.1")
    {
        return mgmtExact(gateway) && defaultsOnAre("mgmt0", Family::inet6, {ours("mgmt0", "2001:db8:2::1", 1000)});
    }
    ::testing::AssertionResult policyBecomesExact(const std::string &gateway = "198.51.100.1",
                                                  std::chrono::milliseconds deadline = 5s)
    {
        return eventually([&] { return policyExact(gateway); }, [&] { return describeBothFamilies(); }, deadline);
    }
    // ifpind's policy rules (return routing's: each role's address to its reply table), as ip -j
    // prints them, both families.
    std::vector<std::string> ownRules()
    {
        std::vector<std::string> out;
        for (Family family : {Family::inet, Family::inet6}) {
            auto result = lab().shell("ip -N -j -f " + std::string(familyName(family)) + " rule show");
            if (!result.ok())
                throw std::runtime_error("ip rule show failed: " + result.describe());
            for (const auto &rule : nlohmann::json::parse(result.out))
                if (rule.value("protocol", "") == std::to_string(ownProtocol))
                    out.push_back(rule.dump());
        }
        return out;
    }
    static std::string describe(const std::vector<std::string> &rules)
    {
        std::string out = "ifpind's rules:";
        for (const auto &rule : rules)
            out += "\n  " + rule;
        return out;
    }

    // Runs a networkctl command while both monitors listen; then waits for networkd's own route
    // (`networkdRoute`, as the monitor prints it) to show, for the policy to be exact within 1 s
    // of that, and for 2 s of exact policy with no further route event: no fight.
    Episode reconfigureAndWatch(const std::string &command, const std::string &networkdRoute,
                                const std::string &gateway = "198.51.100.1")
    {
        return watch(
            [&] {
                auto result = networkctl(command);
                EXPECT_TRUE(result.ok()) << "networkctl " << command << ": " << result.describe();
            },
            "networkctl " + command, networkdRoute, gateway);
    }
    // The same around any action (networkd's start).
    Episode watch(const std::function<void()> &action, const std::string &what, const std::string &networkdRoute,
                  const std::string &gateway = "198.51.100.1")
    {
        std::string timedLog = "timed-monitor-" + std::to_string(++episodes_);
        auto &timed = startIn(lab().hostNamespace(), timedLog, "exec ip -ts -N monitor route rule");
        const auto rulesBefore = ownRules();
        EXPECT_EQ(rulesBefore.size(), 6u) << describe(rulesBefore); // the main rule, media's, mgmt's; both families
        auto exact = [&] { return policyExact(gateway) && ownRules() == rulesBefore; };
        auto describeAll = [&] { return describeBothFamilies() + "\n" + describe(ownRules()); };
        RouteMonitor monitor(lab()); // returns once the kernel's events reach it; the timed one started first
        action();
        EXPECT_TRUE(eventually([&] { return monitor.text().find(networkdRoute) != std::string::npos; },
                               [&] { return "networkd did not add " + networkdRoute + ":" + monitor.text(); }, 10s));
        EXPECT_TRUE(eventually(exact, describeAll, 1s)) << monitor.text();
        size_t settled = monitor.lines().size();
        EXPECT_TRUE(holdsFor([&] { return exact() && monitor.lines().size() == settled; },
                             [&] { return "a fight after " + what + ":" + monitor.text() + "\n" +
                                          describeAll(); },
                             2s));
        Episode episode = summarise(timed.log());
        episode.events = 0;
        for (const auto &line : monitor.lines())
            if (line.find("dev mgmt0") != std::string::npos)
                ++episode.events;
        stopBackground(timedLog);
        return episode;
    }

    // From `ip -ts monitor route` ("[2026-12-02T04:23:00.123456] Deleted default via ..."): how often
    // ifpind's routes on mgmt0 were deleted and added, and the longest time one of its main-table
    // routes was missing. A route goes missing when it is deleted, and also when mgmt0's IPv4
    // address goes (networkd removing it): the kernel then drops every route through it without an
    // event, ifpind's included, and the address's prefix route's deletion is the moment it happened.
    static Episode summarise(const std::string &timedText)
    {
        Episode episode;
        std::map<std::string, double> missingSince; // "inet" or "inet6" -> when it went
        std::istringstream in(timedText);
        for (std::string line; std::getline(in, line);) {
            // ifpind itself removes the rule of an address that goes, and adds it back with it.
            if (line.find("] Deleted ") != std::string::npos && line.find(" lookup ") != std::string::npos &&
                line.find("proto 241") != std::string::npos && line.find("from 198.51.100.") == std::string::npos &&
                line.find("from 2001:db8:2::") == std::string::npos)
                ++episode.ourRuleDeletions;
            if (line.size() < 30 || line[0] != '[' || line.find("dev mgmt0") == std::string::npos)
                continue;
            double at = std::stod(line.substr(12, 2)) * 3600 + std::stod(line.substr(15, 2)) * 60 +
                        std::stod(line.substr(18, 9));
            std::string event = line.substr(line.find(']') + 2);
            bool deleted = event.rfind("Deleted ", 0) == 0;
            bool mainTable = event.find(" table ") == std::string::npos;
            std::string family = event.find(':') != std::string::npos ? "inet6" : "inet";
            if (deleted && event.rfind("Deleted 198.51.100.0/24 dev mgmt0", 0) == 0) {
                episode.addressRemoved = true;
                missingSince.emplace("inet", at);
            }
            if (event.find("proto 241") == std::string::npos)
                continue;
            if (deleted) {
                ++episode.ourDeletions;
                if (mainTable)
                    missingSince.emplace(family, at);
            } else {
                ++episode.ourAdditions;
                auto found = missingSince.find(family);
                if (mainTable && found != missingSince.end()) {
                    episode.longestGapMs = std::max(episode.longestGapMs.value_or(0), (at - found->second) * 1000);
                    missingSince.erase(found);
                }
            }
        }
        return episode;
    }
    static void report(const std::string &what, const Episode &episode)
    {
        std::cerr << what << ": " << episode.events << " route events on mgmt0, ifpind's routes deleted "
                  << episode.ourDeletions << " and restored " << episode.ourAdditions
                  << " times, its other rules (main, media) deleted "
                  << episode.ourRuleDeletions << " times";
        if (episode.longestGapMs)
            std::cerr << ", longest missing " << *episode.longestGapMs << " ms";
        if (episode.addressRemoved)
            std::cerr << " (networkd removed and re-added mgmt0's IPv4 address)";
        std::cerr << "\n";
    }

    // networkd configures mgmt0 first (as at boot), then ifpind starts and makes the policy exact.
    void startBoth(Addressing addressing, NetworkdSetup setup)
    {
        if (addressing == Addressing::dhcp)
            startDhcpServer();
        ASSERT_NO_FATAL_FAILURE(startNetworkd(addressing, setup));
        ASSERT_TRUE(networkdConfigures());
        daemon().start(lab(), learningConfig());
        ASSERT_TRUE(daemon().waitReady());
        ASSERT_TRUE(policyBecomesExact());
    }

    std::optional<PrivateBus> networkdBus_;
    NetworkdSetup setup_ = NetworkdSetup::networkdDefaults;
    int episodes_ = 0;
};

// `networkctl reconfigure mgmt0`, documented setup: networkd removes and re-adds its own addresses
// (a reconfiguration starts from nothing, whatever KeepConfiguration says), and the kernel drops the
// IPv4 routes through the address with it, ifpind's included, without an event; ifpind restores
// them once the address is back (measured 5-20 ms). networkd deletes none of ifpind's routes or
// rules itself (with its defaults it deletes the IPv6 routes and every rule of ifpind's, media's
// too: the NetworkdDefaults cases), the policy (routes and rules) is exact within 1 s of networkd's
// route and no fight follows.
TEST_F(Networkd, ReconfigureWithTheDocumentedSetupDeletesNoneOfOurRoutes)
{
    ASSERT_NO_FATAL_FAILURE(startBoth(Addressing::fixed, NetworkdSetup::documented));
    Episode episode = reconfigureAndWatch("reconfigure mgmt0", "default via 198.51.100.1 dev mgmt0 proto 4 ");
    report("reconfigure, documented setup", episode);
    EXPECT_EQ(episode.ourDeletions, 0u) << "networkd deleted ifpind's routes";
    EXPECT_EQ(episode.ourRuleDeletions, 0u) << "networkd deleted ifpind's rules";
    EXPECT_LE(episode.events, 16u); // measured 14: the address's 6 routes out and in, networkd's 2, ifpind's 2
}

// `networkctl reload` after mgmt0's .network changed (networkd's route moves to metric 512),
// documented setup: networkd adds its new route and ifpind replaces it; ifpind's routes and rules
// are never deleted and never missing (no restoration at all), no fight. With networkd's defaults
// the same reload deletes all four of ifpind's routes on mgmt0 and all six of its rules, and
// cycles the address.
TEST_F(Networkd, ReloadWithTheDocumentedSetupNeverBreaksThePolicy)
{
    ASSERT_NO_FATAL_FAILURE(startBoth(Addressing::fixed, NetworkdSetup::documented));
    writeNetworkFile(networkFile(Addressing::fixed, "\n[Route]\nGateway=198.51.100.1\nMetric=512\n"));
    Episode episode = reconfigureAndWatch("reload", "default via 198.51.100.1 dev mgmt0 proto 4 metric 512");
    report("reload, documented setup", episode);
    EXPECT_EQ(episode.ourDeletions, 0u) << "networkd deleted ifpind's routes";
    EXPECT_EQ(episode.ourRuleDeletions, 0u) << "networkd deleted ifpind's rules";
    EXPECT_FALSE(episode.addressRemoved) << "networkd removed mgmt0's address (KeepConfiguration=static missing?)";
    EXPECT_EQ(episode.ourAdditions, 0u) << "ifpind had to restore its routes";
    EXPECT_LE(episode.events, 4u); // measured 2: networkd's route added, ifpind deleting it
}

// A renewal by networkd's own DHCPv4 client that changes the router (dnsmasq now names .3),
// documented setup: ifpind's mgmt route follows within 1 s of networkd's, in a bounded number of
// events, no fight. (A renewal does not drop foreign routes even with networkd's defaults.)
TEST_F(Networkd, RenewalWithANewRouterIsFollowedWithinASecond)
{
    ASSERT_TRUE(lab().shellIn(lab().gatewayNamespace("mgmt"), "ip addr add 198.51.100.3/24 dev uplink0").ok());
    ASSERT_NO_FATAL_FAILURE(startBoth(Addressing::dhcp, NetworkdSetup::documented));
    startDhcpServer("198.51.100.3"); // the same lease file: networkd keeps its address
    Episode episode =
        reconfigureAndWatch("renew mgmt0", "default via 198.51.100.3 dev mgmt0 proto 16 ", "198.51.100.3");
    report("renewal with a new router, documented setup", episode);
    // measured 8: networkd's host route and default via .3, ifpind's via .3 in both tables, the old
    // ones (networkd's host route, ifpind's two) and networkd's new default deleted
    EXPECT_LE(episode.events, 10u);
}

// networkd's defaults (ManageForeignRoutes=yes, ManageForeignRoutingPolicyRules=yes, no
// KeepConfiguration): `networkctl reconfigure` deletes ifpind's IPv6 routes on mgmt0 (the address
// takes the IPv4 ones with it) and every rule of ifpind's; ifpind restores them and networkd does
// not come back: exact within 1 s, no fight, the routes missing for
// milliseconds (measured 8-19 ms, waiting for the address to come back).
TEST_F(Networkd, ReconfigureWithNetworkdDefaultsEndsExactWithoutAFight)
{
    ASSERT_NO_FATAL_FAILURE(startBoth(Addressing::fixed, NetworkdSetup::networkdDefaults));
    Episode episode = reconfigureAndWatch("reconfigure mgmt0", "default via 198.51.100.1 dev mgmt0 proto 4 ");
    report("reconfigure, networkd's defaults", episode);
    expectDeletedByNetworkdAndRestored(episode);
}

// networkd's defaults, `networkctl reload` of a changed .network: networkd deletes all of ifpind's
// routes on mgmt0 and its rules, and cycles the address; ifpind restores them, exact within 1 s, no fight.
TEST_F(Networkd, ReloadWithNetworkdDefaultsEndsExactWithoutAFight)
{
    ASSERT_NO_FATAL_FAILURE(startBoth(Addressing::fixed, NetworkdSetup::networkdDefaults));
    writeNetworkFile(networkFile(Addressing::fixed, "\n[Route]\nGateway=198.51.100.1\nMetric=512\n"));
    Episode episode = reconfigureAndWatch("reload", "default via 198.51.100.1 dev mgmt0 proto 4 metric 512");
    report("reload, networkd's defaults", episode);
    expectDeletedByNetworkdAndRestored(episode);
}

// networkd starting beside a running ifpind (the other boot order: mgmt0's address and gateway
// given to both), with networkd's defaults: networkd adds its route, ifpind replaces it, and
// nothing of ifpind's is deleted: ManageForeignRoutes acts at a reconfiguration, not at this start.
TEST_F(Networkd, StartingBesideARunningIfpindDeletesNothingOfIt)
{
    // As networkd writes it (with the broadcast address): an address networkd would have to change
    // fails the link ("Failed to configure address: Numerical result out of range").
    ASSERT_TRUE(lab().shell("ip addr add 198.51.100.2/24 brd + dev mgmt0").ok());
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(daemon().waitReady());
    ASSERT_TRUE(policyBecomesExact());
    Episode episode = watch([&] { startNetworkd(Addressing::fixed, NetworkdSetup::networkdDefaults); },
                            "networkd's start", "default via 198.51.100.1 dev mgmt0 proto 4 ");
    ASSERT_TRUE(networkdConfigures());
    report("networkd's start beside ifpind, networkd's defaults", episode);
    EXPECT_EQ(episode.ourDeletions, 0u);
    EXPECT_EQ(episode.ourRuleDeletions, 0u);
    EXPECT_EQ(episode.ourAdditions, 0u) << "ifpind had to restore its routes";
    EXPECT_LE(episode.events, 4u); // measured 2: networkd's route added, ifpind deleting it
}

} // namespace
} // namespace ifpin::lab
