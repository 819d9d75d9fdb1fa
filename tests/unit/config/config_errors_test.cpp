// Invalid configurations: each problem is one error located by file, line and key.
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

// ---- syntax and file-level problems ----

TEST(Config, SyntaxErrorIsOneErrorWithTheParsersLine)
{
    auto result = parse(lines({"[daemon]", "log_level = \"info\"", "socket = ", "[role.media]"}));
    ASSERT_THAT(result.errors, SizeIs(1));
    EXPECT_THAT(result.errors[0], isError(3, "", "expected value"));
    EXPECT_FALSE(result.config);
}

TEST(Config, RedefinedKeyIsASyntaxError)
{
    auto result = parse(roleWith("metric = 200"));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "", "metric")));
}

TEST(Config, NulByteIsNotText)
{
    std::string text = "[daemon]\nlog_level = \"info\"\n";
    text += std::string("# \0 here\n", 9);
    auto result = parse(text);
    EXPECT_THAT(result.errors, ElementsAre(isError(3, "", "NUL")));
}

// A truncated write leaves an empty file; read as "no roles" it would remove every route.
TEST(Config, EmptyFileIsAnError)
{
    for (std::string_view text : {"", "\n", "  \n\t\r\n"}) {
        auto result = parse(text);
        EXPECT_FALSE(result.config);
        EXPECT_THAT(result.errors, ElementsAre(isError(0, "", "the file is empty"))) << '"' << text << '"';
    }
}

// ---- unknown keys ----

TEST(Config, UnknownTopLevelKey)
{
    auto result = parse(lines({"verbose = true", "[roles.media]"}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(1, "verbose", "unknown key; expected one of: daemon, role"),
                            isError(2, "roles", "unknown key; expected one of: daemon, role")));
}

TEST(Config, UnknownDaemonKey)
{
    auto result = parse(lines({"[daemon]", "sock = \"/run/x\""}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(2, "daemon.sock",
                                    "unknown key; expected one of: socket, state_directory, table, "
                                    "remove_routes_on_exit, log_level")));
}

TEST(Config, UnknownRoleKey)
{
    auto result = parse(roleWith("gateway = \"192.0.2.1\""));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(4, "role.media.gateway",
                                    "unknown key; expected one of: interface, metric, gateway4, gateway6, "
                                    "allow_users, allow_groups")));
}

TEST(Config, UnknownSubTableInRole)
{
    auto result = parse(lines({"[role.media]", "interface = \"eth0\"", "metric = 1", "[role.media.extra]"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.extra", "unknown key")));
}

// ---- wrong types ----

TEST(Config, WrongTypes)
{
    struct Case {
        std::string_view line;
        std::string key;
        std::string message;
    };
    for (const auto &[line, key, message] : std::initializer_list<Case>{
             {"metric = \"100\"", "role.media.metric", "expected an integer, got a string"},
             {"interface = 5", "role.media.interface", "expected a string, got an integer"},
             {"gateway4 = 1", "role.media.gateway4", "expected a string, got an integer"},
             {"allow_users = \"root\"", "role.media.allow_users",
              "expected an array of strings, got a string"},
             {"allow_groups = { a = 1 }", "role.media.allow_groups",
              "expected an array of strings, got a table"},
             {"allow_users = [1]", "role.media.allow_users[0]",
              "expected a string (a user name or a decimal user id), got an integer"},
             {"allow_groups = [\"wheel\", true]", "role.media.allow_groups[1]",
              "expected a string (a group name or a decimal group id), got a boolean"},
         }) {
        // The key under test takes the place of the valid one of the same name.
        std::string_view name = line.substr(0, line.find(' '));
        auto result = parse(roleOnly(
            {name == "interface" ? "" : "interface = \"eth0\"", name == "metric" ? "" : "metric = 1", line}));
        EXPECT_THAT(result.errors, ElementsAre(isError(4, key, message))) << line;
        EXPECT_FALSE(result.config);
    }
}

TEST(Config, WrongTypeInDaemon)
{
    auto result =
        parse(lines({"[daemon]", "remove_routes_on_exit = \"yes\"", "socket = 1", "log_level = [\"info\"]"}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(2, "daemon.remove_routes_on_exit", "expected a boolean, got a string"),
                            isError(3, "daemon.socket", "expected a string, got an integer"),
                            isError(4, "daemon.log_level", "expected a string, got an array")));
}

TEST(Config, DaemonMustBeATable)
{
    auto result = parse("daemon = \"yes\"\n");
    EXPECT_THAT(result.errors, ElementsAre(isError(1, "daemon", "expected a table, got a string")));
}

TEST(Config, RoleMustBeATable)
{
    auto result = parse(lines({"[role]", "media = 5"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(2, "role.media", "expected a table, got an integer")));
}

TEST(Config, RoleMustBeATableOfTables)
{
    auto result = parse(lines({"[[role]]", "interface = \"eth0\""}));
    EXPECT_THAT(
        result.errors,
        ElementsAre(isError(1, "role", "expected a table of roles ([role.NAME] sections), got an array")));
    result = parse("role = \"media\"\n");
    EXPECT_THAT(result.errors, ElementsAre(isError(1, "role", "got a string")));
}

// ---- role names ----

TEST(Config, InvalidRoleNames)
{
    for (std::string name :
         {"\"a b\"", "\"\"", "\"m\u00e9dia\"", "\"a.b\"", "abcdefghijklmnopqrstuvwxyz_-01234"}) {
        auto result = parse(lines({"", "[role." + name + "]", "interface = \"eth0\"", "metric = 1"}));
        std::string key = "role." + name;
        EXPECT_THAT(
            result.errors,
            ElementsAre(isError(2, key, "; expected 1 to 32 characters from A-Z, a-z, 0-9, '_' and '-'")))
            << name;
        ASSERT_THAT(result.errors, SizeIs(1));
        EXPECT_THAT(result.errors[0].message, HasSubstr("invalid role name"));
    }
}

// ---- interface ----

TEST(Config, InterfaceIsRequired)
{
    auto result = parse(lines({"", "[role.media]", "metric = 1"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(2, "role.media.interface",
                                                   "required key is missing; expected a string")));
}

TEST(Config, InvalidInterfaceNames)
{
    struct Case {
        std::string value;
        std::string reason;
    };
    for (const auto &[value, reason] : std::initializer_list<Case>{
             {"", "it is empty"},
             {"abcdefghijklmnop", "it is longer than 15 bytes"},
             {"eth/0", "it contains '/'"},
             {"eth0:1", "it contains ':'"},
             {"eth 0", "it contains whitespace"},
             {"eth\\t0", "it contains whitespace"},
             {".", "it is reserved"},
             {"..", "it is reserved"},
             {"eth\\u00000", "expected text without NUL characters"},
         }) {
        auto result = parse(roleOnly({"metric = 1", "interface = \"" + value + "\""}));
        EXPECT_THAT(result.errors, ElementsAre(isError(3, "role.media.interface", reason))) << value;
        if (reason.starts_with("it ")) {
            EXPECT_THAT(result.errors.at(0).message,
                        HasSubstr("expected an interface name (1 to 15 bytes, no '/', ':' or whitespace"));
        }
    }
}

TEST(Config, DuplicateInterfaceNamesTheFirstRole)
{
    auto result = parse(lines({"[role.media]", "interface = \"eth0\"", "metric = 1", "[role.mgmt]",
                               "interface = \"eth0\"", "metric = 2"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(5, "role.mgmt.interface",
                                                   "interface eth0 is already used by role media")));
}

// Names the kernel would take but nftables or a log line would not (issue #15, items 6 and 7): "m*"
// became a wildcard in the egress guard's rule and let a socket out of media9.
TEST(Config, InterfaceNamesNftablesOrALogCannotTakeLiterally)
{
    struct Case {
        std::string value;
        std::string reason;
    };
    for (const auto &[value, reason] : std::initializer_list<Case>{
             {"m*", "it contains '*', which nftables takes as a wildcard"},
             {"*", "it contains '*'"},
             {"e*th0", "it contains '*'"},
             {"eth\\\\0", "which cannot stand in an nftables string"},
             {"eth\\\"0", "which cannot stand in an nftables string"},
             {"eth\\u001b[0", "it contains a control character"},
             {"eth\\u007f", "it contains a control character"},
         }) {
        auto result = parse(roleOnly({"metric = 1", "interface = \"" + value + "\""}));
        EXPECT_THAT(result.errors, ElementsAre(isError(3, "role.media.interface", reason))) << value;
    }
}

// ---- metric ----

TEST(Config, MetricIsRequired)
{
    auto result = parse(lines({"[role.media]", "interface = \"eth0\""}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(1, "role.media.metric", "required key is missing; expected an integer")));
}

TEST(Config, MetricOutOfRange)
{
    for (std::string value : {"-1", "4294967296", "-9223372036854775808"}) {
        auto result = parse(roleOnly({"interface = \"eth0\"", "metric = " + value}));
        EXPECT_THAT(result.errors,
                    ElementsAre(isError(3, "role.media.metric",
                                        "expected an integer between 0 and 4294967295, got " + value)));
    }
}

TEST(Config, DuplicateMetricNamesTheFirstRole)
{
    auto result = parse(lines({"[role.media]", "interface = \"eth0\"", "metric = 7", "[role.mgmt]",
                               "interface = \"eth1\"", "metric = 7"}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(6, "role.mgmt.metric", "metric 7 is already used by role media")));
}

// IPv6 stores metric 0 as 1024: media at 1024 and mgmt at 0 became one multipath IPv6 default route
// across both uplinks (issue #15, item 9).
TEST(Config, MetricsZeroAnd1024AreOneIpv6Metric)
{
    for (auto [first, second] : {std::pair{"1024", "0"}, std::pair{"0", "1024"}}) {
        auto result = parse(lines({"[role.media]", "interface = \"eth0\"", std::string("metric = ") + first,
                                   "[role.mgmt]", "interface = \"eth1\"", std::string("metric = ") + second}));
        EXPECT_THAT(result.errors,
                    ElementsAre(isError(6, "role.mgmt.metric",
                                        std::string("metric ") + second + " is already used by role media (its metric " +
                                            first + ": IPv6 stores metric 0 as 1024)")));
    }
    EXPECT_THAT(parse(lines({"[role.media]", "interface = \"eth0\"", "metric = 0", "[role.mgmt]",
                             "interface = \"eth1\"", "metric = 1023"}))
                    .errors,
                IsEmpty());
}

// ---- gateways ----

TEST(Config, GatewayOfTheWrongFamily)
{
    auto result = parse(roleWith("gateway4 = \"2001:db8::1\""));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.gateway4",
                                                   "expected an IPv4 address, got an IPv6 address")));
    result = parse(roleWith("gateway6 = \"192.0.2.1\""));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.gateway6",
                                                   "expected an IPv6 address, got an IPv4 address")));
}

TEST(Config, GatewayThatIsNoAddress)
{
    auto result = parse(roleWith("gateway4 = \"192.0.2.1/24\""));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.gateway4",
                                                   "expected an IPv4 address, got \"192.0.2.1/24\"")));
    result = parse(roleWith("gateway6 = \"router\""));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(4, "role.media.gateway6", "expected an IPv6 address, got \"router\"")));
}

TEST(Config, GatewayThatCannotRoute)
{
    struct Case {
        std::string line;
        std::string key;
        std::string kind;
    };
    for (const auto &[line, key, kind] : std::initializer_list<Case>{
             {"gateway4 = \"0.0.0.0\"", "role.media.gateway4", "the unspecified address (0.0.0.0)"},
             {"gateway4 = \"224.0.0.1\"", "role.media.gateway4", "a multicast address (224.0.0.1)"},
             {"gateway4 = \"255.255.255.255\"", "role.media.gateway4",
              "a reserved address (255.255.255.255)"},
             {"gateway4 = \"127.0.0.1\"", "role.media.gateway4", "a reserved address (127.0.0.1)"},
             {"gateway6 = \"::\"", "role.media.gateway6", "the unspecified address (::)"},
             {"gateway6 = \"ff02::1\"", "role.media.gateway6", "a multicast address (ff02::1)"},
         }) {
        auto result = parse(roleWith(line));
        EXPECT_THAT(result.errors,
                    ElementsAre(isError(4, key, "expected a unicast gateway address, got " + kind)))
            << line;
    }
}

// An IPv6 gateway that is an IPv4 address in disguise: accepted before, then every route write failed
// and was retried for ever, saved and restored at restart (issue #15, item 9).
TEST(Config, Ipv6GatewaysThatAreIpv4InDisguise)
{
    struct Case {
        std::string address;
        std::string kind;
    };
    for (const auto &[address, kind] : std::initializer_list<Case>{
             {"::ffff:198.51.100.1", "an IPv4-mapped address (::ffff:198.51.100.1)"},
             {"::ffff:127.0.0.1", "an IPv4-mapped address (::ffff:127.0.0.1)"},
             {"::127.0.0.1", "a deprecated IPv4-compatible address (::127.0.0.1)"},
             {"::198.51.100.1", "a deprecated IPv4-compatible address (::198.51.100.1)"},
             {"::1", "a reserved address (::1)"},
         }) {
        auto result = parse(roleWith("gateway6 = \"" + address + "\""));
        EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.gateway6",
                                                       "expected a unicast gateway address, got " + kind)))
            << address;
    }
    EXPECT_THAT(parse(roleWith("gateway6 = \"::ffff:198.51.100.1\"")).errors.at(0).message,
                HasSubstr("an IPv4 gateway goes in gateway4"));
    EXPECT_THAT(parse(roleWith("gateway6 = \"2001:db8::ffff:1\"")).errors, IsEmpty());
}

// ---- daemon paths and log level ----

TEST(Config, PathsMustBeAbsolute)
{
    auto result = parse(lines({"[daemon]", "socket = \"run/ifpind.sock\"", "state_directory = \"\""}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(2, "daemon.socket", "expected an absolute path, got \"run/ifpind.sock\""),
                            isError(3, "daemon.state_directory", "expected an absolute path, got \"\"")));
}

TEST(Config, SocketPathMustFitSockaddrUn)
{
    std::string fits = "/" + std::string(106, 's');
    auto result = parse("[daemon]\nsocket = \"" + fits + "\"\n");
    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->daemon.socketPath, fits);

    result = parse("[daemon]\nsocket = \"" + fits + "s\"\n");
    EXPECT_THAT(result.errors, ElementsAre(isError(2, "daemon.socket",
                                                   "expected a socket path of at most 107 bytes (the size of "
                                                   "sockaddr_un), got 108 bytes")));
}

TEST(Config, UnknownLogLevel)
{
    auto result = parse(lines({"[daemon]", "log_level = \"verbose\""}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(2, "daemon.log_level",
                                    "expected one of: trace, debug, info, warning, error, critical, off; got "
                                    "\"verbose\"")));
    result = parse(lines({"[daemon]", "log_level = \"INFO\""}));
    EXPECT_THAT(result.errors, ElementsAre(isError(2, "daemon.log_level", "got \"INFO\"")));
}

// ---- admin_group ----

TEST(Config, AdminGroupByNameOrId)
{
    auto result = parse(lines({"[daemon]", "admin_group = \"4343\""}));
    expectValid(result);
    EXPECT_EQ(result.config->daemon.adminGroup, "4343");
}

TEST(Config, AdminGroupErrors)
{
    auto result = parse(lines({"[daemon]", "admin_group = \"\""}));
    EXPECT_THAT(result.errors, ElementsAre(isError(2, "daemon.admin_group",
                                                   "expected a group name or a decimal group id, got \"\"")));
    result = parse(lines({"[daemon]", "admin_group = 4343"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(2, "daemon.admin_group", "expected a string")));
}

// ---- allow lists ----

TEST(Config, AllowListEntries)
{
    auto result = parse(lines({"[role.media]", "interface = \"eth0\"", "metric = 1",
                               "allow_users = [\"root\", \"\", \"root\"]", "allow_groups = [", "  \"wheel\",",
                               "  \"wheel\",", "]"}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(4, "role.media.allow_users[1]",
                                    "expected a user name or a decimal user id, got \"\""),
                            isError(4, "role.media.allow_users[2]", "duplicate entry \"root\""),
                            isError(7, "role.media.allow_groups[1]", "duplicate entry \"wheel\"")));
}

TEST(Config, EmptyAllowListIsValid)
{
    auto result = parse(roleWith("allow_users = []"));
    expectValid(result);
    EXPECT_THAT(result.config->roles.at(0).allowUsers, IsEmpty());
}

// ---- all errors at once ----

TEST(Config, CollectsEveryErrorInFileOrder)
{
    auto result = parse(lines({
        "[daemon]",             // 1
        "log_level = \"loud\"", // 2
        "table = \"nosuch\"",   // 3
        "[role.b]",             // 4
        "interface = \"a/b\"",  // 5
        "metric = -5",          // 6
        "colour = \"red\"",     // 7
        "[role.a]",             // 8
        "gateway4 = \"::1\"",   // 9
    }));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(2, "daemon.log_level", "expected one of"),
                            isError(3, "daemon.table", "unknown routing table name"),
                            isError(5, "role.b.interface", "it contains '/'"),
                            isError(6, "role.b.metric", "got -5"), isError(7, "role.b.colour", "unknown key"),
                            isError(8, "role.a.interface", "required key is missing"),
                            isError(8, "role.a.metric", "required key is missing"),
                            isError(9, "role.a.gateway4", "got an IPv6 address")));
    EXPECT_FALSE(result.config);
}

// ---- ConfigError::toString ----

TEST(ConfigError, ToString)
{
    EXPECT_EQ((ConfigError{"f.toml", 3, "role.media.metric", "bad"}).toString(),
              "f.toml:3: role.media.metric: bad");
    EXPECT_EQ((ConfigError{"f.toml", 0, "role.media.metric", "bad"}).toString(),
              "f.toml: role.media.metric: bad");
    EXPECT_EQ((ConfigError{"f.toml", 7, "", "bad"}).toString(), "f.toml:7: bad");
    EXPECT_EQ((ConfigError{"f.toml", 0, "", "bad"}).toString(), "f.toml: bad");
}

// ---- loadConfigFile ----

class LoadConfigFile : public testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/ifpin-config-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        directory_ = pattern;
    }
    void TearDown() override
    {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    std::string write(const std::string &name, std::string_view contents)
    {
        std::string path = (directory_ / name).string();
        std::ofstream(path, std::ios::binary) << contents;
        return path;
    }

    std::filesystem::path directory_;
};

TEST_F(LoadConfigFile, ReadsAValidFile)
{
    std::string path = write("ifpind.toml", roleWith("gateway4 = \"192.0.2.1\""));
    auto result = loadConfigFile(path, testTables());
    expectValid(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->roles.at(0).gateway4, IpAddress::parse("192.0.2.1"));
}

TEST_F(LoadConfigFile, ErrorsNameTheFile)
{
    std::string path = write("ifpind.toml", roleWith("metric2 = 1"));
    auto result = loadConfigFile(path, testTables());
    ASSERT_THAT(result.errors, SizeIs(1));
    EXPECT_EQ(result.errors[0].source, path);
    EXPECT_EQ(result.errors[0].toString(), path + ":4: role.media.metric2: " + result.errors[0].message);
}

TEST_F(LoadConfigFile, MissingFile)
{
    std::string path = (directory_ / "absent.toml").string();
    auto result = loadConfigFile(path, testTables());
    EXPECT_THAT(
        result.errors,
        ElementsAre(AllOf(
            Field(&ConfigError::source, path), Field(&ConfigError::line, 0u), Field(&ConfigError::key, ""),
            Field(&ConfigError::message, "cannot read " + path + ": No such file or directory"))));
    EXPECT_FALSE(result.config);
}

TEST_F(LoadConfigFile, DirectoryIsUnreadable)
{
    auto result = loadConfigFile(directory_.string(), testTables());
    EXPECT_THAT(result.errors, ElementsAre(Field(&ConfigError::message,
                                                 "cannot read " + directory_.string() + ": Is a directory")));
}

TEST_F(LoadConfigFile, FileOverOneMiBIsRejected)
{
    std::string comment = "#" + std::string(1022, 'x') + "\n"; // 1 KiB of harmless TOML
    std::string atLimit;
    for (int i = 0; i < 1024; ++i)
        atLimit += comment;
    ASSERT_EQ(atLimit.size(), 1024u * 1024u);
    expectValid(loadConfigFile(write("limit.toml", atLimit), testTables()));

    std::string path = write("big.toml", atLimit + "\n");
    auto result = loadConfigFile(path, testTables());
    EXPECT_THAT(result.errors,
                ElementsAre(AllOf(Field(&ConfigError::source, path), Field(&ConfigError::line, 0u),
                                  Field(&ConfigError::message, "file is larger than 1 MiB"))));
}

TEST_F(LoadConfigFile, NulBytesAreNotText)
{
    std::string path = write("binary.toml", std::string("[daemon]\n\0\1\2", 12));
    auto result = loadConfigFile(path, testTables());
    ASSERT_THAT(result.errors, SizeIs(1));
    EXPECT_EQ(result.errors[0].line, 2u);
    EXPECT_THAT(result.errors[0].message, HasSubstr("expected a text file"));
}

} // namespace
} // namespace ifpin
