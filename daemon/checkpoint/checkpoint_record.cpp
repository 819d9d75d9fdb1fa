#include "checkpoint/checkpoint_record.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

#include "config/value_checks.hpp"
#include "config/versioned_json.hpp"

namespace ifpin {

namespace {

using nlohmann::json;

constexpr int formatVersion = 1;

json learnedJson(const LearnedGatewayEntry &entry)
{
    return {{"role", entry.role},
            {"family", std::string(familyName(entry.family))},
            {"interface", entry.interface},
            {"gateway", entry.gateway ? entry.gateway->toString() : ""}};
}

// One learned gateway; nothing (and a line in skipped) when it is not one.
std::optional<LearnedGatewayEntry> learnedFrom(const json &entry, std::vector<std::string> &skipped)
{
    auto skip = [&](const std::string &why) {
        skipped.push_back("learned_gateways: " + why + "; entry ignored");
        return std::nullopt;
    };
    if (!entry.is_object())
        return skip("expected a JSON object");
    for (const char *key : {"role", "family", "interface", "gateway"})
        if (!entry.contains(key) || !entry[key].is_string())
            return skip(std::string("expected the string \"") + key + "\"");
    LearnedGatewayEntry result;
    result.role = entry["role"].get<std::string>();
    auto family = familyFromName(entry["family"].get<std::string>());
    if (!family)
        return skip("family: expected \"inet\" or \"inet6\"");
    result.family = *family;
    result.interface = entry["interface"].get<std::string>();
    if (auto problem = value_checks::interfaceNameProblem(result.interface))
        return skip("interface: " + *problem);
    const std::string gateway = entry["gateway"].get<std::string>();
    if (!gateway.empty()) {
        result.gateway = IpAddress::parse(*family, gateway);
        if (!result.gateway)
            return skip("gateway: not an address of family " + std::string(familyName(*family)));
    }
    return result;
}

bool isUnsigned(const json &document, const char *key)
{
    return document.contains(key) && document[key].is_number_unsigned();
}

} // namespace

std::string utcText(uint64_t realtimeUsec)
{
    time_t seconds = static_cast<time_t>(realtimeUsec / 1000000u);
    tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string checkpointToJson(const Checkpoint &checkpoint)
{
    const PolicySnapshot &snapshot = checkpoint.snapshot;
    json learned = json::array();
    for (const auto &entry : snapshot.learned)
        learned.push_back(learnedJson(entry));
    json document = {
        {"version", formatVersion},
        {"id", checkpoint.id},
        {"creator_uid", checkpoint.creator},
        {"created_usec", checkpoint.createdUsec},
        {"deadline_usec", checkpoint.deadlineUsec},
        // For people reading the file; deadline_usec is what counts.
        {"deadline", utcText(checkpoint.deadlineUsec)},
        {"configuration", {{"source", snapshot.fileSource}, {"text", snapshot.fileText}}},
        {"runtime", json::parse(overridesToJson(snapshot.overrides))},
        {"learned_gateways", std::move(learned)},
    };
    return document.dump(2) + "\n";
}

ParsedCheckpoint checkpointFromJson(std::string_view text, const RoutingTableNames &tables)
{
    ParsedCheckpoint result;
    auto versioned = readVersionedJson(text, formatVersion, result.unusable);
    if (!versioned)
        return result;
    json &document = *versioned;
    for (const char *key : {"id", "creator_uid", "created_usec", "deadline_usec"})
        if (!isUnsigned(document, key)) {
            result.unusable = std::string("expected \"") + key + "\" to be a number of 0 or more";
            return result;
        }
    if (document["creator_uid"].get<uint64_t>() > UINT32_MAX) {
        result.unusable = "\"creator_uid\" is not a uid";
        return result;
    }
    const json &configuration = document.value("configuration", json());
    if (!configuration.is_object() || !configuration.contains("text") || !configuration["text"].is_string() ||
        !configuration.contains("source") || !configuration["source"].is_string()) {
        result.unusable = "expected \"configuration\" with the strings \"source\" and \"text\"";
        return result;
    }
    Checkpoint checkpoint;
    checkpoint.id = document["id"].get<uint64_t>();
    checkpoint.creator = document["creator_uid"].get<uint32_t>();
    checkpoint.createdUsec = document["created_usec"].get<uint64_t>();
    checkpoint.deadlineUsec = document["deadline_usec"].get<uint64_t>();
    PolicySnapshot &snapshot = checkpoint.snapshot;
    snapshot.fileSource = configuration["source"].get<std::string>();
    snapshot.fileText = configuration["text"].get<std::string>();

    // The configuration was valid when it was kept; it may not be now (a table name gone from
    // rt_tables, a newer ifpind's key), and then there is nothing exact to roll back to.
    ConfigResult parsed = parseConfig(snapshot.fileText, snapshot.fileSource + " (as kept in the checkpoint)", tables);
    if (!parsed.config) {
        result.unusable = "its configuration does not parse any more: " + parsed.errors.front().toString();
        return result;
    }
    snapshot.file = std::move(*parsed.config);

    if (document.contains("runtime")) {
        ParsedOverrides overrides = overridesFromJson(document["runtime"].dump());
        if (overrides.unusable) {
            result.unusable = "runtime: " + *overrides.unusable;
            return result;
        }
        for (const auto &skipped : overrides.skipped)
            result.skipped.push_back("runtime: " + skipped);
        snapshot.overrides = std::move(overrides.overrides);
    }
    if (document.contains("learned_gateways")) {
        if (!document["learned_gateways"].is_array()) {
            result.skipped.push_back("learned_gateways: expected a JSON array; ignored");
        } else {
            for (const auto &entry : document["learned_gateways"])
                if (auto learned = learnedFrom(entry, result.skipped))
                    snapshot.learned.push_back(std::move(*learned));
        }
    }
    result.checkpoint = std::move(checkpoint);
    return result;
}

} // namespace ifpin
