// Python 3 programs under the preload shim (`ifpinctl exec --preload`), in a lab (tools/lab.sh):
// CPython makes its sockets its own way (socket(family, type | SOCK_CLOEXEC, proto), then checks
// them with getsockopt), and each way must come out pinned to mgmt as a C program's does: TCP by
// socket.socket() and socket.create_connection(), UDP, and the flags Python asked for on the
// descriptor it gets. Where the packets went is the gateways' own counters, not only the answer.
// The client is python_client.py (IFPIN_PYTHON_CLIENT), run by Debian's /usr/bin/python3.
#include <string>

#include <gtest/gtest.h>

#include "broker_fixture.hpp"

namespace ifpin::lab {
namespace {

using namespace broker_test;

class BrokerPython : public Broker {
protected:
    void SetUp() override
    {
        Broker::SetUp();
        if (HasFatalFailure())
            return;
        ASSERT_NO_THROW(client_ = requiredEnv("IFPIN_PYTHON_CLIENT"));
        ASSERT_TRUE(std::filesystem::exists(python)) << python << " is missing (Debian's python3 package)";
    }

    std::string client(const std::string &mode, const std::string &address) const
    {
        return std::string(python) + " " + quote(client_) + " " + mode + " " + address;
    }

    // How far each gateway's counter `key` moved (Tcp:InSegs, Udp:InDatagrams, Udp6InDatagrams)
    // between two readings of trafficCounters.
    std::string moved(const std::map<std::string, long long> &before, const std::map<std::string, long long> &after,
                      const std::string &key)
    {
        std::string out;
        for (const char *role : {"media", "mgmt"}) {
            const std::string name = lab().gatewayNamespace(role) + "/" + key;
            out += std::string(out.empty() ? "" : " ") + role + "=" + std::to_string(after.at(name) - before.at(name));
        }
        return out;
    }

    // Runs the client under the shim as the allowed user: it must print the mgmt socket's device and
    // mgmt's answer, and only the mgmt gateway's `key` counter may move.
    void expectPinnedToMgmt(const std::string &mode, const std::string &address, const std::string &key)
    {
        const auto before = trafficCounters(lab());
        auto pinned = lab().shell(asAllowedUser() + exec("mgmt") + client(mode, address));
        const auto after = trafficCounters(lab());
        EXPECT_TRUE(pinned.ok()) << mode << " " << address << ": " << pinned.describe();
        EXPECT_EQ(pinned.out, "device=mgmt0\nanswer=mgmt\n") << mode << " " << address;
        EXPECT_EQ(pinned.err, "") << mode << " " << address;
        const std::string counters = moved(before, after, key);
        EXPECT_TRUE(counters.starts_with("media=0 mgmt=") && !counters.ends_with("mgmt=0"))
            << mode << " " << address << ": " << key << " moved " << counters;
    }

    static constexpr const char *python = "/usr/bin/python3";
    std::string client_;
};

TEST_F(BrokerPython, SocketSocketIsPinnedToMgmt)
{
    startDaemon();
    for (const char *address : {server4, server6}) {
        // Without the shim the same program follows the default routes: media.
        auto plain = lab().shell(client("socket", address));
        EXPECT_EQ(plain.out, "device=\nanswer=media\n") << address << ": " << plain.describe();
        expectPinnedToMgmt("socket", address, "Tcp:InSegs");
    }
}

TEST_F(BrokerPython, CreateConnectionIsPinnedToMgmt)
{
    startDaemon();
    for (const char *address : {server4, server6})
        expectPinnedToMgmt("create_connection", address, "Tcp:InSegs");
}

TEST_F(BrokerPython, UdpSocketIsPinnedToMgmt)
{
    startDaemon();
    expectPinnedToMgmt("udp", server4, "Udp:InDatagrams");
    expectPinnedToMgmt("udp", server6, "Udp6InDatagrams");
}

TEST_F(BrokerPython, TheFlagsPythonAskedForArriveOnItsDescriptor)
{
    startDaemon();
    // CPython adds SOCK_CLOEXEC to every socket() it makes (PEP 446): cloexec either way.
    auto flags = lab().shell(exec("mgmt") + client("flags", server4));
    EXPECT_TRUE(flags.ok()) << flags.describe();
    EXPECT_EQ(flags.out, "nonblock+cloexec: device=mgmt0 nonblocking=1 cloexec=1 type=1 family=2 proto=0\n"
                         "none: device=mgmt0 nonblocking=0 cloexec=1 type=1 family=2 proto=0\n");
    EXPECT_EQ(flags.err, "");
}

TEST_F(BrokerPython, RefusedPythonGetsPermissionDeniedAndSendsNothing)
{
    startDaemon();
    const auto before = trafficCounters(lab());
    auto refused = lab().shell(asStranger() + exec("mgmt") + client("socket", server4));
    EXPECT_EQ(refused.status, 1) << refused.describe();
    EXPECT_EQ(refused.out, "");
    EXPECT_EQ(countLines(refused.err, "ifpin: cannot get a mgmt socket: uid 4244 may not use role mgmt"), 1u)
        << refused.err;
    EXPECT_NE(refused.err.find("PermissionError: [Errno 13] Permission denied"), std::string::npos) << refused.err;
    EXPECT_EQ(trafficCounters(lab()), before) << "a refused program sent something";
}

} // namespace
} // namespace ifpin::lab
