// The fixtures of the polkit suites (dbus_polkit_test.cpp, dbus_fake_polkit_test.cpp). D-Bus
// authorisation with polkit (docs/dbus-api.md, "Access control"; issue #15, item 1): ifpind asks
// polkit with the caller's bus name as subject, asynchronously, and decides by itself (root, or
// admin_group) only when polkit is absent. Against Debian's polkitd on the private bus, with ifpin's
// actions and rules (polkit/), and against a fake authority (fake_polkit.cpp) for polkit slow,
// silent or failing. ifpind runs in the bus's mount namespace, so that it finds the test accounts
// by NSS as polkitd does.
#pragma once

#include <csignal>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "dbus_test_support.hpp"

namespace ifpin::lab {

inline const std::string adminGroup = "admin_group = \"ifpin-test-admin\"\n"; // gid 4343, by name: polkit's rule needs one

inline bool has(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

inline size_t countOf(const std::string &text, const std::string &part)
{
    size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++count;
    return count;
}

class DbusPolkit : public BusLabTest {
protected:
    PrivateBusOptions busOptions() const override { return {true, true, {}}; }

    ::testing::AssertionResult startInBusNamespace(const std::string &extraDaemon = adminGroup)
    {
        daemon().setLauncher(bus().inItsMountNamespace());
        return startDaemon(standardConfig(1000, extraDaemon));
    }

    CommandResult setMetric(const Caller &caller, uint32_t metric, bool interactive = false)
    {
        return callAs("mgmt", "SetMetric", {"u", std::to_string(metric)}, caller, interactive);
    }

    CommandResult callAs(const std::string &role, const std::string &method, std::vector<std::string> args,
                         const Caller &caller, bool interactive)
    {
        std::vector<std::string> argv{"--allow-interactive-authorization=" + std::string(interactive ? "yes" : "no"),
                                      "call", "org.ifpin1", "/org/ifpin1/role/" + role, "org.ifpin1.Role", method};
        argv.insert(argv.end(), args.begin(), args.end());
        return bus().busctl(argv, caller);
    }
};

// The fake authority for the cases that need polkit to misbehave: a bus with polkitd's policy, no
// polkitd, and fake_polkit as user polkitd.
class DbusFakePolkit : public DbusPolkit {
protected:
    PrivateBusOptions busOptions() const override { return {false, true, {}}; }

    void TearDown() override
    {
        if (fakePid_ > 0)
            kill(fakePid_, SIGKILL);
        if (HasFailure())
            std::cout << "==== fake_polkit ====\n" << fakeLog() << "==== end ====\n";
        DbusPolkit::TearDown();
    }

    ::testing::AssertionResult startFake(const std::string &answer, int delayMs)
    {
        fakeLogPath_ = scratch().path() + "/fake_polkit.log";
        auto started = lab().shell("setpriv --reuid=polkitd --regid=polkitd --clear-groups " +
                                   requiredEnv("IFPIN_FAKE_POLKIT") + " --answer '" + answer + "' --delay-ms " +
                                   std::to_string(delayMs) + " >" + fakeLogPath_ + " 2>&1 </dev/null & echo $!");
        if (!started.ok())
            return ::testing::AssertionFailure() << started.describe();
        fakePid_ = std::stoi(started.out);
        return eventually([&] { return has(fakeLog(), "serving"); }, [&] { return fakeLog(); });
    }

    std::string fakeLog() const
    {
        std::ifstream in(fakeLogPath_);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    std::string fakeLogPath_;
    pid_t fakePid_ = -1;
};

} // namespace ifpin::lab
