// The [role.NAME.health] table of ifpind.toml read into a HealthConfig, every problem located by
// file, line and key (the TOML walk of the rest of the file is config.cpp's).
#pragma once

#include <optional>

#include <toml++/toml.h>

#include "config/health_config.hpp"
#include "config/toml_reader.hpp"

namespace ifpin {

// node: the role's "health" value; roleMetric: the role's metric when it was valid, so that the
// demoted metric can be checked against the largest one.
std::optional<HealthConfig> readHealthSection(const toml::node &node, const std::string &path,
                                              std::optional<uint32_t> roleMetric, toml_reader::ErrorList &errors);

} // namespace ifpin
