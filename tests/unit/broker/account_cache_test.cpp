#include <gtest/gtest.h>

#include <map>

#include "broker/account_cache.hpp"

namespace ifpin {
namespace {

using namespace std::chrono_literals;

// An account database that counts the questions it is asked.
class CountingAccounts : public AccountResolver {
public:
    std::optional<uid_t> userId(std::string_view name) const override
    {
        ++asked;
        auto it = users.find(name);
        return it == users.end() ? std::nullopt : std::optional<uid_t>(it->second);
    }
    std::optional<gid_t> groupId(std::string_view name) const override
    {
        ++asked;
        auto it = groups.find(name);
        return it == groups.end() ? std::nullopt : std::optional<gid_t>(it->second);
    }

    std::map<std::string, uid_t, std::less<>> users{{"alice", 1000}};
    std::map<std::string, gid_t, std::less<>> groups{{"ifpin-mgmt", 900}};
    mutable int asked = 0;
};

Config configWith(std::vector<std::string> users, std::vector<std::string> groups)
{
    Config config;
    config.daemon.adminGroup = "ifpin-admin";
    RoleConfig role;
    role.name = "mgmt";
    role.interface = "mgmt0";
    role.allowUsers = std::move(users);
    role.allowGroups = std::move(groups);
    config.roles.push_back(role);
    return config;
}

TEST(AccountCache, ResolvesAtLoadAndNotPerDecision)
{
    CountingAccounts nss;
    AccountCache cache(nss);
    Config config = configWith({"alice"}, {"ifpin-mgmt"});
    auto unresolved = cache.resolve(config);
    EXPECT_EQ(unresolved, std::vector<std::string>{"group ifpin-admin"});
    int atLoad = nss.asked;
    EXPECT_EQ(atLoad, 3);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(mayUseRole(config.roles[0], PeerCredentials{1, 1000, 1000, {}}, cache));
        EXPECT_TRUE(mayUseRole(config.roles[0], PeerCredentials{1, 2000, 900, {}}, cache));
        EXPECT_FALSE(mayUseRole(config.roles[0], PeerCredentials{1, 2000, 2000, {}}, cache));
    }
    EXPECT_EQ(nss.asked, atLoad);
}

TEST(AccountCache, ReloadSeesChangedAccounts)
{
    CountingAccounts nss;
    AccountCache cache(nss, 1h);
    Config config = configWith({"alice"}, {});
    cache.resolve(config);
    nss.users["alice"] = 1001; // renumbered: counts once reloaded
    EXPECT_EQ(cache.userId("alice"), 1000u);
    cache.resolve(config);
    EXPECT_EQ(cache.userId("alice"), 1001u);
}

TEST(AccountCache, UnresolvedNameNotAskedAgainWithinTheRetryInterval)
{
    CountingAccounts nss;
    AccountCache cache(nss, 1h);
    Config config = configWith({"bob"}, {});
    EXPECT_EQ(cache.resolve(config), (std::vector<std::string>{"user bob", "group ifpin-admin"}));
    int atLoad = nss.asked;
    nss.users["bob"] = 1002; // created after start: counts after a reload, or after the interval
    for (int i = 0; i < 100; ++i)
        EXPECT_FALSE(cache.userId("bob"));
    EXPECT_EQ(nss.asked, atLoad);
    cache.resolve(config);
    EXPECT_EQ(cache.userId("bob"), 1002u);
}

TEST(AccountCache, UnresolvedNameAskedAgainOnceTheRetryIntervalPassed)
{
    CountingAccounts nss;
    AccountCache cache(nss, 0ns); // every retry interval has passed
    cache.resolve(configWith({"bob"}, {}));
    int atLoad = nss.asked;
    EXPECT_FALSE(cache.userId("bob"));
    EXPECT_EQ(nss.asked, atLoad + 1);
    nss.users["bob"] = 1002;
    EXPECT_EQ(cache.userId("bob"), 1002u);
    EXPECT_EQ(cache.userId("bob"), 1002u); // resolved now: not asked again
    EXPECT_EQ(nss.asked, atLoad + 2);
}

// userdel alice, and her uid goes to the next account made: the cached name must not keep admitting
// that uid past the refresh interval (nor a renumbered group its old gid).
TEST(AccountCache, ResolvedNameAskedAgainOnceTheRefreshIntervalPassed)
{
    CountingAccounts nss;
    AccountCache cache(nss, 1h, 1h);
    Config config = configWith({"alice"}, {"ifpin-mgmt"});
    cache.resolve(config);
    nss.users.erase("alice");
    nss.groups["ifpin-mgmt"] = 901;
    EXPECT_EQ(cache.userId("alice"), 1000u); // within the interval: the name resolved at load
    EXPECT_EQ(cache.groupId("ifpin-mgmt"), 900u);

    AccountCache refreshing(nss, 1h, 0ns); // every refresh interval has passed
    nss.users["alice"] = 1000;
    nss.groups["ifpin-mgmt"] = 900;
    refreshing.resolve(config);
    nss.users.erase("alice");
    nss.groups["ifpin-mgmt"] = 901;
    EXPECT_FALSE(refreshing.userId("alice"));
    EXPECT_FALSE(mayUseRole(config.roles[0], PeerCredentials{1, 1000, 1000, {}}, refreshing));
    EXPECT_EQ(refreshing.groupId("ifpin-mgmt"), 901u);
    EXPECT_FALSE(mayUseRole(config.roles[0], PeerCredentials{1, 2000, 900, {}}, refreshing));
}

TEST(AccountCache, NamesOutsideTheConfigAreCachedToo)
{
    CountingAccounts nss;
    AccountCache cache(nss);
    cache.resolve(configWith({}, {}));
    int before = nss.asked;
    EXPECT_EQ(cache.groupId("ifpin-mgmt"), 900u);
    EXPECT_EQ(cache.groupId("ifpin-mgmt"), 900u);
    EXPECT_EQ(nss.asked, before + 1);
}

} // namespace
} // namespace ifpin
