// Small text helpers for messages and log lines.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ifpin {

// The one escaping rule for text that comes from outside ifpind (a client's role name, a D-Bus
// argument, a key or value of the state file or the configuration, a link name from the kernel)
// before it reaches a log line or a message for people: control bytes, DEL and every byte outside
// ASCII become \xNN, and a backslash becomes \\, so that such text can neither make one log line
// look like two (a "\n" followed by a forged line) nor carry terminal escapes or NULs, and the
// original bytes can always be read back. spdlog escapes nothing itself.
// escaped("a\nb") is "a\\x0Ab".
std::string escaped(std::string_view text);

// The text escaped as above, in double quotes (a '"' inside becomes \"), so that a stray space is
// visible too; but bytes outside ASCII stay as they are, since this is for the configuration's own
// values in messages about them (TOML is UTF-8): quote("a\tb") is "\"a\\x09b\"".
std::string quote(std::string_view text);

// "a, b, c".
std::string joined(std::span<const std::string_view> words);
std::string joined(std::span<const std::string> words);

} // namespace ifpin
