// [role.NAME.health]: the values it gives, its defaults, and every invalid key refused with file,
// line and key.
#include "config_test_support.hpp"

namespace ifpin {
namespace {

using namespace test;
using namespace std::chrono_literals;
using testing::ElementsAre;
using testing::IsEmpty;

// media on eth0 at metric 100 (lines 1-3), its health table from line 4, the keys from line 5.
std::string healthWith(std::initializer_list<std::string_view> keys, uint32_t metric = 100)
{
    std::string text = "[role.media]\ninterface = \"eth0\"\nmetric = " + std::to_string(metric) +
                       "\n[role.media.health]\n";
    for (std::string_view key : keys)
        text.append(key).append("\n");
    return text;
}

const HealthConfig &healthOf(const ConfigResult &result)
{
    static const HealthConfig none;
    if (!result.config || result.config->roles.empty() || !result.config->roles[0].health)
        return none;
    return *result.config->roles[0].health;
}

TEST(HealthConfig, ARoleWithoutTheTableHasNoChecks)
{
    auto result = parse(roleWith(""));
    expectValid(result);
    EXPECT_FALSE(result.config->roles[0].health);
}

TEST(HealthConfig, DefaultsOfAnIcmpCheck)
{
    auto result = parse(healthWith({"method = \"icmp\""}));
    expectValid(result);
    ASSERT_TRUE(result.config->roles[0].health);
    const HealthConfig &health = healthOf(result);
    EXPECT_EQ(health.method, HealthMethod::icmp);
    EXPECT_THAT(health.targets, IsEmpty()) << "the gateway is the default";
    EXPECT_EQ(health.interval, 5s);
    EXPECT_EQ(health.timeout, 1s);
    EXPECT_EQ(health.downAfter, 3u);
    EXPECT_EQ(health.upAfter, 3u);
    EXPECT_EQ(health.onDown, HealthAction::report);
    EXPECT_EQ(health.demoteBy, 20000u);
}

TEST(HealthConfig, EveryKey)
{
    auto result = parse(healthWith({"method = \"icmp\"", "targets = [\"192.0.2.1\", \"2001:db8:1::1\", \"fe80::1\"]",
                                    "interval = 0.5", "timeout = 0.25", "down_after = 2", "up_after = 4",
                                    "on_down = \"demote\"", "demote_by = 5000"}));
    expectValid(result);
    const HealthConfig &health = healthOf(result);
    ASSERT_EQ(health.targets.size(), 3u);
    EXPECT_EQ(health.targets[0].toString(), "192.0.2.1");
    EXPECT_EQ(health.targets[1].toString(), "2001:db8:1::1");
    EXPECT_EQ(health.targets[2].toString(), "fe80::1");
    EXPECT_EQ(health.interval, 500ms);
    EXPECT_EQ(health.timeout, 250ms);
    EXPECT_EQ(health.downAfter, 2u);
    EXPECT_EQ(health.upAfter, 4u);
    EXPECT_EQ(health.onDown, HealthAction::demote);
    EXPECT_EQ(health.demoteBy, 5000u);
}

TEST(HealthConfig, TcpTargetsHavePorts)
{
    auto result = parse(healthWith({"method = \"tcp\"", "targets = [\"203.0.113.10:80\", \"[2001:db8:ffff::10]:443\"]",
                                    "interval = 2"}));
    expectValid(result);
    const HealthConfig &health = healthOf(result);
    ASSERT_EQ(health.targets.size(), 2u);
    EXPECT_EQ(health.targets[0].port, 80);
    EXPECT_EQ(health.targets[0].address.toString(), "203.0.113.10");
    EXPECT_EQ(health.targets[1].toString(), "[2001:db8:ffff::10]:443");
    EXPECT_EQ(health.interval, 2s);
    EXPECT_EQ(health.timeout, 1s);
}

TEST(HealthConfig, TheTimeoutDefaultsToTheIntervalWhenShorterThanASecond)
{
    EXPECT_EQ(healthOf(parse(healthWith({"method = \"icmp\"", "interval = 0.2"}))).timeout, 200ms);
}

TEST(HealthConfig, NeighbourNeedsNoTimeout)
{
    auto result = parse(healthWith({"method = \"neighbour\"", "interval = 1", "on_down = \"demote\""}));
    expectValid(result);
    EXPECT_EQ(healthOf(result).method, HealthMethod::neighbour);
}

// ---- invalid keys: one error each, at its line, naming it ----

TEST(HealthConfig, TheTableMustBeATable)
{
    auto result = parse(roleWith("health = \"icmp\""));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.health", "expected a table")));
}

TEST(HealthConfig, UnknownKey)
{
    auto result = parse(healthWith({"method = \"icmp\"", "count = 3"}));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(6, "role.media.health.count",
                                    "unknown key; expected one of: method, targets, interval, timeout, down_after, "
                                    "up_after, on_down, demote_by")));
}

TEST(HealthConfig, MethodIsRequired)
{
    auto result = parse(healthWith({"interval = 1"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.health.method", "required key is missing")));
}

TEST(HealthConfig, UnknownMethod)
{
    auto result = parse(healthWith({"method = \"arping\""}));
    EXPECT_THAT(result.errors, ElementsAre(isError(5, "role.media.health.method",
                                                   "expected one of: neighbour, icmp, tcp; got \"arping\"")));
}

TEST(HealthConfig, MethodMustBeAString)
{
    auto result = parse(healthWith({"method = 1"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(5, "role.media.health.method", "expected a string, got an integer")));
}

TEST(HealthConfig, TargetsMustBeAnArrayOfAddresses)
{
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "targets = \"192.0.2.1\""})).errors,
                ElementsAre(isError(6, "role.media.health.targets", "expected an array of strings, got a string")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "targets = [1]"})).errors,
                ElementsAre(isError(6, "role.media.health.targets[0]", "expected a string, got an integer")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "targets = [\"gateway.example\"]"})).errors,
                ElementsAre(isError(6, "role.media.health.targets[0]",
                                    "expected an IPv4 or IPv6 address, got \"gateway.example\"")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "targets = []"})).errors,
                ElementsAre(isError(6, "role.media.health.targets", "expected at least one target")));
}

TEST(HealthConfig, APortIsForTcpOnly)
{
    auto result = parse(healthWith({"method = \"icmp\"", "targets = [\"192.0.2.1:80\"]"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(6, "role.media.health.targets[0]",
                                                   "(a port is for method \"tcp\")")));
}

TEST(HealthConfig, TargetsThatCannotAnswer)
{
    for (std::string_view address : {"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "::", "::1", "ff02::1"}) {
        std::string line = "targets = [\"" + std::string(address) + "\"]";
        EXPECT_THAT(parse(healthWith({"method = \"icmp\"", line})).errors,
                    ElementsAre(isError(6, "role.media.health.targets[0]", "expected a unicast address")))
            << address;
    }
}

TEST(HealthConfig, DuplicateAndTooManyTargets)
{
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "targets = [\"192.0.2.1\", \"192.0.2.1\"]"})).errors,
                ElementsAre(isError(6, "role.media.health.targets[1]", "duplicate target \"192.0.2.1\"")));
    std::string many = "targets = [";
    for (int i = 1; i <= 17; ++i)
        many += std::string(i > 1 ? ", " : "") + "\"192.0.2." + std::to_string(i) + "\"";
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", many + "]"})).errors,
                ElementsAre(isError(6, "role.media.health.targets", "expected at most 16 targets, got 17")));
}

TEST(HealthConfig, TcpTargetsNeedAPortAndBrackets)
{
    auto targetError = [](std::string_view target, std::string message) {
        std::string line = "targets = [\"" + std::string(target) + "\"]";
        auto result = parse(healthWith({"method = \"tcp\"", line}));
        return testing::Matches(ElementsAre(isError(6, "role.media.health.targets[0]", message)))(result.errors);
    };
    EXPECT_TRUE(targetError("203.0.113.10", "expected ADDRESS:PORT"));
    EXPECT_TRUE(targetError("2001:db8::1:80", "expected ADDRESS:PORT (an IPv6 address in brackets"));
    EXPECT_TRUE(targetError("203.0.113.10:http", "expected ADDRESS:PORT"));
    EXPECT_TRUE(targetError("203.0.113.10:0", "expected a port between 1 and 65535, got 0"));
    EXPECT_TRUE(targetError("203.0.113.10:65536", "expected a port between 1 and 65535, got 65536"));
    EXPECT_TRUE(targetError("[::1]:80", "expected a unicast address"));
}

TEST(HealthConfig, TcpNeedsTargets)
{
    auto result = parse(healthWith({"method = \"tcp\""}));
    EXPECT_THAT(result.errors, ElementsAre(isError(4, "role.media.health.targets", "required with method \"tcp\"")));
}

TEST(HealthConfig, IntervalAndTimeoutAreSecondsWithinBounds)
{
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "interval = \"5s\""})).errors,
                ElementsAre(isError(6, "role.media.health.interval", "expected a number of seconds, got a string")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "interval = 0.05"})).errors,
                ElementsAre(isError(6, "role.media.health.interval",
                                    "expected a number of seconds from 0.1 to 3600, got 0.05")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "interval = 7200"})).errors,
                ElementsAre(isError(6, "role.media.health.interval", "from 0.1 to 3600, got 7200")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "interval = nan"})).errors,
                ElementsAre(isError(6, "role.media.health.interval", "got a number that is not finite")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "timeout = 0"})).errors,
                ElementsAre(isError(6, "role.media.health.timeout", "from 0.01 to 3600, got 0")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "interval = 1", "timeout = 2"})).errors,
                ElementsAre(isError(7, "role.media.health.timeout",
                                    "expected at most the interval (1000 ms), got 2000 ms")));
}

TEST(HealthConfig, NeighbourRefusesATimeout)
{
    auto result = parse(healthWith({"method = \"neighbour\"", "timeout = 1"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(6, "role.media.health.timeout",
                                                   "not used by method \"neighbour\"")));
}

TEST(HealthConfig, ThresholdsAreSmallPositiveIntegers)
{
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "down_after = 0"})).errors,
                ElementsAre(isError(6, "role.media.health.down_after", "expected an integer from 1 to 100, got 0")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "up_after = 101"})).errors,
                ElementsAre(isError(6, "role.media.health.up_after", "expected an integer from 1 to 100, got 101")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "up_after = 2.5"})).errors,
                ElementsAre(isError(6, "role.media.health.up_after", "expected an integer, got a floating-point")));
}

TEST(HealthConfig, OnDownIsReportOrDemote)
{
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "on_down = \"failover\""})).errors,
                ElementsAre(isError(6, "role.media.health.on_down",
                                    "expected \"report\" or \"demote\", got \"failover\"")));
}

TEST(HealthConfig, DemoteByOnlyWithDemote)
{
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "demote_by = 100"})).errors,
                ElementsAre(isError(6, "role.media.health.demote_by",
                                    "only used with on_down = \"demote\" (on_down is \"report\" when left out)")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "on_down = \"report\"", "demote_by = 100"})).errors,
                ElementsAre(isError(7, "role.media.health.demote_by", "only used with on_down = \"demote\"")));
    // A wrong on_down is one error, not two.
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "on_down = \"demot\"", "demote_by = 100"})).errors,
                ElementsAre(isError(6, "role.media.health.on_down", "expected \"report\" or \"demote\"")));
}

TEST(HealthConfig, TheDemotedMetricMustBeAMetric)
{
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "on_down = \"demote\"", "demote_by = 0"})).errors,
                ElementsAre(isError(7, "role.media.health.demote_by",
                                    "expected an integer between 1 and 4294967295, got 0")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "on_down = \"demote\"", "demote_by = 100"}, 4294967200u)).errors,
                ElementsAre(isError(7, "role.media.health.demote_by",
                                    "metric 4294967200 + demote_by 100 is larger than the largest metric")));
    EXPECT_THAT(parse(healthWith({"method = \"icmp\"", "on_down = \"demote\""}, 4294967000u)).errors,
                ElementsAre(isError(6, "role.media.health.on_down", "20000 is the default; set demote_by")));
}

TEST(HealthConfig, EveryProblemOfOneTableIsReported)
{
    auto result = parse(healthWith({"method = \"icmp\"", "interval = 0", "down_after = -1", "on_down = 1"}));
    EXPECT_THAT(result.errors, ElementsAre(isError(6, "role.media.health.interval", "from 0.1 to 3600"),
                                           isError(7, "role.media.health.down_after", "from 1 to 100"),
                                           isError(8, "role.media.health.on_down", "expected a string")));
    EXPECT_FALSE(result.config);
}

TEST(HealthConfig, DemotedMetricIsHeldAtTheLargestMetric)
{
    EXPECT_EQ(demotedMetric(100, 20000), 20100u);
    EXPECT_EQ(demotedMetric(4294967000u, 20000), 4294967295u);
}

} // namespace
} // namespace ifpin
