// The Broker suite's fixture (broker_test.cpp, broker_load_test.cpp): a lab whose ifpind serves
// media (root only) and mgmt (root and group 4243) on a broker socket in the test's scratch
// directory, IFPIN_SOCKET pointing at it, and checks that a daemon is healthy after abuse.
#pragma once

#include <filesystem>
#include <string>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <ifpin/ifpin.h>
#include <ifpin/ifpin.hpp>

#include "broker_test_support.hpp"
#include "lab_fixture.hpp"

namespace ifpin::lab::broker_test {

class Broker : public LabTest {
protected:
    void SetUp() override
    {
        LabTest::SetUp();
        if (HasFatalFailure())
            return;
        // Unprivileged users (setpriv) must reach the daemon's socket in the scratch directory.
        ASSERT_EQ(chmod(scratch().path().c_str(), 0755), 0) << strerror(errno);
        socketPath_ = scratch().path() + "/ifpind.sock";
        // For libifpin in this process and in every command the tests run (they inherit it).
        setenv("IFPIN_SOCKET", socketPath_.c_str(), 1);
        ASSERT_NO_THROW({
            ifpinctl_ = requiredEnv("IFPINCTL");
            udpProbe_ = requiredEnv("IFPIN_UDP_PROBE");
            boundSocketProbe_ = requiredEnv("IFPIN_BOUND_SOCKET_PROBE");
            requiredEnv("IFPIN_PRELOAD"); // ifpinctl reads it: the shim of this build
        });
    }

    // media at 100 (root only), mgmt at 1000 for root and group 4243.
    std::string config() const
    {
        return daemonSection() +
               "\n[role.media]\ninterface = \"media0\"\nmetric = 100\ngateway4 = \"192.0.2.1\"\n"
               "gateway6 = \"2001:db8:1::1\"\n"
               "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = 1000\ngateway4 = \"198.51.100.1\"\n"
               "gateway6 = \"2001:db8:2::1\"\nallow_users = [\"root\"]\nallow_groups = [\"" +
               std::to_string(allowedGroup) + "\"]\n";
    }

    // Starts ifpind and waits until it is ready, serves the broker and routes both families.
    void startDaemon()
    {
        daemon().start(lab(), config());
        ASSERT_TRUE(daemon().waitReady()) << "ifpind not ready";
        ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socketPath_); })) << "no broker socket";
        ASSERT_TRUE(eventually([&] { return curl(server4).out == "media\n" && curl(server6).out == "media\n"; },
                               [&] { return lab().describeState(); }, 10s));
    }

    CommandResult curl(const std::string &address, const std::string &prefix = "")
    {
        return lab().shell(prefix + "curl -s -g -m 5 " + url(address));
    }
    // The preload shim's `ifpinctl exec` (kernel pinning has its own suites, pinning_test.cpp): this
    // ifpind runs without cgroup v2 or a bpf filesystem.
    std::string exec(const std::string &role) const { return quote(ifpinctl_) + " exec --preload " + role + " -- "; }
    std::string udpProbe(const std::string &address, bool flags = false) const
    {
        return quote(udpProbe_) + (flags ? " -n " : " ") + address + " 7";
    }

    // ifpind's open descriptors once it serves, after one good request (for the abuse tests).
    void startAndMeasure()
    {
        startDaemon();
        if (HasFatalFailure())
            return;
        ASSERT_EQ(processName(daemon().pid()), "ifpind") << "the daemon's pid is not ifpind's";
        ASSERT_GE(ifpin::Socket(ifpin_socket("mgmt", AF_INET, SOCK_DGRAM, 0)).get(), 0) << ifpin_strerror_last();
        // Once ifpind has seen that connection go: its count stays put for a while.
        ASSERT_TRUE(eventually([&] {
            baseline_ = openFdCount(daemon().pid());
            return holdsFor([&] { return openFdCount(daemon().pid()) == baseline_; }, [] { return ""; }, 300ms);
        }));
    }

    // After abuse: a normal request is served, and ifpind is back to the descriptors it had.
    void expectHealthy()
    {
        ASSERT_TRUE(daemon().running()) << "ifpind exited";
        ifpin::Socket socket(ifpin_socket("mgmt", AF_INET, SOCK_STREAM, 0));
        EXPECT_GE(socket.get(), 0) << ifpin_strerror_last();
        EXPECT_EQ(httpGet(std::move(socket), server4), "mgmt\n");
        EXPECT_TRUE(eventually([&] { return openFdCount(daemon().pid()) <= baseline_; },
                               [&] { return describeFds(daemon().pid(), baseline_); }, 10s));
    }

    std::string socketPath_, ifpinctl_, udpProbe_, boundSocketProbe_;
    size_t baseline_ = 0;
};

} // namespace ifpin::lab::broker_test
