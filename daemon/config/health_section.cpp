// [role.NAME.health]: each key checked on its own, then against the method (a key the method has no
// use for is refused rather than ignored, as an unknown key is).
#include "config/health_section.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/text.hpp"

namespace ifpin {

namespace {

using namespace toml_reader;

constexpr std::array<std::string_view, 8> healthKeys{"method",   "targets", "interval", "timeout",
                                                     "down_after", "up_after", "on_down", "demote_by"};
constexpr size_t maxTargets = 16;
constexpr double minIntervalSeconds = 0.1;
constexpr double maxIntervalSeconds = 3600;
constexpr double minTimeoutSeconds = 0.01;
constexpr int64_t maxThreshold = 100;

std::optional<HealthMethod> methodFromName(std::string_view name)
{
    if (name == "neighbour")
        return HealthMethod::neighbour;
    if (name == "icmp")
        return HealthMethod::icmp;
    if (name == "tcp")
        return HealthMethod::tcp;
    return std::nullopt;
}

std::optional<std::string> addressProblem(const IpAddress &address)
{
    std::string_view kind;
    if (address.isUnspecified())
        kind = "the unspecified address";
    else if (address.isMulticast())
        kind = "a multicast address";
    else if (address.isReservedForGateway())
        kind = "a reserved address";
    else
        return std::nullopt;
    return "expected a unicast address, got " + std::string(kind) + " (" + address.toString() + ")";
}

// "ADDRESS" for neighbour and icmp; "ADDRESS:PORT" or "[IPV6]:PORT" for tcp.
struct ParsedTarget {
    std::optional<HealthTarget> target;
    std::string problem;
};

ParsedTarget parseTarget(HealthMethod method, std::string_view text)
{
    if (method != HealthMethod::tcp) {
        auto address = IpAddress::parse(text);
        if (!address) {
            bool hasPort = text.starts_with('[') || (text.find(':') != std::string_view::npos &&
                                                     text.find(':') == text.rfind(':'));
            return {std::nullopt, "expected an IPv4 or IPv6 address, got " + quote(text) +
                                      (hasPort ? " (a port is for method \"tcp\")" : "")};
        }
        if (auto problem = addressProblem(*address))
            return {std::nullopt, *problem};
        return {HealthTarget{*address, 0}, {}};
    }
    const std::string expected = "expected ADDRESS:PORT (an IPv6 address in brackets: [2001:db8::1]:443), got " + quote(text);
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return {std::nullopt, expected};
    std::string_view host = text.substr(0, colon);
    std::string_view portText = text.substr(colon + 1);
    std::optional<IpAddress> address;
    if (host.starts_with('[') && host.ends_with(']'))
        address = IpAddress::parse(Family::inet6, host.substr(1, host.size() - 2));
    else
        address = IpAddress::parse(Family::inet, host);
    unsigned port = 0;
    auto [end, error] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (!address || portText.empty() || error != std::errc() || end != portText.data() + portText.size())
        return {std::nullopt, expected};
    if (port < 1 || port > 65535)
        return {std::nullopt, "expected a port between 1 and 65535, got " + std::string(portText) + " in " + quote(text)};
    if (auto problem = addressProblem(*address))
        return {std::nullopt, *problem};
    return {HealthTarget{*address, static_cast<uint16_t>(port)}, {}};
}

std::vector<HealthTarget> readTargets(const TableReader &reader, HealthMethod method)
{
    const toml::node *node = reader.findOfType("targets", Presence::optional, toml::node_type::array,
                                               "an array of strings");
    if (!node) {
        if (method == HealthMethod::tcp && !reader.find("targets"))
            reader.report("targets", "required with method \"tcp\"; expected an array of \"ADDRESS:PORT\" strings "
                                     "(the gateway is the default of the other methods only)");
        return {};
    }
    const toml::array &entries = *node->as_array();
    if (entries.empty())
        reader.report("targets", "expected at least one target (leave the key out to probe the role's gateway)");
    if (entries.size() > maxTargets)
        reader.report("targets", "expected at most " + std::to_string(maxTargets) + " targets, got " +
                                     std::to_string(entries.size()));
    std::vector<HealthTarget> targets;
    for (size_t index = 0; index < entries.size() && index < maxTargets; ++index) {
        const toml::node &entry = *entries.get(index);
        std::string entryKey = reader.keyPath("targets") + "[" + std::to_string(index) + "]";
        const auto *text = entry.as_string();
        if (!text) {
            reader.errors().add(entry, entryKey, typeMismatch("a string", entry.type()));
            continue;
        }
        ParsedTarget parsed = text->get().find('\0') == std::string::npos
                                  ? parseTarget(method, text->get())
                                  : ParsedTarget{std::nullopt, "expected text without NUL characters"};
        if (!parsed.target) {
            reader.errors().add(entry, entryKey, parsed.problem);
        } else if (std::find(targets.begin(), targets.end(), *parsed.target) != targets.end()) {
            reader.errors().add(entry, entryKey, "duplicate target " + quote(text->get()) + "; each may be listed once");
        } else {
            targets.push_back(*parsed.target);
        }
    }
    return targets;
}

// Seconds as an integer or a float (0.5), within [min, max]; milliseconds.
std::optional<std::chrono::milliseconds> readSeconds(const TableReader &reader, std::string_view key, double min,
                                                     double max)
{
    const toml::node *node = reader.find(key);
    if (!node)
        return std::nullopt;
    double seconds = 0;
    if (const auto *integer = node->as_integer())
        seconds = static_cast<double>(integer->get());
    else if (const auto *floating = node->as_floating_point())
        seconds = floating->get();
    else {
        reader.report(key, typeMismatch("a number of seconds", node->type()));
        return std::nullopt;
    }
    auto format = [](double value) {
        std::string text = std::to_string(value);
        text.erase(text.find_last_not_of('0') + 1);
        if (text.ends_with('.'))
            text.pop_back();
        return text;
    };
    if (!std::isfinite(seconds) || seconds < min || seconds > max) {
        reader.report(key, "expected a number of seconds from " + format(min) + " to " + format(max) + ", got " +
                               (std::isfinite(seconds) ? format(seconds) : std::string("a number that is not finite")));
        return std::nullopt;
    }
    return std::chrono::milliseconds(std::llround(seconds * 1000));
}

std::optional<uint32_t> readCount(const TableReader &reader, std::string_view key)
{
    auto value = reader.integer(key, Presence::optional);
    if (!value)
        return std::nullopt;
    if (*value < 1 || *value > maxThreshold) {
        reader.report(key, "expected an integer from 1 to " + std::to_string(maxThreshold) + ", got " +
                               std::to_string(*value));
        return std::nullopt;
    }
    return static_cast<uint32_t>(*value);
}

// demote_by means something with on_down = "demote" only; metric + demote_by must be a metric.
void readDemoteBy(const TableReader &reader, bool actionValid, std::optional<uint32_t> roleMetric,
                  HealthConfig &health)
{
    auto tooLarge = [&](uint64_t demoteBy) {
        return "metric " + std::to_string(*roleMetric) + " + demote_by " + std::to_string(demoteBy) +
               " is larger than the largest metric, 4294967295";
    };
    if (!reader.find("demote_by")) {
        if (health.onDown == HealthAction::demote && roleMetric &&
            uint64_t{*roleMetric} + health.demoteBy > UINT32_MAX)
            reader.report("on_down", tooLarge(health.demoteBy) + " (20000 is the default; set demote_by)");
        return;
    }
    if (health.onDown != HealthAction::demote) {
        if (actionValid) // an invalid on_down has its own error already
            reader.report("demote_by", std::string("only used with on_down = \"demote\"") +
                                           (reader.find("on_down") ? "" : " (on_down is \"report\" when left out)"));
        return;
    }
    auto demoteBy = reader.integer("demote_by", Presence::optional);
    if (!demoteBy)
        return;
    if (*demoteBy < 1 || *demoteBy > int64_t{UINT32_MAX})
        reader.report("demote_by", "expected an integer between 1 and 4294967295, got " + std::to_string(*demoteBy));
    else if (roleMetric && uint64_t{*roleMetric} + static_cast<uint64_t>(*demoteBy) > UINT32_MAX)
        reader.report("demote_by", tooLarge(static_cast<uint64_t>(*demoteBy)));
    else
        health.demoteBy = static_cast<uint32_t>(*demoteBy);
}

} // namespace

std::optional<HealthConfig> readHealthSection(const toml::node &node, const std::string &path,
                                              std::optional<uint32_t> roleMetric, ErrorList &errors)
{
    const toml::table *table = node.as_table();
    if (!table) {
        errors.add(node, path, typeMismatch("a table ([" + path + "] with method, targets, interval, ...)", node.type()));
        return std::nullopt;
    }
    TableReader reader(*table, path, errors);
    reader.rejectUnknownKeys(healthKeys);
    HealthConfig health;
    auto methodProblem = [](std::string_view name) -> std::optional<std::string> {
        if (methodFromName(name))
            return std::nullopt;
        return "expected one of: neighbour, icmp, tcp; got " + quote(name);
    };
    auto method = reader.validString("method", Presence::required, methodProblem);
    if (method)
        health.method = *methodFromName(*method);
    // Targets make sense only for a known method: "tcp" wants ports, the others do not.
    if (method)
        health.targets = readTargets(reader, health.method);

    if (auto interval = readSeconds(reader, "interval", minIntervalSeconds, maxIntervalSeconds))
        health.interval = *interval;
    health.timeout = std::min(health.timeout, health.interval);
    if (reader.find("timeout") && method && health.method == HealthMethod::neighbour) {
        reader.report("timeout", "not used by method \"neighbour\": the kernel's neighbour timers decide how long "
                                 "an answer may take");
    } else if (auto timeout = readSeconds(reader, "timeout", minTimeoutSeconds, maxIntervalSeconds)) {
        if (*timeout > health.interval)
            reader.report("timeout", "expected at most the interval (" + std::to_string(health.interval.count()) +
                                         " ms), got " + std::to_string(timeout->count()) + " ms");
        else
            health.timeout = *timeout;
    }
    if (auto down = readCount(reader, "down_after"))
        health.downAfter = *down;
    if (auto up = readCount(reader, "up_after"))
        health.upAfter = *up;

    auto actionProblem = [](std::string_view name) -> std::optional<std::string> {
        if (name == "report" || name == "demote")
            return std::nullopt;
        return "expected \"report\" or \"demote\", got " + quote(name);
    };
    bool actionValid = !reader.find("on_down");
    if (auto action = reader.validString("on_down", Presence::optional, actionProblem)) {
        health.onDown = *action == "demote" ? HealthAction::demote : HealthAction::report;
        actionValid = true;
    }
    readDemoteBy(reader, actionValid, roleMetric, health);
    return health;
}

} // namespace ifpin
