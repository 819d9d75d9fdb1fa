#include "broker/access_policy.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include <grp.h>
#include <pwd.h>

namespace ifpin {

namespace {

template <typename Id>
std::optional<Id> decimalId(std::string_view text)
{
    Id value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

} // namespace

std::optional<uid_t> SystemAccountResolver::userId(std::string_view name) const
{
    if (auto id = decimalId<uid_t>(name))
        return id;
    std::string key(name);
    std::vector<char> buffer(4096);
    passwd entry{};
    passwd *found = nullptr;
    if (getpwnam_r(key.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        return std::nullopt;
    return found->pw_uid;
}

std::optional<gid_t> SystemAccountResolver::groupId(std::string_view name) const
{
    if (auto id = decimalId<gid_t>(name))
        return id;
    std::string key(name);
    std::vector<char> buffer(16384);
    group entry{};
    group *found = nullptr;
    if (getgrnam_r(key.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        return std::nullopt;
    return found->gr_gid;
}

bool mayUseRole(const RoleConfig &role, const PeerCredentials &peer, const AccountResolver &accounts)
{
    if (role.allowUsers.empty() && role.allowGroups.empty())
        return peer.uid == 0;
    for (const auto &user : role.allowUsers)
        if (accounts.userId(user) == peer.uid)
            return true;
    for (const auto &groupName : role.allowGroups) {
        auto gid = accounts.groupId(groupName);
        if (!gid)
            continue;
        if (*gid == peer.gid || std::find(peer.groups.begin(), peer.groups.end(), *gid) != peer.groups.end())
            return true;
    }
    return false;
}

std::string describeAllowLists(const RoleConfig &role)
{
    if (role.allowUsers.empty() && role.allowGroups.empty())
        return "root only";
    std::string text;
    if (!role.allowUsers.empty())
        text = "users " + joined(role.allowUsers);
    if (!role.allowGroups.empty())
        text += (text.empty() ? "" : "; ") + std::string("groups ") + joined(role.allowGroups);
    return text;
}

} // namespace ifpin
