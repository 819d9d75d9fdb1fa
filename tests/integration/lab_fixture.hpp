// The integration tests' harness: a lab of network namespaces (tools/lab.sh), commands run inside
// it, the kernel's routes read back through `ip -j`, ifpind run as a child process, and polling
// helpers so that tests wait on conditions, never on fixed sleeps. See README.md beside this file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ifpin::lab {

using namespace std::chrono_literals;

enum class Family { inet, inet6 };
std::string_view familyName(Family family); // "inet" or "inet6", as `ip -f` spells them
std::ostream &operator<<(std::ostream &os, Family family);

// The value of an environment variable that meson sets for the tests (IFPIND, IFPIN_LAB); throws
// naming the variable when it is unset or empty.
std::string requiredEnv(const char *name);

// One command run to completion.
struct CommandResult {
    int status = -1;       // exit code; 128+N when killed by signal N; -1 when it could not start
    bool timedOut = false; // it was killed at the deadline
    std::string out;
    std::string err;

    bool ok() const { return status == 0 && !timedOut; }
    std::string describe() const; // status plus stderr, for failure messages
};

// Runs argv (no shell, PATH searched) with stdin from /dev/null and stdout and stderr captured;
// SIGKILLs it at the deadline.
CommandResult runCommand(const std::vector<std::string> &argv, std::chrono::milliseconds deadline = 30s);

// One default route as the kernel reports it. A multipath route gives one entry per next hop.
struct DefaultRoute {
    std::string dev;
    std::string gateway;  // empty for an on-link route
    uint32_t metric = 0;  // ip leaves out metric 0 (IPv4); IPv6 always has one (1024 when unset)
    int protocol = 0;     // numeric (ip -N); ip leaves out "boot" (3), which this fills in
    std::string table;    // the table asked for, as given (e.g. "main", "100")

    friend bool operator==(const DefaultRoute &, const DefaultRoute &) = default;
};
std::ostream &operator<<(std::ostream &os, const DefaultRoute &route);
std::string describe(const std::vector<DefaultRoute> &routes);

// A temporary directory, removed with everything in it when this goes.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir &) = delete;
    ScratchDir &operator=(const ScratchDir &) = delete;

    const std::string &path() const { return path_; }
    // Writes (replacing atomically) the file name in this directory; returns its full path.
    std::string write(const std::string &name, std::string_view content) const;

private:
    std::string path_;
};

// The namespaces of one lab: `lab.sh up` in the constructor, `lab.sh down` in the destructor (and
// on SIGINT/SIGTERM of the test process). The prefix is unique per process and lab.
class Lab {
public:
    Lab();  // throws with lab.sh's stderr when `up` fails (lab.sh has then torn down already)
    ~Lab();
    Lab(const Lab &) = delete;
    Lab &operator=(const Lab &) = delete;

    const std::string &prefix() const { return prefix_; }
    std::string hostNamespace() const;
    std::string gatewayNamespace(std::string_view role) const; // role: "media" or "mgmt"

    // `sh -c command` in the host namespace.
    CommandResult shell(const std::string &command) const;
    // Same in any namespace of the lab (e.g. gatewayNamespace("media")).
    CommandResult shellIn(const std::string &ns, const std::string &command) const;
    int run(const std::string &command) const;            // exit status
    std::string output(const std::string &command) const; // stdout; throws with stderr unless 0

    // `lab.sh recreate-uplink`: the role's host interface comes back with a new ifindex.
    void recreateUplink(std::string_view role) const;
    // `lab.sh dns`: each gateway answers DNS on 203.0.113.53, svc.ifpin.test with its own addresses.
    void startDns() const;

    // For kernel pinning, `lab.sh pinning-up`: a bpf filesystem and a cgroup v2 subtree of the
    // lab's own, removed with the lab. Their paths in this mount namespace.
    struct PinningPaths {
        std::string cgroup; // e.g. /sys/fs/cgroup/unified/ifpin-lab.PREFIX
        std::string bpffs;
    };
    PinningPaths pinningUp() const;
    // The DaemonProcess launcher that gives ifpind that bpffs as /sys/fs/bpf and that subtree as
    // its cgroup v2 hierarchy, mounted as a unified host ("unified": /sys/fs/cgroup) or a hybrid
    // one ("hybrid": /sys/fs/cgroup/unified) has it.
    std::vector<std::string> pinningLauncher(const std::string &layout = "unified") const;
    int ifindex(const std::string &interface) const; // in the host namespace; throws when absent

    // `ip -N -j -n HOST -f FAMILY route show table TABLE`, parsed. A table the kernel has never
    // had a route in is an empty array (ip itself fails for it).
    nlohmann::json routes(Family family, const std::string &table = "main") const;
    std::vector<DefaultRoute> defaultRoutes(Family family, const std::string &table = "main") const;
    // Default routes on one interface.
    std::vector<DefaultRoute> defaultRoutesOn(const std::string &dev, Family family,
                                              const std::string &table = "main") const;

    // Links, addresses and routes of the host namespace, for failure messages.
    std::string describeState() const;

private:
    std::string labScript_;
    std::string prefix_;
};

// ifpind running in a lab's host namespace as this process's child: `ip netns exec HOST $IFPIND
// --config FILE --log-level debug ARGS...`, stdout and stderr into a log file per run, and
// NOTIFY_SOCKET pointing at a socket of ours, so that tests can wait for sd_notify's READY=1.
// DBUS_SYSTEM_BUS_ADDRESS points into its scratch directory, where no bus listens, so ifpind under
// test never reaches the machine's system bus; a test with a private bus sets it with setEnv().
class DaemonProcess {
public:
    DaemonProcess() = default;
    ~DaemonProcess(); // stop()s it when running
    DaemonProcess(const DaemonProcess &) = delete;
    DaemonProcess &operator=(const DaemonProcess &) = delete;

    // Writes configToml to this daemon's config file and starts it. Throws when already running.
    void start(const Lab &lab, const std::string &configToml, std::vector<std::string> extraArgs = {});
    // An environment variable for the runs started from now on (replacing the inherited one).
    void setEnv(const std::string &name, const std::string &value);
    // A command that execs ifpind for the runs started from now on, put between `ip netns exec
    // HOST` and ifpind (e.g. setpriv to run it with fewer capabilities). It must exec, not fork,
    // so that pid() stays ifpind's.
    void setLauncher(std::vector<std::string> launcher) { launcher_ = std::move(launcher); }
    // Rewrites the config file (atomically) and sends SIGHUP.
    void reload(const std::string &configToml);
    void signal(int signo) const;
    // SIGTERM, then waits up to deadline, then SIGKILL. Returns the exit status as
    // CommandResult::status does (so a crash before stop() shows); -1 when never started.
    int stop(std::chrono::milliseconds deadline = 5s);
    int kill9();
    // Waits for READY=1 from this run (sd_notify); false when it exited or the deadline passed.
    bool waitReady(std::chrono::milliseconds deadline = 5s);
    // Waits for it to exit on its own; its status, or nothing at the deadline.
    std::optional<int> waitExit(std::chrono::milliseconds deadline);
    bool running();
    std::optional<int> exitStatus() const { return exitStatus_; }

    pid_t pid() const { return pid_; }
    const std::string &configPath() const { return configPath_; }
    std::string log() const;     // the current (or last) run's output
    std::string allLogs() const; // every run's output, each under a header
    int runs() const { return runs_; }

private:
    bool reap(int options);
    void readNotifications();

    ScratchDir dir_;
    int notifyFd_ = -1;
    std::vector<std::string> extraEnv_; // NAME=VALUE, later ones win
    std::vector<std::string> launcher_;
    bool ready_ = false;
    std::string configPath_;
    std::string logPath_;
    pid_t pid_ = -1;
    int runs_ = 0;
    std::optional<int> exitStatus_;
};

// `ip -N monitor route` in a lab's host namespace: the kernel's route events, in the order the
// kernel sent them, as ip prints them (e.g. "Deleted default via 192.0.2.1 dev media0 proto 16").
// The constructor returns once the monitor is known to listen (it has seen a marker route come and
// go on other0); the destructor stops it.
class RouteMonitor {
public:
    explicit RouteMonitor(const Lab &lab);
    ~RouteMonitor();
    RouteMonitor(const RouteMonitor &) = delete;
    RouteMonitor &operator=(const RouteMonitor &) = delete;

    std::vector<std::string> lines() const; // the events so far, without the marker's
    std::string text() const;                // the same, one per line, for messages

private:
    ScratchDir dir_;
    std::string outputPath_;
    pid_t pid_ = -1;
};

// Polls condition every 10 ms until it holds (true) or the deadline passes (false).
bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds deadline = 5s);
// The same as an assertion: on timeout, the failure message is what describe() says then.
::testing::AssertionResult eventually(const std::function<bool()> &condition,
                                      const std::function<std::string()> &describe,
                                      std::chrono::milliseconds deadline = 5s);
// True when condition holds at every poll (every 10 ms) for the whole duration.
::testing::AssertionResult holdsFor(const std::function<bool()> &condition,
                                    const std::function<std::string()> &describe,
                                    std::chrono::milliseconds duration);

// The first ASan, LSan or UBSan report marker in an ifpind log ("ERROR: LeakSanitizer", ...);
// empty when there is none. LabTest::TearDown fails a test on any.
std::string sanitizerReportIn(const std::string &log);

// Base fixture: fails (never skips) without root or without working `ip netns add`; owns a Lab,
// a DaemonProcess and a scratch directory; prints the lab's state and the daemon's log when the
// test failed (or always, with IFPIN_ITEST_VERBOSE=1).
class LabTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    Lab &lab();
    DaemonProcess &daemon() { return daemon_; }
    const ScratchDir &scratch() const { return scratch_; }

    // A [daemon] section whose socket and state directory are inside this test's scratch
    // directory, so that tests can run in parallel.
    std::string daemonSection(const std::string &table = "\"main\"") const;

private:
    ScratchDir scratch_;
    std::optional<Lab> lab_;
    DaemonProcess daemon_; // after lab_: stopped before the lab goes down
};

} // namespace ifpin::lab
