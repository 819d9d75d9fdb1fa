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

} // namespace
} // namespace ifpin::lab
