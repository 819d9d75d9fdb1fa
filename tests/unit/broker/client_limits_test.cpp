// How much of ifpind one client may hold (issue #15, items 2 and 3).
#include "broker/client_limits.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ifpin {
namespace {

using testing::HasSubstr;

const ClientLimits limits; // 256 in all, 32 per uid, 32 kept; 128 in flight per connection, 256 per uid

TEST(ConnectionLimits, OneUidHoldsAtMostItsShare)
{
    EXPECT_FALSE(connectionRefusal(limits, {10, 31}, 4244, false));
    EXPECT_THAT(connectionRefusal(limits, {10, 32}, 4244, false).value(), HasSubstr("uid 4244 has 32 connections"));
    EXPECT_THAT(connectionRefusal(limits, {10, 32}, 4242, true).value(), HasSubstr("uid 4242 has 32 connections"))
        << "an allowed user has a share too";
    EXPECT_FALSE(connectionRefusal(limits, {10, 200}, 0, false)) << "root has no share of its own";
}

TEST(ConnectionLimits, TheLastRoomIsForRootAndTheUsersOfARole)
{
    EXPECT_FALSE(inReservedRoom(limits, {223, 0}));
    EXPECT_TRUE(inReservedRoom(limits, {224, 0}));
    EXPECT_FALSE(connectionRefusal(limits, {223, 0}, 4250, false));
    EXPECT_THAT(connectionRefusal(limits, {224, 0}, 4250, false).value(), HasSubstr("kept for root"));
    EXPECT_FALSE(connectionRefusal(limits, {224, 0}, 4242, true));
    EXPECT_FALSE(connectionRefusal(limits, {255, 0}, 0, false));
    EXPECT_THAT(connectionRefusal(limits, {256, 0}, 0, false).value(), HasSubstr("too many clients"));
}

TEST(InFlightLimits, CountedInDescriptors)
{
    InFlight none{0, 0, 0, 512};
    EXPECT_FALSE(inFlightRefusal(limits, none, 64, 4242));
    EXPECT_FALSE(inFlightRefusal(limits, {64, 64, 64, 512}, 64, 4242));
    EXPECT_THAT(inFlightRefusal(limits, {128, 128, 128, 512}, 1, 4242).value(),
                HasSubstr("128 sockets sent on this connection are not received yet"));
    EXPECT_THAT(inFlightRefusal(limits, {0, 256, 256, 512}, 1, 4242).value(),
                HasSubstr("256 sockets sent to uid 4242 are not received yet"));
    EXPECT_FALSE(inFlightRefusal(limits, {0, 300, 300, 512}, 64, 0)) << "root: no share, only the budget";
    EXPECT_THAT(inFlightRefusal(limits, {0, 0, 500, 512}, 64, 0).value(), HasSubstr("too many sockets in flight"));
}

// The kernel refuses descriptors in flight beyond the sender's RLIMIT_NOFILE (ETOOMANYREFS); half of
// it is ifpind's to give.
TEST(InFlightLimits, TheBudgetIsHalfTheOpenFileLimit)
{
    EXPECT_EQ(inFlightBudget(1024), 512u);
    EXPECT_EQ(inFlightBudget(16384), 8192u);
}

} // namespace
} // namespace ifpin
