#include "bench_support.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ifpin::bench {

double microseconds(Clock::duration duration)
{
    return std::chrono::duration<double, std::micro>(duration).count();
}

Summary summarize(std::vector<double> samples)
{
    Summary summary;
    if (samples.empty())
        return summary;
    std::sort(samples.begin(), samples.end());
    auto rank = [&](double q) { return samples[std::min(samples.size() - 1, size_t(q * double(samples.size())))]; };
    summary.count = samples.size();
    summary.p50 = rank(0.50);
    summary.p99 = rank(0.99);
    summary.max = samples.back();
    summary.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / double(samples.size());
    return summary;
}

void report(const std::string &group, const std::string &name, double value, const std::string &unit,
            const std::string &note)
{
    std::printf("RESULT|%s|%s|%.3f|%s|%s\n", group.c_str(), name.c_str(), value, unit.c_str(), note.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "  %-10s %-58s %12.2f %s %s\n", group.c_str(), name.c_str(), value, unit.c_str(),
                 note.c_str());
}

void reportSummary(const std::string &group, const std::string &name, const Summary &summary)
{
    std::string n = "n=" + std::to_string(summary.count);
    report(group, name + " p50", summary.p50, "us", n);
    report(group, name + " p99", summary.p99, "us", n);
}

void saveSamples(const std::string &group, const std::string &name, const std::vector<double> &samples)
{
    const char *directory = std::getenv("IFPIN_BENCH_SAMPLES");
    if (!directory || !*directory)
        return;
    std::string file = group + "-" + name;
    for (char &c : file)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    std::ofstream out(std::string(directory) + "/" + file + ".txt");
    out << group << "|" << name << "\n";
    for (double sample : samples)
        out << sample << "\n";
}

std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

ProcessStats readProcessStats(pid_t pid)
{
    ProcessStats stats;
    std::string base = "/proc/" + std::to_string(pid);
    std::ifstream statFile(base + "/stat");
    std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close != std::string::npos) {
        std::istringstream fields(stat.substr(close + 2));
        std::vector<std::string> values;
        for (std::string field; fields >> field;)
            values.push_back(field);
        // after "pid (comm) ": field 3 is values[0]; utime is field 14, stime field 15
        if (values.size() > 13)
            stats.cpuSeconds = double(std::stoll(values[11]) + std::stoll(values[12])) / double(sysconf(_SC_CLK_TCK));
    }
    std::ifstream status(base + "/status");
    for (std::string line; std::getline(status, line);) {
        auto value = [&] { return std::atol(line.c_str() + line.find(':') + 1); };
        if (line.rfind("VmHWM:", 0) == 0)
            stats.vmHwmKiB = value();
        else if (line.rfind("VmRSS:", 0) == 0)
            stats.vmRssKiB = value();
        else if (line.rfind("voluntary_ctxt_switches:", 0) == 0)
            stats.voluntarySwitches = value();
        else if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
            stats.involuntarySwitches = value();
    }
    return stats;
}

// ---- ChildDaemon ------------------------------------------------------------------------------

ChildDaemon::ChildDaemon(const std::vector<std::string> &argv, const std::string &logPath,
                         const std::vector<std::string> &extraEnv)
{
    notifyPath_ = "/tmp/ifpin-bench-notify." + std::to_string(getpid()) + "." +
                  std::to_string(Clock::now().time_since_epoch().count());
    notifyFd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", notifyPath_.c_str());
    if (notifyFd_ < 0 || bind(notifyFd_, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0)
        throw std::runtime_error("notify socket: " + std::string(std::strerror(errno)));
    chmod(notifyPath_.c_str(), 0666); // a daemon that drops privileges (networkd) still reaches it

    std::vector<char *> args;
    for (const auto &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    started_ = Clock::now();
    pid_ = fork();
    if (pid_ < 0)
        throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
        setenv("NOTIFY_SOCKET", notifyPath_.c_str(), 1);
        for (const auto &entry : extraEnv)
            putenv(const_cast<char *>(entry.c_str()));
        int log = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        dup2(null, 0);
        dup2(log, 1);
        dup2(log, 2);
        execvp(args[0], args.data());
        _exit(127);
    }
    reader_ = std::thread([this] { readNotifications(); });
}

ChildDaemon::~ChildDaemon()
{
    stop();
    stopReader_ = true;
    if (reader_.joinable())
        reader_.join();
    if (notifyFd_ >= 0)
        close(notifyFd_);
    unlink(notifyPath_.c_str());
}

void ChildDaemon::readNotifications()
{
    while (!stopReader_) {
        pollfd pfd{notifyFd_, POLLIN, 0};
        poll(&pfd, 1, 50);
        char buffer[4096];
        ssize_t length;
        while ((length = recv(notifyFd_, buffer, sizeof buffer - 1, 0)) > 0) {
            auto at = Clock::now();
            buffer[length] = 0;
            ++notifications_;
            if (std::strstr(buffer, "READY=1")) {
                std::lock_guard lock(mutex_);
                if (!readyAt_)
                    readyAt_ = at;
                readyChanged_.notify_all();
            }
        }
    }
}

std::optional<Clock::duration> ChildDaemon::waitReady(Clock::duration deadline)
{
    auto end = Clock::now() + deadline;
    std::unique_lock lock(mutex_);
    while (!readyAt_ && Clock::now() < end) {
        readyChanged_.wait_for(lock, 20ms);
        if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return std::nullopt;
        }
    }
    if (!readyAt_)
        return std::nullopt;
    return *readyAt_ - started_;
}

void ChildDaemon::signal(int signo) const
{
    if (pid_ > 0)
        kill(pid_, signo);
}

void ChildDaemon::stop()
{
    if (pid_ <= 0)
        return;
    kill(pid_, SIGCONT);
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

} // namespace ifpin::bench
