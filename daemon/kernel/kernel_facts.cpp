#include "kernel/kernel_facts.hpp"

#include <linux/if.h>

#include <spdlog/fmt/fmt.h>

namespace ifpin {

std::string describe(const RouteFact &route)
{
    std::string text = "default";
    if (route.gateway)
        text += fmt::format(" via {}", route.gateway->toString());
    text += fmt::format(" dev#{} metric {} proto {} table {}", route.ifindex, route.metric,
                        route.protocol, route.table);
    if (route.multipath)
        text += " (multipath)";
    return text;
}

bool LinkFact::adminUp() const
{
    return flags & IFF_UP;
}

bool LinkFact::hasCarrier() const
{
    return flags & IFF_LOWER_UP;
}

} // namespace ifpin
