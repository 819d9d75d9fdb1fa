// Return routing's policy rules as pure functions: which rules the roles want, from the config and
// the addresses their interfaces have now, and the ordered changes that bring the kernel's rules of
// ifpind's there. No I/O: RulePolicy (rule_policy.hpp) carries the plan out through the RuleWriter.
//
// The layout, per family (docs/architecture.md, "Return routing"):
//   MAIN:     from all lookup main suppress_prefixlength 0   every specific route of main first
//   ROLE:     from ADDRESS lookup REPLY_TABLE                 one per address of the role's interface
//   32766:    from all lookup main                            (the kernel's) the metrics decide
// so only the choice of the *default* route depends on the source address.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "kernel/kernel_facts.hpp"
#include "kernel/kernel_state.hpp"

namespace ifpin {

// Whether an address of a role's interface gets a rule: one the kernel would use as a source now
// (AddressFact::usable: not tentative, not DAD-failed), of global or site scope. A link-local
// address's peers are on the link, and main's connected route answers them.
bool answersThroughRole(const AddressFact &address);

RuleFact makeMainRule(Family family, uint32_t priority, uint8_t protocol);
RuleFact makeReplyRule(const IpAddress &source, uint32_t priority, uint32_t table, uint8_t protocol);

struct WantedRule {
    std::string role; // empty for the main rule, which every role with return routing shares
    RuleFact rule;
    friend bool operator==(const WantedRule &, const WantedRule &) = default;
};

// For each family: the main rule when any role has return routing, and for each such role whose
// interface exists, one rule per address of it that answersThroughRole, each address once.
std::vector<WantedRule> wantedRules(const Config &config, const KernelState &kernel, uint8_t protocol);

struct RulePlan {
    // Make first: the main rule before any role's (so no role's rule is ever in place without it,
    // which would send the role's connected traffic to its gateway).
    std::vector<WantedRule> add;
    // Then break: ifpind's rules nobody wants, the roles' before the main rule.
    std::vector<RuleFact> remove;

    bool empty() const { return add.empty() && remove.empty(); }
};

// actual: ifpind's rules in the kernel (KernelState::rules()). A rule held twice counts once.
RulePlan planRules(std::span<const WantedRule> wanted, std::span<const RuleFact> actual);

} // namespace ifpin
