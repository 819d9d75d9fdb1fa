// The broker under load in a lab (tools/lab.sh): ten thousand short connections from eight clients
// at once, and ifpind out of file descriptors (RLIMIT_NOFILE lowered under it). Afterwards a normal
// request is served and ifpind holds the descriptors it held before.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <net/if.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "broker_fixture.hpp"

namespace ifpin::lab {
namespace {

using namespace broker_test;

class BrokerLoad : public Broker {};

std::string boundDevice(int fd)
{
    char name[IFNAMSIZ] = {};
    socklen_t length = sizeof name;
    if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &length) != 0)
        return std::string("(") + std::strerror(errno) + ")";
    return name;
}

int highestFd(pid_t pid)
{
    int highest = -1;
    for (const auto &entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
        highest = std::max(highest, std::stoi(entry.path().filename().string()));
    return highest;
}

// Eight clients asking through libifpin as fast as they are answered, each on a fresh connection:
// every request served (none refused BUSY for connections ifpind had not reaped yet, which the
// broker benchmark once saw), every socket bound to mgmt0.
TEST_F(BrokerLoad, ServesTenThousandShortConnectionsFromEightClients)
{
    startAndMeasure();
    constexpr int clients = 8, requestsPerClient = 1250;
    std::atomic<int> served{0};
    std::mutex failuresLock;
    std::vector<std::string> failures;
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&] {
            for (int i = 0; i < requestsPerClient; ++i) {
                ifpin::Socket socket(ifpin_socket("mgmt", AF_INET, SOCK_DGRAM, 0));
                std::string problem = socket.get() < 0 ? ifpin_strerror_last()
                                      : boundDevice(socket.get()) != "mgmt0" ? "bound to " + boundDevice(socket.get())
                                                                             : "";
                if (problem.empty()) {
                    ++served;
                } else {
                    std::lock_guard lock(failuresLock);
                    failures.push_back(problem);
                }
            }
        });
    for (auto &thread : threads)
        thread.join();
    EXPECT_EQ(served, clients * requestsPerClient);
    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, the first: " << failures.front();
    expectHealthy();
}

// RLIMIT_NOFILE lowered under a running ifpind to a few descriptors above what it holds, then a
// hundred clients at once: accept() and socket() fail with EMFILE. ifpind says so, keeps its route
// policy meanwhile, and once the clients are gone serves again, at the same low limit.
TEST_F(BrokerLoad, RunsOutOfDescriptorsAndRecovers)
{
    startAndMeasure();
    const pid_t pid = daemon().pid();
    const rlimit low{rlim_t(highestFd(pid) + 1 + 6), rlim_t(highestFd(pid) + 1 + 6)};
    ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0) << std::strerror(errno);

    std::vector<RawClient> clients;
    const auto request = requestBytes("mgmt", AF_INET, SOCK_DGRAM, 1);
    for (int i = 0; i < 100; ++i) {
        clients.emplace_back(socketPath_);
        ASSERT_TRUE(clients.back().connected()) << "connection " << i << ": " << std::strerror(clients.back().error());
        clients.back().send(request);
    }
    ASSERT_TRUE(eventually([&] { return daemon().log().find("cannot accept clients: Too many open files") !=
                                        std::string::npos; },
                           [&] { return describeFds(pid, baseline_); }))
        << "ifpind never ran out of descriptors";

    // Out of descriptors, the route policy still holds: a deleted route comes back.
    lab().output("ip route del default dev media0 proto 241");
    EXPECT_TRUE(eventually([&] { return lab().defaultRoutesOn("media0", Family::inet).size() == 1; },
                           [&] { return lab().describeState(); }))
        << "route not restored while ifpind had no descriptors to spare";

    clients.clear();
    expectHealthy();
    EXPECT_TRUE(daemon().running());
}

} // namespace
} // namespace ifpin::lab
