// A role's health checks, [role.NAME.health] (docs/configuration.md): how ifpind finds out that the
// uplink's gateway is dead while the link is up, and what it does then. Plain values; the checks
// themselves run in daemon/health/.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"

namespace ifpin {

enum class HealthMethod { neighbour, icmp, tcp };
enum class HealthAction { report, demote };

std::string_view healthMethodName(HealthMethod method);
std::string_view healthActionName(HealthAction action);

// One address to probe; port only for tcp.
struct HealthTarget {
    IpAddress address;
    uint16_t port = 0;

    // "192.0.2.1", "[2001:db8::1]:443", as the file writes it.
    std::string toString() const;
    friend bool operator==(const HealthTarget &, const HealthTarget &) = default;
};

struct HealthConfig {
    HealthMethod method = HealthMethod::icmp;
    std::vector<HealthTarget> targets; // empty: the role's gateway of each family
    std::chrono::milliseconds interval{5000};
    std::chrono::milliseconds timeout{1000}; // icmp and tcp; at most interval
    uint32_t downAfter = 3;                  // failures in a row that make a target down
    uint32_t upAfter = 3;                    // successes in a row that make it up again
    HealthAction onDown = HealthAction::report;
    uint32_t demoteBy = 20000; // the metric penalty of a demoted role, as NetworkManager's

    friend bool operator==(const HealthConfig &, const HealthConfig &) = default;
};

// The metric of a role's routes while demoted: metric + demoteBy, held at the largest metric.
uint32_t demotedMetric(uint32_t metric, uint32_t demoteBy);

} // namespace ifpin
