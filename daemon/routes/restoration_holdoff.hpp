// How soon a role's route that somebody deleted is written again. The first restoration is
// immediate; a route deleted again within `quick` of being restored is somebody deleting in a loop
// (udhcpc's script runs `ip route flush`, which repeats until nothing matches: 20 rounds against
// ifpind's re-adds in 1.4 ms, issue #20), so the next restoration waits, 10 ms doubling to 1 s, until
// the route has stood for `calm` again. Pure, on a clock given to it, so the timing is a unit test.
#pragma once

#include <chrono>
#include <optional>

namespace ifpin {

class RestorationHoldoff {
public:
    using Clock = std::chrono::steady_clock;
    struct Timing {
        std::chrono::milliseconds quick{10};   // deleted again sooner than this after a restoration: a loop
        std::chrono::milliseconds first{10};   // the first hold-off
        std::chrono::milliseconds ceiling{1000};
        std::chrono::milliseconds calm{2000};  // a route that stood this long starts afresh
    };

    RestorationHoldoff() = default;
    explicit RestorationHoldoff(Timing timing) : timing_(timing) {}

    // When the restoration wanted at `now` may be written: now, or a later time. Asking again
    // before that time gives the same answer.
    Clock::time_point allowedAt(Clock::time_point now);
    // The restoration was written at `now`.
    void restored(Clock::time_point now);
    // The route is in place without a restoration (nobody deleted it): nothing is pending.
    void settled() { deadline_.reset(); }

    std::chrono::milliseconds current() const { return holdoff_; }
    bool holding() const { return deadline_.has_value(); }

private:
    Timing timing_;
    std::optional<Clock::time_point> lastRestored_;
    std::optional<Clock::time_point> deadline_;
    std::chrono::milliseconds holdoff_{0};
};

} // namespace ifpin
