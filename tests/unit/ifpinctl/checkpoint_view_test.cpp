// What ifpinctl shows of an open checkpoint, and what ifpinctl monitor prints for a rollback.
#include <gtest/gtest.h>

#include "checkpoint_view.hpp"
#include "monitor_view.hpp"

namespace ifpinctl {
namespace {

constexpr uint64_t second = 1000000;
constexpr uint64_t deadline = 1746093660 * second; // 2025-05-01T10:01:00Z

TEST(CheckpointView, TimeLeftRoundsUpAndReadsLikeATime)
{
    EXPECT_EQ(timeLeftText(deadline, deadline - 42 * second), "42 s");
    EXPECT_EQ(timeLeftText(deadline, deadline - 41 * second - 1), "42 s") << "rounded up";
    EXPECT_EQ(timeLeftText(deadline, deadline - 60 * second), "1 min");
    EXPECT_EQ(timeLeftText(deadline, deadline - 65 * second), "1 min 5 s");
    EXPECT_EQ(timeLeftText(deadline, deadline - 7380 * second), "2 h 3 min");
    EXPECT_EQ(timeLeftText(deadline, deadline - 3600 * second), "1 h");
    EXPECT_EQ(timeLeftText(deadline, deadline), "0 s");
    EXPECT_EQ(timeLeftText(deadline, deadline + 5 * second), "0 s") << "past: the rollback is coming now";
}

TEST(CheckpointView, TheLineSaysWhenAndHowToConfirm)
{
    CheckpointView checkpoint{"/org/ifpin1/checkpoint/3", deadline, 0};
    EXPECT_EQ(checkpointLine(checkpoint, deadline - 65 * second),
              "checkpoint 3 open: rolled back in 1 min 5 s (at 2025-05-01T10:01:00Z) unless confirmed with "
              "'ifpinctl confirm' ('ifpinctl rollback': now); created by uid 0\n");
    EXPECT_EQ(checkpointName("/somewhere/else"), "/somewhere/else");
}

TEST(CheckpointView, Json)
{
    CheckpointView checkpoint{"/org/ifpin1/checkpoint/3", deadline, 4242};
    EXPECT_EQ(checkpointJson(checkpoint, deadline - 65 * second),
              nlohmann::json({{"path", "/org/ifpin1/checkpoint/3"},
                              {"id", "3"},
                              {"creator_uid", 4242},
                              {"deadline", "2025-05-01T10:01:00Z"},
                              {"deadline_usec", deadline},
                              {"seconds_left", 65}}));
}

TEST(CheckpointView, MonitorPrintsARollback)
{
    EventTime at{std::chrono::seconds(1746093660)};
    MonitorEvent event = checkpointRolledBackEvent(at, "/org/ifpin1/checkpoint/3");
    EXPECT_EQ(event.event, "checkpoint-rolled-back");
    EXPECT_EQ(event.message, "checkpoint 3 rolled back: the policy before it is in force");
    EXPECT_EQ(event.role, "");
    auto json = nlohmann::json::parse(eventJsonLine(event));
    EXPECT_EQ(json.at("checkpoint"), "/org/ifpin1/checkpoint/3");
    EXPECT_EQ(json.at("event"), "checkpoint-rolled-back");
    EXPECT_FALSE(json.contains("role"));
}

} // namespace
} // namespace ifpinctl
