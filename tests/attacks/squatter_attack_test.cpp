// A squatter on the broker's socket path (issue #15, item 8). With the socket in a directory others
// may write to, a local user bound a socket of its own there and handed out plain, unbound sockets:
// `ifpinctl exec mgmt -- curl` then printed "media" and exited 0. libifpin now checks the server's
// SO_PEERCRED uid and that each socket it receives is bound to an interface, of the family, type and
// protocol asked for; and ifpind refuses to make its socket in a directory others may write to.
#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "attack_support.hpp"

namespace ifpin::lab::attack {
namespace {

// A process of uid `uid` in the lab's host namespace that listens on path and answers every request
// with OK and a plain socket of the family and type asked for, bound to nothing.
class Squatter {
public:
    Squatter(const Lab &lab, const std::string &path, uid_t uid)
    {
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) != 0)
            throw std::system_error(errno, std::generic_category(), "pipe");
        pid_ = fork();
        if (pid_ < 0)
            throw std::system_error(errno, std::generic_category(), "fork");
        if (pid_ == 0) {
            close(ready[0]);
            serve(lab.hostNamespace(), path, uid, ready[1]); // never returns
        }
        close(ready[1]);
        char byte = 0;
        bool listening = read(ready[0], &byte, 1) == 1 && byte == 'L';
        close(ready[0]);
        if (!listening)
            throw std::runtime_error("the squatter did not come up");
    }
    ~Squatter()
    {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    Squatter(const Squatter &) = delete;
    Squatter &operator=(const Squatter &) = delete;

private:
    [[noreturn]] static void serve(const std::string &ns, const std::string &path, uid_t uid, int ready)
    {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int nsFd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
        if (nsFd < 0 || setns(nsFd, CLONE_NEWNET) != 0 || setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 ||
            setresuid(uid, uid, uid) != 0)
            _exit(1);
        int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        sockaddr_un address = unixAddress(path);
        unlink(path.c_str());
        if (bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || listen(listener, 16) != 0)
            _exit(1);
        chmod(path.c_str(), 0666);
        (void)!write(ready, "L", 1);
        for (;;) {
            int client = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0)
                continue;
            uint8_t bytes[IFPIN_REQUEST_MAX];
            ssize_t length = recv(client, bytes, sizeof bytes, 0);
            ifpin_request request{};
            if (length > 0 && ifpin_decode_request(bytes, static_cast<size_t>(length), &request) == IFPIN_STATUS_OK) {
                std::vector<int> fds;
                for (int i = 0; i < request.count; ++i)
                    fds.push_back(socket(request.family, request.sock_type | SOCK_CLOEXEC, 0));
                ifpin_reply reply{};
                reply.status = IFPIN_STATUS_OK;
                reply.count = request.count;
                std::snprintf(reply.message, sizeof reply.message, "%s", "here you are");
                uint8_t out[IFPIN_REPLY_MAX];
                size_t outLength = ifpin_encode_reply(&reply, out, sizeof out);
                alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * IFPIN_MAX_SOCKETS_PER_REQUEST)] = {};
                iovec iov{out, outLength};
                msghdr message{};
                message.msg_iov = &iov;
                message.msg_iovlen = 1;
                message.msg_control = control;
                message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
                cmsghdr *header = CMSG_FIRSTHDR(&message);
                header->cmsg_level = SOL_SOCKET;
                header->cmsg_type = SCM_RIGHTS;
                header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
                std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
                sendmsg(client, &message, MSG_NOSIGNAL);
                for (int fd : fds)
                    close(fd);
            }
            close(client);
        }
    }

    pid_t pid_ = -1;
};

class SquatterAttack : public AttackTest {
protected:
    // A directory anyone may write to, as /tmp is.
    std::string publicDirectory()
    {
        const std::string dir = scratch().path() + "/public";
        std::filesystem::create_directories(dir);
        EXPECT_EQ(chmod(dir.c_str(), 01777), 0) << strerror(errno);
        return dir;
    }
};

TEST_F(SquatterAttack, ExecThroughASquattersSocketSendsNothing)
{
    // Unpinned traffic would leave by media: the lab's default route, as ifpind would keep it.
    lab().output("ip route add default via 192.0.2.1 dev media0 metric 100");
    const std::string path = publicDirectory() + "/ifpind.sock";
    Squatter squatter(lab(), path, strangerUid);
    auto before = trafficCounters(lab());
    const std::string curl = "curl -s -m 5 http://" + std::string(server4) + "/";
    auto result = lab().shell("IFPIN_SOCKET=" + quote(path) + " IFPIN_PRELOAD=" + quote(requiredEnv("IFPIN_PRELOAD")) +
                              " " + asAllowedUser() + quote(requiredEnv("IFPINCTL")) + " exec mgmt -- " + curl);
    EXPECT_NE(result.status, 0) << result.describe() << result.out;
    EXPECT_EQ(result.out.find("media"), std::string::npos) << "the squatter's unbound socket reached media: " << result.out;
    EXPECT_NE(result.err.find("served by uid " + std::to_string(strangerUid)), std::string::npos) << result.describe();
    auto after = trafficCounters(lab());
    const std::string media = lab().gatewayNamespace("media") + "/Tcp:InSegs";
    EXPECT_EQ(after.at(media), before.at(media)) << "TCP segments reached the media gateway";
}

// A squatter that has the daemon's uid (here: IFPIN_DAEMON_UID names it) still cannot hand out a
// socket that is bound to no interface.
TEST_F(SquatterAttack, UnboundSocketsAreRefusedEvenFromTheDaemonsUid)
{
    const std::string path = publicDirectory() + "/ifpind.sock";
    Squatter squatter(lab(), path, strangerUid);
    ScopedEnv socket("IFPIN_SOCKET", path);
    ScopedEnv daemonUid("IFPIN_DAEMON_UID", std::to_string(strangerUid));
    int fds[4] = {-1, -1, -1, -1};
    EXPECT_TRUE(failsWith(ifpin_sockets("mgmt", AF_INET, SOCK_STREAM, 0, fds, 4), EPROTO, "bound to no interface"));
    for (int fd : fds)
        EXPECT_EQ(fd, -1) << "a socket was left open";
    EXPECT_TRUE(failsWith(ifpin_socket("mgmt", AF_INET6, SOCK_DGRAM, 0), EPROTO, "bound to no interface"));
}

// ifpind itself does not make its socket where a squatter could replace it: it says why and serves
// routes (and D-Bus) without the broker.
TEST_F(SquatterAttack, IfpindRefusesASocketDirectoryOthersMayWrite)
{
    const std::string dir = publicDirectory();
    std::string toml = config();
    toml.replace(toml.find(socketPath_), socketPath_.size(), dir + "/ifpind.sock");
    daemon().start(lab(), toml);
    ASSERT_TRUE(daemon().waitReady(10s)) << daemon().log();
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_FALSE(std::filesystem::exists(dir + "/ifpind.sock"));
    EXPECT_NE(daemon().log().find("refusing to make the broker socket " + dir + "/ifpind.sock: " + dir +
                                  " is writable by others (mode 1777)"),
              std::string::npos)
        << daemon().log();

    // A directory of ifpind's own under a public one is fine: the sticky bit keeps others out of it.
    ASSERT_EQ(daemon().stop(), 0);
    const std::string own = dir + "/own";
    toml.replace(toml.find(dir + "/ifpind.sock"), dir.size() + 12, own + "/ifpind.sock");
    daemon().start(lab(), toml);
    ASSERT_TRUE(daemon().waitReady(10s)) << daemon().log();
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(own + "/ifpind.sock"); }, [&] { return daemon().log(); }));
}

} // namespace
} // namespace ifpin::lab::attack
