// `ifpinctl metrics` and `ifpinctl monitor` against the real ifpind on a private bus. metrics: what it
// prints parses with Debian's python3-prometheus-client and every sample matches `ifpinctl status
// --json` (check_metrics.py), --output writes the file atomically with mode 0644, and without ifpind
// there is ifpin_up 0 and status 1. monitor: a route deleted in the lab and restored by ifpind is a
// line, a link taken down is a state and a link line, roles removed and added by a reload are lines,
// --json is one object per line, SIGINT and SIGTERM end it with 0 and ifpind going away with a last
// line and 1.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dbus_test_support.hpp"

namespace ifpin::lab {
namespace {

std::string readWhole(const std::string &path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// `ifpinctl monitor ARGS...` running in the background, its standard output and error in files of a
// scratch directory. The destructor SIGKILLs it when it still runs.
class MonitorProcess {
public:
    explicit MonitorProcess(std::vector<std::string> args)
        : outPath_(dir_.path() + "/out"), errPath_(dir_.path() + "/err")
    {
        std::vector<std::string> argv{requiredEnv("IFPINCTL"), "monitor"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char *> cargv;
        for (auto &arg : argv)
            cargv.push_back(arg.data());
        cargv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            int in = open("/dev/null", O_RDONLY);
            int out = open(outPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = open(errPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(in, STDIN_FILENO);
            dup2(out, STDOUT_FILENO);
            dup2(err, STDERR_FILENO);
            execv(cargv[0], cargv.data());
            _exit(127);
        }
        if (pid_ < 0)
            throw std::runtime_error("fork failed");
    }
    ~MonitorProcess()
    {
        if (!exited_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    MonitorProcess(const MonitorProcess &) = delete;
    MonitorProcess &operator=(const MonitorProcess &) = delete;

    std::string out() const { return readWhole(outPath_); }
    std::string err() const { return readWhole(errPath_); }
    std::vector<std::string> lines() const
    {
        std::vector<std::string> out;
        std::istringstream in(this->out());
        for (std::string line; std::getline(in, line);)
            out.push_back(line);
        return out;
    }
    std::string describe() const { return "stdout:\n" + out() + "stderr:\n" + err(); }

    // The monitor says so on standard error once it follows every role.
    ::testing::AssertionResult waitListening()
    {
        return eventually([&] { return has(err(), "Monitoring ifpind"); }, [&] { return describe(); });
    }
    void signal(int signo) const { kill(pid_, signo); }
    // Its exit status once it exited (as CommandResult has it), nothing after deadline.
    std::optional<int> waitExit(std::chrono::milliseconds deadline = 5s)
    {
        int status = 0;
        bool done = eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, deadline);
        if (!done)
            return std::nullopt;
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    ScratchDir dir_;
    std::string outPath_;
    std::string errPath_;
    pid_t pid_ = -1;
    bool exited_ = false;
};

class IfpinctlMonitoring : public BusLabTest {
protected:
    CommandResult ifpinctl(std::vector<std::string> args)
    {
        std::vector<std::string> argv{requiredEnv("IFPINCTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        return runCommand(argv, 30s);
    }

    // check_metrics.py (python3-prometheus-client) on metrics, against status --json when given.
    CommandResult checkMetrics(const std::string &metrics, const std::string &statusJson)
    {
        std::string metricsPath = scratch().write("check.prom", metrics);
        if (statusJson.empty())
            return runCommand({requiredEnv("IFPIN_CHECK_METRICS"), "--down", metricsPath});
        return runCommand({requiredEnv("IFPIN_CHECK_METRICS"), metricsPath, scratch().write("status.json", statusJson)});
    }

    // The role's entry in ifpinctl status --json.
    nlohmann::json roleStatus(const std::string &name)
    {
        auto status = nlohmann::json::parse(ifpinctl({"status", "--json"}).out);
        for (const auto &role : status.at("roles"))
            if (role.at("name") == name)
                return role;
        return nullptr;
    }

    // Some figures that are not 0: a restoration of mgmt, a socket served to root and one refused to
    // the unprivileged test user, both over D-Bus OpenSocket.
    void makeFigures()
    {
        lab().output("ip route del default dev mgmt0");
        ASSERT_TRUE(eventually([&] { return roleStatus("mgmt").at("restorations") == 1; },
                               [&] { return roleStatus("mgmt").dump(); }));
        auto served = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "OpenSocket", "siii",
                                    "mgmt", "2", "2", "0"});
        ASSERT_TRUE(served.ok()) << served.describe();
        auto refused = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "OpenSocket", "siii",
                                     "mgmt", "2", "2", "0"},
                                    Caller::unprivileged());
        ASSERT_FALSE(refused.ok()) << "the test user is not in mgmt's allow lists";
        auto mgmt = roleStatus("mgmt");
        ASSERT_EQ(mgmt.at("sockets_served"), 1) << mgmt.dump();
        ASSERT_EQ(mgmt.at("requests_denied"), 1) << mgmt.dump();
    }
};

TEST_F(IfpinctlMonitoring, MetricsParseAndMatchStatus)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    makeFigures();
    lab().output("ip link set media0 down"); // a state other than enforced, and routes not in place
    ASSERT_TRUE(eventually([&] { return roleStatus("media").at("state") == "link-down"; },
                           [&] { return roleStatus("media").dump(); }));

    auto metrics = ifpinctl({"metrics"});
    ASSERT_EQ(metrics.status, 0) << metrics.describe();
    EXPECT_EQ(metrics.err, "");
    auto status = ifpinctl({"status", "--json"});
    ASSERT_TRUE(status.ok()) << status.describe();
    auto check = checkMetrics(metrics.out, status.out);
    EXPECT_TRUE(check.ok()) << check.out << check.describe() << "\nmetrics:\n" << metrics.out;
    for (const char *sample : {"ifpin_restorations_total{role=\"mgmt\"} 1\n", "ifpin_sockets_served_total{role=\"mgmt\"} 1\n",
                               "ifpin_socket_requests_denied_total{role=\"mgmt\"} 1\n",
                               "ifpin_role_state{role=\"media\",state=\"link-down\"} 1\n",
                               "ifpin_route_in_place{role=\"media\",family=\"inet\"} 0\n",
                               "ifpin_route_in_place{role=\"mgmt\",family=\"inet6\"} 1\n"})
        EXPECT_TRUE(has(metrics.out, sample)) << sample << " missing in:\n" << metrics.out;

    // The check can fail: one figure off, and it says which.
    std::string wrong = metrics.out;
    auto at = wrong.find("ifpin_restorations_total{role=\"mgmt\"} 1");
    ASSERT_NE(at, std::string::npos);
    wrong.replace(at, std::string("ifpin_restorations_total{role=\"mgmt\"} 1").size(),
                  "ifpin_restorations_total{role=\"mgmt\"} 2");
    auto mismatch = checkMetrics(wrong, status.out);
    EXPECT_EQ(mismatch.status, 1) << mismatch.out;
    EXPECT_TRUE(has(mismatch.out, "ifpin_restorations_total{role=\"mgmt\"} is 2.0, ifpinctl status says 1")) << mismatch.out;
}

TEST_F(IfpinctlMonitoring, MetricsOutputIsWrittenAtomicallyForTheTextfileCollector)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    const std::string dir = scratch().path() + "/node-exporter";
    std::filesystem::create_directory(dir);
    const std::string file = dir + "/ifpin.prom";
    std::ofstream(file) << "old content\n";
    // Under umask 077 too, the file is readable by node exporter's user.
    auto written = runCommand({"sh", "-c", "umask 077 && exec \"$0\" metrics --output \"$1\"", requiredEnv("IFPINCTL"), file});
    ASSERT_EQ(written.status, 0) << written.describe();
    EXPECT_EQ(written.out, "") << "nothing on standard output with --output";
    struct stat st {};
    ASSERT_EQ(stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1) << "no temporary file is left";
    const std::string content = readWhole(file);
    EXPECT_EQ(content, ifpinctl({"metrics"}).out);
    auto check = checkMetrics(content, ifpinctl({"status", "--json"}).out);
    EXPECT_TRUE(check.ok()) << check.out << check.describe();

    auto missingDir = ifpinctl({"metrics", "--output", dir + "/missing/ifpin.prom"});
    EXPECT_EQ(missingDir.status, 1) << missingDir.describe();
    EXPECT_TRUE(has(missingDir.err, "ifpinctl metrics: cannot create a temporary file " + dir + "/missing/"))
        << missingDir.err;
}

TEST_F(IfpinctlMonitoring, MetricsWithoutTheDaemonSayIfpinUpZero)
{
    auto metrics = ifpinctl({"metrics"});
    EXPECT_EQ(metrics.status, 1) << metrics.describe();
    EXPECT_EQ(metrics.err, "ifpind is not running: no owner of org.ifpin1 on the system bus\n");
    auto check = checkMetrics(metrics.out, "");
    EXPECT_TRUE(check.ok()) << check.out << check.describe() << "\nmetrics:\n" << metrics.out;

    // With --output, the file says so too: the collector stops serving the last figures as current.
    const std::string file = scratch().path() + "/ifpin.prom";
    std::ofstream(file) << "ifpin_up 1\n";
    auto written = ifpinctl({"metrics", "--output", file});
    EXPECT_EQ(written.status, 1) << written.describe();
    EXPECT_EQ(readWhole(file), metrics.out);
}

TEST_F(IfpinctlMonitoring, MonitorPrintsARestorationAndALinkGoingDown)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    MonitorProcess monitor({});
    ASSERT_TRUE(monitor.waitListening());
    EXPECT_TRUE(has(monitor.err(), "roles: media, mgmt")) << monitor.describe();
    EXPECT_EQ(monitor.out(), "") << "no event yet";

    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(eventually([&] { return has(monitor.out(), " mgmt: route restored (restorations 0 -> 1)\n"); },
                           [&] { return monitor.describe(); }));
    EXPECT_TRUE(mgmtRoutesAt(1000)) << "restored in the kernel: " << describeRoutes();

    lab().output("ip link set mgmt0 down");
    EXPECT_TRUE(eventually([&] { return has(monitor.out(), " mgmt: state enforced -> link-down\n"); },
                           [&] { return monitor.describe(); }));
    EXPECT_TRUE(eventually([&] { return has(monitor.out(), " mgmt: link up -> down\n"); },
                           [&] { return monitor.describe(); }));
    EXPECT_TRUE(lab().defaultRoutesOn("mgmt0", Family::inet).empty()) << describeRoutes();
    for (const auto &line : monitor.lines()) {
        // 2025-05-01T12:00:00.250+02:00 mgmt: ...
        EXPECT_EQ(line.size() > 30 && line[4] == '-' && line[10] == 'T' && line[19] == '.' && line[29] == ' ', true)
            << line;
        EXPECT_TRUE(has(line, " mgmt: ")) << "media did not change: " << line;
    }

    monitor.signal(SIGINT);
    EXPECT_EQ(monitor.waitExit(), 0) << monitor.describe();
}

TEST_F(IfpinctlMonitoring, MonitorJsonIsOneObjectPerLineAndFollowsRoles)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    MonitorProcess monitor({"--json"});
    ASSERT_TRUE(monitor.waitListening());

    auto objects = [&] {
        std::vector<nlohmann::json> out;
        for (const auto &line : monitor.lines())
            out.push_back(nlohmann::json::parse(line)); // throws, failing the test, on a line that is not JSON
        return out;
    };
    auto seen = [&](const std::function<bool(const nlohmann::json &)> &match) {
        for (const auto &object : objects())
            if (match(object))
                return true;
        return false;
    };

    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(eventually(
        [&] {
            return seen([](const nlohmann::json &o) {
                return o.at("event") == "route-restored" && o.at("role") == "mgmt" && o.at("property") == "Restorations" &&
                       o.at("old") == 0 && o.at("new") == 1;
            });
        },
        [&] { return monitor.describe(); }));

    // A reload without mgmt removes its object; one with it again adds it.
    daemon().reload(daemonSection() + "\n[role.media]\ninterface = \"media0\"\nmetric = 100\n"
                                      "gateway4 = \"192.0.2.1\"\ngateway6 = \"2001:db8:1::1\"\n");
    EXPECT_TRUE(eventually(
        [&] {
            return seen([](const nlohmann::json &o) { return o.at("event") == "role-removed" && o.at("role") == "mgmt"; });
        },
        [&] { return monitor.describe(); }));
    daemon().reload(standardConfig(2000));
    EXPECT_TRUE(eventually(
        [&] {
            return seen([](const nlohmann::json &o) {
                return o.at("event") == "role-added" && o.at("role") == "mgmt" &&
                       o.at("properties").at("Metric") == 2000 && o.at("properties").at("Interface") == "mgmt0";
            });
        },
        [&] { return monitor.describe(); }));
    ASSERT_TRUE(mgmtRoutesBecome(2000));
    // The new role object is followed too.
    lab().output("ip link set mgmt0 down");
    EXPECT_TRUE(eventually(
        [&] {
            return seen([](const nlohmann::json &o) {
                return o.at("event") == "state" && o.at("role") == "mgmt" && o.at("new") == "link-down";
            });
        },
        [&] { return monitor.describe(); }));
    for (const auto &object : objects()) {
        EXPECT_TRUE(object.at("time").is_string()) << object.dump();
        EXPECT_TRUE(object.at("message").is_string()) << object.dump();
    }

    monitor.signal(SIGTERM);
    EXPECT_EQ(monitor.waitExit(), 0) << monitor.describe();
}

TEST_F(IfpinctlMonitoring, MonitorEndsWithALineAndStatusOneWhenTheDaemonGoes)
{
    MonitorProcess early({});
    EXPECT_EQ(early.waitExit(), 1) << early.describe();
    EXPECT_EQ(early.err(), "ifpind is not running: no owner of org.ifpin1 on the system bus\n");
    EXPECT_EQ(early.out(), "");

    ASSERT_TRUE(startDaemon(standardConfig()));
    MonitorProcess monitor({"--json"});
    ASSERT_TRUE(monitor.waitListening());
    daemon().stop();
    EXPECT_EQ(monitor.waitExit(), 1) << monitor.describe();
    auto lines = monitor.lines();
    ASSERT_FALSE(lines.empty()) << monitor.describe();
    auto last = nlohmann::json::parse(lines.back());
    EXPECT_EQ(last.at("event"), "daemon-gone") << last.dump();
    EXPECT_TRUE(has(last.at("message").get<std::string>(), "ifpind went away")) << last.dump();
}

} // namespace
} // namespace ifpin::lab
