// The drop-in of `ifpinctl pin-unit` (client/ifpinctl/unit_pin_dropin): which units can be pinned,
// where the file goes, what it says to systemd, and how unpin-unit recognises its own.
#include <gtest/gtest.h>

#include "unit_pin_dropin.hpp"

namespace ifpinctl {
namespace {

TEST(UnitPinDropIn, OnlyUnitsWithProcessesCanBePinned)
{
    for (const char *unit : {"vendor-agent.service", "getty@tty1.service", "foo@.service", "dns.socket",
                             "data.mount", "swapfile.swap", "system-agents.slice", "a\\x2db.service"})
        EXPECT_FALSE(unitProblem(unit)) << unit << ": " << *unitProblem(unit);
    for (const char *unit : {"multi-user.target", "backup.timer", "vendor-agent", ".service", "", "a/b.service",
                             "a b.service", "x.scope"})
        EXPECT_TRUE(unitProblem(unit)) << unit;
    EXPECT_EQ(*unitProblem("multi-user.target"),
              "only units with processes of their own can be pinned: .service, .socket, .mount, .swap or .slice "
              "(give the suffix)");
    EXPECT_EQ(*unitProblem("a/b.service"), "'/' cannot be part of a unit name");
}

TEST(UnitPinDropIn, TheSettingGoesInTheUnitTypesOwnSection)
{
    EXPECT_EQ(cgroupSection("a.service"), "Service");
    EXPECT_EQ(cgroupSection("a.socket"), "Socket");
    EXPECT_EQ(cgroupSection("a.mount"), "Mount");
    EXPECT_EQ(cgroupSection("a.swap"), "Swap");
    EXPECT_EQ(cgroupSection("a.slice"), "Slice");
}

TEST(UnitPinDropIn, PathAndText)
{
    EXPECT_EQ(dropInPath(systemdUnitDirectory, "vendor-agent.service"),
              "/etc/systemd/system/vendor-agent.service.d/50-ifpin-pin.conf");
    EXPECT_EQ(dropInText("vendor-agent.service", "mgmt", "/sys/fs/bpf/ifpin/mgmt"),
              "# Written by `ifpinctl pin-unit vendor-agent.service mgmt`; `ifpinctl unpin-unit vendor-agent.service "
              "mgmt` removes it.\n"
              "# Every AF_INET and AF_INET6 socket of vendor-agent.service is bound by the kernel to the interface of\n"
              "# ifpin role mgmt, from its first (docs/client.md, \"Pinned units\").\n"
              "# ifpin role: mgmt\n"
              "[Unit]\n"
              "Wants=ifpind.service\n"
              "After=ifpind.service\n"
              "# systemd starts a unit whose BPFProgram= is missing without it, unpinned: not this one.\n"
              "AssertPathExists=/sys/fs/bpf/ifpin/mgmt\n"
              "\n"
              "[Service]\n"
              "BPFProgram=sock_create:/sys/fs/bpf/ifpin/mgmt\n");
    EXPECT_NE(dropInText("dns.socket", "mgmt", "/p").find("\n[Socket]\nBPFProgram=sock_create:/p\n"), std::string::npos);
}

TEST(UnitPinDropIn, UnpinRecognisesItsOwnDropInAndItsRole)
{
    EXPECT_EQ(pinnedRoleIn(dropInText("a.service", "my-role", "/sys/fs/bpf/ifpin/my-role")), "my-role");
    EXPECT_FALSE(pinnedRoleIn("[Service]\nBPFProgram=sock_create:/sys/fs/bpf/other\n"));
    EXPECT_FALSE(pinnedRoleIn(""));
}

} // namespace
} // namespace ifpinctl
