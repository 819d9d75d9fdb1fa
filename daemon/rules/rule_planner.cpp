#include "rules/rule_planner.hpp"

#include <algorithm>

#include <linux/rtnetlink.h>

namespace ifpin {

bool answersThroughRole(const AddressFact &address)
{
    return address.usable() && address.scope < RT_SCOPE_LINK && !address.address.isLinkLocal();
}

RuleFact makeMainRule(Family family, uint32_t priority, uint8_t protocol)
{
    RuleFact rule;
    rule.family = family;
    rule.priority = priority;
    rule.table = RT_TABLE_MAIN; // whatever [daemon] table is: the kernel's connected routes live in main
    rule.suppressPrefixLength = 0;
    rule.protocol = protocol;
    return rule;
}

RuleFact makeReplyRule(const IpAddress &source, uint32_t priority, uint32_t table, uint8_t protocol)
{
    RuleFact rule;
    rule.family = source.family();
    rule.priority = priority;
    rule.table = table;
    rule.source = source;
    rule.protocol = protocol;
    return rule;
}

std::vector<WantedRule> wantedRules(const Config &config, const KernelState &kernel, uint8_t protocol)
{
    std::vector<WantedRule> wanted;
    bool anyRole = std::any_of(config.roles.begin(), config.roles.end(),
                               [](const RoleConfig &role) { return role.returnRouting; });
    if (!anyRole)
        return wanted;
    for (Family family : allFamilies)
        wanted.push_back({"", makeMainRule(family, config.daemon.mainRulePriority, protocol)});
    for (const auto &role : config.roles) {
        const LinkFact *link = kernel.linkByName(role.interface);
        if (!role.returnRouting || !link)
            continue;
        for (const auto &address : kernel.addressesOf(link->ifindex)) {
            if (!answersThroughRole(address))
                continue;
            WantedRule want{role.name, makeReplyRule(address.address, role.replyPriority, role.replyTable, protocol)};
            // An IPv4 address may stand twice, with two prefix lengths: one rule is enough.
            if (std::find(wanted.begin(), wanted.end(), want) == wanted.end())
                wanted.push_back(std::move(want));
        }
    }
    return wanted;
}

RulePlan planRules(std::span<const WantedRule> wanted, std::span<const RuleFact> actual)
{
    RulePlan plan;
    std::vector<bool> matched(actual.size(), false);
    for (const auto &want : wanted) {
        auto found = std::find(actual.begin(), actual.end(), want.rule);
        if (found == actual.end()) {
            plan.add.push_back(want);
            continue;
        }
        matched[static_cast<size_t>(found - actual.begin())] = true;
    }
    for (size_t i = 0; i < actual.size(); ++i) {
        bool heldBefore = std::find(actual.begin(), actual.begin() + static_cast<long>(i), actual[i]) !=
                               actual.begin() + static_cast<long>(i);
        if (!matched[i] && !heldBefore)
            plan.remove.push_back(actual[i]);
    }
    auto mainFirst = [](const WantedRule &a, const WantedRule &b) { return a.role.empty() && !b.role.empty(); };
    std::stable_sort(plan.add.begin(), plan.add.end(), mainFirst);
    auto mainLast = [](const RuleFact &a, const RuleFact &b) { return a.source && !b.source; };
    std::stable_sort(plan.remove.begin(), plan.remove.end(), mainLast);
    return plan;
}

} // namespace ifpin
