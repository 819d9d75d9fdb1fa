// The egress guard in a lab (docs/security.md): a socket from the broker is marked, and ifpind's
// nftables table drops what it sends out of any interface but its role's. An unprivileged client
// (uid 4242, group 4243, allowed on mgmt) tries each way out it has: IP_PKTINFO naming media0 in
// sendmsg() (which SO_BINDTODEVICE alone lets through on IPv4), IP_UNICAST_IF, bind() to media0's
// address, and changing SO_MARK or SO_BINDTODEVICE. Nothing reaches the media gateway (its own SNMP
// counters say), the drops are counted per role (in nftables, on D-Bus and in `ifpinctl status`),
// and the table goes when ifpind exits with remove_routes_on_exit (and stays otherwise). ifpind runs
// on a private bus (dbus_test_support.hpp).
#include <cstdint>
#include <filesystem>
#include <string>

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker_test_support.hpp"
#include "dbus_test_support.hpp"
#include "lab_fixture.hpp"

namespace ifpin::lab {
namespace {

using namespace broker_test;

// The documented marks (docs/security.md): 0x69700000 | 16-bit FNV-1a of the role name.
uint32_t markOf(const std::string &role)
{
    uint32_t hash = 2166136261u;
    for (unsigned char c : role) {
        hash ^= c;
        hash *= 16777619u;
    }
    return 0x69700000u | ((hash >> 16) ^ (hash & 0xffff));
}

class Egress : public BusLabTest {
protected:
    void SetUp() override
    {
        BusLabTest::SetUp();
        if (HasFatalFailure())
            return;
        ASSERT_EQ(chmod(scratch().path().c_str(), 0755), 0) << strerror(errno);
        socketPath_ = scratch().path() + "/ifpind.sock";
        setenv("IFPIN_SOCKET", socketPath_.c_str(), 1);
        ASSERT_NO_THROW(probe_ = requiredEnv("IFPIN_EGRESS_PROBE"));
    }

    // extraDaemon: lines for [daemon], e.g. remove_routes_on_exit.
    std::string config(const std::string &mgmtInterface = "mgmt0", bool mgmtFirst = false,
                       const std::string &extraDaemon = "") const
    {
        std::string media = "\n[role.media]\ninterface = \"media0\"\nmetric = 100\ngateway4 = \"192.0.2.1\"\n";
        std::string mgmt = "\n[role.mgmt]\ninterface = \"" + mgmtInterface +
                           "\"\nmetric = 1000\ngateway4 = \"198.51.100.1\"\nallow_groups = [\"" +
                           std::to_string(allowedGroup) + "\"]\n";
        return daemonSection() + extraDaemon + (mgmtFirst ? mgmt + media : media + mgmt);
    }

    void startDaemon(const std::string &extraDaemon = "")
    {
        ASSERT_TRUE(BusLabTest::startDaemon(config("mgmt0", false, extraDaemon)));
        ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socketPath_); })) << "no broker socket";
        ASSERT_TRUE(eventually([&] { return table().has_value(); }, [&] { return daemon().log(); }))
            << "no table inet ifpind";
    }

    // `nft -j list table inet ifpind` in the lab's host namespace; nothing when there is no table.
    std::optional<nlohmann::json> table()
    {
        auto result = lab().shellIn(lab().hostNamespace(), "nft -j list table inet ifpind");
        if (!result.ok())
            return std::nullopt;
        return nlohmann::json::parse(result.out);
    }

    // The role's rule: {"mark", "oifname", "packets"}; null when absent.
    nlohmann::json ruleOf(const std::string &role)
    {
        auto listing = table();
        if (!listing)
            return nullptr;
        for (const auto &entry : (*listing)["nftables"]) {
            if (!entry.contains("rule") || entry["rule"].value("comment", "") != "role " + role)
                continue;
            nlohmann::json out = {{"mark", nullptr}, {"oifname", nullptr}, {"packets", nullptr}};
            for (const auto &expression : entry["rule"]["expr"]) {
                if (expression.contains("counter"))
                    out["packets"] = expression["counter"]["packets"];
                if (expression.contains("match")) {
                    const auto &key = expression["match"]["left"]["meta"]["key"];
                    out[key.get<std::string>()] = expression["match"]["right"];
                }
            }
            return out;
        }
        return nullptr;
    }

    uint64_t dropped(const std::string &role)
    {
        auto rule = ruleOf(role);
        return rule.is_object() && rule["packets"].is_number() ? rule["packets"].get<uint64_t>() : 0;
    }

    // The probe as the allowed, unprivileged user: "setup R send R answer NAME".
    std::string probe(const std::string &mode, const std::string &arg, const std::string &label = "")
    {
        auto result = lab().shell(asAllowedUser() + quote(probe_) + " mgmt " + mode + " " + quote(arg) + " " +
                                  server4 + " 7");
        EXPECT_TRUE(result.ok()) << mode << ": " << result.describe();
        RecordProperty(label.empty() ? mode : label, trim(result.out)); // in the JUnit XML: what each way out did
        return trim(result.out);
    }

    long long mediaDatagrams()
    {
        return trafficCounters(lab()).at(lab().gatewayNamespace("media") + "/Udp:InDatagrams");
    }

    std::string socketPath_, probe_;
};

TEST_F(Egress, PktinfoToAnotherInterfaceIsDroppedAndCounted)
{
    startDaemon();
    ASSERT_EQ(probe("plain", "-"), "setup ok send ok answer mgmt");
    const std::string media = std::to_string(lab().ifindex("media0"));
    long long before = mediaDatagrams();
    uint64_t droppedBefore = dropped("mgmt");

    std::string outcome = probe("pktinfo", media);
    EXPECT_EQ(outcome, "setup ok send EPERM answer none") << "the guard's drop shows as EPERM to the sender";
    EXPECT_EQ(mediaDatagrams(), before) << "a datagram reached the media gateway: " << outcome;
    EXPECT_EQ(dropped("mgmt"), droppedBefore + 1) << ruleOf("mgmt").dump();
    EXPECT_EQ(dropped("media"), 0u);
    // The same counter on D-Bus and in ifpinctl status.
    EXPECT_EQ(roleProperty("mgmt", "EgressDropped"), "t " + std::to_string(droppedBefore + 1));
    EXPECT_EQ(roleProperty("media", "EgressDropped"), "t 0");
    auto status = runCommand({requiredEnv("IFPINCTL"), "status", "--json"});
    ASSERT_TRUE(status.ok()) << status.describe();
    auto parsed = nlohmann::json::parse(status.out);
    for (const auto &role : parsed.at("roles"))
        EXPECT_EQ(role.at("egress_dropped"), role.at("name") == "mgmt" ? droppedBefore + 1 : 0) << role.dump();

    // The control: without the table the same trick leaks (so the test above sees the guard's work).
    ASSERT_TRUE(lab().shellIn(lab().hostNamespace(), "nft delete table inet ifpind").ok());
    probe("pktinfo", media, "pktinfo-without-guard");
    EXPECT_TRUE(eventually([&] { return mediaDatagrams() > before; }))
        << "IP_PKTINFO did not leak without the guard: this kernel needs no guard, or the probe is wrong";
}

TEST_F(Egress, OtherWaysOutFailOrStayOnMgmt)
{
    startDaemon();
    long long before = mediaDatagrams();
    const std::string media = std::to_string(lab().ifindex("media0"));

    std::string unicast = probe("unicast-if", media);
    EXPECT_TRUE(unicast.starts_with("setup EINVAL") || unicast.ends_with("answer mgmt") ||
                unicast.find("send EPERM") != std::string::npos)
        << unicast;
    std::string bound = probe("bind", "192.0.2.2");
    EXPECT_TRUE(bound.find("send EPERM") != std::string::npos || !bound.ends_with("answer media")) << bound;
    EXPECT_EQ(probe("mark", "0"), "setup EPERM send ok answer mgmt") << "an unprivileged holder changed SO_MARK";
    EXPECT_EQ(probe("device", "media0"), "setup EPERM send ok answer mgmt")
        << "an unprivileged holder rebound SO_BINDTODEVICE";
    EXPECT_EQ(mediaDatagrams(), before) << "a datagram reached the media gateway";
}

// With remove_routes_on_exit, a clean exit removes the table; without it the table stays (the case
// after this one).
TEST_F(Egress, TableFollowsTheRolesAndGoesOnCleanExit)
{
    const std::string removeOnExit = "remove_routes_on_exit = true\n";
    startDaemon(removeOnExit);
    auto mgmt = ruleOf("mgmt");
    ASSERT_TRUE(mgmt.is_object()) << table()->dump();
    EXPECT_EQ(mgmt["mark"], markOf("mgmt"));
    EXPECT_EQ(mgmt["oifname"], "mgmt0");
    EXPECT_EQ(ruleOf("media")["mark"], markOf("media"));
    EXPECT_EQ(ruleOf("media")["oifname"], "media0");

    // A reload that moves mgmt and lists the roles the other way round: same marks, new interface.
    daemon().reload(config("other0", true, removeOnExit));
    EXPECT_TRUE(eventually([&] { return ruleOf("mgmt")["oifname"] == "other0"; },
                           [&] { return ruleOf("mgmt").dump() + "\n" + daemon().log(); }));
    EXPECT_EQ(ruleOf("mgmt")["mark"], markOf("mgmt"));
    EXPECT_EQ(ruleOf("media")["mark"], markOf("media"));

    // Someone flushes it: the next reload writes it again.
    ASSERT_TRUE(lab().shellIn(lab().hostNamespace(), "nft delete table inet ifpind").ok());
    daemon().reload(config("other0", true, removeOnExit));
    EXPECT_TRUE(eventually([&] { return ruleOf("mgmt")["oifname"] == "other0"; },
                           [&] { return daemon().log(); }));

    EXPECT_EQ(daemon().stop(), 0);
    EXPECT_FALSE(table().has_value()) << "table inet ifpind is still there after a clean exit";
}

// Sockets handed out live on after ifpind stops: the table stays, as the routes do, and the next
// ifpind takes it over (issue #15, item 4; the attack itself is EgressAttack.StopAndRestartLeaveNoGap).
TEST_F(Egress, TableStaysAfterACleanExitWithoutRemoveRoutesOnExit)
{
    startDaemon();
    auto before = ruleOf("mgmt");
    ASSERT_TRUE(before.is_object());
    EXPECT_EQ(daemon().stop(), 0);
    EXPECT_EQ(ruleOf("mgmt"), before) << "table inet ifpind changed or went at a clean exit";
    EXPECT_EQ(daemon().log().find("egress guard: table inet ifpind removed"), std::string::npos) << daemon().log();
    daemon().start(lab(), config());
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_NE(daemon().log().find("egress guard: took over table inet ifpind with 2 rule(s)"), std::string::npos)
        << daemon().log();
    EXPECT_EQ(ruleOf("mgmt")["mark"], before["mark"]);
}

// The removal at exit declares the table before deleting it, so that it succeeds when somebody has
// deleted the table already; and it does remove a table that is there (the case above).
TEST_F(Egress, RemovalWorksWhetherOrNotTheTableExists)
{
    startDaemon("remove_routes_on_exit = true\n");
    ASSERT_TRUE(lab().shellIn(lab().hostNamespace(), "nft delete table inet ifpind").ok());
    EXPECT_EQ(daemon().stop(), 0);
    EXPECT_FALSE(table().has_value());
    EXPECT_NE(daemon().log().find("egress guard: table inet ifpind removed"), std::string::npos) << daemon().log();
    EXPECT_EQ(daemon().log().find("cannot remove table"), std::string::npos) << daemon().log();
}

TEST_F(Egress, RestartKeepsTheMarks)
{
    startDaemon();
    auto before = table();
    ASSERT_EQ(daemon().stop(), 0);
    daemon().start(lab(), config("mgmt0", true));
    ASSERT_TRUE(daemon().waitReady());
    ASSERT_TRUE(eventually([&] { return table().has_value(); }));
    EXPECT_EQ(ruleOf("mgmt")["mark"], markOf("mgmt"));
    EXPECT_EQ(ruleOf("media")["mark"], markOf("media"));
    EXPECT_NE(daemon().log().find("egress guard: table inet ifpind written"), std::string::npos) << daemon().log();
}

// ifpind without CAP_NET_ADMIN (dropped from its bounding set by a wrapper) cannot write nftables
// (nor routes): it says once that egress is not guarded, and the broker still serves, unmarked.
TEST_F(Egress, WithoutNftablesTheBrokerServesUnguarded)
{
    const std::string wrapper = scratch().write(
        "ifpind-without-net-admin", "#!/bin/sh\nexec setpriv --bounding-set=-net_admin -- " +
                                        quote(requiredEnv("IFPIND")) + " \"$@\"\n");
    ASSERT_EQ(chmod(wrapper.c_str(), 0755), 0) << strerror(errno);
    ScopedEnv ifpind("IFPIND", wrapper);
    // ifpind cannot write routes either: the one the probe's socket needs is the lab's.
    lab().output("ip route add default via 198.51.100.1 dev mgmt0 metric 5000");
    ASSERT_TRUE(BusLabTest::startDaemon(config()));
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socketPath_); })) << "no broker socket";

    EXPECT_EQ(probe("plain", "-"), "setup ok send ok answer mgmt");
    EXPECT_FALSE(table().has_value()) << "a table without CAP_NET_ADMIN?";
    EXPECT_EQ(roleProperty("mgmt", "EgressDropped"), "t 0");
    EXPECT_TRUE(daemon().running());
    const std::string log = daemon().log();
    EXPECT_EQ(countLines(log, "egress is NOT guarded"), 1u) << log;
    EXPECT_EQ(countLines(log, "egress NOT guarded"), 1u) << "the ready line says so:\n" << log;
    EXPECT_EQ(countLines(log, "egress not guarded"), 1u) << "the broker's grant says so:\n" << log;
}

} // namespace
} // namespace ifpin::lab
