// What the attack suites share (tests/attacks/README.md): a lab, a private bus and ifpind on it
// (BusLabTest), the broker's raw client and the account helpers of the Broker suite, and ifpind
// restricted as its unit restricts it (systemd/ifpind.service.in): CAP_NET_ADMIN alone, 1024 files.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "broker_test_support.hpp"
#include "dbus_test_support.hpp"
#include "lab_fixture.hpp"

namespace ifpin::lab::attack {

using namespace broker_test;

// The capabilities and descriptor limit of ifpind.service: the attacks of issue #15 were made
// against an ifpind restricted so, and some (descriptors in flight) only work against it, since root
// with CAP_SYS_RESOURCE is not held to its RLIMIT_NOFILE for descriptors in flight.
inline std::vector<std::string> asTheUnitRunsIt(int openFiles = 1024)
{
    return {"prlimit", "--nofile=" + std::to_string(openFiles) + ":" + std::to_string(openFiles), "--",
            "setpriv", "--inh-caps=-all", "--bounding-set=-all,+net_admin", "--"};
}

class AttackTest : public BusLabTest {
protected:
    void SetUp() override
    {
        BusLabTest::SetUp();
        if (HasFatalFailure())
            return;
        // The test uids must reach the broker socket in the scratch directory.
        ASSERT_EQ(chmod(scratch().path().c_str(), 0755), 0) << strerror(errno);
        socketPath_ = scratch().path() + "/ifpind.sock";
        setenv("IFPIN_SOCKET", socketPath_.c_str(), 1);
    }

    // media at 100 and mgmt at 1000 (mgmt allowed to group 4243), both gateways configured.
    std::string config(const std::string &extraDaemon = "", const std::string &mgmtExtra = "") const
    {
        return daemonSection() + extraDaemon +
               "\n[role.media]\ninterface = \"media0\"\nmetric = 100\n"
               "gateway4 = \"192.0.2.1\"\ngateway6 = \"2001:db8:1::1\"\n"
               "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = 1000\n"
               "gateway4 = \"198.51.100.1\"\ngateway6 = \"2001:db8:2::1\"\n"
               "allow_groups = [\"" + std::to_string(allowedGroup) + "\"]\n" + mgmtExtra;
    }

    // Starts ifpind (restricted as its unit restricts it when `restricted`) and waits until it is
    // ready, owns org.ifpin1 and serves its broker socket.
    ::testing::AssertionResult start(const std::string &toml, bool restricted = true)
    {
        if (restricted)
            daemon().setLauncher(asTheUnitRunsIt());
        daemon().start(lab(), toml);
        if (!daemon().waitReady(10s))
            return ::testing::AssertionFailure() << "ifpind did not become ready:\n" << daemon().log();
        if (!eventually([&] { return bus().hasIfpind(); }))
            return ::testing::AssertionFailure() << "org.ifpin1 has no owner";
        if (!eventually([&] { return std::filesystem::exists(socketPath_); }))
            return ::testing::AssertionFailure() << "no broker socket at " << socketPath_;
        return ::testing::AssertionSuccess();
    }

    // `ifpind --check-config --config PATH`, bounded: a check that blocks is a failure too.
    CommandResult checkConfig(const std::string &path, std::chrono::milliseconds deadline = 10s)
    {
        return runCommand({requiredEnv("IFPIND"), "--check-config", "--config", path}, deadline);
    }

    // The lines of ifpind's log (this run) that start with text. ifpind's own lines start with
    // spdlog's "[date time] [ifpind] [level]": a line that starts otherwise was forged.
    size_t linesStartingWith(const std::string &text)
    {
        size_t count = 0;
        std::istringstream in(daemon().log());
        for (std::string line; std::getline(in, line);)
            count += line.rfind(text, 0) == 0;
        return count;
    }

    std::string socketPath_;
};

} // namespace ifpin::lab::attack
