#include "config/routing_table_names.hpp"

#include <gtest/gtest.h>

namespace ifpin {
namespace {

TEST(RoutingTableNames, KnowsTheKernelNames)
{
    RoutingTableNames names;
    EXPECT_EQ(names.resolve("main"), 254u);
    EXPECT_EQ(names.resolve("local"), 255u);
    EXPECT_EQ(names.resolve("default"), 253u);
    EXPECT_EQ(names.nameOf(254), "main");
    EXPECT_EQ(names.nameOf(255), "local");
}

TEST(RoutingTableNames, TableZeroIsNeverAChoice)
{
    RoutingTableNames names;
    EXPECT_FALSE(names.resolve("unspec"));
    EXPECT_FALSE(names.resolve("0"));
    EXPECT_FALSE(names.resolve("000"));
}

TEST(RoutingTableNames, ResolvesDecimalNumbers)
{
    RoutingTableNames names;
    EXPECT_EQ(names.resolve("1"), 1u);
    EXPECT_EQ(names.resolve("1000"), 1000u);
    EXPECT_EQ(names.resolve("4294967295"), 4294967295u);
    EXPECT_FALSE(names.resolve("4294967296"));
    EXPECT_FALSE(names.resolve("99999999999999999999"));
    EXPECT_FALSE(names.resolve("-1"));
    EXPECT_FALSE(names.resolve("0x10")); // hex belongs to rt_tables files, not to lookups
    EXPECT_FALSE(names.resolve(""));
    EXPECT_FALSE(names.resolve("nosuchtable"));
}

TEST(RoutingTableNames, NameOfUnnamedIsTheNumber)
{
    RoutingTableNames names;
    EXPECT_EQ(names.nameOf(1000), "1000");
    EXPECT_EQ(names.nameOf(4294967295u), "4294967295");
}

TEST(RoutingTableNames, AddFromTextReadsDecimalAndHex)
{
    RoutingTableNames names;
    names.addFromText("100 media\n0x10 hexed\n0XFF00 upperhex\n");
    EXPECT_EQ(names.resolve("media"), 100u);
    EXPECT_EQ(names.resolve("hexed"), 16u);
    EXPECT_EQ(names.resolve("upperhex"), 0xff00u);
    EXPECT_EQ(names.nameOf(100), "media");
    EXPECT_EQ(names.nameOf(16), "hexed");
    EXPECT_EQ(names.resolve("main"), 254u) << "built-in names stay";
}

TEST(RoutingTableNames, AddFromTextSkipsCommentsAndBlanks)
{
    RoutingTableNames names;
    names.addFromText("#\n"
                      "# reserved values\n"
                      "\n"
                      "   \t \n"
                      "  200\tmgmt   # the management network\n"
                      "201 spare#no space before the comment\r\n"
                      "# 300 commented\n");
    EXPECT_EQ(names.resolve("mgmt"), 200u);
    EXPECT_EQ(names.resolve("spare"), 201u);
    EXPECT_FALSE(names.resolve("commented"));
}

TEST(RoutingTableNames, AddFromTextIgnoresBadLines)
{
    RoutingTableNames names;
    names.addFromText("lonely\n"
                      "300\n"
                      "abc notanumber\n"
                      "301 two names\n"
                      "-5 negative\n"
                      "4294967296 toobig\n"
                      "0xZZ badhex\n"
                      "0x nohexdigits\n"
                      "12abc mixed\n"
                      "302 303\n"
                      "400 good"); // the last line needs no newline
    for (std::string_view name :
         {"notanumber", "two", "names", "negative", "toobig", "badhex", "nohexdigits", "mixed"})
        EXPECT_FALSE(names.resolve(name)) << name;
    EXPECT_EQ(names.nameOf(302), "302") << "a numeric name would shadow a table number";
    EXPECT_EQ(names.resolve("303"), 303u);
    EXPECT_EQ(names.resolve("good"), 400u);
}

TEST(RoutingTableNames, LaterDefinitionWins)
{
    RoutingTableNames names;
    names.addFromText("100 media\n");
    names.addFromText("110 media\n");
    EXPECT_EQ(names.resolve("media"), 110u);
}

TEST(RoutingTableNames, LoadSystemKeepsBuiltInNames)
{
    // Whatever the host's files say, the kernel's names are there and loading does not throw.
    RoutingTableNames names = RoutingTableNames::loadSystem();
    EXPECT_EQ(names.resolve("main"), 254u);
    EXPECT_EQ(names.resolve("local"), 255u);
}

} // namespace
} // namespace ifpin
