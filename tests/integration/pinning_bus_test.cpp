// Kernel pinning seen and steered over D-Bus, on a private bus: SetInterface moves the new sockets
// of an already pinned process to the role's new interface at once, and the Pin* properties and
// `ifpinctl status` say whether a role can be pinned, by which program, how many processes are
// pinned and what was refused, or why a role cannot be pinned.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dbus_test_support.hpp"
#include "pinning_fixture.hpp"

namespace ifpin::lab {
namespace {

using namespace pinning_test;

class PinningBus : public PinningFixture<BusLabTest> {
protected:
    CommandResult ifpinctl(std::vector<std::string> args)
    {
        std::vector<std::string> argv{ifpinctl_};
        argv.insert(argv.end(), args.begin(), args.end());
        return runCommand(argv);
    }

    nlohmann::json pinningJson(const std::string &role)
    {
        auto result = ifpinctl({"status", "--json"});
        if (!result.ok())
            return {{"error", result.describe()}};
        const nlohmann::json status = nlohmann::json::parse(result.out);
        for (const auto &entry : status.at("roles"))
            if (entry.at("name") == role)
                return entry.value("kernel_pinning", nlohmann::json());
        return {};
    }
};

TEST_F(PinningBus, SetInterfaceMovesTheNewSocketsOfAPinnedProcess)
{
    // mgmt alone, learning its gateways from DHCP-style routes; a foreign default route on media0
    // carries unpinned traffic, and teaches mgmt its gateway there once it moves.
    ASSERT_EQ(lab().run("ip route add default via 198.51.100.1 dev mgmt0 metric 0 proto dhcp && "
                        "ip route add default via 192.0.2.1 dev media0 metric 50 proto dhcp"),
              0);
    ASSERT_TRUE(startDaemon(daemonSection() + "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = 1000\n"
                                              "allow_users = [\"root\"]\nallow_groups = [\"" +
                            std::to_string(allowedGroup) + "\"]\n"));
    Loop loop(*this, asAllowedUser() + exec("mgmt"));
    ASSERT_GE(loop.waitFor("device=mgmt0 answer=mgmt"), 0) << loop.text();

    auto moved = callRole("mgmt", "SetInterface", {"s", "media0"});
    ASSERT_TRUE(moved.ok()) << moved.describe();
    size_t after = loop.lines().size();
    ASSERT_GE(loop.waitFor("device=media0 answer=media", after), 0) << loop.text();
    loop.stop();
    // Every new socket was where the role was when it was made: never bound to one interface and
    // answered through the other.
    for (const auto &line : loop.lines()) {
        EXPECT_EQ(line.find("device=mgmt0 answer=media"), std::string::npos) << loop.text();
        EXPECT_EQ(line.find("device=media0 answer=mgmt"), std::string::npos) << loop.text();
        EXPECT_EQ(line.find("device= answer"), std::string::npos) << "an unbound socket\n" << loop.text();
    }
    EXPECT_EQ(roleProperty("mgmt", "Interface"), "s \"media0\"");
}

TEST_F(PinningBus, PropertiesAndStatusShowKernelPinning)
{
    ASSERT_TRUE(startDaemon(config()));
    EXPECT_EQ(roleProperty("mgmt", "PinAvailable"), "b true");
    EXPECT_EQ(roleProperty("mgmt", "PinProgram"), "s \"/sys/fs/bpf/ifpin/mgmt\"");
    EXPECT_EQ(roleProperty("mgmt", "PinProblem"), "s \"\"");
    EXPECT_EQ(roleProperty("mgmt", "PinnedProcesses"), "u 0");
    EXPECT_EQ(roleProperty("mgmt", "PinRefused"), "t 0");

    Loop loop(*this, asAllowedUser() + exec("mgmt"));
    ASSERT_GE(loop.waitFor("answer=mgmt"), 0) << loop.text();
    EXPECT_EQ(roleProperty("mgmt", "PinnedProcesses"), "u 1");
    auto table = ifpinctl({"status"});
    EXPECT_NE(table.out.find("role mgmt: kernel pinning with /sys/fs/bpf/ifpin/mgmt, 1 process pinned, 0 sockets refused\n"),
              std::string::npos)
        << table.describe() << table.out;
    EXPECT_NE(table.out.find("role media: kernel pinning with /sys/fs/bpf/ifpin/media, 0 processes pinned"),
              std::string::npos)
        << table.out;

    // Sockets refused while mgmt0 is gone are counted in the role's map.
    ASSERT_EQ(lab().run("ip link del mgmt0"), 0);
    ASSERT_GE(loop.waitFor("error=socket:EPERM", loop.lines().size()), 0) << loop.text();
    ASSERT_GE(loop.waitFor("error=socket:EPERM", loop.lines().size()), 0) << loop.text();
    nlohmann::json pinning = pinningJson("mgmt");
    EXPECT_EQ(pinning.value("available", false), true) << pinning.dump();
    EXPECT_EQ(pinning.value("program", ""), "/sys/fs/bpf/ifpin/mgmt") << pinning.dump();
    EXPECT_TRUE(pinning.at("problem").is_null()) << pinning.dump();
    EXPECT_EQ(pinning.value("pinned_processes", 0), 1) << pinning.dump();
    EXPECT_GE(pinning.value("refused_sockets", 0), 2) << pinning.dump();
    loop.stop();
    EXPECT_TRUE(eventually([&] { return roleProperty("mgmt", "PinnedProcesses") == "u 0"; }));
}

TEST_F(PinningBus, StatusSaysWhyARoleCannotBePinned)
{
    daemon().setLauncher({}); // `ip netns exec` alone: no cgroup v2 hierarchy, no bpf filesystem
    ASSERT_TRUE(startDaemon(config()));
    EXPECT_EQ(roleProperty("mgmt", "PinAvailable"), "b false");
    EXPECT_EQ(roleProperty("mgmt", "PinProgram"), "s \"\"");
    EXPECT_EQ(roleProperty("mgmt", "PinProblem"),
              "s \"no cgroup v2 hierarchy is mounted (kernel pinning needs cgroup v2)\"");
    auto table = ifpinctl({"status"});
    EXPECT_NE(table.out.find("role mgmt: kernel pinning not available: no cgroup v2 hierarchy is mounted (kernel "
                             "pinning needs cgroup v2)\n"),
              std::string::npos)
        << table.describe() << table.out;
    nlohmann::json pinning = pinningJson("mgmt");
    EXPECT_EQ(pinning.value("available", true), false) << pinning.dump();
    EXPECT_TRUE(pinning.at("program").is_null()) << pinning.dump();
}

} // namespace
} // namespace ifpin::lab
