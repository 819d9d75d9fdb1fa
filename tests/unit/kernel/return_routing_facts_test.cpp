// What KernelState holds for return routing: the routes of the reply tables beside the managed
// table's, the addresses of followed interfaces, and ifpind's own rules, each kept exactly once.
#include <gtest/gtest.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "kernel/kernel_state.hpp"

namespace ifpin {
namespace {

IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

RouteFact route(int ifindex, uint32_t table, Family family = Family::inet)
{
    RouteFact fact;
    fact.family = family;
    fact.table = table;
    fact.metric = 1000;
    fact.protocol = 241;
    fact.type = RTN_UNICAST;
    fact.ifindex = ifindex;
    return fact;
}

TEST(ReplyTables, RoutesOfFollowedReplyTablesAreHeldApartFromTheManagedTables)
{
    KernelState kernel(254);
    EXPECT_FALSE(kernel.applyRoute({false, false, {route(3, 1002)}})) << "a table nobody follows";
    kernel.setReplyTables({1001, 1002});
    EXPECT_TRUE(kernel.applyRoute({false, false, {route(3, 1002)}}));
    EXPECT_TRUE(kernel.applyRoute({false, false, {route(3, 254)}}));
    ASSERT_EQ(kernel.replyRoutes().size(), 1u);
    EXPECT_EQ(kernel.replyRoutes()[0].table, 1002u);
    ASSERT_EQ(kernel.defaultRoutes().size(), 1u);
    EXPECT_EQ(kernel.defaultRoutes()[0].table, 254u);

    kernel.noteRemoved(route(3, 1002));
    EXPECT_TRUE(kernel.replyRoutes().empty());
    kernel.noteAdded(route(3, 1001));
    kernel.replaceReplyRoutes(1002, Family::inet, 0, {route(4, 1002), route(4, 1001)});
    EXPECT_EQ(kernel.replyRoutes().size(), 2u) << "a dump of 1002 replaces 1002's routes alone";

    kernel.setReplyTables({1002});
    ASSERT_EQ(kernel.replyRoutes().size(), 1u) << "routes of a table no longer followed are dropped";
    EXPECT_EQ(kernel.replyRoutes()[0].table, 1002u);
    kernel.forgetRoutesOf(4);
    EXPECT_TRUE(kernel.replyRoutes().empty());
}

TEST(ReplyTables, TheManagedTableIsNeverAReplyTable)
{
    KernelState kernel(254);
    kernel.setReplyTables({254, 1002});
    EXPECT_EQ(kernel.replyTables(), (std::set<uint32_t>{1002}));
}

TEST(Addresses, EventsUpdateFlagsAndDeleteLinksTakeTheirAddresses)
{
    KernelState kernel(254);
    AddressFact tentative{5, ip("2001:db8:2::3"), 64, RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE};
    EXPECT_TRUE(kernel.applyAddress(false, tentative));
    EXPECT_FALSE(kernel.applyAddress(false, tentative)) << "the same address again changes nothing";
    AddressFact valid = tentative;
    valid.flags = 0; // DAD finished
    EXPECT_TRUE(kernel.applyAddress(false, valid));
    ASSERT_EQ(kernel.addressesOf(5).size(), 1u);
    EXPECT_TRUE(kernel.addressesOf(5)[0].usable());

    AddressFact v4{5, ip("198.51.100.2"), 24, RT_SCOPE_UNIVERSE, 0};
    AddressFact other{6, ip("192.0.2.2"), 24, RT_SCOPE_UNIVERSE, 0};
    kernel.applyAddress(false, v4);
    kernel.applyAddress(false, other);
    kernel.replaceAddresses(5, Family::inet, {});
    EXPECT_EQ(kernel.addressesOf(5), (std::vector<AddressFact>{valid})) << "an IPv4 dump leaves IPv6 alone";
    EXPECT_FALSE(kernel.applyAddress(true, v4));
    EXPECT_TRUE(kernel.applyAddress(true, valid));

    kernel.replaceLinks({{6, "media0", 0}});
    kernel.applyLink({true, {6, "media0", 0}});
    EXPECT_TRUE(kernel.addresses().empty());
}

TEST(Rules, HeldOnceAndReplacedPerFamily)
{
    KernelState kernel(254);
    RuleFact rule;
    rule.priority = 32002;
    rule.table = 1002;
    rule.source = ip("198.51.100.2");
    rule.protocol = 241;
    EXPECT_TRUE(kernel.applyRule(false, rule));
    EXPECT_FALSE(kernel.applyRule(false, rule)) << "an identical rule is held once";
    RuleFact six = rule;
    six.family = Family::inet6;
    six.source = ip("2001:db8:2::2");
    kernel.applyRule(false, six);
    kernel.replaceRules(Family::inet, {rule, rule});
    EXPECT_EQ(kernel.rules().size(), 2u);
    kernel.replaceRules(Family::inet6, {});
    EXPECT_EQ(kernel.rules(), (std::vector<RuleFact>{rule}));
    EXPECT_TRUE(kernel.applyRule(true, rule));
    EXPECT_FALSE(kernel.applyRule(true, rule));
}

} // namespace
} // namespace ifpin
