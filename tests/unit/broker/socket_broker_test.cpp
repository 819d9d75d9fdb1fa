// The broker's decisions with real sockets bound to the loopback device: binding a fresh socket to a
// device needs no privilege, so this runs anywhere.
#include <gtest/gtest.h>

#include <algorithm>

#include <net/if.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "broker/broker_server.hpp"
#include "broker/socket_broker.hpp"

namespace ifpin {
namespace {

class DecimalAccounts : public AccountResolver {
public:
    std::optional<uid_t> userId(std::string_view name) const override { return parse(name); }
    std::optional<gid_t> groupId(std::string_view name) const override { return parse(name); }

private:
    static std::optional<unsigned> parse(std::string_view name) { return std::stoul(std::string(name)); }
};

class SocketBrokerTest : public ::testing::Test {
protected:
    SocketBrokerTest() : broker([this](std::string_view name) { return config.findRole(name); }, accounts)
    {
        RoleConfig mgmt;
        mgmt.name = "mgmt";
        mgmt.interface = "lo";
        mgmt.allowGroups = {"4243"};
        RoleConfig gone;
        gone.name = "gone";
        gone.interface = "nosuchif0";
        gone.allowUsers = {"4242"};
        config.roles = {mgmt, gone};
    }

    static SocketRequest request(const char *role, int count = 1, int family = AF_INET, int type = SOCK_STREAM)
    {
        return SocketRequest{role, family, type, 0, count};
    }

    Config config;
    DecimalAccounts accounts;
    SocketBroker broker;
    PeerCredentials member{100, 4242, 4242, {4243}};
    PeerCredentials stranger{101, 4244, 4244, {}};
};

std::string boundDevice(int fd)
{
    char name[IFNAMSIZ] = {};
    socklen_t length = sizeof name;
    getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &length);
    return name;
}

TEST_F(SocketBrokerTest, GrantsBoundSocketsAndCountsThem)
{
    auto grant = broker.open(request("mgmt", 3, AF_INET6, SOCK_DGRAM), member);
    ASSERT_EQ(grant.status, IFPIN_STATUS_OK) << grant.message;
    ASSERT_EQ(grant.sockets.size(), 3u);
    for (const auto &socket : grant.sockets) {
        EXPECT_EQ(boundDevice(socket.get()), "lo");
        int domain = 0, type = 0;
        socklen_t length = sizeof domain;
        getsockopt(socket.get(), SOL_SOCKET, SO_DOMAIN, &domain, &length);
        getsockopt(socket.get(), SOL_SOCKET, SO_TYPE, &type, &length);
        EXPECT_EQ(domain, AF_INET6);
        EXPECT_EQ(type, SOCK_DGRAM);
    }
    EXPECT_EQ(broker.counters("mgmt").socketsServed, 3u);
    EXPECT_EQ(broker.counters("mgmt").requestsDenied, 0u);
}

TEST_F(SocketBrokerTest, RefusesStrangersAndSaysWhy)
{
    auto grant = broker.open(request("mgmt"), stranger);
    EXPECT_EQ(grant.status, IFPIN_STATUS_ACCESS_DENIED);
    EXPECT_TRUE(grant.sockets.empty());
    EXPECT_NE(grant.message.find("uid 4244 may not use role mgmt"), std::string::npos) << grant.message;
    EXPECT_EQ(broker.counters("mgmt").requestsDenied, 1u);
}

TEST_F(SocketBrokerTest, UnknownRoleAndMissingInterface)
{
    EXPECT_EQ(broker.open(request("nope"), member).status, IFPIN_STATUS_UNKNOWN_ROLE);
    auto grant = broker.open(request("gone"), member);
    EXPECT_EQ(grant.status, IFPIN_STATUS_NO_DEVICE);
    EXPECT_NE(grant.message.find("nosuchif0"), std::string::npos);
}

TEST_F(SocketBrokerTest, RefusesRequestsOfTheWrongShape)
{
    EXPECT_EQ(broker.open(request("mgmt", 0), member).status, IFPIN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(broker.open(request("mgmt", 65), member).status, IFPIN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(broker.open(request("mgmt", 1, AF_UNIX), member).status, IFPIN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(broker.open(request("mgmt", 1, AF_INET, SOCK_RAW), member).status, IFPIN_STATUS_INVALID_ARGUMENT);
    auto udpOnStream = request("mgmt");
    udpOnStream.protocol = IPPROTO_UDP;
    EXPECT_EQ(broker.open(udpOnStream, member).status, IFPIN_STATUS_INVALID_ARGUMENT);
    ifpin_request unknownType{};
    unknownType.type = 99;
    unknownType.family = AF_INET;
    unknownType.sock_type = SOCK_STREAM;
    unknownType.count = 1;
    std::snprintf(unknownType.role, sizeof unknownType.role, "mgmt");
    EXPECT_EQ(answerWireRequest(broker, unknownType, member).status, IFPIN_STATUS_BAD_REQUEST);
    EXPECT_EQ(broker.counters("mgmt").socketsServed, 0u);
}


TEST_F(SocketBrokerTest, SaysWhichRolesLookAtSupplementaryGroups)
{
    // The server reads SO_PEERGROUPS only for these: a role without group lists costs no such call.
    EXPECT_TRUE(broker.checksGroups("mgmt"));
    EXPECT_FALSE(broker.checksGroups("gone"));
    EXPECT_FALSE(broker.checksGroups("nope"));
}

TEST(PeerCredentials, ReadsCredentialsFirstAndGroupsOnlyWhenAsked)
{
    int pair[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    auto peer = PeerCredentials::of(pair[0]);
    ASSERT_TRUE(peer);
    EXPECT_EQ(peer->uid, getuid());
    EXPECT_EQ(peer->pid, getpid());
    EXPECT_TRUE(peer->groups.empty());
    ASSERT_TRUE(peer->readGroups(pair[0]));
    std::vector<gid_t> expected(size_t(getgroups(0, nullptr)));
    expected.resize(size_t(getgroups(int(expected.size()), expected.data())));
    std::sort(expected.begin(), expected.end());
    std::sort(peer->groups.begin(), peer->groups.end());
    EXPECT_EQ(peer->groups, expected);
    close(pair[0]);
    close(pair[1]);
}

} // namespace
} // namespace ifpin
