// What `ifpinctl status` shows, made from org.ifpin1.Role's properties alone: per role, the
// interface and its link state, the metric, the gateways (learned or configured), whether each
// family's default route is in place, the state, sockets served, restorations, packets the egress
// guard dropped, any foreign default route that outranks it, its return routing (reply table,
// rules and reply routes in place), its kernel pinning and its uplink health. A table for people,
// JSON for scripts (both formats are in docs/dbus-api.md). No bus here: status_command.cpp fetches the
// properties, and the unit tests (tests/unit/ifpinctl/) hand these functions properties of their own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sdbus-c++/sdbus-c++.h>

namespace ifpinctl {

struct FamilyView {
    std::string gateway; // empty when unknown or on-link
    bool learned = false;
    bool routeInPlace = false;

    bool operator==(const FamilyView &) const = default;
};

// Kernel pinning of a role (org.ifpin1.Role's Pin* properties).
struct PinningView {
    bool available = false;
    std::string program; // the pinned program's path, when available
    std::string problem; // why not, when not
    uint32_t processes = 0;
    uint64_t refused = 0; // sockets refused while the role's interface was missing

    bool operator==(const PinningView &) const = default;
};

// One probe target of a role's health checks (org.ifpin1.Role's HealthDetails).
struct HealthTargetView {
    std::string family; // "inet" or "inet6"
    std::string target;
    std::string status;     // up, down, unknown
    std::string lastResult; // ok, timeout, refused, unreachable, error; none before the first
    std::string detail;
    uint64_t rttMicroseconds = 0; // of the last success; 0 when none was measured
    uint32_t failuresInRow = 0;
    uint32_t successesInRow = 0;

    bool operator==(const HealthTargetView &) const = default;
};

// Uplink health of a role (Health, Demoted, HealthDetails). states is empty for a role without
// health checks.
struct HealthView {
    std::map<std::string, std::string> states; // family -> healthy, degraded, down, unknown
    std::vector<std::string> demoted;           // families whose routes are demoted now
    std::vector<HealthTargetView> targets;

    bool operator==(const HealthView &) const = default;
};

struct RoleView {
    std::string name;
    std::string interface;
    std::string linkState;
    uint32_t metric = 0;
    std::string state;
    std::string stateReason; // why no-gateway; empty otherwise (or from an ifpind without it)
    FamilyView inet;
    FamilyView inet6;
    uint64_t socketsServed = 0;
    uint64_t requestsDenied = 0;
    uint64_t restorations = 0;
    uint64_t egressDropped = 0; // packets of the role's sockets the egress guard dropped
    std::vector<std::string> outrankedBy;
    std::optional<PinningView> pinning; // absent when ifpind did not send PinAvailable (an older ifpind)
    bool returnRouting = false;
    uint32_t replyTable = 0;
    std::vector<std::string> replyRules4; // ReplyRules4: "32002: from 198.51.100.2 lookup 1002 proto 241"
    std::vector<std::string> replyRules6;
    bool replyRoute4InPlace = false;
    bool replyRoute6InPlace = false;
    std::optional<HealthView> health;   // absent when ifpind did not send Health (an older ifpind)

    bool operator==(const RoleView &) const = default;
};

// What State and LinkState show when ifpind did not send them: none of ifpind's values, and
// documented as ifpinctl's own in docs/dbus-api.md and ifpinctl(1).
inline constexpr const char *notSent = "unknown";

// Where roleViewFrom reports a property that came with a D-Bus type other than the one
// dbus/org.ifpin1.Role.xml gives it: one line on the stream per property name, naming the property,
// the role it was first seen on and the type found. A later role with the same mismatch (every role,
// when ifpind is of another version) adds nothing.
class PropertyTypeWarnings {
public:
    explicit PropertyTypeWarnings(std::ostream &out) : out_(out) {}

    void unexpectedType(const std::string &role, const std::string &property, const std::string &expected,
                        const std::string &found);

private:
    std::ostream &out_;
    std::set<std::string> warned_;
};

// From org.ifpin1.Role's properties (Properties.GetAll). A property that is missing keeps its default
// (notSent for State and LinkState); so does one of another type, after a word to warnings.
RoleView roleViewFrom(const std::string &name, const std::map<std::string, sdbus::Variant> &properties,
                      PropertyTypeWarnings &warnings);
nlohmann::json statusJson(const std::vector<RoleView> &roles, const std::string &version);
// What `ifpinctl status --json` prints: statusJson indented by 2, keys in alphabetical order, and a newline.
std::string statusJsonText(const std::vector<RoleView> &roles, const std::string &version);
// What `ifpinctl status` prints: a header and a line per role, columns two spaces apart (RETURN:
// "off", or the reply table and how many rules of the role's are in place), then a line per route
// that outranks a role, then a line per role about its kernel pinning (when ifpind sent it), then a
// line per role and family with health checks; "no roles configured" when there are none.
std::string statusTable(const std::vector<RoleView> &roles);

} // namespace ifpinctl
