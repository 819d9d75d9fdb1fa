#include "config/return_routing.hpp"

#include <algorithm>

#include <linux/rtnetlink.h>

namespace ifpin::return_routing {

uint32_t defaultReplyTable(size_t position)
{
    return defaultReplyTableBase + static_cast<uint32_t>(position);
}

uint32_t defaultReplyPriority(uint32_t mainRulePriority, size_t position)
{
    return mainRulePriority + static_cast<uint32_t>(position);
}

std::optional<std::string> rulePriorityProblem(int64_t priority)
{
    if (priority >= 1 && priority <= maxRulePriority)
        return std::nullopt;
    return "expected a rule priority between 1 and " + std::to_string(maxRulePriority) +
           " (0 is the kernel's `lookup local`, 32766 its `lookup main`), got " + std::to_string(priority);
}

std::optional<std::string> replyTableProblem(uint32_t table, const DaemonConfig &daemon)
{
    const char *kernels = table == RT_TABLE_DEFAULT ? "default"
                          : table == RT_TABLE_MAIN  ? "main"
                          : table == RT_TABLE_LOCAL ? "local"
                                                    : nullptr;
    if (kernels)
        return "expected a table of the role's own, got the kernel's table " + std::string(kernels) + " (" +
               std::to_string(table) + ")";
    if (table == daemon.table)
        return "expected a table of the role's own, got the managed table " + std::to_string(table) +
               " (daemon.table), which holds every role's default routes";
    return std::nullopt;
}

std::optional<std::string> replyPriorityProblem(uint32_t priority, const DaemonConfig &daemon)
{
    if (auto problem = rulePriorityProblem(priority))
        return problem;
    if (priority > daemon.mainRulePriority)
        return std::nullopt;
    return "expected a priority above daemon.main_rule_priority (" + std::to_string(daemon.mainRulePriority) +
           "), whose rule lets the specific routes of main answer first, got " + std::to_string(priority);
}

namespace {

uint32_t valueOf(ReplyField field, const RoleConfig &role)
{
    return field == ReplyField::table ? role.replyTable : role.replyPriority;
}

} // namespace

const RoleConfig *clashingReplyRole(std::span<const RoleConfig> holders, const RoleConfig &role, ReplyField field)
{
    if (!role.returnRouting)
        return nullptr;
    auto found = std::find_if(holders.begin(), holders.end(), [&](const RoleConfig &holder) {
        return holder.name != role.name && holder.returnRouting && valueOf(field, holder) == valueOf(field, role);
    });
    return found == holders.end() ? nullptr : &*found;
}

std::string replyClashMessage(ReplyField field, const RoleConfig &role, const RoleConfig &holder)
{
    return std::string(field == ReplyField::table ? "reply table " : "rule priority ") +
           std::to_string(valueOf(field, role)) + " is already used by role " + holder.name;
}

} // namespace ifpin::return_routing
