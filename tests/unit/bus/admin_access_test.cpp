// Who may change the policy over D-Bus: the whole table of caller × admin_group.
#include <gtest/gtest.h>

#include <map>

#include "bus/admin_access.hpp"

namespace ifpin {
namespace {

class GroupTable : public AccountResolver {
public:
    std::optional<uid_t> userId(std::string_view) const override { return std::nullopt; }
    std::optional<gid_t> groupId(std::string_view name) const override
    {
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos)
            return static_cast<gid_t>(std::stoul(std::string(name)));
        auto it = groups.find(name);
        return it == groups.end() ? std::nullopt : std::optional<gid_t>(it->second);
    }
    std::map<std::string, gid_t, std::less<>> groups{{"ifpin-admin", 950}, {"wheel", 10}};
};

PeerCredentials caller(uid_t uid, gid_t gid, std::vector<gid_t> groups = {})
{
    return PeerCredentials{4242, uid, gid, std::move(groups)};
}

TEST(AdminAccess, RootMayAlways)
{
    GroupTable accounts;
    EXPECT_TRUE(mayAdminister(caller(0, 0), "ifpin-admin", accounts));
    EXPECT_TRUE(mayAdminister(caller(0, 0), "no-such-group", accounts));
    EXPECT_TRUE(mayAdminister(caller(0, 4242), "", accounts));
}

TEST(AdminAccess, MembersOfTheAdminGroupMay)
{
    GroupTable accounts;
    EXPECT_TRUE(mayAdminister(caller(1000, 950), "ifpin-admin", accounts)) << "primary group";
    EXPECT_TRUE(mayAdminister(caller(1000, 1000, {10, 950}), "ifpin-admin", accounts)) << "supplementary group";
    EXPECT_TRUE(mayAdminister(caller(1000, 1000, {4343}), "4343", accounts)) << "group given as a decimal gid";
}

TEST(AdminAccess, OthersMayNot)
{
    GroupTable accounts;
    EXPECT_FALSE(mayAdminister(caller(1000, 1000), "ifpin-admin", accounts));
    EXPECT_FALSE(mayAdminister(caller(1000, 1000, {10}), "ifpin-admin", accounts)) << "another group";
    EXPECT_FALSE(mayAdminister(caller(950, 1000), "ifpin-admin", accounts)) << "a uid equal to the gid";
    EXPECT_FALSE(mayAdminister(caller(4242, 4242), "", accounts)) << "no admin group";
}

TEST(AdminAccess, AGroupThatDoesNotExistAdmitsNobodyButRoot)
{
    GroupTable accounts;
    EXPECT_FALSE(mayAdminister(caller(1000, 1000, {950}), "no-such-group", accounts));
    accounts.groups["no-such-group"] = 951; // created later: counts at the next call
    EXPECT_TRUE(mayAdminister(caller(1000, 1000, {951}), "no-such-group", accounts));
}

TEST(AdminAccess, RefusalSaysWhoMayAndWhoAsked)
{
    auto text = describeAdminRefusal(caller(4242, 4242), "ifpin-admin");
    EXPECT_NE(text.find("root and members of group ifpin-admin"), std::string::npos) << text;
    EXPECT_NE(text.find("uid 4242"), std::string::npos) << text;
}

} // namespace
} // namespace ifpin
