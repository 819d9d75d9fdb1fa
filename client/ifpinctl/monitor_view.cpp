// What `ifpinctl monitor` prints: see monitor_view.hpp.
#include "monitor_view.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string_view>

namespace ifpinctl {
namespace {

using nlohmann::json;

// A value in a message: strings as they are ("none" when empty: no gateway), lists joined with
// "; ", "unknown" when not known.
std::string text(const json &value)
{
    if (value.is_null())
        return "unknown";
    if (value.is_string())
        return value.get<std::string>().empty() ? "none" : value.get<std::string>();
    if (value.is_array()) {
        std::string out;
        for (const auto &item : value)
            out += (out.empty() ? "" : "; ") + text(item);
        return out.empty() ? "none" : out;
    }
    return value.dump();
}

// "OLD -> NEW", or "NEW" alone when the old value is not known.
std::string change(const json &before, const json &after)
{
    return before.is_null() ? text(after) : text(before) + " -> " + text(after);
}

bool isTrue(const json &value) { return value.is_boolean() && value.get<bool>(); }

// What a property's event says, from its value before and now.
using Describe = std::function<std::string(const json &before, const json &after)>;

// "WHAT OLD -> NEW"
Describe changeOf(std::string what)
{
    return [what](const json &before, const json &after) { return what + " " + change(before, after); };
}

// One text when the new value is true, another when not.
Describe trueOrFalse(std::string yes, std::string no)
{
    return [yes, no](const json &, const json &after) { return isTrue(after) ? yes : no; };
}

// Health is {family: state}: "health inet healthy -> down" for each family that changed.
std::string healthChange(const json &before, const json &after)
{
    std::string out;
    if (after.is_object()) {
        for (const auto &[family, state] : after.items()) {
            json old = before.is_object() && before.contains(family) ? before.at(family) : json(nullptr);
            if (old != state)
                out += (out.empty() ? "" : ", ") + std::string("health ") + family + " " + change(old, state);
        }
    }
    if (before.is_object())
        for (const auto &[family, state] : before.items())
            if (!after.is_object() || !after.contains(family))
                out += (out.empty() ? "" : ", ") + std::string("health ") + family + " no longer checked";
    return out.empty() ? std::string("health checks changed") : out;
}

std::string joinedFamilies(const json &families)
{
    std::string out;
    for (const auto &family : families)
        out += (out.empty() ? "" : ", ") + text(family);
    return out;
}

// One role property's event: its name in JSON and its message.
struct PropertyEventRule {
    std::string_view property; // the D-Bus name (dbus/org.ifpin1.Role.xml)
    std::string_view event;
    Describe message;
};

// Every property with words of its own, in the order a batch of changes is printed. A new role
// property: one line here (and its row in docs/dbus-api.md's list of events).
const std::vector<PropertyEventRule> &propertyEventRules()
{
    static const std::vector<PropertyEventRule> rules{
        {"State", "state", changeOf("state")},
        {"StateReason", "state",
         [](const json &, const json &a) {
             return a.is_string() && !a.get<std::string>().empty() ? "state reason: " + text(a)
                                                                   : std::string("no state reason");
         }},
        {"LinkState", "link", changeOf("link")},
        {"Restorations", "route-restored",
         [](const json &b, const json &a) { return "route restored (restorations " + change(b, a) + ")"; }},
        {"Route4InPlace", "route", trueOrFalse("inet route in place", "inet route not in place")},
        {"Route6InPlace", "route", trueOrFalse("inet6 route in place", "inet6 route not in place")},
        {"Interface", "interface", changeOf("interface")},
        {"Metric", "metric", changeOf("metric")},
        {"Gateway4", "gateway", changeOf("inet gateway")},
        {"Gateway6", "gateway", changeOf("inet6 gateway")},
        {"Gateway4Learned", "gateway", trueOrFalse("inet gateway learned", "inet gateway not learned")},
        {"Gateway6Learned", "gateway", trueOrFalse("inet6 gateway learned", "inet6 gateway not learned")},
        {"OutrankedBy", "outranked",
         [](const json &, const json &a) {
             return a.is_array() && a.empty() ? std::string("no longer outranked") : "outranked by " + text(a);
         }},
        {"PinAvailable", "pinning", trueOrFalse("kernel pinning available", "kernel pinning not available")},
        {"PinProgram", "pinning", changeOf("pinned program")},
        {"PinProblem", "pinning",
         [](const json &, const json &a) {
             return a.is_string() && !a.get<std::string>().empty() ? "kernel pinning problem: " + text(a)
                                                                   : std::string("no kernel pinning problem");
         }},
        {"ReturnRouting", "return-routing", trueOrFalse("return routing on", "return routing off")},
        {"ReplyTable", "return-routing", changeOf("reply table")},
        {"ReplyRules4", "reply-rules", [](const json &, const json &a) { return "inet reply rules " + text(a); }},
        {"ReplyRules6", "reply-rules", [](const json &, const json &a) { return "inet6 reply rules " + text(a); }},
        {"ReplyRoute4InPlace", "reply-route", trueOrFalse("inet reply route in place", "inet reply route not in place")},
        {"ReplyRoute6InPlace", "reply-route",
         trueOrFalse("inet6 reply route in place", "inet6 reply route not in place")},
        {"Health", "health", healthChange},
        {"Demoted", "demoted",
         [](const json &, const json &a) {
             return a.is_array() && !a.empty() ? "routes demoted: " + joinedFamilies(a)
                                               : std::string("routes no longer demoted");
         }},

    };
    return rules;
}

json valueIn(const PropertyMap &properties, const std::string &name)
{
    auto found = properties.find(name);
    return found == properties.end() ? json(nullptr) : jsonOf(found->second);
}

json propertiesJson(const PropertyMap &properties)
{
    json out = json::object();
    for (const auto &[name, value] : properties)
        out[name] = jsonOf(value);
    return out;
}

// Bytes below 0x20 and 0x7f as \xNN; the rest (UTF-8 included) as it is.
std::string printable(std::string_view in)
{
    std::string out;
    for (unsigned char c : in) {
        if (c < 0x20 || c == 0x7f) {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace

json jsonOf(const sdbus::Variant &value)
{
    if (value.isEmpty())
        return nullptr;
    if (value.containsValueOfType<std::string>())
        return value.get<std::string>();
    if (value.containsValueOfType<bool>())
        return value.get<bool>();
    if (value.containsValueOfType<uint8_t>())
        return value.get<uint8_t>();
    if (value.containsValueOfType<int16_t>())
        return value.get<int16_t>();
    if (value.containsValueOfType<uint16_t>())
        return value.get<uint16_t>();
    if (value.containsValueOfType<int32_t>())
        return value.get<int32_t>();
    if (value.containsValueOfType<uint32_t>())
        return value.get<uint32_t>();
    if (value.containsValueOfType<int64_t>())
        return value.get<int64_t>();
    if (value.containsValueOfType<uint64_t>())
        return value.get<uint64_t>();
    if (value.containsValueOfType<double>())
        return value.get<double>();
    if (value.containsValueOfType<sdbus::ObjectPath>())
        return std::string(value.get<sdbus::ObjectPath>());
    if (value.containsValueOfType<std::vector<std::string>>())
        return value.get<std::vector<std::string>>();
    if (value.containsValueOfType<std::map<std::string, std::string>>())
        return value.get<std::map<std::string, std::string>>();
    return "<D-Bus type " + std::string(value.peekValueType()) + ">";
}

std::vector<MonitorEvent> propertyEvents(EventTime time, const std::string &role, const PropertyMap &before,
                                         const PropertyMap &changed)
{
    std::vector<MonitorEvent> events;
    auto add = [&](const std::string &property, std::string_view event, const Describe &message) {
        json old = valueIn(before, property);
        json now = valueIn(changed, property);
        if (old == now)
            return;
        events.push_back({time, std::string(event), role, property, old, now, nullptr, message(old, now)});
    };
    const auto &rules = propertyEventRules();
    for (const auto &rule : rules)
        if (changed.count(std::string(rule.property)))
            add(std::string(rule.property), rule.event, rule.message);
    for (const auto &[property, value] : changed) {
        bool hasRule = std::any_of(rules.begin(), rules.end(),
                                   [&](const PropertyEventRule &rule) { return rule.property == property; });
        if (!hasRule) {
            // Its D-Bus name and its values as JSON: a property this ifpinctl has no words for.
            add(property, "changed", [name = property](const json &b, const json &a) {
                return name + " " + (b.is_null() ? a.dump() : b.dump() + " -> " + a.dump());
            });
        }
    }
    return events;
}

MonitorEvent roleAddedEvent(EventTime time, const std::string &role, const PropertyMap &properties)
{
    std::string message = "role added";
    std::string details;
    for (auto [property, word] : {std::pair{"Interface", "interface"}, std::pair{"Metric", "metric"},
                                  std::pair{"State", "state"}}) {
        json value = valueIn(properties, property);
        if (!value.is_null())
            details += (details.empty() ? "" : ", ") + std::string(word) + " " + text(value);
    }
    if (!details.empty())
        message += ": " + details;
    return {time, "role-added", role, "", nullptr, nullptr, propertiesJson(properties), message};
}

MonitorEvent roleRemovedEvent(EventTime time, const std::string &role)
{
    return {time, "role-removed", role, "", nullptr, nullptr, nullptr, "role removed"};
}

MonitorEvent daemonGoneEvent(EventTime time)
{
    return {time, "daemon-gone", "", "", nullptr, nullptr, nullptr,
            "ifpind went away: org.ifpin1 has no owner on the system bus any more"};
}

MonitorEvent checkpointRolledBackEvent(EventTime time, const std::string &path)
{
    const std::string prefix = "/org/ifpin1/checkpoint/";
    std::string name = path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
    MonitorEvent event{time, "checkpoint-rolled-back", "", "", nullptr, nullptr, nullptr,
                       "checkpoint " + name + " rolled back: the policy before it is in force"};
    event.checkpoint = path;
    return event;
}

std::string timestampText(EventTime time)
{
    auto seconds = std::chrono::floor<std::chrono::seconds>(time);
    auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
    std::time_t clock = std::chrono::system_clock::to_time_t(seconds);
    std::tm local{};
    localtime_r(&clock, &local);
    char date[32];
    char offset[8];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
    std::strftime(offset, sizeof offset, "%z", &local); // +0200; RFC 3339 wants +02:00
    std::string zone(offset);
    if (zone.size() == 5)
        zone.insert(3, ":");
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(milliseconds));
    return date + std::string(fraction) + zone;
}

std::string eventLine(const MonitorEvent &event)
{
    std::string line = timestampText(event.time) + " ";
    if (!event.role.empty())
        line += printable(event.role) + ": ";
    return line + printable(event.message) + "\n";
}

std::string eventJsonLine(const MonitorEvent &event)
{
    json out = {{"time", timestampText(event.time)}, {"event", event.event}, {"message", event.message}};
    if (!event.role.empty())
        out["role"] = event.role;
    if (!event.property.empty()) {
        out["property"] = event.property;
        out["old"] = event.before;
        out["new"] = event.after;
    }
    if (!event.properties.is_null())
        out["properties"] = event.properties;
    if (!event.checkpoint.empty())
        out["checkpoint"] = event.checkpoint;
    // D-Bus strings are UTF-8 already (sd-bus refuses others); should a byte that is not get here, it
    // is replaced rather than thrown on, which would end the monitor.
    return out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace ifpinctl
