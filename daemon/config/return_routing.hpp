// Return routing's numbers (docs/configuration.md, "Return routing"): each role's reply table and
// rule priority, their defaults, and the rules they keep between roles. The main rule
// (`lookup main suppress_prefixlength 0`) stands at [daemon] main_rule_priority; each role's rules
// (`from ADDRESS lookup REPLY_TABLE`) follow at higher numbers, all before the kernel's own
// `32766: from all lookup main`, which would otherwise answer first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "config/config.hpp"

namespace ifpin::return_routing {

inline constexpr uint32_t defaultMainRulePriority = 32000;
// The kernel's `from all lookup main` rule: ifpind's rules come before it or do nothing.
inline constexpr uint32_t kernelMainRulePriority = 32766;
inline constexpr uint32_t maxRulePriority = kernelMainRulePriority - 1;
inline constexpr uint32_t defaultReplyTableBase = 1000;

// The defaults of the role at position (1 for the file's first role): table 1000 + position,
// priority main_rule_priority + position. Distinct for distinct positions, so defaults never clash.
uint32_t defaultReplyTable(size_t position);
uint32_t defaultReplyPriority(uint32_t mainRulePriority, size_t position);

// What is wrong with a rule priority (of the main rule or of a role's rules): 1 to 32765. Priority 0
// belongs to the kernel's `lookup local` rule, which must stay first.
std::optional<std::string> rulePriorityProblem(int64_t priority);

// What is wrong with a reply table: not one of the kernel's own (default 253, main 254, local 255)
// and not the managed table ([daemon] table), whose default routes are every role's.
std::optional<std::string> replyTableProblem(uint32_t table, const DaemonConfig &daemon);

// What is wrong with a role's reply priority: above the main rule, which must be looked at first.
std::optional<std::string> replyPriorityProblem(uint32_t priority, const DaemonConfig &daemon);

enum class ReplyField { table, priority };

// The first role of holders (other than role) with return routing whose reply table, or priority,
// is role's; null when role's return routing is off. "table 1001 is already used by role media".
const RoleConfig *clashingReplyRole(std::span<const RoleConfig> holders, const RoleConfig &role, ReplyField field);
std::string replyClashMessage(ReplyField field, const RoleConfig &role, const RoleConfig &holder);

} // namespace ifpin::return_routing
