// A demoted role's routes move to metric + demote_by (on_down = "demote"): that metric may not be
// another role's metric or demoted metric either, or two default routes would share one metric and
// the kernel's order would pick between them. Refused in the file, at runtime changes and at their
// merge at reload, naming both roles and the values.
#include "config/layered_config.hpp"
#include "config/role_clash.hpp"
#include "config/runtime_overrides.hpp"
#include "config_test_support.hpp"

#include <filesystem>

namespace ifpin {
namespace {

using namespace test;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

std::string demoting(std::string_view role, std::string_view metric, std::string_view demoteBy = "")
{
    std::string text = "[role." + std::string(role) + "]\ninterface = \"eth" + (role == "media" ? "0" : "1") +
                       "\"\nmetric = " + std::string(metric) + "\n[role." + std::string(role) +
                       ".health]\nmethod = \"icmp\"\non_down = \"demote\"\n";
    if (!demoteBy.empty())
        text += "demote_by = " + std::string(demoteBy) + "\n";
    return text;
}

std::string plain(std::string_view role, std::string_view metric)
{
    return "[role." + std::string(role) + "]\ninterface = \"eth" + (role == "media" ? "0" : "1") +
           "\"\nmetric = " + std::string(metric) + "\n";
}

TEST(DemotedMetricClash, AMetricThatIsAnEarlierRolesDemotedMetric)
{
    // media: lines 1-6 (demoted: 100 + 20000); mgmt from line 7, its metric on line 9.
    auto result = parse(demoting("media", "100") + plain("mgmt", "20100"));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(9, "role.mgmt.metric",
                                    "metric 20100 is already used by role media as its demoted metric (metric 100 + "
                                    "demote_by 20000)")));
    EXPECT_FALSE(result.config);
}

TEST(DemotedMetricClash, ADemotedMetricThatIsAnEarlierRolesMetric)
{
    // media: lines 1-3; mgmt from line 4, demote_by on line 10.
    auto result = parse(plain("media", "100") + demoting("mgmt", "50", "50"));
    EXPECT_THAT(result.errors, ElementsAre(isError(10, "role.mgmt.health.demote_by",
                                                   "demoted metric 100 (metric 50 + demote_by 50) is already used "
                                                   "by role media")));
    // The default demote_by: on_down is the key that makes it.
    result = parse(plain("media", "20050") + demoting("mgmt", "50"));
    EXPECT_THAT(result.errors, ElementsAre(isError(9, "role.mgmt.health.on_down",
                                                   "demoted metric 20050 (metric 50 + demote_by 20000) is already "
                                                   "used by role media")));
}

TEST(DemotedMetricClash, TwoDemotedMetrics)
{
    auto result = parse(demoting("media", "100") + demoting("mgmt", "1000", "19100"));
    EXPECT_THAT(result.errors,
                ElementsAre(isError(13, "role.mgmt.health.demote_by",
                                    "demoted metric 20100 (metric 1000 + demote_by 19100) is already used by role "
                                    "media as its demoted metric (metric 100 + demote_by 20000)")));
}

TEST(DemotedMetricClash, IpvSixStoresZeroAs1024)
{
    auto result = parse(plain("media", "0") + demoting("mgmt", "1000", "24"));
    EXPECT_THAT(result.errors, ElementsAre(isError(10, "role.mgmt.health.demote_by",
                                                   "demoted metric 1024 (metric 1000 + demote_by 24) is already used "
                                                   "by role media (its metric 0: IPv6 stores metric 0 as 1024)")));
}

TEST(DemotedMetricClash, OnlyADemotingRoleHasADemotedMetric)
{
    expectValid(parse(lines({"[role.media]", "interface = \"eth0\"", "metric = 100", "[role.media.health]",
                             "method = \"icmp\"", "on_down = \"report\""}) +
                      plain("mgmt", "20100")));
    expectValid(parse(demoting("media", "100") + plain("mgmt", "20101")));
    expectValid(parse(demoting("media", "100") + demoting("mgmt", "1000")));
}

TEST(DemotedMetricClash, AnInvalidHealthTableClaimsNoDemotedMetric)
{
    // demote_by is refused, so mgmt's demoted metric is not known: not 50 + the default 20000.
    auto result = parse(plain("media", "20050") + demoting("mgmt", "50", "\"many\""));
    EXPECT_THAT(result.errors, ElementsAre(isError(10, "role.mgmt.health.demote_by", "expected an integer")));
}

Config demotingFile(const std::string &stateDirectory)
{
    auto result = parse(demoting("media", "100") + demoting("mgmt", "1000", "500"));
    if (!result.config)
        throw std::runtime_error("the test's configuration does not parse: " + result.errors.at(0).toString());
    result.config->daemon.stateDirectory = stateDirectory;
    return *result.config;
}

// SetMetric over D-Bus (LayeredConfig::change): media demotes to 20100, mgmt to 1500.
TEST(DemotedMetricClash, ARuntimeMetricIsRefused)
{
    char pattern[] = "/tmp/ifpin-demoted-XXXXXX";
    ASSERT_TRUE(mkdtemp(pattern));
    const std::string dir = pattern;
    {
        LayeredConfig layers(demotingFile(dir));
        auto setMetric = [](uint32_t metric) { return [metric](RoleOverride &o) { o.metric = metric; }; };
        auto result = layers.change("mgmt", setMetric(20100));
        EXPECT_EQ(result.outcome, LayeredConfig::Outcome::conflict);
        EXPECT_EQ(result.message, "role mgmt: metric 20100 is already used by role media as its demoted metric "
                                  "(metric 100 + demote_by 20000)");
        result = layers.change("media", setMetric(1500));
        EXPECT_EQ(result.outcome, LayeredConfig::Outcome::conflict);
        EXPECT_EQ(result.message, "role media: metric 1500 is already used by role mgmt as its demoted metric "
                                  "(metric 1000 + demote_by 500)");
        result = layers.change("mgmt", setMetric(19600));
        EXPECT_EQ(result.outcome, LayeredConfig::Outcome::conflict);
        EXPECT_EQ(result.message, "role mgmt: demoted metric 20100 (metric 19600 + demote_by 500) is already used "
                                  "by role media as its demoted metric (metric 100 + demote_by 20000)");
        EXPECT_EQ(layers.effective(), demotingFile(dir)) << "nothing changed";
        EXPECT_EQ(layers.change("mgmt", setMetric(19601)).outcome, LayeredConfig::Outcome::applied);
    }
    std::filesystem::remove_all(dir);
}

// A reload lays the saved runtime changes over the new file: one that clashes now gives way.
TEST(DemotedMetricClash, ASavedRuntimeMetricGivesWayAtReload)
{
    auto result = parse(demoting("media", "100") + plain("mgmt", "1000"));
    ASSERT_TRUE(result.config);
    RuntimeOverrides overrides;
    overrides["mgmt"].metric = 20100;
    auto merged = mergeOverrides(*result.config, overrides);
    EXPECT_THAT(merged.dropped,
                ElementsAre("runtime metric 20100 of role mgmt rejected: metric 20100 is already used by role media "
                            "as its demoted metric (metric 100 + demote_by 20000); the configuration file's 1000 "
                            "applies"));
    EXPECT_EQ(merged.config.findRole("mgmt")->metric, 1000u);
    EXPECT_THAT(merged.applied, IsEmpty());
    EXPECT_EQ(findClash(merged.config.roles, "mgmt"), std::nullopt);
}

} // namespace
} // namespace ifpin
