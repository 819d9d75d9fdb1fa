// A delay that doubles from `first` up to `ceiling` each time it is used, until reset: how ifpind
// waits before reading the kernel again, retrying a write or reconnecting to the bus.
#pragma once

#include <algorithm>
#include <chrono>

namespace ifpin {

class Backoff {
public:
    constexpr Backoff(std::chrono::milliseconds first, std::chrono::milliseconds ceiling)
        : first_(first), ceiling_(ceiling), current_(first)
    {
    }

    // The delay the next wait will take (for log lines that announce it).
    std::chrono::milliseconds current() const { return current_; }
    std::chrono::milliseconds ceiling() const { return ceiling_; }
    // The delay to wait now; the one after it is twice as long, up to the ceiling.
    std::chrono::milliseconds take()
    {
        auto delay = current_;
        current_ = std::min(current_ * 2, ceiling_);
        return delay;
    }
    // After a success: the next wait is short again.
    void reset() { current_ = first_; }

private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds ceiling_;
    std::chrono::milliseconds current_;
};

} // namespace ifpin
