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

// The checkpoint methods (issue #17) are mutating methods like the others: polkit's change-policy,
// with the method as detail, decides each one, and the caller before the checkpoint.
TEST_F(DbusPolkit, PolkitDecidesTheCheckpointMethods)
{
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto manager = [&](const Caller &caller, std::vector<std::string> args) {
        std::vector<std::string> argv{"--allow-interactive-authorization=no", "call", "org.ifpin1", "/org/ifpin1",
                                      "org.ifpin1.Manager"};
        argv.insert(argv.end(), args.begin(), args.end());
        return bus().busctl(argv, caller);
    };
    auto checkpoint = [&](const Caller &caller, std::vector<std::string> args) {
        std::vector<std::string> argv{"--allow-interactive-authorization=no", "call", "org.ifpin1",
                                      "/org/ifpin1/checkpoint/1", "org.ifpin1.Checkpoint"};
        argv.insert(argv.end(), args.begin(), args.end());
        return bus().busctl(argv, caller);
    };

    auto stranger = manager(Caller::unprivileged(), {"CheckpointCreate", "u", "60"});
    EXPECT_TRUE(has(stranger.err, "authentication is required")) << stranger.describe();
    auto processGroup = manager(Caller::admin(), {"CheckpointCreate", "u", "60"});
    EXPECT_FALSE(processGroup.ok()) << "polkit asks NSS, not the process's groups: " << processGroup.describe();

    auto member = manager(Caller::member(), {"CheckpointCreate", "u", "60"});
    ASSERT_TRUE(member.ok()) << member.describe();
    EXPECT_EQ(member.out, "o \"/org/ifpin1/checkpoint/1\"\n");
    EXPECT_TRUE(has(daemon().log(), "D-Bus: CheckpointCreate by uid 4246")) << daemon().log();
    EXPECT_TRUE(has(daemon().log(), "authorised by polkit")) << daemon().log();
    auto creator = bus().busctl({"get-property", "org.ifpin1", "/org/ifpin1/checkpoint/1", "org.ifpin1.Checkpoint",
                                 "Creator"});
    EXPECT_EQ(creator.out, "u 4246\n") << creator.describe();
    ASSERT_TRUE(setMetric(Caller::member(), 500).ok());
    ASSERT_TRUE(mgmtRoutesBecome(500));

    for (auto args : {std::vector<std::string>{"Confirm"}, std::vector<std::string>{"Rollback"},
                      std::vector<std::string>{"AdjustTimeout", "u", "1"}}) {
        auto refused = checkpoint(Caller::unprivileged(), args);
        EXPECT_TRUE(has(refused.err, "authentication is required")) << args[0] << ": " << refused.describe();
    }
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(500); }, [&] { return describeRoutes(); }, 300ms))
        << "nothing rolled back, the deadline not moved to 1 s";

    auto rollback = checkpoint(Caller::member(), {"Rollback"});
    EXPECT_TRUE(rollback.ok()) << rollback.describe();
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_TRUE(has(daemon().log(), "D-Bus: Rollback of checkpoint 1 by uid 4246")) << daemon().log();
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
