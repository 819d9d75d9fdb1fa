// Uplink health as plain values (pure, unit-tested): each probe target's recent results with the
// down_after/up_after thresholds, and one role family's state made from its targets. The probes
// themselves are role_checks.cpp's.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ifpin {

// healthy: every target answers; degraded: some do not; down: none does; unknown: nothing to tell
// yet (no target, no result, the link is down, or ifpind cannot probe).
enum class HealthState { unknown, healthy, degraded, down };
std::string_view healthStateName(HealthState state);

// error: ifpind could not probe at all (no socket, not permitted). It says nothing about the uplink,
// so it counts neither as a success nor as a failure.
enum class ProbeOutcome { ok, timeout, refused, unreachable, error };
std::string_view probeOutcomeName(ProbeOutcome outcome);

struct ProbeResult {
    ProbeOutcome outcome = ProbeOutcome::ok;
    std::chrono::microseconds rtt{0}; // for ok: from the request to its answer (0 when not measured)
    std::string detail;               // "neighbour FAILED", "No route to host", ...; may be empty
};

// "ok in 0.41 ms", "timeout", "unreachable (No route to host)".
std::string describe(const ProbeResult &result);
// "0.41 ms"
std::string millisecondsText(std::chrono::microseconds time);

enum class TargetStatus { unknown, up, down };
std::string_view targetStatusName(TargetStatus status);

struct Thresholds {
    uint32_t downAfter = 3; // failures in a row that make an up (or unknown) target down
    uint32_t upAfter = 3;   // successes in a row that make a down (or unknown) target up
};

struct TargetHealth {
    explicit TargetHealth(std::string name = {}) : label(std::move(name)) {}

    std::string label; // "192.0.2.1", "[2001:db8::1]:443"
    TargetStatus status = TargetStatus::unknown;
    uint32_t failuresInRow = 0;
    uint32_t successesInRow = 0;
    std::optional<ProbeResult> last;       // none before the first result
    std::chrono::microseconds lastRtt{0};  // of the last success; 0 when none was measured
    bool answered = false;                 // a success since it was first probed

    // One probe's result. True when the status changed.
    bool record(const ProbeResult &result, Thresholds thresholds);
};

// The targets of one role and address family.
class FamilyHealth {
public:
    // The targets to probe from now on. What is known of a target that stays is kept; new ones start
    // unknown. No targets (no gateway to probe): unknown, with why as the reason.
    void setTargets(const std::vector<std::string> &labels, const std::string &whyNone = "no target");
    const std::vector<TargetHealth> &targets() const { return targets_; }

    // One result for the target of that label (ignored when there is none). True when the state of
    // the family changed.
    bool record(const std::string &label, const ProbeResult &result, Thresholds thresholds);
    // Forgets every result (the link went down, the interface went away): unknown, for why.
    void reset(const std::string &why);

    HealthState state() const;
    // Why the state is unknown, when it is for a reason other than "no result yet"; empty otherwise.
    const std::string &problem() const { return problem_; }
    // What the state rests on, for the log line of a transition: each target's status, failures or
    // successes in a row, last result and last RTT.
    std::string evidence() const;

private:
    std::vector<TargetHealth> targets_;
    std::string problem_;
};

} // namespace ifpin
