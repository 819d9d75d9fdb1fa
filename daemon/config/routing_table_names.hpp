// Routing table names as iproute2 knows them ("main" = 254), so the config may say either.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ifpin {

class RoutingTableNames {
public:
    // The kernel's built-in names only: unspec 0, default 253, main 254, local 255.
    RoutingTableNames();

    // Built-in names plus /etc/iproute2/rt_tables, /etc/iproute2/rt_tables.d/*.conf and the
    // /usr/share/iproute2 equivalents where present. Unreadable files are skipped.
    static RoutingTableNames loadSystem();

    // Adds the "NUMBER NAME" lines of one rt_tables file; '#' starts a comment, bad lines are ignored.
    void addFromText(std::string_view text);

    // A decimal number 1..4294967295 or a known name. Table 0 (unspec) is never a valid choice.
    std::optional<uint32_t> resolve(std::string_view nameOrNumber) const;

    // The name for a number, or the number in decimal.
    std::string nameOf(uint32_t table) const;

private:
    std::map<std::string, uint32_t, std::less<>> byName_;
};

} // namespace ifpin
