// Shared pieces of the benchmarks (see docs/performance.md): statistics, result lines, /proc
// readings of a process, and a daemon started as a child with a NOTIFY_SOCKET of ours.
// Benchmarks print figures; nothing here fails because the machine is slow.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ifpin::bench {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double microseconds(Clock::duration duration);

// Latency samples (µs) reduced to what the tables show.
struct Summary {
    size_t count = 0;
    double p50 = 0, p99 = 0, mean = 0, max = 0;
};
Summary summarize(std::vector<double> samples);

// One result line: "RESULT|group|name|value|unit|note", parsed by tools/bench.sh, and a
// human-readable echo on stderr.
void report(const std::string &group, const std::string &name, double value, const std::string &unit,
            const std::string &note = "");
void reportSummary(const std::string &group, const std::string &name, const Summary &summary);

// When IFPIN_BENCH_SAMPLES names a directory: the samples (one a line, first the name) in a file
// of their own there, for tools/bench-cdf.py to draw. Nothing otherwise.
void saveSamples(const std::string &group, const std::string &name, const std::vector<double> &samples);

std::string loadAverage(); // the first three fields of /proc/loadavg

// What /proc says of a process.
struct ProcessStats {
    double cpuSeconds = 0; // utime + stime
    long voluntarySwitches = 0, involuntarySwitches = 0;
    long vmHwmKiB = 0, vmRssKiB = 0;
};
ProcessStats readProcessStats(pid_t pid);

// A program run as our child (in our network namespace) with NOTIFY_SOCKET pointing at a datagram
// socket of ours, stdout and stderr to logPath. The destructor stops it (SIGTERM, then SIGKILL).
class ChildDaemon {
public:
    ChildDaemon(const std::vector<std::string> &argv, const std::string &logPath,
                const std::vector<std::string> &extraEnv = {});
    ~ChildDaemon();
    ChildDaemon(const ChildDaemon &) = delete;
    ChildDaemon &operator=(const ChildDaemon &) = delete;

    // Time from fork to READY=1; nothing when it exited or the deadline passed.
    std::optional<Clock::duration> waitReady(Clock::duration deadline);
    pid_t pid() const { return pid_; }
    bool exited() const { return pid_ < 0; } // known to have exited (found by waitReady)
    // Datagrams read from NOTIFY_SOCKET so far. A reader thread drains the socket all the time, as
    // systemd does: a full queue would block the daemon's sd_notify().
    size_t notifications() const { return notifications_; }
    Clock::time_point started() const { return started_; }
    void signal(int signo) const;
    void stop();

private:
    pid_t pid_ = -1;
    void readNotifications();

    int notifyFd_ = -1;
    std::string notifyPath_;
    Clock::time_point started_;
    std::atomic<size_t> notifications_{0};
    std::atomic<bool> stopReader_{false};
    std::mutex mutex_;
    std::condition_variable readyChanged_;
    std::optional<Clock::time_point> readyAt_;
    std::thread reader_;
};

} // namespace ifpin::bench
