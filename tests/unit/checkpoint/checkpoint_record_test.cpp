// checkpoint.json: what a checkpoint keeps survives the round trip exactly, and a damaged file is
// refused with a reason, or loses only the entries that are wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint_record.hpp"

namespace ifpin {
namespace {

using testing::HasSubstr;

const char *configText = "[daemon]\nstate_directory = \"/var/lib/ifpind\"\n\n"
                         "[role.mgmt]\ninterface = \"mgmt0\"\nmetric = 1000\ngateway6 = \"2001:db8:2::1\"\n";

Checkpoint example()
{
    Checkpoint checkpoint;
    checkpoint.id = 3;
    checkpoint.creator = 4242;
    checkpoint.createdUsec = 1746093600000000;  // 2025-05-01T10:00:00Z
    checkpoint.deadlineUsec = 1746093660000000; // a minute later
    PolicySnapshot &snapshot = checkpoint.snapshot;
    snapshot.fileText = configText;
    snapshot.fileSource = "/etc/ifpind/ifpind.toml";
    snapshot.file = *parseConfig(configText, "test", RoutingTableNames()).config;
    snapshot.overrides["mgmt"].metric = 500;
    snapshot.overrides["mgmt"].gateway4 = GatewayOverride{};
    snapshot.learned = {{"mgmt", Family::inet, "mgmt0", IpAddress::parse("198.51.100.1")},
                        {"mgmt", Family::inet6, "mgmt0", std::nullopt}};
    return checkpoint;
}

TEST(CheckpointRecord, RoundTripKeepsEverything)
{
    Checkpoint checkpoint = example();
    std::string text = checkpointToJson(checkpoint);
    ParsedCheckpoint parsed = checkpointFromJson(text, RoutingTableNames());
    ASSERT_TRUE(parsed.checkpoint) << parsed.unusable;
    EXPECT_TRUE(parsed.skipped.empty());
    EXPECT_EQ(*parsed.checkpoint, checkpoint);
    // The deadline for people, beside the one that counts.
    EXPECT_THAT(text, HasSubstr("\"deadline\": \"2025-05-01T10:01:00Z\""));
}

TEST(CheckpointRecord, UnusableFilesSayWhy)
{
    auto unusable = [](const std::string &text) {
        ParsedCheckpoint parsed = checkpointFromJson(text, RoutingTableNames());
        EXPECT_FALSE(parsed.checkpoint) << text;
        return parsed.unusable;
    };
    EXPECT_EQ(unusable("{\"version\": 1, \"id\": 3"), "not valid JSON");
    EXPECT_THAT(unusable("{\"version\": 2}"), HasSubstr("\"version\": 1"));
    nlohmann::json document = nlohmann::json::parse(checkpointToJson(example()));

    auto without = document;
    without.erase("deadline_usec");
    EXPECT_THAT(unusable(without.dump()), HasSubstr("deadline_usec"));
    auto negative = document;
    negative["creator_uid"] = -1;
    EXPECT_THAT(unusable(negative.dump()), HasSubstr("creator_uid"));
    auto noText = document;
    noText["configuration"].erase("text");
    EXPECT_THAT(unusable(noText.dump()), HasSubstr("configuration"));
    // A configuration that no longer parses: a table name gone from rt_tables since.
    auto badTable = document;
    badTable["configuration"]["text"] = "[daemon]\ntable = \"uplinks\"\n";
    EXPECT_THAT(unusable(badTable.dump()), HasSubstr("does not parse any more"));
    auto badRuntime = document;
    badRuntime["runtime"] = {{"version", 7}};
    EXPECT_THAT(unusable(badRuntime.dump()), HasSubstr("runtime"));
}

TEST(CheckpointRecord, WrongEntriesAreSkippedTheRestApplies)
{
    nlohmann::json document = nlohmann::json::parse(checkpointToJson(example()));
    document["runtime"]["roles"]["mgmt"]["metric"] = "lots";
    document["learned_gateways"].push_back({{"role", "mgmt"}, {"family", "ipx"}, {"interface", "x"}, {"gateway", ""}});
    document["learned_gateways"].push_back(
        {{"role", "media"}, {"family", "inet"}, {"interface", "media0"}, {"gateway", "2001:db8::1"}});
    ParsedCheckpoint parsed = checkpointFromJson(document.dump(), RoutingTableNames());
    ASSERT_TRUE(parsed.checkpoint) << parsed.unusable;
    ASSERT_EQ(parsed.skipped.size(), 3u);
    EXPECT_THAT(parsed.skipped[0], HasSubstr("roles.mgmt.metric"));
    EXPECT_THAT(parsed.skipped[1], HasSubstr("family"));
    EXPECT_THAT(parsed.skipped[2], HasSubstr("not an address of family inet"));
    EXPECT_FALSE(parsed.checkpoint->snapshot.overrides.at("mgmt").metric);
    EXPECT_TRUE(parsed.checkpoint->snapshot.overrides.at("mgmt").gateway4) << "the rest of the entry applies";
    EXPECT_EQ(parsed.checkpoint->snapshot.learned, example().snapshot.learned);
}

} // namespace
} // namespace ifpin
