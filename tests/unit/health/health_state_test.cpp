// The thresholds and states of uplink health: a target goes down after down_after failures in a
// row and up after up_after successes, a family's state follows its targets, and what ifpind could
// not probe counts neither way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "health/health_state.hpp"

namespace ifpin {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

const ProbeResult ok{ProbeOutcome::ok, 410us, {}};
const ProbeResult timeout{ProbeOutcome::timeout, 0us, {}};
const ProbeResult cannotProbe{ProbeOutcome::error, 0us, "cannot open an ICMP socket"};
constexpr Thresholds three{3, 3};

FamilyHealth family(std::vector<std::string> labels)
{
    FamilyHealth health;
    health.setTargets(labels);
    return health;
}

TEST(TargetHealth, DownAfterFailuresInARowUpAfterSuccesses)
{
    TargetHealth target{"192.0.2.1"};
    EXPECT_FALSE(target.record(ok, three));
    EXPECT_FALSE(target.record(ok, three));
    EXPECT_EQ(target.status, TargetStatus::unknown);
    EXPECT_TRUE(target.record(ok, three));
    EXPECT_EQ(target.status, TargetStatus::up);
    EXPECT_EQ(target.lastRtt, 410us);
    EXPECT_FALSE(target.record(timeout, three));
    EXPECT_FALSE(target.record(timeout, three));
    EXPECT_EQ(target.status, TargetStatus::up);
    EXPECT_TRUE(target.record(timeout, three));
    EXPECT_EQ(target.status, TargetStatus::down);
    EXPECT_EQ(target.failuresInRow, 3u);
    EXPECT_EQ(target.lastRtt, 410us) << "the last RTT stays for the evidence";
}

TEST(TargetHealth, AFlappingTargetKeepsItsStatus)
{
    TargetHealth target{"192.0.2.1"};
    for (int i = 0; i < 3; ++i)
        target.record(ok, three);
    ASSERT_EQ(target.status, TargetStatus::up);
    // Two failures, one success, two failures, ...: never three in a row.
    for (int round = 0; round < 20; ++round) {
        EXPECT_FALSE(target.record(timeout, three));
        EXPECT_FALSE(target.record(timeout, three));
        EXPECT_FALSE(target.record(ok, three));
    }
    EXPECT_EQ(target.status, TargetStatus::up);
    // And down, it stays down while successes do not come three in a row.
    for (int i = 0; i < 3; ++i)
        target.record(timeout, three);
    ASSERT_EQ(target.status, TargetStatus::down);
    for (int round = 0; round < 20; ++round) {
        EXPECT_FALSE(target.record(ok, three));
        EXPECT_FALSE(target.record(ok, three));
        EXPECT_FALSE(target.record(timeout, three));
    }
    EXPECT_EQ(target.status, TargetStatus::down);
}

TEST(TargetHealth, EveryKindOfFailureCounts)
{
    for (ProbeOutcome outcome : {ProbeOutcome::timeout, ProbeOutcome::refused, ProbeOutcome::unreachable}) {
        TargetHealth target{"t"};
        target.record({outcome, 0us, {}}, {1, 1});
        EXPECT_EQ(target.status, TargetStatus::down) << probeOutcomeName(outcome);
    }
}

TEST(TargetHealth, WhatCouldNotBeProbedCountsNeitherWay)
{
    TargetHealth target{"192.0.2.1"};
    for (int i = 0; i < 3; ++i)
        target.record(timeout, three);
    ASSERT_EQ(target.status, TargetStatus::down);
    EXPECT_TRUE(target.record(cannotProbe, three));
    EXPECT_EQ(target.status, TargetStatus::unknown);
    EXPECT_EQ(target.failuresInRow, 0u);
    EXPECT_EQ(target.successesInRow, 0u);
}

TEST(FamilyHealth, StatesFromTheTargets)
{
    FamilyHealth health = family({"a", "b"});
    EXPECT_EQ(health.state(), HealthState::unknown);
    Thresholds once{1, 1};
    EXPECT_TRUE(health.record("a", ok, once));
    EXPECT_EQ(health.state(), HealthState::healthy);
    EXPECT_FALSE(health.record("b", ok, once));
    EXPECT_TRUE(health.record("a", timeout, once));
    EXPECT_EQ(health.state(), HealthState::degraded);
    EXPECT_TRUE(health.record("b", timeout, once));
    EXPECT_EQ(health.state(), HealthState::down);
    EXPECT_FALSE(health.record("nobody", ok, once)) << "not a target";
}

TEST(FamilyHealth, NoTargetIsUnknownWithTheReason)
{
    FamilyHealth health;
    health.setTargets({}, "no inet gateway known");
    EXPECT_EQ(health.state(), HealthState::unknown);
    EXPECT_EQ(health.problem(), "no inet gateway known");
    EXPECT_EQ(health.evidence(), "no inet gateway known");
}

TEST(FamilyHealth, NewTargetsKeepWhatIsKnownOfTheOldOnes)
{
    FamilyHealth health = family({"192.0.2.1"});
    for (int i = 0; i < 3; ++i)
        health.record("192.0.2.1", ok, three);
    ASSERT_EQ(health.state(), HealthState::healthy);
    health.setTargets({"192.0.2.1", "192.0.2.254"});
    EXPECT_EQ(health.state(), HealthState::healthy);
    EXPECT_EQ(health.targets()[0].status, TargetStatus::up);
    EXPECT_EQ(health.targets()[1].status, TargetStatus::unknown);
    // A gateway learned anew is a new target.
    health.setTargets({"192.0.2.9"});
    EXPECT_EQ(health.state(), HealthState::unknown);
}

TEST(FamilyHealth, ResetForgetsForAReason)
{
    FamilyHealth health = family({"192.0.2.1"});
    for (int i = 0; i < 3; ++i)
        health.record("192.0.2.1", timeout, three);
    ASSERT_EQ(health.state(), HealthState::down);
    health.reset("link media0 down");
    EXPECT_EQ(health.state(), HealthState::unknown);
    EXPECT_EQ(health.evidence(), "link media0 down");
    EXPECT_EQ(health.targets()[0].failuresInRow, 0u);
}

TEST(FamilyHealth, AProblemOfEveryTargetIsTheReason)
{
    FamilyHealth health = family({"a", "b"});
    health.record("a", cannotProbe, three);
    EXPECT_EQ(health.problem(), "") << "b has not failed that way (yet)";
    health.record("b", cannotProbe, three);
    EXPECT_EQ(health.problem(), "cannot open an ICMP socket");
    EXPECT_EQ(health.state(), HealthState::unknown);
    health.record("a", ok, three);
    EXPECT_EQ(health.problem(), "");
}

TEST(FamilyHealth, TheEvidenceNamesTargetsFailuresAndTheLastRtt)
{
    FamilyHealth health = family({"192.0.2.1", "192.0.2.254"});
    for (int i = 0; i < 3; ++i) {
        health.record("192.0.2.1", ok, three);
        health.record("192.0.2.254", timeout, three);
    }
    for (int i = 0; i < 3; ++i)
        health.record("192.0.2.1", timeout, three);
    EXPECT_EQ(health.evidence(), "192.0.2.1 down, 3 failures in a row, last timeout, last RTT 0.41 ms; "
                                 "192.0.2.254 down, 3 failures in a row, last timeout, never answered");
    health.record("192.0.2.1", ok, three);
    EXPECT_THAT(health.evidence(), HasSubstr("192.0.2.1 down, 1 success in a row, last ok in 0.41 ms"));
}

TEST(ProbeResult, Described)
{
    EXPECT_EQ(describe(ok), "ok in 0.41 ms");
    EXPECT_EQ(describe(timeout), "timeout");
    EXPECT_EQ(describe({ProbeOutcome::unreachable, 0us, "No route to host"}), "unreachable (No route to host)");
    EXPECT_EQ(describe({ProbeOutcome::ok, 0us, "neighbour REACHABLE"}), "ok (neighbour REACHABLE)");
    EXPECT_EQ(healthStateName(HealthState::degraded), "degraded");
    EXPECT_EQ(targetStatusName(TargetStatus::down), "down");
}

} // namespace
} // namespace ifpin
