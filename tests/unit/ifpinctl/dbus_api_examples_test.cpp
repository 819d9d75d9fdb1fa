// docs/dbus-api.md shows what `ifpinctl status` and `ifpinctl status --json` print for two roles, and
// the warning about a property of an unexpected type: these tests make that text with the code and
// require the page to hold exactly it. When one fails, its message is the text to paste into the page.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "checkpoint_view.hpp"
#include "metrics_view.hpp"
#include "monitor_view.hpp"
#include "status_view.hpp"

namespace ifpinctl {
namespace {

// The roles of the page's examples: media with configured gateways and ICMP health checks, its IPv4
// gateway dead and demoted; mgmt with a learned IPv4 gateway, sockets served, a restoration, dropped
// packets, a foreign route that outranks it, a pinned process and no health checks; both with return
// routing, as by default, with the lab's addresses.
std::vector<RoleView> exampleRoles()
{
    const std::string mainRule = "32000: from all lookup 254 suppress_prefixlength 0 proto 241";
    RoleView media;
    media.name = "media";
    media.interface = "media0";
    media.linkState = "up";
    media.metric = 100;
    media.state = "enforced";
    media.inet = {"192.0.2.1", false, true};
    media.inet6 = {"2001:db8:1::1", false, true};
    media.pinning = PinningView{true, "/sys/fs/bpf/ifpin/media", "", 0, 0};
    media.returnRouting = true;
    media.replyTable = 1001;
    media.replyRules4 = {mainRule, "32001: from 192.0.2.2 lookup 1001 proto 241"};
    media.replyRules6 = {mainRule, "32001: from 2001:db8:1::2 lookup 1001 proto 241"};
    media.replyRoute4InPlace = media.replyRoute6InPlace = true;
    media.health = HealthView{{{"inet", "down"}, {"inet6", "healthy"}},
                              {"inet"},
                              {{"inet", "192.0.2.1", "down", "timeout", "", 0, 3, 0},
                               {"inet6", "2001:db8:1::1", "up", "ok", "", 412, 0, 57}}};


    RoleView mgmt;
    mgmt.name = "mgmt";
    mgmt.interface = "mgmt0";
    mgmt.linkState = "up";
    mgmt.metric = 1000;
    mgmt.state = "enforced";
    mgmt.inet = {"198.51.100.1", true, true};
    mgmt.inet6 = {"2001:db8:2::1", false, true};
    mgmt.returnRouting = true;
    mgmt.replyTable = 1002;
    mgmt.replyRules4 = {mainRule, "32002: from 198.51.100.2 lookup 1002 proto 241"};
    mgmt.replyRules6 = {mainRule, "32002: from 2001:db8:2::2 lookup 1002 proto 241"};
    mgmt.replyRoute4InPlace = mgmt.replyRoute6InPlace = true;
    mgmt.socketsServed = 3;
    mgmt.restorations = 1;
    mgmt.egressDropped = 2;
    mgmt.outrankedBy = {"default via 203.0.113.66 dev other0 metric 5 proto 3"};
    mgmt.pinning = PinningView{true, "/sys/fs/bpf/ifpin/mgmt", "", 1, 0};
    mgmt.health = HealthView{}; // no [role.mgmt.health]
    return {media, mgmt};
}

std::string readPage()
{
    std::ifstream in(IFPIN_DBUS_API_DOC);
    if (!in)
        throw std::runtime_error("cannot read " IFPIN_DBUS_API_DOC);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The body of the first fenced code block after the line that contains intro.
std::string blockAfter(const std::string &page, const std::string &intro)
{
    auto at = page.find(intro);
    if (at == std::string::npos)
        throw std::runtime_error("no \"" + intro + "\" in " IFPIN_DBUS_API_DOC);
    auto fence = page.find("\n```", at);
    auto bodyStart = page.find('\n', fence + 1);
    auto closing = page.find("\n```", bodyStart);
    if (fence == std::string::npos || bodyStart == std::string::npos || closing == std::string::npos)
        throw std::runtime_error("no code block after \"" + intro + "\" in " IFPIN_DBUS_API_DOC);
    return page.substr(bodyStart + 1, closing + 1 - (bodyStart + 1));
}

TEST(DbusApiExamples, TheTableIsWhatIfpinctlPrints)
{
    std::string printed = statusTable(exampleRoles());
    EXPECT_EQ(blockAfter(readPage(), "`ifpinctl status` prints a table for people"), printed)
        << "docs/dbus-api.md's table should be:\n" << printed;
}

TEST(DbusApiExamples, TheJsonIsWhatIfpinctlPrints)
{
    std::string printed = statusJsonText({exampleRoles().at(1)}, "0.1.0");
    EXPECT_EQ(blockAfter(readPage(), "`ifpinctl status --json` the same facts"), printed)
        << "docs/dbus-api.md's JSON should be:\n" << printed;
}

TEST(DbusApiExamples, TheHealthJsonIsWhatIfpinctlPrints)
{
    std::string printed = statusJson({exampleRoles().at(0)}, "0.1.0").at("roles").at(0).at("health").dump(2) + "\n";
    EXPECT_EQ(blockAfter(readPage(), "media's `health` in `ifpinctl status --json`"), printed)
        << "docs/dbus-api.md's health JSON should be:\n" << printed;
}

TEST(DbusApiExamples, TheHealthMetricsAreWhatIfpinctlPrints)
{
    std::string all = metricsText({exampleRoles().at(0)}, "0.1.0");
    std::string printed;
    std::istringstream lines(all);
    for (std::string line; std::getline(lines, line);)
        if (line.find("ifpin_role_health") != std::string::npos || line.find("ifpin_role_demoted") != std::string::npos ||
            line.find("ifpin_health_") != std::string::npos)
            printed += line + "\n";
    EXPECT_EQ(blockAfter(readPage(), "and for media's health checks"), printed)
        << "docs/dbus-api.md's health metrics should be:\n" << printed;
}

TEST(DbusApiExamples, TheWarningIsWhatIfpinctlPrints)
{
    std::ostringstream printed;
    PropertyTypeWarnings warnings(printed);
    roleViewFrom("mgmt", {{"Metric", sdbus::Variant(uint64_t{1000})}}, warnings);
    EXPECT_EQ(blockAfter(readPage(), "ifpinctl says so on standard error"), printed.str())
        << "docs/dbus-api.md's warning should be:\n" << printed.str();
}

TEST(DbusApiExamples, TheMetricsAreWhatIfpinctlPrints)
{
    std::string printed = metricsText({exampleRoles().at(1)}, "0.1.0");
    EXPECT_EQ(blockAfter(readPage(), "`ifpinctl metrics` prints, for the mgmt role"), printed)
        << "docs/dbus-api.md's metrics should be:\n" << printed;
}

// The page's monitor example: mgmt's route deleted and restored, mgmt0 taken down, a reload that
// removes mgmt, one that adds it back at metric 2000, and ifpind stopped; in UTC.
std::vector<MonitorEvent> exampleEvents()
{
    using namespace std::chrono_literals;
    const EventTime start = EventTime(std::chrono::seconds(1746093600)); // 2025-05-01T10:00:00Z
    PropertyMap mgmt{{"Name", sdbus::Variant(std::string("mgmt"))},
                     {"Interface", sdbus::Variant(std::string("mgmt0"))},
                     {"Metric", sdbus::Variant(uint32_t{1000})},
                     {"State", sdbus::Variant(std::string("enforced"))},
                     {"LinkState", sdbus::Variant(std::string("up"))},
                     {"Route4InPlace", sdbus::Variant(true)},
                     {"Route6InPlace", sdbus::Variant(true)},
                     {"Restorations", sdbus::Variant(uint64_t{1})}};
    std::vector<MonitorEvent> events =
        propertyEvents(start + 250ms, "mgmt", mgmt, {{"Restorations", sdbus::Variant(uint64_t{2})}});
    for (auto &event : propertyEvents(start + 12s + 31ms, "mgmt", mgmt,
                                      {{"LinkState", sdbus::Variant(std::string("down"))},
                                       {"Route4InPlace", sdbus::Variant(false)},
                                       {"Route6InPlace", sdbus::Variant(false)},
                                       {"State", sdbus::Variant(std::string("link-down"))}}))
        events.push_back(event);
    events.push_back(roleRemovedEvent(start + 40s + 2ms, "mgmt"));
    PropertyMap back = mgmt;
    back["Metric"] = sdbus::Variant(uint32_t{2000});
    events.push_back(roleAddedEvent(start + 45s + 518ms, "mgmt", back));
    events.push_back(daemonGoneEvent(start + 60s + 7ms));
    return events;
}

// media's IPv4 gateway dies (demoted) and comes back.
std::vector<MonitorEvent> exampleHealthEvents()
{
    using namespace std::chrono_literals;
    const EventTime start = EventTime(std::chrono::seconds(1746093600)); // 2025-05-01T10:00:00Z
    using States = std::map<std::string, std::string>;
    PropertyMap healthy{{"Health", sdbus::Variant(States{{"inet", "healthy"}, {"inet6", "healthy"}})},
                        {"Demoted", sdbus::Variant(std::vector<std::string>{})}};
    PropertyMap down{{"Health", sdbus::Variant(States{{"inet", "down"}, {"inet6", "healthy"}})},
                     {"Demoted", sdbus::Variant(std::vector<std::string>{"inet"})}};
    std::vector<MonitorEvent> events = propertyEvents(start + 5s + 3ms, "media", healthy, down);
    for (auto &event : propertyEvents(start + 31s + 507ms, "media", down, healthy))
        events.push_back(event);
    return events;
}

// The examples are in UTC, whatever the machine's zone.
class DbusApiExamplesInUtc : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (const char *zone = std::getenv("TZ"))
            saved_ = zone;
        setenv("TZ", "UTC0", 1);
        tzset();
    }
    void TearDown() override
    {
        if (saved_.empty())
            unsetenv("TZ");
        else
            setenv("TZ", saved_.c_str(), 1);
        tzset();
    }

private:
    std::string saved_;
};

TEST_F(DbusApiExamplesInUtc, TheMonitorLinesAreWhatIfpinctlPrints)
{
    std::string printed;
    for (const auto &event : exampleEvents())
        printed += eventLine(event);
    EXPECT_EQ(blockAfter(readPage(), "`ifpinctl monitor` prints a line per event"), printed)
        << "docs/dbus-api.md's monitor lines should be:\n" << printed;
}

TEST_F(DbusApiExamplesInUtc, TheHealthMonitorLinesAreWhatIfpinctlPrints)
{
    std::string printed;
    for (const auto &event : exampleHealthEvents())
        printed += eventLine(event);
    EXPECT_EQ(blockAfter(readPage(), "media's gateway dying and coming back"), printed)
        << "docs/dbus-api.md's health monitor lines should be:\n" << printed;
}

TEST_F(DbusApiExamplesInUtc, TheMonitorJsonIsWhatIfpinctlPrints)
{
    auto events = exampleEvents();
    std::string printed = eventJsonLine(events.at(0)) + eventJsonLine(events.at(1));
    EXPECT_EQ(blockAfter(readPage(), "`ifpinctl monitor --json` prints the same events"), printed)
        << "docs/dbus-api.md's monitor JSON should be:\n" << printed;
}

// The page's checkpoint examples: checkpoint 3, opened by root with 5 minutes, 4 min 12 s left.
TEST_F(DbusApiExamplesInUtc, TheCheckpointLinesAreWhatIfpinctlPrints)
{
    constexpr uint64_t deadline = 1746093900ull * 1000000; // 2025-05-01T10:05:00Z
    CheckpointView checkpoint{"/org/ifpin1/checkpoint/3", deadline, 0};
    std::string printed = "role mgmt: metric 500\n" + checkpointLine(checkpoint, deadline - 300ull * 1000000);
    EXPECT_EQ(blockAfter(readPage(), "`ifpinctl set-metric mgmt 500 --confirm-within 5min` prints"), printed)
        << "docs/dbus-api.md's lines should be:\n" << printed;
    std::string json = checkpointJson(checkpoint, deadline - 252ull * 1000000).dump(2) + "\n";
    EXPECT_EQ(blockAfter(readPage(), "while a checkpoint is open, `ifpinctl status --json` has"), json)
        << "docs/dbus-api.md's JSON should be:\n" << json;
    std::string rolledBack = eventLine(checkpointRolledBackEvent(EventTime(std::chrono::seconds(1746093900)),
                                                                 "/org/ifpin1/checkpoint/3"));
    EXPECT_EQ(blockAfter(readPage(), "`ifpinctl monitor` prints a rollback as"), rolledBack)
        << "docs/dbus-api.md's monitor line should be:\n" << rolledBack;
}

} // namespace
} // namespace ifpinctl
