// Reconcile benchmark: how long after a foreign change ifpind has the policy back, as a netlink
// listener sees it. Three kinds of trial, per family:
//   foreign: a default route at the wrong metric (50) on the managed interface is added over netlink;
//            the clock stops at the DELROUTE of that route;
//   deleted: ifpind's own default route is deleted; the clock stops at the NEWROUTE of it (trials
//            20 ms apart: a deletion right after a restoration is a loop, which ifpind holds off);
//   rule:    ifpind's return-routing rule of the interface's address is deleted; the clock stops at
//            the NEWRULE of it.
// The clock starts just before the request is sent. Baselines: one netlink round trip (add+ack of a
// route in another table; of a rule at another priority).
//
// Usage (inside the lab's host namespace, as root):
//   reconcile_bench IFPIND CONFIG INTERFACE METRIC GATEWAY4 GATEWAY6 TRIALS SOURCE4 SOURCE6 TABLE PRIORITY
// (SOURCE4/6: the interface's addresses; TABLE, PRIORITY: its role's reply table and rule priority)
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "bench_netlink.hpp"
#include "bench_rules.hpp"

using namespace ifpin::bench;

namespace {

constexpr uint8_t ifpindProtocol = 241;
constexpr uint32_t foreignMetric = 50;

struct Setup {
    int ifindex;
    uint32_t metric;
    std::string gateway4, gateway6;
    int trials;
    std::string source4, source6;
    uint32_t replyTable, replyPriority;
};

std::string familyName(int family) { return family == AF_INET ? "IPv4" : "IPv6"; }

Route defaultRoute(int family, const Setup &setup, uint32_t metric, uint8_t protocol)
{
    return parseRoute(family, family == AF_INET ? "0.0.0.0/0" : "::/0",
                      family == AF_INET ? setup.gateway4 : setup.gateway6, setup.ifindex, metric, protocol);
}

void baseline(Rtnl &writer, const Setup &setup)
{
    std::vector<double> samples;
    Route route = parseRoute(AF_INET, "203.0.113.128/25", setup.gateway4, setup.ifindex, 0, 4, 100);
    for (int i = 0; i < setup.trials; ++i) {
        auto start = Clock::now();
        int error = writer.routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route);
        samples.push_back(microseconds(Clock::now() - start));
        if (error != 0)
            throw std::runtime_error("baseline add failed: " + std::to_string(error));
        writer.routeRequest(RTM_DELROUTE, 0, route);
    }
    saveSamples("reconcile", "baseline netlink round trip (add+ack, table 100)", samples);
    reportSummary("reconcile", "baseline netlink round trip (add+ack, table 100)", summarize(samples));
}

void foreignTrials(int family, Rtnl &writer, Rtnl &listener, const Setup &setup)
{
    Route foreign = defaultRoute(family, setup, foreignMetric, 4);
    std::vector<double> samples;
    int missed = 0, raced = 0, stale = 0;
    for (int i = 0; i < setup.trials; ++i) {
        auto start = Clock::now();
        int error = writer.routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, foreign);
        // IPv4 notifies RTM_DELROUTE just before it unlinks the route: the last trial's route may
        // still stand for a moment. Try again, restarting the clock.
        for (int retry = 0; error == -EEXIST && retry < 1000; ++retry, ++raced) {
            std::this_thread::sleep_for(20us);
            start = Clock::now();
            error = writer.routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, foreign);
        }
        if (error == -EEXIST) {
            // A foreign route of an earlier trial still stands although its DELROUTE was seen.
            std::fprintf(stderr, "reconcile_bench: %s trial %d: the foreign route of an earlier trial still stands\n",
                         familyName(family).c_str(), i);
            ++stale;
            writer.routeRequest(RTM_DELROUTE, 0, foreign);
            continue;
        }
        if (error != 0)
            throw std::runtime_error(familyName(family) + " trial " + std::to_string(i) +
                                     ": adding the foreign route failed: " + std::strerror(-error));
        auto event = listener.waitEvent(
            [&](const RouteEvent &e) { return e.type == RTM_DELROUTE && sameRoute(e.route, foreign); }, 2s);
        if (!event) {
            std::fprintf(stderr, "reconcile_bench: %s trial %d: no DELROUTE within 2 s\n", familyName(family).c_str(), i);
            ++missed;
            writer.routeRequest(RTM_DELROUTE, 0, foreign);
            continue;
        }
        samples.push_back(microseconds(event->at - start));
    }
    saveSamples("reconcile", familyName(family) + " foreign default at wrong metric -> its DELROUTE", samples);
    reportSummary("reconcile", familyName(family) + " foreign default at wrong metric -> its DELROUTE",
                  summarize(samples));
    report("reconcile", familyName(family) + " foreign trials not corrected within 2 s", missed, "trials");
    report("reconcile", familyName(family) + " foreign routes left standing after their DELROUTE was seen", stale,
           "trials");
    report("reconcile", familyName(family) + " foreign adds retried (EEXIST: the last one not yet unlinked)", raced,
           "retries");
}

void deletionTrials(int family, Rtnl &writer, Rtnl &listener, const Setup &setup)
{
    Route own = defaultRoute(family, setup, setup.metric, ifpindProtocol);
    std::vector<double> samples, acks;
    int missed = 0;
    for (int i = 0; i < setup.trials; ++i) {
        auto start = Clock::now();
        int error = writer.routeRequest(RTM_DELROUTE, 0, own);
        // The kernel's share: the deletion itself, until its ACK (ifpind may restore before it is read).
        acks.push_back(microseconds(Clock::now() - start));
        if (error != 0)
            throw std::runtime_error(familyName(family) + " trial " + std::to_string(i) +
                                     ": deleting ifpind's route failed: " + std::strerror(-error));
        auto event = listener.waitEvent(
            [&](const RouteEvent &e) {
                return e.type == RTM_NEWROUTE && e.route.protocol == ifpindProtocol && sameRoute(e.route, own);
            },
            2s);
        if (!event) {
            ++missed;
            continue;
        }
        samples.push_back(microseconds(event->at - start));
        // A route deleted again within 10 ms of its restoration is somebody deleting in a loop, and
        // ifpind holds the next restoration off (routes/restoration_holdoff.hpp, issue #20). Each
        // trial here is one deletion, as a DHCP client's or an admin's: the next waits longer.
        std::this_thread::sleep_for(20ms);
    }
    saveSamples("reconcile", familyName(family) + " ifpind's route deleted -> its NEWROUTE", samples);
    reportSummary("reconcile", familyName(family) + " ifpind's route deleted -> its NEWROUTE", summarize(samples));
    reportSummary("reconcile", familyName(family) + " deleting ifpind's route: the deletion's ACK", summarize(acks));
    report("reconcile", familyName(family) + " deletions not restored within 2 s", missed, "trials");
}

void ruleBaseline(RuleNetlink &writer, const Setup &setup)
{
    std::vector<double> samples;
    Rule rule = parseRule(AF_INET, "192.0.2.99", 500, 77, 4);
    for (int i = 0; i < setup.trials; ++i) {
        auto start = Clock::now();
        int error = writer.request(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, rule);
        samples.push_back(microseconds(Clock::now() - start));
        if (error != 0)
            throw std::runtime_error("rule baseline add failed: " + std::to_string(error));
        writer.request(RTM_DELRULE, 0, rule);
    }
    reportSummary("reconcile", "baseline netlink rule round trip (add+ack, priority 500)", summarize(samples));
}

void ruleDeletionTrials(int family, RuleNetlink &writer, RuleNetlink &listener, const Setup &setup)
{
    Rule own = parseRule(family, family == AF_INET ? setup.source4 : setup.source6, setup.replyPriority,
                         setup.replyTable, ifpindProtocol);
    std::vector<double> samples;
    int missed = 0;
    for (int i = 0; i < setup.trials; ++i) {
        auto start = Clock::now();
        int error = writer.request(RTM_DELRULE, 0, own);
        if (error != 0)
            throw std::runtime_error(familyName(family) + " trial " + std::to_string(i) +
                                     ": deleting ifpind's rule failed: " + std::strerror(-error));
        auto event = listener.waitEvent(
            [&](const RuleEvent &e) { return e.type == RTM_NEWRULE && sameRule(e.rule, own); }, 2s);
        if (!event) {
            ++missed;
            continue;
        }
        samples.push_back(microseconds(event->at - start));
    }
    reportSummary("reconcile", familyName(family) + " ifpind's rule deleted -> its NEWRULE", summarize(samples));
    report("reconcile", familyName(family) + " rule deletions not restored within 2 s", missed, "trials");
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 12) {
        std::fprintf(stderr,
                     "usage: %s IFPIND CONFIG INTERFACE METRIC GATEWAY4 GATEWAY6 TRIALS SOURCE4 SOURCE6 TABLE "
                     "PRIORITY\n",
                     argv[0]);
        return 2;
    }
    try {
        Setup setup{interfaceIndex(argv[3]), uint32_t(std::stoul(argv[4])), argv[5], argv[6], std::stoi(argv[7]),
                    argv[8], argv[9], uint32_t(std::stoul(argv[10])), uint32_t(std::stoul(argv[11]))};
        std::fprintf(stderr, "reconcile benchmark (load average %s)\n", loadAverage().c_str());
        report("reconcile", "load average at start", 0, "", loadAverage());
        Rtnl writer;
        baseline(writer, setup);
        RuleNetlink ruleWriter;
        ruleBaseline(ruleWriter, setup);

        std::string config = argv[2];
        ChildDaemon daemon({argv[1], "--config", config}, config + ".log");
        if (!daemon.waitReady(30s))
            throw std::runtime_error("ifpind did not become ready; see " + config + ".log");
        Rtnl listener(8 << 20);
        listener.subscribeDefaultRoutes();
        RuleNetlink ruleListener;
        ruleListener.subscribe();
        for (int family : {AF_INET, AF_INET6}) {
            foreignTrials(family, writer, listener, setup);
            deletionTrials(family, writer, listener, setup);
            ruleDeletionTrials(family, ruleWriter, ruleListener, setup);
        }
        auto stats = readProcessStats(daemon.pid());
        report("reconcile", "ifpind CPU over all trials", stats.cpuSeconds, "s");
        report("reconcile", "sd_notify datagrams ifpind sent (6 x trials corrections)", double(daemon.notifications()),
               "datagrams", "STATUS= after every reconcile");
    } catch (const std::exception &error) {
        std::fprintf(stderr, "reconcile_bench: %s\n", error.what());
        return 1;
    }
    return 0;
}
