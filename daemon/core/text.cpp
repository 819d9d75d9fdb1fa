#include "core/text.hpp"

#include <cstdio>

namespace ifpin {

namespace {

// The one rule: control bytes and DEL as \xNN, a backslash doubled; for quote() also '"' escaped and
// bytes outside ASCII left alone (the configuration's own text may be UTF-8, as TOML allows).
void appendEscaped(std::string &out, std::string_view text, bool forQuote)
{
    out.reserve(out.size() + text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '\\' || (forQuote && c == '"')) {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f || (byte > 0x7f && !forQuote)) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02X", byte);
            out += hex;
        } else {
            out += c;
        }
    }
}

template <typename Word>
std::string joinAll(std::span<const Word> words)
{
    std::string result;
    for (const auto &word : words) {
        if (!result.empty())
            result += ", ";
        result += word;
    }
    return result;
}

} // namespace

std::string escaped(std::string_view text)
{
    std::string result;
    appendEscaped(result, text, false);
    return result;
}

std::string quote(std::string_view text)
{
    std::string result = "\"";
    appendEscaped(result, text, true);
    return result + "\"";
}

std::string joined(std::span<const std::string_view> words)
{
    return joinAll(words);
}

std::string joined(std::span<const std::string> words)
{
    return joinAll(words);
}

} // namespace ifpin
