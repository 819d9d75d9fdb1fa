// ServiceNotifier against a real datagram socket that stands for systemd's and reads nothing
// until the test says so: sending never blocks, order is kept, and the newest STATUS arrives.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "core/event_loop.hpp"
#include "core/service_notifier.hpp"
#include "core/unique_fd.hpp"

namespace ifpin {
namespace {

class ServiceNotifierTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/ifpin-notify-XXXXXX";
        ASSERT_TRUE(mkdtemp(pattern));
        dir_ = pattern;
    }
    void TearDown() override
    {
        unsetenv("NOTIFY_SOCKET");
        std::filesystem::remove_all(dir_);
    }

    // A socket standing for systemd's: bound to address (a path, or "@name"), read by the test.
    UniqueFd listen(const std::string &address)
    {
        UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        sockaddr_un name{};
        name.sun_family = AF_UNIX;
        std::string bytes = address;
        if (bytes[0] == '@')
            bytes[0] = '\0';
        bytes.copy(name.sun_path, bytes.size());
        auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + bytes.size());
        EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr *>(&name), length), 0) << std::strerror(errno);
        setenv("NOTIFY_SOCKET", address.c_str(), 1);
        return fd;
    }

    static std::vector<std::string> drain(int fd)
    {
        std::vector<std::string> messages;
        char buffer[512];
        for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) >= 0;)
            messages.emplace_back(buffer, size_t(n));
        return messages;
    }

    std::string dir_;
};

TEST_F(ServiceNotifierTest, NeverBlocksOnAFullQueueAndDeliversTheNewestStatus)
{
    UniqueFd manager = listen(dir_ + "/notify");
    EventLoop loop;
    ServiceNotifier notifier(loop);
    ASSERT_TRUE(notifier.enabled());

    notifier.send("READY=1");
    // Far more than the manager's queue holds (net.unix.max_dgram_qlen, 10 by default): with a
    // blocking send this test would never get past the loop.
    for (int i = 0; i < 1000; ++i)
        notifier.status("flap " + std::to_string(i));
    EXPECT_EQ(notifier.pending(), 1u) << "only the newest status waits";

    auto first = drain(manager.get());
    ASSERT_GE(first.size(), 2u);
    EXPECT_EQ(first.front(), "READY=1");
    EXPECT_EQ(first[1], "STATUS=flap 0");

    // The retry timer sends what waited, now that the manager has read.
    for (int i = 0; i < 20 && notifier.pending() > 0; ++i)
        ASSERT_GE(sd_event_run(loop.get(), 100'000), 0);
    EXPECT_EQ(notifier.pending(), 0u);
    EXPECT_EQ(drain(manager.get()), std::vector<std::string>{"STATUS=flap 999"});
}

TEST_F(ServiceNotifierTest, KeepsOtherMessagesInOrderBehindAFullQueue)
{
    UniqueFd manager = listen(dir_ + "/notify");
    EventLoop loop;
    ServiceNotifier notifier(loop);
    for (int i = 0; i < 1000; ++i)
        notifier.status("busy " + std::to_string(i));
    notifier.send("STOPPING=1");
    notifier.status("last words");
    for (int i = 0; i < 50 && notifier.pending() > 0; ++i) {
        drain(manager.get());
        ASSERT_GE(sd_event_run(loop.get(), 300'000), 0);
    }
    EXPECT_EQ(notifier.pending(), 0u);
}

TEST_F(ServiceNotifierTest, AbstractSocketAddress)
{
    UniqueFd manager = listen("@ifpin-notify-test-" + std::to_string(getpid()));
    EventLoop loop;
    ServiceNotifier notifier(loop);
    notifier.send("READY=1");
    EXPECT_EQ(drain(manager.get()), std::vector<std::string>{"READY=1"});
}

TEST_F(ServiceNotifierTest, WithoutNotifySocketNothingIsSent)
{
    unsetenv("NOTIFY_SOCKET");
    EventLoop loop;
    ServiceNotifier notifier(loop);
    EXPECT_FALSE(notifier.enabled());
    notifier.send("READY=1");
    notifier.status("x");
    EXPECT_EQ(notifier.pending(), 0u);
}

} // namespace
} // namespace ifpin
