// What the harness's own .cpp files share (those behind lab_fixture.hpp, and private_bus.cpp); tests do not use it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace ifpin::lab::detail {

using namespace std::chrono_literals;

using Clock = std::chrono::steady_clock;
inline constexpr auto pollInterval = 10ms;

// A waitpid status as CommandResult::status has it: exit code, 128+N for signal N, else -1.
int decodeWaitStatus(int status);

// The whole file; empty when it cannot be read.
std::string readFile(const std::string &path);

// How spawnWithLog opens its log file.
enum class LogFile { truncate, append };

// Starts argv (no shell, PATH searched) as a child: PR_SET_PDEATHSIG SIGKILL (a test process
// killed outright takes the child with it), stdin from /dev/null, stdout and stderr appended to
// logPath (created 0644; emptied first with LogFile::truncate), envp as its environment (nullptr:
// this process's). When exec fails the child writes why to the log and exits 127. Returns its pid;
// throws std::system_error when the log cannot be opened or fork fails.
pid_t spawnWithLog(const std::vector<std::string> &argv, const std::string &logPath, LogFile mode,
                   char **envp = nullptr);

} // namespace ifpin::lab::detail
