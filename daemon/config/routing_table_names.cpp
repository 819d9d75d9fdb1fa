#include "config/routing_table_names.hpp"
#include "core/small_file.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>
#include <vector>

namespace ifpin {
namespace {

// The distribution's defaults come first so that the administrator's files in /etc, read later,
// win when both name the same table (iproute2 gives /etc precedence the same way).
constexpr std::string_view systemTableDirectories[] = {"/usr/share/iproute2", "/etc/iproute2"};

// rt_tables files are a few lines long; anything bigger is not one and is not worth reading.
constexpr std::uintmax_t maxTableFileSize = 1024 * 1024;

bool isAsciiDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Parses the whole text as an unsigned 32-bit number in the given base, nothing else allowed.
std::optional<uint32_t> parseWholeNumber(std::string_view text, int base)
{
    if (text.empty())
        return std::nullopt;
    uint32_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (error != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// rt_tables numbers are decimal or "0x" hex, as iproute2 reads them.
std::optional<uint32_t> parseTableFileNumber(std::string_view text)
{
    if (text.starts_with("0x") || text.starts_with("0X"))
        return parseWholeNumber(text.substr(2), 16);
    if (!std::all_of(text.begin(), text.end(), isAsciiDigit))
        return std::nullopt;
    return parseWholeNumber(text, 10);
}

// The blank-separated words of one line, with any '#' comment already removed.
std::vector<std::string_view> splitWords(std::string_view line)
{
    std::vector<std::string_view> words;
    size_t position = 0;
    while (position < line.size()) {
        while (position < line.size() && isBlank(line[position]))
            ++position;
        size_t start = position;
        while (position < line.size() && !isBlank(line[position]))
            ++position;
        if (position > start)
            words.push_back(line.substr(start, position - start));
    }
    return words;
}

// rt_tables.d/*.conf in name order, so that the result does not depend on directory order.
std::vector<std::filesystem::path> dropInFiles(const std::filesystem::path &directory)
{
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        if (it->path().extension() == ".conf")
            files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

RoutingTableNames::RoutingTableNames()
    : byName_{{"unspec", 0}, {"default", 253}, {"main", 254}, {"local", 255}}
{
}

RoutingTableNames RoutingTableNames::loadSystem()
{
    RoutingTableNames names;
    auto addFile = [&names](const std::filesystem::path &path) {
        try {
            if (auto text = readSmallFile(path, maxTableFileSize))
                names.addFromText(*text);
        } catch (const FileReadError &) {
            // unreadable, not a file, or too large to be one: not a table file
        }
    };
    for (std::string_view directory : systemTableDirectories) {
        std::filesystem::path base(directory);
        addFile(base / "rt_tables");
        for (const auto &file : dropInFiles(base / "rt_tables.d"))
            addFile(file);
    }
    return names;
}

void RoutingTableNames::addFromText(std::string_view text)
{
    while (!text.empty()) {
        size_t lineEnd = text.find('\n');
        std::string_view line = text.substr(0, lineEnd);
        text = lineEnd == std::string_view::npos ? std::string_view{} : text.substr(lineEnd + 1);

        line = line.substr(0, line.find('#'));
        auto words = splitWords(line);
        if (words.size() != 2)
            continue;
        auto number = parseTableFileNumber(words[0]);
        // A name made of digits would be read back as a table number, so it could never be used.
        bool nameIsNumber = std::all_of(words[1].begin(), words[1].end(), isAsciiDigit);
        if (!number || nameIsNumber)
            continue;
        byName_.insert_or_assign(std::string(words[1]), *number);
    }
}

std::optional<uint32_t> RoutingTableNames::resolve(std::string_view nameOrNumber) const
{
    std::optional<uint32_t> table;
    if (!nameOrNumber.empty() && std::all_of(nameOrNumber.begin(), nameOrNumber.end(), isAsciiDigit)) {
        table = parseWholeNumber(nameOrNumber, 10);
    } else if (auto found = byName_.find(nameOrNumber); found != byName_.end()) {
        table = found->second;
    }
    if (table == 0u)
        return std::nullopt;
    return table;
}

std::string RoutingTableNames::nameOf(uint32_t table) const
{
    // Several names may share a number; the map's order makes the choice stable.
    for (const auto &[name, number] : byName_) {
        if (number == table)
            return name;
    }
    return std::to_string(table);
}

} // namespace ifpin
