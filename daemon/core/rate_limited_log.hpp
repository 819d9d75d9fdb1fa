// Log lines that a client can make ifpind write as often as it likes (a refused connection, a refused
// request, a refused D-Bus call): the first few of each window are logged, the rest counted and summed
// up in one line when the window ends ("... and 9812 more in the last 10 s"). A client that reconnects
// as soon as it is refused once made ifpind write 990,496 lines (187 MB) in 25 s.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/event_loop.hpp"

namespace ifpin {

// The decision alone, on a clock given to it: pure, so the counting is a unit test.
class RateLimit {
public:
    using Clock = std::chrono::steady_clock;

    RateLimit(size_t burst, std::chrono::milliseconds window) : burst_(burst), window_(window) {}

    // True when a line may be logged now; false when it is to be counted instead. A new window
    // starts at the first line after the last one ended.
    bool admit(Clock::time_point now);
    // How many were counted in the window that ended (or now, at `now`), and starts afresh.
    size_t takeSuppressed();
    // When the current window ends; only meaningful after admit().
    Clock::time_point windowEnd() const { return start_ + window_; }
    std::chrono::milliseconds window() const { return window_; }

private:
    size_t burst_;
    std::chrono::milliseconds window_;
    Clock::time_point start_{};
    bool open_ = false;
    size_t inWindow_ = 0;
    size_t suppressed_ = 0;
};

// RateLimit on the loop: the summary line comes from a timer that runs only while something was
// counted, so an idle ifpind still has no wake-ups.
class RateLimitedLog {
public:
    // what: the kind of line, for the summary: "refused broker connections".
    RateLimitedLog(EventLoop &loop, std::string what, size_t burst = 5,
                   std::chrono::milliseconds window = std::chrono::seconds(10));
    RateLimitedLog(const RateLimitedLog &) = delete;
    RateLimitedLog &operator=(const RateLimitedLog &) = delete;

    void log(spdlog::level::level_enum level, std::string_view line);

private:
    void summarise();

    std::string what_;
    RateLimit limit_;
    spdlog::level::level_enum level_ = spdlog::level::warn;
    EventSourcePtr timer_;
};

} // namespace ifpin
