// Only in builds with AddressSanitizer (tools/run-sanitized-tests.sh): the leak check that every
// integration test makes of ifpind's log (LabTest::TearDown) can fail. ifpind runs with a library
// preloaded that leaks one block (tests/sanitizers/planted_leak.c); LeakSanitizer must report it
// at exit, with a non-zero exit status, and sanitizerReportIn() must find the report.
#include <string>

#include <gtest/gtest.h>

#include "lab_fixture.hpp"

namespace ifpin::lab {
namespace {

class Sanitizers : public LabTest {};

TEST_F(Sanitizers, PlantedLeakInIfpindIsReported)
{
    // Its own DaemonProcess: the fixture's would (rightly) fail this test at TearDown.
    DaemonProcess leaky;
    // Through env, so that only ifpind gets the library, not `ip netns exec` (not sanitized).
    leaky.setLauncher({"env", "LD_PRELOAD=" + requiredEnv("IFPIN_PLANTED_LEAK")});
    leaky.start(lab(), daemonSection() + "\n[role.media]\ninterface = \"media0\"\nmetric = 100\n");
    ASSERT_TRUE(leaky.waitReady()) << leaky.allLogs();
    const int status = leaky.stop();

    EXPECT_EQ(sanitizerReportIn(leaky.allLogs()), "ERROR: LeakSanitizer") << leaky.allLogs();
    EXPECT_NE(leaky.allLogs().find("4242 byte(s)"), std::string::npos) << "not the planted block:\n"
                                                                       << leaky.allLogs();
    EXPECT_NE(status, 0) << "LeakSanitizer reported, yet ifpind exited 0";
}

} // namespace
} // namespace ifpin::lab
