// Kernel pinning benchmark (docs/performance.md), in two parts, each beside its baseline measured in
// the same run:
//   sockets  the cost of creating a socket inside a pinned cgroup (the role's program binds and marks
//            it) against socket() + SO_BINDTODEVICE (what a program pinning itself, or the broker,
//            does) and against plain socket(); in one process, the phases alternating in each round,
//            CPU time per socket (the machine is shared: wall time counts waiting for a core too)
//   exec     the time `ifpinctl exec ROLE -- CMD` adds before CMD starts, kernel pinning beside the
//            preload shim, against CMD exec'd directly: fork to CMD's first instruction of main
//
// Usage (as root, in the lab's host network namespace with this host's mounts: nsenter --net):
//   pin_bench sockets PINNED_CGROUP_DIR CGROUP2_MOUNT INTERFACE MARK PROGRAM_PIN ITERATIONS ROUNDS
//   pin_bench exec IFPINCTL ROLE RUNS GAP_MS      (IFPIN_SOCKET, IFPIN_PRELOAD: the daemon's and the shim)
//   pin_bench stamp                               (the command exec measures: prints CLOCK_MONOTONIC ns)
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench_support.hpp"

using namespace ifpin::bench;

namespace {

[[noreturn]] void die(const std::string &what, bool withErrno = true)
{
    std::fprintf(stderr, "pin_bench: %s%s%s\n", what.c_str(), withErrno ? ": " : "", withErrno ? std::strerror(errno) : "");
    std::exit(1);
}

double nowNs(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

void moveSelfTo(const std::string &cgroup)
{
    const std::string path = cgroup + "/cgroup.procs";
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0\n", 2) != 2)
        die("cannot move into " + cgroup);
    close(fd);
}

std::string ownCgroup(const std::string &mount)
{
    std::ifstream in("/proc/self/cgroup");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("0::", 0) == 0)
            return mount + (line.substr(3) == "/" ? "" : line.substr(3));
    die("no cgroup v2 line in /proc/self/cgroup", false);
}

enum class Phase { plain, bind, bindMark, pinned };
const char *phaseName(Phase phase)
{
    switch (phase) {
    case Phase::plain: return "socket()";
    case Phase::bind: return "socket() + SO_BINDTODEVICE";
    case Phase::bindMark: return "socket() + SO_BINDTODEVICE + SO_MARK";
    case Phase::pinned: return "socket() in the pinned cgroup";
    }
    return "?";
}

// CPU ns per socket+close, over n sockets.
double createSockets(int type, Phase phase, long n, const std::string &interface, unsigned mark)
{
    double start = nowNs(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < n; ++i) {
        int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die("socket");
        if ((phase == Phase::bind || phase == Phase::bindMark) &&
            setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), socklen_t(interface.size())) != 0)
            die("SO_BINDTODEVICE");
        if (phase == Phase::bindMark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
            die("SO_MARK");
        close(fd);
    }
    return (nowNs(CLOCK_THREAD_CPUTIME_ID) - start) / double(n);
}

int runSockets(char **argv)
{
    const std::string pinned = argv[2], mount = argv[3], interface = argv[4];
    const unsigned mark = unsigned(std::strtoul(argv[5], nullptr, 0));
    const long n = std::atol(argv[7]);
    const int rounds = std::atoi(argv[8]);
    const std::string home = ownCgroup(mount);
    int program = bpf_obj_get(argv[6]);
    if (program < 0)
        die(std::string("cannot open the pinned program ") + argv[6]);
    report("pinning", "load average at start (sockets)", 0, "", loadAverage());
    // Is the pinned cgroup pinning? One socket made inside must come out bound.
    moveSelfTo(pinned);
    {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        char device[32] = "";
        socklen_t length = sizeof device;
        getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &length);
        close(fd);
        if (interface != device)
            die("a socket made in " + pinned + " is bound to '" + device + "', not " + interface, false);
    }
    moveSelfTo(home);

    const Phase phases[] = {Phase::plain, Phase::bind, Phase::bindMark, Phase::pinned};
    struct Type {
        int type;
        const char *name;
    };
    const Type types[] = {{SOCK_DGRAM, "UDP"}, {SOCK_STREAM, "TCP"}};
    int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
    uint64_t programNs = 0, programRuns = 0;
    createSockets(SOCK_DGRAM, Phase::plain, n / 10, interface, mark); // warm up
    for (const auto &type : types) {
        std::vector<std::vector<double>> samples(4);
        for (int round = 0; round < rounds; ++round) {
            for (Phase phase : phases) {
                if (phase != Phase::pinned) {
                    samples[size_t(phase)].push_back(createSockets(type.type, phase, n, interface, mark));
                    continue;
                }
                bpf_prog_info before{}, after{};
                __u32 length = sizeof before;
                bpf_obj_get_info_by_fd(program, &before, &length);
                moveSelfTo(pinned);
                samples[size_t(phase)].push_back(createSockets(type.type, phase, n, interface, mark));
                moveSelfTo(home);
                length = sizeof after;
                bpf_obj_get_info_by_fd(program, &after, &length);
                programNs += after.run_time_ns - before.run_time_ns;
                programRuns += after.run_cnt - before.run_cnt;
            }
        }
        double median[4];
        for (Phase phase : phases) {
            auto &values = samples[size_t(phase)];
            std::sort(values.begin(), values.end());
            median[size_t(phase)] = values[values.size() / 2];
            report("pinning", std::string(type.name) + " " + phaseName(phase) + ", CPU per socket", median[size_t(phase)],
                   "ns", "median of " + std::to_string(rounds) + " rounds of " + std::to_string(n));
        }
        double pinnedNs = median[size_t(Phase::pinned)];
        report("pinning", std::string(type.name) + " pinned / socket() + SO_BINDTODEVICE", pinnedNs / median[size_t(Phase::bind)],
               "x", "target <= 1.1");
        report("pinning", std::string(type.name) + " pinned / socket() + SO_BINDTODEVICE + SO_MARK",
               pinnedNs / median[size_t(Phase::bindMark)], "x", "");
        report("pinning", std::string(type.name) + " pinned / plain socket()", pinnedNs / median[size_t(Phase::plain)], "x", "");
    }
    if (stats >= 0 && programRuns)
        report("pinning", "the program itself, per socket (BPF_ENABLE_STATS)", double(programNs) / double(programRuns), "ns",
               std::to_string(programRuns) + " runs");
    return 0;
}

// Fork to the first line of CMD's main (pin_bench stamp): what one start of argv costs.
double startLatencyUs(const std::vector<std::string> &argv)
{
    int pipeFds[2];
    if (pipe2(pipeFds, O_CLOEXEC) != 0)
        die("pipe");
    double started = nowNs(CLOCK_MONOTONIC);
    pid_t child = fork();
    if (child == 0) {
        dup2(pipeFds[1], STDOUT_FILENO);
        std::vector<char *> args;
        for (const auto &arg : argv)
            args.push_back(const_cast<char *>(arg.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(pipeFds[1]);
    char text[64] = "";
    ssize_t got = read(pipeFds[0], text, sizeof text - 1);
    close(pipeFds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("the command did not start: " + argv[0] + " ... (wait status " + std::to_string(status) + ")", false);
    return (std::strtod(text, nullptr) - started) / 1000.0;
}

int runExec(char **argv)
{
    const std::string ifpinctl = argv[2], role = argv[3];
    const int runs = std::atoi(argv[4]);
    const auto gap = std::chrono::milliseconds(std::atoi(argv[5]));
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0)
        die("readlink /proc/self/exe");
    self[length] = '\0';
    report("pinning", "load average at start (exec)", 0, "", loadAverage());
    const std::vector<std::string> stamp{self, "stamp"};
    auto through = [&](std::vector<std::string> prefix) {
        prefix.insert(prefix.end(), stamp.begin(), stamp.end());
        return prefix;
    };
    struct Variant {
        std::string name;
        std::vector<std::string> argv;
        std::vector<double> samples;
    };
    std::vector<Variant> variants{
        {"CMD exec'd directly", stamp, {}},
        {"ifpinctl exec (kernel pinning)", through({ifpinctl, "exec", role, "--"}), {}},
        {"ifpinctl exec --preload (shim)", through({ifpinctl, "exec", "--preload", role, "--"}), {}},
    };
    // Spaced out, as people and scripts start commands: each move into the cgroup waits for an RCU
    // grace period then (measured apart below, back to back).
    for (int run = 0; run < runs; ++run)
        for (auto &variant : variants) {
            variant.samples.push_back(startLatencyUs(variant.argv));
            std::this_thread::sleep_for(gap);
        }
    std::vector<double> backToBack;
    for (int run = 0; run < runs; ++run)
        backToBack.push_back(startLatencyUs(variants[1].argv));
    double direct = summarize(variants[0].samples).p50;
    for (auto &variant : variants)
        reportSummary("pinning", "start of CMD, " + variant.name, summarize(variant.samples));
    reportSummary("pinning", "start of CMD, ifpinctl exec (kernel pinning), back to back", summarize(backToBack));
    report("pinning", "added before CMD starts by ifpinctl exec (kernel pinning) p50",
           summarize(variants[1].samples).p50 - direct, "us", "over CMD exec'd directly");
    report("pinning", "added before CMD starts by ifpinctl exec --preload (shim) p50",
           summarize(variants[2].samples).p50 - direct, "us", "over CMD exec'd directly");
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 2 && std::strcmp(argv[1], "stamp") == 0) {
        std::printf("%.0f\n", nowNs(CLOCK_MONOTONIC));
        return 0;
    }
    if (argc == 9 && std::strcmp(argv[1], "sockets") == 0)
        return runSockets(argv);
    if (argc == 6 && std::strcmp(argv[1], "exec") == 0)
        return runExec(argv);
    std::fprintf(stderr, "usage: see the comment at the top of tests/benchmarks/pin_bench.cpp\n");
    return 2;
}
