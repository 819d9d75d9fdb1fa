// Who may do what over D-Bus (issue #15, item 1): the table of facts and polkit's answers, the
// classification of polkit's errors, and the caller as the allow lists take it.
#include <gtest/gtest.h>

#include "broker/access_policy.hpp"
#include "bus/authorization.hpp"
#include "bus/bus_caller.hpp"

namespace ifpin {
namespace {

using Kind = Verdict::Kind;

TEST(Authorization, RootMayChangeThePolicyWithoutPolkit)
{
    for (auto answer : {PolkitAnswer::notAuthorized, PolkitAnswer::failed, PolkitAnswer::absent})
        EXPECT_EQ(decideChangePolicy(0, answer, false, false, "ifpin-admin", "").kind, Kind::granted);
    EXPECT_EQ(decideChangePolicy(0, PolkitAnswer::absent, false, std::nullopt, "ifpin-admin", "").by, "root");
}

TEST(Authorization, PolkitDecidesWhenItIsThere)
{
    EXPECT_EQ(decideChangePolicy(4242, PolkitAnswer::authorized, false, false, "g", "").kind, Kind::granted);
    EXPECT_EQ(decideChangePolicy(4242, PolkitAnswer::authorized, false, false, "g", "").by, "polkit");
    EXPECT_EQ(decideChangePolicy(4242, PolkitAnswer::challenge, false, true, "g", "").kind, Kind::interactionRequired)
        << "the group does not matter while polkit is there";
    auto interactive = decideChangePolicy(4242, PolkitAnswer::challenge, true, true, "g", "");
    EXPECT_EQ(interactive.kind, Kind::denied);
    EXPECT_EQ(interactive.reason, "authentication is required, and no authentication agent succeeded");
    EXPECT_EQ(decideChangePolicy(4242, PolkitAnswer::notAuthorized, false, true, "g", "").kind, Kind::denied);
}

// Falling back when polkit fails would let anyone who can slow polkit down past a local rule.
TEST(Authorization, FailingPolkitRefusesAndNeverFallsBack)
{
    auto verdict = decideChangePolicy(4242, PolkitAnswer::failed, false, true, "ifpin-admin",
                                      "org.freedesktop.DBus.Error.NoReply: timed out");
    EXPECT_EQ(verdict.kind, Kind::denied);
    EXPECT_EQ(verdict.reason, "polkit could not decide (org.freedesktop.DBus.Error.NoReply: timed out); refused");
}

TEST(Authorization, WithoutPolkitTheAdminGroupDecides)
{
    auto member = decideChangePolicy(4242, PolkitAnswer::absent, false, true, "ifpin-admin", "");
    EXPECT_EQ(member.kind, Kind::granted);
    EXPECT_EQ(member.by, "group ifpin-admin (polkit is not on the bus)");
    auto other = decideChangePolicy(4242, PolkitAnswer::absent, true, false, "ifpin-admin", "");
    EXPECT_EQ(other.kind, Kind::denied);
    EXPECT_EQ(decideChangePolicy(4242, PolkitAnswer::absent, false, std::nullopt, "", "").kind, Kind::denied);
}

TEST(Authorization, OpenSocketPolkitOnlyNarrows)
{
    EXPECT_EQ(decideOpenSocket(PolkitAnswer::absent, false, "").kind, Kind::granted);
    EXPECT_EQ(decideOpenSocket(PolkitAnswer::authorized, false, "").kind, Kind::granted);
    EXPECT_EQ(decideOpenSocket(PolkitAnswer::notAuthorized, false, "").kind, Kind::denied);
    EXPECT_EQ(decideOpenSocket(PolkitAnswer::failed, false, "x").kind, Kind::denied);
    EXPECT_EQ(decideOpenSocket(PolkitAnswer::challenge, false, "").kind, Kind::interactionRequired);
}

TEST(Authorization, PolkitIsAbsentOnlyForANameNobodyOwnsOrCanStart)
{
    for (const char *name : {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
                             "org.freedesktop.systemd1.NoSuchUnit", "org.freedesktop.systemd1.UnitMasked"})
        EXPECT_EQ(polkitAnswerOfError(name), PolkitAnswer::absent) << name;
    for (const char *name : {"org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout",
                             "org.freedesktop.PolicyKit1.Error.Failed", "org.freedesktop.DBus.Error.AccessDenied",
                             "org.freedesktop.DBus.Error.Spawn.ChildExited", ""})
        EXPECT_EQ(polkitAnswerOfError(name), PolkitAnswer::failed) << name;
}

TEST(BusCaller, FromTheBusDriversRecord)
{
    std::map<std::string, sdbus::Variant> credentials{{"UnixUserID", sdbus::Variant(uint32_t{4242})},
                                                      {"UnixGroupIDs", sdbus::Variant(std::vector<uint32_t>{4242, 4343})},
                                                      {"ProcessID", sdbus::Variant(uint32_t{934})}};
    auto caller = busCallerFromCredentials(":1.42", credentials);
    ASSERT_TRUE(caller);
    EXPECT_EQ(caller->uid, 4242u);
    EXPECT_EQ(caller->groups, (std::vector<gid_t>{4242, 4343}));
    EXPECT_EQ(caller->describe(), "uid 4242 (pid 934 at connect)");
    EXPECT_FALSE(busCallerFromCredentials(":1.43", {{"ProcessID", sdbus::Variant(uint32_t{1})}}))
        << "no uid, no caller";
    auto noGroups = busCallerFromCredentials(":1.44", {{"UnixUserID", sdbus::Variant(uint32_t{7})}});
    ASSERT_TRUE(noGroups);
    EXPECT_FALSE(noGroups->groups);
}

class GroupNames : public AccountResolver {
public:
    std::optional<uid_t> userId(std::string_view) const override { return std::nullopt; }
    std::optional<gid_t> groupId(std::string_view name) const override
    {
        return name == "root" ? std::optional<gid_t>(0) : name == "ifpin-admin" ? std::optional<gid_t>(950) : std::nullopt;
    }
};

// UnixGroupIDs does not say which group is primary: gid must not stay 0, or allow_groups = ["root"]
// would admit everybody.
TEST(BusCaller, AsTheAllowListsTakeIt)
{
    BusCaller caller{":1.42", 4242, std::vector<gid_t>{4242, 950}, 934};
    PeerCredentials peer = peerOf(caller, std::vector<gid_t>{1, 2});
    EXPECT_EQ(peer.uid, 4242u);
    EXPECT_EQ(peer.gid, static_cast<gid_t>(-1));
    EXPECT_EQ(peer.groups, (std::vector<gid_t>{4242, 950})) << "the bus's record wins over NSS";
    RoleConfig rootOnly;
    rootOnly.name = "r";
    rootOnly.allowGroups = {"root"};
    GroupNames accounts;
    EXPECT_FALSE(mayUseRole(rootOnly, peer, accounts));
    RoleConfig admins = rootOnly;
    admins.allowGroups = {"ifpin-admin"};
    EXPECT_TRUE(mayUseRole(admins, peer, accounts));

    BusCaller noGroups{":1.43", 4242, std::nullopt, std::nullopt};
    EXPECT_EQ(peerOf(noGroups, std::vector<gid_t>{4242, 950}).groups, (std::vector<gid_t>{4242, 950}))
        << "NSS when the bus gives no groups";
    EXPECT_TRUE(peerOf(noGroups, std::nullopt).groups.empty()) << "a uid without passwd entry is in no group";
}

} // namespace
} // namespace ifpin
