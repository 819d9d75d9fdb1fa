// Running things: requiredEnv, runCommand, ScratchDir, eventually/holdsFor, and spawnWithLog, the
// child process with a log file that DaemonProcess, RouteMonitor and PrivateBus start.
#include "lab_fixture.hpp"
#include "fixture_internal.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ifpin::lab {
namespace detail {

int decodeWaitStatus(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

} // namespace detail

namespace {

using detail::Clock;
using detail::decodeWaitStatus;
using detail::pollInterval;

// argv as execvp wants it; built before fork, since the child may only make async-signal-safe calls.
std::vector<char *> execArgv(const std::vector<std::string> &argv)
{
    std::vector<char *> out;
    for (const auto &arg : argv)
        out.push_back(const_cast<char *>(arg.c_str()));
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void execOrDie(std::vector<char *> &argv)
{
    execvp(argv[0], argv.data());
    const char *what = strerror(errno);
    (void)!write(STDERR_FILENO, "exec ", 5);
    (void)!write(STDERR_FILENO, argv[0], strlen(argv[0]));
    (void)!write(STDERR_FILENO, ": ", 2);
    (void)!write(STDERR_FILENO, what, strlen(what));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
}

} // namespace

std::string requiredEnv(const char *name)
{
    const char *value = std::getenv(name);
    if (!value || !*value)
        throw std::runtime_error(std::string("environment variable ") + name +
                                 " is not set; run the integration tests through meson test");
    return value;
}

// ---- commands --------------------------------------------------------------------------------

std::string CommandResult::describe() const
{
    std::string out = timedOut ? "killed at its deadline" : "exit status " + std::to_string(status);
    if (!err.empty())
        out += "; stderr:\n" + err;
    return out;
}

CommandResult runCommand(const std::vector<std::string> &argv, std::chrono::milliseconds deadline)
{
    CommandResult result;
    int outPipe[2], errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    if (pipe2(errPipe, O_CLOEXEC) != 0) {
        close(outPipe[0]);
        close(outPipe[1]);
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    auto args = execArgv(argv);
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0); // its own group: the deadline kills whatever it started too
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devNull = open("/dev/null", O_RDONLY);
        dup2(devNull, STDIN_FILENO);
        dup2(outPipe[1], STDOUT_FILENO);
        dup2(errPipe[1], STDERR_FILENO);
        execOrDie(args);
    }
    close(outPipe[1]);
    close(errPipe[1]);
    if (child < 0) {
        close(outPipe[0]);
        close(errPipe[0]);
        result.err = std::string("fork: ") + strerror(errno);
        return result;
    }

    const auto until = Clock::now() + deadline;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string *sinks[2] = {&result.out, &result.err};
    int openPipes = 2;
    while (openPipes > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (left <= 0ms) {
            result.timedOut = true;
            kill(-child, SIGKILL);
            kill(child, SIGKILL);
            break;
        }
        int ready = poll(fds, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[4096];
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --openPipes;
            }
        }
    }
    for (auto &fd : fds)
        if (fd.fd >= 0)
            close(fd.fd);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = decodeWaitStatus(status);
    return result;
}

// ---- child process with a log file --------------------------------------------------------

namespace detail {

pid_t spawnWithLog(const std::vector<std::string> &argv, const std::string &logPath, LogFile mode, char **envp)
{
    auto args = execArgv(argv);
    const int truncateFlag = mode == LogFile::truncate ? O_TRUNC : 0;
    int logFd = open(logPath.c_str(), O_WRONLY | O_CREAT | truncateFlag | O_APPEND | O_CLOEXEC, 0644);
    if (logFd < 0)
        throw std::system_error(errno, std::generic_category(), "open " + logPath);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devNull = open("/dev/null", O_RDONLY);
        dup2(devNull, STDIN_FILENO);
        dup2(logFd, STDOUT_FILENO);
        dup2(logFd, STDERR_FILENO);
        if (envp)
            environ = envp;
        execOrDie(args);
    }
    int forkErrno = errno;
    close(logFd);
    if (child < 0)
        throw std::system_error(forkErrno, std::generic_category(), "fork");
    return child;
}

} // namespace detail

// ---- scratch directory ----------------------------------------------------------------------

ScratchDir::ScratchDir()
{
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ifpin-itest.XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = pattern;
}

ScratchDir::~ScratchDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::write(const std::string &name, std::string_view content) const
{
    const std::string target = path_ + "/" + name;
    const std::string temporary = target + ".new";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out.flush())
            throw std::runtime_error("cannot write " + temporary);
    }
    std::filesystem::rename(temporary, target);
    return target;
}

// ---- polling ---------------------------------------------------------------------------------

bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds deadline)
{
    const auto until = Clock::now() + deadline;
    while (!condition()) {
        if (Clock::now() >= until)
            return false;
        std::this_thread::sleep_for(pollInterval);
    }
    return true;
}

::testing::AssertionResult eventually(const std::function<bool()> &condition,
                                      const std::function<std::string()> &describe,
                                      std::chrono::milliseconds deadline)
{
    if (eventually(condition, deadline))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "not within " << deadline.count() << " ms; now: " << describe();
}

::testing::AssertionResult holdsFor(const std::function<bool()> &condition,
                                    const std::function<std::string()> &describe,
                                    std::chrono::milliseconds duration)
{
    const auto start = Clock::now();
    const auto until = start + duration;
    do {
        if (!condition()) {
            auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            return ::testing::AssertionFailure() << "stopped holding after " << after.count() << " ms; now: "
                                                 << describe();
        }
        std::this_thread::sleep_for(pollInterval);
    } while (Clock::now() < until);
    return ::testing::AssertionSuccess();
}
} // namespace ifpin::lab
