// Against Debian's polkitd on the private bus, with ifpin's actions and rules (polkit/).
#include "dbus_polkit_support.hpp"

namespace ifpin::lab {
namespace {

// The rules file follows [daemon] admin_group (ifpind passes it as a detail): a member by NSS may,
// others are told to authenticate, and the process's groups count for nothing with polkit.
TEST_F(DbusPolkit, PolkitDecidesByTheRulesFile)
{
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto member = setMetric(Caller::member(), 500);
    EXPECT_TRUE(member.ok()) << member.describe();
    EXPECT_TRUE(mgmtRoutesBecome(500));
    EXPECT_TRUE(has(daemon().log(), "D-Bus: SetMetric of role mgmt by uid 4246")) << daemon().log();
    EXPECT_TRUE(has(daemon().log(), "authorised by polkit")) << daemon().log();

    auto stranger = setMetric(Caller::unprivileged(), 600);
    EXPECT_FALSE(stranger.ok());
    EXPECT_TRUE(has(stranger.err, "authentication is required")) << stranger.describe();
    auto interactive = setMetric(Caller::unprivileged(), 600, true);
    EXPECT_TRUE(has(interactive.err, "no authentication agent succeeded")) << interactive.describe();
    // 4242 with the group in its process's groups, not in the group file: polkit asks NSS.
    auto processGroup = setMetric(Caller::admin(), 600);
    EXPECT_FALSE(processGroup.ok()) << processGroup.describe();

    auto root = setMetric(Caller::root(), 700);
    EXPECT_TRUE(root.ok()) << root.describe();
    EXPECT_TRUE(mgmtRoutesBecome(700));
    EXPECT_TRUE(has(daemon().log(), "authorised by root")) << daemon().log();

    // The same for Reload.
    auto reload = bus().busctl({"--allow-interactive-authorization=no", "call", "org.ifpin1", "/org/ifpin1",
                                "org.ifpin1.Manager", "Reload"},
                               Caller::unprivileged());
    EXPECT_TRUE(has(reload.err, "authentication is required")) << reload.describe();
    auto memberReload = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "Reload"},
                                     Caller::member());
    EXPECT_TRUE(memberReload.ok()) << memberReload.describe();
}

// A site's own rule decides before ifpin's: polkit can forbid what the group would allow.
TEST_F(DbusPolkit, ALocalRuleWinsOverTheShippedOne)
{
    bus().addPolkitRules("40-local", "polkit.addRule(function(action, subject) {\n"
                                     "  if (action.id == 'org.ifpin1.change-policy' && action.lookup('role') == 'mgmt')\n"
                                     "    return polkit.Result.NO;\n"
                                     "});\n");
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_TRUE(eventually([&] { return !setMetric(Caller::member(), 500).ok(); }))
        << "polkitd reloads its rules by itself";
    auto media = callAs("media", "SetMetric", {"u", "50"}, Caller::member(), false);
    EXPECT_TRUE(media.ok()) << media.describe();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
}

// Without polkit on the bus, ifpind decides: root, or a member of admin_group by NSS or by the groups
// the bus recorded when the caller connected. One line says so.
TEST_F(DbusPolkit, WithoutPolkitIfpindDecidesByGroup)
{
    bus().stopPolkit();
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto member = setMetric(Caller::member(), 500);
    EXPECT_TRUE(member.ok()) << member.describe();
    EXPECT_TRUE(mgmtRoutesBecome(500));
    EXPECT_TRUE(has(daemon().log(), "authorised by group ifpin-test-admin (polkit is not on the bus)"))
        << daemon().log();
    EXPECT_EQ(countOf(daemon().log(), "D-Bus: polkit is not on the system bus"), 1u) << daemon().log();
    auto stranger = setMetric(Caller::unprivileged(), 600);
    EXPECT_TRUE(has(stranger.err, "only root and members of group ifpin-test-admin")) << stranger.describe();

    // polkitd comes back: it decides again (4242 with the process group: refused by polkit now).
    bus().startPolkit();
    auto processGroup = setMetric(Caller::admin(), 600);
    EXPECT_FALSE(processGroup.ok()) << processGroup.describe();
    EXPECT_TRUE(has(daemon().log(), "D-Bus: polkit is on the system bus again")) << daemon().log();
}

} // namespace
} // namespace ifpin::lab
