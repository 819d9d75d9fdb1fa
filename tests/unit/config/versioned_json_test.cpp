// The frame the state file and checkpoint.json share: one JSON object with "version": N.
#include <gtest/gtest.h>

#include "config/versioned_json.hpp"

namespace ifpin {
namespace {

std::string problemOf(std::string_view text, int version = 1)
{
    auto parsed = parseVersionedJson(text, version);
    const auto *problem = std::get_if<std::string>(&parsed);
    return problem ? *problem : std::string("(parsed)");
}

TEST(VersionedJson, TheDocumentOfItsVersion)
{
    auto parsed = parseVersionedJson(R"({"version": 3, "roles": {"mgmt": {}}})", 3);
    ASSERT_TRUE(std::holds_alternative<nlohmann::json>(parsed)) << std::get<std::string>(parsed);
    EXPECT_TRUE(std::get<nlohmann::json>(parsed)["roles"].contains("mgmt"));
}

TEST(VersionedJson, SaysWhatIsWrong)
{
    EXPECT_EQ(problemOf(""), "not valid JSON");
    EXPECT_EQ(problemOf("{\"version\": 1,"), "not valid JSON");
    for (const char *text : {"[]", "1", "\"version\"", "{}", "{\"version\": 2}", "{\"version\": \"1\"}"})
        EXPECT_EQ(problemOf(text), "expected a JSON object with \"version\": 1") << text;
    EXPECT_EQ(problemOf("{\"version\": 1}", 7), "expected a JSON object with \"version\": 7");
}

// Into a parser's result, whose field is a string (checkpoint.json) or an optional one (runtime.json).
TEST(VersionedJson, ReadIntoAResultsField)
{
    std::string checkpointProblem;
    EXPECT_FALSE(readVersionedJson("[]", 1, checkpointProblem));
    EXPECT_EQ(checkpointProblem, "expected a JSON object with \"version\": 1");
    std::optional<std::string> overridesProblem;
    EXPECT_FALSE(readVersionedJson("{", 1, overridesProblem));
    EXPECT_EQ(overridesProblem, "not valid JSON");
    std::optional<std::string> untouched;
    auto document = readVersionedJson(R"({"version": 1, "id": 4})", 1, untouched);
    ASSERT_TRUE(document);
    EXPECT_EQ((*document)["id"], 4);
    EXPECT_FALSE(untouched);
}

} // namespace
} // namespace ifpin
