// Checkpoints (issue #17, docs/dbus-api.md "Checkpoints"): a change made under a checkpoint is rolled
// back at its deadline unless confirmed, checked on the kernel's routes, the role properties, the
// CheckpointRolledBack signal and the files of the state directory; across SIGKILL and restarts, for
// callers who may not, and through ifpinctl --confirm-within.
#include <poll.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sdbus-c++/sdbus-c++.h>

#include "dbus_test_support.hpp"

namespace ifpin::lab {
namespace {

uint64_t realtimeMicroseconds()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
}

// CheckpointRolledBack signals, recorded from the moment the constructor returns (sd-bus waits for
// AddMatch's reply).
class RolledBackRecorder {
public:
    explicit RolledBackRecorder(const PrivateBus &bus)
        : connection_(sdbus::createSessionBusConnectionWithAddress(bus.address()))
    {
        slot_ = connection_->addMatch("type='signal',sender='org.ifpin1',path='/org/ifpin1',"
                                      "interface='org.ifpin1.Manager',member='CheckpointRolledBack'",
                                      [this](sdbus::Message &message) {
                                          sdbus::ObjectPath path;
                                          message >> path;
                                          paths_.push_back(path);
                                      });
    }

    // Waits up to deadline for a signal naming path.
    bool waitFor(const std::string &path, std::chrono::milliseconds deadline = 5s)
    {
        auto until = std::chrono::steady_clock::now() + deadline;
        while (true) {
            while (connection_->processPendingRequest()) {
            }
            for (const auto &seen : paths_)
                if (seen == path)
                    return true;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            auto data = connection_->getEventLoopPollData();
            pollfd fd{data.fd, data.events, 0};
            ::poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
        }
    }
    std::string describe() const
    {
        std::string out = std::to_string(paths_.size()) + " CheckpointRolledBack signal(s):";
        for (const auto &path : paths_)
            out += " " + path;
        return out;
    }

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    sdbus::Slot slot_;
    std::vector<std::string> paths_;
};

class Checkpoint : public BusLabTest {
protected:
    static bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

    std::string stateDirectory() const { return scratch().path() + "/state"; }
    std::string checkpointFile() const { return stateDirectory() + "/checkpoint.json"; }
    std::string keptConfigFile() const { return stateDirectory() + "/checkpoint-config.toml"; }

    // busctl ARGS... (trailing newline removed), as caller; "<error>" when it failed.
    std::string busctlValue(std::vector<std::string> args, const Caller &caller = Caller::root())
    {
        auto result = bus().busctl(args, caller);
        std::string out = result.out;
        while (!out.empty() && out.back() == '\n')
            out.pop_back();
        return result.ok() ? out : "<" + result.describe() + ">";
    }

    // CheckpointCreate(timeout): the new checkpoint's path; fails the test when refused.
    std::string createCheckpoint(uint32_t timeout)
    {
        std::string out = busctlValue({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "CheckpointCreate",
                                       "u", std::to_string(timeout)});
        EXPECT_EQ(out.rfind("o \"/org/ifpin1/checkpoint/", 0), 0u) << out;
        return out.size() > 3 ? out.substr(3, out.size() - 4) : out;
    }

    std::string openCheckpoint()
    {
        return busctlValue({"get-property", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "Checkpoint"});
    }

    uint64_t deadlineOf(const std::string &path)
    {
        std::string out = busctlValue({"get-property", "org.ifpin1", path, "org.ifpin1.Checkpoint", "Deadline"});
        EXPECT_EQ(out.rfind("t ", 0), 0u) << out;
        return out.rfind("t ", 0) == 0 ? std::stoull(out.substr(2)) : 0;
    }

    // A method of the checkpoint object through dbus-send, which prints an error's name.
    CommandResult callCheckpoint(const std::string &path, const std::string &method, std::vector<std::string> args = {},
                                 const Caller &caller = Caller::root())
    {
        std::vector<std::string> argv{"--dest=org.ifpin1", path, "org.ifpin1.Checkpoint." + method};
        argv.insert(argv.end(), args.begin(), args.end());
        return bus().dbusSend(argv, caller);
    }

    CommandResult ifpinctl(std::vector<std::string> args)
    {
        std::vector<std::string> argv{requiredEnv("IFPINCTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        return runCommand(argv, 30s);
    }

    static std::string readFile(const std::string &path)
    {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    // runtime.json's roles ({} when there is no runtime change).
    nlohmann::json runtimeRoles() { return nlohmann::json::parse(readFile(statePath())).at("roles"); }

    // mgmt on other0, via the gateways there: both families at 1000, nothing left on mgmt0.
    bool mgmtOnOther0()
    {
        return routesOnAre("other0", Family::inet, {ifpindRoute("other0", "203.0.113.66", 1000)}) &&
               routesOnAre("other0", Family::inet6, {ifpindRoute("other0", "2001:db8:3::1", 1000)}) &&
               routesOnAre("mgmt0", Family::inet, {}) && routesOnAre("mgmt0", Family::inet6, {});
    }
    // mgmt back on mgmt0 at 1000, nothing of ours left on other0.
    bool mgmtBackOnMgmt0()
    {
        return mgmtRoutesAt(1000) && routesOnAre("other0", Family::inet, {}) && routesOnAre("other0", Family::inet6, {});
    }

    // Return routing's rules of ifpind (protocol 241) in one family, in priority order, as
    // "32002: from 198.51.100.2 lookup 1002".
    std::vector<std::string> ownRules(Family family)
    {
        auto result = lab().shell("ip -N -j -f " + std::string(familyName(family)) + " rule show");
        std::vector<std::string> out;
        if (!result.ok())
            return {"<" + result.describe() + ">"};
        for (const auto &rule : nlohmann::json::parse(result.out))
            if (rule.value("protocol", "") == "241")
                out.push_back(std::to_string(rule.value("priority", 0)) + ": from " + rule.value("src", "all") +
                              " lookup " + rule.value("table", "?"));
        return out;
    }
    // mgmt's rules (priority 32002, table 1002) from the host's address of family on its interface,
    // after the main rule and media's.
    bool mgmtRulesFrom(const std::string &address4, const std::string &address6)
    {
        return ownRules(Family::inet) == std::vector<std::string>{"32000: from all lookup 254",
                                                                 "32001: from 192.0.2.2 lookup 1001",
                                                                 "32002: from " + address4 + " lookup 1002"} &&
               ownRules(Family::inet6) == std::vector<std::string>{"32000: from all lookup 254",
                                                                  "32001: from 2001:db8:1::2 lookup 1001",
                                                                  "32002: from " + address6 + " lookup 1002"};
    }
    // mgmt's reply table 1002: its default routes alone.
    bool mgmtReplyTableIs(const std::string &dev, const std::string &gateway4, const std::string &gateway6)
    {
        auto only = [&](Family family, const std::string &gateway) {
            auto routes = lab().defaultRoutes(family, "1002");
            return routes.size() == 1 && routes[0].dev == dev && routes[0].gateway == gateway;
        };
        return only(Family::inet, gateway4) && only(Family::inet6, gateway6);
    }
    std::string describeRules()
    {
        std::string out = "ifpind's rules (inet):";
        for (const auto &rule : ownRules(Family::inet))
            out += "\n  " + rule;
        out += "\nifpind's rules (inet6):";
        for (const auto &rule : ownRules(Family::inet6))
            out += "\n  " + rule;
        out += "\ntable 1002:" + describe(lab().defaultRoutes(Family::inet, "1002")) +
               describe(lab().defaultRoutes(Family::inet6, "1002"));
        return out;
    }

    // Waits until condition holds, at most until deadline + 1 s of the wall clock (and 5 s more when
    // the deadline is far); how long after the deadline it first held, in ms (-1: never).
    int64_t heldAfterDeadline(const std::function<bool()> &condition, uint64_t deadline)
    {
        int64_t after = -1;
        uint64_t wait = deadline > realtimeMicroseconds() ? deadline - realtimeMicroseconds() : 0;
        eventually(
            [&] {
                if (!condition())
                    return false;
                after = (static_cast<int64_t>(realtimeMicroseconds()) - static_cast<int64_t>(deadline)) / 1000;
                return true;
            },
            std::chrono::milliseconds(wait / 1000 + 3000));
        // For the JUnit XML and the report: how close to the deadline the rollback came.
        RecordProperty("ms_after_deadline", std::to_string(after));
        return after;
    }

    // Waits (polling) until the wall clock is past usec.
    static bool wallClockPasses(uint64_t usec)
    {
        return eventually([&] { return realtimeMicroseconds() > usec; }, 30s);
    }
};

TEST_F(Checkpoint, DeadlinePassedRollsBackSetInterface)
{
    // mgmt learns its IPv4 gateway from a DHCP-style route, as the README's mgmt does; IPv6 configured.
    ASSERT_TRUE(startDaemon(daemonSection() +
                            "\n[role.media]\ninterface = \"media0\"\nmetric = 100\n"
                            "gateway4 = \"192.0.2.1\"\ngateway6 = \"2001:db8:1::1\"\n"
                            "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = 1000\ngateway6 = \"2001:db8:2::1\"\n"));
    lab().output("ip route add default via 198.51.100.1 dev mgmt0 metric 0 proto dhcp");
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    ASSERT_EQ(roleProperty("mgmt", "Gateway4Learned"), "b true");
    RolledBackRecorder recorder(bus());

    std::string path = createCheckpoint(60);
    ASSERT_TRUE(std::filesystem::exists(checkpointFile())) << "saved before CheckpointCreate returned";
    EXPECT_EQ(openCheckpoint(), "o \"" + path + "\"");
    EXPECT_EQ(busctlValue({"get-property", "org.ifpin1", path, "org.ifpin1.Checkpoint", "Creator"}), "u 0");
    uint64_t firstDeadline = deadlineOf(path);
    EXPECT_NEAR(static_cast<double>(firstDeadline), static_cast<double>(realtimeMicroseconds() + 60000000), 5e6);

    // The change that takes the path away: mgmt to the lab's other interface (IPv6 gateway set there
    // first, the IPv4 one learned from a DHCP route on it).
    ASSERT_TRUE(callRole("mgmt", "SetGateway", {"ss", "inet6", "2001:db8:3::1"}).ok());
    lab().output("ip route add default via 203.0.113.66 dev other0 metric 5 proto dhcp");
    auto moved = callRole("mgmt", "SetInterface", {"s", "other0"});
    ASSERT_TRUE(moved.ok()) << moved.describe();
    ASSERT_TRUE(eventually([&] { return mgmtOnOther0(); }, [&] { return describeRoutes(); }));
    EXPECT_EQ(roleProperty("mgmt", "Interface"), "s \"other0\"");

    // A short timeout for the test: the deadline moves to 2 s from now.
    auto adjusted = callCheckpoint(path, "AdjustTimeout", {"uint32:2"});
    ASSERT_TRUE(adjusted.ok()) << adjusted.describe();
    uint64_t deadline = deadlineOf(path);
    EXPECT_LT(deadline, firstDeadline);
    uint64_t now = realtimeMicroseconds();
    ASSERT_GT(deadline, now + 500000) << "less than 0.5 s left to watch";
    EXPECT_TRUE(holdsFor([&] { return mgmtOnOther0(); }, [&] { return describeRoutes(); },
                         std::chrono::milliseconds((deadline - now) / 1000 - 300)))
        << "rolled back before the deadline";

    int64_t after = heldAfterDeadline([&] { return mgmtBackOnMgmt0() && roleProperty("mgmt", "Interface") == "s \"mgmt0\""; },
                                      deadline);
    EXPECT_GE(after, 0) << "not rolled back; " << describeRoutes() << "\nInterface " << roleProperty("mgmt", "Interface");
    EXPECT_LE(after, 1000) << "rolled back " << after << " ms after the deadline";
    EXPECT_EQ(roleProperty("mgmt", "Gateway4"), "s \"198.51.100.1\"");
    EXPECT_EQ(roleProperty("mgmt", "Gateway4Learned"), "b true") << "the gateway learned before, on mgmt0";
    EXPECT_EQ(roleProperty("mgmt", "Gateway6"), "s \"2001:db8:2::1\"");
    EXPECT_TRUE(eventually([&] { return roleProperty("mgmt", "State") == "s \"enforced\""; },
                           [&] { return roleProperty("mgmt", "State"); }));
    EXPECT_TRUE(recorder.waitFor(path)) << recorder.describe();

    // The state directory says so: no runtime change left, no checkpoint open.
    EXPECT_EQ(runtimeRoles(), nlohmann::json::object()) << readFile(statePath());
    EXPECT_FALSE(std::filesystem::exists(checkpointFile()));
    EXPECT_EQ(openCheckpoint(), "o \"/\"");
    EXPECT_TRUE(has(daemon().log(), "rolled back, its deadline passed without Confirm: role mgmt: interface other0 -> "
                                    "mgmt0, gateway6 2001:db8:3::1 -> 2001:db8:2::1"))
        << daemon().log();
    auto gone = callCheckpoint(path, "Confirm");
    EXPECT_TRUE(has(gone.err, "org.freedesktop.DBus.Error.UnknownObject")) << gone.describe();
}

// Return routing (#13) follows the policy after each reconcile, so a rollback brings its rules and
// reply routes back with the role: mgmt moved to other0 took its rules to other0's addresses and its
// reply table to other0's gateways; at the deadline both are mgmt0's again.
TEST_F(Checkpoint, DeadlinePassedRollsBackTheReturnRoutingRules)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    ASSERT_TRUE(eventually([&] { return mgmtRulesFrom("198.51.100.2", "2001:db8:2::2") &&
                                        mgmtReplyTableIs("mgmt0", "198.51.100.1", "2001:db8:2::1"); },
                           [&] { return describeRules(); }));

    std::string path = createCheckpoint(60);
    ASSERT_TRUE(callRole("mgmt", "SetGateway", {"ss", "inet", "203.0.113.66"}).ok());
    ASSERT_TRUE(callRole("mgmt", "SetGateway", {"ss", "inet6", "2001:db8:3::1"}).ok());
    ASSERT_TRUE(callRole("mgmt", "SetInterface", {"s", "other0"}).ok());
    ASSERT_TRUE(eventually([&] { return mgmtRulesFrom("203.0.113.65", "2001:db8:3::2") &&
                                        mgmtReplyTableIs("other0", "203.0.113.66", "2001:db8:3::1"); },
                           [&] { return describeRules(); }));

    auto adjusted = callCheckpoint(path, "AdjustTimeout", {"uint32:1"});
    ASSERT_TRUE(adjusted.ok()) << adjusted.describe();
    uint64_t deadline = deadlineOf(path);
    int64_t after = heldAfterDeadline(
        [&] {
            return mgmtRulesFrom("198.51.100.2", "2001:db8:2::2") &&
                   mgmtReplyTableIs("mgmt0", "198.51.100.1", "2001:db8:2::1") && mgmtBackOnMgmt0();
        },
        deadline);
    EXPECT_GE(after, 0) << "not rolled back; " << describeRules() << "\n" << describeRoutes();
    EXPECT_LE(after, 1000) << "rolled back " << after << " ms after the deadline";
    EXPECT_EQ(roleProperty("mgmt", "Interface"), "s \"mgmt0\"");
    EXPECT_EQ(runtimeRoles(), nlohmann::json::object()) << readFile(statePath());
}

TEST_F(Checkpoint, ConfirmKeepsTheChangeAlsoAfterARestart)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    std::string path = createCheckpoint(3);
    uint64_t deadline = deadlineOf(path);
    ASSERT_TRUE(callRole("mgmt", "SetMetric", {"u", "500"}).ok());
    ASSERT_TRUE(mgmtRoutesBecome(500));

    auto confirmed = callCheckpoint(path, "Confirm");
    ASSERT_TRUE(confirmed.ok()) << confirmed.describe();
    EXPECT_FALSE(std::filesystem::exists(checkpointFile()));
    EXPECT_TRUE(eventually([&] { return openCheckpoint() == "o \"/\""; }, [&] { return openCheckpoint(); }));
    EXPECT_TRUE(eventually([&] { return !bus().busctl({"introspect", "org.ifpin1", path}).ok(); }))
        << "the checkpoint object stays";

    // Past the deadline, and after a restart, the change stays.
    uint64_t now = realtimeMicroseconds();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(500); }, [&] { return describeRoutes(); },
                         std::chrono::milliseconds((deadline > now ? (deadline - now) / 1000 : 0) + 1000)));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 500");
    EXPECT_EQ(daemon().stop(), 0);
    ASSERT_TRUE(startDaemon(standardConfig()));
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(500); }, [&] { return describeRoutes(); }, 500ms));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 500");
    EXPECT_EQ(openCheckpoint(), "o \"/\"");
    EXPECT_FALSE(has(daemon().allLogs(), "rolled back")) << daemon().allLogs();
}

TEST_F(Checkpoint, SigkillThenRestartAfterTheDeadlineRollsBackAtStart)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    std::string path = createCheckpoint(2);
    uint64_t deadline = deadlineOf(path);
    ASSERT_TRUE(callRole("mgmt", "SetMetric", {"u", "500"}).ok());
    ASSERT_TRUE(mgmtRoutesBecome(500));
    daemon().kill9();
    ASSERT_TRUE(wallClockPasses(deadline + 500000));
    EXPECT_TRUE(mgmtRoutesAt(500)) << "nobody rolled back while ifpind was dead; " << describeRoutes();

    RouteMonitor monitor(lab());
    ASSERT_TRUE(startDaemon(standardConfig()));
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 1000");
    EXPECT_TRUE(has(daemon().log(), "rolled back, its deadline passed while ifpind was not running")) << daemon().log();
    EXPECT_TRUE(has(daemon().log(), "role mgmt: metric 500 -> 1000")) << daemon().log();
    // Rolled back before the first reconcile: the unconfirmed 500 was never written again.
    for (const auto &line : monitor.lines())
        EXPECT_FALSE(has(line, "metric 500") && line.rfind("Deleted", 0) != 0) << "written at start: " << line;
    EXPECT_EQ(runtimeRoles(), nlohmann::json::object()) << readFile(statePath());
    EXPECT_FALSE(std::filesystem::exists(checkpointFile()));
    EXPECT_EQ(openCheckpoint(), "o \"/\"");
}

TEST_F(Checkpoint, SigkillThenRestartBeforeTheDeadlineStillRollsBackWhenItPasses)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    std::string path = createCheckpoint(8);
    uint64_t deadline = deadlineOf(path);
    ASSERT_TRUE(callRole("mgmt", "SetMetric", {"u", "500"}).ok());
    ASSERT_TRUE(mgmtRoutesBecome(500));
    daemon().kill9();

    ASSERT_TRUE(startDaemon(standardConfig()));
    RolledBackRecorder recorder(bus());
    ASSERT_LT(realtimeMicroseconds() + 1000000, deadline) << "the restart took too long to see it open";
    EXPECT_EQ(openCheckpoint(), "o \"" + path + "\"") << "the same checkpoint, open again";
    EXPECT_EQ(deadlineOf(path), deadline);
    EXPECT_TRUE(has(daemon().log(), "is open: rolled back in")) << daemon().log();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(500); }, [&] { return describeRoutes(); }, 300ms));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 500");

    int64_t after = heldAfterDeadline([&] { return mgmtRoutesAt(1000); }, deadline);
    EXPECT_GE(after, 0) << "not rolled back; " << describeRoutes();
    EXPECT_LE(after, 1000) << "rolled back " << after << " ms after the deadline";
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 1000");
    EXPECT_TRUE(recorder.waitFor(path)) << recorder.describe();
    EXPECT_EQ(runtimeRoles(), nlohmann::json::object()) << readFile(statePath());
    EXPECT_FALSE(std::filesystem::exists(checkpointFile()));
}

TEST_F(Checkpoint, UnprivilegedCallerIsDeniedAndASecondCheckpointRefused)
{
    ASSERT_TRUE(startDaemon(standardConfig(1000, "admin_group = \"" + std::to_string(testAdminGid) + "\"\n")));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto create = bus().dbusSend({"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.CheckpointCreate", "uint32:60"},
                                 Caller::unprivileged());
    EXPECT_TRUE(has(create.err, "org.ifpin1.Error.AccessDenied")) << create.describe();
    EXPECT_EQ(openCheckpoint(), "o \"/\"");
    EXPECT_FALSE(std::filesystem::exists(checkpointFile()));

    std::string path = createCheckpoint(60);
    uint64_t deadline = deadlineOf(path);
    for (auto [method, args] : {std::pair{"Confirm", std::vector<std::string>{}},
                                std::pair{"Rollback", std::vector<std::string>{}},
                                std::pair{"AdjustTimeout", std::vector<std::string>{"uint32:1"}}}) {
        auto denied = callCheckpoint(path, method, args, Caller::unprivileged());
        EXPECT_TRUE(has(denied.err, "org.ifpin1.Error.AccessDenied")) << method << ": " << denied.describe();
    }
    EXPECT_EQ(openCheckpoint(), "o \"" + path + "\"") << "still open";
    EXPECT_EQ(deadlineOf(path), deadline);
    EXPECT_TRUE(std::filesystem::exists(checkpointFile()));

    for (const Caller &caller : {Caller::root(), Caller::admin()}) {
        auto second = bus().dbusSend(
            {"--dest=org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager.CheckpointCreate", "uint32:60"}, caller);
        EXPECT_TRUE(has(second.err, "org.ifpin1.Error.CheckpointExists")) << second.describe();
        EXPECT_TRUE(has(second.err, "checkpoint 1 (created by uid 0")) << second.describe();
    }
    EXPECT_EQ(openCheckpoint(), "o \"" + path + "\"");
    EXPECT_EQ(deadlineOf(path), deadline) << "the first is untouched";

    // An admin may; nothing had changed, so nothing moves.
    auto rolledBack = callCheckpoint(path, "Rollback", {}, Caller::admin());
    EXPECT_TRUE(rolledBack.ok()) << rolledBack.describe();
    EXPECT_TRUE(eventually([&] { return openCheckpoint() == "o \"/\""; }, [&] { return openCheckpoint(); }));
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
}

// One connection for every call, as a client library keeps it: the bus driver's record of the caller
// is known after the first call, so root's Rollback is decided, and the policy rolled back, within
// the Rollback call's own handler. The checkpoint object that handler belongs to goes only after it
// has returned; the call is answered and ifpind lives on.
TEST_F(Checkpoint, RollbackOnTheConnectionThatCreatedTheCheckpoint)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto connection = sdbus::createSessionBusConnectionWithAddress(bus().address());
    // Proxies on that one connection; each call waits for its reply (no event loop thread).
    std::vector<std::unique_ptr<sdbus::IProxy>> proxies;
    auto call = [&](const std::string &path, const std::string &interface, const std::string &method,
                    std::optional<uint32_t> argument = std::nullopt) {
        proxies.push_back(sdbus::createProxy(*connection, "org.ifpin1", path));
        auto message = proxies.back()->createMethodCall(interface, method);
        if (argument)
            message << *argument;
        return proxies.back()->callMethod(message, 10000000);
    };

    sdbus::ObjectPath path;
    call("/org/ifpin1", "org.ifpin1.Manager", "CheckpointCreate", 60) >> path;
    call("/org/ifpin1/role/mgmt", "org.ifpin1.Role", "SetMetric", 500);
    ASSERT_TRUE(mgmtRoutesBecome(500));

    EXPECT_NO_THROW(call(path, "org.ifpin1.Checkpoint", "Rollback"));
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_TRUE(eventually([&] { return openCheckpoint() == "o \"/\""; }, [&] { return openCheckpoint(); }));
    EXPECT_TRUE(eventually([&] { return !bus().busctl({"introspect", "org.ifpin1", path}).ok(); }))
        << "the checkpoint object stays";
    // And the same connection goes on: the next checkpoint, confirmed.
    sdbus::ObjectPath second;
    ASSERT_NO_THROW(call("/org/ifpin1", "org.ifpin1.Manager", "CheckpointCreate", 60) >> second);
    EXPECT_NO_THROW(call(second, "org.ifpin1.Checkpoint", "Confirm"));
    EXPECT_TRUE(daemon().running()) << daemon().log();
}

TEST_F(Checkpoint, IfpinctlSetMetricConfirmWithinRollsBack)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto set = ifpinctl({"set-metric", "mgmt", "500", "--confirm-within", "2s"});
    ASSERT_TRUE(set.ok()) << set.describe();
    EXPECT_TRUE(has(set.out, "role mgmt: metric 500\n")) << set.out;
    EXPECT_TRUE(has(set.out, "ifpinctl confirm")) << "how to confirm: " << set.out;
    ASSERT_TRUE(mgmtRoutesBecome(500));
    std::string path = openCheckpoint();
    ASSERT_EQ(path.rfind("o \"/org/ifpin1/checkpoint/", 0), 0u) << path;
    uint64_t deadline = deadlineOf(path.substr(3, path.size() - 4));
    EXPECT_NEAR(static_cast<double>(deadline), static_cast<double>(realtimeMicroseconds() + 2000000), 1.5e6);

    auto status = ifpinctl({"status"});
    EXPECT_TRUE(status.ok()) << status.describe();
    EXPECT_TRUE(has(status.out, "checkpoint 1 open: rolled back in ")) << status.out;

    // No confirm: back at the old metric.
    int64_t after = heldAfterDeadline([&] { return mgmtRoutesAt(1000); }, deadline);
    EXPECT_GE(after, 0) << "not rolled back; " << describeRoutes();
    EXPECT_LE(after, 1000) << "rolled back " << after << " ms after the deadline";
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 1000");
    EXPECT_EQ(runtimeRoles(), nlohmann::json::object()) << readFile(statePath());
}

TEST_F(Checkpoint, ReloadUnderACheckpointIsRolledBackAndStaysAfterARestart)
{
    ASSERT_TRUE(startDaemon(standardConfig(1000)));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto reload = ifpinctl({"reload", "--confirm-within", "60s"});
    ASSERT_TRUE(reload.ok()) << reload.describe();
    // The file changed before the reload: the new one is what the checkpoint guards against.
    ASSERT_TRUE(mgmtRoutesBecome(1000)) << "nothing changed yet";
    auto cancel = ifpinctl({"rollback"});
    ASSERT_TRUE(cancel.ok()) << cancel.describe();
    EXPECT_FALSE(std::filesystem::exists(keptConfigFile())) << "the file was what the checkpoint kept";

    createCheckpoint(60);
    std::ofstream(daemon().configPath(), std::ios::trunc) << standardConfig(2000);
    ASSERT_TRUE(ifpinctl({"reload"}).ok());
    ASSERT_TRUE(mgmtRoutesBecome(2000));
    auto rolledBack = ifpinctl({"rollback"});
    ASSERT_TRUE(rolledBack.ok()) << rolledBack.describe();
    EXPECT_TRUE(has(rolledBack.out, "rolled back")) << rolledBack.out;
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_EQ(roleProperty("mgmt", "Metric"), "u 1000");
    EXPECT_TRUE(has(readFile(keptConfigFile()), "metric = 1000")) << readFile(keptConfigFile());
    EXPECT_TRUE(has(daemon().log(), daemon().configPath() + " is not in force")) << daemon().log();

    // A restart keeps the rolled-back policy, not the file that the checkpoint guarded against.
    EXPECT_EQ(daemon().stop(), 0);
    ASSERT_TRUE(startDaemon(standardConfig(2000)));
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 500ms));
    EXPECT_TRUE(has(daemon().log(), daemon().configPath() + " is not in force: a checkpoint's rollback kept"))
        << daemon().log();

    // The next reload puts the file in force again.
    ASSERT_TRUE(ifpinctl({"reload"}).ok());
    EXPECT_TRUE(mgmtRoutesBecome(2000));
    EXPECT_FALSE(std::filesystem::exists(keptConfigFile()));
}

} // namespace
} // namespace ifpin::lab
