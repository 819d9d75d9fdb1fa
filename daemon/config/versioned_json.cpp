#include "config/versioned_json.hpp"

namespace ifpin {

std::variant<nlohmann::json, std::string> parseVersionedJson(std::string_view text, int version)
{
    nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded())
        return std::string("not valid JSON");
    if (!document.is_object() || !document.contains("version") || document["version"] != version)
        return "expected a JSON object with \"version\": " + std::to_string(version);
    return document;
}

} // namespace ifpin
