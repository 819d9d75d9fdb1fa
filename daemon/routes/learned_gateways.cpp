#include "routes/learned_gateways.hpp"

#include <algorithm>

namespace ifpin {

const LearnedGateways::Gateway *LearnedGateways::find(const RoleFamily &key) const
{
    auto it = learned_.find(key);
    return it == learned_.end() ? nullptr : &it->second;
}

bool LearnedGateways::learn(const RoleFamily &key, const std::string &interface, const RouteFact &route,
                            bool foreign, Clock::time_point now)
{
    Gateway next{interface, route.gateway, std::nullopt, std::nullopt};
    const Gateway *known = find(key);
    bool same = known && known->interface == interface && known->gateway == route.gateway;
    bool heldSince = std::any_of(heldForeign_.begin(), heldForeign_.end(),
                                 [&](const RouteFact &held) { return held.sameRoute(route); });
    if (!foreign || (same && heldSince)) {
        // ifpind's own route says nothing of a lifetime; the same foreign route, still there, is
        // not a newer advertisement.
        if (same) {
            next.expiresAt = known->expiresAt;
            next.lifetime = known->lifetime;
        }
    } else if (route.expiresIn) {
        next.expiresAt = now + *route.expiresIn;
        next.lifetime = route.expiresIn;
    }
    learned_[key] = next;
    dropped_.erase(key);
    return !same;
}

void LearnedGateways::drop(const RoleFamily &key, std::string reason, bool withdraw)
{
    learned_.erase(key);
    dropped_[key] = Dropped{std::move(reason), withdraw};
}

const std::string *LearnedGateways::droppedReason(const RoleFamily &key) const
{
    auto it = dropped_.find(key);
    return it == dropped_.end() ? nullptr : &it->second.reason;
}

std::vector<LearnedGateways::RoleFamily> LearnedGateways::withdrawn() const
{
    std::vector<RoleFamily> keys;
    for (const auto &[key, dropped] : dropped_)
        if (dropped.withdraw)
            keys.push_back(key);
    return keys;
}

std::vector<LearnedGateways::RoleFamily> LearnedGateways::expired(Clock::time_point now) const
{
    std::vector<RoleFamily> keys;
    for (const auto &[key, gateway] : learned_)
        if (gateway.expiresAt && *gateway.expiresAt <= now)
            keys.push_back(key);
    return keys;
}

std::optional<LearnedGateways::Clock::time_point> LearnedGateways::nextDeadline() const
{
    std::optional<Clock::time_point> next;
    for (const auto &[key, gateway] : learned_)
        if (gateway.expiresAt && (!next || *gateway.expiresAt < *next))
            next = gateway.expiresAt;
    return next;
}

void LearnedGateways::keepOnly(const std::function<bool(const std::string &, const std::string &)> &keep)
{
    std::erase_if(learned_, [&](const auto &entry) { return !keep(entry.first.first, entry.second.interface); });
}

void LearnedGateways::forgetDroppedIf(const std::function<bool(const std::string &)> &forget)
{
    std::erase_if(dropped_, [&](const auto &entry) { return forget(entry.first.first); });
}

std::vector<LearnedGatewayEntry> LearnedGateways::entries() const
{
    std::vector<LearnedGatewayEntry> entries;
    for (const auto &[key, learned] : learned_)
        entries.push_back({key.first, key.second, learned.interface, learned.gateway, learned.expiresAt});
    return entries;
}

void LearnedGateways::adopt(const std::vector<LearnedGatewayEntry> &entries)
{
    for (const auto &entry : entries) {
        Gateway gateway{entry.interface, entry.gateway, entry.expiresAt, std::nullopt};
        RoleFamily key{entry.role, entry.family};
        auto [known, added] = learned_.try_emplace(key, gateway);
        if (!added && known->second.interface != entry.interface)
            known->second = gateway;
        dropped_.erase(key); // known again, as learn() has it: no reason, nothing to withdraw
    }
}

} // namespace ifpin
