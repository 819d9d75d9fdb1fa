// The names of allow_users, allow_groups and admin_group resolved once, not at each request: NSS
// (getpwnam_r/getgrnam_r) reads /etc/passwd and /etc/group, or asks systemd-userdb or a network
// service, each time it is asked, which cost the broker more than the socket it hands out
// (docs/performance.md). Resolved at start and at each reload (SIGHUP, D-Bus Reload); a name that
// did not resolve is asked again at most once per `retryUnresolved`, so that a user or group
// created after start (sysusers, an admin) counts within that time without a reload; a name that
// did is asked again, when next used, once `refreshResolved` has passed, so that a deleted user
// whose uid goes to somebody else (or a renumbered group) stops counting within that time.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/access_policy.hpp"
#include "config/config.hpp"

namespace ifpin {

class AccountCache final : public AccountResolver {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds defaultRetryUnresolved{30};
    static constexpr std::chrono::seconds defaultRefreshResolved{60};

    explicit AccountCache(const AccountResolver &upstream, std::chrono::nanoseconds retryUnresolved = defaultRetryUnresolved,
                          std::chrono::nanoseconds refreshResolved = defaultRefreshResolved)
        : upstream_(upstream), retryUnresolved_(retryUnresolved), refreshResolved_(refreshResolved)
    {
    }

    // Forgets every name and resolves those config names now (start, reload). The names that
    // resolve to nothing, for the caller to log: "user alice", "group ifpin-mgmt".
    std::vector<std::string> resolve(const Config &config);

    std::optional<uid_t> userId(std::string_view name) const override;
    std::optional<gid_t> groupId(std::string_view name) const override;
    // Not cached: asked by D-Bus calls only, about a caller's uid, never per broker request.
    std::optional<std::vector<gid_t>> groupsOfUser(uid_t uid) const override { return upstream_.groupsOfUser(uid); }

    // How many names NSS was asked about since start: the broker's requests add none.
    uint64_t lookups() const { return lookups_; }

private:
    template <typename Id>
    struct Entry {
        std::optional<Id> id;
        Clock::time_point resolvedAt;
    };
    template <typename Id, typename Lookup>
    std::optional<Id> cached(std::map<std::string, Entry<Id>, std::less<>> &table, std::string_view name,
                             Lookup lookup) const;

    const AccountResolver &upstream_;
    std::chrono::nanoseconds retryUnresolved_;
    std::chrono::nanoseconds refreshResolved_;
    mutable std::map<std::string, Entry<uid_t>, std::less<>> users_;
    mutable std::map<std::string, Entry<gid_t>, std::less<>> groups_;
    mutable uint64_t lookups_ = 0;
};

} // namespace ifpin
