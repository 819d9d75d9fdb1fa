#include "config/runtime_overrides.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/value_checks.hpp"
#include "config/versioned_json.hpp"
#include "core/text.hpp"

namespace ifpin {

namespace {

using nlohmann::json;
using namespace value_checks;

constexpr int formatVersion = 1;

std::string gatewayKey(Family family)
{
    return family == Family::inet ? "gateway4" : "gateway6";
}

std::string gatewayText(const GatewayOverride &gateway)
{
    return gateway.address ? gateway.address->toString() : "";
}

// One role's entry; problems go to skipped, naming the role and key.
RoleOverride parseRoleEntry(const std::string &name, const json &entry, std::vector<std::string> &skipped)
{
    RoleOverride result;
    auto skip = [&](std::string_view key, const std::string &why) {
        // name was checked before; a key can be anything the file holds.
        skipped.push_back("roles." + name + "." + escaped(key) + ": " + why);
    };
    for (const auto &[key, value] : entry.items()) {
        if (key == "metric") {
            if (!value.is_number_integer()) {
                skip(key, "expected an integer");
            } else {
                bool huge = value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX};
                if (auto problem = metricProblem(huge ? INT64_MAX : value.get<int64_t>()))
                    skip(key, *problem);
                else
                    result.metric = value.get<uint32_t>();
            }
        } else if (key == "interface") {
            if (!value.is_string())
                skip(key, "expected a string");
            else if (auto problem = interfaceNameProblem(value.get<std::string>()))
                skip(key, *problem);
            else
                result.interface = value.get<std::string>();
        } else if (key == "gateway4" || key == "gateway6") {
            Family family = key == "gateway4" ? Family::inet : Family::inet6;
            if (!value.is_string()) {
                skip(key, "expected a string");
            } else if (value.get<std::string>().empty()) {
                result.gateway(family) = GatewayOverride{};
            } else if (auto problem = gatewayProblem(family, value.get<std::string>())) {
                skip(key, *problem);
            } else {
                result.gateway(family) = GatewayOverride{IpAddress::parse(family, value.get<std::string>())};
            }
        } else {
            skip(key, "unknown key");
        }
    }
    return result;
}

} // namespace

std::string overridesToJson(const RuntimeOverrides &overrides)
{
    json roles = json::object();
    for (const auto &[name, override] : overrides) {
        if (override.empty())
            continue;
        json entry = json::object();
        if (override.metric)
            entry["metric"] = *override.metric;
        if (override.interface)
            entry["interface"] = *override.interface;
        if (override.gateway4)
            entry["gateway4"] = gatewayText(*override.gateway4);
        if (override.gateway6)
            entry["gateway6"] = gatewayText(*override.gateway6);
        roles[name] = std::move(entry);
    }
    json document = {{"version", formatVersion}, {"roles", std::move(roles)}};
    return document.dump(2) + "\n";
}

ParsedOverrides overridesFromJson(std::string_view text)
{
    ParsedOverrides result;
    auto parsed = readVersionedJson(text, formatVersion, result.unusable);
    if (!parsed)
        return result;
    json &document = *parsed;
    if (!document.contains("roles"))
        return result;
    const json &roles = document["roles"];
    if (!roles.is_object()) {
        result.unusable = "\"roles\" is not a JSON object";
        return result;
    }
    for (const auto &[name, entry] : roles.items()) {
        if (auto problem = roleNameProblem(name)) {
            result.skipped.push_back("roles: " + *problem);
            continue;
        }
        if (!entry.is_object()) {
            result.skipped.push_back("roles." + name + ": expected a JSON object");
            continue;
        }
        RoleOverride override = parseRoleEntry(name, entry, result.skipped);
        if (!override.empty())
            result.overrides[name] = std::move(override);
    }
    return result;
}

void applyOverride(RoleConfig &role, const RoleOverride &override)
{
    if (override.metric)
        role.metric = *override.metric;
    if (override.interface)
        role.interface = *override.interface;
    if (override.gateway4)
        role.gateway4 = override.gateway4->address;
    if (override.gateway6)
        role.gateway6 = override.gateway6->address;
}

namespace {

// The file's roles with the overrides of roles the file has; the others are dropped, saying why.
MergedConfig applyOverrides(const Config &file, const RuntimeOverrides &overrides)
{
    MergedConfig merged{file, {}, {}};
    for (const auto &[name, override] : overrides) {
        if (!file.findRole(name))
            merged.dropped.push_back("runtime change of role " + name + " (" + describeOverride(override) +
                                     ") dropped: the configuration file has no role " + name);
        else if (!override.empty())
            merged.applied[name] = override;
    }
    for (auto &role : merged.config.roles)
        if (auto found = merged.applied.find(role.name); found != merged.applied.end())
            applyOverride(role, found->second);
    return merged;
}

bool overridesField(const RoleOverride &override, RoleField field)
{
    return field == RoleField::metric ? override.metric.has_value() : override.interface.has_value();
}

// Takes back role's runtime `field`, which clashes with holder: the file's value applies again.
void takeBack(MergedConfig &merged, RoleConfig &role, RoleField field, const RoleConfig &holder, const Config &file)
{
    const RoleConfig &original = *file.findRole(role.name);
    auto found = merged.applied.find(role.name);
    RoleOverride &override = found->second;
    bool metric = field == RoleField::metric;
    std::string value = metric ? "metric " + std::to_string(role.metric) : "interface " + role.interface;
    std::string fileValue = metric ? std::to_string(original.metric) : original.interface;
    merged.dropped.push_back("runtime " + value + " of role " + role.name + " rejected: " +
                             clashMessage(field, role, holder) + "; the configuration file's " + fileValue +
                             " applies");
    if (metric) {
        override.metric.reset();
        role.metric = original.metric;
    } else {
        override.interface.reset();
        role.interface = original.interface;
    }
    if (override.empty())
        merged.applied.erase(found);
}

// Takes back one clashing runtime value, if any clashes: the later role's gives way first, then the
// earlier one's. Two values from the file never clash (the file was validated).
bool takeBackOneClash(MergedConfig &merged, const Config &file)
{
    auto &roles = merged.config.roles;
    for (size_t later = 1; later < roles.size(); ++later) {
        for (RoleField field : {RoleField::metric, RoleField::interface}) {
            const RoleConfig *holder = clashingRole(std::span(roles.data(), later), roles[later], field);
            if (!holder)
                continue;
            RoleConfig &earlier = roles[static_cast<size_t>(holder - roles.data())];
            for (auto [role, other] : {std::pair{&roles[later], &earlier}, std::pair{&earlier, &roles[later]}}) {
                auto found = merged.applied.find(role->name);
                if (found != merged.applied.end() && overridesField(found->second, field)) {
                    takeBack(merged, *role, field, *other, file);
                    return true;
                }
            }
        }
    }
    return false;
}

} // namespace

MergedConfig mergeOverrides(const Config &file, const RuntimeOverrides &overrides)
{
    MergedConfig merged = applyOverrides(file, overrides);
    // Each round takes one runtime value back, so this ends.
    while (takeBackOneClash(merged, file)) {
    }
    return merged;
}

std::string describeOverride(const RoleOverride &override)
{
    std::vector<std::string> parts;
    if (override.metric)
        parts.push_back("metric " + std::to_string(*override.metric));
    if (override.interface)
        parts.push_back("interface " + *override.interface);
    for (Family family : allFamilies) {
        const auto &gateway = family == Family::inet ? override.gateway4 : override.gateway6;
        if (gateway)
            parts.push_back(gatewayKey(family) + " " + (gateway->address ? gateway->address->toString() : "learned"));
    }
    std::string text;
    for (const auto &part : parts)
        text += (text.empty() ? "" : ", ") + part;
    return text.empty() ? "nothing" : text;
}

} // namespace ifpin
