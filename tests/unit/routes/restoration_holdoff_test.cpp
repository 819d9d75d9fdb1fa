#include <gtest/gtest.h>

#include "routes/restoration_holdoff.hpp"

namespace ifpin {
namespace {

using namespace std::chrono_literals;
using Clock = RestorationHoldoff::Clock;

TEST(RestorationHoldoff, FirstRestorationIsImmediate)
{
    RestorationHoldoff holdoff;
    Clock::time_point t0{};
    EXPECT_EQ(holdoff.allowedAt(t0 + 5s), t0 + 5s);
}

TEST(RestorationHoldoff, DeletedAgainQuicklyWaitsDoublingToTheCeiling)
{
    RestorationHoldoff holdoff;
    Clock::time_point now{};
    now += 10s;
    holdoff.restored(now);
    std::chrono::milliseconds expected = 10ms;
    for (int round = 0; round < 12; ++round) {
        now += 1ms; // deleted 1 ms after it was restored
        auto at = holdoff.allowedAt(now);
        EXPECT_EQ(at, now + expected) << "round " << round;
        EXPECT_EQ(holdoff.allowedAt(now + 1ms), at) << "asking again gives the same time";
        now = at;
        holdoff.restored(now);
        expected = std::min(expected * 2, std::chrono::milliseconds(1000));
    }
}

TEST(RestorationHoldoff, ADeletionAfterTheQuickWindowIsRestoredAtOnce)
{
    RestorationHoldoff holdoff;
    Clock::time_point now{};
    holdoff.restored(now);
    now += 50ms;
    EXPECT_EQ(holdoff.allowedAt(now), now);
}

TEST(RestorationHoldoff, ARouteThatStoodLongEnoughStartsAfresh)
{
    RestorationHoldoff holdoff;
    Clock::time_point now{};
    holdoff.restored(now);
    for (int i = 0; i < 5; ++i) {
        now = holdoff.allowedAt(now + 1ms);
        holdoff.restored(now);
    }
    EXPECT_GT(holdoff.current(), 10ms);
    now += 3s;
    EXPECT_EQ(holdoff.allowedAt(now), now);
    holdoff.restored(now);
    EXPECT_EQ(holdoff.allowedAt(now + 1ms), now + 1ms + 10ms) << "the first hold-off again";
}

} // namespace
} // namespace ifpin
