#include "bus/admin_access.hpp"

#include <algorithm>

namespace ifpin {

bool mayAdminister(const PeerCredentials &caller, std::string_view adminGroup, const AccountResolver &accounts)
{
    if (caller.uid == 0)
        return true;
    // A group that does not exist (yet) admits nobody; the daemon's AccountCache looks it up again
    // at most every 30 s and at each reload, so a group created after start counts soon.
    auto gid = adminGroup.empty() ? std::nullopt : accounts.groupId(adminGroup);
    if (!gid)
        return false;
    return caller.gid == *gid || std::find(caller.groups.begin(), caller.groups.end(), *gid) != caller.groups.end();
}

std::string describeAdminRefusal(const PeerCredentials &caller, std::string_view adminGroup)
{
    return "only root and members of group " + std::string(adminGroup) + " ([daemon] admin_group) may change " +
           "ifpind's policy; uid " + std::to_string(caller.uid) + " is neither";
}

} // namespace ifpin
