#include "health/health_monitor.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ifpin {

HealthMonitor::HealthMonitor(EventLoop &loop, RtnlRequestSocket &requests, std::function<void()> changed)
    : loop_(loop), neighbours_(requests), changed_(std::move(changed))
{
}

void HealthMonitor::setRoles(const Config &config)
{
    std::map<std::string, std::unique_ptr<RoleChecks>, std::less<>> roles;
    for (const auto &role : config.roles) {
        if (!role.health)
            continue;
        auto found = roles_.find(role.name);
        if (found != roles_.end() && found->second->config() == *role.health) {
            roles.emplace(role.name, std::move(found->second));
            continue;
        }
        spdlog::info("role {}: health checks by {} every {} ms (down after {}, up after {}), on down: {}", role.name,
                     healthMethodName(role.health->method), role.health->interval.count(), role.health->downAfter,
                     role.health->upAfter, healthActionName(role.health->onDown));
        roles.emplace(role.name, std::make_unique<RoleChecks>(loop_, neighbours_, role.name, *role.health, changed_));
    }
    roles_ = std::move(roles);
}

void HealthMonitor::follow(const std::string &role, const UplinkFacts &facts)
{
    if (auto found = roles_.find(role); found != roles_.end())
        found->second->follow(facts);
}

bool HealthMonitor::usesNeighbours() const
{
    return std::any_of(roles_.begin(), roles_.end(),
                       [](const auto &entry) { return entry.second->config().method == HealthMethod::neighbour; });
}

void HealthMonitor::neighbourChanged(const NeighbourMessage &message)
{
    for (auto &[name, checks] : roles_)
        checks->neighbourChanged(message);
}

void HealthMonitor::neighboursLost()
{
    for (auto &[name, checks] : roles_)
        checks->neighboursLost();
}

std::set<std::pair<std::string, Family>> HealthMonitor::demoted() const
{
    std::set<std::pair<std::string, Family>> demoted;
    for (const auto &[name, checks] : roles_)
        for (Family family : allFamilies)
            if (checks->demoted(family))
                demoted.emplace(name, family);
    return demoted;
}

const RoleChecks *HealthMonitor::checks(std::string_view role) const
{
    auto found = roles_.find(role);
    return found == roles_.end() ? nullptr : found->second.get();
}

} // namespace ifpin
