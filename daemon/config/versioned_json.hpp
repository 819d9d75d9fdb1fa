// The files ifpind writes as JSON (the runtime changes' state file, checkpoint.json) begin the same
// way: one JSON object with "version": N. One reader of that frame, so that both say the same about a
// file that is not one; what the object holds is each file's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

namespace ifpin {

// The document's object when text is a JSON object with "version": version; otherwise why not
// ("not valid JSON", "expected a JSON object with \"version\": 1"), for the caller to put after the
// file's name.
std::variant<nlohmann::json, std::string> parseVersionedJson(std::string_view text, int version);

// The same for a parser's result: the document, or nothing and why in `unusable` (the result's own
// field, a std::string or a std::optional<std::string>).
template <typename Unusable>
std::optional<nlohmann::json> readVersionedJson(std::string_view text, int version, Unusable &unusable)
{
    auto parsed = parseVersionedJson(text, version);
    if (auto *problem = std::get_if<std::string>(&parsed)) {
        unusable = std::move(*problem);
        return std::nullopt;
    }
    return std::get<nlohmann::json>(std::move(parsed));
}

} // namespace ifpin
