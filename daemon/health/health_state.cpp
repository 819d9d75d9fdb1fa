#include "health/health_state.hpp"

#include <algorithm>
#include <cstdio>

namespace ifpin {

std::string_view healthStateName(HealthState state)
{
    switch (state) {
    case HealthState::unknown:
        return "unknown";
    case HealthState::healthy:
        return "healthy";
    case HealthState::degraded:
        return "degraded";
    case HealthState::down:
        return "down";
    }
    return "unknown";
}

std::string_view probeOutcomeName(ProbeOutcome outcome)
{
    switch (outcome) {
    case ProbeOutcome::ok:
        return "ok";
    case ProbeOutcome::timeout:
        return "timeout";
    case ProbeOutcome::refused:
        return "refused";
    case ProbeOutcome::unreachable:
        return "unreachable";
    case ProbeOutcome::error:
        return "error";
    }
    return "error";
}

std::string_view targetStatusName(TargetStatus status)
{
    switch (status) {
    case TargetStatus::unknown:
        return "unknown";
    case TargetStatus::up:
        return "up";
    case TargetStatus::down:
        return "down";
    }
    return "unknown";
}

std::string millisecondsText(std::chrono::microseconds time)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(time.count()) / 1000.0);
    return text;
}

std::string describe(const ProbeResult &result)
{
    std::string text(probeOutcomeName(result.outcome));
    if (result.outcome == ProbeOutcome::ok && result.rtt.count() > 0)
        text += " in " + millisecondsText(result.rtt);
    if (!result.detail.empty())
        text += " (" + result.detail + ")";
    return text;
}

bool TargetHealth::record(const ProbeResult &result, Thresholds thresholds)
{
    TargetStatus before = status;
    last = result;
    switch (result.outcome) {
    case ProbeOutcome::ok:
        ++successesInRow;
        failuresInRow = 0;
        lastRtt = result.rtt;
        answered = true;
        if (successesInRow >= thresholds.upAfter)
            status = TargetStatus::up;
        break;
    case ProbeOutcome::timeout:
    case ProbeOutcome::refused:
    case ProbeOutcome::unreachable:
        ++failuresInRow;
        successesInRow = 0;
        if (failuresInRow >= thresholds.downAfter)
            status = TargetStatus::down;
        break;
    case ProbeOutcome::error:
        // ifpind could not ask: what it knew of the target no longer holds, and nothing new does.
        failuresInRow = 0;
        successesInRow = 0;
        status = TargetStatus::unknown;
        break;
    }
    return status != before;
}

void FamilyHealth::setTargets(const std::vector<std::string> &labels, const std::string &whyNone)
{
    std::vector<TargetHealth> targets;
    for (const auto &label : labels) {
        auto known = std::find_if(targets_.begin(), targets_.end(),
                                  [&](const TargetHealth &target) { return target.label == label; });
        targets.push_back(known != targets_.end() ? *known : TargetHealth(label));
    }
    targets_ = std::move(targets);
    problem_ = targets_.empty() ? whyNone : std::string();
}

bool FamilyHealth::record(const std::string &label, const ProbeResult &result, Thresholds thresholds)
{
    auto target = std::find_if(targets_.begin(), targets_.end(),
                               [&](const TargetHealth &candidate) { return candidate.label == label; });
    if (target == targets_.end())
        return false;
    HealthState before = state();
    target->record(result, thresholds);
    problem_ = result.outcome == ProbeOutcome::error && std::all_of(targets_.begin(), targets_.end(), [](const TargetHealth &t) {
                   return t.last && t.last->outcome == ProbeOutcome::error;
               })
                   ? result.detail
                   : std::string();
    return state() != before;
}

void FamilyHealth::reset(const std::string &why)
{
    for (auto &target : targets_)
        target = TargetHealth(target.label);
    problem_ = why;
}

HealthState FamilyHealth::state() const
{
    auto count = [&](TargetStatus status) {
        return std::count_if(targets_.begin(), targets_.end(),
                             [status](const TargetHealth &target) { return target.status == status; });
    };
    auto up = count(TargetStatus::up);
    auto down = count(TargetStatus::down);
    if (up == 0 && down == 0)
        return HealthState::unknown;
    if (down == 0)
        return HealthState::healthy;
    return up == 0 ? HealthState::down : HealthState::degraded;
}

std::string FamilyHealth::evidence() const
{
    if (targets_.empty() || !problem_.empty())
        return problem_.empty() ? std::string("no target") : problem_;
    std::string text;
    for (const auto &target : targets_) {
        text += text.empty() ? "" : "; ";
        text += target.label + " " + std::string(targetStatusName(target.status));
        if (target.failuresInRow > 0)
            text += ", " + std::to_string(target.failuresInRow) + (target.failuresInRow == 1 ? " failure" : " failures") +
                    " in a row";
        else if (target.successesInRow > 0)
            text += ", " + std::to_string(target.successesInRow) +
                    (target.successesInRow == 1 ? " success" : " successes") + " in a row";
        if (target.last)
            text += ", last " + describe(*target.last);
        if (target.last && target.last->outcome != ProbeOutcome::ok) {
            if (!target.answered)
                text += ", never answered";
            else if (target.lastRtt.count() > 0)
                text += ", last RTT " + millisecondsText(target.lastRtt);
        }
    }
    return text;
}

} // namespace ifpin
