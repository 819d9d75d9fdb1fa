#include "kernel/kernel_state.hpp"

#include <algorithm>

namespace ifpin {

void KernelState::setTable(uint32_t table)
{
    if (table != table_)
        routes_.clear();
    table_ = table;
}

std::vector<RouteFact> *KernelState::routesOfTable(uint32_t table)
{
    if (table == table_)
        return &routes_;
    return replyTables_.contains(table) ? &replyRoutes_ : nullptr;
}

void KernelState::replaceLinks(std::vector<LinkFact> links)
{
    links_.clear();
    for (auto &link : links)
        links_[link.ifindex] = std::move(link);
}

bool KernelState::applyLink(const LinkMessage &message)
{
    const LinkFact &incoming = message.link;
    if (message.removed) {
        bool known = links_.erase(incoming.ifindex) > 0;
        forgetRoutesOf(incoming.ifindex);
        forgetAddressesOf(incoming.ifindex);
        return known;
    }
    auto [it, inserted] = links_.try_emplace(incoming.ifindex, incoming);
    if (inserted)
        return true;
    LinkFact &known = it->second;
    // Some RTM_NEWLINK messages omit the name; keep the one we have.
    std::string name = incoming.name.empty() ? known.name : incoming.name;
    bool changed = name != known.name || known.adminUp() != incoming.adminUp() ||
                   known.hasCarrier() != incoming.hasCarrier();
    known.name = std::move(name);
    known.flags = incoming.flags;
    return changed;
}

const LinkFact *KernelState::linkByName(std::string_view name) const
{
    for (const auto &[index, link] : links_)
        if (link.name == name)
            return &link;
    return nullptr;
}

const LinkFact *KernelState::linkByIndex(int ifindex) const
{
    auto it = links_.find(ifindex);
    return it == links_.end() ? nullptr : &it->second;
}

std::string KernelState::interfaceName(int ifindex) const
{
    const LinkFact *link = linkByIndex(ifindex);
    return link ? link->name : "#" + std::to_string(ifindex);
}

std::string KernelState::describe(const RouteFact &route) const
{
    return ifpin::describe(route, interfaceName(route.ifindex));
}

void KernelState::replaceRoutes(Family family, int ifindex, const std::vector<RouteFact> &dumped)
{
    std::erase_if(routes_, [&](const RouteFact &route) {
        return route.family == family && (ifindex == 0 || route.ifindex == ifindex);
    });
    for (const auto &route : dumped)
        if (route.table == table_ && route.family == family)
            routes_.push_back(route);
}

bool KernelState::applyRoute(const RouteMessage &message)
{
    bool changed = false;
    for (const auto &route : message.routes) {
        std::vector<RouteFact> *routes = routesOfTable(route.table);
        if (!routes)
            continue;
        auto same = [&](const RouteFact &known) { return known.sameRoute(route); };
        if (message.removed) {
            changed |= std::erase_if(*routes, same) > 0;
        } else if (std::find_if(routes->begin(), routes->end(), same) == routes->end()) {
            routes->push_back(route);
            changed = true;
        }
    }
    return changed;
}

void KernelState::noteAdded(const RouteFact &route)
{
    applyRoute(RouteMessage{false, false, {route}});
}

void KernelState::noteRemoved(const RouteFact &route)
{
    applyRoute(RouteMessage{true, false, {route}});
}

void KernelState::forgetRoutesOf(int ifindex)
{
    auto on = [&](const RouteFact &route) { return route.ifindex == ifindex; };
    std::erase_if(routes_, on);
    std::erase_if(replyRoutes_, on);
}

void KernelState::setReplyTables(std::set<uint32_t> tables)
{
    tables.erase(table_); // the managed table's routes are held apart (config/ never lets them meet)
    std::erase_if(replyRoutes_, [&](const RouteFact &route) { return !tables.contains(route.table); });
    replyTables_ = std::move(tables);
}

void KernelState::replaceReplyRoutes(uint32_t table, Family family, int ifindex, const std::vector<RouteFact> &dumped)
{
    if (!replyTables_.contains(table))
        return;
    std::erase_if(replyRoutes_, [&](const RouteFact &route) {
        return route.table == table && route.family == family && (ifindex == 0 || route.ifindex == ifindex);
    });
    for (const auto &route : dumped)
        if (route.table == table && route.family == family)
            replyRoutes_.push_back(route);
}

std::vector<AddressFact> KernelState::addressesOf(int ifindex) const
{
    std::vector<AddressFact> found;
    for (const auto &address : addresses_)
        if (address.ifindex == ifindex)
            found.push_back(address);
    return found;
}

void KernelState::replaceAddresses(int ifindex, Family family, const std::vector<AddressFact> &dumped)
{
    std::erase_if(addresses_, [&](const AddressFact &address) {
        return address.ifindex == ifindex && address.address.family() == family;
    });
    for (const auto &address : dumped)
        if (address.ifindex == ifindex && address.address.family() == family)
            addresses_.push_back(address);
}

bool KernelState::applyAddress(bool removed, const AddressFact &address)
{
    auto known = std::find_if(addresses_.begin(), addresses_.end(),
                              [&](const AddressFact &held) { return held.sameAddress(address); });
    if (removed) {
        if (known == addresses_.end())
            return false;
        addresses_.erase(known);
        return true;
    }
    if (known == addresses_.end()) {
        addresses_.push_back(address);
        return true;
    }
    bool changed = *known != address; // DAD finished, the address deprecated...
    *known = address;
    return changed;
}

void KernelState::forgetAddressesOf(int ifindex)
{
    std::erase_if(addresses_, [&](const AddressFact &address) { return address.ifindex == ifindex; });
}

void KernelState::replaceRules(Family family, const std::vector<RuleFact> &dumped)
{
    std::erase_if(rules_, [&](const RuleFact &rule) { return rule.family == family; });
    for (const auto &rule : dumped)
        if (rule.family == family)
            applyRule(false, rule);
}

bool KernelState::applyRule(bool removed, const RuleFact &rule)
{
    auto known = std::find(rules_.begin(), rules_.end(), rule);
    if (removed) {
        if (known == rules_.end())
            return false;
        rules_.erase(known);
        return true;
    }
    if (known != rules_.end())
        return false;
    rules_.push_back(rule);
    return true;
}

} // namespace ifpin
