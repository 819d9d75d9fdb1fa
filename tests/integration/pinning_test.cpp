// Kernel pinning in a lab (tools/lab.sh), against the real kernel: `ifpinctl exec` puts a program in
// its role's pinned cgroup, and every inet socket it makes, however it makes it, leaves by the role's
// interface: curl, static binaries, raw system calls, Python, busybox, the resolver's own sockets;
// as root and as a member of allow_groups. Strangers are refused and send nothing; a pinned process
// cannot rebind or leave; it fails closed while its interface is gone and follows it back; ifpind's
// restarts and reloads leave it pinned or refused, never unpinned. Helpers (http_get, pin_escape,
// pinned_loop) and paths come from meson (tests/integration/meson.build).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pinning_fixture.hpp"
#include "protocol.h"

namespace ifpin::lab {
namespace {

using namespace pinning_test;

class Pinning : public PinningFixture<LabTest> {
protected:
    void startDaemon(const std::string &roles = "media mgmt")
    {
        daemon().start(lab(), config(roles));
        ASSERT_TRUE(daemon().waitReady(10s)) << "ifpind not ready";
        ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socketPath_); })) << "no broker socket";
        ASSERT_TRUE(eventually([&] { return curl(server4).out == "media\n" && curl(server6).out == "media\n"; },
                               [&] { return lab().describeState(); }, 10s));
    }

    // The counters of the media gateway: unchanged means nothing reached it.
    std::map<std::string, long long> mediaCounters()
    {
        std::map<std::string, long long> out;
        for (const auto &[key, value] : trafficCounters(lab()))
            if (key.rfind(lab().gatewayNamespace("media") + "/", 0) == 0)
                out[key] = value;
        return out;
    }
    long long mgmtTcpSegments()
    {
        return trafficCounters(lab()).at(lab().gatewayNamespace("mgmt") + "/Tcp:InSegs");
    }

    // Every kind of program this suite knows, under `as` (a setpriv prefix or nothing), pinned to
    // mgmt: each answer must be mgmt's, and the media gateway must see nothing of it.
    void expectEverythingReachesMgmt(const std::string &as)
    {
        const auto mediaBefore = mediaCounters();
        const long long mgmtBefore = mgmtTcpSegments();
        const std::string pinned = as + exec("mgmt");
        for (const char *address : {server4, server6}) {
            auto plain = curl(address, as);
            EXPECT_EQ(plain.out, "media\n") << "control, unpinned: " << address << ": " << plain.describe();
        }
        const auto mediaAfterControl = mediaCounters();
        for (const char *address : {server4, server6}) {
            auto result = curl(address, pinned);
            EXPECT_EQ(result.out, "mgmt\n") << "curl " << address << ": " << result.describe();
        }
        auto staticClient = lab().shell(pinned + quote(httpStatic_) + " " + server4);
        EXPECT_EQ(staticClient.out, "mgmt\n") << "gcc -static, socket(): " << staticClient.describe();
        EXPECT_NE(staticClient.err.find("device=mgmt0"), std::string::npos) << staticClient.err;
        auto syscallClient = lab().shell(pinned + quote(httpSyscallStatic_) + " " + server6);
        EXPECT_EQ(syscallClient.out, "mgmt\n") << "gcc -static, syscall(SYS_socket), IPv6: " << syscallClient.describe();
        for (const char *address : {server4, server6}) {
            auto python = lab().shell(pinned + "python3 -c " +
                                      quote("import socket, sys\n"
                                            "family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET\n"
                                            "s = socket.socket(family, socket.SOCK_DGRAM)\n"
                                            "s.settimeout(3)\n"
                                            "s.sendto(b'who?', (sys.argv[1], 7))\n"
                                            "print(s.recv(64).decode().strip())\n") +
                                      " " + address);
            EXPECT_EQ(python.out, "mgmt\n") << "python UDP " << address << ": " << python.describe();
        }
        auto wget = lab().shell(pinned + "busybox wget -q -O - http://" + std::string(server4) + "/");
        EXPECT_EQ(wget.out, "mgmt\n") << "busybox-static wget: " << wget.describe();
        // The controls reached media; nothing pinned did, and mgmt saw the pinned programs.
        EXPECT_NE(mediaAfterControl, mediaBefore) << "the control did not reach media: the counters cannot tell";
        EXPECT_EQ(mediaCounters(), mediaAfterControl) << "a pinned program reached the media gateway";
        EXPECT_GT(mgmtTcpSegments(), mgmtBefore);
    }

    // `getent ahosts svc.ifpin.test` under `as`, with the lab's DNS server in resolv.conf: the
    // addresses, sorted, on one line.
    std::string resolve(const std::string &as)
    {
        const std::string resolv = scratch().write("resolv.conf", "nameserver 203.0.113.53\noptions timeout:2 attempts:1\n");
        auto result = lab().shell("unshare --mount --propagation private sh -c 'mount --bind " + resolv +
                                  " /etc/resolv.conf && exec \"$@\"' sh " + as +
                                  "getent ahosts svc.ifpin.test | awk '{print $1}' | sort -u | tr '\\n' ' '");
        return result.out;
    }
};

TEST_F(Pinning, ExecPinsEveryProgramOfRootToMgmt)
{
    startDaemon();
    expectEverythingReachesMgmt("");
}

TEST_F(Pinning, ExecPinsEveryProgramOfAnAllowedGroupMemberToMgmt)
{
    startDaemon();
    expectEverythingReachesMgmt(asAllowedUser());
    // The pinned process is where ifpind says, in ifpind's own cgroup of the role.
    auto cgroup = lab().shell(asAllowedUser() + exec("mgmt") + "cat /proc/self/cgroup");
    EXPECT_NE(cgroup.out.find("0::" + roleCgroupSeen("mgmt") + "\n"), std::string::npos) << cgroup.describe();
}

TEST_F(Pinning, TheResolversOwnSocketsArePinnedToo)
{
    startDaemon();
    lab().startDns();
    // Each gateway's DNS server gives its own addresses: the answer says which uplink the query took.
    EXPECT_EQ(resolve(""), "2001:db8:ffff::11 203.0.113.11 ") << "control, unpinned";
    EXPECT_EQ(resolve(exec("mgmt")), "2001:db8:ffff::12 203.0.113.12 ") << "root, pinned";
    EXPECT_EQ(resolve(asAllowedUser() + exec("mgmt")), "2001:db8:ffff::12 203.0.113.12 ") << "group member, pinned";
}

TEST_F(Pinning, UserInNoAllowListIsNotPinnedAndSendsNothing)
{
    startDaemon();
    const auto before = trafficCounters(lab());
    const std::string marker = scratch().path() + "/ran";
    auto refused = lab().shell(asStranger() + exec("mgmt") + "touch " + quote(marker));
    EXPECT_EQ(refused.status, 1) << refused.describe();
    EXPECT_NE(refused.err.find("ifpinctl exec: cannot pin to role mgmt: uid 4244 may not use role mgmt (allowed: "
                               "users root; groups 4243); not running touch"),
              std::string::npos)
        << refused.err;
    EXPECT_FALSE(std::filesystem::exists(marker)) << "the command ran";
    auto tcp = curl(server4, asStranger() + exec("mgmt"));
    EXPECT_EQ(tcp.status, 1) << tcp.describe();
    EXPECT_EQ(tcp.out, "");
    EXPECT_EQ(trafficCounters(lab()), before) << "a refused program sent something";
    EXPECT_NE(daemon().log().find("pinning: refused to pin uid 4244"), std::string::npos);
}

TEST_F(Pinning, PinnedProcessCannotRebindNorLeaveItsCgroup)
{
    startDaemon();
    const std::string cgroupRoot = std::filesystem::path(paths_.cgroup).parent_path();
    auto escape = hostShell(asAllowedUser() + exec("mgmt") + quote(escape_) + " media0 " + quote(roleCgroup("mgmt")) +
                            " " + quote(paths_.cgroup) + " " + quote(paths_.cgroup + "/ifpin") + " " +
                            quote(roleCgroup("media")) + " " + quote(cgroupRoot));
    ASSERT_TRUE(escape.ok()) << escape.describe();
    std::istringstream lines(escape.out);
    std::map<std::string, std::string> results;
    for (std::string name, result; lines >> name >> result;) {
        results[name] = result;
        if (name == "device")
            lines >> results["mark"];
    }
    EXPECT_EQ(results["device"], "mgmt0") << escape.out;
    EXPECT_EQ(results["mark"].rfind("0x6970", 0), 0u) << "the role's mark: " << escape.out;
    for (const char *name : {"bindtodevice-other", "bindtodevice-none", "bindtoifindex-other", "bindtoifindex-none",
                             "mark-zero", "ipv6-bindtodevice-other", "mptcp"})
        EXPECT_EQ(results[name], "EPERM") << name << "\n" << escape.out;
    for (const std::string &dir : {roleCgroup("mgmt"), paths_.cgroup, paths_.cgroup + "/ifpin", roleCgroup("media"),
                                   cgroupRoot})
        EXPECT_EQ(results["leave:" + dir], "EACCES") << dir << "\n" << escape.out;
    EXPECT_EQ(results["mkdir-child"], "EACCES") << escape.out;

    // Root is pinned but not confined: CAP_NET_RAW rebinds (docs/security.md says so).
    auto root = hostShell(exec("mgmt") + quote(escape_) + " media0 " + quote(roleCgroup("mgmt")));
    EXPECT_NE(root.out.find("device mgmt0"), std::string::npos) << root.describe();
    EXPECT_NE(root.out.find("bindtodevice-other ok"), std::string::npos) << root.out;
}

TEST_F(Pinning, FailsClosedWhileTheInterfaceIsGoneAndFollowsItBack)
{
    startDaemon();
    Loop loop(*this, asAllowedUser() + exec("mgmt"));
    ASSERT_GE(loop.waitFor("answer=mgmt"), 0) << loop.text();
    const int oldIndex = lab().ifindex("mgmt0");

    ASSERT_EQ(lab().run("ip link del mgmt0"), 0);
    size_t gone = loop.lines().size();
    // socket() itself is refused once ifpind has written ifindex 0 into the role's map.
    ASSERT_GE(loop.waitFor("error=socket:EPERM", gone), 0) << loop.text();
    size_t refusedAt = loop.lines().size();
    ASSERT_GE(loop.waitFor("error=", refusedAt + 2), 0) << "still failing two attempts later\n" << loop.text();

    lab().recreateUplink("mgmt");
    ASSERT_NE(lab().ifindex("mgmt0"), oldIndex);
    size_t back = loop.lines().size();
    ASSERT_GE(loop.waitFor("answer=mgmt", back), 0) << loop.text();
    loop.stop();

    const auto lines = loop.lines();
    for (size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].find("answer=media"), std::string::npos) << "line " << i << " reached media\n" << loop.text();
        if (i >= gone && i < back) {
            EXPECT_NE(lines[i].find("error="), std::string::npos) << "line " << i << " while mgmt0 was gone\n"
                                                                  << loop.text();
        }
    }
    EXPECT_NE(daemon().log().find("pinning: role mgmt: interface mgmt0 is missing; pinned processes get no sockets"),
              std::string::npos);
}

TEST_F(Pinning, RestartKeepsPinnedProcessesPinnedAndReusesTheProgram)
{
    startDaemon();
    const int program = programId("mgmt");
    ASSERT_GT(program, 0) << "no program pinned at " << pin("mgmt");
    Loop loop(*this, asAllowedUser() + exec("mgmt"));
    ASSERT_GE(loop.waitFor("answer=mgmt"), 0) << loop.text();

    ASSERT_EQ(daemon().stop(), 0);
    // Without ifpind the kernel goes on pinning: the map keeps its last values.
    ASSERT_GE(loop.waitFor("answer=mgmt", loop.lines().size()), 0) << loop.text();
    daemon().start(lab(), config());
    ASSERT_TRUE(daemon().waitReady(10s));
    EXPECT_EQ(programId("mgmt"), program) << "the restart replaced the pinned program";
    EXPECT_NE(daemon().log().find("program " + std::string("/sys/fs/bpf/ifpin/mgmt (id ") + std::to_string(program) +
                                  ", pinned before, reused)"),
              std::string::npos)
        << daemon().log();

    // The restarted ifpind drives the same map: the pinned process follows a re-created mgmt0.
    lab().recreateUplink("mgmt");
    size_t back = loop.lines().size();
    ASSERT_GE(loop.waitFor("answer=mgmt", back + 1), 0) << loop.text();
    loop.stop();
    EXPECT_EQ(loop.text().find("answer=media"), std::string::npos) << loop.text();
}

TEST_F(Pinning, RemovedRoleRefusesTheSocketsOfItsPinnedProcesses)
{
    startDaemon();
    Loop loop(*this, asAllowedUser() + exec("mgmt"));
    ASSERT_GE(loop.waitFor("answer=mgmt"), 0) << loop.text();
    daemon().reload(config("media"));
    size_t reloaded = loop.lines().size();
    ASSERT_GE(loop.waitFor("error=socket:EPERM", reloaded), 0) << loop.text();
    EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(pin("mgmt")) && !std::filesystem::exists(pin("mgmt@map")); }))
        << "mgmt's pins are still there";
    EXPECT_TRUE(std::filesystem::exists(pin("media")));
    loop.stop();
    EXPECT_EQ(loop.text().find("answer=media"), std::string::npos) << loop.text();
}

TEST_F(Pinning, AReloadPinsAgainWhatSomebodyUnpinned)
{
    startDaemon();
    const int program = programId("mgmt");
    ASSERT_GT(program, 0);
    std::filesystem::remove(pin("mgmt"));
    std::filesystem::remove(pin("mgmt@map"));
    // The program stays attached and pins: only the names are gone (systemd finds programs by name).
    EXPECT_EQ(curl(server4, exec("mgmt")).out, "mgmt\n");
    daemon().signal(SIGHUP);
    EXPECT_TRUE(eventually([&] { return programId("mgmt") == program && std::filesystem::exists(pin("mgmt@map")); }))
        << "not pinned again: " << daemon().log();
    EXPECT_NE(daemon().log().find("had been removed; pinned again"), std::string::npos);
}

TEST_F(Pinning, WithoutKernelPinningExecSaysWhyAndRunsNothing)
{
    const std::string marker = scratch().path() + "/ran";
    for (const char *layout : {"none", "unified-without-bpffs"}) {
        // "none": as `ip netns exec` leaves it, no cgroup v2 hierarchy at all.
        daemon().setLauncher(std::string(layout) == "none" ? std::vector<std::string>{}
                                                           : lab().pinningLauncher(layout));
        startDaemon();
        auto refused = lab().shell(exec("mgmt") + "touch " + quote(marker));
        EXPECT_EQ(refused.status, 1) << layout << ": " << refused.describe();
        const std::string why = std::string(layout) == "none"
                                    ? "no cgroup v2 hierarchy is mounted"
                                    : "no bpf filesystem holds /sys/fs/bpf/ifpin (mount one: mount -t bpf bpf /sys/fs/bpf)";
        EXPECT_NE(refused.err.find("ifpinctl exec: cannot pin to role mgmt: kernel pinning is not available for role "
                                   "mgmt: " + why),
                  std::string::npos)
            << layout << ": " << refused.err;
        EXPECT_NE(refused.err.find("--preload uses the LD_PRELOAD shim instead"), std::string::npos) << refused.err;
        EXPECT_FALSE(std::filesystem::exists(marker)) << layout << ": the command ran unpinned";
        // The shim, asked for, still pins what it can.
        auto shim = curl(server4, quote(ifpinctl_) + " exec --preload mgmt -- ");
        EXPECT_EQ(shim.out, "mgmt\n") << layout << ": " << shim.describe();
        ASSERT_EQ(daemon().stop(), 0);
    }
}

TEST_F(Pinning, HybridHierarchyIsFoundInMountinfo)
{
    daemon().setLauncher(lab().pinningLauncher("hybrid"));
    startDaemon();
    EXPECT_NE(daemon().log().find("attached to /sys/fs/cgroup/unified/ifpin/mgmt"), std::string::npos) << daemon().log();
    auto pinned = lab().shell(exec("mgmt") + "sh -c " + quote("cat /proc/self/cgroup; curl -s -m 5 http://" +
                                                             std::string(server4) + "/"));
    EXPECT_NE(pinned.out.find("0::" + roleCgroupSeen("mgmt") + "\n"), std::string::npos) << pinned.describe();
    EXPECT_NE(pinned.out.find("\nmgmt\n"), std::string::npos) << pinned.describe();
}

// ---- pin requests that lie or are malformed: raw SEQPACKET clients --------------------------------

struct PinReply {
    int status = -1; // -1: no reply
    std::string message;
    bool closed = false; // the connection was closed after the reply
};

// One pin request for role on a fresh connection, with SCM_CREDENTIALS of pid `credentialsPid`,
// the given descriptors, and the request's fields as given; with waitForClose, whether ifpind closes
// the connection after its reply.
PinReply rawPinRequest(const std::string &socketPath, const std::string &role, std::vector<int> descriptors,
                       pid_t credentialsPid = getpid(), uint16_t family = 0, bool waitForClose = false)
{
    ifpin::Socket fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un address = unixAddress(socketPath);
    if (connect(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        return {};
    ifpin_request request{};
    request.type = IFPIN_REQUEST_PIN_PROCESS;
    request.family = family;
    std::snprintf(request.role, sizeof request.role, "%s", role.c_str());
    uint8_t bytes[IFPIN_REQUEST_MAX];
    size_t length = ifpin_encode_request(&request, bytes, sizeof bytes);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 4)] = {};
    iovec iov{bytes, length};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(sizeof(ucred)) + (descriptors.empty() ? 0 : CMSG_SPACE(sizeof(int) * descriptors.size()));
    cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_CREDENTIALS;
    header->cmsg_len = CMSG_LEN(sizeof(ucred));
    ucred credentials{credentialsPid, getuid(), getgid()};
    std::memcpy(CMSG_DATA(header), &credentials, sizeof credentials);
    if (!descriptors.empty()) {
        header = CMSG_NXTHDR(&message, header);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * descriptors.size());
        std::memcpy(CMSG_DATA(header), descriptors.data(), sizeof(int) * descriptors.size());
    }
    if (sendmsg(fd.get(), &message, MSG_NOSIGNAL) != static_cast<ssize_t>(length))
        return {};
    pollfd ready{fd.get(), POLLIN, 0};
    if (poll(&ready, 1, 10000) <= 0)
        return {};
    uint8_t reply[IFPIN_REPLY_MAX];
    ssize_t got = recv(fd.get(), reply, sizeof reply, 0);
    PinReply out;
    ifpin_reply decoded{};
    if (got > 0 && ifpin_decode_reply(reply, size_t(got), &decoded) == IFPIN_STATUS_OK) {
        out.status = decoded.status;
        out.message = decoded.message;
    }
    char byte;
    out.closed = waitForClose && poll(&ready, 1, 2000) > 0 && recv(fd.get(), &byte, 1, MSG_DONTWAIT) == 0;
    return out;
}

TEST_F(Pinning, FalseOrMalformedPinRequestsAreRefused)
{
    startDaemon();
    const std::string ownCgroupBefore = lab().output("cat /proc/" + std::to_string(getpid()) + "/cgroup");
    const std::string pid1CgroupBefore = lab().output("cat /proc/1/cgroup");
    auto pidfd = [](pid_t pid) { return ifpin::Socket(static_cast<int>(syscall(SYS_pidfd_open, pid, 0))); };

    // Somebody else's pidfd (pid 1) with this process's credentials: the pidfd names another process.
    ifpin::Socket init = pidfd(1);
    auto other = rawPinRequest(socketPath_, "mgmt", {init.get()});
    EXPECT_EQ(other.status, IFPIN_STATUS_PIN_FAILED) << other.message;
    EXPECT_NE(other.message.find("the pidfd sent names pid 1"), std::string::npos) << other.message;

    // A pidfd of a child that is gone.
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    ifpin::Socket reaped = pidfd(child);
    waitpid(child, nullptr, 0);
    auto gone = rawPinRequest(socketPath_, "mgmt", {reaped.get()});
    EXPECT_EQ(gone.status, IFPIN_STATUS_PIN_FAILED) << gone.message;
    EXPECT_NE(gone.message.find("gone"), std::string::npos) << gone.message;

    // A descriptor that is no pidfd.
    ifpin::Socket null(open("/dev/null", O_RDONLY | O_CLOEXEC));
    auto notPidfd = rawPinRequest(socketPath_, "mgmt", {null.get()});
    EXPECT_EQ(notPidfd.status, IFPIN_STATUS_PIN_FAILED) << notPidfd.message;
    EXPECT_NE(notPidfd.message.find("not a pidfd"), std::string::npos) << notPidfd.message;

    // Malformed: fields that must be 0; more than one descriptor (closed like any other extra).
    ifpin::Socket self = pidfd(getpid());
    auto family = rawPinRequest(socketPath_, "mgmt", {self.get()}, getpid(), AF_INET);
    EXPECT_EQ(family.status, IFPIN_STATUS_INVALID_ARGUMENT) << family.message;
    auto two = rawPinRequest(socketPath_, "mgmt", {self.get(), null.get()}, getpid(), 0, true);
    EXPECT_EQ(two.status, IFPIN_STATUS_BAD_REQUEST) << two.message;
    EXPECT_TRUE(two.closed) << "the connection stays open after descriptors it may not carry";
    auto unknown = rawPinRequest(socketPath_, "nosuch", {self.get()});
    EXPECT_EQ(unknown.status, IFPIN_STATUS_UNKNOWN_ROLE) << unknown.message;

    // A client repeating a refused request costs ifpind a bounded number of log lines.
    for (int i = 0; i < 40; ++i)
        EXPECT_EQ(rawPinRequest(socketPath_, "nosuch", {self.get()}).status, IFPIN_STATUS_UNKNOWN_ROLE);
    EXPECT_LE(countLines(daemon().log(), "pinning: refused to pin"), 20u) << daemon().log();

    // Nobody was moved, and ifpind goes on pinning.
    EXPECT_EQ(lab().output("cat /proc/" + std::to_string(getpid()) + "/cgroup"), ownCgroupBefore);
    EXPECT_EQ(lab().output("cat /proc/1/cgroup"), pid1CgroupBefore);
    EXPECT_EQ(curl(server4, exec("mgmt")).out, "mgmt\n");
}

} // namespace
} // namespace ifpin::lab
