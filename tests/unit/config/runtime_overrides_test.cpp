// Runtime changes: the state file's JSON, and how they are laid over the configuration file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/runtime_overrides.hpp"

namespace ifpin {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::SizeIs;

RoleConfig role(std::string name, std::string interface, uint32_t metric)
{
    RoleConfig config;
    config.name = std::move(name);
    config.interface = std::move(interface);
    config.metric = metric;
    return config;
}

// media on eth0 at 100 (gateway4 192.0.2.1), mgmt on eth1 at 1000.
Config fileConfig()
{
    Config config;
    config.roles = {role("media", "eth0", 100), role("mgmt", "eth1", 1000)};
    config.roles[0].gateway4 = IpAddress::parse("192.0.2.1");
    return config;
}

RoleOverride metricOf(uint32_t metric)
{
    RoleOverride override;
    override.metric = metric;
    return override;
}

TEST(RuntimeOverrides, JsonRoundTrip)
{
    RuntimeOverrides overrides;
    overrides["media"].metric = 50;
    overrides["media"].gateway4 = GatewayOverride{}; // learn
    overrides["mgmt"].interface = "eth2";
    overrides["mgmt"].gateway6 = GatewayOverride{IpAddress::parse("fe80::1")};
    overrides["empty"] = RoleOverride{}; // nothing to say: not written

    std::string text = overridesToJson(overrides);
    EXPECT_THAT(text, HasSubstr("\"version\": 1"));
    EXPECT_THAT(text, HasSubstr("\"gateway4\": \"\""));
    auto parsed = overridesFromJson(text);
    EXPECT_FALSE(parsed.unusable);
    EXPECT_THAT(parsed.skipped, IsEmpty());
    overrides.erase("empty");
    EXPECT_EQ(parsed.overrides, overrides);
}

TEST(RuntimeOverrides, UnusableFiles)
{
    EXPECT_EQ(overridesFromJson("").unusable, "not valid JSON");
    EXPECT_EQ(overridesFromJson("{\"version\": 1, \"roles\": {").unusable, "not valid JSON");
    EXPECT_THAT(*overridesFromJson("[]").unusable, HasSubstr("\"version\": 1"));
    EXPECT_THAT(*overridesFromJson("{\"version\": 2, \"roles\": {}}").unusable, HasSubstr("\"version\": 1"));
    EXPECT_THAT(*overridesFromJson("{\"version\": 1, \"roles\": []}").unusable, HasSubstr("not a JSON object"));
    auto empty = overridesFromJson("{\"version\": 1}");
    EXPECT_FALSE(empty.unusable);
    EXPECT_THAT(empty.overrides, IsEmpty());
}

TEST(RuntimeOverrides, BadEntriesAreSkippedOneByOne)
{
    auto parsed = overridesFromJson(R"({"version": 1, "roles": {
        "media": {"metric": -1, "interface": "eth/0", "gateway4": "2001:db8::1", "gateway6": "fe80::1"},
        "mgmt": {"metric": 4294967296, "colour": "red", "interface": "eth9"},
        "bad name!": {"metric": 1},
        "other": 7}})");
    EXPECT_FALSE(parsed.unusable);
    EXPECT_THAT(parsed.skipped, SizeIs(7));
    EXPECT_THAT(parsed.skipped, testing::Contains(HasSubstr("roles.media.metric: expected an integer between")));
    EXPECT_THAT(parsed.skipped, testing::Contains(HasSubstr("roles.mgmt.colour: unknown key")));
    EXPECT_THAT(parsed.skipped, testing::Contains(HasSubstr("roles.other: expected a JSON object")));
    ASSERT_EQ(parsed.overrides.size(), 2u);
    EXPECT_EQ(parsed.overrides.at("media").gateway6, GatewayOverride{IpAddress::parse("fe80::1")});
    EXPECT_FALSE(parsed.overrides.at("media").metric);
    EXPECT_EQ(parsed.overrides.at("mgmt").interface, "eth9");
}

// The state file is JSON, whose strings may hold any byte (issue #15, item 9): "x\u0000y" was taken as
// an interface (and SO_BINDTODEVICE saw "x"), and a key with a terminal escape reached the log raw.
TEST(RuntimeOverrides, NamesWithNulOrControlBytesAreSkipped)
{
    auto parsed = overridesFromJson(R"({"version": 1, "roles": {
        "media": {"interface": "x\u0000y", "gateway4": "192.0.2.1\u0000junk"},
        "mgmt": {"interface": "m*", "\u001b[2Jcolour": 1}}})");
    EXPECT_FALSE(parsed.unusable);
    EXPECT_THAT(parsed.skipped, testing::Contains(HasSubstr("roles.media.interface: expected an interface name")));
    EXPECT_THAT(parsed.skipped, testing::Contains(HasSubstr("\"x\\x00y\": it contains a NUL byte")));
    EXPECT_THAT(parsed.skipped, testing::Contains(HasSubstr("roles.media.gateway4: expected an IPv4 address")));
    EXPECT_THAT(parsed.skipped, testing::Contains(HasSubstr("it contains '*', which nftables takes as a wildcard")));
    EXPECT_THAT(parsed.skipped, testing::Contains("roles.mgmt.\\x1B[2Jcolour: unknown key"));
    for (const auto &line : parsed.skipped)
        EXPECT_EQ(line.find_first_of(std::string("\0\x1b\n", 3)), std::string::npos) << line;
    EXPECT_THAT(parsed.overrides, IsEmpty());
}

TEST(RuntimeOverrides, Ipv6MetricZeroClashesWith1024)
{
    RuntimeOverrides overrides{{"mgmt", metricOf(0)}};
    Config file = fileConfig();
    file.roles[0].metric = 1024;
    auto merged = mergeOverrides(file, overrides);
    EXPECT_THAT(merged.dropped, ElementsAre(HasSubstr("runtime metric 0 of role mgmt rejected: metric 0 is already "
                                                      "used by role media (its metric 1024: IPv6 stores metric 0 as 1024)")));
    EXPECT_EQ(merged.config.roles.at(1).metric, 1000u);
}

TEST(RuntimeOverrides, MergeAppliesOverridesOverTheFile)
{
    RuntimeOverrides overrides;
    overrides["media"].metric = 50;
    overrides["media"].gateway4 = GatewayOverride{}; // forget the configured gateway
    overrides["mgmt"].interface = "eth2";
    overrides["mgmt"].gateway6 = GatewayOverride{IpAddress::parse("fe80::1")};
    auto merged = mergeOverrides(fileConfig(), overrides);
    EXPECT_THAT(merged.dropped, IsEmpty());
    EXPECT_EQ(merged.applied, overrides);
    const RoleConfig &media = merged.config.roles.at(0);
    EXPECT_EQ(media.metric, 50u);
    EXPECT_FALSE(media.gateway4);
    EXPECT_EQ(media.interface, "eth0");
    const RoleConfig &mgmt = merged.config.roles.at(1);
    EXPECT_EQ(mgmt.interface, "eth2");
    EXPECT_EQ(mgmt.metric, 1000u);
    EXPECT_EQ(mgmt.gateway6, IpAddress::parse("fe80::1"));
}

TEST(RuntimeOverrides, OverrideOfAMissingRoleIsDropped)
{
    RuntimeOverrides overrides{{"ghost", metricOf(5)}, {"mgmt", metricOf(500)}};
    auto merged = mergeOverrides(fileConfig(), overrides);
    EXPECT_THAT(merged.dropped, ElementsAre(HasSubstr("role ghost (metric 5) dropped: the configuration file "
                                                      "has no role ghost")));
    EXPECT_EQ(merged.applied, (RuntimeOverrides{{"mgmt", metricOf(500)}}));
    EXPECT_EQ(merged.config.roles.at(1).metric, 500u);
}

TEST(RuntimeOverrides, ClashingOverrideIsRejectedAndTheFileApplies)
{
    // The file now gives mgmt's old runtime metric to media.
    Config file = fileConfig();
    file.roles[0].metric = 500;
    RuntimeOverrides overrides{{"mgmt", metricOf(500)}};
    overrides["mgmt"].gateway4 = GatewayOverride{IpAddress::parse("198.51.100.1")};
    auto merged = mergeOverrides(file, overrides);
    EXPECT_THAT(merged.dropped, ElementsAre(HasSubstr("runtime metric 500 of role mgmt rejected: metric 500 is "
                                                      "already used by role media; the configuration file's 1000")));
    EXPECT_EQ(merged.config.roles.at(1).metric, 1000u);
    EXPECT_EQ(merged.config.roles.at(1).gateway4, IpAddress::parse("198.51.100.1")) << "the rest still applies";
    EXPECT_FALSE(merged.applied.at("mgmt").metric);
}

TEST(RuntimeOverrides, ClashingInterfaceIsRejected)
{
    RuntimeOverrides overrides;
    overrides["mgmt"].interface = "eth0";
    auto merged = mergeOverrides(fileConfig(), overrides);
    EXPECT_THAT(merged.dropped, ElementsAre(HasSubstr("runtime interface eth0 of role mgmt rejected: interface "
                                                      "eth0 is already used by role media")));
    EXPECT_EQ(merged.config.roles.at(1).interface, "eth1");
    EXPECT_THAT(merged.applied, IsEmpty());
}

TEST(RuntimeOverrides, TakingBackOneClashCanUncoverAnother)
{
    // Both overridden onto one metric: the later role gives way, back to the file's 1000.
    RuntimeOverrides overrides{{"media", metricOf(7)}, {"mgmt", metricOf(7)}};
    auto merged = mergeOverrides(fileConfig(), overrides);
    EXPECT_THAT(merged.dropped, SizeIs(1));
    EXPECT_EQ(merged.config.roles.at(0).metric, 7u);
    EXPECT_EQ(merged.config.roles.at(1).metric, 1000u);

    // A rotation held together in one state file clashes with nothing: all of it applies.
    Config file = fileConfig();
    file.roles.push_back(role("backup", "eth3", 2000));
    RuntimeOverrides rotation{{"media", metricOf(1000)}, {"mgmt", metricOf(2000)}, {"backup", metricOf(100)}};
    auto result = mergeOverrides(file, rotation);
    EXPECT_THAT(result.dropped, IsEmpty());
    EXPECT_EQ(result.applied, rotation);

    // Two overrides onto a third role's file metric: both give way.
    RuntimeOverrides crowd{{"media", metricOf(2000)}, {"mgmt", metricOf(2000)}};
    result = mergeOverrides(file, crowd);
    EXPECT_THAT(result.dropped, SizeIs(2));
    EXPECT_THAT(result.applied, IsEmpty());
    for (const auto &r : result.config.roles)
        EXPECT_FALSE(findClash(result.config.roles, r.name)) << r.name;
}

TEST(RuntimeOverrides, FindClash)
{
    auto roles = fileConfig().roles;
    EXPECT_FALSE(findClash(roles, "media"));
    EXPECT_FALSE(findClash(roles, "nobody"));
    roles[1].metric = 100;
    EXPECT_EQ(findClash(roles, "mgmt"), "metric 100 is already used by role media");
    roles[1].metric = 1000;
    roles[1].interface = "eth0";
    EXPECT_EQ(findClash(roles, "mgmt"), "interface eth0 is already used by role media");
}

TEST(RuntimeOverrides, Describe)
{
    RoleOverride override = metricOf(5);
    override.gateway6 = GatewayOverride{};
    EXPECT_EQ(describeOverride(override), "metric 5, gateway6 learned");
    EXPECT_EQ(describeOverride(RoleOverride{}), "nothing");
}

} // namespace
} // namespace ifpin
