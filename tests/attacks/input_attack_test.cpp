// Attacks through what ifpind reads (issue #15, items 5, 6, 7 and 9), against the real daemon in a
// lab: a FIFO as configuration file, interface names that nftables reads as patterns, strings that
// would forge or garble log lines, and values that the kernel takes differently from what they say.
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "attack_support.hpp"

namespace ifpin::lab::attack {
namespace {

class InputAttack : public AttackTest {
protected:
    void writeState(const std::string &json) { std::ofstream(statePath(), std::ios::trunc) << json; }

    // dbus-send as root; its stderr names the error.
    CommandResult call(const std::string &path, const std::string &method, std::vector<std::string> args)
    {
        std::vector<std::string> argv{"--dest=org.ifpin1", path, method};
        argv.insert(argv.end(), args.begin(), args.end());
        return bus().dbusSend(argv);
    }

    // The nftables rule of the egress guard for role: its oifname, or "" when there is none.
    std::string guardedInterface(const std::string &role)
    {
        auto listing = lab().shellIn(lab().hostNamespace(), "nft list table inet ifpind");
        std::istringstream in(listing.out);
        for (std::string line; std::getline(in, line);) {
            if (line.find("comment \"role " + role + "\"") == std::string::npos)
                continue;
            auto at = line.find("oifname != \"");
            if (at == std::string::npos)
                return "(drops everything)";
            at += 12;
            return line.substr(at, line.find('"', at) - at);
        }
        return "";
    }
};

// Item 5: a FIFO in place of the configuration file. Opened as a file, it would block ifpind's loop
// in open() at the reload (routes no longer restored, broker and D-Bus hung) and hang --check-config.
TEST_F(InputAttack, ConfigFileThatIsAFifoBlocksNothing)
{
    ASSERT_TRUE(start(config()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    ASSERT_EQ(unlink(daemon().configPath().c_str()), 0);
    ASSERT_EQ(mkfifo(daemon().configPath().c_str(), 0644), 0) << strerror(errno);

    daemon().signal(SIGHUP);
    EXPECT_TRUE(eventually([&] { return countLines(daemon().log(), "not a regular file") > 0; },
                           [&] { return daemon().log(); }));
    // The loop goes on: a deleted route comes back, the broker and D-Bus answer.
    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(mgmtRoutesBecome(1000)) << daemon().log();
    int fd = ifpin_socket("media", AF_INET, SOCK_DGRAM, 0); // root only: the test is root
    EXPECT_GE(fd, 0) << ifpin_strerror_last();
    if (fd >= 0)
        close(fd);
    auto roles = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "ListRoles"});
    EXPECT_TRUE(roles.ok()) << roles.describe();

    auto checked = checkConfig(daemon().configPath(), 5s);
    EXPECT_FALSE(checked.timedOut) << "--check-config blocked on the FIFO";
    EXPECT_EQ(checked.status, 1) << checked.describe();
    EXPECT_NE(checked.err.find("not a regular file"), std::string::npos) << checked.describe();
}

// Item 6: "m*" is a name the kernel allows, and an nftables wildcard: as mgmt's interface it made
// the guard's rule `oifname != "m*"`, which let a mgmt socket out of media9. Refused in the file, over
// D-Bus and in the state file; the guard's rule keeps the literal name.
TEST_F(InputAttack, WildcardInterfaceNameIsRefusedEverywhere)
{
    const std::string wildcard = scratch().write("wildcard.toml", config() + "\n[role.backup]\ninterface = \"m*\"\n"
                                                                             "metric = 3000\n");
    auto checked = checkConfig(wildcard);
    EXPECT_EQ(checked.status, 1) << checked.describe();
    EXPECT_NE(checked.err.find("role.backup.interface: expected an interface name"), std::string::npos)
        << checked.describe();
    EXPECT_NE(checked.err.find("which nftables takes as a wildcard"), std::string::npos) << checked.describe();

    writeState(R"({"version": 1, "roles": {"mgmt": {"interface": "mgm*"}}})");
    ASSERT_TRUE(start(config()));
    EXPECT_TRUE(mgmtRoutesBecome(1000)) << "the state file's name was taken";
    EXPECT_EQ(guardedInterface("mgmt"), "mgmt0");
    EXPECT_EQ(countLines(daemon().log(), "roles.mgmt.interface: expected an interface name"), 1u) << daemon().log();

    auto set = call("/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetInterface", {"string:m*"});
    EXPECT_NE(set.err.find("org.ifpin1.Error.InvalidArgument"), std::string::npos) << set.describe();
    EXPECT_NE(set.err.find("which nftables takes as a wildcard"), std::string::npos) << set.describe();
    EXPECT_TRUE(holdsFor([&] { return guardedInterface("mgmt") == "mgmt0"; }, [&] { return guardedInterface("mgmt"); },
                         300ms));
    EXPECT_TRUE(mgmtRoutesAt(1000));
}

// Item 7: a role name is the client's. Sent raw to the log, "x\ninfo broker: gave ..." made a line
// that looked like ifpind's own; ANSI escapes and NULs from the state file reached the log too.
TEST_F(InputAttack, ClientStringsCannotForgeLogLines)
{
    writeState("{\"version\": 1, \"roles\": {\"mgmt\": {\"\\u001b[2Jcolour\": 1, \"interface\": \"x\\u0000y\"}}}");
    ASSERT_TRUE(start(config()));
    const std::string forged = "info broker: gave 64 inet";
    const std::string role = "x\n" + forged;

    // Over the broker socket, as a stranger, and over D-Bus.
    {
        RawClient client(socketPath_);
        ASSERT_TRUE(client.connected());
        ASSERT_TRUE(client.send(requestBytes(role, AF_INET, SOCK_DGRAM, 1)));
        auto reply = client.receive(5s);
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->status, IFPIN_STATUS_UNKNOWN_ROLE);
        EXPECT_EQ(reply->message.find('\n'), std::string::npos) << "the reply carried the newline back: "
                                                                << reply->message;
    }
    auto open = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.OpenSocket", "string:" + role,
                                "int32:2", "int32:2", "int32:0"});
    EXPECT_NE(open.err.find("org.ifpin1.Error.UnknownRole"), std::string::npos) << open.describe();

    EXPECT_TRUE(eventually([&] { return countLines(daemon().log(), "x\\x0A" + forged) >= 2; },
                           [&] { return daemon().log(); }))
        << "both refusals are logged, the newline escaped";
    EXPECT_EQ(linesStartingWith(forged), 0u) << daemon().log();
    const std::string log = daemon().log();
    EXPECT_EQ(log.find('\x1b'), std::string::npos) << "an escape sequence from the state file reached the log";
    EXPECT_EQ(log.find('\0'), std::string::npos) << "a NUL from the state file reached the log";
    EXPECT_NE(log.find("\\x1B[2Jcolour: unknown key"), std::string::npos) << log;
}

// Item 9: "x\u0000y" in runtime.json was taken as mgmt's interface (SO_BINDTODEVICE saw "x"; the
// role lost its routes). Refused, naming what is wrong; the file's interface applies.
TEST_F(InputAttack, StateFileInterfaceWithANulIsRefused)
{
    writeState("{\"version\": 1, \"roles\": {\"mgmt\": {\"interface\": \"mgmt0\\u0000x\", \"metric\": 1500}}}");
    ASSERT_TRUE(start(config()));
    EXPECT_TRUE(mgmtRoutesBecome(1500)) << "the rest of the entry applies";
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1500); }, [&] { return describeRoutes(); }, 300ms));
    EXPECT_EQ(roleProperty("mgmt", "Interface"), "s \"mgmt0\"");
    EXPECT_EQ(countLines(daemon().log(), "roles.mgmt.interface: expected an interface name"), 1u) << daemon().log();
    EXPECT_EQ(countLines(daemon().log(), "it contains a NUL byte"), 1u) << daemon().log();
}

// Item 9: IPv6 stores metric 0 as 1024. media at 1024 and mgmt at 0 became one multipath IPv6
// default route across both uplinks. A clash, in the file, over D-Bus and in the state file.
TEST_F(InputAttack, Ipv6MetricZeroAnd1024NeverMerge)
{
    std::string media1024 = config();
    media1024.replace(media1024.find("metric = 100\n"), 13, "metric = 1024\n");
    const std::string both = media1024.replace(media1024.find("metric = 1000\n"), 14, "metric = 0\n");
    auto checked = checkConfig(scratch().write("zero.toml", both));
    EXPECT_EQ(checked.status, 1) << checked.describe();
    EXPECT_NE(checked.err.find("role.mgmt.metric: metric 0 is already used by role media (its metric 1024: IPv6 "
                               "stores metric 0 as 1024)"),
              std::string::npos)
        << checked.describe();

    std::string media1024only = config();
    media1024only.replace(media1024only.find("metric = 100\n"), 13, "metric = 1024\n");
    ASSERT_TRUE(start(media1024only));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto set = call("/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetMetric", {"uint32:0"});
    EXPECT_NE(set.err.find("org.ifpin1.Error.Conflict"), std::string::npos) << set.describe();
    EXPECT_NE(set.err.find("IPv6 stores metric 0 as 1024"), std::string::npos) << set.describe();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
    for (const auto &route : lab().defaultRoutes(Family::inet6))
        EXPECT_FALSE(route.dev == "mgmt0" && route.metric == 1024) << describeRoutes();
}

// Item 9: ::ffff:198.51.100.1, ::ffff:127.0.0.1 and ::127.0.0.1 were taken as IPv6 gateways; the
// route write then failed and was retried for ever, saved and restored at restart.
TEST_F(InputAttack, Ipv6GatewaysThatAreIpv4AreRefused)
{
    std::string bad = config();
    bad.replace(bad.find("gateway6 = \"2001:db8:2::1\""), 26, "gateway6 = \"::127.0.0.1\"");
    auto checked = checkConfig(scratch().write("v4.toml", bad));
    EXPECT_EQ(checked.status, 1) << checked.describe();
    EXPECT_NE(checked.err.find("role.mgmt.gateway6: expected a unicast gateway address, got a deprecated "
                               "IPv4-compatible address (::127.0.0.1)"),
              std::string::npos)
        << checked.describe();

    writeState(R"({"version": 1, "roles": {"mgmt": {"gateway6": "::ffff:127.0.0.1"}}})");
    ASSERT_TRUE(start(config()));
    EXPECT_TRUE(mgmtRoutesBecome(1000)) << "the configured gateway stays";
    EXPECT_EQ(countLines(daemon().log(), "roles.mgmt.gateway6: expected a unicast gateway address, got an "
                                         "IPv4-mapped address (::ffff:127.0.0.1)"),
              1u)
        << daemon().log();

    auto set = call("/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetGateway", {"string:inet6", "string:::ffff:198.51.100.1"});
    EXPECT_NE(set.err.find("org.ifpin1.Error.InvalidArgument"), std::string::npos) << set.describe();
    EXPECT_NE(set.err.find("an IPv4-mapped address (::ffff:198.51.100.1)"), std::string::npos) << set.describe();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
    EXPECT_EQ(roleProperty("mgmt", "State"), "s \"enforced\"");
}

} // namespace
} // namespace ifpin::lab::attack
