#include "kernel/kernel_state.hpp"

#include <algorithm>

namespace ifpin {

void KernelState::setTable(uint32_t table)
{
    if (table != table_)
        routes_.clear();
    table_ = table;
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
        if (route.table != table_)
            continue;
        auto same = [&](const RouteFact &known) { return known.sameRoute(route); };
        if (message.removed) {
            changed |= std::erase_if(routes_, same) > 0;
        } else if (std::find_if(routes_.begin(), routes_.end(), same) == routes_.end()) {
            routes_.push_back(route);
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
    std::erase_if(routes_, [&](const RouteFact &route) { return route.ifindex == ifindex; });
}

} // namespace ifpin
