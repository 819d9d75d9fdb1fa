// Reading ifpind.toml: the TOML walk over the schema, and the file itself. Checks on single
// values (names, paths, numbers) live in value_checks.cpp.
#include "config/config.hpp"

#include <algorithm>
#include <array>

#include <toml++/toml.h>

#include "config/health_section.hpp"
#include "config/return_routing.hpp"
#include "config/role_clash.hpp"
#include "config/toml_reader.hpp"
#include "core/text.hpp"
#include "config/value_checks.hpp"
#include "core/small_file.hpp"

#if !TOML_EXCEPTIONS
#error "config.cpp relies on toml::parse throwing toml::parse_error"
#endif

namespace ifpin {

namespace {

using namespace value_checks;
using namespace toml_reader;

constexpr std::array<std::string_view, 2> topLevelKeys{"daemon", "role"};
constexpr std::array<std::string_view, 8> daemonKeys{
    "socket", "state_directory", "table", "remove_routes_on_exit", "log_level", "admin_group", "main_rule_priority",
    "keep_learned_gateways"};
constexpr std::array<std::string_view, 10> roleKeys{
    "interface",    "metric",         "gateway4",    "gateway6",       "allow_users",
    "allow_groups", "return_routing", "reply_table", "reply_priority", "health"};

// A config file is a few hundred bytes; the limit keeps a wrong path (a log, a device) harmless.
constexpr size_t maxConfigFileSize = 1024 * 1024;

// A routing table may be a name, a number, or a number written as a string: its number and the
// name to show (as written for a name; a number by its name when rt_tables gives it one).
std::optional<std::pair<uint32_t, std::string>> readTable(const TableReader &reader, std::string_view key,
                                                          const RoutingTableNames &tables)
{
    const toml::node *node = reader.find(key);
    if (!node)
        return std::nullopt;
    if (const auto *number = node->as_integer()) {
        if (reader.check(key, tableNumberProblem(number->get()))) {
            auto table = static_cast<uint32_t>(number->get());
            return std::pair{table, tables.nameOf(table)};
        }
    } else if (node->is_string()) {
        auto text = reader.validString(key, Presence::optional,
                                       [&tables](std::string_view t) { return tableTextProblem(t, tables); });
        if (text) {
            uint32_t table = tables.resolve(*text).value();
            return std::pair{table, isDecimal(*text) ? tables.nameOf(table) : *text};
        }
    } else {
        reader.report(key, typeMismatch("a routing table name or number", node->type()));
    }
    return std::nullopt;
}

void readRoutingTable(const TableReader &reader, const RoutingTableNames &tables, DaemonConfig &daemon)
{
    if (auto table = readTable(reader, "table", tables))
        std::tie(daemon.table, daemon.tableName) = *table;
}

DaemonConfig parseDaemon(const toml::node *node, const RoutingTableNames &tables, ErrorList &errors)
{
    DaemonConfig daemon;
    if (!node)
        return daemon; // every daemon setting has a default
    const toml::table *table = node->as_table();
    if (!table) {
        errors.add(*node, "daemon", typeMismatch("a table", node->type()));
        return daemon;
    }
    TableReader reader(*table, "daemon", errors);
    reader.rejectUnknownKeys(daemonKeys);
    if (auto socket = reader.validString("socket", Presence::optional, socketPathProblem))
        daemon.socketPath = *socket;
    if (auto directory = reader.validString("state_directory", Presence::optional, absolutePathProblem))
        daemon.stateDirectory = *directory;
    readRoutingTable(reader, tables, daemon);
    if (auto remove = reader.boolean("remove_routes_on_exit"))
        daemon.removeRoutesOnExit = *remove;
    if (auto keep = reader.boolean("keep_learned_gateways"))
        daemon.keepLearnedGateways = *keep;
    if (auto level = reader.validString("log_level", Presence::optional, logLevelProblem))
        daemon.logLevel = *level;
    auto groupProblem = [](std::string_view group) { return allowListEntryProblem("group", group, {}); };
    if (auto group = reader.validString("admin_group", Presence::optional, groupProblem))
        daemon.adminGroup = *group;
    if (auto priority = reader.integer("main_rule_priority", Presence::optional);
        priority && reader.check("main_rule_priority", return_routing::rulePriorityProblem(*priority)))
        daemon.mainRulePriority = static_cast<uint32_t>(*priority);
    return daemon;
}

// The roles read so far whose interface, or whose metric, was valid: a later role's value is checked
// against those (config/role_clash.hpp), so an invalid value never clashes.
struct ClaimedValues {
    std::vector<RoleConfig> interfaces;
    std::vector<RoleConfig> metrics;

    void claim(RoleField field, const RoleConfig &role, const TableReader &reader)
    {
        auto &holders = field == RoleField::metric ? metrics : interfaces;
        if (const RoleConfig *holder = clashingRole(holders, role, field)) {
            if (field == RoleField::metric && clashesByDemotedMetric(role, *holder))
                reportAtDemotion(reader, clashMessage(field, role, *holder));
            else
                reader.report(field == RoleField::metric ? "metric" : "interface", clashMessage(field, role, *holder));
        }
        holders.push_back(role);
    }

    // A demoted metric is the health table's: at its demote_by, or at the on_down that demotes by
    // the default.
    static void reportAtDemotion(const TableReader &reader, std::string message)
    {
        const toml::table &health = *reader.find("health")->as_table(); // a role that demotes has one
        const char *key = health.get("demote_by") ? "demote_by" : "on_down";
        reader.errors().add(*health.get(key), reader.keyPath("health") + "." + key, std::move(message));
    }
};

std::optional<uint32_t> readMetric(const TableReader &reader)
{
    auto metric = reader.integer("metric", Presence::required);
    if (!metric || !reader.check("metric", metricProblem(*metric)))
        return std::nullopt;
    return static_cast<uint32_t>(*metric);
}

// The metric again, without reporting (readMetric has): the health section checks its demoted metric.
std::optional<uint32_t> readMetricQuietly(const TableReader &reader)
{
    const toml::node *node = reader.find("metric");
    const auto *metric = node ? node->as_integer() : nullptr;
    if (!metric || value_checks::metricProblem(metric->get()))
        return std::nullopt;
    return static_cast<uint32_t>(metric->get());
}

std::optional<IpAddress> readGateway(const TableReader &reader, std::string_view key, Family family)
{
    auto text = reader.validString(key, Presence::optional,
                                   [family](std::string_view t) { return gatewayProblem(family, t); });
    return text ? IpAddress::parse(family, *text) : std::nullopt;
}

// allow_users / allow_groups: names or decimal ids, each at most once.
std::vector<std::string> readNameList(const TableReader &reader, std::string_view key, std::string_view kind)
{
    const toml::node *node =
        reader.findOfType(key, Presence::optional, toml::node_type::array, "an array of strings");
    if (!node)
        return {};
    std::vector<std::string> names;
    const toml::array &entries = *node->as_array();
    for (size_t index = 0; index < entries.size(); ++index) {
        const toml::node &entry = *entries.get(index);
        std::string entryKey = reader.keyPath(key) + "[" + std::to_string(index) + "]";
        const auto *name = entry.as_string();
        if (!name) {
            std::string expected = "a string (" + allowListEntryDescription(kind) + ")";
            reader.errors().add(entry, entryKey, typeMismatch(expected, entry.type()));
        } else if (auto problem = allowListEntryProblem(kind, name->get(), names)) {
            reader.errors().add(entry, entryKey, *problem);
        } else {
            names.push_back(name->get());
        }
    }
    return names;
}

// A role's return routing keys as the file gives them; what is absent takes the role's defaults
// once every role is known (resolveReturnRouting).
struct GivenReplyKeys {
    std::optional<uint32_t> table;
    std::optional<uint32_t> priority;
};

GivenReplyKeys readReturnRouting(const TableReader &reader, const RoutingTableNames &tables, RoleConfig &role)
{
    role.returnRouting = reader.boolean("return_routing").value_or(true);
    GivenReplyKeys given;
    if (auto table = readTable(reader, "reply_table", tables))
        given.table = table->first;
    if (auto priority = reader.integer("reply_priority", Presence::optional);
        priority && reader.check("reply_priority", return_routing::rulePriorityProblem(*priority)))
        given.priority = static_cast<uint32_t>(*priority);
    return given;
}

RoleConfig parseRole(const std::string &name, const TableReader &reader, ClaimedValues &claimed)
{
    reader.rejectUnknownKeys(roleKeys);
    RoleConfig role;
    role.name = name;
    if (auto interface = reader.validString("interface", Presence::required, interfaceNameProblem)) {
        role.interface = *interface;
        claimed.claim(RoleField::interface, role, reader);
    }
    auto metric = readMetric(reader);
    if (metric)
        role.metric = *metric;
    role.gateway4 = readGateway(reader, "gateway4", Family::inet);
    role.gateway6 = readGateway(reader, "gateway6", Family::inet6);
    role.allowUsers = readNameList(reader, "allow_users", "user");
    role.allowGroups = readNameList(reader, "allow_groups", "group");
    bool healthValid = true;
    if (const toml::node *health = reader.find("health")) {
        auto quietMetric = readMetricQuietly(reader);
        size_t errorsBefore = reader.errors().size();
        role.health = readHealthSection(*health, reader.keyPath("health"), quietMetric, reader.errors());
        healthValid = reader.errors().size() == errorsBefore;
    }
    // After the health table, whose demoted metric is claimed with the metric; an invalid table's
    // demote_by is not known, so only the metric is.
    if (metric) {
        RoleConfig claimedRole = role;
        if (!healthValid)
            claimedRole.health.reset();
        claimed.claim(RoleField::metric, claimedRole, reader);
    }
    return role;
}

// toml++ keeps a table's keys sorted by name; the file's order is the one people expect to see.
std::vector<std::pair<std::string, const toml::node *>> inFileOrder(const toml::table &table)
{
    std::vector<std::pair<std::string, const toml::node *>> entries;
    for (const auto &[key, value] : table)
        entries.emplace_back(std::string(key.str()), &value);
    std::stable_sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
        const auto &first = a.second->source().begin;
        const auto &second = b.second->source().begin;
        return std::tie(first.line, first.column) < std::tie(second.line, second.column);
    });
    return entries;
}

// Each role's reply table and priority: the file's, or the default of the role's position; then
// what each must not be (a table of the kernel's or the managed one, a priority before the main
// rule) and the values two roles with return routing must not share.
void resolveReturnRouting(std::vector<RoleConfig> &roles, const std::vector<TableReader> &readers,
                          const std::vector<GivenReplyKeys> &given, const DaemonConfig &daemon)
{
    using namespace return_routing;
    std::vector<bool> tableValid(roles.size()), priorityValid(roles.size());
    for (size_t i = 0; i < roles.size(); ++i) {
        RoleConfig &role = roles[i];
        const TableReader &reader = readers[i];
        auto said = [](bool byFile, const std::string &problem) {
            return byFile ? problem : "the default of the role's position in the file: " + problem;
        };
        role.replyTable = given[i].table.value_or(defaultReplyTable(i + 1));
        role.replyPriority = given[i].priority.value_or(defaultReplyPriority(daemon.mainRulePriority, i + 1));
        if (!role.returnRouting) // its numbers are not used, so they are not checked
            continue;
        if (auto problem = replyTableProblem(role.replyTable, daemon))
            reader.report("reply_table", said(given[i].table.has_value(), *problem));
        else
            tableValid[i] = true;
        if (auto problem = replyPriorityProblem(role.replyPriority, daemon))
            reader.report("reply_priority", said(given[i].priority.has_value(), *problem));
        else
            priorityValid[i] = true;
    }
    // Only valid values are claimed, so an invalid one never clashes.
    std::vector<RoleConfig> tables, priorities;
    for (size_t i = 0; i < roles.size(); ++i) {
        if (tableValid[i]) {
            if (const RoleConfig *holder = clashingReplyRole(tables, roles[i], ReplyField::table))
                readers[i].report("reply_table", replyClashMessage(ReplyField::table, roles[i], *holder));
            tables.push_back(roles[i]);
        }
        if (priorityValid[i]) {
            if (const RoleConfig *holder = clashingReplyRole(priorities, roles[i], ReplyField::priority))
                readers[i].report("reply_priority", replyClashMessage(ReplyField::priority, roles[i], *holder));
            priorities.push_back(roles[i]);
        }
    }
}

std::vector<RoleConfig> parseRoles(const toml::node &node, const RoutingTableNames &tableNames,
                                   const DaemonConfig &daemon, ErrorList &errors)
{
    const toml::table *roles = node.as_table();
    if (!roles) {
        errors.add(node, "role", typeMismatch("a table of roles ([role.NAME] sections)", node.type()));
        return {};
    }
    std::vector<RoleConfig> result;
    std::vector<TableReader> readers;
    std::vector<GivenReplyKeys> given;
    ClaimedValues claimed;
    for (const auto &[name, roleNode] : inFileOrder(*roles)) {
        std::string path = "role." + tomlKeySegment(name);
        if (auto problem = roleNameProblem(name))
            errors.add(*roleNode, path, *problem);
        const toml::table *table = roleNode->as_table();
        if (!table) {
            errors.add(*roleNode, path, typeMismatch("a table", roleNode->type()));
            continue;
        }
        readers.emplace_back(*table, path, errors);
        result.push_back(parseRole(name, readers.back(), claimed));
        given.push_back(readReturnRouting(readers.back(), tableNames, result.back()));
    }
    resolveReturnRouting(result, readers, given, daemon);
    return result;
}

Config parseDocument(const toml::table &root, const RoutingTableNames &tables, ErrorList &errors)
{
    TableReader(root, "", errors).rejectUnknownKeys(topLevelKeys);
    Config config;
    config.daemon = parseDaemon(root.get("daemon"), tables, errors);
    if (const toml::node *roles = root.get("role"))
        config.roles = parseRoles(*roles, tables, config.daemon, errors);
    return config;
}

uint32_t lineAtOffset(std::string_view text, size_t offset)
{
    return 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

} // namespace

const RoleConfig *Config::findRole(std::string_view name) const
{
    auto found = std::find_if(roles.begin(), roles.end(),
                              [name](const RoleConfig &role) { return role.name == name; });
    return found == roles.end() ? nullptr : &*found;
}

std::string ConfigError::toString() const
{
    std::string text = source;
    if (line != 0)
        text += ":" + std::to_string(line);
    text += ": ";
    if (!key.empty())
        text += key + ": ";
    return text + message;
}

ConfigResult parseConfig(std::string_view text, std::string_view sourceName, const RoutingTableNames &tables)
{
    ErrorList errors(sourceName);
    try {
        // toml++ would complain about a control character; saying "not text" is more helpful.
        if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
            errors.add(lineAtOffset(text, nul), "", "contains a NUL byte; expected a text file");
            return {std::nullopt, errors.take(), {}};
        }
        // An empty file is what a write cut short leaves (a full disk, a crashed editor, `>` instead
        // of `>>`). Taken as "no roles" at a reload it would remove every route ifpind manages.
        if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
            errors.add(0, "", "the file is empty; a configuration that manages nothing says so in a comment");
            return {std::nullopt, errors.take(), {}};
        }
        toml::table root = toml::parse(text, sourceName);
        Config config = parseDocument(root, tables, errors);
        if (errors.empty())
            return {std::move(config), {}, {}};
    } catch (const toml::parse_error &error) {
        errors.add(error.source().begin.line, "", escaped(error.description())); // may quote the file
    } catch (const std::exception &error) {
        errors.add(0, "", std::string("cannot parse: ") + error.what());
    } catch (...) {
        errors.add(0, "", "cannot parse: unknown failure");
    }
    return {std::nullopt, errors.take(), {}};
}

ConfigResult loadConfigFile(const std::string &path, const RoutingTableNames &tables)
{
    try {
        if (auto text = readSmallFile(path, maxConfigFileSize)) {
            ConfigResult result = parseConfig(*text, path, tables);
            result.text = std::move(*text);
            return result;
        }
        return {std::nullopt, {ConfigError{path, 0, "", "cannot read " + path + ": No such file or directory"}}, {}};
    } catch (const FileReadError &error) {
        // The error's line names the file already.
        bool tooLarge = error.kind() == FileReadError::Kind::tooLarge;
        return {std::nullopt, {ConfigError{path, 0, "", tooLarge ? error.reason() : error.what()}}, {}};
    } catch (const std::exception &error) {
        return {std::nullopt, {ConfigError{path, 0, "", std::string("cannot read: ") + error.what()}}, {}};
    }
}

} // namespace ifpin
