// Checks on single config values, kept apart from the TOML walk in config.cpp so each rule reads
// on its own. Every check answers with the message for the person editing the file, phrased
// "expected ..., got ...", or with nothing when the value is fine.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <sys/un.h>

#include "config/value_checks.hpp"
#include "core/logging.hpp"
#include "core/text.hpp"

namespace ifpin::value_checks {
namespace {

constexpr size_t maxRoleNameLength = 32;
constexpr size_t maxInterfaceNameLength = 15; // IFNAMSIZ less the terminating NUL
// sun_path less its terminating NUL.
constexpr size_t maxSocketPathLength = sizeof(sockaddr_un::sun_path) - 1;

bool isBareKeyCharacter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// The kernel's isspace(), which dev_valid_name() refuses.
bool isKernelSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool contains(std::string_view text, char c)
{
    return text.find(c) != std::string_view::npos;
}

std::string describeFamily(Family family)
{
    return family == Family::inet ? "an IPv4 address" : "an IPv6 address";
}

} // namespace

// Role names are typed on command lines and printed in logs, so they keep to an alphabet that
// needs no quoting anywhere.
std::optional<std::string> roleNameProblem(std::string_view name)
{
    if (!name.empty() && name.size() <= maxRoleNameLength &&
        std::all_of(name.begin(), name.end(), isBareKeyCharacter))
        return std::nullopt;
    return "invalid role name " + quote(name) +
           "; expected 1 to 32 characters from A-Z, a-z, 0-9, '_' and '-'";
}

// The rules of the kernel's dev_valid_name(), so a name we accept is one the kernel can have; and
// more: the name goes into the egress guard's nftables rule (`oifname != "NAME"`), where a '*'
// makes a wildcard ("m*" would let a socket out of media9) and '"' or '\\' would end or bend the
// string, and into log lines, where control bytes have no business. The kernel would take those; we
// refuse them, wherever the name comes from (the file, the state file, D-Bus).
std::optional<std::string> interfaceNameProblem(std::string_view name)
{
    std::string_view reason;
    if (name.empty())
        reason = "it is empty";
    else if (name.size() > maxInterfaceNameLength)
        reason = "it is longer than 15 bytes";
    else if (name == "." || name == "..")
        reason = "it is reserved";
    else if (contains(name, '/'))
        reason = "it contains '/'";
    else if (contains(name, ':'))
        reason = "it contains ':'";
    else if (std::any_of(name.begin(), name.end(), isKernelSpace))
        reason = "it contains whitespace";
    else if (contains(name, '\0'))
        reason = "it contains a NUL byte";
    else if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        reason = "it contains a control character";
    else if (contains(name, '*'))
        reason = "it contains '*', which nftables takes as a wildcard";
    else if (contains(name, '"') || contains(name, '\\'))
        reason = "it contains '\"' or '\\', which cannot stand in an nftables string";
    else
        return std::nullopt;
    std::string expected = "an interface name (1 to 15 bytes, no '/', ':' or whitespace, no control characters, "
                           "'*', '\"' or '\\', not \".\" or \"..\")";
    return "expected " + expected + ", got " + quote(name) + ": " + std::string(reason);
}

// Route priorities are u32 in netlink.
std::optional<std::string> metricProblem(int64_t metric)
{
    if (metric >= 0 && metric <= int64_t{UINT32_MAX})
        return std::nullopt;
    return "expected an integer between 0 and 4294967295, got " + std::to_string(metric);
}

bool isDecimal(std::string_view text)
{
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Table ids are u32 in netlink, and 0 means "unspecified" rather than a table.
std::optional<std::string> tableNumberProblem(int64_t table)
{
    if (table >= 1 && table <= int64_t{UINT32_MAX})
        return std::nullopt;
    return "expected a routing table number between 1 and 4294967295, got " + std::to_string(table);
}

std::optional<std::string> tableTextProblem(std::string_view text, const RoutingTableNames &tables)
{
    if (tables.resolve(text))
        return std::nullopt;
    if (isDecimal(text))
        return "expected a routing table number between 1 and 4294967295, got " + std::string(text);
    return "unknown routing table name " + quote(text) + "; expected a name from rt_tables or a number";
}

// A relative path would depend on the working directory the daemon happens to be started in.
std::optional<std::string> absolutePathProblem(std::string_view path)
{
    if (path.starts_with('/'))
        return std::nullopt;
    return "expected an absolute path, got " + quote(path);
}

std::optional<std::string> socketPathProblem(std::string_view path)
{
    if (auto problem = absolutePathProblem(path))
        return problem;
    if (path.size() <= maxSocketPathLength)
        return std::nullopt;
    return "expected a socket path of at most " + std::to_string(maxSocketPathLength) +
           " bytes (the size of sockaddr_un), got " + std::to_string(path.size()) + " bytes";
}

std::optional<std::string> logLevelProblem(std::string_view level)
{
    if (std::find(logLevelNames.begin(), logLevelNames.end(), level) != logLevelNames.end())
        return std::nullopt;
    return "expected one of: " + joined(logLevelNames) + "; got " + quote(level);
}

// A gateway must be a unicast address of the role's family: an address of the other family is
// the likeliest slip, so it gets its own words.
std::optional<std::string> gatewayProblem(Family family, std::string_view text)
{
    Family otherFamily = family == Family::inet ? Family::inet6 : Family::inet;
    auto address = IpAddress::parse(family, text);
    if (!address && IpAddress::parse(otherFamily, text))
        return "expected " + describeFamily(family) + ", got " + describeFamily(otherFamily) + " (" +
               std::string(text) + ")";
    if (!address)
        return "expected " + describeFamily(family) + ", got " + quote(text);
    std::string_view kind;
    if (address->isUnspecified())
        kind = "the unspecified address";
    else if (address->isMulticast())
        kind = "a multicast address";
    else if (address->isV4Mapped())
        kind = "an IPv4-mapped address";
    else if (address->isV4Compatible())
        kind = "a deprecated IPv4-compatible address";
    else if (address->isReservedForGateway())
        kind = "a reserved address";
    else
        return std::nullopt;
    std::string message = "expected a unicast gateway address, got " + std::string(kind) + " (" + address->toString() + ")";
    if (address->isV4Mapped() || address->isV4Compatible())
        message += "; an IPv4 gateway goes in gateway4";
    return message;
}

std::string allowListEntryDescription(std::string_view kind)
{
    return "a " + std::string(kind) + " name or a decimal " + std::string(kind) + " id";
}

// kind is "user" or "group".
std::optional<std::string> allowListEntryProblem(std::string_view kind, std::string_view entry,
                                                 std::span<const std::string> earlierEntries)
{
    if (entry.empty() || contains(entry, '\0'))
        return "expected " + allowListEntryDescription(kind) + ", got " + quote(entry);
    if (std::find(earlierEntries.begin(), earlierEntries.end(), entry) != earlierEntries.end())
        return "duplicate entry " + quote(entry) + "; each " + std::string(kind) + " may be listed once";
    return std::nullopt;
}

} // namespace ifpin::value_checks
