// The bound-socket broker from the client side, in a lab (tools/lab.sh): `ifpinctl exec` and the
// preload shim pin TCP and UDP to mgmt for allowed users and fail closed for others; libifpin hands
// out sockets an unprivileged program cannot rebind, reports errors with errno and the daemon's
// message, and builds from an installed tree with pkg-config; bad clients cost ifpind nothing.
// Helpers (udp_probe, bound_socket_probe) and paths come from meson (tests/integration/meson.build).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <ifpin/ifpin.h>
#include <ifpin/ifpin.hpp>

#include "broker_fixture.hpp"
#include "protocol.h"

namespace ifpin::lab {
namespace {

using namespace broker_test;

TEST_F(Broker, ExecPinsTcpToMgmt)
{
    startDaemon();
    for (const char *address : {server4, server6}) {
        EXPECT_EQ(curl(address).out, "media\n") << address;
        auto pinned = curl(address, exec("mgmt"));
        EXPECT_TRUE(pinned.ok()) << address << ": " << pinned.describe();
        EXPECT_EQ(pinned.out, "mgmt\n") << address;
        EXPECT_EQ(pinned.err, "") << address;
    }
}

TEST_F(Broker, ExecPinsUdpToMgmt)
{
    startDaemon();
    for (const char *address : {server4, server6}) {
        for (bool flags : {false, true}) {
            auto plain = lab().shell(udpProbe(address, flags));
            EXPECT_EQ(plain.out, "media\n") << address << ": " << plain.describe();
            auto pinned = lab().shell(exec("mgmt") + udpProbe(address, flags));
            EXPECT_TRUE(pinned.ok()) << address << " flags " << flags << ": " << pinned.describe();
            EXPECT_EQ(pinned.out, "mgmt\n") << address << " flags " << flags;
        }
    }
}

TEST_F(Broker, ExecCommandLine)
{
    // No daemon: nothing here may need one. Netlink and Unix sockets pass the shim untouched.
    auto links = lab().shell(exec("mgmt") + "ip -br link show dev mgmt0");
    EXPECT_TRUE(links.ok()) << links.describe();
    EXPECT_NE(links.out.find("mgmt0"), std::string::npos) << links.out;

    auto env = lab().shell("LD_PRELOAD=/nonexistent/earlier.so " + exec("mgmt") +
                           "sh -c 'echo \"$LD_PRELOAD|$IFPIN_ROLE|$IFPIN_SOCKET\"; exit 3'");
    EXPECT_EQ(env.status, 3) << env.describe();
    EXPECT_EQ(env.out, requiredEnv("IFPIN_PRELOAD") + ":/nonexistent/earlier.so|mgmt|" + socketPath_ + "\n");

    auto missing = lab().shell(exec("mgmt") + "/nonexistent/command");
    EXPECT_EQ(missing.status, 127) << missing.describe();
    EXPECT_NE(missing.err.find("/nonexistent/command: command not found"), std::string::npos) << missing.err;

    const std::string marker = scratch().path() + "/ran";
    auto noShim = lab().shell("IFPIN_PRELOAD=/nonexistent/shim.so " + exec("mgmt") + "touch " + quote(marker));
    EXPECT_EQ(noShim.status, 1) << noShim.describe();
    EXPECT_NE(noShim.err.find("/nonexistent/shim.so"), std::string::npos) << noShim.err;
    EXPECT_FALSE(std::filesystem::exists(marker)) << "the command ran without the shim";

    for (const std::string args : {"", "exec", "exec mgmt", "exec mgmt --", "frobnicate", "exec --bogus mgmt -- true"}) {
        auto bad = lab().shell(quote(ifpinctl_) + " " + args);
        EXPECT_EQ(bad.status, 2) << "ifpinctl " << args << ": " << bad.describe();
        EXPECT_NE(bad.err.find("ifpinctl"), std::string::npos) << "ifpinctl " << args << ": " << bad.err;
    }
    auto version = lab().shell(quote(ifpinctl_) + " --version");
    EXPECT_TRUE(version.ok()) << version.describe();
    EXPECT_EQ(version.out.rfind("ifpinctl ", 0), 0u) << version.out;
}

TEST_F(Broker, AllowedGroupMemberIsPinnedToMgmt)
{
    startDaemon();
    for (const char *address : {server4, server6}) {
        auto tcp = curl(address, asAllowedUser() + exec("mgmt"));
        EXPECT_TRUE(tcp.ok()) << address << ": " << tcp.describe();
        EXPECT_EQ(tcp.out, "mgmt\n") << address;
        auto udp = lab().shell(asAllowedUser() + exec("mgmt") + udpProbe(address));
        EXPECT_EQ(udp.out, "mgmt\n") << address << ": " << udp.describe();
    }
    // media has no allow lists: root only.
    auto media = curl(server4, asAllowedUser() + exec("media"));
    EXPECT_NE(media.status, 0);
    EXPECT_NE(media.err.find("ifpin: cannot get a media socket: uid 4242 may not use role media"), std::string::npos)
        << media.err;
}

TEST_F(Broker, UserInNoAllowListIsRefusedAndSendsNothing)
{
    startDaemon();
    const auto before = trafficCounters(lab());
    auto tcp = curl(server4, asStranger() + exec("mgmt"));
    EXPECT_NE(tcp.status, 0) << tcp.describe();
    EXPECT_EQ(tcp.out, "");
    EXPECT_NE(tcp.err.find("ifpin: cannot get a mgmt socket: uid 4244 may not use role mgmt"), std::string::npos)
        << tcp.err;

    auto udp = lab().shell(asStranger() + exec("mgmt") + udpProbe(server6));
    EXPECT_EQ(udp.status, 1) << udp.describe();
    // One socket() call, one line from the shim, then the program's own error (EACCES).
    EXPECT_EQ(countLines(udp.err, "ifpin: cannot get a mgmt socket: uid 4244 may not use role mgmt"), 1u) << udp.err;
    EXPECT_NE(udp.err.find("udp_probe: socket: Permission denied"), std::string::npos) << udp.err;
    EXPECT_EQ(trafficCounters(lab()), before) << "a refused program sent something";

    // The counters do see traffic: the same as an allowed user moves them.
    auto allowed = lab().shell(asAllowedUser() + exec("mgmt") + udpProbe(server6));
    EXPECT_EQ(allowed.out, "mgmt\n") << allowed.describe();
    EXPECT_NE(trafficCounters(lab()), before);
}

TEST_F(Broker, FailOpenGivesAnUnpinnedSocketWithAWarning)
{
    startDaemon();
    auto open = curl(server4, "IFPIN_FAIL_OPEN=1 " + asStranger() + exec("mgmt"));
    EXPECT_TRUE(open.ok()) << open.describe();
    EXPECT_EQ(open.out, "media\n");
    EXPECT_NE(open.err.find("ifpin: cannot get a mgmt socket: uid 4244 may not use role mgmt"), std::string::npos)
        << open.err;
    EXPECT_NE(open.err.find("IFPIN_FAIL_OPEN=1"), std::string::npos) << open.err;

    // Without the daemon: closed by default, open on request.
    daemon().stop();
    auto closed = curl(server4, exec("mgmt"));
    EXPECT_NE(closed.status, 0);
    EXPECT_NE(closed.err.find("ifpin: cannot get a mgmt socket: cannot reach ifpind at " + socketPath_),
              std::string::npos)
        << closed.err;
    auto openWithout = curl(server4, "IFPIN_FAIL_OPEN=1 " + exec("mgmt"));
    EXPECT_EQ(openWithout.out, "media\n") << openWithout.describe(); // ifpind left its routes
}

TEST_F(Broker, LibifpinProgramCannotRebindItsSocket)
{
    startDaemon();
    for (const char *address : {server4, server6}) {
        auto probe = lab().shell(asAllowedUser() + quote(boundSocketProbe_) + " mgmt " + address);
        EXPECT_TRUE(probe.ok()) << address << ": " << probe.describe() << probe.out;
        EXPECT_EQ(probe.out, "device=mgmt0\nrebind=EPERM\nunbind=EPERM\nanswer=mgmt\n") << address;
    }
    // Root (CAP_NET_RAW) may: the socket it unbinds follows the default routes again. It keeps mgmt's
    // mark, which the egress guard drops on media0 (egress_test.cpp): without the guard's table here.
    ASSERT_TRUE(lab().shellIn(lab().hostNamespace(), "nft delete table inet ifpind").ok());
    auto root = lab().shell(quote(boundSocketProbe_) + " mgmt " + server4);
    EXPECT_EQ(root.out, "device=mgmt0\nrebind=ok\nunbind=ok\nanswer=media\n") << root.describe();
}

TEST_F(Broker, InstalledLibraryBuildsWithPkgConfig)
{
    const std::string destdir = scratch().path() + "/destdir";
    auto install = runCommand({requiredEnv("IFPIN_MESON"), "install", "-C", requiredEnv("IFPIN_BUILD_ROOT"),
                               "--no-rebuild", "--quiet", "--destdir", destdir},
                              90s);
    ASSERT_TRUE(install.ok()) << install.describe() << install.out;

    const auto pc = findFile(destdir, "ifpin.pc");
    ASSERT_FALSE(pc.empty()) << "no ifpin.pc under " << destdir;
    const std::string pkgConfig = "PKG_CONFIG_PATH=" + quote(std::filesystem::path(pc).parent_path()) +
                                  " PKG_CONFIG_SYSROOT_DIR=" + quote(destdir) + " pkg-config ";
    auto libdir = runCommand({"sh", "-c", pkgConfig + "--variable=libdir ifpin"});
    ASSERT_TRUE(libdir.ok()) << libdir.describe();
    // pkgconf puts the sysroot in front of variables too; pkg-config 0.29 did not.
    std::string installedLibdir = trim(libdir.out);
    if (installedLibdir.rfind(destdir, 0) != 0)
        installedLibdir = destdir + installedLibdir;
    for (const char *file : {"libifpin.so.1", "libifpin.so", "ifpin/libifpin-preload.so"})
        EXPECT_TRUE(std::filesystem::exists(installedLibdir + "/" + file)) << file << " not in " << installedLibdir;
    EXPECT_FALSE(std::filesystem::exists(installedLibdir + "/libifpin-preload.so")) << "the shim is not a library to link";
    EXPECT_FALSE(findFile(destdir, "ifpinctl").empty());
    EXPECT_FALSE(findFile(destdir, "ifpin.hpp").empty());

    // C, as the documentation says, plus an rpath since the tree is not where the loader looks.
    const std::string app = scratch().path() + "/app";
    auto cc = runCommand({"sh", "-c", quote(requiredEnv("IFPIN_CC")) + " -Wall -Wextra -Werror -o " + quote(app) + " " +
                                          quote(requiredEnv("IFPIN_BOUND_SOCKET_PROBE_SOURCE")) + " $(" + pkgConfig +
                                          "--cflags --libs ifpin) -Wl,-rpath," + quote(installedLibdir)});
    ASSERT_TRUE(cc.ok()) << cc.describe() << cc.out;
    // The installed library, not the build tree's (meson sets LD_LIBRARY_PATH for the tests).
    const std::string run = "env -u LD_LIBRARY_PATH " + asAllowedUser() + quote(app);
    auto loaded = lab().shell("env -u LD_LIBRARY_PATH LD_TRACE_LOADED_OBJECTS=1 " + quote(app));
    EXPECT_NE(loaded.out.find(installedLibdir + "/libifpin.so.1"), std::string::npos) << loaded.describe() << loaded.out;
    auto probe = lab().shell(run + " mgmt " + server4);
    EXPECT_EQ(probe.out, "errno=ENOENT\nmessage=cannot reach ifpind at " + socketPath_ +
                             ": No such file or directory (is ifpind running?)\n")
        << probe.describe();
    startDaemon();
    probe = lab().shell(run + " mgmt " + server4);
    EXPECT_TRUE(probe.ok()) << probe.describe() << probe.out;
    EXPECT_EQ(probe.out, "device=mgmt0\nrebind=EPERM\nunbind=EPERM\nanswer=mgmt\n");

    // C++, through ifpin.hpp.
    const std::string cxxSource = scratch().write("app.cpp", cxxApp);
    auto cxx = runCommand({"sh", "-c", quote(requiredEnv("IFPIN_CXX")) + " -std=c++17 -Wall -Wextra -Werror -o " + quote(app) + "++ " + quote(cxxSource) + " $(" + pkgConfig +
                                           "--cflags --libs ifpin) -Wl,-rpath," + quote(installedLibdir)});
    ASSERT_TRUE(cxx.ok()) << cxx.describe() << cxx.out;
    auto cxxRun = lab().shell("env -u LD_LIBRARY_PATH " + quote(app + "++"));
    EXPECT_EQ(cxxRun.out, "device=mgmt0 count=3\nerror=2 cannot get a nosuch socket: unknown role 'nosuch': No such file or directory\n")
        << cxxRun.describe();

    // Exported: the public API only; the shim exports socket() alone.
    EXPECT_EQ(exportedSymbols(installedLibdir + "/libifpin.so.1", {"ifpin_socket", "ifpin_sockets",
                                                                   "ifpin_strerror_last", "ifpin_pin_process",
                                                                   "ifpin_encode_request", "ifpin_decode_reply",
                                                                   "socket"}),
              "ifpin_socket ifpin_sockets ifpin_strerror_last ifpin_pin_process");
    EXPECT_EQ(exportedSymbols(installedLibdir + "/ifpin/libifpin-preload.so",
                              {"socket", "ifpin_socket", "ifpin_strerror_last", "ifpin_pin_process",
                               "ifpin_encode_request"}),
              "socket");
}

TEST_F(Broker, LibraryReportsErrors)
{
    EXPECT_TRUE(failsWith(ifpin_socket(nullptr, AF_INET, SOCK_STREAM, 0), EINVAL, "no role given"));
    EXPECT_TRUE(failsWith(ifpin_socket("", AF_INET, SOCK_STREAM, 0), EINVAL, "no role given"));
    EXPECT_TRUE(failsWith(ifpin_socket(std::string(33, 'r').c_str(), AF_INET, SOCK_STREAM, 0), EINVAL, "longer than 32"));
    EXPECT_TRUE(failsWith(ifpin_socket("mgmt", AF_UNIX, SOCK_STREAM, 0), EINVAL, "family"));
    EXPECT_TRUE(failsWith(ifpin_socket("mgmt", AF_INET, SOCK_RAW, 0), EINVAL, "socket type"));
    int fds[IFPIN_SOCKETS_MAX + 1];
    EXPECT_TRUE(failsWith(ifpin_sockets("mgmt", AF_INET, SOCK_DGRAM, 0, fds, 0), EINVAL, "1 to 64"));
    EXPECT_TRUE(failsWith(ifpin_sockets("mgmt", AF_INET, SOCK_DGRAM, 0, fds, IFPIN_SOCKETS_MAX + 1), EINVAL, "1 to 64"));

    // No daemon: no socket file, or one nobody listens on.
    EXPECT_TRUE(failsWith(ifpin_socket("mgmt", AF_INET, SOCK_STREAM, 0), ENOENT, "is ifpind running?"));
    {
        ScopedEnv stale("IFPIN_SOCKET", makeStaleSocket(scratch().path() + "/stale.sock"));
        EXPECT_TRUE(failsWith(ifpin_socket("mgmt", AF_INET, SOCK_STREAM, 0), ECONNREFUSED, "is ifpind running?"));
    }

    startDaemon();
    EXPECT_TRUE(failsWith(ifpin_socket("nosuch", AF_INET, SOCK_STREAM, 0), ENOENT, "unknown role 'nosuch'"));
    try {
        ifpin::openSocket("nosuch", AF_INET6, SOCK_DGRAM);
        ADD_FAILURE() << "openSocket of an unknown role did not throw";
    } catch (const ifpin::Error &error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_NE(std::string(error.what()).find("unknown role 'nosuch'"), std::string::npos) << error.what();
    }
    auto denied = lab().shell(asStranger() + quote(boundSocketProbe_) + " mgmt " + server4);
    EXPECT_EQ(denied.status, 1) << denied.describe();
    EXPECT_EQ(denied.out.rfind("errno=EACCES\nmessage=uid 4244 may not use role mgmt (allowed: ", 0), 0u)
        << denied.out;

    lab().run("ip link del mgmt0");
    EXPECT_TRUE(failsWith(ifpin_socket("mgmt", AF_INET, SOCK_STREAM, 0), ENODEV, "interface mgmt0 of role mgmt does not exist"));
    lab().recreateUplink("mgmt");
    EXPECT_TRUE(eventually([] { return ifpin::Socket(ifpin_socket("mgmt", AF_INET, SOCK_STREAM, 0)).get() >= 0; }));
}

TEST_F(Broker, LibraryHandsOutBoundSocketsWithTheFlagsAskedFor)
{
    startDaemon();
    for (int flags : {0, int{SOCK_NONBLOCK}, int{SOCK_CLOEXEC}, SOCK_NONBLOCK | SOCK_CLOEXEC}) {
        ifpin::Socket socket = ifpin::openSocket("mgmt", AF_INET, SOCK_STREAM | flags);
        EXPECT_EQ(boundDevice(socket.get()), "mgmt0");
        EXPECT_EQ((fcntl(socket.get(), F_GETFL) & O_NONBLOCK) != 0, (flags & SOCK_NONBLOCK) != 0) << flags;
        EXPECT_EQ((fcntl(socket.get(), F_GETFD) & FD_CLOEXEC) != 0, (flags & SOCK_CLOEXEC) != 0) << flags;
    }
    // This process is not in the lab, but the socket is: it reaches the lab's server through mgmt.
    EXPECT_EQ(httpGet(ifpin::openSocket("mgmt", AF_INET, SOCK_STREAM), server4), "mgmt\n");
    EXPECT_EQ(httpGet(ifpin::openSocket("media", AF_INET6, SOCK_STREAM), server6), "media\n");

    auto batch = ifpin::openSockets("mgmt", AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0, IFPIN_SOCKETS_MAX);
    ASSERT_EQ(batch.size(), size_t{IFPIN_SOCKETS_MAX});
    std::vector<int> distinct;
    for (const auto &socket : batch) {
        EXPECT_EQ(boundDevice(socket.get()), "mgmt0");
        distinct.push_back(socket.get());
    }
    std::sort(distinct.begin(), distinct.end());
    EXPECT_EQ(std::unique(distinct.begin(), distinct.end()), distinct.end());
    batch.clear();

    // A failed batch leaves no descriptor behind.
    const size_t before = openFdCount(getpid());
    int fds[IFPIN_SOCKETS_MAX];
    EXPECT_TRUE(failsWith(ifpin_sockets("nosuch", AF_INET, SOCK_DGRAM, 0, fds, IFPIN_SOCKETS_MAX), ENOENT, "unknown role"));
    EXPECT_EQ(openFdCount(getpid()), before);
}

// ---- bad clients: raw SEQPACKET connections ----------------------------------------------------

TEST_F(Broker, SurvivesMalformedRequests)
{
    startAndMeasure();
    const auto good = requestBytes("mgmt", AF_INET, SOCK_DGRAM, 1);
    auto version = good;
    setVersion(version, IFPIN_PROTOCOL_VERSION + 1);
    auto trailing = good;
    trailing.push_back(0);
    auto oversized = good;
    oversized.resize(IFPIN_REQUEST_MAX + 40, 'x');
    const std::vector<std::pair<std::string, std::vector<uint8_t>>> cases{
        {"garbage", std::vector<uint8_t>(40, 0xa5)},
        {"truncated", std::vector<uint8_t>(good.begin(), good.begin() + 10)},
        {"oversized", oversized},
        {"trailing byte", trailing},
        {"unknown version", version},
    };
    for (const auto &[name, bytes] : cases) {
        RawClient client(socketPath_);
        ASSERT_TRUE(client.send(bytes)) << name;
        auto reply = client.receive(5s);
        ASSERT_TRUE(reply.has_value()) << name << ": no reply";
        EXPECT_EQ(reply->status, name == "unknown version" ? IFPIN_STATUS_UNSUPPORTED_VERSION : IFPIN_STATUS_BAD_REQUEST)
            << name << ": " << reply->message;
        EXPECT_TRUE(reply->fds.empty()) << name;
        EXPECT_TRUE(client.closedByPeer(5s)) << name << ": connection not closed after a bad request";
    }
    {
        // A good request, then garbage, on one connection: the first is served, the second closes it.
        RawClient client(socketPath_);
        ASSERT_TRUE(client.send(good));
        auto first = client.receive(5s);
        ASSERT_TRUE(first.has_value());
        EXPECT_EQ(first->status, IFPIN_STATUS_OK) << first->message;
        EXPECT_EQ(first->fds.size(), 1u);
        ASSERT_TRUE(client.send(std::vector<uint8_t>(3, 0)));
        auto second = client.receive(5s);
        ASSERT_TRUE(second.has_value());
        EXPECT_EQ(second->status, IFPIN_STATUS_BAD_REQUEST);
        EXPECT_TRUE(client.closedByPeer(5s));
    }
    {
        // Descriptors from a client: closed by ifpind, and the request refused.
        RawClient client(socketPath_);
        ASSERT_TRUE(client.send(good, 3));
        auto reply = client.receive(5s);
        ASSERT_TRUE(reply.has_value());
        EXPECT_NE(reply->status, IFPIN_STATUS_OK) << reply->message;
        EXPECT_TRUE(reply->fds.empty());
    }
    {
        // An empty message and a client that says nothing and hangs up.
        RawClient empty(socketPath_);
        ASSERT_TRUE(empty.send({}));
        RawClient silent(socketPath_);
    }
    expectHealthy();
}

TEST_F(Broker, SurvivesAClientThatNeverReads)
{
    startAndMeasure();
    {
        RawClient greedy(socketPath_);
        const auto request = requestBytes("mgmt", AF_INET, SOCK_DGRAM, IFPIN_MAX_SOCKETS_PER_REQUEST);
        size_t sent = 0;
        for (int i = 0; i < 1000; ++i) {
            if (!greedy.send(request, 0, MSG_DONTWAIT))
                break; // its buffer is full, or ifpind closed the connection: both fine
            ++sent;
        }
        EXPECT_GT(sent, 0u);
        // Meanwhile everybody else is served, and promptly.
        for (int i = 0; i < 20; ++i) {
            auto started = std::chrono::steady_clock::now();
            ifpin::Socket socket(ifpin_socket("mgmt", AF_INET, SOCK_DGRAM, 0));
            EXPECT_GE(socket.get(), 0) << ifpin_strerror_last();
            EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
        }
        // What ifpind holds for it stays bounded (sockets in flight belong to the receive queue).
        EXPECT_LT(openFdCount(daemon().pid()), baseline_ + 2 * IFPIN_MAX_SOCKETS_PER_REQUEST)
            << describeFds(daemon().pid(), baseline_);
    }
    expectHealthy();
}

TEST_F(Broker, SurvivesAThousandConcurrentConnections)
{
    startAndMeasure();
    constexpr size_t connections = 1000;
    std::vector<RawClient> clients;
    clients.reserve(connections);
    for (size_t i = 0; i < connections; ++i) {
        clients.emplace_back(socketPath_);
        ASSERT_TRUE(clients.back().connected()) << "connection " << i << ": " << strerror(clients.back().error());
    }
    const auto request = requestBytes("mgmt", AF_INET6, SOCK_STREAM, 1);
    for (auto &client : clients)
        client.send(request); // fails (EPIPE) where ifpind already refused the connection
    // With its hands full, ifpind refuses libifpin too: EAGAIN and its message, not a reset connection.
    EXPECT_TRUE(failsWith(ifpin_socket("mgmt", AF_INET, SOCK_STREAM, 0), EAGAIN, "too many clients"));
    // ifpind serves a bounded number of clients at once and refuses the others with BUSY (EAGAIN
    // in libifpin); either way each gets an answer, and every OK carries its socket.
    std::map<int, size_t> statuses;
    size_t sockets = 0;
    for (auto &client : clients) {
        auto reply = client.receive(30s);
        ASSERT_TRUE(reply.has_value()) << "no reply after " << statuses[IFPIN_STATUS_OK] << " OK and "
                                       << statuses[IFPIN_STATUS_BUSY] << " BUSY";
        ++statuses[reply->status];
        sockets += reply->fds.size();
        client.close();
    }
    EXPECT_EQ(statuses[IFPIN_STATUS_OK] + statuses[IFPIN_STATUS_BUSY], connections);
    EXPECT_GE(statuses[IFPIN_STATUS_OK], 100u);
    EXPECT_EQ(sockets, statuses[IFPIN_STATUS_OK]);
    clients.clear();
    expectHealthy();
}

} // namespace
} // namespace ifpin::lab
