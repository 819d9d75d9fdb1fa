#include "config/health_config.hpp"

namespace ifpin {

std::string_view healthMethodName(HealthMethod method)
{
    switch (method) {
    case HealthMethod::neighbour:
        return "neighbour";
    case HealthMethod::icmp:
        return "icmp";
    case HealthMethod::tcp:
        return "tcp";
    }
    return "unknown";
}

std::string_view healthActionName(HealthAction action)
{
    return action == HealthAction::demote ? "demote" : "report";
}

std::string HealthTarget::toString() const
{
    if (port == 0)
        return address.toString();
    if (address.family() == Family::inet6)
        return "[" + address.toString() + "]:" + std::to_string(port);
    return address.toString() + ":" + std::to_string(port);
}

uint32_t demotedMetric(uint32_t metric, uint32_t demoteBy)
{
    uint64_t sum = uint64_t{metric} + demoteBy;
    return sum > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(sum);
}

} // namespace ifpin
