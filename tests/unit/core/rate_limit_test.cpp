#include "core/rate_limited_log.hpp"

#include <gtest/gtest.h>

namespace ifpin {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimit::Clock;

TEST(RateLimit, TheFirstOfAWindowAreLoggedTheRestCounted)
{
    RateLimit limit(3, 10s);
    Clock::time_point t0{};
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(limit.admit(t0 + std::chrono::milliseconds(i)));
    for (int i = 0; i < 9812; ++i)
        EXPECT_FALSE(limit.admit(t0 + 1s));
    EXPECT_EQ(limit.windowEnd(), t0 + 10s);
    EXPECT_EQ(limit.takeSuppressed(), 9812u);
    EXPECT_EQ(limit.takeSuppressed(), 0u);
}

TEST(RateLimit, ANewWindowStartsAfterTheLastEnded)
{
    RateLimit limit(1, 10s);
    Clock::time_point t0{};
    EXPECT_TRUE(limit.admit(t0));
    EXPECT_FALSE(limit.admit(t0 + 9s));
    EXPECT_TRUE(limit.admit(t0 + 10s)) << "the window ended";
    EXPECT_FALSE(limit.admit(t0 + 11s));
    EXPECT_EQ(limit.windowEnd(), t0 + 20s);
    EXPECT_EQ(limit.takeSuppressed(), 2u);
    EXPECT_TRUE(limit.admit(t0 + 12s)) << "after the summary, a fresh window";
}

} // namespace
} // namespace ifpin
