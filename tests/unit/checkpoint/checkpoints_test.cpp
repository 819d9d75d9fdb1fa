// The open checkpoint: saved before it counts, one at a time, confirmed (its file gone), rolled back
// by the loop's wall-clock timer at its deadline, and found again at start: rolled back at once when
// the deadline passed meanwhile, armed again when it has not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include <stdlib.h>
#include <systemd/sd-event.h>

#include "checkpoint/checkpoints.hpp"

namespace ifpin {
namespace {

using testing::HasSubstr;

constexpr uint64_t second = 1000000;

uint64_t realtimeNow()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<uint64_t>(now.tv_sec) * second + static_cast<uint64_t>(now.tv_nsec) / 1000u;
}

class CheckpointsTest : public testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/ifpin-checkpoints-XXXXXX";
        ASSERT_TRUE(mkdtemp(pattern));
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string stateDirectory() const { return dir_ + "/state"; }
    std::string filePath() const { return stateDirectory() + "/checkpoint.json"; }

    PolicySnapshot snapshotOf(uint32_t metric) const
    {
        PolicySnapshot snapshot;
        snapshot.fileText = "[daemon]\nstate_directory = \"" + stateDirectory() + "\"\n";
        snapshot.fileSource = "/etc/ifpind/ifpind.toml";
        snapshot.file = *parseConfig(snapshot.fileText, "test", RoutingTableNames()).config;
        snapshot.overrides["mgmt"].metric = metric;
        return snapshot;
    }

    // Checkpoints whose clock reads clock_, snapshots the metric in metric_, and records rollbacks.
    std::unique_ptr<Checkpoints> make()
    {
        return std::make_unique<Checkpoints>(
            loop_,
            Checkpoints::Hooks{[this] { return snapshotOf(metric_); },
                               [this](const Checkpoint &checkpoint, std::string_view why) {
                                   rolledBack_.push_back(checkpoint);
                                   whys_.emplace_back(why);
                                   return rollBackSaves_;
                               },
                               [this] { ++changes_; }},
            [this] { return clock_ ? clock_ : realtimeNow(); });
    }

    // Runs the loop until a rollback came or two seconds passed.
    void runUntilRolledBack()
    {
        auto until = realtimeNow() + 2 * second;
        while (rolledBack_.empty() && realtimeNow() < until)
            sd_event_run(loop_.get(), 100000);
    }

    std::string dir_;
    EventLoop loop_;
    uint64_t clock_ = 1746093600 * second; // 0: the real clock
    uint32_t metric_ = 500;
    bool rollBackSaves_ = true;
    std::vector<Checkpoint> rolledBack_;
    std::vector<std::string> whys_;
    int changes_ = 0;
};

TEST_F(CheckpointsTest, CreatedOnlyOnceAndSavedBeforeItCounts)
{
    auto checkpoints = make();
    EXPECT_EQ(checkpoints->create(0, 0).outcome, Checkpoints::Outcome::invalidTimeout);
    auto tooLong = checkpoints->create(Checkpoints::maxTimeoutSeconds + 1, 0);
    EXPECT_EQ(tooLong.outcome, Checkpoints::Outcome::invalidTimeout);
    EXPECT_EQ(tooLong.message, "timeout: expected 1 to 86400 seconds, got 86401");
    EXPECT_FALSE(std::filesystem::exists(filePath()));

    auto created = checkpoints->create(60, 4242);
    ASSERT_EQ(created.outcome, Checkpoints::Outcome::done) << created.message;
    ASSERT_TRUE(checkpoints->open());
    EXPECT_EQ(checkpoints->open()->id, 1u);
    EXPECT_EQ(checkpoints->open()->creator, 4242u);
    EXPECT_EQ(checkpoints->open()->deadlineUsec, clock_ + 60 * second);
    EXPECT_EQ(checkpoints->open()->snapshot, snapshotOf(500));
    EXPECT_TRUE(std::filesystem::exists(filePath()));
    EXPECT_EQ(changes_, 1);

    auto second = checkpoints->create(60, 0);
    EXPECT_EQ(second.outcome, Checkpoints::Outcome::alreadyOpen);
    EXPECT_THAT(second.message, HasSubstr("checkpoint 1 (created by uid 4242"));
    EXPECT_EQ(checkpoints->open()->creator, 4242u) << "the first stays";
}

TEST_F(CheckpointsTest, OneThatCannotBeSavedIsNotOpen)
{
    std::ofstream(dir_ + "/state") << "a file where the directory should be";
    auto checkpoints = make();
    auto created = checkpoints->create(60, 0);
    EXPECT_EQ(created.outcome, Checkpoints::Outcome::notSaved);
    EXPECT_THAT(created.message, HasSubstr(stateDirectory()));
    EXPECT_FALSE(checkpoints->open());
    EXPECT_EQ(changes_, 0);
}

TEST_F(CheckpointsTest, ConfirmKeepsThePolicyAndRemovesTheFile)
{
    auto checkpoints = make();
    ASSERT_EQ(checkpoints->create(60, 0).outcome, Checkpoints::Outcome::done);
    ASSERT_EQ(checkpoints->confirm(0).outcome, Checkpoints::Outcome::done);
    EXPECT_FALSE(checkpoints->open());
    EXPECT_FALSE(std::filesystem::exists(filePath()));
    EXPECT_TRUE(rolledBack_.empty());
    EXPECT_EQ(checkpoints->confirm(0).outcome, Checkpoints::Outcome::noCheckpoint);
    // A restart finds nothing to roll back.
    clock_ += 3600 * second;
    auto restarted = make();
    restarted->start(stateDirectory(), RoutingTableNames());
    EXPECT_FALSE(restarted->open());
    EXPECT_TRUE(rolledBack_.empty());
}

TEST_F(CheckpointsTest, RollbackNowRestoresTheSnapshot)
{
    auto checkpoints = make();
    ASSERT_EQ(checkpoints->create(60, 0).outcome, Checkpoints::Outcome::done);
    metric_ = 700; // what is in force by now does not matter: the snapshot does
    ASSERT_EQ(checkpoints->rollBack(4242).outcome, Checkpoints::Outcome::done);
    ASSERT_EQ(rolledBack_.size(), 1u);
    EXPECT_EQ(rolledBack_[0].snapshot, snapshotOf(500));
    EXPECT_EQ(whys_[0], "Rollback asked by uid 4242");
    EXPECT_FALSE(checkpoints->open());
    EXPECT_FALSE(std::filesystem::exists(filePath()));
    ASSERT_EQ(checkpoints->create(60, 0).outcome, Checkpoints::Outcome::done);
    EXPECT_EQ(checkpoints->open()->id, 2u);
}

TEST_F(CheckpointsTest, ARollbackThatCouldNotBeSavedKeepsTheFileForTheNextStart)
{
    auto checkpoints = make();
    ASSERT_EQ(checkpoints->create(60, 0).outcome, Checkpoints::Outcome::done);
    rollBackSaves_ = false;
    checkpoints->rollBack(0);
    EXPECT_FALSE(checkpoints->open());
    EXPECT_TRUE(std::filesystem::exists(filePath()));
}

TEST_F(CheckpointsTest, TheDeadlineRollsBackOnTheLoop)
{
    // The clock runs 0.9 s behind the real one, so a timeout of 1 s ends 0.1 s from now.
    clock_ = 0;
    uint64_t skew = 900000;
    auto checkpoints = std::make_unique<Checkpoints>(
        loop_,
        Checkpoints::Hooks{[this] { return snapshotOf(500); },
                           [this](const Checkpoint &checkpoint, std::string_view why) {
                               rolledBack_.push_back(checkpoint);
                               whys_.emplace_back(why);
                               return true;
                           },
                           [this] { ++changes_; }},
        [skew] { return realtimeNow() - skew; });
    ASSERT_EQ(checkpoints->create(1, 0).outcome, Checkpoints::Outcome::done);
    uint64_t deadline = checkpoints->open()->deadlineUsec;
    runUntilRolledBack();
    ASSERT_EQ(rolledBack_.size(), 1u) << "no rollback within 2 s";
    uint64_t firedAt = realtimeNow();
    EXPECT_GE(firedAt, deadline);
    EXPECT_LT(firedAt, deadline + 500000) << "late by " << (firedAt - deadline) << " µs";
    EXPECT_EQ(whys_[0], "its deadline passed without Confirm");
    EXPECT_FALSE(checkpoints->open());
    EXPECT_FALSE(std::filesystem::exists(filePath()));
}

TEST_F(CheckpointsTest, AdjustMovesTheDeadlineAndSavesIt)
{
    auto checkpoints = make();
    ASSERT_EQ(checkpoints->create(60, 0).outcome, Checkpoints::Outcome::done);
    clock_ += 10 * second;
    EXPECT_EQ(checkpoints->adjust(0, 0).outcome, Checkpoints::Outcome::invalidTimeout);
    ASSERT_EQ(checkpoints->adjust(300, 0).outcome, Checkpoints::Outcome::done);
    EXPECT_EQ(checkpoints->open()->deadlineUsec, clock_ + 300 * second);
    auto restarted = make();
    restarted->start(stateDirectory(), RoutingTableNames());
    ASSERT_TRUE(restarted->open());
    EXPECT_EQ(restarted->open()->deadlineUsec, clock_ + 300 * second);
}

TEST_F(CheckpointsTest, AtStartOneWhoseDeadlinePassedIsRolledBackAtOnce)
{
    {
        auto before = make();
        ASSERT_EQ(before->create(60, 4242).outcome, Checkpoints::Outcome::done);
    } // ifpind dies: the file stays
    Checkpoint kept = *[&] {
        auto reader = make();
        clock_ += 30 * second;
        reader->start(stateDirectory(), RoutingTableNames());
        EXPECT_TRUE(rolledBack_.empty()) << "30 s of 60: still open";
        EXPECT_TRUE(reader->open());
        return reader->open();
    }();
    clock_ += 600 * second;
    auto restarted = make();
    restarted->start(stateDirectory(), RoutingTableNames());
    ASSERT_EQ(rolledBack_.size(), 1u);
    EXPECT_EQ(rolledBack_[0], kept);
    EXPECT_EQ(rolledBack_[0].snapshot, snapshotOf(500));
    EXPECT_THAT(whys_[0], HasSubstr("passed while ifpind was not running (570 s ago)"));
    EXPECT_FALSE(restarted->open());
    EXPECT_FALSE(std::filesystem::exists(filePath()));
    // Ids go on from the one found.
    ASSERT_EQ(restarted->create(60, 0).outcome, Checkpoints::Outcome::done);
    EXPECT_EQ(restarted->open()->id, 2u);
}

TEST_F(CheckpointsTest, AtStartADamagedFileOpensNothing)
{
    std::filesystem::create_directories(stateDirectory());
    std::ofstream(filePath()) << "{\"version\": 1, \"id\":";
    auto checkpoints = make();
    checkpoints->start(stateDirectory(), RoutingTableNames());
    EXPECT_FALSE(checkpoints->open());
    EXPECT_TRUE(rolledBack_.empty());
    EXPECT_TRUE(std::filesystem::exists(filePath())) << "left for a person to look at";
    ASSERT_EQ(checkpoints->create(60, 0).outcome, Checkpoints::Outcome::done) << "and replaced by the next";
}

} // namespace
} // namespace ifpin
