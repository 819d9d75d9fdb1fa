// Exhausting the broker (issue #15, items 2 and 3), against ifpind restricted as its unit restricts it
// (CAP_NET_ADMIN alone, 1024 descriptors):
// - sockets in flight: an allowed user opened 4 connections, sent 12 requests for 64 sockets each and
//   never read. The kernel charges descriptors in flight to the sender (ifpind) and refuses more
//   beyond its RLIMIT_NOFILE (ETOOMANYREFS): every reply carrying sockets then failed, for root too;
// - the connection table: any local user could hold all 256 connections, so everybody else got BUSY;
// - the log: a client reconnecting as soon as it was refused made ifpind write a line per refusal.
#include <csignal>
#include <functional>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "attack_support.hpp"

namespace ifpin::lab::attack {
namespace {

// A child process of uid (and groups) that runs body and writes what it has to say to the pipe
// `report`; the test reads with line(). Killed in the destructor.
class Attacker {
public:
    Attacker(uid_t uid, std::vector<gid_t> groups, std::function<void(int report, int command)> body)
    {
        int up[2], down[2];
        if (pipe2(up, O_CLOEXEC) != 0 || pipe2(down, O_CLOEXEC) != 0)
            throw std::system_error(errno, std::generic_category(), "pipe");
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(up[0]);
            close(down[1]);
            if (setgroups(groups.size(), groups.data()) != 0 || setresgid(uid, uid, uid) != 0 ||
                setresuid(uid, uid, uid) != 0)
                _exit(1);
            body(up[1], down[0]);
            _exit(0);
        }
        close(up[1]);
        close(down[0]);
        report_ = up[0];
        command_ = down[1];
    }
    ~Attacker()
    {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        close(report_);
        close(command_);
    }
    Attacker(const Attacker &) = delete;
    Attacker &operator=(const Attacker &) = delete;

    // The next line the child wrote, waiting up to deadline.
    std::string line(std::chrono::milliseconds deadline = 30s)
    {
        std::string text;
        auto until = std::chrono::steady_clock::now() + deadline;
        char c;
        while (std::chrono::steady_clock::now() < until) {
            pollfd ready{report_, POLLIN, 0};
            if (poll(&ready, 1, 100) <= 0)
                continue;
            if (read(report_, &c, 1) != 1)
                break;
            if (c == '\n')
                return text;
            text += c;
        }
        return "(no line: " + text + ")";
    }
    void tell() { (void)!write(command_, "go\n", 3); }

    static void say(int fd, const std::string &text) { (void)!write(fd, (text + "\n").data(), text.size() + 1); }
    static void await(int fd)
    {
        char buffer[8];
        (void)!read(fd, buffer, sizeof buffer);
    }

private:
    pid_t pid_ = -1;
    int report_ = -1, command_ = -1;
};

class BrokerExhaustionAttack : public AttackTest {
protected:
    // 64 media sockets for root (media has no allow lists: root only), as one libifpin call.
    std::string rootGetsSockets()
    {
        int fds[IFPIN_SOCKETS_MAX];
        int got = ifpin_sockets("media", AF_INET, SOCK_DGRAM, 0, fds, IFPIN_SOCKETS_MAX);
        if (got < 0)
            return std::string("refused: ") + ifpin_strerror_last();
        for (int i = 0; i < got; ++i)
            close(fds[i]);
        return "ok";
    }

    // One mgmt socket for the allowed user (uid 4242, group 4243), through libifpin in a child.
    std::string allowedUserGetsASocket()
    {
        Attacker user(allowedUid, {static_cast<gid_t>(allowedGroup)}, [](int report, int) {
            int fd = ifpin_socket("mgmt", AF_INET, SOCK_STREAM, 0);
            Attacker::say(report, fd >= 0 ? "ok" : std::string("refused: ") + ifpin_strerror_last());
        });
        return user.line();
    }

    std::string dbusOpenSocket()
    {
        auto result = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "OpenSocket", "siii",
                                    "media", "2", "2", "0"});
        return result.ok() ? "ok" : result.describe();
    }
};

TEST_F(BrokerExhaustionAttack, SocketsInFlightCannotStarveOthers)
{
    ASSERT_TRUE(start(config()));
    const std::string path = socketPath_;
    // 4 connections, 12 requests of 64 each, nothing read: 3072 sockets asked for.
    Attacker greedy(allowedUid, {static_cast<gid_t>(allowedGroup)}, [path](int report, int command) {
        std::vector<std::unique_ptr<RawClient>> clients;
        const auto request = requestBytes("mgmt", AF_INET, SOCK_DGRAM, IFPIN_MAX_SOCKETS_PER_REQUEST);
        for (int c = 0; c < 4; ++c) {
            clients.push_back(std::make_unique<RawClient>(path));
            for (int r = 0; r < 12; ++r)
                clients.back()->send(request, 0, MSG_DONTWAIT);
        }
        Attacker::say(report, "sent");
        Attacker::await(command);
        // Now read everything: how many sockets did ifpind send in all?
        size_t sockets = 0, busy = 0;
        for (auto &client : clients)
            while (auto reply = client->receive(500ms)) {
                sockets += reply->fds.size();
                busy += reply->status == IFPIN_STATUS_BUSY;
            }
        Attacker::say(report, std::to_string(sockets) + " " + std::to_string(busy));
    });
    ASSERT_EQ(greedy.line(), "sent");
    // Give ifpind the time to answer all 48 requests (it answers as they come).
    EXPECT_TRUE(eventually([&] { return countLines(daemon().log(), "are not received yet") > 0; },
                           [&] { return daemon().log(); }));

    EXPECT_EQ(rootGetsSockets(), "ok");
    EXPECT_EQ(dbusOpenSocket(), "ok");
    EXPECT_EQ(allowedUserGetsASocket(), "refused: " + std::string("256 sockets sent to uid 4242 are not received yet; "
                                                                   "read the replies first"))
        << "the greedy uid's own share is used up, and only its";
    EXPECT_EQ(countLines(daemon().log(), "Too many references"), 0u) << daemon().log();

    greedy.tell();
    std::string counts = greedy.line();
    size_t sockets = std::stoul(counts.substr(0, counts.find(' ')));
    EXPECT_LE(sockets, 256u) << "sockets in flight to one uid: " << counts;
    EXPECT_GT(sockets, 0u) << counts;
    // Once it has read them, the greedy user is served again.
    EXPECT_TRUE(eventually([&] { return allowedUserGetsASocket() == "ok"; }));
}

TEST_F(BrokerExhaustionAttack, OneUidCannotHoldTheConnectionTable)
{
    ASSERT_TRUE(start(config()));
    const std::string path = socketPath_;
    auto holder = [path](int report, int command) {
        std::vector<std::unique_ptr<RawClient>> clients;
        size_t refused = 0;
        for (int i = 0; i < 300; ++i) {
            clients.push_back(std::make_unique<RawClient>(path));
            auto reply = clients.back()->receive(20ms); // a refused one is told BUSY at once
            refused += reply && reply->status == IFPIN_STATUS_BUSY;
        }
        Attacker::say(report, std::to_string(refused));
        Attacker::await(command);
    };
    Attacker one(strangerUid, {}, holder);
    size_t refused = std::stoul(one.line());
    EXPECT_GE(refused, 300u - 32u) << "one uid holds at most 32 connections";
    EXPECT_EQ(rootGetsSockets(), "ok");
    EXPECT_EQ(allowedUserGetsASocket(), "ok");

    // Eight more strangers fill what is left but the room kept for root and the users of a role.
    std::vector<std::unique_ptr<Attacker>> more;
    for (uid_t uid = 4250; uid < 4258; ++uid) {
        more.push_back(std::make_unique<Attacker>(uid, std::vector<gid_t>{}, holder));
        more.back()->line();
    }
    EXPECT_EQ(rootGetsSockets(), "ok");
    EXPECT_EQ(allowedUserGetsASocket(), "ok");
    Attacker late(4260, {}, [path](int report, int) {
        RawClient client(path);
        auto reply = client.receive(2s);
        Attacker::say(report, reply ? reply->message : "(no reply)");
    });
    EXPECT_NE(late.line().find("kept for root and the users of a role"), std::string::npos);
}

TEST_F(BrokerExhaustionAttack, RefusalsDoNotFloodTheLog)
{
    ASSERT_TRUE(start(config()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    const std::string path = socketPath_;
    // Holds all the connections it can, then reconnects as fast as it is refused, for 3 s.
    Attacker flood(strangerUid, {}, [path](int report, int) {
        std::vector<std::unique_ptr<RawClient>> held;
        for (int i = 0; i < 300; ++i)
            held.push_back(std::make_unique<RawClient>(path));
        size_t refusals = 0;
        auto until = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < until) {
            RawClient again(path);
            if (again.receive(1s))
                ++refusals;
        }
        Attacker::say(report, std::to_string(refusals));
    });
    // Meanwhile the policy is enforced and the broker serves.
    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_EQ(rootGetsSockets(), "ok");
    size_t refusals = std::stoul(flood.line());
    EXPECT_GT(refusals, 1000u) << "the flood was too small to show anything";
    EXPECT_LE(countLines(daemon().log(), "refused a connection"), 5u) << "one line per refusal";
    // The rest are summed up when the window ends.
    EXPECT_TRUE(eventually([&] { return countLines(daemon().log(), "more broker lines about clients in the last 10 s") > 0; },
                           [&] { return daemon().log(); }, 15s));
}

} // namespace
} // namespace ifpin::lab::attack
