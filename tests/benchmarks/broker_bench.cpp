// Broker benchmark: latency and throughput of getting sockets bound to a role's interface through
// libifpin (one per call on a fresh connection, and batches of 64; 1 and 8 concurrent clients),
// beside two baselines measured in the same run: creating the socket and binding it in-process
// (socket + SO_BINDTODEVICE), a bare SCM_RIGHTS round trip over a SEQPACKET socketpair, and
// libifpin against minimal_broker, the floor of the broker's design (minimal_broker.cpp).
//
// Usage (inside the lab's host namespace, as root):
//   broker_bench IFPIND INTERFACE ROLE LABEL=CONFIG [LABEL=CONFIG...]
// Each CONFIG is an ifpind configuration whose broker socket is given by its `socket` key, read
// here from the file; the daemon is started, measured, and stopped once per configuration.
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ifpin/ifpin.h>

#include "bench_support.hpp"

using namespace ifpin::bench;

namespace {

constexpr int batchSize = 64;

struct Load {
    int clients;
    int requestsPerClient;
};
constexpr Load single1{1, 20000}, single8{8, 3000}, batch1{1, 2000}, batch8{8, 400};
double scmRightsP50 = 0; // µs, of the 1-client SCM_RIGHTS round trip: the persistent connection's floor

// Runs `request` requestsPerClient times in each of `clients` threads; returns per-request
// latencies (µs) and the wall time of the whole run.
struct Run {
    std::vector<double> latencies;
    double wallSeconds = 0;
};
Run runClients(const Load &load, const std::function<void(int client)> &setup,
               const std::function<void(int client)> &request)
{
    std::vector<std::vector<double>> perClient(size_t(load.clients));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int c = 0; c < load.clients; ++c) {
        threads.emplace_back([&, c] {
            setup(c);
            auto &samples = perClient[size_t(c)];
            samples.reserve(size_t(load.requestsPerClient));
            ++ready;
            while (!go)
                std::this_thread::yield();
            for (int i = 0; i < load.requestsPerClient; ++i) {
                auto start = Clock::now();
                request(c);
                samples.push_back(microseconds(Clock::now() - start));
            }
        });
    }
    while (ready < load.clients)
        std::this_thread::yield();
    auto start = Clock::now();
    go = true;
    for (auto &thread : threads)
        thread.join();
    Run run;
    run.wallSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (auto &samples : perClient)
        run.latencies.insert(run.latencies.end(), samples.begin(), samples.end());
    return run;
}

void reportRun(const std::string &group, const std::string &name, const Run &run, int socketsPerRequest)
{
    saveSamples(group, name, run.latencies);
    auto summary = summarize(run.latencies);
    reportSummary(group, name, summary);
    if (socketsPerRequest > 1)
        report(group, name + " p50 per socket", summary.p50 / socketsPerRequest, "us");
    double sockets = double(run.latencies.size()) * socketsPerRequest;
    report(group, name + " throughput", sockets / run.wallSeconds, "sockets/s");
}

[[noreturn]] void fail(const std::string &what)
{
    std::fprintf(stderr, "broker_bench: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

int boundSocket(const std::string &interface)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), socklen_t(interface.size())) < 0)
        fail("in-process socket bound to " + interface);
    return fd;
}

void inProcessBaseline(const std::string &interface)
{
    const std::string group = "broker";
    for (const Load &load : {single1, single8}) {
        auto run = runClients(load, [](int) {}, [&](int) { close(boundSocket(interface)); });
        reportRun(group, "baseline in-process socket+SO_BINDTODEVICE, 1 socket, " + std::to_string(load.clients) +
                             " client(s)", run, 1);
    }
    for (const Load &load : {batch1, batch8}) {
        auto run = runClients(load, [](int) {}, [&](int) {
            int fds[batchSize];
            for (int &fd : fds)
                fd = boundSocket(interface);
            for (int fd : fds)
                close(fd);
        });
        reportRun(group, "baseline in-process socket+SO_BINDTODEVICE, batch 64, " + std::to_string(load.clients) +
                             " client(s)", run, batchSize);
    }
}

void sendDescriptor(int fd, int passed)
{
    char byte = 0;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
    iovec iov{&byte, 1};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &passed, sizeof passed);
    sendmsg(fd, &message, MSG_NOSIGNAL);
}

// Sends a 1-byte request and closes the descriptor that comes back.
void requestDescriptor(int fd)
{
    char byte = 1;
    if (send(fd, &byte, 1, MSG_NOSIGNAL) != 1)
        fail("send");
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
    iovec iov{&byte, 1};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    if (recvmsg(fd, &message, MSG_CMSG_CLOEXEC) != 1)
        fail("recvmsg");
    int received;
    std::memcpy(&received, CMSG_DATA(CMSG_FIRSTHDR(&message)), sizeof received);
    close(received);
}

// The broker's shape without its work: a fresh SEQPACKET connection per request to a listener
// served by one thread (accept, one request, one fd back, wait for the client to close).
void freshConnectionBaseline(const std::string &interface)
{
    std::string path = "/tmp/ifpin-bench-broker." + std::to_string(getpid());
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    unlink(path.c_str());
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0 ||
        listen(listener, SOMAXCONN) < 0)
        fail("baseline listener");
    int passed = boundSocket(interface);
    std::thread server([&] {
        for (;;) {
            int client = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0)
                return;
            char byte;
            if (recv(client, &byte, 1, 0) == 1 && byte == 1)
                sendDescriptor(client, passed);
            bool quit = byte == 2;
            recv(client, &byte, 1, 0); // the client's close
            close(client);
            if (quit)
                return;
        }
    });
    auto connectToServer = [&] {
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0)
            fail("baseline connect");
        return fd;
    };
    auto run = runClients(single1, [](int) {}, [&](int) {
        int fd = connectToServer();
        requestDescriptor(fd);
        close(fd);
    });
    int fd = connectToServer();
    char quit = 2;
    send(fd, &quit, 1, MSG_NOSIGNAL);
    close(fd);
    server.join();
    close(listener);
    close(passed);
    unlink(path.c_str());
    reportRun("broker", "baseline fresh connection + SCM_RIGHTS round trip, 1 client(s)", run, 1);
}

// A peer thread per client answers each 1-byte request with one descriptor in SCM_RIGHTS.
void scmRightsBaseline(const std::string &interface)
{
    for (const Load &load : {single1, single8}) {
        std::vector<std::array<int, 2>> pairs(size_t(load.clients));
        std::vector<std::thread> peers;
        int passed = boundSocket(interface);
        for (auto &pair : pairs) {
            if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair.data()) < 0)
                fail("socketpair");
            peers.emplace_back([fd = pair[1], passed] {
                char byte;
                while (recv(fd, &byte, 1, 0) == 1)
                    sendDescriptor(fd, passed);
            });
        }
        auto run = runClients(load, [](int) {}, [&](int c) { requestDescriptor(pairs[size_t(c)][0]); });
        for (auto &pair : pairs)
            shutdown(pair[0], SHUT_RDWR);
        for (auto &peer : peers)
            peer.join();
        for (auto &pair : pairs) {
            close(pair[0]);
            close(pair[1]);
        }
        close(passed);
        reportRun("broker", "baseline SCM_RIGHTS round trip, " + std::to_string(load.clients) + " client(s)", run, 1);
        if (load.clients == 1)
            scmRightsP50 = summarize(run.latencies).p50;
    }
}

// The floor of the broker's design: minimal_broker (a process of its own, beside this program)
// answering libifpin, so that the client's work is the same as against ifpind.
void minimalBrokerRuns(const std::string &interface, const std::string &role)
{
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0)
        fail("readlink /proc/self/exe");
    std::string program(self, size_t(length));
    program = program.substr(0, program.rfind('/') + 1) + "minimal_broker";
    std::string path = "/tmp/ifpin-bench-minimal." + std::to_string(getpid());
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        fail("pipe");
    pid_t child = fork();
    if (child < 0)
        fail("fork");
    if (child == 0) {
        dup2(ready[1], STDOUT_FILENO);
        execl(program.c_str(), program.c_str(), path.c_str(), interface.c_str(), nullptr);
        _exit(127);
    }
    close(ready[1]);
    char line[16]{};
    if (read(ready[0], line, sizeof line - 1) <= 0)
        fail("minimal_broker did not start (" + program + ")");
    close(ready[0]);
    setenv("IFPIN_SOCKET", path.c_str(), 1);
    const std::string group = "broker";
    for (const Load &load : {single1, single8}) {
        auto run = runClients(load, [](int) {}, [&](int) {
            int fd = ifpin_socket(role.c_str(), AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
                fail(std::string("ifpin_socket (minimal broker): ") + ifpin_strerror_last());
            close(fd);
        });
        reportRun(group, "minimal broker, 1 socket, " + std::to_string(load.clients) + " client(s)", run, 1);
    }
    for (const Load &load : {batch1, batch8}) {
        auto run = runClients(load, [](int) {}, [&](int) {
            int fds[batchSize];
            if (ifpin_sockets(role.c_str(), AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds, batchSize) != batchSize)
                fail(std::string("ifpin_sockets (minimal broker): ") + ifpin_strerror_last());
            for (int fd : fds)
                close(fd);
        });
        reportRun(group, "minimal broker, batch 64, " + std::to_string(load.clients) + " client(s)", run, batchSize);
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    unlink(path.c_str());
}

std::string socketPathOf(const std::string &configPath)
{
    std::ifstream in(configPath);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch match;
    if (!std::regex_search(text, match, std::regex("socket\\s*=\\s*\"([^\"]+)\"")))
        throw std::runtime_error(configPath + " has no socket key");
    return match[1];
}

void libifpinRuns(const std::string &ifpind, const std::string &role, const std::string &label,
                  const std::string &config)
{
    std::string socketPath = socketPathOf(config);
    setenv("IFPIN_SOCKET", socketPath.c_str(), 1);
    ChildDaemon daemon({ifpind, "--config", config}, config + ".log");
    if (!daemon.waitReady(30s))
        throw std::runtime_error("ifpind (" + label + ") did not become ready; see " + config + ".log");
    const std::string group = "broker";
    for (const Load &load : {single1, single8}) {
        auto run = runClients(load, [](int) {}, [&](int) {
            int fd = ifpin_socket(role.c_str(), AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
                fail(std::string("ifpin_socket: ") + ifpin_strerror_last());
            close(fd);
        });
        reportRun(group, "libifpin log=" + label + ", 1 socket, " + std::to_string(load.clients) + " client(s)", run, 1);
    }
    for (const Load &load : {batch1, batch8}) {
        auto run = runClients(load, [](int) {}, [&](int) {
            int fds[batchSize];
            if (ifpin_sockets(role.c_str(), AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds, batchSize) != batchSize)
                fail(std::string("ifpin_sockets: ") + ifpin_strerror_last());
            for (int fd : fds)
                close(fd);
        });
        reportRun(group, "libifpin log=" + label + ", batch 64, " + std::to_string(load.clients) + " client(s)", run,
                  batchSize);
    }
    // libifpin's persistent connection (ifpin_keep_connection): the 8 clients are threads of one
    // process, so they share its one connection under the library's lock.
    ifpin_keep_connection(1);
    for (const Load &load : {single1, single8}) {
        auto run = runClients(load, [](int) {}, [&](int) {
            int fd = ifpin_socket(role.c_str(), AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
                fail(std::string("ifpin_socket (persistent): ") + ifpin_strerror_last());
            close(fd);
        });
        std::string name = "libifpin log=" + label + " persistent connection, 1 socket, " +
                           std::to_string(load.clients) + " client(s)";
        reportRun(group, name, run, 1);
        if (load.clients == 1 && scmRightsP50 > 0)
            report(group, name + " p50 / SCM_RIGHTS round trip p50", summarize(run.latencies).p50 / scmRightsP50, "x");
    }
    ifpin_keep_connection(0);
    auto stats = readProcessStats(daemon.pid());
    report(group, "ifpind log=" + label + " CPU during the broker runs", stats.cpuSeconds, "s");
    report(group, "ifpind log=" + label + " VmHWM after the broker runs", double(stats.vmHwmKiB) / 1024, "MiB");
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s IFPIND INTERFACE ROLE LABEL=CONFIG...\n", argv[0]);
        return 2;
    }
    std::string ifpind = argv[1], interface = argv[2], role = argv[3];
    std::fprintf(stderr, "broker benchmark (load average %s)\n", loadAverage().c_str());
    report("broker", "load average at start", 0, "", loadAverage());
    inProcessBaseline(interface);
    scmRightsBaseline(interface);
    freshConnectionBaseline(interface);
    minimalBrokerRuns(interface, role);
    try {
        for (int i = 4; i < argc; ++i) {
            std::string arg = argv[i];
            auto equals = arg.find('=');
            libifpinRuns(ifpind, role, arg.substr(0, equals), arg.substr(equals + 1));
        }
    } catch (const std::exception &error) {
        std::fprintf(stderr, "broker_bench: %s\n", error.what());
        return 1;
    }
    return 0;
}
