// The fixture of the kernel pinning suites (pinning_test.cpp, pinning_bus_test.cpp): a lab with a
// bpf filesystem and a cgroup v2 subtree of its own (`lab.sh pinning-up`), mounted for ifpind as
// /sys/fs/bpf and as its cgroup v2 hierarchy (`lab.sh pinning-exec`), so that parallel tests never
// share a pin or a cgroup and nothing is left on the host. ifpind serves media (root only) and mgmt
// (root and group 4243) on a broker socket in the test's scratch directory.
//
// Without cgroup v2 or a bpf filesystem the tests fail, naming what is missing; they never skip.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker_test_support.hpp"
#include "lab_fixture.hpp"

namespace ifpin::lab::pinning_test {

using namespace broker_test;

// What a kernel pinning test sets up, for any base fixture (LabTest, BusLabTest).
template <typename Base>
class PinningFixture : public Base {
protected:
    void SetUp() override
    {
        Base::SetUp();
        if (this->HasFatalFailure())
            return;
        ASSERT_EQ(chmod(this->scratch().path().c_str(), 0755), 0) << strerror(errno);
        socketPath_ = this->scratch().path() + "/ifpind.sock";
        setenv("IFPIN_SOCKET", socketPath_.c_str(), 1);
        ASSERT_NO_THROW({
            ifpinctl_ = requiredEnv("IFPINCTL");
            loop_ = requiredEnv("IFPIN_PINNED_LOOP");
            escape_ = requiredEnv("IFPIN_PIN_ESCAPE");
            httpStatic_ = requiredEnv("IFPIN_HTTP_GET_STATIC");
            httpSyscallStatic_ = requiredEnv("IFPIN_HTTP_GET_SYSCALL_STATIC");
        });
        try {
            paths_ = this->lab().pinningUp();
        } catch (const std::exception &error) {
            FAIL() << "kernel pinning needs cgroup v2 and a bpf filesystem, and this host cannot give the "
                      "lab either: "
                   << error.what();
        }
        this->daemon().setLauncher(this->lab().pinningLauncher("unified"));
    }

    // media at 100 (root only), mgmt at 1000 for root and group 4243.
    std::string config(const std::string &roles = "media mgmt") const
    {
        std::string text = this->daemonSection();
        if (roles.find("media") != std::string::npos)
            text += "\n[role.media]\ninterface = \"media0\"\nmetric = 100\ngateway4 = \"192.0.2.1\"\n"
                    "gateway6 = \"2001:db8:1::1\"\n";
        if (roles.find("mgmt") != std::string::npos)
            text += "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = 1000\ngateway4 = \"198.51.100.1\"\n"
                    "gateway6 = \"2001:db8:2::1\"\nallow_users = [\"root\"]\nallow_groups = [\"" +
                    std::to_string(allowedGroup) + "\"]\n";
        return text;
    }

    CommandResult curl(const std::string &address, const std::string &prefix = "")
    {
        return this->lab().shell(prefix + "curl -s -g -m 5 " + url(address));
    }
    std::string exec(const std::string &role) const { return quote(ifpinctl_) + " exec " + role + " -- "; }

    // `sh -c` in the lab's host network namespace with this process's mounts (nsenter, not `ip
    // netns exec`, which mounts a /sys of its own): for what must see the cgroup tree.
    CommandResult hostShell(const std::string &command)
    {
        return runCommand({"nsenter", "--net=/run/netns/" + this->lab().hostNamespace(), "/bin/sh", "-c", command});
    }

    // ifpind's own cgroup of role, here; and as /proc/PID/cgroup names it.
    std::string roleCgroup(const std::string &role) const { return paths_.cgroup + "/ifpin/" + role; }
    std::string roleCgroupSeen(const std::string &role) const
    {
        return "/" + std::filesystem::path(paths_.cgroup).filename().string() + "/ifpin/" + role;
    }
    std::string pin(const std::string &name) const { return paths_.bpffs + "/ifpin/" + name; }

    // The id of the program pinned for role, as the kernel says (bpftool); 0 when there is none.
    int programId(const std::string &role) const
    {
        auto shown = runCommand({"bpftool", "-j", "prog", "show", "pinned", pin(role)});
        if (!shown.ok())
            return 0;
        return nlohmann::json::parse(shown.out).value("id", 0);
    }

    // A pinned_loop (a new connection to the lab's server every 200 ms) started in the background
    // under `prefix` (e.g. an exec of ifpinctl), one line per attempt in a file; stopped by stop().
    class Loop {
    public:
        Loop(PinningFixture &test, const std::string &prefix) : test_(test)
        {
            output_ = test.scratch().path() + "/loop-" + std::to_string(++counter_) + ".out";
            stop_ = output_ + ".stop";
            auto started = test.lab().shell(prefix + quote(test.loop_) + " " + server4 + " 200 " + quote(stop_) +
                                            " >" + quote(output_) + " 2>&1 </dev/null &");
            EXPECT_TRUE(started.ok()) << started.describe();
        }
        ~Loop() { stop(); }

        std::vector<std::string> lines() const
        {
            std::ifstream in(output_);
            std::vector<std::string> out;
            for (std::string line; std::getline(in, line);)
                out.push_back(line);
            return out;
        }
        std::string text() const
        {
            std::string out;
            for (const auto &line : lines())
                out += line + "\n";
            return out;
        }
        // Waits until a line from index `from` on contains needle; its index, or -1.
        long waitFor(const std::string &needle, size_t from = 0, std::chrono::milliseconds deadline = 10s) const
        {
            long found = -1;
            eventually(
                [&] {
                    auto all = lines();
                    for (size_t i = from; i < all.size(); ++i)
                        if (all[i].find(needle) != std::string::npos) {
                            found = long(i);
                            return true;
                        }
                    return false;
                },
                deadline);
            return found;
        }
        void stop()
        {
            if (stopped_)
                return;
            stopped_ = true;
            std::ofstream(stop_).put('\n');
            eventually([&] { return test_.lab().run("pgrep -f " + quote(stop_) + " >/dev/null") != 0; }, 5s);
        }

    private:
        PinningFixture &test_;
        std::string output_, stop_;
        bool stopped_ = false;
        static inline int counter_ = 0;
    };

    std::string socketPath_, ifpinctl_, loop_, escape_, httpStatic_, httpSyscallStatic_;
    Lab::PinningPaths paths_;
};

} // namespace ifpin::lab::pinning_test
