// What `ifpinctl metrics` prints: the roles of `ifpinctl status` (RoleView) in the Prometheus text
// exposition format (version 0.0.4), for prometheus-node-exporter's textfile collector. Metric names
// follow Prometheus's conventions: the prefix ifpin_, _total on counters, a HELP and a TYPE line per
// family, labels role and family (inet, inet6); a state is a gauge per possible value (1 for the one
// the role is in, 0 for the others, the "enum" pattern of node_systemd_unit_state). Every family and
// its meaning are in docs/dbus-api.md.
//
// The role families come from one table in metrics_view.cpp: a new role property is one entry there.
// Pure: no bus here (metrics_command.cpp fetches), so the unit tests check the exact text.
#pragma once

#include <string>
#include <vector>

#include "status_view.hpp"

namespace ifpinctl {

// The values of State and LinkState that ifpind gives (docs/dbus-api.md), each a sample of its
// family whether the role is in it or not; a value outside the list (an ifpind of another version)
// is a sample too, with 1.
extern const std::vector<std::string> knownRoleStates;
extern const std::vector<std::string> knownLinkStates;
extern const std::vector<std::string> knownHealthStates;

// ifpin_up 1, ifpin_build_info with ifpind's version, then every role family with one sample per
// role (or per role and family, or per probe target), roles in the order given. A family without
// samples (no roles; no role with health checks) is left out altogether.
std::string metricsText(const std::vector<RoleView> &roles, const std::string &version);

// What is written when ifpind cannot be read (not running, or the bus failed): ifpin_up 0 alone, so
// that the textfile collector drops the old figures instead of serving them as current.
std::string metricsTextWithoutDaemon();

// A label value as the exposition format quotes it: backslash, double quote and newline escaped.
std::string escapeLabelValue(const std::string &value);

} // namespace ifpinctl
