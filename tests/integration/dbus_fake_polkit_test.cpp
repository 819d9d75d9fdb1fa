// Against a fake authority (fake_polkit.cpp): polkit failing, slow and silent.
#include "dbus_polkit_support.hpp"

namespace ifpin::lab {
namespace {

// polkit there but failing: refused, never the fallback, which would admit this member.
TEST_F(DbusFakePolkit, FailingPolkitRefuses)
{
    ASSERT_TRUE(startFake("error:org.freedesktop.PolicyKit1.Error.Failed", 0));
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto member = setMetric(Caller::member(), 500);
    EXPECT_FALSE(member.ok());
    EXPECT_TRUE(has(member.err, "polkit could not decide (org.freedesktop.PolicyKit1.Error.Failed")) << member.describe();
    EXPECT_TRUE(has(fakeLog(), "check org.ifpin1.change-policy")) << fakeLog();
    EXPECT_TRUE(has(fakeLog(), "details admin_group=ifpin-test-admin,method=SetMetric,role=mgmt")) << fakeLog();
    EXPECT_TRUE(holdsFor([&] { return mgmtRoutesAt(1000); }, [&] { return describeRoutes(); }, 300ms));
}

// A slow polkit holds nothing else up: the call waits, ListRoles and the routes do not (they are done
// while the call is still waiting for polkit's answer).
TEST_F(DbusFakePolkit, SlowPolkitHoldsNothingElse)
{
    ASSERT_TRUE(startFake("yes", 3000));
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    const std::string out = scratch().path() + "/slow.out";
    auto pending = lab().shell("setpriv --reuid=4246 --regid=4246 --clear-groups busctl --address=" + bus().address() +
                               " --allow-interactive-authorization=no call org.ifpin1 /org/ifpin1/role/mgmt "
                               "org.ifpin1.Role SetMetric u 500 >" + out + " 2>&1 </dev/null & echo $!");
    ASSERT_TRUE(pending.ok()) << pending.describe();
    pid_t caller = std::stoi(pending.out);
    ASSERT_TRUE(eventually([&] { return has(fakeLog(), "check org.ifpin1.change-policy"); }, [&] { return fakeLog(); }));
    auto roles = bus().busctl({"call", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "ListRoles"});
    EXPECT_TRUE(roles.ok()) << roles.describe();
    lab().output("ip route del default dev mgmt0");
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    EXPECT_EQ(kill(caller, 0), 0) << "the SetMetric call was over before ListRoles and the restoration: they waited";
    EXPECT_TRUE(mgmtRoutesBecome(500)) << "then the change itself goes through";
}

// polkit that never answers: refused after 5 s, and polkit is told to cancel.
TEST_F(DbusFakePolkit, SilentPolkitTimesOutAndIsCancelled)
{
    ASSERT_TRUE(startFake("yes", 60000));
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto started = std::chrono::steady_clock::now();
    auto member = setMetric(Caller::member(), 500);
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(member.ok());
    EXPECT_TRUE(has(member.err, "polkit could not decide")) << member.describe();
    EXPECT_GE(took, 4s);
    EXPECT_TRUE(eventually([&] { return has(fakeLog(), "cancel ifpind-"); }, [&] { return fakeLog(); }));
    EXPECT_TRUE(mgmtRoutesAt(1000));
}

// polkit was asked with admin_group ifpin-test-admin (its rules file grants that group), and a reload
// changed admin_group before the answer came: the grant is for a group that no longer administers,
// so the call is refused with "try again", for the manager's methods as for the role setters.
TEST_F(DbusFakePolkit, GrantForAnAdminGroupChangedMeanwhileIsNotActedOn)
{
    ASSERT_TRUE(startFake("yes", 3000)); // ifpind gives polkit 5 s
    ASSERT_TRUE(startInBusNamespace());
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    // Each reload is seen applied by mgmt's Metric (1000 with the test's admin_group, 1100 with the
    // other), so that the change lands while polkit is still being asked.
    auto metricBecomes = [&](const std::string &metric) {
        return eventually([&] { return has(bus().busctl({"get-property", "org.ifpin1", "/org/ifpin1/role/mgmt",
                                                          "org.ifpin1.Role", "Metric"}).out, "u " + metric); },
                          [&] { return "mgmt's Metric is not " + metric; });
    };
    const std::vector<std::pair<std::string, std::string>> calls{
        {"Reload", "org.ifpin1.Manager Reload"},
        {"CheckpointCreate", "org.ifpin1.Manager CheckpointCreate u 60"},
        {"SetMetric", "org.ifpin1.Role SetMetric u 500"}};
    for (const auto &[method, call] : calls) {
        SCOPED_TRACE(method);
        daemon().reload(standardConfig(1000, adminGroup));
        ASSERT_TRUE(metricBecomes("1000"));
        const std::string out = scratch().path() + "/" + method + ".out";
        std::string path = method == "SetMetric" ? "/org/ifpin1/role/mgmt" : "/org/ifpin1";
        auto pending = lab().shell("setpriv --reuid=4246 --regid=4246 --clear-groups busctl --address=" +
                                   bus().address() + " --timeout=30 --allow-interactive-authorization=no call "
                                   "org.ifpin1 " + path + " " + call + " >" + out + " 2>&1 </dev/null & echo $!");
        ASSERT_TRUE(pending.ok()) << pending.describe();
        pid_t caller = std::stoi(pending.out);
        ASSERT_TRUE(eventually([&] { return has(fakeLog(), "method=" + method); }, [&] { return fakeLog(); }));
        daemon().reload(standardConfig(1100, "admin_group = \"ifpin-other-admins\"\n"));
        ASSERT_TRUE(metricBecomes("1100"));
        EXPECT_EQ(kill(caller, 0), 0) << "polkit answered before the reload was applied: the case proves nothing";
        ASSERT_TRUE(eventually([&] { return kill(caller, 0) != 0; }, [] { return std::string("the call did not end"); }, 15s));
        std::string answer = lab().output("cat " + out);
        EXPECT_TRUE(has(answer, "the configuration changed while authorising; try again")) << answer;
    }
    auto checkpoint = bus().busctl({"get-property", "org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "Checkpoint"});
    EXPECT_TRUE(has(checkpoint.out, "\"/\"")) << "a checkpoint was opened: " << checkpoint.describe();
    EXPECT_TRUE(mgmtRoutesAt(1100)) << describeRoutes();
}

} // namespace
} // namespace ifpin::lab
