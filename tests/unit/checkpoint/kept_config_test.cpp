// The configuration a rollback keeps in force in place of the file: written with a header that says
// what it is, read back as the text it was, refused when it cannot be the file's layer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <stdlib.h>

#include "checkpoint/kept_config.hpp"

namespace ifpin {
namespace {

using testing::HasSubstr;

class KeptConfigTest : public testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/ifpin-kept-XXXXXX";
        ASSERT_TRUE(mkdtemp(pattern));
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string configText(uint32_t metric) const
    {
        return "[daemon]\nstate_directory = \"" + dir_ + "\"\n\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = " +
               std::to_string(metric) + "\n";
    }
    std::string keptPath() const { return dir_ + "/" + std::string(keptConfigFileName); }
    std::string keptFile() const
    {
        std::ifstream in(keptPath());
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::string dir_;
};

TEST_F(KeptConfigTest, NoneThereIsNoneAndNoProblem)
{
    KeptConfigRead read = readKeptConfig(dir_, RoutingTableNames());
    EXPECT_FALSE(read.layer);
    EXPECT_EQ(read.problem, "");
    EXPECT_FALSE(removeKeptConfig(dir_));
}

TEST_F(KeptConfigTest, WrittenReadBackAndRemoved)
{
    writeKeptConfig(dir_, configText(1000), "/etc/ifpind/ifpind.toml", "checkpoint 3 was rolled back");
    EXPECT_THAT(keptFile(), HasSubstr("in force in place of /etc/ifpind/ifpind.toml since checkpoint 3 was rolled back"));
    KeptConfigRead read = readKeptConfig(dir_, RoutingTableNames());
    ASSERT_TRUE(read.layer) << read.problem;
    EXPECT_EQ(read.layer->text, configText(1000)) << "the text as it was, without the header";
    EXPECT_EQ(read.layer->source, keptPath());
    EXPECT_TRUE(read.layer->kept);
    EXPECT_EQ(read.layer->config.findRole("mgmt")->metric, 1000u);
    EXPECT_TRUE(removeKeptConfig(dir_));
    EXPECT_FALSE(std::filesystem::exists(keptPath()));
}

TEST_F(KeptConfigTest, UnusableCopiesSayWhy)
{
    writeKeptConfig(dir_, "[role.mgmt]\nmetric = -1\n", "/etc/ifpind/ifpind.toml", "test");
    KeptConfigRead read = readKeptConfig(dir_, RoutingTableNames());
    EXPECT_FALSE(read.layer);
    EXPECT_THAT(read.problem, HasSubstr(keptPath()));
    EXPECT_THAT(read.problem, HasSubstr("role.mgmt"));

    // One of another state directory would look for its runtime changes elsewhere.
    writeKeptConfig(dir_, "[daemon]\nstate_directory = \"/var/lib/elsewhere\"\n", "/etc/ifpind/ifpind.toml", "test");
    read = readKeptConfig(dir_, RoutingTableNames());
    EXPECT_FALSE(read.layer);
    EXPECT_THAT(read.problem, HasSubstr("/var/lib/elsewhere"));
}

} // namespace
} // namespace ifpin
