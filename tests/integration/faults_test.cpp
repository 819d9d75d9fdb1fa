// Faults in a lab (tools/lab.sh): a link flapped a thousand times, ifpind killed in the middle of
// a metric change, and configuration and state files damaged under a running ifpind. Each ends
// with the kernel holding exactly the policy's routes, and a damaged file with the last good
// policy in force and a log line that names the file and the trouble.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "route_policy_fixture.hpp"

namespace ifpin::lab {
namespace {

using namespace route_test;

size_t occurrences(const std::string &text, const std::string &needle)
{
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
        ++count;
    return count;
}

bool hasLineWith(const std::string &text, const std::string &first, const std::string &second)
{
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.find(first) != std::string::npos && line.find(second, line.find(first)) != std::string::npos)
            return true;
    return false;
}

// A file's bytes replaced in place (not renamed over): what a write cut short leaves behind.
void overwrite(const std::string &path, const std::string &content)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.flush()) << path;
}

// Bytes of an ELF header and noise: a binary where a text file should be.
std::string binaryGarbage()
{
    std::string bytes("\x7f" "ELF\x02\x01\x01\x00", 8);
    for (int i = 0; i < 4096; ++i)
        bytes += static_cast<char>((i * 131 + 7) & 0xff);
    return bytes;
}

class Faults : public RoutePolicy {
protected:
    // Runs ifpind without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, as under systemd (the unit
    // keeps CAP_NET_ADMIN only): a file of mode 000 is then unreadable to it, as it would be.
    void withoutFilePermissionOverride()
    {
        daemon().setLauncher({"setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"});
    }

    // SIGHUP, then waits until ifpind logged `marker` once more than before.
    ::testing::AssertionResult reloadLogs(const std::string &marker)
    {
        const size_t before = occurrences(daemon().log(), marker);
        daemon().signal(SIGHUP);
        auto logged = eventually([&] { return occurrences(daemon().log(), marker) > before; },
                                 [&] { return "no new \"" + marker + "\" in ifpind's log"; });
        return logged;
    }

    std::string statePath() const { return scratch().path() + "/state/runtime.json"; }
};

// The issue's "a link flapped 1,000 times quickly": both uplinks, as fast as `ip -batch` sends the
// changes, so that ifpind sees link events arrive faster than it can act on each.
TEST_F(Faults, LinkFlappedAThousandTimesEndsWithThePolicy)
{
    daemon().start(lab(), standardConfig());
    ASSERT_TRUE(standardRoutesBecome());

    std::string batch;
    for (int i = 0; i < 1000; ++i)
        batch += "link set mgmt0 down\nlink set media0 down\nlink set mgmt0 up\nlink set media0 up\n";
    const std::string batchFile = scratch().write("flaps.batch", batch);
    auto flapped = lab().shell("ip -batch " + batchFile);
    ASSERT_TRUE(flapped.ok()) << flapped.describe();

    EXPECT_TRUE(standardRoutesBecome());
    EXPECT_TRUE(standardRoutesStay(500ms));
    // Exactly the policy's, in the whole table: nothing doubled, nothing left on other0.
    EXPECT_EQ(lab().defaultRoutes(Family::inet).size(), 2u) << describeDefaults(Family::inet);
    EXPECT_EQ(lab().defaultRoutes(Family::inet6).size(), 2u) << describeDefaults(Family::inet6);
    EXPECT_TRUE(daemon().running());
}

// SIGKILL while a metric change is under way, then a restart with the new file: the kernel ends
// with exactly the policy's routes, none left at the old metric, none missing.
TEST_F(Faults, KilledDuringAMetricChangeRestartsIntoExactlyThePolicy)
{
    daemon().start(lab(), standardConfig(1000));
    ASSERT_TRUE(standardRoutesBecome(1000));

    // First the worst moment, made on purpose: killed after adding mgmt's routes at the new
    // metric (make-before-break) and before deleting those at the old one.
    daemon().kill9();
    lab().output("ip route add default via 198.51.100.1 dev mgmt0 metric 2000 proto 241 && "
                 "ip -6 route add default via 2001:db8:2::1 dev mgmt0 metric 2000 proto 241");
    daemon().start(lab(), standardConfig(2000));
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_TRUE(standardRoutesBecome(2000)) << "after a kill between add and delete";

    // Then for real: SIGHUP with a new metric and SIGKILL after 0 to 2.7 ms, wherever that lands.
    int metric = 2000;
    for (int round = 0; round < 10; ++round) {
        const int next = metric == 2000 ? 3000 : 2000;
        daemon().reload(standardConfig(next));
        std::this_thread::sleep_for(std::chrono::microseconds(300 * round));
        daemon().kill9();
        daemon().start(lab(), standardConfig(next));
        // Ready first: a SIGHUP before ifpind blocks it would end it (the default action).
        ASSERT_TRUE(daemon().waitReady()) << "round " << round;
        ASSERT_TRUE(standardRoutesBecome(next)) << "round " << round;
        metric = next;
    }
    EXPECT_EQ(lab().defaultRoutes(Family::inet).size(), 2u) << describeDefaults(Family::inet);
    EXPECT_EQ(lab().defaultRoutes(Family::inet6).size(), 2u) << describeDefaults(Family::inet6);
}

// The configuration file damaged under a running ifpind, then SIGHUP: each time the reload is
// refused with a line naming the file and the trouble, and the routes stay as they were.
TEST_F(Faults, DamagedConfigFileAtReloadKeepsTheLastGoodPolicy)
{
    withoutFilePermissionOverride();
    daemon().start(lab(), standardConfig(1000));
    ASSERT_TRUE(standardRoutesBecome(1000));
    const std::string path = daemon().configPath();
    const std::string next = standardConfig(2000);

    struct Damage {
        std::string name;
        std::function<void()> apply;
        std::string says; // in the error line, after the file's name
    };
    const std::vector<Damage> damages{
        {"truncated in a string", [&] { overwrite(path, next.substr(0, next.find("mgmt0") + 3)); }, "string"},
        {"empty", [&] { overwrite(path, ""); }, "the file is empty"},
        {"binary", [&] { overwrite(path, binaryGarbage()); }, "NUL byte"},
        {"huge", [&] { overwrite(path, next + std::string(2 * 1024 * 1024, '#')); }, "larger than"},
        {"unreadable", [&] { overwrite(path, next); ASSERT_EQ(chmod(path.c_str(), 0), 0); }, "Permission denied"},
        {"a directory", [&] { std::filesystem::remove(path); std::filesystem::create_directory(path); }, "Is a directory"},
        {"missing", [&] { std::filesystem::remove_all(path); }, "No such file"},
    };
    for (const auto &damage : damages) {
        SCOPED_TRACE(damage.name);
        std::filesystem::remove_all(path);
        overwrite(path, standardConfig(1000));
        damage.apply();
        ASSERT_TRUE(reloadLogs("new configuration rejected"));
        EXPECT_TRUE(hasLineWith(daemon().log(), path, damage.says))
            << "no error line naming " << path << " and \"" << damage.says << "\"";
        EXPECT_TRUE(standardRoutesStay(300ms, 1000));
        ASSERT_TRUE(daemon().running());
    }
    // A good file afterwards is taken as usual.
    std::filesystem::remove_all(path);
    overwrite(path, next);
    daemon().signal(SIGHUP);
    EXPECT_TRUE(standardRoutesBecome(2000));
}

// The state file (runtime changes, written by ifpind) damaged under a running ifpind, then SIGHUP:
// the runtime change in force stays, and the file is written again so that a restart keeps it.
TEST_F(Faults, DamagedStateFileAtReloadKeepsTheRuntimeChange)
{
    withoutFilePermissionOverride();
    std::filesystem::create_directories(scratch().path() + "/state");
    const std::string change = R"({"version": 1, "roles": {"mgmt": {"metric": 500}}})";
    overwrite(statePath(), change);
    daemon().start(lab(), standardConfig(1000));
    ASSERT_TRUE(standardRoutesBecome(500)) << "the runtime change did not apply at start";

    const std::vector<std::pair<std::string, std::function<void()>>> damages{
        {"truncated", [&] { overwrite(statePath(), change.substr(0, 30)); }},
        {"empty", [&] { overwrite(statePath(), ""); }},
        {"binary", [&] { overwrite(statePath(), binaryGarbage()); }},
        {"huge", [&] { overwrite(statePath(), std::string(2 * 1024 * 1024, ' ') + change); }},
        {"unreadable", [&] { ASSERT_EQ(chmod(statePath().c_str(), 0), 0); }},
    };
    for (const auto &[name, damage] : damages) {
        SCOPED_TRACE(name);
        damage();
        ASSERT_TRUE(reloadLogs("state file " + statePath() + " unusable"));
        EXPECT_TRUE(standardRoutesStay(300ms, 500));
        ASSERT_TRUE(daemon().running());
        struct stat written {};
        ASSERT_EQ(stat(statePath().c_str(), &written), 0);
        EXPECT_NE(written.st_mode & 0777, 0u) << "not written again";
        EXPECT_LT(written.st_size, 1024) << "not written again";
    }
    // And a restart still has it.
    daemon().kill9();
    daemon().start(lab(), standardConfig(1000));
    ASSERT_TRUE(daemon().waitReady());
    EXPECT_TRUE(standardRoutesBecome(500)) << "the state file written back is not what was in force";
    // Only a missing file drops it, as documented.
    std::filesystem::remove(statePath());
    daemon().signal(SIGHUP);
    EXPECT_TRUE(standardRoutesBecome(1000));
}

} // namespace
} // namespace ifpin::lab
