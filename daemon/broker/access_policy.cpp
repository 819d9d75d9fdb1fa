#include "broker/access_policy.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include <cerrno>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

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

std::optional<std::vector<gid_t>> SystemAccountResolver::groupsOfUser(uid_t uid) const
{
    long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 1024);
    passwd entry{};
    passwd *found = nullptr;
    int error;
    while ((error = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found)) == ERANGE && buffer.size() < (1u << 20))
        buffer.resize(buffer.size() * 2);
    if (error != 0 || !found)
        return std::nullopt;
    // glibc answers -1 with the count it needs when the array is too small.
    std::vector<gid_t> groups(32);
    for (int attempt = 0; attempt < 8; ++attempt) {
        int count = static_cast<int>(groups.size());
        if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) >= 0) {
            groups.resize(static_cast<size_t>(count));
            return groups;
        }
        groups.resize(std::max(static_cast<size_t>(count), groups.size() * 2));
    }
    return std::nullopt;
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
