// What the org.ifpin1.Role object of one role shows (docs/dbus-api.md), as plain values computed from
// the policy, the kernel facts and the broker's counters; and which of them changed, for
// PropertiesChanged. Pure, so the mapping is a unit test.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "health/health_state.hpp"
#include "kernel/kernel_state.hpp"
#include "routes/route_planner.hpp"
#include "routes/route_policy.hpp"
#include "rules/rule_policy.hpp"
#include "broker/socket_broker.hpp"

namespace ifpin {

// One probe target of a role's health checks, as HealthDetails gives it.
struct HealthTargetProperties {
    std::string family; // "inet" or "inet6"
    std::string target;
    std::string status;     // up, down, unknown
    std::string lastResult; // ok, timeout, refused, unreachable, error; none before the first
    std::string detail;
    uint64_t rttMicroseconds = 0; // of the last success; 0 when none was measured
    uint32_t failuresInRow = 0;
    uint32_t successesInRow = 0;

    friend bool operator==(const HealthTargetProperties &, const HealthTargetProperties &) = default;
};

struct RoleProperties {
    std::string name;
    std::string interface;
    uint32_t metric = 0;
    std::string gateway4; // empty when unknown or on-link
    std::string gateway6;
    bool gateway4Learned = false;
    bool gateway6Learned = false;
    std::string state;     // roleStateName()
    std::string stateReason; // why no-gateway (a learned gateway dropped, none known); else empty
    std::string linkState; // up, down, no-carrier, missing
    bool route4InPlace = false;
    bool route6InPlace = false;
    uint64_t restorations = 0;
    std::vector<std::string> outrankedBy; // "default via X dev Y metric M proto P"
    uint64_t socketsServed = 0;            // not signalled (see the XML)
    uint64_t requestsDenied = 0;           // not signalled
    bool pinAvailable = false;             // kernel pinning (KernelPinning::status)
    std::string pinProgram;
    std::string pinProblem;
    // Return routing (describeReturnRouting).
    bool returnRouting = false;
    uint32_t replyTable = 0;              // 0 without return routing
    std::vector<std::string> replyRules4; // "32002: from 198.51.100.2 lookup 1002 proto 241", in place now
    std::vector<std::string> replyRules6;
    bool replyRoute4InPlace = false;
    bool replyRoute6InPlace = false;
    std::map<std::string, std::string> health; // family -> state; empty without health checks
    std::vector<std::string> demoted;           // families whose routes are demoted now
    std::vector<HealthTargetProperties> healthDetails; // not signalled

    friend bool operator==(const RoleProperties &, const RoleProperties &) = default;
};

// "up", "down" (administratively), "no-carrier" (up without carrier) or "missing".
std::string linkStateName(const LinkFact *link);

// status is null before the first reconcile has seen the role.
RoleProperties describeRole(const RoleConfig &role, const RoleStatus *status, const KernelState &kernel,
                            std::span<const OutrankingRoute> outranking, const BrokerCounters &counters);

// Adds return routing to what describeRole made: the role's reply table, its rules in place (the
// main rule and its own, per family) and its reply routes; the rules' restorations to the routes';
// and, when a rule write failed while the routes are enforced, the state `failed`, as a failed
// route write makes it.
void describeReturnRouting(RoleProperties &properties, const RoleConfig &role, const RoleStatus *status,
                           const RoleRuleStatus *rules);

// A role family's health (the state last announced) and its targets; demoted from the route policy.
void addHealth(RoleProperties &properties, Family family, HealthState state, const FamilyHealth &health,
               bool demoted);


// The D-Bus names of the signalled properties that differ (Name and the counters never are).
std::vector<std::string> changedProperties(const RoleProperties &before, const RoleProperties &after);

} // namespace ifpin
