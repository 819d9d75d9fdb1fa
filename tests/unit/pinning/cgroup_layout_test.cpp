// Where kernel pinning finds things (daemon/pinning/cgroup_layout): the cgroup v2 mount of a
// unified, a hybrid and a container host from their mountinfo, the filesystem under the pin
// directory, ifpind's own cgroups, the scope names and their escaping, and a pidfd's pid.
#include <gtest/gtest.h>

#include "pinning/cgroup_layout.hpp"

namespace ifpin {
namespace {

// Lines as Debian 12 booted with systemd shows them (unified hierarchy).
constexpr const char *unifiedHost =
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
    "26 23 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
    "27 23 0:25 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:5 - bpf bpf rw,mode=700\n";

// This machine: a hybrid hierarchy, cgroup v2 beside the v1 controllers, and no bpffs.
constexpr const char *hybridHost =
    "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
    "23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n"
    "32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "33 30 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n";

TEST(Mountinfo, ParsesRootMountPointAndTypeWithOptionalFields)
{
    auto mounts = parseMountinfo(unifiedHost);
    ASSERT_EQ(mounts.size(), 4u);
    EXPECT_EQ(mounts[2].root, "/");
    EXPECT_EQ(mounts[2].mountPoint, "/sys/fs/cgroup");
    EXPECT_EQ(mounts[2].fstype, "cgroup2");
    EXPECT_EQ(mounts[3].fstype, "bpf");
}

TEST(Mountinfo, UndoesTheOctalEscapesOfPaths)
{
    auto mounts = parseMountinfo("40 22 0:30 /a\\040b /mnt/with\\040space\\134x rw - cgroup2 none rw\n");
    ASSERT_EQ(mounts.size(), 1u);
    EXPECT_EQ(mounts[0].root, "/a b");
    EXPECT_EQ(mounts[0].mountPoint, "/mnt/with space\\x");
}

TEST(Mountinfo, SkipsLinesWithoutTheSeparatorOrTheType)
{
    auto mounts = parseMountinfo("garbage\n41 22 0:30 / /x rw shared:1\n42 22 0:30 / /y rw -\n\n");
    EXPECT_TRUE(mounts.empty());
}

TEST(Cgroup2Mount, IsSysFsCgroupOnAUnifiedHost)
{
    auto mount = cgroup2Mount(parseMountinfo(unifiedHost));
    ASSERT_TRUE(mount);
    EXPECT_EQ(mount->mountPoint, "/sys/fs/cgroup");
    EXPECT_EQ(mount->root, "/");
}

TEST(Cgroup2Mount, IsTheUnifiedDirectoryOnAHybridHost)
{
    auto mount = cgroup2Mount(parseMountinfo(hybridHost));
    ASSERT_TRUE(mount);
    EXPECT_EQ(mount->mountPoint, "/sys/fs/cgroup/unified");
}

TEST(Cgroup2Mount, IsNothingWithoutCgroupV2)
{
    EXPECT_FALSE(cgroup2Mount(parseMountinfo("22 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
                                             "33 22 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n")));
}

TEST(Cgroup2Mount, IsTheSubtreeBoundOverTheHierarchy)
{
    // A container's view: the whole hierarchy mounted, then a subtree of it bound on top.
    auto mounts = parseMountinfo(std::string(unifiedHost) +
                                 "50 26 0:24 /machine.slice/ct /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    auto mount = cgroup2Mount(mounts);
    ASSERT_TRUE(mount);
    EXPECT_EQ(mount->root, "/machine.slice/ct");
    EXPECT_EQ(cgroupPathAsSeen(*mount, ownCgroupRelative("mgmt")), "/machine.slice/ct/ifpin/mgmt");
}

TEST(Cgroup2Mount, IgnoresAHierarchyCoveredByAnotherFilesystem)
{
    auto mounts = parseMountinfo("26 23 0:24 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                                 "51 26 0:40 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
                                 "52 51 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
    auto mount = cgroup2Mount(mounts);
    ASSERT_TRUE(mount);
    EXPECT_EQ(mount->mountPoint, "/sys/fs/cgroup/unified");
}

TEST(MountHolding, IsTheLongestMountPointThatIsAnAncestor)
{
    auto mounts = parseMountinfo(unifiedHost);
    EXPECT_EQ(mountHolding(mounts, "/sys/fs/bpf/ifpin")->fstype, "bpf");
    EXPECT_EQ(mountHolding(mounts, "/sys/fs/bpf")->fstype, "bpf");
    EXPECT_EQ(mountHolding(mounts, "/sys/fs/bpfx/ifpin")->fstype, "sysfs");
    EXPECT_EQ(mountHolding(parseMountinfo(hybridHost), "/sys/fs/bpf/ifpin")->fstype, "sysfs");
    EXPECT_FALSE(mountHolding(mounts, "relative/path"));
}

TEST(OwnCgroups, AreUnderIfpinAndSeenWithTheMountsRoot)
{
    MountEntry whole{"/", "/sys/fs/cgroup", "cgroup2"};
    EXPECT_EQ(ownCgroupRelative("mgmt"), "ifpin/mgmt");
    EXPECT_EQ(cgroupPathAsSeen(whole, "ifpin/mgmt"), "/ifpin/mgmt");
    MountEntry subtree{"/lab/", "/sys/fs/cgroup", "cgroup2"};
    EXPECT_EQ(cgroupPathAsSeen(subtree, "ifpin/mgmt"), "/lab/ifpin/mgmt");
}

TEST(ScopeNames, EscapeTheDashesOfARoleAsSystemdDoes)
{
    EXPECT_EQ(scopeName("mgmt", 1234), "ifpin-mgmt-1234.scope");
    EXPECT_EQ(scopeName("my-role", 7), "ifpin-my\\x2drole-7.scope");
    EXPECT_EQ(scopeName("mgmt", 1234, 2), "ifpin-mgmt-1234-2.scope");
    EXPECT_EQ(escapeUnitNamePart("a_B9"), "a_B9");
}

TEST(ScopeNames, BelongToOneRoleOnly)
{
    EXPECT_TRUE(isScopeOfRole("ifpin-mgmt-1234.scope", "mgmt"));
    EXPECT_TRUE(isScopeOfRole("ifpin-mgmt-1234-3.scope", "mgmt"));
    EXPECT_TRUE(isScopeOfRole(scopeName("my-role", 7), "my-role"));
    // Role "my" is a prefix of role "my-role": escaping keeps their scopes apart.
    EXPECT_FALSE(isScopeOfRole(scopeName("my-role", 7), "my"));
    EXPECT_FALSE(isScopeOfRole("ifpin-mgmt-.scope", "mgmt"));
    EXPECT_FALSE(isScopeOfRole("ifpin-mgmt-12a.scope", "mgmt"));
    EXPECT_FALSE(isScopeOfRole("ifpin-mgmt-12--3.scope", "mgmt"));
    EXPECT_FALSE(isScopeOfRole("ifpin-mgmt-12-.scope", "mgmt"));
    EXPECT_FALSE(isScopeOfRole("ifpin-mgmt-1234.service", "mgmt"));
    EXPECT_FALSE(isScopeOfRole("ifpin-media-1234.scope", "mgmt"));
}

TEST(PidfdFdinfo, GivesThePidLine)
{
    EXPECT_EQ(pidfdPidFromFdinfo("pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nPid:\t4242\nNSpid:\t4242\n"), 4242);
    EXPECT_EQ(pidfdPidFromFdinfo("Pid:\t-1\nNSpid:\t-1\n"), -1);
    EXPECT_EQ(pidfdPidFromFdinfo("Pid:\t0\n"), 0);
    EXPECT_FALSE(pidfdPidFromFdinfo("pos:\t0\nflags:\t02\n"));
    EXPECT_FALSE(pidfdPidFromFdinfo("Pid:\tx\n"));
}

} // namespace
} // namespace ifpin
