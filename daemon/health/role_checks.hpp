// One role's health checks, on the daemon's loop: a timer per role that starts a round of probes
// every interval (one per target), a timer that ends the round after timeout, and the results fed to
// each family's FamilyHealth. A role's checks run only while its interface exists and is up and it
// has something to probe; otherwise no timer is armed at all.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/health_config.hpp"
#include "core/event_loop.hpp"
#include "health/health_state.hpp"
#include "health/probe_sockets.hpp"

namespace ifpin {

// What health needs to know of a role's uplink: gathered by daemon.cpp from the kernel's facts and
// the route policy after each reconcile.
struct UplinkFacts {
    std::string interface;
    int ifindex = 0; // 0: the interface does not exist
    bool up = false; // administratively up, with carrier
    std::optional<IpAddress> gateway4; // configured or learned; none when unknown (or on-link)
    std::optional<IpAddress> gateway6;

    const std::optional<IpAddress> &gateway(Family family) const { return family == Family::inet ? gateway4 : gateway6; }
    friend bool operator==(const UplinkFacts &, const UplinkFacts &) = default;
};

class RoleChecks {
public:
    // changed: called (from the loop, never from inside follow()) when a family's state changed.
    RoleChecks(EventLoop &loop, NeighbourRequests &neighbours, std::string role, HealthConfig config,
               std::function<void()> changed);
    ~RoleChecks();
    RoleChecks(const RoleChecks &) = delete;
    RoleChecks &operator=(const RoleChecks &) = delete;

    const HealthConfig &config() const { return config_; }
    // After each reconcile: starts, stops or re-targets the checks as the uplink now is.
    void follow(const UplinkFacts &facts);
    // The kernel's neighbour events (method neighbour).
    void neighbourChanged(const NeighbourMessage &message);
    void neighboursLost() { neighbourStates_.clear(); }

    const FamilyHealth &health(Family family) const { return families_[index(family)]; }
    // The state last announced (logged and passed on through changed).
    HealthState state(Family family) const { return announced_[index(family)]; }
    // True while the family is down and on_down is "demote".
    bool demoted(Family family) const;
    bool probing() const { return probing_; }

private:
    struct Target {
        Family family;
        HealthTarget target;
        std::string label;
    };
    struct Pending {
        uint64_t id = 0;
        Family family;
        std::string label;
        IpAddress address;
        uint16_t sequence = 0;
        std::chrono::steady_clock::time_point sentAt;
        std::unique_ptr<TcpAttempt> tcp;
        EventSourcePtr tcpSource;
    };

    static size_t index(Family family) { return family == Family::inet ? 0 : 1; }
    void retarget();
    void start();
    void stop(const std::string &why);
    void tick();
    void probe(const Target &target);
    void probeEcho(const Target &target);
    void probeTcp(const Target &target);
    void probeNeighbour(const Target &target);
    EchoSocket *echoSocket(Family family, std::string &problem);
    void onEchoReadable(Family family);
    void onTcpDone(uint64_t id);
    void expirePending();
    void finish(std::vector<Pending>::iterator pending, const ProbeResult &result);
    void record(Family family, const std::string &label, const ProbeResult &result);
    // Logs each family whose state changed since it was last announced, and calls changed once.
    void announce();

    EventLoop &loop_;
    NeighbourRequests &neighbours_;
    std::string role_;
    HealthConfig config_;
    std::function<void()> changed_;
    UplinkFacts facts_;
    std::vector<Target> targets_;
    std::array<FamilyHealth, 2> families_;
    std::array<HealthState, 2> announced_{HealthState::unknown, HealthState::unknown};
    bool probing_ = false;

    EventSourcePtr tickTimer_;
    EventSourcePtr timeoutTimer_; // icmp and tcp: the end of a round's wait for answers
    EventSourcePtr announceSource_; // defer: changes found inside follow() are announced from the loop
    std::array<std::unique_ptr<EchoSocket>, 2> echoSockets_;
    std::array<EventSourcePtr, 2> echoSources_;
    std::array<std::string, 2> echoProblems_; // the last logged, so that each is logged once
    std::array<uint16_t, 2> sequences_{0, 0};
    std::vector<Pending> pending_;
    std::vector<EventSourcePtr> retired_; // finished attempts' sources, freed outside their callbacks
    uint64_t nextId_ = 1;
    std::map<IpAddress, uint16_t> neighbourStates_; // method neighbour: the entries of the targets, by event
};

} // namespace ifpin
