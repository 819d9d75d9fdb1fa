#include <gtest/gtest.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "kernel/kernel_state.hpp"

namespace ifpin {
namespace {

RouteFact route(int ifindex, uint32_t metric, uint32_t table = 254, Family family = Family::inet)
{
    RouteFact fact;
    fact.family = family;
    fact.table = table;
    fact.metric = metric;
    fact.protocol = RTPROT_STATIC;
    fact.scope = family == Family::inet ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    fact.type = RTN_UNICAST;
    fact.ifindex = ifindex;
    return fact;
}

TEST(KernelState, EventsOfOtherTablesAreIgnored)
{
    KernelState kernel(254);
    EXPECT_FALSE(kernel.applyRoute({false, false, {route(2, 1, 100)}}));
    EXPECT_TRUE(kernel.applyRoute({false, false, {route(2, 1)}}));
    EXPECT_FALSE(kernel.applyRoute({false, false, {route(2, 1)}})) << "a repeated event changes nothing";
    EXPECT_TRUE(kernel.applyRoute({true, false, {route(2, 1)}}));
    EXPECT_TRUE(kernel.defaultRoutes().empty());
}

TEST(KernelState, ReplaceRoutesOfOneInterfaceKeepsTheOthers)
{
    KernelState kernel(254);
    kernel.noteAdded(route(2, 1));
    kernel.noteAdded(route(3, 1));
    kernel.noteAdded(route(3, 5, 254, Family::inet6));
    kernel.replaceRoutes(Family::inet, 3, {route(3, 7)});
    ASSERT_EQ(kernel.defaultRoutes().size(), 3u);
    EXPECT_EQ(kernel.defaultRoutes()[2].metric, 7u);
    kernel.replaceRoutes(Family::inet, 0, {});
    ASSERT_EQ(kernel.defaultRoutes().size(), 1u);
    EXPECT_EQ(kernel.defaultRoutes()[0].family, Family::inet6);
}

TEST(KernelState, DeletedLinkTakesItsRoutes)
{
    KernelState kernel(254);
    kernel.replaceLinks({{2, "media0", IFF_UP}});
    kernel.noteAdded(route(2, 1));
    EXPECT_TRUE(kernel.applyLink({true, {2, "media0", 0}}));
    EXPECT_EQ(kernel.linkByName("media0"), nullptr);
    EXPECT_TRUE(kernel.defaultRoutes().empty());
}

TEST(KernelState, LinkChangesThatMatter)
{
    KernelState kernel(254);
    EXPECT_TRUE(kernel.applyLink({false, {2, "media0", IFF_UP}}));
    EXPECT_FALSE(kernel.applyLink({false, {2, "media0", IFF_UP | IFF_RUNNING}}));
    EXPECT_TRUE(kernel.applyLink({false, {2, "media0", IFF_UP | IFF_LOWER_UP}}));
    EXPECT_TRUE(kernel.applyLink({false, {2, "renamed", IFF_UP | IFF_LOWER_UP}}));
    EXPECT_FALSE(kernel.applyLink({false, {2, "", IFF_UP | IFF_LOWER_UP}})) << "a message without name keeps it";
    EXPECT_EQ(kernel.linkByIndex(2)->name, "renamed");
}

TEST(KernelState, ChangingTableForgetsRoutes)
{
    KernelState kernel(254);
    kernel.noteAdded(route(2, 1));
    kernel.setTable(254);
    EXPECT_EQ(kernel.defaultRoutes().size(), 1u);
    kernel.setTable(100);
    EXPECT_TRUE(kernel.defaultRoutes().empty());
}

} // namespace
} // namespace ifpin
