// What the config unit tests share: building config text line by line, parsing it against fixed
// table names, and matchers for located errors.
#pragma once

#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"

namespace ifpin {

// Readable failure output for the types under test (found by gtest through ADL).
inline void PrintTo(const ConfigError &error, std::ostream *out)
{
    *out << '"' << error.toString() << '"';
}

inline void PrintTo(const RoleConfig &role, std::ostream *out)
{
    *out << "{role " << role.name << " interface=" << role.interface << " metric=" << role.metric
         << " gateway4=" << (role.gateway4 ? role.gateway4->toString() : "-")
         << " gateway6=" << (role.gateway6 ? role.gateway6->toString() : "-")
         << " users=" << testing::PrintToString(role.allowUsers)
         << " groups=" << testing::PrintToString(role.allowGroups) << " return_routing=" << role.returnRouting
         << " reply_table=" << role.replyTable << " reply_priority=" << role.replyPriority << "}";
}

namespace test {

// Config text from lines, so that a test's line numbers can be read off its list.
inline std::string lines(std::initializer_list<std::string_view> list)
{
    std::string text;
    for (std::string_view line : list)
        text.append(line).append("\n");
    return text;
}

inline RoutingTableNames testTables()
{
    RoutingTableNames tables;
    tables.addFromText("100 media\n200 mgmt\n");
    return tables;
}

inline ConfigResult parse(std::string_view text)
{
    return parseConfig(text, "test.toml", testTables());
}

inline auto isError(uint32_t line, std::string key, std::string messagePart)
{
    using testing::AllOf;
    using testing::Field;
    using testing::HasSubstr;
    return AllOf(Field("source", &ConfigError::source, "test.toml"), Field("line", &ConfigError::line, line),
                 Field("key", &ConfigError::key, key),
                 Field("message", &ConfigError::message, HasSubstr(messagePart)));
}

// A valid role with one extra line appended, for tests about a single key. The role table
// starts at line 1, so the extra key is on line 4.
inline std::string roleWith(std::string_view extraLine)
{
    return lines({"[role.media]", "interface = \"eth0\"", "metric = 100", extraLine});
}

// The one role table whose keys a test chooses; the table header is line 1.
inline std::string roleOnly(std::initializer_list<std::string_view> keys)
{
    std::string text = "[role.media]\n";
    for (std::string_view key : keys)
        text.append(key).append("\n");
    return text;
}

inline void expectValid(const ConfigResult &result)
{
    EXPECT_THAT(result.errors, testing::IsEmpty());
    EXPECT_TRUE(result.config);
}

} // namespace test
} // namespace ifpin
