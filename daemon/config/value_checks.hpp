// Checks on single configuration values, wherever they come from: the file (config.cpp), the state
// file (runtime_overrides.cpp) and D-Bus (bus/).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/ip_address.hpp"
#include "config/routing_table_names.hpp"

namespace ifpin {

// Each returns what is wrong with a value, as "expected ...,
// got ..." for the person editing the file, or nothing when the value is fine.
namespace value_checks {
std::optional<std::string> roleNameProblem(std::string_view name);
std::optional<std::string> interfaceNameProblem(std::string_view name);
std::optional<std::string> metricProblem(int64_t metric);
bool isDecimal(std::string_view text);
std::optional<std::string> tableNumberProblem(int64_t table);
std::optional<std::string> tableTextProblem(std::string_view text, const RoutingTableNames &tables);
std::optional<std::string> absolutePathProblem(std::string_view path);
std::optional<std::string> socketPathProblem(std::string_view path);
std::optional<std::string> logLevelProblem(std::string_view level);
std::optional<std::string> gatewayProblem(Family family, std::string_view text);
std::string allowListEntryDescription(std::string_view kind);
std::optional<std::string> allowListEntryProblem(std::string_view kind, std::string_view entry,
                                                 std::span<const std::string> earlierEntries);
} // namespace value_checks

} // namespace ifpin
