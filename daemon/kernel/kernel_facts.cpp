#include "kernel/kernel_facts.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>

#include <spdlog/fmt/fmt.h>

namespace ifpin {

std::string describe(const RouteFact &route, std::string_view device)
{
    return fmt::format("default{} dev {} metric {} proto {}",
                       route.gateway ? " via " + route.gateway->toString() : std::string(), device, route.metric,
                       route.protocol);
}

bool AddressFact::usable() const
{
    if (flags & IFA_F_DADFAILED)
        return false;
    return !(flags & IFA_F_TENTATIVE) || (flags & IFA_F_OPTIMISTIC);
}

std::string describe(const RuleFact &rule)
{
    std::string text = fmt::format("{}: from {} lookup {}", rule.priority,
                                   rule.source ? rule.source->toString() : "all", rule.table);
    if (rule.suppressPrefixLength)
        text += fmt::format(" suppress_prefixlength {}", *rule.suppressPrefixLength);
    return text + fmt::format(" proto {}", rule.protocol);
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
