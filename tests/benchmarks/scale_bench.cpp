// Scale benchmark, in the lab's host namespace after tools/bench.sh has loaded 1,000,000 IPv4 and
// 100,000 IPv6 routes into the main table. Two modes:
//
//   scale_bench run LABEL LOG CHURN_TO -- COMMAND...
//       Starts COMMAND (ifpind, or systemd-networkd as the peer) with a NOTIFY_SOCKET of ours and
//       reports: time to READY=1, time until default routes stand on media0 and mgmt0 (both
//       families) as a netlink listener sees them from the start on (the kernel's own route events,
//       not READY), peak RSS (VmHWM); then a churn of 100,000 route
//       replacements per second for 10 s (NLM_F_REPLACE of existing /30s, moving them to the
//       interface CHURN_TO: media0 or mgmt0; the count stays constant) and the daemon's CPU use
//       meanwhile; halfway through, a foreign default route (metric 50 on media0) is injected and
//       the time until it is deleted is reported (or that it never was).
//
//   scale_bench overflow IFPIND CONFIG LOG
//       ifpind with a 4 KiB netlink receive buffer: SIGSTOP, a burst of default-route events in
//       table 200, then its own IPv4 route is deleted (that event is lost too), SIGCONT; reports the
//       time from SIGCONT until the route is back (which only a resync can do) and whether ifpind
//       logged "events were lost".
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <optional>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "bench_netlink.hpp"

using namespace ifpin::bench;

namespace {

const std::string group = "scale";
constexpr int churnRate = 100'000;     // replacements per second
constexpr int churnSeconds = 10;
constexpr int churnTicksPerSecond = 100;
constexpr int scaleRoutes4 = 1'000'000;

struct Lab {
    int media = interfaceIndex("media0");
    int mgmt = interfaceIndex("mgmt0");
};

// Waits until a default route of each family stands on both uplinks, reporting each as it comes;
// the time of the last one.
std::optional<Clock::time_point> waitSettled(const std::string &label, Clock::time_point started, Rtnl &listener,
                                             const Lab &lab, Clock::duration deadline)
{
    bool seen[2][2]{};
    Clock::time_point last;
    auto end = Clock::now() + deadline;
    while (!(seen[0][0] && seen[0][1] && seen[1][0] && seen[1][1])) {
        auto left = end - Clock::now();
        if (left <= 0s)
            return std::nullopt;
        auto event = listener.waitEvent(
            [&](const RouteEvent &e) {
                return e.type == RTM_NEWROUTE && e.route.table == RT_TABLE_MAIN &&
                       (e.route.ifindex == lab.media || e.route.ifindex == lab.mgmt);
            },
            left);
        if (!event)
            return std::nullopt;
        bool v6 = event->route.family == AF_INET6, mgmt = event->route.ifindex == lab.mgmt;
        if (!seen[v6][mgmt])
            report(group, label + " start to default route " + (v6 ? "IPv6" : "IPv4") + " on " + (mgmt ? "mgmt0" : "media0"),
                   microseconds(event->at - started) / 1000, "ms");
        seen[v6][mgmt] = true;
        last = event->at;
    }
    return last;
}

Route churnRoute(int index, const Lab &lab, bool toMgmt)
{
    uint32_t base = (100u << 24) | (64u << 16);
    uint32_t address = htonl(base + uint32_t(index) * 4);
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &address, text, sizeof text);
    return parseRoute(AF_INET, std::string(text) + "/30", toMgmt ? "198.51.100.1" : "192.0.2.1",
                      toMgmt ? lab.mgmt : lab.media, 0, 3 /* boot, as ip adds them */);
}

struct Injection {
    std::optional<double> correctedAfterUs;
};

// Halfway through the churn: a foreign default at metric 50 on media0, and how long until it goes.
Injection injectForeignDefault(Rtnl &listener, const Lab &lab)
{
    Rtnl writer;
    Route foreign = parseRoute(AF_INET, "0.0.0.0/0", "192.0.2.1", lab.media, 50, 4);
    auto start = Clock::now();
    if (int error = writer.routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, foreign); error != 0)
        throw std::runtime_error("injecting the foreign default failed: " + std::to_string(error));
    auto event = listener.waitEvent(
        [&](const RouteEvent &e) { return e.type == RTM_DELROUTE && sameRoute(e.route, foreign); }, 5s);
    if (!event) {
        writer.routeRequest(RTM_DELROUTE, 0, foreign); // the peer left it: clean up
        return {};
    }
    return {microseconds(event->at - start)};
}

void churn(const std::string &label, pid_t daemon, Rtnl &listener, const Lab &lab, bool toMgmt)
{
    Rtnl churner(4 << 20);
    std::optional<Injection> injection;
    std::thread injector;
    size_t sent = 0, errors = 0;
    const int perTick = churnRate / churnTicksPerSecond;
    auto before = readProcessStats(daemon);
    auto start = Clock::now();
    for (int tick = 0; tick < churnSeconds * churnTicksPerSecond; ++tick) {
        if (tick == churnSeconds * churnTicksPerSecond / 2)
            injector = std::thread([&] { injection = injectForeignDefault(listener, lab); });
        std::this_thread::sleep_until(start + tick * std::chrono::milliseconds(1000 / churnTicksPerSecond));
        for (int i = 0; i < perTick; ++i) {
            churner.queue(RTM_NEWROUTE, NLM_F_REPLACE, churnRoute(int((sent + size_t(i)) % scaleRoutes4), lab, toMgmt));
            if (i % 250 == 249)
                churner.flush();
        }
        churner.flush();
        sent += size_t(perTick);
        errors += churner.drainErrors();
    }
    double wall = std::chrono::duration<double>(Clock::now() - start).count();
    auto after = readProcessStats(daemon);
    injector.join();
    errors += churner.drainErrors();

    report(group, label + " churn: replacements sent per second", double(sent) / wall, "/s",
           std::to_string(sent) + " in " + std::to_string(wall).substr(0, 5) + " s, " + std::to_string(errors) +
               " refused");
    report(group, label + " churn: CPU of one core", 100 * (after.cpuSeconds - before.cpuSeconds) / wall, "%");
    report(group, label + " churn: context switches", double((after.voluntarySwitches - before.voluntarySwitches) +
                                                             (after.involuntarySwitches - before.involuntarySwitches)),
           "");
    report(group, label + " VmHWM after churn", double(after.vmHwmKiB) / 1024, "MiB");
    if (injection && injection->correctedAfterUs)
        report(group, label + " foreign default during churn corrected after", *injection->correctedAfterUs, "us",
               "lost corrections: 0");
    else
        report(group, label + " foreign default during churn NOT corrected within 5 s", 1, "lost corrections");
}

int runMode(int argc, char **argv)
{
    std::string label = argv[2], log = argv[3], churnTo = argv[4];
    std::vector<std::string> command(argv + 6, argv + argc);
    Lab lab;
    report(group, "load average at start (" + label + ")", 0, "", loadAverage());
    Rtnl listener(16 << 20);
    listener.subscribeDefaultRoutes();
    ChildDaemon daemon(command, log);
    // The routes are watched from the start, not from READY=1 on: ifpind puts configured routes in
    // place before it has read the table, and READY comes after the first full reconcile.
    const char *settleLimit = std::getenv("IFPIN_BENCH_SETTLE_S");
    std::optional<Clock::time_point> settled;
    std::thread watcher([&] {
        settled = waitSettled(label, daemon.started(), listener, lab,
                              std::chrono::seconds(settleLimit ? std::atoi(settleLimit) : 120));
    });
    auto ready = daemon.waitReady(600s);
    if (ready)
        report(group, label + " start to READY=1", microseconds(*ready) / 1000, "ms");
    else
        report(group, label + " sent no READY=1 within 600 s", 0, "", "see " + log);
    watcher.join();
    if (daemon.exited()) {
        report(group, label + " exited during start", 0, "", "see " + log);
        return 1;
    }
    if (settled)
        report(group, label + " start to default routes on both uplinks (settled)",
               microseconds(*settled - daemon.started()) / 1000, "ms");
    else
        report(group, label + " did not settle (default routes missing, see above)", 0, "", "see " + log);
    auto stats = readProcessStats(daemon.pid());
    report(group, label + " VmHWM after start", double(stats.vmHwmKiB) / 1024, "MiB");
    report(group, label + " CPU used to start", stats.cpuSeconds, "s");
    churn(label, daemon.pid(), listener, lab, churnTo == "mgmt0"); // also when not settled: its churn CPU
    return settled ? 0 : 1;
}

int overflowMode(char **argv)
{
    std::string ifpind = argv[2], config = argv[3], log = argv[4];
    Lab lab;
    report(group, "load average at start (overflow)", 0, "", loadAverage());
    Rtnl listener(16 << 20);
    listener.subscribeDefaultRoutes();
    ChildDaemon daemon({ifpind, "--config", config, "--netlink-receive-buffer", "4096", "--log-level", "debug"}, log);
    if (!daemon.waitReady(600s))
        throw std::runtime_error("ifpind did not become ready; see " + log);
    Rtnl writer;
    listener.waitEvent([](const RouteEvent &) { return false; }, 0s); // drop the events of the start
    daemon.signal(SIGSTOP);
    std::this_thread::sleep_for(50ms);
    constexpr int burst = 300;
    for (int i = 0; i < burst; ++i)
        writer.routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
                            parseRoute(AF_INET, "0.0.0.0/0", "192.0.2.1", lab.media, uint32_t(i + 1), 4, 200));
    for (int i = 0; i < burst; ++i)
        writer.routeRequest(RTM_DELROUTE, 0,
                            parseRoute(AF_INET, "0.0.0.0/0", "192.0.2.1", lab.media, uint32_t(i + 1), 4, 200));
    Route own = parseRoute(AF_INET, "0.0.0.0/0", "192.0.2.1", lab.media, 100, 241);
    if (int error = writer.routeRequest(RTM_DELROUTE, 0, own); error != 0)
        throw std::runtime_error("deleting ifpind's route failed: " + std::to_string(error));
    auto before = readProcessStats(daemon.pid());
    auto resumed = Clock::now();
    daemon.signal(SIGCONT);
    auto event = listener.waitEvent(
        [&](const RouteEvent &e) { return e.type == RTM_NEWROUTE && e.route.protocol == 241 && sameRoute(e.route, own); },
        60s);
    auto after = readProcessStats(daemon.pid());
    std::this_thread::sleep_for(100ms); // let the log reach the file
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bool lost = text.find("events were lost") != std::string::npos;
    report(group, "overflow: ifpind logged \"events were lost\"", lost ? 1 : 0, "yes=1");
    if (event)
        report(group, "overflow: SIGCONT to route restored by the resync (1.1M routes in table)",
               microseconds(event->at - resumed) / 1000, "ms", "includes the 10 ms back-off");
    else
        report(group, "overflow: route NOT restored within 60 s", 1, "lost corrections");
    report(group, "overflow: ifpind CPU for drain + resync + reconcile", (after.cpuSeconds - before.cpuSeconds) * 1000,
           "ms", "10 ms clock ticks");
    return event && lost ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        if (argc >= 7 && std::string(argv[1]) == "run" && std::string(argv[5]) == "--")
            return runMode(argc, argv);
        if (argc == 5 && std::string(argv[1]) == "overflow")
            return overflowMode(argv);
    } catch (const std::exception &error) {
        std::fprintf(stderr, "scale_bench: %s\n", error.what());
        return 1;
    }
    std::fprintf(stderr, "usage: %s run LABEL LOG CHURN_TO -- COMMAND...\n       %s overflow IFPIND CONFIG LOG\n",
                 argv[0], argv[0]);
    return 2;
}
