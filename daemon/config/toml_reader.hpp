// Reading a TOML document for a person to fix: every error located (file, line, dotted key) and
// collected, so that one run names every problem. The schema itself is config.cpp's.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "core/text.hpp"

namespace ifpin::toml_reader {

enum class Presence { optional, required };

// A key as it would be written in a dotted TOML path: bare when it can be, quoted otherwise.
std::string tomlKeySegment(std::string_view key);
// "expected an integer, got a string".
std::string typeMismatch(std::string_view expected, toml::node_type found);

inline uint32_t lineOf(const toml::node &node)
{
    return node.source().begin.line;
}

// Gathers the errors of one source, so that every check reports and the walk carries on.
class ErrorList {
public:
    explicit ErrorList(std::string_view source) : source_(source) {}

    void add(uint32_t line, std::string key, std::string message)
    {
        errors_.push_back({source_, line, std::move(key), std::move(message)});
    }
    void add(const toml::node &at, std::string key, std::string message)
    {
        add(lineOf(at), std::move(key), std::move(message));
    }
    bool empty() const { return errors_.empty(); }
    size_t size() const { return errors_.size(); }

    // In file order, the order a person fixes them in; toml++ hands out keys alphabetically.
    std::vector<ConfigError> take()
    {
        std::stable_sort(errors_.begin(), errors_.end(),
                         [](const ConfigError &a, const ConfigError &b) { return a.line < b.line; });
        return std::move(errors_);
    }

private:
    std::string source_;
    std::vector<ConfigError> errors_;
};

// One TOML table being read, with its dotted path so that errors can name each key.
class TableReader {
public:
    TableReader(const toml::table &table, std::string path, ErrorList &errors)
        : table_(table), path_(std::move(path)), errors_(errors)
    {
    }

    std::string keyPath(std::string_view key) const
    {
        return path_.empty() ? tomlKeySegment(key) : path_ + "." + tomlKeySegment(key);
    }

    const toml::node *find(std::string_view key) const { return table_.get(key); }

    // Reports at the key's line, or at its table's line when the key is absent: the closest
    // place to add it.
    void report(std::string_view key, std::string message) const
    {
        const toml::node *node = find(key);
        errors_.add(node ? lineOf(*node) : lineOf(table_), keyPath(key), std::move(message));
    }

    void rejectUnknownKeys(std::span<const std::string_view> allowed) const
    {
        for (const auto &[key, value] : table_) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end())
                report(key.str(), "unknown key; expected one of: " + joined(allowed));
        }
    }

    // The node at key when it is there with the wanted type; otherwise reports and gives null.
    const toml::node *findOfType(std::string_view key, Presence presence, toml::node_type type,
                                 std::string_view expected) const
    {
        const toml::node *node = find(key);
        if (!node) {
            if (presence == Presence::required)
                report(key, "required key is missing; expected " + std::string(expected));
            return nullptr;
        }
        if (node->type() != type) {
            report(key, typeMismatch(expected, node->type()));
            return nullptr;
        }
        return node;
    }

    std::optional<int64_t> integer(std::string_view key, Presence presence) const
    {
        const toml::node *node = findOfType(key, presence, toml::node_type::integer, "an integer");
        return node ? std::optional(node->as_integer()->get()) : std::nullopt;
    }

    std::optional<bool> boolean(std::string_view key) const
    {
        const toml::node *node = findOfType(key, Presence::optional, toml::node_type::boolean, "a boolean");
        return node ? std::optional(node->as_boolean()->get()) : std::nullopt;
    }

    // A string that findProblem accepts; NUL characters are refused first, since every string
    // of ours ends up as a C string (a path, an interface name).
    template <typename ProblemFinder>
    std::optional<std::string> validString(std::string_view key, Presence presence,
                                           ProblemFinder findProblem) const
    {
        const toml::node *node = findOfType(key, presence, toml::node_type::string, "a string");
        if (!node)
            return std::nullopt;
        const std::string &text = node->as_string()->get();
        auto problem = text.find('\0') != std::string::npos
                           ? std::optional<std::string>("expected text without NUL characters")
                           : findProblem(text);
        return check(key, problem) ? std::optional(text) : std::nullopt;
    }

    // Reports the problem, if any, against key; true when there was none.
    bool check(std::string_view key, const std::optional<std::string> &problem) const
    {
        if (problem)
            report(key, *problem);
        return !problem;
    }

    ErrorList &errors() const { return errors_; }

private:
    const toml::table &table_;
    std::string path_;
    ErrorList &errors_;
};

} // namespace ifpin::toml_reader
