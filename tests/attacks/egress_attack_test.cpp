// Sockets handed out before ifpind stopped, or before their role was removed (issue #15, item 4).
// On SIGTERM ifpind removed its nftables table, and a client still holding a mgmt UDP socket sent
// through media with IP_PKTINFO (IPv4), to fe80::1%media0 (IPv6 scope id) and to a v4-mapped address
// with IPV6_PKTINFO: all seen on the media gateway. The same after a reload that removed mgmt. The
// guard now fails closed: the table stays across stop and restart, and a removed role's mark keeps a
// rule that drops everything its sockets send.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "attack_support.hpp"

namespace ifpin::lab::attack {
namespace {

// held_socket_probe as the allowed user, in the background: it takes a mgmt socket, says "holding",
// and waits for its go file before it sends.
class HeldProbe {
public:
    HeldProbe(const Lab &lab, const std::string &dir, int serial, const std::string &role, const std::string &mode,
              int ifindex, const std::string &address)
        : lab_(lab), out_(dir + "/held" + std::to_string(serial) + ".out"), go_(dir + "/held" + std::to_string(serial) + ".go"),
          mode_(mode)
    {
        auto started = lab.shell(asAllowedUser() + quote(requiredEnv("IFPIN_HELD_SOCKET_PROBE")) + " " + role + " " + mode +
                                 " " + std::to_string(ifindex) + " " + quote(address) + " 7 " + quote(go_) + " >" +
                                 quote(out_) + " 2>&1 </dev/null &");
        EXPECT_TRUE(started.ok()) << started.describe();
    }
    ~HeldProbe() { go(); } // never leave one waiting

    ::testing::AssertionResult holding()
    {
        return eventually([&] { return output().find("holding") != std::string::npos; },
                          [&] { return mode_ + ": " + output(); });
    }
    void go() { std::ofstream(go_) << "go\n"; }
    // "ok" or an errno name, once it has sent.
    std::string result()
    {
        eventually([&] { return output().find("send ") != std::string::npos; });
        std::string text = output();
        auto at = text.find("send ");
        return at == std::string::npos ? "(no send: " + text + ")" : trim(text.substr(at + 5));
    }
    const std::string &mode() const { return mode_; }

private:
    std::string output() const
    {
        std::ifstream in(out_);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    const Lab &lab_;
    std::string out_, go_, mode_;
};

class EgressAttack : public AttackTest {
protected:
    // The three ways out through media of the issue, from mgmt sockets held now.
    std::vector<std::unique_ptr<HeldProbe>> holdThreeWaysOut()
    {
        const int media = lab().ifindex("media0");
        std::vector<std::unique_ptr<HeldProbe>> probes;
        probes.push_back(std::make_unique<HeldProbe>(lab(), scratch().path(), serial_++, "mgmt", "pktinfo4", media, server4));
        probes.push_back(std::make_unique<HeldProbe>(lab(), scratch().path(), serial_++, "mgmt", "scope6", media, "fe80::1"));
        probes.push_back(std::make_unique<HeldProbe>(lab(), scratch().path(), serial_++, "mgmt", "mapped6", media, server4));
        for (auto &probe : probes)
            EXPECT_TRUE(probe->holding());
        return probes;
    }

    // UDP datagrams that reached the media gateway, delivered or not (fe80::1 has no listener).
    long long mediaUdp()
    {
        auto counters = trafficCounters(lab());
        const std::string ns = lab().gatewayNamespace("media") + "/";
        return counters.at(ns + "Udp:InDatagrams") + counters.at(ns + "Udp:NoPorts") +
               counters.at(ns + "Udp6InDatagrams") + counters.at(ns + "Udp6NoPorts");
    }

    bool hasTable() { return lab().shellIn(lab().hostNamespace(), "nft list table inet ifpind").ok(); }
    std::string table() { return lab().shellIn(lab().hostNamespace(), "nft list table inet ifpind").out; }

    // Sends from each probe; each must be refused (EPERM, the guard's drop) and nothing reach media.
    void expectAllDropped(std::vector<std::unique_ptr<HeldProbe>> &probes, const std::string &when)
    {
        long long before = mediaUdp();
        for (auto &probe : probes) {
            probe->go();
            EXPECT_EQ(probe->result(), "EPERM") << probe->mode() << " " << when;
        }
        EXPECT_TRUE(holdsFor([&] { return mediaUdp() == before; },
                             [&] { return "media gateway UDP " + std::to_string(mediaUdp()) + ", before " +
                                          std::to_string(before); },
                             300ms))
            << when;
    }

    int serial_ = 0;
};

TEST_F(EgressAttack, StopAndRestartLeaveNoGap)
{
    ASSERT_TRUE(start(config()));
    auto beforeStop = holdThreeWaysOut();
    auto beforeRestart = holdThreeWaysOut();
    ASSERT_EQ(daemon().stop(), 0);
    EXPECT_TRUE(hasTable()) << "a clean exit removed table inet ifpind";
    expectAllDropped(beforeStop, "after SIGTERM");

    ASSERT_TRUE(start(config()));
    EXPECT_NE(daemon().log().find("egress guard: took over table inet ifpind"), std::string::npos) << daemon().log();
    expectAllDropped(beforeRestart, "after a restart");

    // remove_routes_on_exit asks for a clean slate: then, and only then, the table goes.
    ASSERT_EQ(daemon().stop(), 0);
    ASSERT_TRUE(start(config("remove_routes_on_exit = true\n")));
    ASSERT_EQ(daemon().stop(), 0);
    EXPECT_FALSE(hasTable()) << table();
}

TEST_F(EgressAttack, RemovedRoleKeepsDroppingItsSockets)
{
    ASSERT_TRUE(start(config()));
    auto probes = holdThreeWaysOut();
    auto own = std::make_unique<HeldProbe>(lab(), scratch().path(), serial_++, "mgmt", "plain4", 0, server4);
    ASSERT_TRUE(own->holding());
    const std::string mediaOnly = daemonSection() +
                                  "\n[role.media]\ninterface = \"media0\"\nmetric = 100\ngateway4 = \"192.0.2.1\"\n";
    daemon().reload(mediaOnly);
    ASSERT_TRUE(eventually([&] { return table().find("retired role mgmt") != std::string::npos; },
                           [&] { return table() + daemon().log(); }));
    expectAllDropped(probes, "after the reload that removed mgmt");
    own->go();
    EXPECT_EQ(own->result(), "EPERM") << "a removed role's socket is dropped on its old interface too";

    // The retired mark survives a restart, and is given back when the role comes back.
    ASSERT_EQ(daemon().stop(), 0);
    ASSERT_TRUE(start(mediaOnly));
    EXPECT_NE(table().find("retired role mgmt"), std::string::npos) << table();
    daemon().reload(config());
    EXPECT_TRUE(eventually([&] { return table().find("retired role mgmt") == std::string::npos &&
                                        table().find("comment \"role mgmt\"") != std::string::npos; },
                           [&] { return table(); }));
    auto again = std::make_unique<HeldProbe>(lab(), scratch().path(), serial_++, "mgmt", "plain4", 0, server4);
    ASSERT_TRUE(again->holding());
    again->go();
    EXPECT_EQ(again->result(), "ok") << "mgmt works again";
}

// The control, and the correction of docs/security.md ("IPv6 refuses the same trick"): without the
// guard each of the three ways out reaches the media gateway, so the cases above see the guard's work.
TEST_F(EgressAttack, WithoutTheGuardEachWayOutLeaks)
{
    ASSERT_TRUE(start(config()));
    auto probes = holdThreeWaysOut();
    ASSERT_TRUE(lab().shellIn(lab().hostNamespace(), "nft delete table inet ifpind").ok());
    for (auto &probe : probes) {
        long long before = mediaUdp();
        probe->go();
        EXPECT_EQ(probe->result(), "ok") << probe->mode();
        EXPECT_TRUE(eventually([&] { return mediaUdp() > before; })) << probe->mode() << " did not leave by media0";
    }
}

} // namespace
} // namespace ifpin::lab::attack
