// Return routing's rules at run time: what each role wants now (rule_planner.hpp) carried out
// through the one RuleWriter, make before break, and what each role's rules look like in the
// kernel, for D-Bus. The rules follow the roles' addresses as the kernel reports them, so a DHCP
// renewal, a second address or a SLAAC address gets its rule at the next reconcile, and a rule
// someone else deleted is back in the same one.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "kernel/kernel_state.hpp"
#include "routes/route_policy.hpp"
#include "rules/rule_planner.hpp"
#include "rules/rule_writer.hpp"

namespace ifpin {

struct RoleRuleStatus {
    // Per familyIndex(): the rules of this role's return routing in the kernel now, in priority
    // order: the main rule (shared by the roles) and the role's own.
    std::array<std::vector<RuleFact>, 2> inPlace;
    std::string lastError; // the kernel's answer to the last failed write of this role's rules
    // Times rules of the role that were in place had to be written again: one per family and
    // reconcile, however many rules it took (as for routes).
    uint64_t restorations = 0;
};

class RulePolicy {
public:
    explicit RulePolicy(uint8_t ownProtocol) : ownProtocol_(ownProtocol) {}

    void setConfig(const Config &config);

    // Puts the wanted rules in place. Returns true when a write failed and a later retry may help.
    bool reconcile(KernelState &kernel, RuleWriter &writer, ReconcileTrigger trigger);

    // Deletes every rule of ifpind's (a clean exit with remove_routes_on_exit).
    void removeOwnRules(KernelState &kernel, RuleWriter &writer);

    // Null for a role without return routing, or one the config does not have.
    const RoleRuleStatus *status(std::string_view role) const;

private:
    // Writes one rule change and records it in kernel when it took effect; the error text when not.
    std::optional<std::string> execute(bool add, const RuleFact &rule, std::string_view who, KernelState &kernel,
                                       RuleWriter &writer);
    void updateStates(const std::vector<WantedRule> &wanted, const KernelState &kernel);

    uint8_t ownProtocol_;
    Config config_;
    std::map<std::string, RoleRuleStatus, std::less<>> status_;
};

} // namespace ifpin
