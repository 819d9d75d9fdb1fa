// The gateways the roles learned from routes on their interfaces (docs/configuration.md, "Learned
// gateways"): where each was learned, how long it may live, and why one went. A gateway learned from
// a route that expires (the kernel's route from a router advertisement: as long as the router
// lifetime it advertised) has a deadline; each newer such route (the next advertisement) moves it.
// Pure bookkeeping on times given to it: the policy (route_policy.hpp) decides what a drop means.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kernel/kernel_facts.hpp"

namespace ifpin {

// A gateway a role learned on an interface, as plain values for whoever keeps a copy: a checkpoint
// restores them with the policy it rolls back to.
struct LearnedGatewayEntry {
    std::string role;
    Family family = Family::inet;
    std::string interface;            // where it was learned; it counts only while the role is there
    std::optional<IpAddress> gateway; // empty: an on-link route
    // When the router lifetime it was learned with runs out. It travels with the copy: a rollback
    // within the same run must not give a router that stopped advertising an endless life. Not
    // saved with a checkpoint on disk: the clock is the steady one, which a restart begins anew,
    // and a restart learns from ifpind's own route without a deadline anyway (the next
    // advertisement gives one).
    std::optional<std::chrono::steady_clock::time_point> expiresAt = std::nullopt;
    friend bool operator==(const LearnedGatewayEntry &, const LearnedGatewayEntry &) = default;
};

class LearnedGateways {
public:
    using Clock = std::chrono::steady_clock;
    using RoleFamily = std::pair<std::string, Family>;
    struct Gateway {
        std::string interface;
        std::optional<IpAddress> gateway;
        std::optional<Clock::time_point> expiresAt;
        std::optional<std::chrono::milliseconds> lifetime; // as the route told it when it was learned
    };

    const Gateway *find(const RoleFamily &key) const;
    // What a route on the role's interface says now. A foreign route with an expiry sets the
    // deadline unless it is the very route the gateway was learned from, still held since (a route
    // that stays is no new advertisement; only a route that came again is). True when the gateway
    // is new or another than before.
    bool learn(const RoleFamily &key, const std::string &interface, const RouteFact &route, bool foreign,
               Clock::time_point now);
    // Gone, for `reason`, until a new gateway is learned. withdraw: ifpind's routes through it must
    // go too (the router said how long it would be there, and that has passed).
    void drop(const RoleFamily &key, std::string reason, bool withdraw);
    const std::string *droppedReason(const RoleFamily &key) const;
    bool dropped(const RoleFamily &key) const { return dropped_.contains(key); }
    // The role families whose ifpind routes are to be removed (dropped with withdraw), until a
    // gateway is learned (learn) or taken from a copy (adopt) again.
    std::vector<RoleFamily> withdrawn() const;
    // Gone without a reason: nothing used it (a configured gateway overrides it, its interface went).
    void forget(const RoleFamily &key) { learned_.erase(key); }

    // The learned gateways whose deadline is at or before now, and the earliest deadline of all.
    std::vector<RoleFamily> expired(Clock::time_point now) const;
    std::optional<Clock::time_point> nextDeadline() const;

    // The foreign routes the kernel still holds after a reconcile: seen again, they are not newer.
    void rememberForeignRoutes(std::vector<RouteFact> routes) { heldForeign_ = std::move(routes); }

    // keep(role, interface): whether a gateway learned there still counts (setConfig).
    void keepOnly(const std::function<bool(const std::string &role, const std::string &interface)> &keep);
    void forgetDroppedIf(const std::function<bool(const std::string &role)> &forget);

    std::vector<LearnedGatewayEntry> entries() const;
    // Each is taken unless the role has learned one on that interface since, which is newer.
    void adopt(const std::vector<LearnedGatewayEntry> &entries);

private:
    struct Dropped {
        std::string reason;
        bool withdraw = false;
    };
    std::map<RoleFamily, Gateway> learned_;
    std::map<RoleFamily, Dropped> dropped_; // why a learned gateway went, until a new one is learned
    std::vector<RouteFact> heldForeign_;
};

} // namespace ifpin
