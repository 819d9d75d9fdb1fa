// libFuzzer target: parseConfig (daemon/config/config.cpp, value_checks.cpp) on arbitrary text, with
// iproute2's default table names.
#include "config/config.hpp"
#include "config/routing_table_names.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ifpin::RoutingTableNames tables;
    std::string_view text(reinterpret_cast<const char *>(data), size);
    auto result = ifpin::parseConfig(text, "fuzz.toml", tables);
    for (const auto &error : result.errors)
        (void)error.toString();
    return 0;
}
