#include "broker/account_cache.hpp"

namespace ifpin {

template <typename Id, typename Lookup>
std::optional<Id> AccountCache::cached(std::map<std::string, Entry<Id>, std::less<>> &table, std::string_view name,
                                       Lookup lookup) const
{
    auto now = Clock::now();
    auto it = table.find(name);
    if (it != table.end() && now - it->second.resolvedAt < (it->second.id ? refreshResolved_ : retryUnresolved_))
        return it->second.id;
    ++lookups_;
    std::optional<Id> id = lookup(name);
    if (it == table.end())
        table.emplace(std::string(name), Entry<Id>{id, now});
    else
        it->second = Entry<Id>{id, now};
    return id;
}

std::optional<uid_t> AccountCache::userId(std::string_view name) const
{
    return cached(users_, name, [this](std::string_view n) { return upstream_.userId(n); });
}

std::optional<gid_t> AccountCache::groupId(std::string_view name) const
{
    return cached(groups_, name, [this](std::string_view n) { return upstream_.groupId(n); });
}

std::vector<std::string> AccountCache::resolve(const Config &config)
{
    users_.clear();
    groups_.clear();
    std::vector<std::string> unresolved;
    for (const auto &role : config.roles) {
        for (const auto &user : role.allowUsers)
            if (!userId(user))
                unresolved.push_back("user " + user);
        for (const auto &group : role.allowGroups)
            if (!groupId(group))
                unresolved.push_back("group " + group);
    }
    if (!config.daemon.adminGroup.empty() && !groupId(config.daemon.adminGroup))
        unresolved.push_back("group " + config.daemon.adminGroup);
    return unresolved;
}

} // namespace ifpin
