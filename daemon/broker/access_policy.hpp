// Who may get sockets of a role: the role's allow_users and allow_groups against a peer's
// credentials. Pure apart from the account look-ups, which are injected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "config/config.hpp"
#include "broker/peer_credentials.hpp"

namespace ifpin {

// Names to ids. Decimal strings are ids already and never looked up.
class AccountResolver {
public:
    virtual ~AccountResolver() = default;
    virtual std::optional<uid_t> userId(std::string_view name) const = 0;
    virtual std::optional<gid_t> groupId(std::string_view name) const = 0;
    // The groups of uid's user by the account database (NSS): its primary group and every group that
    // lists it; nothing when uid has no passwd entry (then it is in no group) or the look-up failed.
    // Unlike a process's groups, these cannot be changed by the caller (no setgid program, no reused
    // pid can add one).
    virtual std::optional<std::vector<gid_t>> groupsOfUser(uid_t) const { return std::nullopt; }
};

// getpwnam_r/getgrnam_r, asked each time: the daemon puts AccountCache (account_cache.hpp) in
// front of it, so that a request costs no NSS look-up.
class SystemAccountResolver final : public AccountResolver {
public:
    std::optional<uid_t> userId(std::string_view name) const override;
    std::optional<gid_t> groupId(std::string_view name) const override;
    // getpwuid_r, then getgrouplist(name, pw_gid): synchronous, microseconds with files and
    // systemd-userdb, possibly longer with a network NSS.
    std::optional<std::vector<gid_t>> groupsOfUser(uid_t uid) const override;
};

// True when the peer may use the role: it is named in allow_users (by name or uid), or its primary
// or a supplementary group is in allow_groups. A role with neither list is open to root only.
// Root is not special otherwise: a role with lists that do not name root refuses root too.
bool mayUseRole(const RoleConfig &role, const PeerCredentials &peer, const AccountResolver &accounts);

// "users root, 4242; groups ifpin-mgmt" or "root only": for error messages.
std::string describeAllowLists(const RoleConfig &role);

} // namespace ifpin
