#include <gtest/gtest.h>

#include <map>

#include "broker/access_policy.hpp"

namespace ifpin {
namespace {

// A fixed account database, so the decision is tested without /etc/passwd.
class FakeAccounts : public AccountResolver {
public:
    std::optional<uid_t> userId(std::string_view name) const override { return find(users, name); }
    std::optional<gid_t> groupId(std::string_view name) const override { return find(groups, name); }

    std::map<std::string, unsigned, std::less<>> users{{"root", 0}, {"alice", 1000}};
    std::map<std::string, unsigned, std::less<>> groups{{"ifpin-mgmt", 900}, {"wheel", 10}};

private:
    static std::optional<unsigned> find(const std::map<std::string, unsigned, std::less<>> &table,
                                        std::string_view name)
    {
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos)
            return static_cast<unsigned>(std::stoul(std::string(name))); // ids are never looked up
        auto it = table.find(name);
        return it == table.end() ? std::nullopt : std::optional<unsigned>(it->second);
    }
};

RoleConfig role(std::vector<std::string> users, std::vector<std::string> groups)
{
    RoleConfig config;
    config.name = "mgmt";
    config.interface = "mgmt0";
    config.allowUsers = std::move(users);
    config.allowGroups = std::move(groups);
    return config;
}

PeerCredentials peer(uid_t uid, gid_t gid, std::vector<gid_t> groups = {})
{
    return PeerCredentials{1234, uid, gid, std::move(groups)};
}

TEST(AccessPolicy, RoleWithoutListsIsRootOnly)
{
    FakeAccounts accounts;
    RoleConfig open = role({}, {});
    EXPECT_TRUE(mayUseRole(open, peer(0, 0), accounts));
    EXPECT_FALSE(mayUseRole(open, peer(1000, 1000), accounts));
    EXPECT_EQ(describeAllowLists(open), "root only");
}

TEST(AccessPolicy, UsersByNameAndById)
{
    FakeAccounts accounts;
    EXPECT_TRUE(mayUseRole(role({"alice"}, {}), peer(1000, 1000), accounts));
    EXPECT_TRUE(mayUseRole(role({"4242"}, {}), peer(4242, 4242), accounts));
    EXPECT_FALSE(mayUseRole(role({"alice"}, {}), peer(1001, 1000), accounts));
}

TEST(AccessPolicy, RootIsNotImplicitOnceListsExist)
{
    FakeAccounts accounts;
    EXPECT_FALSE(mayUseRole(role({"alice"}, {"ifpin-mgmt"}), peer(0, 0), accounts));
    EXPECT_TRUE(mayUseRole(role({"root"}, {"ifpin-mgmt"}), peer(0, 0), accounts));
}

TEST(AccessPolicy, PrimaryAndSupplementaryGroups)
{
    FakeAccounts accounts;
    RoleConfig byGroup = role({}, {"ifpin-mgmt"});
    EXPECT_TRUE(mayUseRole(byGroup, peer(1000, 900), accounts));              // primary
    EXPECT_TRUE(mayUseRole(byGroup, peer(1000, 1000, {10, 900}), accounts)); // supplementary
    EXPECT_FALSE(mayUseRole(byGroup, peer(1000, 1000, {10}), accounts));
    EXPECT_TRUE(mayUseRole(role({}, {"4243"}), peer(4242, 4242, {4243}), accounts));
}

TEST(AccessPolicy, UnknownNamesGrantNothing)
{
    FakeAccounts accounts;
    EXPECT_FALSE(mayUseRole(role({"nobody-here"}, {"no-such-group"}), peer(1000, 1000, {900}), accounts));
}

TEST(AccessPolicy, DescribesTheLists)
{
    EXPECT_EQ(describeAllowLists(role({"root", "alice"}, {"ifpin-mgmt"})), "users root, alice; groups ifpin-mgmt");
    EXPECT_EQ(describeAllowLists(role({}, {"wheel"})), "groups wheel");
}

} // namespace
} // namespace ifpin
