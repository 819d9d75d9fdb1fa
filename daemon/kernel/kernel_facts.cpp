#include "kernel/kernel_facts.hpp"

#include <linux/if.h>

#include <spdlog/fmt/fmt.h>

namespace ifpin {

std::string describe(const RouteFact &route, std::string_view device)
{
    return fmt::format("default{} dev {} metric {} proto {}",
                       route.gateway ? " via " + route.gateway->toString() : std::string(), device, route.metric,
                       route.protocol);
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
