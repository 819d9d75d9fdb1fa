// Valid configurations: every key's value, defaults, order, and routing table names.
#include <filesystem>
#include <fstream>

#include <stdlib.h>

#include "config_test_support.hpp"

namespace ifpin {
namespace {

using namespace test;
using testing::AllOf;
using testing::ElementsAre;
using testing::Field;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::SizeIs;

// ---- valid configs ----

TEST(Config, FullConfigRoundTrips)
{
    auto result = parse(lines({
        "[daemon]",
        "socket = \"/run/ifpind/test.sock\"",
        "state_directory = \"/var/lib/ifpind-test\"",
        "table = \"mgmt\"",
        "remove_routes_on_exit = true",
        "log_level = \"debug\"",
        "admin_group = \"netadmin\"",
        "",
        "[role.media]",
        "interface = \"eth0\"",
        "metric = 100",
        "gateway4 = \"192.0.2.1\"",
        "gateway6 = \"2001:db8:1::1\"",
        "",
        "[role.mgmt]",
        "interface = \"eth3\"",
        "metric = 1000",
        "gateway6 = \"fe80::1\"",
        "allow_users = [\"root\", \"1001\"]",
        "allow_groups = [\"ifpin-mgmt\"]",
    }));

    Config expected;
    expected.daemon.socketPath = "/run/ifpind/test.sock";
    expected.daemon.stateDirectory = "/var/lib/ifpind-test";
    expected.daemon.table = 200;
    expected.daemon.tableName = "mgmt";
    expected.daemon.removeRoutesOnExit = true;
    expected.daemon.logLevel = "debug";
    expected.daemon.adminGroup = "netadmin";
    RoleConfig media;
    media.name = "media";
    media.interface = "eth0";
    media.metric = 100;
    media.gateway4 = IpAddress::parse("192.0.2.1");
    media.gateway6 = IpAddress::parse("2001:db8:1::1");
    RoleConfig mgmt;
    mgmt.name = "mgmt";
    mgmt.interface = "eth3";
    mgmt.metric = 1000;
    mgmt.gateway6 = IpAddress::parse("fe80::1");
    mgmt.allowUsers = {"root", "1001"};
    mgmt.allowGroups = {"ifpin-mgmt"};
    // Return routing is on, with the defaults of each role's position in the file.
    media.returnRouting = mgmt.returnRouting = true;
    media.replyTable = 1001;
    media.replyPriority = 32001;
    mgmt.replyTable = 1002;
    mgmt.replyPriority = 32002;
    expected.roles = {media, mgmt};

    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->daemon, expected.daemon);
    EXPECT_THAT(result.config->roles, ElementsAre(media, mgmt));
    EXPECT_TRUE(*result.config == expected);
}

TEST(Config, DefaultsWhenDaemonTableIsAbsent)
{
    auto result = parse(roleWith(""));
    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->daemon, DaemonConfig{});
    EXPECT_EQ(result.config->daemon.socketPath, "/run/ifpind/ifpind.sock");
    EXPECT_EQ(result.config->daemon.stateDirectory, "/var/lib/ifpind");
    EXPECT_EQ(result.config->daemon.table, 254u);
    EXPECT_EQ(result.config->daemon.tableName, "main");
    EXPECT_FALSE(result.config->daemon.removeRoutesOnExit);
    EXPECT_EQ(result.config->daemon.logLevel, "info");
    EXPECT_EQ(result.config->daemon.adminGroup, "ifpin-admin");
}

TEST(Config, EmptyDaemonTableKeepsDefaults)
{
    auto result = parse("[daemon]\n");
    expectValid(result);
    EXPECT_EQ(result.config->daemon, DaemonConfig{});
}

TEST(Config, ZeroRolesIsValid)
{
    for (std::string_view text :
         {"# nothing to manage\n", "[daemon]\nlog_level = \"off\"\n", "[role]\n"}) {
        auto result = parse(text);
        expectValid(result);
        ASSERT_TRUE(result.config) << text;
        EXPECT_THAT(result.config->roles, IsEmpty()) << text;
    }
}

TEST(Config, RolesKeepTheFileOrder)
{
    auto result = parse(lines({
        "[role.zeta]",
        "interface = \"eth2\"",
        "metric = 3",
        "[role.alpha]",
        "interface = \"eth0\"",
        "metric = 1",
        "[role.mid]",
        "interface = \"eth1\"",
        "metric = 2",
    }));
    expectValid(result);
    ASSERT_TRUE(result.config);
    ASSERT_THAT(result.config->roles, SizeIs(3));
    EXPECT_EQ(result.config->roles[0].name, "zeta");
    EXPECT_EQ(result.config->roles[1].name, "alpha");
    EXPECT_EQ(result.config->roles[2].name, "mid");
}

TEST(Config, RolesMayBeInlineTablesOrDottedKeys)
{
    auto result = parse(lines({
        "role.b.interface = \"eth1\"",
        "role.b.metric = 2",
        "role.c = { interface = \"eth2\", metric = 3 }",
        "[role.a]",
        "interface = \"eth0\"",
        "metric = 1",
    }));
    expectValid(result);
    ASSERT_TRUE(result.config);
    ASSERT_THAT(result.config->roles, SizeIs(3));
    EXPECT_EQ(result.config->roles[0].name, "b");
    EXPECT_EQ(result.config->roles[1].name, "c");
    EXPECT_EQ(result.config->roles[1].interface, "eth2");
    EXPECT_EQ(result.config->roles[2].name, "a");
}

TEST(Config, FindRole)
{
    auto result = parse(lines({"[role.media]", "interface = \"eth0\"", "metric = 1", "[role.mgmt]",
                               "interface = \"eth1\"", "metric = 2"}));
    ASSERT_TRUE(result.config);
    ASSERT_NE(result.config->findRole("mgmt"), nullptr);
    EXPECT_EQ(result.config->findRole("mgmt")->interface, "eth1");
    EXPECT_EQ(result.config->findRole("media")->metric, 1u);
    EXPECT_EQ(result.config->findRole("other"), nullptr);
    EXPECT_EQ(result.config->findRole(""), nullptr);
}

TEST(Config, LimitsOfValidValuesAreAccepted)
{
    auto result = parse(lines({
        "[role.abcdefghijklmnopqrstuvwxyz_-0123]", // 32 characters
        "interface = \"abcdefghijklmno\"",         // 15 bytes
        "metric = 4294967295",
        "[role.z]",
        "interface = \"vlan.10@x-y_z\"",
        "metric = 0",
    }));
    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->roles[0].metric, 4294967295u);
    EXPECT_EQ(result.config->roles[1].metric, 0u);
}

TEST(Config, EveryLogLevelIsAccepted)
{
    for (std::string level : {"trace", "debug", "info", "warning", "error", "critical", "off"}) {
        auto result = parse("[daemon]\nlog_level = \"" + level + "\"\n");
        expectValid(result);
        ASSERT_TRUE(result.config);
        EXPECT_EQ(result.config->daemon.logLevel, level);
    }
}

// ---- routing table ----

DaemonConfig daemonWithTable(std::string_view tableLine)
{
    auto result = parse(lines({"[daemon]", tableLine}));
    EXPECT_THAT(result.errors, IsEmpty()) << tableLine;
    return result.config ? result.config->daemon : DaemonConfig{};
}

TEST(Config, TableByName)
{
    auto daemon = daemonWithTable("table = \"media\"");
    EXPECT_EQ(daemon.table, 100u);
    EXPECT_EQ(daemon.tableName, "media");
    daemon = daemonWithTable("table = \"local\"");
    EXPECT_EQ(daemon.table, 255u);
    EXPECT_EQ(daemon.tableName, "local");
}

TEST(Config, TableByNumber)
{
    auto daemon = daemonWithTable("table = 200");
    EXPECT_EQ(daemon.table, 200u);
    EXPECT_EQ(daemon.tableName, "mgmt") << "a number with a name is shown by its name";
    daemon = daemonWithTable("table = 1000");
    EXPECT_EQ(daemon.table, 1000u);
    EXPECT_EQ(daemon.tableName, "1000");
    daemon = daemonWithTable("table = 4294967295");
    EXPECT_EQ(daemon.table, 4294967295u);
}

TEST(Config, TableByNumberInAString)
{
    auto daemon = daemonWithTable("table = \"100\"");
    EXPECT_EQ(daemon.table, 100u);
    EXPECT_EQ(daemon.tableName, "media");
    daemon = daemonWithTable("table = \"254\"");
    EXPECT_EQ(daemon.table, 254u);
    EXPECT_EQ(daemon.tableName, "main");
}

TEST(Config, TableErrors)
{
    struct Case {
        std::string_view line;
        std::string message;
    };
    for (const auto &[line, message] : std::initializer_list<Case>{
             {"table = \"nosuch\"", "unknown routing table name \"nosuch\"; expected a name from rt_tables"},
             {"table = 0", "expected a routing table number between 1 and 4294967295, got 0"},
             {"table = \"0\"", "expected a routing table number between 1 and 4294967295, got 0"},
             {"table = -1", "expected a routing table number between 1 and 4294967295, got -1"},
             {"table = 4294967296",
              "expected a routing table number between 1 and 4294967295, got 4294967296"},
             {"table = \"4294967296\"", "got 4294967296"},
             {"table = \"\"", "unknown routing table name \"\""},
             {"table = 1.5", "expected a routing table name or number, got a floating-point number"},
         }) {
        auto result = parse(lines({"", "[daemon]", line}));
        EXPECT_THAT(result.errors, ElementsAre(isError(3, "daemon.table", message))) << line;
        EXPECT_FALSE(result.config);
    }
}

} // namespace
} // namespace ifpin
