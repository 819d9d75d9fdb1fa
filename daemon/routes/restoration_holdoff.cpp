#include "routes/restoration_holdoff.hpp"

#include <algorithm>

namespace ifpin {

RestorationHoldoff::Clock::time_point RestorationHoldoff::allowedAt(Clock::time_point now)
{
    if (deadline_)
        return *deadline_;
    if (!lastRestored_)
        return now;
    auto stood = now - *lastRestored_;
    if (stood >= timing_.calm) {
        holdoff_ = std::chrono::milliseconds(0);
        return now;
    }
    if (stood >= timing_.quick)
        return now; // deleted, but not in a loop: restored at once (the hold-off is remembered)
    holdoff_ = holdoff_.count() == 0 ? timing_.first : std::min(holdoff_ * 2, timing_.ceiling);
    deadline_ = now + holdoff_;
    return *deadline_;
}

void RestorationHoldoff::restored(Clock::time_point now)
{
    lastRestored_ = now;
    deadline_.reset();
}

} // namespace ifpin
