// The words of a rollback's log line: what changes, role by role, then the daemon's settings.
#include <gtest/gtest.h>

#include "checkpoint/policy_difference.hpp"

namespace ifpin {
namespace {

RoleConfig role(std::string name, std::string interface, uint32_t metric, std::optional<IpAddress> gateway4,
                std::optional<IpAddress> gateway6, std::vector<std::string> allowGroups = {})
{
    RoleConfig config;
    config.name = std::move(name);
    config.interface = std::move(interface);
    config.metric = metric;
    config.gateway4 = gateway4;
    config.gateway6 = gateway6;
    config.allowGroups = std::move(allowGroups);
    return config;
}

Config policy()
{
    Config config;
    RoleConfig media = role("media", "media0", 100, IpAddress::parse("192.0.2.1"), std::nullopt);
    RoleConfig mgmt = role("mgmt", "mgmt0", 1000, std::nullopt, IpAddress::parse("2001:db8:2::1"), {"ifpin-mgmt"});
    config.roles = {media, mgmt};
    return config;
}

TEST(PolicyDifference, SaysWhatComesBack)
{
    Config unconfirmed = policy();
    unconfirmed.roles[1].interface = "other0";
    unconfirmed.roles[1].gateway6 = IpAddress::parse("2001:db8:3::1");
    unconfirmed.roles[1].allowGroups = {};
    RoleConfig backup = role("backup", "eth5", 3000, std::nullopt, std::nullopt);
    unconfirmed.roles.push_back(backup);
    unconfirmed.roles.erase(unconfirmed.roles.begin()); // media gone
    unconfirmed.daemon.table = 100;
    unconfirmed.daemon.tableName = "100";

    EXPECT_EQ(describePolicyDifference(unconfirmed, policy()),
              "role media added back (interface media0, metric 100); "
              "role mgmt: interface other0 -> mgmt0, gateway6 2001:db8:3::1 -> 2001:db8:2::1, "
              "allow_groups none -> [ifpin-mgmt]; role backup removed; daemon: table 100 -> main");
}

TEST(PolicyDifference, LearnedAndNothing)
{
    Config configured = policy();
    configured.roles[0].gateway4.reset();
    EXPECT_EQ(describePolicyDifference(policy(), configured), "role media: gateway4 192.0.2.1 -> learned");
    EXPECT_EQ(describePolicyDifference(policy(), policy()), "no change to the policy");
}

} // namespace
} // namespace ifpin
