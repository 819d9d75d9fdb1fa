// What `ifpinctl metrics` prints for given roles: the exact Prometheus text (names, HELP and TYPE
// lines, labels, the state families), the unknown state, label escaping, and ifpin_up 0 alone when
// ifpind could not be read. That real parsers accept it is the integration test's part
// (tests/integration/check_metrics.py, with python3-prometheus-client).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "metrics_view.hpp"

namespace ifpinctl {
namespace {

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

// Every figure different from media's and from each other, so that a figure read from the wrong
// field shows.
RoleView mgmtView()
{
    RoleView view;
    view.name = "mgmt";
    view.interface = "mgmt0";
    view.linkState = "down";
    view.metric = 1000;
    view.state = "link-down";
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
    view.replyRules6 = {"32000: from all lookup 254 suppress_prefixlength 0 proto 241"};
    view.replyRoute6InPlace = true;
    return view;
}

const std::string upAndVersion =
    "# HELP ifpin_up 1 when ifpinctl read ifpind's state over D-Bus, 0 when it could not (ifpind not running).\n"
    "# TYPE ifpin_up gauge\n"
    "ifpin_up 1\n"
    "# HELP ifpin_build_info ifpind's version, as the label version; always 1.\n"
    "# TYPE ifpin_build_info gauge\n"
    "ifpin_build_info{version=\"0.1.0\"} 1\n";

TEST(MetricsText, TwoRoles)
{
    const std::string expected =
        upAndVersion +
        "# HELP ifpin_role_info The interface a role is on now, as the label interface; always 1.\n"
        "# TYPE ifpin_role_info gauge\n"
        "ifpin_role_info{role=\"media\",interface=\"media0\"} 1\n"
        "ifpin_role_info{role=\"mgmt\",interface=\"mgmt0\"} 1\n"
        "# HELP ifpin_role_route_metric The metric of the role's default routes.\n"
        "# TYPE ifpin_role_route_metric gauge\n"
        "ifpin_role_route_metric{role=\"media\"} 100\n"
        "ifpin_role_route_metric{role=\"mgmt\"} 1000\n"
        "# HELP ifpin_role_state The role's state: 1 for the one it is in (enforced, no-gateway, link-down, "
        "no-interface, failed), 0 for the others.\n"
        "# TYPE ifpin_role_state gauge\n"
        "ifpin_role_state{role=\"media\",state=\"enforced\"} 1\n"
        "ifpin_role_state{role=\"media\",state=\"no-gateway\"} 0\n"
        "ifpin_role_state{role=\"media\",state=\"link-down\"} 0\n"
        "ifpin_role_state{role=\"media\",state=\"no-interface\"} 0\n"
        "ifpin_role_state{role=\"media\",state=\"failed\"} 0\n"
        "ifpin_role_state{role=\"mgmt\",state=\"enforced\"} 0\n"
        "ifpin_role_state{role=\"mgmt\",state=\"no-gateway\"} 0\n"
        "ifpin_role_state{role=\"mgmt\",state=\"link-down\"} 1\n"
        "ifpin_role_state{role=\"mgmt\",state=\"no-interface\"} 0\n"
        "ifpin_role_state{role=\"mgmt\",state=\"failed\"} 0\n"
        "# HELP ifpin_role_link_state The state of the role's interface: 1 for the one it is in (up, down, "
        "no-carrier, missing), 0 for the others.\n"
        "# TYPE ifpin_role_link_state gauge\n"
        "ifpin_role_link_state{role=\"media\",state=\"up\"} 1\n"
        "ifpin_role_link_state{role=\"media\",state=\"down\"} 0\n"
        "ifpin_role_link_state{role=\"media\",state=\"no-carrier\"} 0\n"
        "ifpin_role_link_state{role=\"media\",state=\"missing\"} 0\n"
        "ifpin_role_link_state{role=\"mgmt\",state=\"up\"} 0\n"
        "ifpin_role_link_state{role=\"mgmt\",state=\"down\"} 1\n"
        "ifpin_role_link_state{role=\"mgmt\",state=\"no-carrier\"} 0\n"
        "ifpin_role_link_state{role=\"mgmt\",state=\"missing\"} 0\n"
        "# HELP ifpin_route_in_place 1 when the role's default route of the family is in the kernel as the "
        "policy wants it, else 0.\n"
        "# TYPE ifpin_route_in_place gauge\n"
        "ifpin_route_in_place{role=\"media\",family=\"inet\"} 1\n"
        "ifpin_route_in_place{role=\"media\",family=\"inet6\"} 1\n"
        "ifpin_route_in_place{role=\"mgmt\",family=\"inet\"} 0\n"
        "ifpin_route_in_place{role=\"mgmt\",family=\"inet6\"} 1\n"
        "# HELP ifpin_outranking_routes Default routes ifpind does not manage, on other interfaces, that win "
        "over the role's route.\n"
        "# TYPE ifpin_outranking_routes gauge\n"
        "ifpin_outranking_routes{role=\"media\"} 0\n"
        "ifpin_outranking_routes{role=\"mgmt\"} 2\n"
        "# HELP ifpin_restorations_total Times a change by someone else made ifpind write the role's routes or rules "
        "again.\n"
        "# TYPE ifpin_restorations_total counter\n"
        "ifpin_restorations_total{role=\"media\"} 0\n"
        "ifpin_restorations_total{role=\"mgmt\"} 4\n"
        "# HELP ifpin_sockets_served_total Sockets the broker gave out for the role.\n"
        "# TYPE ifpin_sockets_served_total counter\n"
        "ifpin_sockets_served_total{role=\"media\"} 0\n"
        "ifpin_sockets_served_total{role=\"mgmt\"} 3\n"
        "# HELP ifpin_socket_requests_denied_total Socket requests for the role refused by its allow lists.\n"
        "# TYPE ifpin_socket_requests_denied_total counter\n"
        "ifpin_socket_requests_denied_total{role=\"media\"} 0\n"
        "ifpin_socket_requests_denied_total{role=\"mgmt\"} 2\n"
        "# HELP ifpin_egress_dropped_packets_total Packets of the role's sockets sent out of another interface "
        "and dropped by the egress guard.\n"
        "# TYPE ifpin_egress_dropped_packets_total counter\n"
        "ifpin_egress_dropped_packets_total{role=\"media\"} 0\n"
        "ifpin_egress_dropped_packets_total{role=\"mgmt\"} 7\n"
        "# HELP ifpin_return_routing 1 when what leaves from the role's addresses is routed by its reply table "
        "(return routing), else 0.\n"
        "# TYPE ifpin_return_routing gauge\n"
        "ifpin_return_routing{role=\"media\"} 0\n"
        "ifpin_return_routing{role=\"mgmt\"} 1\n"
        "# HELP ifpin_reply_rules Return-routing rules of the role in the kernel now, the main rule among them.\n"
        "# TYPE ifpin_reply_rules gauge\n"
        "ifpin_reply_rules{role=\"media\",family=\"inet\"} 0\n"
        "ifpin_reply_rules{role=\"media\",family=\"inet6\"} 0\n"
        "ifpin_reply_rules{role=\"mgmt\",family=\"inet\"} 2\n"
        "ifpin_reply_rules{role=\"mgmt\",family=\"inet6\"} 1\n"
        "# HELP ifpin_reply_route_in_place 1 when the role's default route of the family is in its reply table, "
        "else 0.\n"
        "# TYPE ifpin_reply_route_in_place gauge\n"
        "ifpin_reply_route_in_place{role=\"media\",family=\"inet\"} 0\n"
        "ifpin_reply_route_in_place{role=\"media\",family=\"inet6\"} 0\n"
        "ifpin_reply_route_in_place{role=\"mgmt\",family=\"inet\"} 0\n"
        "ifpin_reply_route_in_place{role=\"mgmt\",family=\"inet6\"} 1\n";
    EXPECT_EQ(metricsText({mediaView(), mgmtView()}, "0.1.0"), expected);
}

TEST(MetricsText, NoRolesLeavesTheRoleFamiliesOut)
{
    EXPECT_EQ(metricsText({}, "0.1.0"), upAndVersion);
}

TEST(MetricsText, AStateIfpinctlDoesNotKnowIsASampleToo)
{
    RoleView role = mediaView();
    role.state = "unknown"; // what roleViewFrom gives when State was not sent
    role.linkState = "dormant";
    std::string text = metricsText({role}, "0.1.0");
    EXPECT_NE(text.find("ifpin_role_state{role=\"media\",state=\"enforced\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("ifpin_role_state{role=\"media\",state=\"failed\"} 0\n"
                        "ifpin_role_state{role=\"media\",state=\"unknown\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("ifpin_role_link_state{role=\"media\",state=\"missing\"} 0\n"
                        "ifpin_role_link_state{role=\"media\",state=\"dormant\"} 1\n"),
              std::string::npos)
        << text;
}

TEST(MetricsText, LabelValuesAreEscaped)
{
    RoleView role = mediaView();
    role.interface = "a\"b\\c\nd";
    std::string text = metricsText({role}, "0.1.0-\"rc\"");
    EXPECT_NE(text.find("ifpin_role_info{role=\"media\",interface=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("ifpin_build_info{version=\"0.1.0-\\\"rc\\\"\"} 1\n"), std::string::npos) << text;
    EXPECT_EQ(escapeLabelValue("plain mgmt0"), "plain mgmt0");
}

TEST(MetricsText, WithoutTheDaemonOnlyUpIsZero)
{
    EXPECT_EQ(metricsTextWithoutDaemon(),
              "# HELP ifpin_up 1 when ifpinctl read ifpind's state over D-Bus, 0 when it could not (ifpind not running).\n"
              "# TYPE ifpin_up gauge\n"
              "ifpin_up 0\n");
}

TEST(MetricsText, CountersEndInTotalAndEveryFamilyHasHelpAndType)
{
    std::string text = metricsText({mediaView(), mgmtView()}, "0.1.0");
    size_t helps = 0, types = 0;
    for (size_t at = 0; at < text.size();) {
        size_t end = text.find('\n', at);
        std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.rfind("# HELP ", 0) == 0) {
            ++helps;
            EXPECT_EQ(line.rfind("# HELP ifpin_", 0), 0u) << line;
        } else if (line.rfind("# TYPE ", 0) == 0) {
            ++types;
            std::string name = line.substr(7, line.find(' ', 7) - 7);
            bool counter = line.size() > 8 && line.compare(line.size() - 8, 8, " counter") == 0;
            bool endsInTotal = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
            EXPECT_EQ(counter, endsInTotal) << line;
        } else {
            EXPECT_EQ(line.rfind("ifpin_", 0), 0u) << line;
        }
    }
    EXPECT_EQ(helps, types);
    EXPECT_EQ(helps, 15u); // up, build_info and the thirteen role families
}

} // namespace
} // namespace ifpinctl
