// What ifpinctl makes of a role's uplink health (Health, Demoted, HealthDetails): the view read from
// the properties, `status` (table and JSON), `metrics` (its families only for roles with checks) and
// `monitor` (an event per family that changed, and for demotion).
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sdbus-c++/sdbus-c++.h>

#include "metrics_view.hpp"
#include "monitor_view.hpp"
#include "status_view.hpp"

namespace ifpinctl {
namespace {

using Properties = std::map<std::string, sdbus::Variant>;
using Detail = sdbus::Struct<std::string, std::string, std::string, std::string, std::string, uint64_t, uint32_t, uint32_t>;

Properties mediaProperties()
{
    return {
        {"Name", sdbus::Variant(std::string("media"))},
        {"Interface", sdbus::Variant(std::string("media0"))},
        {"Metric", sdbus::Variant(uint32_t{100})},
        {"Gateway4", sdbus::Variant(std::string("192.0.2.1"))},
        {"Gateway6", sdbus::Variant(std::string("2001:db8:1::1"))},
        {"State", sdbus::Variant(std::string("enforced"))},
        {"LinkState", sdbus::Variant(std::string("up"))},
        {"Route4InPlace", sdbus::Variant(true)},
        {"Route6InPlace", sdbus::Variant(true)},
    };
}

// media probed by ICMP: IPv4 down and demoted after three timeouts, IPv6 healthy at 0.41 ms.
Properties checkedProperties()
{
    Properties properties = mediaProperties();
    properties["Health"] = sdbus::Variant(std::map<std::string, std::string>{{"inet", "down"}, {"inet6", "healthy"}});
    properties["Demoted"] = sdbus::Variant(std::vector<std::string>{"inet"});
    properties["HealthDetails"] = sdbus::Variant(std::vector<Detail>{
        Detail{"inet", "192.0.2.1", "down", "timeout", "", 0, 3, 0},
        Detail{"inet6", "2001:db8:1::1", "up", "ok", "", 410, 0, 12},
    });
    return properties;
}

RoleView readRole(const Properties &properties, std::string *warnings = nullptr)
{
    std::ostringstream out;
    PropertyTypeWarnings typeWarnings(out);
    RoleView view = roleViewFrom("media", properties, typeWarnings);
    if (warnings)
        *warnings = out.str();
    return view;
}

HealthView checkedHealth()
{
    return HealthView{{{"inet", "down"}, {"inet6", "healthy"}},
                      {"inet"},
                      {{"inet", "192.0.2.1", "down", "timeout", "", 0, 3, 0},
                       {"inet6", "2001:db8:1::1", "up", "ok", "", 410, 0, 12}}};
}

TEST(HealthView, ReadFromTheProperties)
{
    std::string warnings;
    RoleView view = readRole(checkedProperties(), &warnings);
    ASSERT_TRUE(view.health);
    EXPECT_EQ(*view.health, checkedHealth());
    EXPECT_EQ(warnings, "");
    // An ifpind without health sends no Health: nothing is shown of it.
    EXPECT_FALSE(readRole(mediaProperties()).health);
}

TEST(HealthView, AWrongTypeIsWarnedAboutAndReadAsNothing)
{
    Properties properties = checkedProperties();
    properties["Health"] = sdbus::Variant(std::string("down"));
    std::string warnings;
    RoleView view = readRole(properties, &warnings);
    ASSERT_TRUE(view.health);
    EXPECT_TRUE(view.health->states.empty());
    EXPECT_NE(warnings.find("property Health of role media has D-Bus type 's'"), std::string::npos) << warnings;
}

TEST(HealthView, StatusJson)
{
    RoleView view = readRole(checkedProperties());
    nlohmann::json health = statusJson({view}, "0.1.0").at("roles").at(0).at("health");
    EXPECT_EQ(health, nlohmann::json::parse(R"({
        "inet": {"state": "down", "demoted": true, "targets": [
            {"target": "192.0.2.1", "status": "down", "last_result": "timeout", "detail": null, "rtt_ms": null,
             "failures_in_row": 3, "successes_in_row": 0}]},
        "inet6": {"state": "healthy", "demoted": false, "targets": [
            {"target": "2001:db8:1::1", "status": "up", "last_result": "ok", "detail": null, "rtt_ms": 0.41,
             "failures_in_row": 0, "successes_in_row": 12}]}})"));
    // A role without checks: health is null (the ifpind has health, the role does not use it).
    RoleView unchecked = readRole(mediaProperties());
    unchecked.health = HealthView{};
    EXPECT_TRUE(statusJson({unchecked}, "0.1.0").at("roles").at(0).at("health").is_null());
    EXPECT_FALSE(statusJson({readRole(mediaProperties())}, "0.1.0").at("roles").at(0).contains("health"));
}

TEST(HealthView, StatusTableHasALinePerFamilyAfterTheRoles)
{
    RoleView view = readRole(checkedProperties());
    std::string table = statusTable({view});
    ASSERT_NE(table.find("role media: health"), std::string::npos) << table;
    EXPECT_EQ(table.substr(table.find("role media: health")),
              "role media: health inet down, routes demoted: 192.0.2.1 down (timeout, 3 failures in a row)\n"
              "role media: health inet6 healthy: 2001:db8:1::1 up (ok, 0.41 ms)\n");

    view.health->states = {{"inet", "unknown"}};
    view.health->demoted.clear();
    view.health->targets = {{"inet", "192.0.2.1", "unknown", "none", "", 0, 0, 0}};
    table = statusTable({view});
    EXPECT_EQ(table.substr(table.find("role media: health")),
              "role media: health inet unknown: 192.0.2.1 unknown (not probed yet)\n");

    view.health->targets = {{"inet", "192.0.2.1:80", "down", "refused", "Connection refused", 0, 1, 0}};
    table = statusTable({view});
    EXPECT_EQ(table.substr(table.find("role media: health")),
              "role media: health inet unknown: 192.0.2.1:80 down (refused: Connection refused, 1 failure in a row)\n");

    view.health->targets.clear();
    table = statusTable({view});
    EXPECT_EQ(table.substr(table.find("role media: health")), "role media: health inet unknown: nothing to probe\n");
    EXPECT_EQ(statusTable({readRole(mediaProperties())}).find("health"), std::string::npos);
}

TEST(HealthView, MetricsOnlyForRolesWithChecks)
{
    RoleView view = readRole(checkedProperties());
    std::string text = metricsText({view}, "0.1.0");
    for (const std::string line : {
             "ifpin_role_health{role=\"media\",family=\"inet\",state=\"down\"} 1\n",
             "ifpin_role_health{role=\"media\",family=\"inet\",state=\"healthy\"} 0\n",
             "ifpin_role_health{role=\"media\",family=\"inet6\",state=\"healthy\"} 1\n",
             "ifpin_role_health{role=\"media\",family=\"inet6\",state=\"degraded\"} 0\n",
             "ifpin_role_demoted{role=\"media\",family=\"inet\"} 1\n",
             "ifpin_role_demoted{role=\"media\",family=\"inet6\"} 0\n",
             "ifpin_health_target_up{role=\"media\",family=\"inet\",target=\"192.0.2.1\"} 0\n",
             "ifpin_health_target_up{role=\"media\",family=\"inet6\",target=\"2001:db8:1::1\"} 1\n",
             "ifpin_health_target_failures{role=\"media\",family=\"inet\",target=\"192.0.2.1\"} 3\n",
             "ifpin_health_target_rtt_seconds{role=\"media\",family=\"inet6\",target=\"2001:db8:1::1\"} 0.000410\n",
             "# TYPE ifpin_role_health gauge\n",
         })
        EXPECT_NE(text.find(line), std::string::npos) << line << "not in:\n" << text;
    EXPECT_EQ(text.find("ifpin_health_target_rtt_seconds{role=\"media\",family=\"inet\""), std::string::npos)
        << "no RTT before an answer";

    // A state this ifpinctl does not know is a sample too.
    view.health->states["inet"] = "probing";
    EXPECT_NE(metricsText({view}, "0.1.0").find("ifpin_role_health{role=\"media\",family=\"inet\",state=\"probing\"} 1\n"),
              std::string::npos);

    // Without checks there is no health family at all, not even its HELP.
    std::string unchecked = metricsText({readRole(mediaProperties())}, "0.1.0");
    EXPECT_EQ(unchecked.find("health"), std::string::npos) << unchecked;
    EXPECT_EQ(unchecked.find("demoted"), std::string::npos) << unchecked;
}

PropertyMap healthChange(std::map<std::string, std::string> health, std::vector<std::string> demoted)
{
    return {{"Health", sdbus::Variant(health)}, {"Demoted", sdbus::Variant(demoted)}};
}

TEST(HealthView, MonitorEventsPerFamilyAndForDemotion)
{
    setenv("TZ", "UTC0", 1);
    tzset();
    const EventTime at{std::chrono::seconds(1746093600)};
    const std::string t = "2025-05-01T10:00:00.000+00:00 media: ";
    PropertyMap before = mediaProperties();
    before.merge(healthChange({{"inet", "healthy"}, {"inet6", "healthy"}}, {}));

    auto events = propertyEvents(at, "media", before, healthChange({{"inet", "down"}, {"inet6", "healthy"}}, {"inet"}));
    std::vector<std::string> lines;
    for (const auto &event : events)
        lines.push_back(eventLine(event));
    EXPECT_EQ(lines, (std::vector<std::string>{t + "health inet healthy -> down\n", t + "routes demoted: inet\n"}));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].event, "health");
    EXPECT_EQ(events[0].after, (nlohmann::json{{"inet", "down"}, {"inet6", "healthy"}}));
    EXPECT_EQ(events[1].event, "demoted");

    PropertyMap down = mediaProperties();
    down.merge(healthChange({{"inet", "down"}, {"inet6", "healthy"}}, {"inet"}));
    events = propertyEvents(at, "media", down, healthChange({{"inet", "healthy"}}, {}));
    lines.clear();
    for (const auto &event : events)
        lines.push_back(eventLine(event));
    EXPECT_EQ(lines, (std::vector<std::string>{t + "health inet down -> healthy, health inet6 no longer checked\n",
                                               t + "routes no longer demoted\n"}));
    unsetenv("TZ");
    tzset();
}

} // namespace
} // namespace ifpinctl
