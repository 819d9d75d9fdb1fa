// ifpind's D-Bus API (docs/dbus-api.md) driven with busctl and dbus-send on a private bus, checked on
// the kernel's routes in a lab: the objects and properties, runtime changes (make-before-break,
// signalled, saved across restarts), who may make them, named errors, the state file, and a bus that
// is absent or goes away.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dbus_test_support.hpp"

namespace ifpin::lab {
namespace {

class DbusApi : public BusLabTest {
protected:
    // Index of the first monitor line that starts with prefix; npos when none does.
    static size_t firstLineStarting(const std::vector<std::string> &lines, const std::string &prefix)
    {
        for (size_t i = 0; i < lines.size(); ++i)
            if (lines[i].rfind(prefix, 0) == 0)
                return i;
        return std::string::npos;
    }

    bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

    void writeConfigFile(const std::string &config)
    {
        std::ofstream(daemon().configPath(), std::ios::trunc) << config;
    }
};

TEST_F(DbusApi, IntrospectsManagerAndRoles)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto manager = bus().busctl({"introspect", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager"});
    ASSERT_TRUE(manager.ok()) << manager.describe();
    for (const char *member : {".ListRoles", ".Reload", ".OpenSocket", ".Version"})
        EXPECT_TRUE(has(manager.out, member)) << member << " missing from:\n" << manager.out;

    auto roles = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "ListRoles"});
    EXPECT_EQ(roles.out, "a(so) 2 \"media\" \"/org/ifpin1/role/media\" \"mgmt\" \"/org/ifpin1/role/mgmt\"\n")
        << roles.describe();
    auto version = bus().busctl({"get-property", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "Version"});
    EXPECT_TRUE(version.ok() && version.out.rfind("s \"", 0) == 0) << version.describe();

    EXPECT_EQ(roleProperty("mgmt", "Name"), "s \"mgmt\"");
    EXPECT_EQ(roleProperty("mgmt", "Interface"), "s \"mgmt0\"");
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 1000");
    EXPECT_EQ(roleProperty("mgmt", "Gateway4"), "s \"198.51.100.1\"");
    EXPECT_EQ(roleProperty("mgmt", "Gateway6"), "s \"2001:db8:2::1\"");
    EXPECT_EQ(roleProperty("mgmt", "Gateway4Learned"), "b false");
    EXPECT_EQ(roleProperty("mgmt", "State"), "s \"enforced\"");
    EXPECT_EQ(roleProperty("mgmt", "LinkState"), "s \"up\"");
    EXPECT_EQ(roleProperty("mgmt", "Route4InPlace"), "b true");
    EXPECT_EQ(roleProperty("mgmt", "Route6InPlace"), "b true");
    EXPECT_EQ(roleProperty("mgmt", "Restorations"), "t 0");
    EXPECT_EQ(roleProperty("mgmt", "SocketsServed"), "t 0");
    EXPECT_EQ(roleProperty("mgmt", "EgressDropped"), "t 0");
    EXPECT_EQ(roleProperty("mgmt", "OutrankedBy"), "as 0");
    EXPECT_EQ(roleProperty("media", "Metric"), "u 100");

    // Anyone may read: the test uid is neither root nor an admin.
    auto asStranger = bus().busctl({"get-property", "org.ifpin1", "/org/ifpin1/role/mgmt", "org.ifpin1.Role", "Metric"},
                                   Caller::unprivileged());
    EXPECT_EQ(asStranger.out, "u 1000\n") << asStranger.describe();
}

TEST_F(DbusApi, SetMetricMovesTheRouteMakeBeforeBreak)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    RouteMonitor monitor(lab());

    auto result = callRole("mgmt", "SetMetric", {"u", "500"});
    ASSERT_TRUE(result.ok()) << result.describe();
    EXPECT_TRUE(mgmtRoutesBecome(500));
    EXPECT_TRUE(routesOnAre("media0", Family::inet, {ifpindRoute("media0", "192.0.2.1", 100)}));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 500");

    const std::string added = "default via 198.51.100.1 dev mgmt0 proto 241 metric 500";
    const std::string deleted = "Deleted default via 198.51.100.1 dev mgmt0 proto 241 metric 1000";
    EXPECT_TRUE(eventually([&] { return firstLineStarting(monitor.lines(), deleted) != std::string::npos; },
                           [&] { return "route events:" + monitor.text(); }));
    auto lines = monitor.lines();
    EXPECT_LT(firstLineStarting(lines, added), firstLineStarting(lines, deleted))
        << "not make-before-break; route events:" << monitor.text();
}

TEST_F(DbusApi, SetInterfaceMovesTheRole)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    // other0 (203.0.113.65/26, 2001:db8:3::2/64) has nothing to learn a gateway from: set them first.
    for (auto [family, gateway] : {std::pair{"inet", "203.0.113.66"}, std::pair{"inet6", "2001:db8:3::1"}}) {
        auto result = callRole("mgmt", "SetGateway", {"ss", family, gateway});
        ASSERT_TRUE(result.ok()) << result.describe();
    }
    auto result = callRole("mgmt", "SetInterface", {"s", "other0"});
    ASSERT_TRUE(result.ok()) << result.describe();

    EXPECT_TRUE(eventually(
        [&] {
            return routesOnAre("other0", Family::inet, {ifpindRoute("other0", "203.0.113.66", 1000)}) &&
                   routesOnAre("other0", Family::inet6, {ifpindRoute("other0", "2001:db8:3::1", 1000)}) &&
                   routesOnAre("mgmt0", Family::inet, {}) && routesOnAre("mgmt0", Family::inet6, {});
        },
        [&] { return describeRoutes(); }));
    EXPECT_EQ(roleProperty("mgmt", "Interface"), "s \"other0\"");
    EXPECT_TRUE(eventually([&] { return roleProperty("mgmt", "State") == "s \"enforced\""; },
                           [&] { return roleProperty("mgmt", "State"); }));
    EXPECT_EQ(roleProperty("mgmt", "Gateway4"), "s \"203.0.113.66\"");
    EXPECT_TRUE(routesOnAre("media0", Family::inet, {ifpindRoute("media0", "192.0.2.1", 100)}));
    // The egress guard's rule follows the role (docs/security.md).
    auto table = lab().shell("nft list table inet ifpind");
    EXPECT_TRUE(has(table.out, "oifname != \"other0\" counter packets 0 bytes 0 drop comment \"role mgmt\""))
        << table.describe() << table.out;
}

TEST_F(DbusApi, PropertiesChangedIsEmitted)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    PropertiesChangedRecorder recorder(bus());

    ASSERT_TRUE(callRole("mgmt", "SetMetric", {"u", "500"}).ok());
    EXPECT_TRUE(recorder.waitFor([](const PropertiesChangedRecorder::Signal &signal) {
        auto metric = signal.changed.find("Metric");
        return signal.path == "/org/ifpin1/role/mgmt" && metric != signal.changed.end() &&
               metric->second.get<uint32_t>() == 500;
    })) << recorder.describe();

    // A restoration is signalled too.
    ASSERT_TRUE(mgmtRoutesBecome(500));
    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(recorder.waitFor([](const PropertiesChangedRecorder::Signal &signal) {
        auto restorations = signal.changed.find("Restorations");
        return signal.path == "/org/ifpin1/role/mgmt" && restorations != signal.changed.end() &&
               restorations->second.get<uint64_t>() == 1;
    })) << recorder.describe();
    for (const auto &signal : recorder.poll())
        EXPECT_EQ(signal.changed.count("Name") + signal.changed.count("SocketsServed") +
                      signal.changed.count("EgressDropped"),
                  0u)
            << recorder.describe();
}

// Return routing on the role object: the reply table, the rules in place per family (signalled
// when an address comes), the reply routes; a runtime SetInterface moves the rules to the new
// interface's addresses.
TEST_F(DbusApi, ReturnRoutingIsShownAndFollowsARuntimeChange)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    const std::string mainRule4 = "\"32000: from all lookup 254 suppress_prefixlength 0 proto 241\"";
    const std::string mainRule6 = mainRule4; // the same text in both families
    EXPECT_TRUE(eventually([&] {
        return roleProperty("mgmt", "ReplyRules4") == "as 2 " + mainRule4 + " \"32002: from 198.51.100.2 lookup 1002 proto 241\"";
    }, [&] { return roleProperty("mgmt", "ReplyRules4"); }));
    EXPECT_EQ(roleProperty("mgmt", "ReplyRules6"), "as 2 " + mainRule6 + " \"32002: from 2001:db8:2::2 lookup 1002 proto 241\"");
    EXPECT_EQ(roleProperty("mgmt", "ReturnRouting"), "b true");
    EXPECT_EQ(roleProperty("mgmt", "ReplyTable"), "u 1002");
    EXPECT_EQ(roleProperty("mgmt", "ReplyRoute4InPlace"), "b true");
    EXPECT_EQ(roleProperty("mgmt", "ReplyRoute6InPlace"), "b true");
    EXPECT_EQ(roleProperty("media", "ReplyTable"), "u 1001");

    PropertiesChangedRecorder recorder(bus());
    lab().output("ip addr add 198.51.100.3/24 dev mgmt0");
    EXPECT_TRUE(recorder.waitFor([](const PropertiesChangedRecorder::Signal &signal) {
        auto rules = signal.changed.find("ReplyRules4");
        return signal.path == "/org/ifpin1/role/mgmt" && rules != signal.changed.end() &&
               rules->second.get<std::vector<std::string>>().size() == 3;
    })) << recorder.describe();

    for (auto [family, gateway] : {std::pair{"inet", "203.0.113.66"}, std::pair{"inet6", "2001:db8:3::1"}})
        ASSERT_TRUE(callRole("mgmt", "SetGateway", {"ss", family, gateway}).ok());
    ASSERT_TRUE(callRole("mgmt", "SetInterface", {"s", "other0"}).ok());
    EXPECT_TRUE(eventually([&] {
        return roleProperty("mgmt", "ReplyRules4") == "as 2 " + mainRule4 + " \"32002: from 203.0.113.65 lookup 1002 proto 241\"" &&
               roleProperty("mgmt", "ReplyRules6") == "as 2 " + mainRule6 + " \"32002: from 2001:db8:3::2 lookup 1002 proto 241\"";
    }, [&] { return roleProperty("mgmt", "ReplyRules4") + "\n" + roleProperty("mgmt", "ReplyRules6"); }));
    auto rules = lab().output("ip -N rule show");
    EXPECT_EQ(rules.find("198.51.100."), std::string::npos) << "mgmt0's rules stayed:\n" << rules;
    EXPECT_NE(rules.find("from 203.0.113.65 lookup 1002 proto 241"), std::string::npos) << rules;
    EXPECT_TRUE(eventually([&] {
        return lab().defaultRoutes(Family::inet, "1002") ==
               std::vector<DefaultRoute>{{"other0", "203.0.113.66", 1000, ifpindProtocol, "1002"}};
    }, [&] { return "table 1002:" + describe(lab().defaultRoutes(Family::inet, "1002")); }));
}

TEST_F(DbusApi, UnprivilegedCallerIsDenied)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto busctl = callRole("mgmt", "SetMetric", {"u", "500"}, Caller::unprivileged());
    EXPECT_NE(busctl.status, 0);
    EXPECT_TRUE(has(busctl.err, "only root and members of group ifpin-admin")) << busctl.describe();

    auto send = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetMetric",
                                "uint32:500"},
                               Caller::unprivileged());
    EXPECT_NE(send.status, 0);
    EXPECT_TRUE(has(send.err, "org.ifpin1.Error.AccessDenied")) << send.describe();
    auto reload = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.Reload"},
                                 Caller::unprivileged());
    EXPECT_TRUE(has(reload.err, "org.ifpin1.Error.AccessDenied")) << reload.describe();

    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 1000");
    EXPECT_FALSE(std::filesystem::exists(statePath()));
}

TEST_F(DbusApi, AdminGroupMemberMayChangeThePolicy)
{
    ASSERT_TRUE(startDaemon(standardConfig(1000, "admin_group = \"" + std::to_string(testAdminGid) + "\"\n")));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto denied = callRole("mgmt", "SetMetric", {"u", "500"}, Caller::unprivileged());
    EXPECT_NE(denied.status, 0) << "not in the group: " << denied.describe();
    auto allowed = callRole("mgmt", "SetMetric", {"u", "500"}, Caller::admin());
    EXPECT_TRUE(allowed.ok()) << allowed.describe();
    EXPECT_TRUE(mgmtRoutesBecome(500));
}

TEST_F(DbusApi, BadArgumentsGetNamedErrors)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    struct Case {
        std::vector<std::string> args;
        std::string error;
        std::string message;
    };
    const std::vector<Case> cases{
        {{"/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetGateway", "string:ipx", "string:192.0.2.1"},
         "org.ifpin1.Error.InvalidArgument", "expected \"inet\" or \"inet6\""},
        {{"/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetGateway", "string:inet6", "string:192.0.2.1"},
         "org.ifpin1.Error.InvalidArgument", "expected an IPv6 address"},
        {{"/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetInterface", "string:eth/0"},
         "org.ifpin1.Error.InvalidArgument", "contains '/'"},
        {{"/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetMetric", "uint32:100"}, "org.ifpin1.Error.Conflict",
         "metric 100 is already used by role media"},
        {{"/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetInterface", "string:media0"}, "org.ifpin1.Error.Conflict",
         "interface media0 is already used by role media"},
        {{"/org/ifpin1", "org.ifpin1.Manager.OpenSocket", "string:nope", "int32:2", "int32:1", "int32:0"},
         "org.ifpin1.Error.UnknownRole", "nope"},
        {{"/org/ifpin1", "org.ifpin1.Manager.OpenSocket", "string:mgmt", "int32:99", "int32:1", "int32:0"},
         "org.ifpin1.Error.InvalidArgument", "family 99"},
    };
    for (const auto &c : cases) {
        std::vector<std::string> args{"--dest=org.ifpin1"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto result = bus().dbusSend(args);
        EXPECT_NE(result.status, 0) << c.args[1];
        EXPECT_TRUE(has(result.err, "Error " + c.error + ": ")) << c.args[1] << ": " << result.describe();
        EXPECT_TRUE(has(result.err, c.message)) << c.args[1] << ": " << result.describe();
    }
    EXPECT_TRUE(mgmtRoutesAt(1000));
}

TEST_F(DbusApi, OpenSocketCountsAsTheBrokerDoes)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    auto result = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "OpenSocket", "siii",
                                "mgmt", "2", "2", "0"});
    ASSERT_TRUE(result.ok()) << result.describe();
    EXPECT_EQ(result.out.rfind("h ", 0), 0u) << result.out;
    EXPECT_EQ(roleProperty("mgmt", "SocketsServed"), "t 1");
    // mgmt has no allow lists: root only.
    auto denied = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.OpenSocket", "string:mgmt",
                                  "int32:2", "int32:2", "int32:0"},
                                 Caller::unprivileged());
    EXPECT_TRUE(has(denied.err, "org.ifpin1.Error.AccessDenied")) << denied.describe();
    EXPECT_EQ(roleProperty("mgmt", "RequestsDenied"), "t 1");
}

TEST_F(DbusApi, RestartKeepsTheRuntimeChange)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    ASSERT_TRUE(callRole("mgmt", "SetMetric", {"u", "500"}).ok());
    ASSERT_TRUE(mgmtRoutesBecome(500));
    EXPECT_EQ(daemon().stop(), 0);

    ASSERT_TRUE(startDaemon(standardConfig())); // the file still says 1000
    EXPECT_TRUE(mgmtRoutesBecome(500));
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(500); }, [&] { return describeRoutes(); }, 300ms));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 500");
    EXPECT_TRUE(has(daemon().log(), "runtime change from " + statePath() + " applies: metric 500")) << daemon().log();

    // Reset: the file's value again, and it stays so after a restart.
    ASSERT_TRUE(callRole("mgmt", "Reset", {}).ok());
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_EQ(daemon().stop(), 0);
    ASSERT_TRUE(startDaemon(standardConfig()));
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
}

TEST_F(DbusApi, CorruptStateFileIsIgnored)
{
    std::ofstream(statePath()) << "{\"version\": 1, \"roles\": {\"mgmt\": {\"metric\": 500";
    ASSERT_TRUE(startDaemon(standardConfig()));
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_TRUE(has(daemon().log(), "state file " + statePath() + " ignored (not valid JSON)")) << daemon().log();
    EXPECT_TRUE(daemon().running());
    // Changes work, and replace the corrupt file.
    ASSERT_TRUE(callRole("mgmt", "SetMetric", {"u", "700"}).ok());
    EXPECT_TRUE(mgmtRoutesBecome(700));
}

TEST_F(DbusApi, ReloadOverDbusAndDeletingTheStateFile)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    ASSERT_TRUE(callRole("media", "SetMetric", {"u", "50"}).ok());

    writeConfigFile(standardConfig(2000));
    auto reload = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "Reload"});
    ASSERT_TRUE(reload.ok()) << reload.describe();
    EXPECT_TRUE(mgmtRoutesBecome(2000));
    EXPECT_TRUE(eventually([&] { return routesOnAre("media0", Family::inet, {ifpindRoute("media0", "192.0.2.1", 50)}); },
                           [&] { return describeRoutes(); }))
        << "the runtime change stays on top of the new file";

    // How an admin drops every runtime change: delete the state file and reload.
    std::filesystem::remove(statePath());
    ASSERT_TRUE(bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "Reload"}).ok());
    EXPECT_TRUE(eventually([&] { return routesOnAre("media0", Family::inet, {ifpindRoute("media0", "192.0.2.1", 100)}); },
                           [&] { return describeRoutes(); }));

    writeConfigFile(standardConfig() + "\n[role.broken]\n");
    auto invalid = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.Reload"});
    EXPECT_TRUE(has(invalid.err, "org.ifpin1.Error.InvalidArgument")) << invalid.describe();
    EXPECT_TRUE(has(invalid.err, "previous policy stays in force")) << invalid.describe();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(2000); }, [&] { return describeRoutes(); }, 300ms));
}

// A Reload over D-Bus whose return-routing keys clash is refused by name, with the file's line and
// key in the message; the rules in force stay.
TEST_F(DbusApi, ReloadWithAClashingReplyTableIsRefusedAndTheRulesStay)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    const std::string mgmtRule = "from 198.51.100.2 lookup 1002 proto 241";
    ASSERT_TRUE(eventually([&] { return has(lab().output("ip -N rule show"), mgmtRule); },
                           [&] { return lab().output("ip -N rule show"); }));

    writeConfigFile(standardConfig() + "reply_table = 1001\n"); // mgmt is the last section; 1001 is media's
    auto invalid = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.Reload"});
    EXPECT_TRUE(has(invalid.err, "org.ifpin1.Error.InvalidArgument")) << invalid.describe();
    EXPECT_TRUE(has(invalid.err, "role.mgmt.reply_table: reply table 1001 is already used by role media"))
        << invalid.describe();
    EXPECT_TRUE(holdsFor([&] { return has(lab().output("ip -N rule show"), mgmtRule); },
                         [&] { return lab().output("ip -N rule show"); }, 300ms));
    EXPECT_EQ(roleProperty("mgmt", "ReplyTable"), "u 1002");
}

// media demotes to 100 + 20000 while its gateway is down: no other role may take 20100, neither by
// SetMetric nor in the file at a reload, and mgmt's routes stay where they are.
TEST_F(DbusApi, AnotherRolesDemotedMetricIsRefused)
{
    const std::string demoting = "\n[role.media.health]\nmethod = \"icmp\"\non_down = \"demote\"\n";
    ASSERT_TRUE(startDaemon(standardConfig() + demoting));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    const std::string clash = "metric 20100 is already used by role media as its demoted metric (metric 100 + "
                              "demote_by 20000)";
    auto set = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1/role/mgmt", "org.ifpin1.Role.SetMetric",
                               "uint32:20100"});
    EXPECT_TRUE(has(set.err, "Error org.ifpin1.Error.Conflict: ")) << set.describe();
    EXPECT_TRUE(has(set.err, clash)) << set.describe();

    writeConfigFile(standardConfig(20100) + demoting);
    auto reload = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.Reload"});
    EXPECT_TRUE(has(reload.err, "org.ifpin1.Error.InvalidArgument")) << reload.describe();
    EXPECT_TRUE(has(reload.err, "role.mgmt.metric: " + clash)) << reload.describe();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 1000");
}

TEST_F(DbusApi, ServesWithoutTheBusAndConnectsWhenItComes)
{
    bus().stop();
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(daemon().waitReady(10s)) << "routes and READY never wait for the bus";
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_TRUE(has(daemon().log(), "D-Bus: cannot serve org.ifpin1")) << daemon().log();

    bus().start();
    EXPECT_TRUE(eventually([&] { return bus().hasIfpind(); }, [&] { return daemon().log(); }, 10s));

    // The bus goes away and comes back: ifpind goes on and serves it again.
    bus().stop();
    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(mgmtRoutesBecome(1000)) << "restorations go on without the bus";
    bus().start();
    EXPECT_TRUE(eventually([&] { return bus().hasIfpind(); }, [&] { return daemon().log(); }, 10s));
    EXPECT_EQ(roleProperty("mgmt", "Restorations"), "t 1");
    EXPECT_TRUE(has(daemon().log(), "D-Bus: lost the system bus")) << daemon().log();
    EXPECT_TRUE(daemon().running());
}

// A "bus" that accepts connections and never says a word: connecting to it must not hold the loop
// (sdbus-c++ alone would wait for the handshake forever), so READY comes and routes are restored.
TEST_F(DbusApi, SilentBusDoesNotHoldTheDaemon)
{
    std::string path = scratch().path() + "/silent-bus.sock";
    int silent = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr *>(&address), sizeof address), 0) << strerror(errno);
    ASSERT_EQ(listen(silent, 64), 0);

    daemon().setEnv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + path);
    daemon().start(lab(), standardConfig());
    EXPECT_TRUE(daemon().waitReady(5s)) << daemon().log();
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(mgmtRoutesBecome(1000)) << "restorations go on while the bus says nothing";
    EXPECT_TRUE(has(daemon().log(), "did not complete the handshake")) << daemon().log();
    EXPECT_TRUE(daemon().running());
    close(silent);
}

// /org/ifpin1 is an org.freedesktop.DBus.ObjectManager: anyone may list the role objects with their
// properties (GetManagedObjects); its InterfacesAdded and InterfacesRemoved, sent when a reload adds
// or removes a role, are what `ifpinctl monitor` follows (suite IfpinctlMonitoring).
TEST_F(DbusApi, ObjectManagerListsTheRolesToAnyone)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    auto objects = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.freedesktop.DBus.ObjectManager",
                                 "GetManagedObjects"},
                                Caller::unprivileged());
    ASSERT_TRUE(objects.ok()) << objects.describe();
    EXPECT_EQ(objects.out.rfind("a{oa{sa{sv}}} 2 ", 0), 0u) << objects.out;
    for (const char *part : {"\"/org/ifpin1/role/media\"", "\"/org/ifpin1/role/mgmt\"", "\"org.ifpin1.Role\"",
                             "\"Interface\" s \"mgmt0\"", "\"Metric\" u 1000"})
        EXPECT_TRUE(has(objects.out, part)) << part << " missing in " << objects.out;
}

} // namespace
} // namespace ifpin::lab
