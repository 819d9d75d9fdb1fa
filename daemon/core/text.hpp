// Small text helpers for messages and log lines.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ifpin {

// The text in double quotes as a TOML basic string would show it, so that a stray space or a
// control character is visible: quote("a\tb") is "\"a\\u0009b\"".
std::string quote(std::string_view text);

// "a, b, c".
std::string joined(std::span<const std::string_view> words);
std::string joined(std::span<const std::string> words);

} // namespace ifpin
