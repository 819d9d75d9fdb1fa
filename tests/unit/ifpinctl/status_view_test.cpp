// What `ifpinctl status` makes of org.ifpin1.Role's properties: the view read from them
// (roleViewFrom) and its warnings about unexpected types, the JSON for scripts and the table for people.
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sdbus-c++/sdbus-c++.h>

#include "status_view.hpp"

namespace ifpinctl {

// So that a failed comparison shows the views, not their bytes.
void PrintTo(const RoleView &view, std::ostream *out)
{
    *out << statusJson({view}, "").at("roles").at(0).dump();
}

namespace {

using Properties = std::map<std::string, sdbus::Variant>;

// Every property of org.ifpin1.Role but the kernel pinning ones (pinnedProperties below) with the
// type dbus/org.ifpin1.Role.xml gives it, each value different from the others of its type, so that
// a property read into the wrong field shows.
Properties mgmtProperties()
{
    return {
        {"Name", sdbus::Variant(std::string("mgmt"))},
        {"Interface", sdbus::Variant(std::string("mgmt0"))},
        {"Metric", sdbus::Variant(uint32_t{1000})},
        {"Gateway4", sdbus::Variant(std::string("198.51.100.1"))},
        {"Gateway6", sdbus::Variant(std::string("2001:db8:2::1"))},
        {"Gateway4Learned", sdbus::Variant(true)},
        {"Gateway6Learned", sdbus::Variant(false)},
        {"State", sdbus::Variant(std::string("enforced"))},
        {"LinkState", sdbus::Variant(std::string("up"))},
        {"Route4InPlace", sdbus::Variant(false)},
        {"Route6InPlace", sdbus::Variant(true)},
        {"Restorations", sdbus::Variant(uint64_t{4})},
        {"OutrankedBy", sdbus::Variant(std::vector<std::string>{"default via 203.0.113.66 dev other0 metric 5 proto 3",
                                                                "default dev ppp0 metric 7 proto 4"})},
        {"SocketsServed", sdbus::Variant(uint64_t{3})},
        {"RequestsDenied", sdbus::Variant(uint64_t{2})},
        {"EgressDropped", sdbus::Variant(uint64_t{7})},
        {"ReturnRouting", sdbus::Variant(true)},
        {"ReplyTable", sdbus::Variant(uint32_t{1002})},
        {"ReplyRules4", sdbus::Variant(std::vector<std::string>{"32000: from all lookup 254 suppress_prefixlength 0 proto 241",
                                                                "32002: from 198.51.100.2 lookup 1002 proto 241"})},
        {"ReplyRules6", sdbus::Variant(std::vector<std::string>{"32002: from 2001:db8:2::2 lookup 1002 proto 241"})},
        {"ReplyRoute4InPlace", sdbus::Variant(false)},
        {"ReplyRoute6InPlace", sdbus::Variant(true)},
    };
}

// The view of mgmtProperties().
RoleView mgmtView()
{
    RoleView view;
    view.name = "mgmt";
    view.interface = "mgmt0";
    view.linkState = "up";
    view.metric = 1000;
    view.state = "enforced";
    view.inet = {"198.51.100.1", true, false};
    view.inet6 = {"2001:db8:2::1", false, true};
    view.socketsServed = 3;
    view.requestsDenied = 2;
    view.restorations = 4;
    view.egressDropped = 7;
    view.outrankedBy = {"default via 203.0.113.66 dev other0 metric 5 proto 3", "default dev ppp0 metric 7 proto 4"};
    view.returnRouting = true;
    view.replyTable = 1002;
    view.replyRules4 = {"32000: from all lookup 254 suppress_prefixlength 0 proto 241",
                        "32002: from 198.51.100.2 lookup 1002 proto 241"};
    view.replyRules6 = {"32002: from 2001:db8:2::2 lookup 1002 proto 241"};
    view.replyRoute4InPlace = false;
    view.replyRoute6InPlace = true;
    return view;
}

// media, as in docs/dbus-api.md: configured gateways, both routes in place, nothing served.
RoleView mediaView()
{
    RoleView view;
    view.name = "media";
    view.interface = "media0";
    view.linkState = "up";
    view.metric = 100;
    view.state = "enforced";
    view.inet = {"192.0.2.1", false, true};
    view.inet6 = {"2001:db8:1::1", false, true};
    return view;
}

// What the view holds when a property was not sent: the field's default.
RoleView withoutProperty(RoleView view, const std::string &property)
{
    static const std::map<std::string, void (*)(RoleView &)> clear{
        {"Name", [](RoleView &) {}}, // the name comes from ListRoles, not from the property
        {"Interface", [](RoleView &v) { v.interface = ""; }},
        {"Metric", [](RoleView &v) { v.metric = 0; }},
        {"Gateway4", [](RoleView &v) { v.inet.gateway = ""; }},
        {"Gateway6", [](RoleView &v) { v.inet6.gateway = ""; }},
        {"Gateway4Learned", [](RoleView &v) { v.inet.learned = false; }},
        {"Gateway6Learned", [](RoleView &v) { v.inet6.learned = false; }},
        {"State", [](RoleView &v) { v.state = "unknown"; }},
        {"LinkState", [](RoleView &v) { v.linkState = "unknown"; }},
        {"Route4InPlace", [](RoleView &v) { v.inet.routeInPlace = false; }},
        {"Route6InPlace", [](RoleView &v) { v.inet6.routeInPlace = false; }},
        {"Restorations", [](RoleView &v) { v.restorations = 0; }},
        {"OutrankedBy", [](RoleView &v) { v.outrankedBy.clear(); }},
        {"SocketsServed", [](RoleView &v) { v.socketsServed = 0; }},
        {"RequestsDenied", [](RoleView &v) { v.requestsDenied = 0; }},
        {"EgressDropped", [](RoleView &v) { v.egressDropped = 0; }},
        {"ReturnRouting", [](RoleView &v) { v.returnRouting = false; }},
        {"ReplyTable", [](RoleView &v) { v.replyTable = 0; }},
        {"ReplyRules4", [](RoleView &v) { v.replyRules4.clear(); }},
        {"ReplyRules6", [](RoleView &v) { v.replyRules6.clear(); }},
        {"ReplyRoute4InPlace", [](RoleView &v) { v.replyRoute4InPlace = false; }},
        {"ReplyRoute6InPlace", [](RoleView &v) { v.replyRoute6InPlace = false; }},
    };
    clear.at(property)(view);
    return view;
}

// roleViewFrom, and what it said on its warnings' stream.
struct Reading {
    RoleView view;
    std::string warnings;
};

Reading readRole(const std::string &name, const Properties &properties)
{
    std::ostringstream out;
    PropertyTypeWarnings warnings(out);
    RoleView view = roleViewFrom(name, properties, warnings);
    return {view, out.str()};
}

TEST(RoleViewFrom, ReadsEveryProperty)
{
    Reading reading = readRole("mgmt", mgmtProperties());
    EXPECT_EQ(reading.view, mgmtView());
    EXPECT_EQ(reading.warnings, "");
}

TEST(RoleViewFrom, TheNameIsTheOneListRolesGave)
{
    EXPECT_EQ(readRole("mgmt", {{"Name", sdbus::Variant(std::string("other"))}}).view.name, "mgmt");
}

TEST(RoleViewFrom, NothingSentGivesTheDefaults)
{
    Reading reading = readRole("mgmt", {});
    const RoleView &view = reading.view;
    EXPECT_EQ(view.name, "mgmt");
    EXPECT_EQ(view.interface, "");
    EXPECT_EQ(view.linkState, "unknown");
    EXPECT_EQ(view.metric, 0u);
    EXPECT_EQ(view.state, "unknown");
    EXPECT_EQ(view.inet, FamilyView{});
    EXPECT_EQ(view.inet6, FamilyView{});
    EXPECT_EQ(view.socketsServed, 0u);
    EXPECT_EQ(view.requestsDenied, 0u);
    EXPECT_EQ(view.restorations, 0u);
    EXPECT_EQ(view.egressDropped, 0u);
    EXPECT_TRUE(view.outrankedBy.empty());
    EXPECT_FALSE(view.returnRouting);
    EXPECT_EQ(view.replyTable, 0u);
    EXPECT_EQ(reading.warnings, "") << "a missing property is no type error";
}

TEST(RoleViewFrom, AMissingPropertyChangesOnlyItsField)
{
    for (const auto &[property, value] : mgmtProperties()) {
        Properties properties = mgmtProperties();
        properties.erase(property);
        Reading reading = readRole("mgmt", properties);
        EXPECT_EQ(reading.view, withoutProperty(mgmtView(), property)) << property;
        EXPECT_EQ(reading.warnings, "") << property;
    }
}

struct WrongType {
    sdbus::Variant value;
    std::string found;    // its D-Bus signature
    std::string expected; // the property's own, as in dbus/org.ifpin1.Role.xml
};

// Each property with a D-Bus type other than its own: a near miss where there is one (u for t, t for
// u, s for as), else another basic type.
std::map<std::string, WrongType> wrongTypes()
{
    return {
        {"Interface", {sdbus::Variant(uint32_t{7}), "u", "s"}},
        {"Metric", {sdbus::Variant(uint64_t{1000}), "t", "u"}},
        {"Gateway4", {sdbus::Variant(true), "b", "s"}},
        {"Gateway6", {sdbus::Variant(int32_t{6}), "i", "s"}},
        {"Gateway4Learned", {sdbus::Variant(std::string("true")), "s", "b"}},
        {"Gateway6Learned", {sdbus::Variant(uint32_t{1}), "u", "b"}},
        {"State", {sdbus::Variant(std::vector<std::string>{"enforced"}), "as", "s"}},
        {"LinkState", {sdbus::Variant(uint32_t{1}), "u", "s"}},
        {"Route4InPlace", {sdbus::Variant(int32_t{1}), "i", "b"}},
        {"Route6InPlace", {sdbus::Variant(std::string("yes")), "s", "b"}},
        {"Restorations", {sdbus::Variant(uint32_t{4}), "u", "t"}},
        {"OutrankedBy", {sdbus::Variant(std::string("default via 203.0.113.66 dev other0")), "s", "as"}},
        {"SocketsServed", {sdbus::Variant(uint32_t{3}), "u", "t"}},
        {"RequestsDenied", {sdbus::Variant(int64_t{2}), "x", "t"}},
        {"EgressDropped", {sdbus::Variant(double{7}), "d", "t"}},
        {"ReturnRouting", {sdbus::Variant(uint32_t{1}), "u", "b"}},
        {"ReplyTable", {sdbus::Variant(uint64_t{1002}), "t", "u"}},
        {"ReplyRules4", {sdbus::Variant(std::string("32002: from 198.51.100.2 lookup 1002")), "s", "as"}},
        {"ReplyRules6", {sdbus::Variant(int32_t{1}), "i", "as"}},
        {"ReplyRoute4InPlace", {sdbus::Variant(std::string("true")), "s", "b"}},
        {"ReplyRoute6InPlace", {sdbus::Variant(uint32_t{1}), "u", "b"}},
    };
}

TEST(RoleViewFrom, APropertyOfAnotherTypeIsReadAsMissingWithAWarning)
{
    for (const auto &[property, wrong] : wrongTypes()) {
        Properties properties = mgmtProperties();
        properties.at(property) = wrong.value;
        Reading reading = readRole("mgmt", properties);
        EXPECT_EQ(reading.view, withoutProperty(mgmtView(), property)) << property;
        EXPECT_EQ(reading.warnings, "ifpinctl status: warning: property " + property +
                                        " of role mgmt has D-Bus type '" + wrong.found + "' where ifpinctl expects '" +
                                        wrong.expected + "'; shown as not sent\n");
    }
}

TEST(RoleViewFrom, WrongTypesCoverEveryPropertyButName)
{
    std::set<std::string> covered, all;
    for (const auto &entry : wrongTypes())
        covered.insert(entry.first);
    for (const auto &entry : mgmtProperties())
        if (entry.first != "Name")
            all.insert(entry.first);
    EXPECT_EQ(covered, all);
}

TEST(RoleViewFrom, OneWarningPerPropertyHoweverManyRolesHaveIt)
{
    std::ostringstream out;
    PropertyTypeWarnings warnings(out);
    Properties mgmt = mgmtProperties();
    mgmt.at("Metric") = sdbus::Variant(uint64_t{1000});
    mgmt.at("SocketsServed") = sdbus::Variant(uint32_t{3});
    Properties media = mgmtProperties();
    media.at("Metric") = sdbus::Variant(uint64_t{100});
    media.at("State") = sdbus::Variant(uint32_t{0});
    roleViewFrom("mgmt", mgmt, warnings);
    roleViewFrom("media", media, warnings);
    roleViewFrom("mgmt", mgmt, warnings);
    EXPECT_EQ(out.str(), "ifpinctl status: warning: property Metric of role mgmt has D-Bus type 't' where ifpinctl "
                         "expects 'u'; shown as not sent\n"
                         "ifpinctl status: warning: property SocketsServed of role mgmt has D-Bus type 'u' where "
                         "ifpinctl expects 't'; shown as not sent\n"
                         "ifpinctl status: warning: property State of role media has D-Bus type 'u' where ifpinctl "
                         "expects 's'; shown as not sent\n");
}

TEST(StatusJson, KeySet)
{
    nlohmann::json status = statusJson({mgmtView()}, "0.1.0");
    auto keysOf = [](const nlohmann::json &object) {
        std::set<std::string> keys;
        for (const auto &item : object.items())
            keys.insert(item.key());
        return keys;
    };
    EXPECT_EQ(keysOf(status), (std::set<std::string>{"roles", "version"}));
    ASSERT_EQ(status.at("roles").size(), 1u);
    const auto &role = status.at("roles").at(0);
    EXPECT_EQ(keysOf(role), (std::set<std::string>{"name", "interface", "link_state", "metric", "state", "inet",
                                                   "inet6", "sockets_served", "requests_denied", "restorations",
                                                   "egress_dropped", "outranked_by", "return_routing", "reply_table"}));
    for (const char *family : {"inet", "inet6"})
        EXPECT_EQ(keysOf(role.at(family)), (std::set<std::string>{"gateway", "gateway_learned", "route_in_place",
                                                                  "reply_rules", "reply_route_in_place"}))
            << family;
}

TEST(StatusJson, Values)
{
    nlohmann::json expected = {
        {"version", "0.1.0"},
        {"roles",
         {{{"name", "mgmt"},
           {"interface", "mgmt0"},
           {"link_state", "up"},
           {"metric", 1000},
           {"state", "enforced"},
           {"inet",
            {{"gateway", "198.51.100.1"},
             {"gateway_learned", true},
             {"route_in_place", false},
             {"reply_rules",
              {"32000: from all lookup 254 suppress_prefixlength 0 proto 241",
               "32002: from 198.51.100.2 lookup 1002 proto 241"}},
             {"reply_route_in_place", false}}},
           {"inet6",
            {{"gateway", "2001:db8:2::1"},
             {"gateway_learned", false},
             {"route_in_place", true},
             {"reply_rules", {"32002: from 2001:db8:2::2 lookup 1002 proto 241"}},
             {"reply_route_in_place", true}}},
           {"sockets_served", 3},
           {"requests_denied", 2},
           {"restorations", 4},
           {"egress_dropped", 7},
           {"outranked_by",
            {"default via 203.0.113.66 dev other0 metric 5 proto 3", "default dev ppp0 metric 7 proto 4"}},
           {"return_routing", true},
           {"reply_table", 1002}}}}};
    EXPECT_EQ(statusJson({mgmtView()}, "0.1.0"), expected);
}

TEST(StatusJson, AnUnknownGatewayIsNullAndNumbersKeepTheirRange)
{
    RoleView view = mgmtView();
    view.inet.gateway = "";
    view.metric = 4294967295u;
    view.egressDropped = 18446744073709551615u;
    view.outrankedBy.clear();
    nlohmann::json role = statusJson({view}, "0.1.0").at("roles").at(0);
    EXPECT_TRUE(role.at("inet").at("gateway").is_null()) << role.dump();
    EXPECT_EQ(role.at("inet6").at("gateway"), "2001:db8:2::1");
    EXPECT_NE(role.dump().find("\"metric\":4294967295"), std::string::npos) << role.dump();
    EXPECT_NE(role.dump().find("\"egress_dropped\":18446744073709551615"), std::string::npos) << role.dump();
    EXPECT_EQ(role.at("outranked_by"), nlohmann::json::array());
}

// A no-gateway role says why: a key in JSON, a line below the table; nothing for other states.
TEST(StatusJson, AStateReasonIsShownWhenThereIsOne)
{
    RoleView view = mgmtView();
    EXPECT_FALSE(statusJson({view}, "0.1.0")["roles"][0].contains("state_reason"));
    view.state = "no-gateway";
    view.stateReason = "inet: learned gateway 198.51.100.1 dropped: the kernel refused it";
    EXPECT_EQ(statusJson({view}, "0.1.0")["roles"][0]["state_reason"], view.stateReason);
    EXPECT_NE(statusTable({view}).find("role mgmt is no-gateway: inet: learned gateway 198.51.100.1 dropped"),
              std::string::npos)
        << statusTable({view});
}

TEST(StatusJson, NoRoles)
{
    EXPECT_EQ(statusJsonText({}, "0.1.0"), "{\n  \"roles\": [],\n  \"version\": \"0.1.0\"\n}\n");
}

TEST(StatusJson, TheTextHasItsKeysInAlphabeticalOrder)
{
    EXPECT_EQ(statusJsonText({mgmtView()}, "0.1.0"), R"({
  "roles": [
    {
      "egress_dropped": 7,
      "inet": {
        "gateway": "198.51.100.1",
        "gateway_learned": true,
        "reply_route_in_place": false,
        "reply_rules": [
          "32000: from all lookup 254 suppress_prefixlength 0 proto 241",
          "32002: from 198.51.100.2 lookup 1002 proto 241"
        ],
        "route_in_place": false
      },
      "inet6": {
        "gateway": "2001:db8:2::1",
        "gateway_learned": false,
        "reply_route_in_place": true,
        "reply_rules": [
          "32002: from 2001:db8:2::2 lookup 1002 proto 241"
        ],
        "route_in_place": true
      },
      "interface": "mgmt0",
      "link_state": "up",
      "metric": 1000,
      "name": "mgmt",
      "outranked_by": [
        "default via 203.0.113.66 dev other0 metric 5 proto 3",
        "default dev ppp0 metric 7 proto 4"
      ],
      "reply_table": 1002,
      "requests_denied": 2,
      "restorations": 4,
      "return_routing": true,
      "sockets_served": 3,
      "state": "enforced"
    }
  ],
  "version": "0.1.0"
}
)");
}

TEST(StatusTable, NoRoles)
{
    EXPECT_EQ(statusTable({}), "no roles configured\n");
}

// The tables below are exact: each column as wide as its widest cell, two spaces to the next, none
// after the last.
TEST(StatusTable, OneRole)
{
    EXPECT_EQ(statusTable({mediaView()}), R"(ROLE   STATE     INTERFACE    METRIC  IPV4                 IPV6                     RETURN  SOCKETS  RESTORATIONS  DROPPED
media  enforced  media0 (up)  100     192.0.2.1, in place  2001:db8:1::1, in place  off     0        0             0
)");
}

TEST(StatusTable, TwoRolesLearnedGatewaysDeniedRequestsAndOutranking)
{
    EXPECT_EQ(statusTable({mediaView(), mgmtView()}), R"(ROLE   STATE     INTERFACE    METRIC  IPV4                              IPV6                     RETURN                              SOCKETS       RESTORATIONS  DROPPED
media  enforced  media0 (up)  100     192.0.2.1, in place               2001:db8:1::1, in place  off                                 0             0             0
mgmt   enforced  mgmt0 (up)   1000    198.51.100.1 (learned), no route  2001:db8:2::1, in place  table 1002, 2 rules, no inet route  3 (2 denied)  4             7
role mgmt is outranked by a route ifpind does not manage: default via 203.0.113.66 dev other0 metric 5 proto 3
role mgmt is outranked by a route ifpind does not manage: default dev ppp0 metric 7 proto 4
)");
}

TEST(StatusTable, NoGatewayAndALinkDown)
{
    RoleView view = mediaView();
    view.state = "link-down";
    view.linkState = "down";
    view.inet = {"", false, false};
    view.inet6 = {"fe80::1", true, false};
    EXPECT_EQ(statusTable({view}), R"(ROLE   STATE      INTERFACE      METRIC  IPV4                  IPV6                         RETURN  SOCKETS  RESTORATIONS  DROPPED
media  link-down  media0 (down)  100     no gateway, no route  fe80::1 (learned), no route  off     0        0             0
)");
}

// "unknown" for what ifpind did not send is documented (docs/dbus-api.md, ifpinctl(1)).
TEST(StatusTable, NothingSent)
{
    EXPECT_EQ(statusTable({readRole("mgmt", {}).view}), R"(ROLE  STATE    INTERFACE   METRIC  IPV4                  IPV6                  RETURN  SOCKETS  RESTORATIONS  DROPPED
mgmt  unknown   (unknown)  0       no gateway, no route  no gateway, no route  off     0        0             0
)");
}

TEST(StatusTable, OutrankingLinesFollowTheRolesOrder)
{
    RoleView media = mediaView();
    media.outrankedBy = {"default dev ppp0 metric 7 proto 4"};
    RoleView mgmt = mgmtView();
    mgmt.outrankedBy = {"default via 203.0.113.66 dev other0 metric 5 proto 3"};
    std::string table = statusTable({mgmt, media});
    std::string lines = table.substr(table.find("role "));
    EXPECT_EQ(lines, "role mgmt is outranked by a route ifpind does not manage: default via 203.0.113.66 dev "
                     "other0 metric 5 proto 3\n"
                     "role media is outranked by a route ifpind does not manage: default dev ppp0 metric 7 proto 4\n");
}

// ---- kernel pinning: the Pin* properties -------------------------------------------------------

Properties pinnedProperties(bool available)
{
    Properties properties = mgmtProperties();
    properties["PinAvailable"] = sdbus::Variant(available);
    properties["PinProgram"] = sdbus::Variant(std::string(available ? "/sys/fs/bpf/ifpin/mgmt" : ""));
    properties["PinProblem"] = sdbus::Variant(std::string(available ? "" : "no cgroup v2 hierarchy is mounted"));
    properties["PinnedProcesses"] = sdbus::Variant(uint32_t{available ? 2u : 0u});
    properties["PinRefused"] = sdbus::Variant(uint64_t{available ? 5u : 0u});
    return properties;
}

TEST(RoleViewFrom, ReadsKernelPinningWhenSentAndOnlyThen)
{
    Reading reading = readRole("mgmt", pinnedProperties(true));
    ASSERT_TRUE(reading.view.pinning);
    EXPECT_EQ(*reading.view.pinning, (PinningView{true, "/sys/fs/bpf/ifpin/mgmt", "", 2, 5}));
    EXPECT_EQ(reading.warnings, "");
    RoleView withoutPinning = reading.view;
    withoutPinning.pinning.reset();
    EXPECT_EQ(withoutPinning, mgmtView()) << "the other properties are read as before";
    // An ifpind without kernel pinning sends no PinAvailable: nothing is shown of it.
    EXPECT_FALSE(readRole("mgmt", mgmtProperties()).view.pinning);
}

TEST(RoleViewFrom, KernelPinningPropertiesOfAnotherTypeAreNotSent)
{
    Properties properties = pinnedProperties(true);
    properties["PinnedProcesses"] = sdbus::Variant(uint64_t{2});
    Reading reading = readRole("mgmt", properties);
    ASSERT_TRUE(reading.view.pinning);
    EXPECT_EQ(reading.view.pinning->processes, 0u);
    EXPECT_NE(reading.warnings.find("property PinnedProcesses of role mgmt has D-Bus type 't'"), std::string::npos)
        << reading.warnings;
}

TEST(StatusJson, KernelPinningWhenSent)
{
    nlohmann::json available = statusJson({readRole("mgmt", pinnedProperties(true)).view}, "0.1.0").at("roles").at(0);
    EXPECT_EQ(available.at("kernel_pinning"), (nlohmann::json{{"available", true},
                                                              {"program", "/sys/fs/bpf/ifpin/mgmt"},
                                                              {"problem", nullptr},
                                                              {"pinned_processes", 2},
                                                              {"refused_sockets", 5}}));
    nlohmann::json unavailable = statusJson({readRole("mgmt", pinnedProperties(false)).view}, "0.1.0").at("roles").at(0);
    EXPECT_EQ(unavailable.at("kernel_pinning"), (nlohmann::json{{"available", false},
                                                                {"program", nullptr},
                                                                {"problem", "no cgroup v2 hierarchy is mounted"},
                                                                {"pinned_processes", 0},
                                                                {"refused_sockets", 0}}));
    EXPECT_FALSE(statusJson({mgmtView()}, "0.1.0").at("roles").at(0).contains("kernel_pinning"));
}

TEST(StatusTable, KernelPinningLinesComeLastInTheRolesOrder)
{
    RoleView media = mediaView();
    media.pinning = PinningView{false, "", "no bpf filesystem holds /sys/fs/bpf/ifpin", 0, 0};
    RoleView mgmt = mgmtView();
    mgmt.pinning = PinningView{true, "/sys/fs/bpf/ifpin/mgmt", "", 1, 0};
    std::string table = statusTable({mgmt, media});
    EXPECT_EQ(table.substr(table.find("role mgmt: kernel")),
              "role mgmt: kernel pinning with /sys/fs/bpf/ifpin/mgmt, 1 process pinned, 0 sockets refused\n"
              "role media: kernel pinning not available: no bpf filesystem holds /sys/fs/bpf/ifpin\n");
    mgmt.pinning = PinningView{true, "/sys/fs/bpf/ifpin/mgmt", "", 3, 1};
    table = statusTable({mgmt});
    EXPECT_EQ(table.substr(table.find("role mgmt: kernel")),
              "role mgmt: kernel pinning with /sys/fs/bpf/ifpin/mgmt, 3 processes pinned, 1 socket refused\n");
    EXPECT_EQ(statusTable({mgmtView()}).find("kernel pinning"), std::string::npos);
}

// RETURN: the reply table and the role's own rules in place (the main rule's "from all" is no
// address of the role's), and a family whose rules lead to a table without the role's route.
TEST(StatusTable, ReturnRoutingColumn)
{
    auto cellOf = [](const RoleView &role) {
        std::string table = statusTable({role});
        std::string header = table.substr(0, table.find('\n'));
        std::string row = table.substr(table.find('\n') + 1);
        size_t from = header.find("RETURN"), to = header.find("SOCKETS");
        std::string cell = row.substr(from, to - from);
        return cell.substr(0, cell.find_last_not_of(' ') + 1);
    };
    RoleView role = mediaView();
    EXPECT_EQ(cellOf(role), "off");
    role.returnRouting = true;
    role.replyTable = 1001;
    role.replyRules4 = {"32000: from all lookup 254 suppress_prefixlength 0 proto 241"};
    EXPECT_EQ(cellOf(role), "table 1001, 0 rules") << "no address yet";
    role.replyRules4.push_back("32001: from 192.0.2.2 lookup 1001 proto 241");
    role.replyRoute4InPlace = true;
    EXPECT_EQ(cellOf(role), "table 1001, 1 rule");
    role.replyRules6 = {"32001: from 2001:db8:1::2 lookup 1001 proto 241", "32001: from 2001:db8:1::3 lookup 1001 proto 241"};
    EXPECT_EQ(cellOf(role), "table 1001, 3 rules, no inet6 route");
    role.replyRoute4InPlace = false;
    EXPECT_EQ(cellOf(role), "table 1001, 3 rules, no inet route, no inet6 route");
}

} // namespace
} // namespace ifpinctl
