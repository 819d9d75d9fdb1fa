// libFuzzer target: the runtime state file's parser (overridesFromJson, daemon/config/runtime_overrides.cpp)
// on arbitrary text. What it takes from a file must survive a round trip through overridesToJson.
#include "config/runtime_overrides.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view text(reinterpret_cast<const char *>(data), size);
    auto parsed = ifpin::overridesFromJson(text);
    if (parsed.unusable)
        return 0;
    for (const auto &[name, override] : parsed.overrides)
        (void)ifpin::describeOverride(override);
    auto again = ifpin::overridesFromJson(ifpin::overridesToJson(parsed.overrides));
    if (again.unusable || again.overrides != parsed.overrides)
        std::abort();
    return 0;
}
