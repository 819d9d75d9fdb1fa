// Who may get sockets of a role: the role's allow_users and allow_groups against a peer's
// credentials. Pure apart from the account look-ups, which are injected.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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
};

// getpwnam_r/getgrnam_r, asked at each decision so that a group created after start (sysusers,
// an admin) counts at once.
class SystemAccountResolver final : public AccountResolver {
public:
    std::optional<uid_t> userId(std::string_view name) const override;
    std::optional<gid_t> groupId(std::string_view name) const override;
};

// True when the peer may use the role: it is named in allow_users (by name or uid), or its primary
// or a supplementary group is in allow_groups. A role with neither list is open to root only.
// Root is not special otherwise: a role with lists that do not name root refuses root too.
bool mayUseRole(const RoleConfig &role, const PeerCredentials &peer, const AccountResolver &accounts);

// "users root, 4242; groups ifpin-mgmt" or "root only": for error messages.
std::string describeAllowLists(const RoleConfig &role);

} // namespace ifpin
