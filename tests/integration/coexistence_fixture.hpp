// The Coexistence suite's fixture (coexistence_test.cpp): real DHCP clients and router
// advertisements from Debian's packages beside ifpind. dnsmasq serves DHCP and sends RAs from the
// mgmt gateway; each client runs in the lab's host namespace, in a mount and UTS namespace of its
// own where /etc/resolv.conf and its state directories are files of the test's scratch directory,
// so its scripts never touch this machine's resolv.conf, hostname or leases. A missing client
// binary fails the test (never a skip).
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "private_bus.hpp"
#include "route_policy_fixture.hpp"

namespace ifpin::lab::coexistence {

using namespace route_test;

// A command in the background, `sh -c` in a namespace of the lab, output to a log file; killed
// (its whole process group) when this goes, and with the test process (PR_SET_PDEATHSIG).
class BackgroundCommand {
public:
    BackgroundCommand(const Lab &lab, const std::string &ns, const std::string &command, std::string logPath)
        : logPath_(std::move(logPath))
    {
        pid_ = fork();
        if (pid_ < 0)
            throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            setpgid(0, 0);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            FILE *log = std::fopen(logPath_.c_str(), "a");
            if (log) {
                dup2(fileno(log), 1);
                dup2(fileno(log), 2);
            }
            execlp("ip", "ip", "netns", "exec", ns.c_str(), "sh", "-c", command.c_str(), nullptr);
            _exit(127);
        }
        (void)lab;
    }
    ~BackgroundCommand() { stop(); }
    BackgroundCommand(const BackgroundCommand &) = delete;
    BackgroundCommand &operator=(const BackgroundCommand &) = delete;

    void stop()
    {
        if (pid_ <= 0)
            return;
        kill(-pid_, SIGTERM);
        for (int i = 0; i < 200 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
            usleep(10000);
        kill(-pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    std::string log() const
    {
        std::ifstream in(logPath_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

private:
    std::string logPath_;
    pid_t pid_ = -1;
};

// The path of a client's program; the test fails naming the package when it is not installed.
inline std::string requiredProgram(const std::string &path, const std::string &package)
{
    if (access(path.c_str(), X_OK) != 0)
        throw std::runtime_error(path + " is missing: install " + package + " (tools/install-deps.sh)");
    return path;
}

class Coexistence : public RoutePolicy {
protected:
    void SetUp() override
    {
        RoutePolicy::SetUp();
        requiredProgram("/usr/sbin/dnsmasq", "dnsmasq-base");
        // A DHCP client's interface: its IPv4 address comes from the lease alone.
        ASSERT_TRUE(lab().shell("ip -4 addr flush dev mgmt0").ok());
    }
    void TearDown() override
    {
        if (HasFailure())
            for (const auto &[name, command] : background_)
                std::cerr << "--- " << name << " log:\n" << command->log() << "\n";
        background_.clear();
        RoutePolicy::TearDown();
        bus_.reset(); // after ifpind stopped
    }

    // media configured, mgmt learned (no gateway4, gateway6 given or not), `extra` in [daemon].
    std::string learningConfig(bool learnIpv6 = false, const std::string &extra = "")
    {
        return daemonSection() + extra + mediaRole() +
               roleSection("mgmt", "mgmt0", 1000, std::nullopt,
                           learnIpv6 ? std::nullopt : std::optional<std::string>("2001:db8:2::1"));
    }

    BackgroundCommand &startIn(const std::string &ns, const std::string &name, const std::string &command)
    {
        auto &slot = background_[name];
        slot.reset();
        slot = std::make_unique<BackgroundCommand>(lab(), ns, command, scratch().path() + "/" + name + ".log");
        return *slot;
    }
    void stopBackground(const std::string &name) { background_.erase(name); }

    // dnsmasq on the mgmt gateway's uplink0: DHCPv4 leases of 2 minutes naming `router`, no DNS
    // server or domain (nothing a client could write into a resolv.conf), and with ra, router
    // advertisements every 3 s with the given router lifetime.
    void startDhcpServer(const std::string &router = "198.51.100.1", std::optional<int> raLifetime = std::nullopt)
    {
        std::string dir = scratch().path();
        std::string command =
            "exec /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --port=0 "
            "--user=root --interface=uplink0 --bind-interfaces --dhcp-authoritative --log-dhcp "
            "--dhcp-range=198.51.100.100,198.51.100.150,255.255.255.0,2m --dhcp-option=option:router," + router +
            " --dhcp-option=option:dns-server --dhcp-leasefile=" + dir + "/dnsmasq.leases --pid-file= --log-facility=-";
        if (raLifetime)
            command += " --enable-ra --dhcp-range=::,constructor:uplink0,ra-only --ra-param=uplink0,3," +
                       std::to_string(*raLifetime);
        startIn(lab().gatewayNamespace("mgmt"), "dnsmasq", command);
    }

    // `unshare` into a mount and UTS namespace of the client's own: resolv.conf and `dirs` are the
    // scratch directory's, then exec command.
    std::string isolated(const std::string &command, const std::vector<std::string> &dirs = {})
    {
        std::string dir = scratch().path();
        std::string mounts = "touch " + dir + "/resolv.conf && mount --bind " + dir + "/resolv.conf /etc/resolv.conf";
        int n = 0;
        for (const auto &target : dirs) {
            std::string own = dir + "/state" + std::to_string(n++);
            mounts += " && mkdir -p " + own + " " + target + " && mount --bind " + own + " " + target;
        }
        std::string inner = mounts + " && exec " + command;
        return "exec unshare --mount --uts --propagation private sh -c '" + inner + "'";
    }

    // busybox udhcpc with Debian's script on mgmt0, isolated; signalUdhcpc("USR1") renews the
    // lease, "USR2" releases it (udhcpc(8)).
    void startUdhcpc()
    {
        requiredProgram("/usr/sbin/udhcpc", "udhcpc");
        startIn(lab().hostNamespace(), "udhcpc",
                isolated("/usr/sbin/udhcpc -f -t 20 -T 1 -i mgmt0 -s /etc/udhcpc/default.script -p " + udhcpcPidFile()));
    }
    int signalUdhcpc(const std::string &signal)
    {
        return lab().run("kill -" + signal + " $(cat " + udhcpcPidFile() + ")");
    }
    std::string udhcpcPidFile() const { return scratch().path() + "/udhcpc.pid"; }

    std::string leaseAddress()
    {
        return lab().shell("ip -4 -br addr show dev mgmt0 | awk '{print $3}'").out;
    }
    ::testing::AssertionResult leaseArrives()
    {
        return eventually([&] { return leaseAddress().find("198.51.100.1") == 0; },
                          [&] { return "no lease on mgmt0: " + leaseAddress() + "\n" + lab().describeState(); }, 30s);
    }
    bool mgmtExact(const std::string &gateway = "198.51.100.1")
    {
        return defaultsOnAre("mgmt0", Family::inet, {ours("mgmt0", gateway, 1000)}) &&
               defaultsOnAre("media0", Family::inet, {ours("media0", "192.0.2.1", 100)});
    }
    ::testing::AssertionResult mgmtBecomesExact(const std::string &gateway = "198.51.100.1",
                                                std::chrono::milliseconds deadline = 5s)
    {
        return eventually([&] { return mgmtExact(gateway); }, [&] { return describeBothFamilies(); }, deadline);
    }
    // ifpind's CPU time so far (user + system), from /proc/PID/stat.
    std::chrono::milliseconds daemonCpu()
    {
        std::ifstream in("/proc/" + std::to_string(daemon().pid()) + "/stat");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::istringstream fields(text.substr(text.rfind(')') + 2));
        std::string field;
        long ticks = 0;
        for (int i = 3; i <= 15 && fields >> field; ++i)
            if (i >= 14)
                ticks += std::stol(field);
        return std::chrono::milliseconds(ticks * 1000 / sysconf(_SC_CLK_TCK));
    }
    static size_t countLines(const std::vector<std::string> &lines, const std::string &needle,
                             bool deletions = false)
    {
        return static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string &line) {
            return line.find(needle) != std::string::npos && (line.rfind("Deleted", 0) == 0) == deletions;
        }));
    }
    static size_t countOccurrences(const std::string &text, const std::string &needle)
    {
        size_t count = 0;
        for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            ++count;
        return count;
    }

    // Router advertisements with a router lifetime of a few seconds, from the suite's own sender
    // (ra_sender.c: dnsmasq sends one about every 12 s whatever it is asked) in the mgmt gateway's
    // namespace, from fe80::1; mgmt learns its IPv6 gateway from them (and has no IPv4 one). ifpind
    // on a private bus, for its StateReason. `extra` in [daemon].
    ::testing::AssertionResult startWithRouterLifetimes(const std::string &extra = "")
    {
        raSender_ = requiredEnv("IFPIN_RA_SENDER");
        if (!lab().shell("sysctl -qw net.ipv6.conf.mgmt0.accept_ra=1").ok())
            return ::testing::AssertionFailure() << "cannot set accept_ra on mgmt0";
        try {
            bus_.emplace();
        } catch (const std::exception &error) {
            return ::testing::AssertionFailure() << "cannot start the private bus: " << error.what();
        }
        daemon().setEnv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address());
        daemon().start(lab(), learningConfig(true, extra));
        if (!daemon().waitReady())
            return ::testing::AssertionFailure() << "ifpind did not become ready";
        return eventually([&] { return bus_->hasIfpind(); }, [] { return std::string("org.ifpin1 has no owner"); });
    }
    // count advertisements from fe80::1, one every interval, with this router lifetime (seconds).
    std::string advertisements(std::chrono::milliseconds interval, int lifetime, int count) const
    {
        return raSender_ + " uplink0 fe80::1 " + std::to_string(interval.count()) + " " + std::to_string(lifetime) +
               " " + std::to_string(count);
    }
    void advertiseInBackground(std::chrono::milliseconds interval, int lifetime, int count)
    {
        startIn(lab().gatewayNamespace("mgmt"), "ra", advertisements(interval, lifetime, count));
    }
    // Returns when the last one is sent.
    ::testing::AssertionResult advertiseNow(std::chrono::milliseconds interval, int lifetime, int count)
    {
        auto sent = lab().shellIn(lab().gatewayNamespace("mgmt"), advertisements(interval, lifetime, count));
        if (!sent.ok())
            return ::testing::AssertionFailure() << sent.describe();
        return ::testing::AssertionSuccess();
    }
    // ifpind's route through the router, alone on mgmt0 (the kernel's proto ra route replaced).
    bool throughRouter() { return defaultsOnAre("mgmt0", Family::inet6, {ours("mgmt0", "fe80::1", 1000)}); }
    // ifpind's route through the router is there (beside, for a moment after each RA, the kernel's).
    bool ourRouteThroughRouter()
    {
        auto routes = lab().defaultRoutesOn("mgmt0", Family::inet6);
        return std::count(routes.begin(), routes.end(), ours("mgmt0", "fe80::1", 1000)) == 1;
    }
    // A property of mgmt's role object, as busctl prints it ("s \"enforced\"").
    std::string mgmtProperty(const std::string &name)
    {
        auto result = bus_->busctl({"get-property", "org.ifpin1", "/org/ifpin1/role/mgmt", "org.ifpin1.Role", name});
        return result.ok() ? result.out : "<" + result.describe() + ">";
    }

    std::map<std::string, std::unique_ptr<BackgroundCommand>> background_;
    std::string raSender_;
    std::optional<PrivateBus> bus_;
};

} // namespace ifpin::lab::coexistence
