// The one rule between roles: two roles may not share an interface or a metric, since their
// default routes would then replace each other (or, for IPv6, merge into one multipath route).
// A role that demotes (health on_down = "demote") has two metrics, its own and metric + demote_by:
// neither may be one of another role's, or two default routes would share a metric and the kernel's
// order would pick between them. Metrics 0 and 1024 count as one: IPv6 stores 0 as 1024. The file's
// parser, the runtime changes and their merge all ask here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace ifpin {

enum class RoleField { metric, interface };

// The metric the kernel gives an IPv6 route added with metric 0 (IP6_RT_PRIO_USER).
inline constexpr uint32_t ipv6DefaultMetric = 1024;

// The first role of `holders`, other than role itself, whose `field` is role's.
const RoleConfig *clashingRole(std::span<const RoleConfig> holders, const RoleConfig &role, RoleField field);

// "metric 100 is already used by role media", "demoted metric 20100 (metric 100 + demote_by 20000)
// is already used by role mgmt as its demoted metric (metric 10100 + demote_by 10000)".
std::string clashMessage(RoleField field, const RoleConfig &role, const RoleConfig &holder);

// Whether role's metric clash with holder is its demoted metric, not its own (the file reports it
// at the health table's demote_by or on_down then, not at metric).
bool clashesByDemotedMetric(const RoleConfig &role, const RoleConfig &holder);

// What makes `role` clash with another of roles (metric first, then interface); nothing when it fits
// or when roles has no such role.
std::optional<std::string> findClash(std::span<const RoleConfig> roles, std::string_view role);

} // namespace ifpin
