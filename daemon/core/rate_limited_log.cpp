#include "core/rate_limited_log.hpp"

namespace ifpin {

bool RateLimit::admit(Clock::time_point now)
{
    if (!open_ || now >= start_ + window_) {
        // The lines of the last window were summed up by takeSuppressed(), or are now.
        start_ = now;
        open_ = true;
        inWindow_ = 0;
    }
    if (inWindow_ < burst_) {
        ++inWindow_;
        return true;
    }
    ++suppressed_;
    return false;
}

size_t RateLimit::takeSuppressed()
{
    size_t count = suppressed_;
    suppressed_ = 0;
    open_ = false;
    return count;
}

RateLimitedLog::RateLimitedLog(EventLoop &loop, std::string what, size_t burst, std::chrono::milliseconds window)
    : what_(std::move(what)), limit_(burst, window)
{
    timer_ = loop.addTimer([this] { summarise(); });
}

void RateLimitedLog::log(spdlog::level::level_enum level, std::string_view line)
{
    if (limit_.admit(RateLimit::Clock::now())) {
        spdlog::log(level, "{}", line);
        return;
    }
    level_ = level;
    if (!timer_->armed())
        timer_->armIn(std::chrono::duration_cast<std::chrono::microseconds>(limit_.windowEnd() - RateLimit::Clock::now()));
}

void RateLimitedLog::summarise()
{
    if (size_t count = limit_.takeSuppressed())
        spdlog::log(level_, "... and {} more {} in the last {} s", count, what_,
                    std::chrono::duration_cast<std::chrono::seconds>(limit_.window()).count());
}

} // namespace ifpin
