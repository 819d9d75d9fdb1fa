// What `ifpinctl monitor` makes of ifpind's signals: which properties become which events, in what
// order, with what words; the roles added and removed and ifpind going away; the line for people and
// the JSON for scripts, exactly; and the timestamp, in a fixed time zone.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "monitor_view.hpp"

namespace ifpinctl {
namespace {

using namespace std::chrono_literals;

// The zone the expected texts are in; each test sets it, and the process's own is put back after.
class MonitorView : public ::testing::Test {
protected:
    void SetUp() override { useZone("UTC0"); }
    void TearDown() override
    {
        if (saved_)
            setenv("TZ", saved_->c_str(), 1);
        else
            unsetenv("TZ");
        tzset();
    }
    void useZone(const char *zone)
    {
        if (!savedOnce_) {
            const char *current = std::getenv("TZ");
            if (current)
                saved_ = current;
            savedOnce_ = true;
        }
        setenv("TZ", zone, 1);
        tzset();
    }

    // 2025-05-01T10:00:00.250 UTC
    static EventTime at() { return EventTime(std::chrono::seconds(1746093600)) + 250ms; }

private:
    std::optional<std::string> saved_;
    bool savedOnce_ = false;
};

PropertyMap mgmtProperties()
{
    return {
        {"Name", sdbus::Variant(std::string("mgmt"))},
        {"Interface", sdbus::Variant(std::string("mgmt0"))},
        {"Metric", sdbus::Variant(uint32_t{1000})},
        {"Gateway4", sdbus::Variant(std::string("198.51.100.1"))},
        {"Gateway6", sdbus::Variant(std::string(""))},
        {"Gateway4Learned", sdbus::Variant(false)},
        {"State", sdbus::Variant(std::string("enforced"))},
        {"LinkState", sdbus::Variant(std::string("up"))},
        {"Route4InPlace", sdbus::Variant(true)},
        {"Route6InPlace", sdbus::Variant(true)},
        {"Restorations", sdbus::Variant(uint64_t{2})},
        {"OutrankedBy", sdbus::Variant(std::vector<std::string>{})},
    };
}

std::vector<std::string> lines(const std::vector<MonitorEvent> &events)
{
    std::vector<std::string> out;
    for (const auto &event : events)
        out.push_back(eventLine(event));
    return out;
}

TEST_F(MonitorView, ARestorationIsOneLine)
{
    auto events = propertyEvents(at(), "mgmt", mgmtProperties(), {{"Restorations", sdbus::Variant(uint64_t{3})}});
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "route-restored");
    EXPECT_EQ(eventLine(events[0]), "2025-05-01T10:00:00.250+00:00 mgmt: route restored (restorations 2 -> 3)\n");
    EXPECT_EQ(eventJsonLine(events[0]),
              "{\"event\":\"route-restored\",\"message\":\"route restored (restorations 2 -> 3)\",\"new\":3,"
              "\"old\":2,\"property\":\"Restorations\",\"role\":\"mgmt\",\"time\":\"2025-05-01T10:00:00.250+00:00\"}\n");
}

TEST_F(MonitorView, ALinkGoingDownInTheTablesOrder)
{
    // What ifpind signals when mgmt0 goes down: in the map's (alphabetical) order, printed in the table's.
    PropertyMap changed{{"LinkState", sdbus::Variant(std::string("down"))},
                        {"Route4InPlace", sdbus::Variant(false)},
                        {"Route6InPlace", sdbus::Variant(false)},
                        {"State", sdbus::Variant(std::string("link-down"))}};
    EXPECT_EQ(lines(propertyEvents(at(), "mgmt", mgmtProperties(), changed)),
              (std::vector<std::string>{"2025-05-01T10:00:00.250+00:00 mgmt: state enforced -> link-down\n",
                                        "2025-05-01T10:00:00.250+00:00 mgmt: link up -> down\n",
                                        "2025-05-01T10:00:00.250+00:00 mgmt: inet route not in place\n",
                                        "2025-05-01T10:00:00.250+00:00 mgmt: inet6 route not in place\n"}));
    auto events = propertyEvents(at(), "mgmt", mgmtProperties(), changed);
    EXPECT_EQ(events[0].event, "state");
    EXPECT_EQ(events[1].event, "link");
    EXPECT_EQ(events[2].event, "route");
    EXPECT_EQ(events[0].before, "enforced");
    EXPECT_EQ(events[0].after, "link-down");
}

TEST_F(MonitorView, EveryPropertyOfTheTableHasItsWords)
{
    PropertyMap changed{
        {"Interface", sdbus::Variant(std::string("mgmt1"))},
        {"Metric", sdbus::Variant(uint32_t{500})},
        {"Gateway4", sdbus::Variant(std::string(""))},
        {"Gateway6", sdbus::Variant(std::string("2001:db8:2::1"))},
        {"Gateway4Learned", sdbus::Variant(true)},
        {"Gateway6Learned", sdbus::Variant(true)},
        {"Route4InPlace", sdbus::Variant(true)}, // unchanged: no event
        {"OutrankedBy", sdbus::Variant(std::vector<std::string>{"default via 203.0.113.66 dev other0 metric 5 proto 3"})},
    };
    const std::string t = "2025-05-01T10:00:00.250+00:00 mgmt: ";
    EXPECT_EQ(lines(propertyEvents(at(), "mgmt", mgmtProperties(), changed)),
              (std::vector<std::string>{t + "interface mgmt0 -> mgmt1\n", t + "metric 1000 -> 500\n",
                                        t + "inet gateway 198.51.100.1 -> none\n",
                                        t + "inet6 gateway none -> 2001:db8:2::1\n", t + "inet gateway learned\n",
                                        t + "inet6 gateway learned\n",
                                        t + "outranked by default via 203.0.113.66 dev other0 metric 5 proto 3\n"}));
    PropertyMap cleared{{"OutrankedBy", sdbus::Variant(std::vector<std::string>{})}};
    PropertyMap outranked = mgmtProperties();
    outranked["OutrankedBy"] = changed.at("OutrankedBy");
    EXPECT_EQ(lines(propertyEvents(at(), "mgmt", outranked, cleared)),
              std::vector<std::string>{t + "no longer outranked\n"});
}

TEST_F(MonitorView, KernelPinningComingAndGoing)
{
    PropertyMap pinned = mgmtProperties();
    pinned["PinAvailable"] = sdbus::Variant(true);
    pinned["PinProgram"] = sdbus::Variant(std::string("/sys/fs/bpf/ifpin/mgmt"));
    pinned["PinProblem"] = sdbus::Variant(std::string(""));
    PropertyMap lost{{"PinAvailable", sdbus::Variant(false)},
                     {"PinProgram", sdbus::Variant(std::string(""))},
                     {"PinProblem", sdbus::Variant(std::string("no bpf filesystem holds /sys/fs/bpf/ifpin"))}};
    const std::string t = "2025-05-01T10:00:00.250+00:00 mgmt: ";
    auto events = propertyEvents(at(), "mgmt", pinned, lost);
    EXPECT_EQ(lines(events), (std::vector<std::string>{t + "kernel pinning not available\n",
                                                       t + "pinned program /sys/fs/bpf/ifpin/mgmt -> none\n",
                                                       t + "kernel pinning problem: no bpf filesystem holds "
                                                           "/sys/fs/bpf/ifpin\n"}));
    for (const auto &event : events)
        EXPECT_EQ(event.event, "pinning");
    PropertyMap back{{"PinAvailable", sdbus::Variant(true)}, {"PinProblem", sdbus::Variant(std::string(""))}};
    PropertyMap unpinned = pinned;
    unpinned.insert_or_assign("PinAvailable", sdbus::Variant(false));
    unpinned.insert_or_assign("PinProblem", lost.at("PinProblem"));
    EXPECT_EQ(lines(propertyEvents(at(), "mgmt", unpinned, back)),
              (std::vector<std::string>{t + "kernel pinning available\n", t + "no kernel pinning problem\n"}));
}

// Why a role has no gateway (a learned one dropped, issue #20) comes with its state change, and
// goes when a gateway is known again.
TEST_F(MonitorView, StateReasonHasItsWords)
{
    PropertyMap before = mgmtProperties();
    before["StateReason"] = sdbus::Variant(std::string(""));
    const std::string reason = "learned gateway 198.51.100.1 dropped: the kernel refused it";
    PropertyMap dropped{{"State", sdbus::Variant(std::string("no-gateway"))},
                        {"StateReason", sdbus::Variant(reason)}};
    const std::string t = "2025-05-01T10:00:00.250+00:00 mgmt: ";
    auto events = propertyEvents(at(), "mgmt", before, dropped);
    EXPECT_EQ(lines(events), (std::vector<std::string>{t + "state enforced -> no-gateway\n",
                                                       t + "state reason: " + reason + "\n"}));
    for (const auto &event : events)
        EXPECT_EQ(event.event, "state");
    PropertyMap after = before;
    after.insert_or_assign("State", dropped.at("State"));
    after.insert_or_assign("StateReason", dropped.at("StateReason"));
    PropertyMap learned{{"State", sdbus::Variant(std::string("enforced"))},
                        {"StateReason", sdbus::Variant(std::string(""))}};
    EXPECT_EQ(lines(propertyEvents(at(), "mgmt", after, learned)),
              (std::vector<std::string>{t + "state no-gateway -> enforced\n", t + "no state reason\n"}));
}

// Return routing: turned on, its table, its rules as they come and go, its reply routes.
TEST_F(MonitorView, ReturnRoutingHasItsWords)
{
    PropertyMap before = mgmtProperties();
    before["ReturnRouting"] = sdbus::Variant(false);
    before["ReplyTable"] = sdbus::Variant(uint32_t{0});
    PropertyMap changed{
        {"ReturnRouting", sdbus::Variant(true)},
        {"ReplyTable", sdbus::Variant(uint32_t{1002})},
        {"ReplyRules4", sdbus::Variant(std::vector<std::string>{"32000: from all lookup 254 suppress_prefixlength 0 proto 241",
                                                                "32002: from 198.51.100.2 lookup 1002 proto 241"})},
        {"ReplyRules6", sdbus::Variant(std::vector<std::string>{})},
        {"ReplyRoute4InPlace", sdbus::Variant(true)},
        {"ReplyRoute6InPlace", sdbus::Variant(false)},
    };
    const std::string t = "2025-05-01T10:00:00.250+00:00 mgmt: ";
    EXPECT_EQ(lines(propertyEvents(at(), "mgmt", before, changed)),
              (std::vector<std::string>{
                  t + "return routing on\n", t + "reply table 0 -> 1002\n",
                  t + "inet reply rules 32000: from all lookup 254 suppress_prefixlength 0 proto 241; 32002: from "
                      "198.51.100.2 lookup 1002 proto 241\n",
                  t + "inet6 reply rules none\n", t + "inet reply route in place\n",
                  t + "inet6 reply route not in place\n"}));
    auto events = propertyEvents(at(), "mgmt", before, changed);
    EXPECT_EQ(events[0].event, "return-routing");
    EXPECT_EQ(events[2].event, "reply-rules");
    EXPECT_EQ(events[4].event, "reply-route");
}

TEST_F(MonitorView, APropertyWithoutAnEntryIsStillReported)
{
    // A property another version of ifpind has (and the table does not yet): its D-Bus name and values.
    PropertyMap before = mgmtProperties();
    // (Health was the example until ifpind had it; Latency is one no ifpind has, named before PinnedFlows.)
    before["Latency"] = sdbus::Variant(std::string("ok"));
    auto events = propertyEvents(at(), "mgmt", before,
                                 {{"Latency", sdbus::Variant(std::string("probe failed"))},
                                  {"PinnedFlows", sdbus::Variant(uint32_t{12})}});
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].event, "changed");
    EXPECT_EQ(eventLine(events[0]), "2025-05-01T10:00:00.250+00:00 mgmt: Latency \"ok\" -> \"probe failed\"\n");
    EXPECT_EQ(eventLine(events[1]), "2025-05-01T10:00:00.250+00:00 mgmt: PinnedFlows 12\n")
        << "a property not seen before has no old value";
    EXPECT_TRUE(events[1].before.is_null());
}

TEST_F(MonitorView, NothingChangedIsNoEvent)
{
    EXPECT_TRUE(propertyEvents(at(), "mgmt", mgmtProperties(), mgmtProperties()).empty());
}

TEST_F(MonitorView, RolesAddedAndRemovedAndTheDaemonGone)
{
    auto added = roleAddedEvent(at(), "mgmt", mgmtProperties());
    EXPECT_EQ(eventLine(added),
              "2025-05-01T10:00:00.250+00:00 mgmt: role added: interface mgmt0, metric 1000, state enforced\n");
    auto addedJson = nlohmann::json::parse(eventJsonLine(added));
    EXPECT_EQ(addedJson.at("event"), "role-added");
    EXPECT_EQ(addedJson.at("properties").at("Metric"), 1000);
    EXPECT_EQ(addedJson.at("properties").at("OutrankedBy"), nlohmann::json::array());
    EXPECT_FALSE(addedJson.contains("property"));

    EXPECT_EQ(eventLine(roleRemovedEvent(at(), "mgmt")), "2025-05-01T10:00:00.250+00:00 mgmt: role removed\n");
    EXPECT_EQ(eventJsonLine(roleRemovedEvent(at(), "mgmt")),
              "{\"event\":\"role-removed\",\"message\":\"role removed\",\"role\":\"mgmt\","
              "\"time\":\"2025-05-01T10:00:00.250+00:00\"}\n");

    EXPECT_EQ(eventLine(daemonGoneEvent(at())),
              "2025-05-01T10:00:00.250+00:00 ifpind went away: org.ifpin1 has no owner on the system bus any more\n");
    EXPECT_EQ(eventJsonLine(daemonGoneEvent(at())),
              "{\"event\":\"daemon-gone\",\"message\":\"ifpind went away: org.ifpin1 has no owner on the system bus "
              "any more\",\"time\":\"2025-05-01T10:00:00.250+00:00\"}\n");
}

TEST_F(MonitorView, ALineIsOneLineWhateverTheDaemonSends)
{
    auto events = propertyEvents(at(), "mgmt", mgmtProperties(), {{"Interface", sdbus::Variant(std::string("a\nb\x1b"))}});
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(eventLine(events[0]), "2025-05-01T10:00:00.250+00:00 mgmt: interface mgmt0 -> a\\x0ab\\x1b\n");
    // D-Bus strings are UTF-8 (sd-bus refuses others), but should bytes that are not reach the JSON
    // they are replaced, not thrown on.
    MonitorEvent bad = events[0];
    bad.message = "interface \xff";
    auto parsed = nlohmann::json::parse(eventJsonLine(bad));
    EXPECT_EQ(parsed.at("message"), "interface \xEF\xBF\xBD");
}

TEST_F(MonitorView, JsonOfEachDbusType)
{
    EXPECT_EQ(jsonOf(sdbus::Variant(std::string("x"))), "x");
    EXPECT_EQ(jsonOf(sdbus::Variant(true)), true);
    EXPECT_EQ(jsonOf(sdbus::Variant(uint32_t{7})), 7);
    EXPECT_EQ(jsonOf(sdbus::Variant(uint64_t{18446744073709551615u})), 18446744073709551615u);
    EXPECT_EQ(jsonOf(sdbus::Variant(int32_t{-3})), -3);
    EXPECT_EQ(jsonOf(sdbus::Variant(std::vector<std::string>{"a", "b"})), nlohmann::json::array({"a", "b"}));
    EXPECT_EQ(jsonOf(sdbus::Variant(std::map<std::string, uint32_t>{{"a", 1}})), "<D-Bus type a{su}>");
    EXPECT_TRUE(jsonOf(sdbus::Variant()).is_null());
}

TEST_F(MonitorView, TheTimestampIsLocalTimeWithItsOffset)
{
    EXPECT_EQ(timestampText(at()), "2025-05-01T10:00:00.250+00:00");
    useZone("XYZ-2"); // POSIX: two hours east of UTC
    EXPECT_EQ(timestampText(at()), "2025-05-01T12:00:00.250+02:00");
    useZone("ABC+5:30");
    EXPECT_EQ(timestampText(at() + 999ms), "2025-05-01T04:30:01.249-05:30");
}

} // namespace
} // namespace ifpinctl
