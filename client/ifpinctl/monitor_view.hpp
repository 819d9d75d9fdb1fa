// What `ifpinctl monitor` prints: one event per changed role property (from ifpind's
// PropertiesChanged signals), per role added or removed (InterfacesAdded, InterfacesRemoved) and when
// ifpind goes away, as one line for people ("2025-05-01T12:00:00.250+02:00 mgmt: state enforced ->
// link-down") or one JSON object per line for scripts. docs/dbus-api.md lists the events.
//
// Which property makes which event, and its words, is one table in monitor_view.cpp: a new role
// property is one entry there, and until it has one it is still reported, as a "changed" event
// with its D-Bus name and values. Pure: the bus loop is monitor_command.cpp; the unit tests
// (tests/unit/ifpinctl/) check the exact text.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sdbus-c++/sdbus-c++.h>

namespace ifpinctl {

using PropertyMap = std::map<std::string, sdbus::Variant>;
using EventTime = std::chrono::system_clock::time_point;

struct MonitorEvent {
    EventTime time;
    // route-restored, state, link, route, gateway, interface, metric, outranked, pinning, health,
    // demoted, changed (a property without an entry in the table), role-added, role-removed,
    // checkpoint-rolled-back, daemon-gone.
    std::string event;
    std::string role;          // empty for daemon-gone and checkpoint-rolled-back
    std::string property;      // the D-Bus property of a property event; empty otherwise
    nlohmann::json before;     // its value before (null when not known)
    nlohmann::json after;      // and now
    nlohmann::json properties; // role-added: every property of the new role (null otherwise)
    std::string message;       // for people, without the time and the role
    std::string checkpoint{};  // checkpoint-rolled-back: the checkpoint's object path
};

// A D-Bus value as JSON: strings, booleans, numbers and arrays of strings as themselves; a value of
// another type as the string "<D-Bus type SIGNATURE>".
nlohmann::json jsonOf(const sdbus::Variant &value);

// The events of one PropertiesChanged of role: one per property of changed whose value differs from
// the one in before (a property missing from before is new, and reported), ordered as the table of
// monitor_view.cpp, then properties without an entry by name.
std::vector<MonitorEvent> propertyEvents(EventTime time, const std::string &role, const PropertyMap &before,
                                         const PropertyMap &changed);
MonitorEvent roleAddedEvent(EventTime time, const std::string &role, const PropertyMap &properties);
MonitorEvent roleRemovedEvent(EventTime time, const std::string &role);
MonitorEvent daemonGoneEvent(EventTime time);
// CheckpointRolledBack of the manager: "checkpoint 3 rolled back: the policy before it is in force".
MonitorEvent checkpointRolledBackEvent(EventTime time, const std::string &path);

// time as RFC 3339 in local time with milliseconds: 2025-05-01T12:00:00.250+02:00.
std::string timestampText(EventTime time);
// "TIME ROLE: MESSAGE\n" ("TIME MESSAGE\n" without a role); control characters from the daemon are
// shown as \xNN, so an event is always one line.
std::string eventLine(const MonitorEvent &event);
// One JSON object and a newline: time, event, message, and role, property, old, new, properties,
// checkpoint where the event has them; keys in alphabetical order.
std::string eventJsonLine(const MonitorEvent &event);

} // namespace ifpinctl
