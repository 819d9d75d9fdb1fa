#include "core/text.hpp"

#include <cstdio>

namespace ifpin {

std::string quote(std::string_view text)
{
    std::string result = "\"";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            result += '\\';
            result += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04X", byte);
            result += escaped;
        } else {
            result += c;
        }
    }
    return result + "\"";
}

namespace {

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

std::string joined(std::span<const std::string_view> words)
{
    return joinAll(words);
}

std::string joined(std::span<const std::string> words)
{
    return joinAll(words);
}

} // namespace ifpin
