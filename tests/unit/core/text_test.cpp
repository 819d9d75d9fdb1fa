#include "core/text.hpp"

#include <string>

#include <gtest/gtest.h>

namespace ifpin {
namespace {

using namespace std::string_literals;

TEST(Escaped, LeavesPrintableAsciiAlone)
{
    EXPECT_EQ(escaped("mgmt-2_x eth0 \"quoted\" 'single' ~!@#$%^&*()"),
              "mgmt-2_x eth0 \"quoted\" 'single' ~!@#$%^&*()");
    EXPECT_EQ(escaped(""), "");
}

// A role name sent by a client must not make one log line look like two (issue #15, item 7).
TEST(Escaped, NewlinesCannotForgeALogLine)
{
    std::string forged = "x\n[2026-12-01 10:00:00.000] [ifpind] [info] broker: gave 1 inet socket";
    std::string out = escaped(forged);
    EXPECT_EQ(out.find('\n'), std::string::npos);
    EXPECT_EQ(out.substr(0, 5), "x\\x0A");
    EXPECT_EQ(escaped("a\r\nb"), "a\\x0D\\x0Ab");
}

TEST(Escaped, ControlBytesNulAndTerminalEscapes)
{
    EXPECT_EQ(escaped("\x1b[31mred\x1b[0m"), "\\x1B[31mred\\x1B[0m");
    EXPECT_EQ(escaped("x\0y"s), "x\\x00y");
    EXPECT_EQ(escaped("\t\x7f"), "\\x09\\x7F");
}

// Bytes outside ASCII (C1 controls such as U+009B CSI, bidi overrides) are escaped byte by byte.
TEST(Escaped, BytesOutsideAscii)
{
    EXPECT_EQ(escaped("m\xc3\xa9" "dia"), "m\\xC3\\xA9dia");
    EXPECT_EQ(escaped("\xc2\x9b" "2J"), "\\xC2\\x9B2J");
}

// A backslash is escaped too, so that "\x0A" typed by a client reads back differently from a newline.
TEST(Escaped, BackslashIsUnambiguous)
{
    EXPECT_EQ(escaped("a\\x0Ab"), "a\\\\x0Ab");
    EXPECT_NE(escaped("a\\x0Ab"), escaped("a\nb"));
}

TEST(Quote, QuotesAndEscapesTheSameWay)
{
    EXPECT_EQ(quote("eth0"), "\"eth0\"");
    EXPECT_EQ(quote("a\tb"), "\"a\\x09b\"");
    EXPECT_EQ(quote("say \"hi\"\n"), "\"say \\\"hi\\\"\\x0A\"");
    EXPECT_EQ(quote("x\0y"s), "\"x\\x00y\"");
    EXPECT_EQ(quote("m\xc3\xa9" "dia"), "\"m\xc3\xa9" "dia\"") << "the configuration's UTF-8 stays readable";
}

} // namespace
} // namespace ifpin
