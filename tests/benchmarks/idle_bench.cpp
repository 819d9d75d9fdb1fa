// Idle benchmark: wake-ups of an idle ifpind (voluntary + involuntary context switches from
// /proc/PID/status over a window) and its RSS. Target: 0 wake-ups per second.
//
// Usage (inside the lab's host namespace, as root): idle_bench IFPIND CONFIG SECONDS LABEL
// The D-Bus system bus ifpind sees is whatever DBUS_SYSTEM_BUS_ADDRESS says (tools/bench.sh runs a
// private bus for one run and none for the other: without a bus ifpind's reconnect timer runs).
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "bench_support.hpp"

using namespace ifpin::bench;

int main(int argc, char **argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s IFPIND CONFIG SECONDS LABEL\n", argv[0]);
        return 2;
    }
    std::string config = argv[2], label = argv[4];
    int seconds = std::stoi(argv[3]);
    report("idle", "load average at start (" + label + ")", 0, "", loadAverage());
    ChildDaemon daemon({argv[1], "--config", config}, config + ".log");
    if (!daemon.waitReady(30s)) {
        std::fprintf(stderr, "idle_bench: ifpind did not become ready; see %s.log\n", config.c_str());
        return 1;
    }
    std::this_thread::sleep_for(2s); // let the start-up settle (bus name, first timers)
    auto before = readProcessStats(daemon.pid());
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    auto after = readProcessStats(daemon.pid());
    long switches = (after.voluntarySwitches - before.voluntarySwitches) +
                    (after.involuntarySwitches - before.involuntarySwitches);
    report("idle", "wake-ups per second, " + label, double(switches) / seconds, "/s",
           std::to_string(switches) + " context switches in " + std::to_string(seconds) + " s");
    report("idle", "CPU over the window, " + label, after.cpuSeconds - before.cpuSeconds, "s");
    report("idle", "RSS, " + label, double(after.vmRssKiB) / 1024, "MiB");
    return 0;
}
