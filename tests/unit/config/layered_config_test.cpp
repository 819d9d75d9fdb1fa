// The configuration in force = file + runtime changes, and the state file that keeps the changes:
// round trip through a restart, refusals, a corrupt or unwritable state file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "config/layered_config.hpp"

namespace ifpin {
namespace {

using testing::HasSubstr;
using testing::IsEmpty;

class LayeredConfigTest : public testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/ifpin-layered-XXXXXX";
        ASSERT_TRUE(mkdtemp(pattern));
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // media on eth0 at 100, mgmt on eth1 at 1000; state in <dir>/state (not there yet).
    Config file() const
    {
        Config config;
        config.daemon.stateDirectory = dir_ + "/state";
        RoleConfig media;
        media.name = "media";
        media.interface = "eth0";
        media.metric = 100;
        RoleConfig mgmt = media;
        mgmt.name = "mgmt";
        mgmt.interface = "eth1";
        mgmt.metric = 1000;
        mgmt.gateway4 = IpAddress::parse("198.51.100.1");
        config.roles = {media, mgmt};
        return config;
    }
    std::string statePath() const { return dir_ + "/state/runtime.json"; }
    std::string readState() const
    {
        std::ifstream in(statePath());
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    void writeState(const std::string &text) const
    {
        std::filesystem::create_directories(dir_ + "/state");
        std::ofstream(statePath()) << text;
    }
    static auto setMetric(uint32_t metric)
    {
        return [metric](RoleOverride &o) { o.metric = metric; };
    }

    std::string dir_;
};

TEST_F(LayeredConfigTest, NoStateFileMeansTheFileAlone)
{
    LayeredConfig layers(file());
    EXPECT_EQ(layers.effective(), file());
    EXPECT_THAT(layers.overrides(), IsEmpty());
    EXPECT_FALSE(std::filesystem::exists(statePath())) << "nothing to save, nothing written";
}

TEST_F(LayeredConfigTest, ChangeIsSavedAndSurvivesARestart)
{
    {
        LayeredConfig layers(file());
        auto result = layers.change("mgmt", setMetric(500));
        EXPECT_EQ(result.outcome, LayeredConfig::Outcome::applied) << result.message;
        EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 500u);
        result = layers.change("mgmt", [](RoleOverride &o) { o.gateway4 = GatewayOverride{}; });
        EXPECT_EQ(result.outcome, LayeredConfig::Outcome::applied) << result.message;
        EXPECT_FALSE(layers.effective().findRole("mgmt")->gateway4);
    }
    EXPECT_THAT(readState(), HasSubstr("\"metric\": 500"));
    LayeredConfig restarted(file());
    EXPECT_EQ(restarted.effective().findRole("mgmt")->metric, 500u);
    EXPECT_FALSE(restarted.effective().findRole("mgmt")->gateway4) << "learn, not the file's gateway";
    EXPECT_EQ(restarted.effective().findRole("media")->metric, 100u);
}

TEST_F(LayeredConfigTest, ConflictIsRefusedAndNothingChanges)
{
    LayeredConfig layers(file());
    auto result = layers.change("mgmt", setMetric(100));
    EXPECT_EQ(result.outcome, LayeredConfig::Outcome::conflict);
    EXPECT_EQ(result.message, "role mgmt: metric 100 is already used by role media");
    result = layers.change("media", [](RoleOverride &o) { o.interface = "eth1"; });
    EXPECT_EQ(result.outcome, LayeredConfig::Outcome::conflict);
    EXPECT_EQ(result.message, "role media: interface eth1 is already used by role mgmt");
    EXPECT_EQ(layers.effective(), file());
    EXPECT_FALSE(std::filesystem::exists(statePath()));
}

TEST_F(LayeredConfigTest, ConflictWithAnotherRuntimeChangeIsRefused)
{
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    auto result = layers.change("media", setMetric(500));
    EXPECT_EQ(result.outcome, LayeredConfig::Outcome::conflict);
    EXPECT_EQ(result.message, "role media: metric 500 is already used by role mgmt");
    EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 500u) << "the earlier change stays";
    EXPECT_EQ(layers.effective().findRole("media")->metric, 100u);
}

TEST_F(LayeredConfigTest, UnknownRole)
{
    LayeredConfig layers(file());
    auto result = layers.change("ghost", setMetric(5));
    EXPECT_EQ(result.outcome, LayeredConfig::Outcome::unknownRole);
    EXPECT_THAT(result.message, HasSubstr("ghost"));
}

TEST_F(LayeredConfigTest, ResetDropsTheRolesChanges)
{
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    ASSERT_EQ(layers.change("media", setMetric(50)).outcome, LayeredConfig::Outcome::applied);
    ASSERT_EQ(layers.reset("mgmt").outcome, LayeredConfig::Outcome::applied);
    EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 1000u);
    EXPECT_EQ(layers.effective().findRole("media")->metric, 50u);
    EXPECT_THAT(readState(), testing::Not(HasSubstr("mgmt")));
    EXPECT_EQ(LayeredConfig(file()).effective().findRole("mgmt")->metric, 1000u);
}

TEST_F(LayeredConfigTest, CorruptStateFileIsIgnored)
{
    writeState("{\"version\": 1, \"roles\": {\"mgmt\": {\"metric\": 5");
    LayeredConfig layers(file());
    EXPECT_EQ(layers.effective(), file());
    // The next change replaces it with a good one.
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    EXPECT_EQ(LayeredConfig(file()).effective().findRole("mgmt")->metric, 500u);
}

TEST_F(LayeredConfigTest, UnreadableStateFileIsIgnored)
{
    std::filesystem::create_directories(statePath()); // a directory where the file should be
    LayeredConfig layers(file());
    EXPECT_EQ(layers.effective(), file());
}

TEST_F(LayeredConfigTest, ChangeThatCannotBeSavedIsNotApplied)
{
    Config config = file();
    std::ofstream(dir_ + "/plain-file") << "x";
    config.daemon.stateDirectory = dir_ + "/plain-file/state"; // cannot be created, even by root
    LayeredConfig layers(config);
    auto result = layers.change("mgmt", setMetric(500));
    EXPECT_EQ(result.outcome, LayeredConfig::Outcome::notSaved);
    EXPECT_THAT(result.message, HasSubstr("plain-file"));
    EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 1000u);
}

TEST_F(LayeredConfigTest, ReloadReadsTheStateFileAgain)
{
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    std::filesystem::remove(statePath()); // how an admin drops every runtime change
    layers.setFileConfig(file());
    EXPECT_EQ(layers.effective(), file());

    // And what the file says now is what applies (written by another ifpind, or restored from a
    // backup): a reload that did not read the file would keep the file's 1000.
    writeState(R"({"version": 1, "roles": {"mgmt": {"metric": 700}}})");
    layers.setFileConfig(file());
    EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 700u);
}

TEST_F(LayeredConfigTest, ReloadDropsChangesThatNoLongerFit)
{
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    Config newFile = file();
    newFile.roles[0].metric = 500; // media now has mgmt's runtime metric
    layers.setFileConfig(newFile);
    EXPECT_EQ(layers.effective(), newFile);
    EXPECT_THAT(readState(), testing::Not(HasSubstr("mgmt"))) << "dropped from the state file too";
}

// At reload a damaged state file (only ifpind writes it) keeps the changes in force and is
// written again; only a missing file drops them (ReloadReadsTheStateFileAgain).
TEST_F(LayeredConfigTest, DamagedStateFileAtReloadKeepsTheChangesInForce)
{
    const std::vector<std::pair<std::string, std::string>> damages{
        {"truncated", "{\"version\": 1, \"roles\": {\"mgmt\": {\"met"},
        {"empty", ""},
        {"binary", std::string("\x7f" "ELF\0\x01\xff\xfe", 9)},
        {"huge", std::string(2 * 1024 * 1024, ' ')},
    };
    for (const auto &[damage, text] : damages) {
        SCOPED_TRACE(damage);
        std::filesystem::remove_all(dir_ + "/state");
        LayeredConfig layers(file());
        ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
        writeState(text);
        layers.setFileConfig(file());
        EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 500u);
        EXPECT_EQ(LayeredConfig(file()).effective().findRole("mgmt")->metric, 500u) << "not written back";
    }
    // Unreadable: a directory where the file should be cannot be replaced by a file, so the
    // changes stay in memory only.
    std::filesystem::remove_all(dir_ + "/state");
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    std::filesystem::remove(statePath());
    std::filesystem::create_directories(statePath());
    layers.setFileConfig(file());
    EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 500u);
}

TEST_F(LayeredConfigTest, DamagedStateFileAtReloadStillDropsChangesThatNoLongerFit)
{
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    writeState("not json");
    Config newFile = file();
    newFile.roles[0].metric = 500;
    layers.setFileConfig(newFile);
    EXPECT_EQ(layers.effective(), newFile);
    EXPECT_THAT(readState(), testing::Not(HasSubstr("mgmt")));
}

TEST_F(LayeredConfigTest, RestorePutsFileAndChangesBackAndSavesThem)
{
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    Config earlierFile = layers.fileConfig();
    RuntimeOverrides earlierChanges = layers.overrides();

    // Under a checkpoint: another file (mgmt moved, a role added) and another runtime change.
    Config newFile = file();
    newFile.roles[1].interface = "eth9";
    RoleConfig backup = newFile.roles[1];
    backup.name = "backup";
    backup.interface = "eth5";
    backup.metric = 3000;
    newFile.roles.push_back(backup);
    layers.setFileConfig(newFile);
    ASSERT_EQ(layers.change("media", setMetric(50)).outcome, LayeredConfig::Outcome::applied);

    auto result = layers.restore(earlierFile, earlierChanges);
    EXPECT_EQ(result.outcome, LayeredConfig::Outcome::applied) << result.message;
    EXPECT_EQ(layers.fileConfig(), file());
    EXPECT_EQ(layers.overrides(), earlierChanges);
    EXPECT_EQ(layers.effective().roles.size(), 2u);
    EXPECT_EQ(layers.effective().findRole("mgmt")->interface, "eth1");
    EXPECT_EQ(layers.effective().findRole("mgmt")->metric, 500u);
    EXPECT_EQ(layers.effective().findRole("media")->metric, 100u);
    // Saved: a restart finds the restored changes, not the ones made under the checkpoint.
    EXPECT_THAT(readState(), testing::Not(HasSubstr("\"media\"")));
    EXPECT_EQ(LayeredConfig(file()).overrides(), earlierChanges);
}

TEST_F(LayeredConfigTest, RestoreThatCannotBeSavedIsInForceAnyway)
{
    LayeredConfig layers(file());
    ASSERT_EQ(layers.change("mgmt", setMetric(500)).outcome, LayeredConfig::Outcome::applied);
    std::filesystem::remove(statePath());
    std::filesystem::create_directories(statePath()); // the rename over it fails
    auto result = layers.restore(file(), {});
    EXPECT_EQ(result.outcome, LayeredConfig::Outcome::notSaved);
    EXPECT_THAT(result.message, HasSubstr("runtime.json"));
    EXPECT_EQ(layers.effective(), file()) << "a rollback is never refused for a file it cannot write";
}

} // namespace
} // namespace ifpin
