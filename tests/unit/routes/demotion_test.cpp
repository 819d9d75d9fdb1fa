// Uplink health's demotion of a role: its default route moves to metric + demote_by make before
// break, and back; only roles that asked (on_down = "demote") and only the family that is down.
#include <gtest/gtest.h>

#include <linux/if.h>

#include "routes/route_policy.hpp"

namespace ifpin {
namespace {

constexpr uint8_t ours = 241;
constexpr int media = 2;

// Records each write; RoutePolicy notes what succeeded in the kernel facts itself.
class KernelWriter : public RouteWriter {
public:
    NetlinkAck add(const RouteFact &route, bool) override
    {
        log.push_back("add " + std::to_string(route.metric) + " " + std::string(familyName(route.family)));
        return {};
    }
    NetlinkAck remove(const RouteFact &route) override
    {
        log.push_back("remove " + std::to_string(route.metric) + " " + std::string(familyName(route.family)));
        return {};
    }
    NetlinkAck addIfAbsent(const RouteFact &route) override
    {
        log.push_back("add-if-absent " + std::to_string(route.metric) + " " + std::string(familyName(route.family)));
        return {};
    }
    std::vector<std::string> log;
};

Config mediaWithHealth(HealthAction action)
{
    RoleConfig role;
    role.name = "media";
    role.interface = "media0";
    role.metric = 100;
    role.gateway4 = IpAddress::parse("192.0.2.1");
    role.gateway6 = IpAddress::parse("2001:db8:1::1");
    HealthConfig health;
    health.onDown = action;
    health.demoteBy = 20000;
    role.health = health;
    Config config;
    config.roles = {role};
    return config;
}

struct Fixture {
    explicit Fixture(HealthAction action)
    {
        kernel.replaceLinks({{media, "media0", IFF_UP | IFF_LOWER_UP}});
        policy.setConfig(mediaWithHealth(action));
        policy.reconcile(kernel, writer, ReconcileTrigger::policy);
        writer.log.clear();
    }
    std::vector<std::string> reconcile()
    {
        policy.reconcile(kernel, writer, ReconcileTrigger::policy);
        auto log = writer.log;
        writer.log.clear();
        return log;
    }
    RoutePolicy policy{ours};
    KernelState kernel{254};
    KernelWriter writer;
};

TEST(Demotion, TheDownFamilyMovesMakeBeforeBreakAndComesBack)
{
    Fixture f(HealthAction::demote);
    f.policy.setDemoted({{"media", Family::inet}});
    EXPECT_EQ(f.reconcile(), (std::vector<std::string>{"add 20100 inet", "remove 100 inet"}));
    const FamilyStatus &inet = f.policy.status("media")->families[0];
    EXPECT_TRUE(inet.demoted);
    EXPECT_EQ(inet.metric, 20100u);
    EXPECT_TRUE(inet.routeInPlace);
    EXPECT_FALSE(f.policy.status("media")->families[1].demoted);
    EXPECT_EQ(f.policy.status("media")->families[1].metric, 100u);
    EXPECT_EQ(f.policy.status("media")->restorations, 0u) << "a demotion is no restoration";
    EXPECT_TRUE(f.reconcile().empty()) << "nothing more to do";

    f.policy.setDemoted({});
    EXPECT_EQ(f.reconcile(), (std::vector<std::string>{"add 100 inet", "remove 20100 inet"}));
    EXPECT_FALSE(f.policy.status("media")->families[0].demoted);
    EXPECT_EQ(f.policy.status("media")->families[0].metric, 100u);
}

TEST(Demotion, AReportingRoleIsNeverDemoted)
{
    Fixture f(HealthAction::report);
    f.policy.setDemoted({{"media", Family::inet}, {"media", Family::inet6}});
    EXPECT_TRUE(f.reconcile().empty());
    EXPECT_FALSE(f.policy.status("media")->families[0].demoted);
}

TEST(Demotion, ARuntimeMetricIsDemotedToo)
{
    Fixture f(HealthAction::demote);
    f.policy.setDemoted({{"media", Family::inet6}});
    f.reconcile();
    Config config = mediaWithHealth(HealthAction::demote);
    config.roles[0].metric = 4294967000u;
    f.policy.setConfig(config);
    f.reconcile();
    EXPECT_EQ(f.policy.status("media")->families[1].metric, 4294967295u) << "held at the largest metric";
    EXPECT_EQ(f.policy.status("media")->families[0].metric, 4294967000u);
}

} // namespace
} // namespace ifpin
