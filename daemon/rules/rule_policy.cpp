#include "rules/rule_policy.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

namespace ifpin {

void RulePolicy::setConfig(const Config &config)
{
    std::map<std::string, RoleRuleStatus, std::less<>> status;
    for (const auto &role : config.roles) {
        if (!role.returnRouting)
            continue;
        auto previous = status_.find(role.name);
        status[role.name] = previous != status_.end() ? previous->second : RoleRuleStatus{};
    }
    status_ = std::move(status);
    config_ = config;
}

std::optional<std::string> RulePolicy::execute(bool add, const RuleFact &rule, std::string_view who,
                                               KernelState &kernel, RuleWriter &writer)
{
    NetlinkAck ack = add ? writer.add(rule) : writer.remove(rule);
    // There already / gone already: the goal of the write holds.
    bool done = ack.error == 0 || (add && ack.error == EEXIST) ||
                (!add && (ack.error == ENOENT || ack.error == ESRCH));
    if (!done) {
        std::string error = fmt::format("cannot {} rule {}: {}{}", add ? "add" : "remove", describe(rule),
                                        std::strerror(ack.error), ack.message.empty() ? "" : " (" + ack.message + ")");
        spdlog::error("{}: {}", who, error);
        return error;
    }
    kernel.applyRule(!add, rule);
    spdlog::info("{}: {} rule {}", who, add ? "added" : "removed", describe(rule));
    return std::nullopt;
}

bool RulePolicy::reconcile(KernelState &kernel, RuleWriter &writer, ReconcileTrigger trigger)
{
    std::vector<WantedRule> wanted = wantedRules(config_, kernel, ownProtocol_);
    RulePlan plan = planRules(wanted, kernel.rules());
    for (auto &[name, status] : status_)
        status.lastError.clear();

    bool anyFailed = false;
    std::array<bool, 2> addFailed{false, false};
    std::set<std::pair<std::string, Family>> restored; // one restoration per role and family
    for (const auto &want : plan.add) {
        // The main rule is every role's: it counts for (and its failure shows on) each of them.
        std::vector<std::string> roles;
        if (!want.role.empty())
            roles.push_back(want.role);
        else
            for (const auto &[name, status] : status_)
                roles.push_back(name);
        std::string who = want.role.empty() ? fmt::format("return routing {}", familyName(want.rule.family))
                                            : fmt::format("role {} {}", want.role, familyName(want.rule.family));
        auto error = execute(true, want.rule, who, kernel, writer);
        for (const auto &role : roles) {
            RoleRuleStatus &status = status_[role];
            const auto &before = status.inPlace[familyIndex(want.rule.family)];
            if (error) {
                status.lastError = *error;
            } else if (trigger == ReconcileTrigger::kernel &&
                       std::find(before.begin(), before.end(), want.rule) != before.end() &&
                       restored.insert({role, want.rule.family}).second) {
                ++status.restorations;
                spdlog::info("role {} {}: rule restored (restoration #{})", role, familyName(want.rule.family),
                             status.restorations);
            }
        }
        if (error) {
            anyFailed = true;
            addFailed[familyIndex(want.rule.family)] = true;
        }
    }
    // Never take a rule away while its family's new ones are not all in place: the old one may be
    // what still answers (a priority or table that moved).
    for (const auto &rule : plan.remove) {
        if (addFailed[familyIndex(rule.family)])
            continue;
        auto owner = std::find_if(wanted.begin(), wanted.end(), [&](const WantedRule &want) {
            return want.rule.source && rule.source && *want.rule.source == *rule.source;
        });
        std::string who = owner != wanted.end() ? fmt::format("role {} {}", owner->role, familyName(rule.family))
                                                : std::string("rule of no role");
        anyFailed |= execute(false, rule, who, kernel, writer).has_value();
    }
    updateStates(wanted, kernel);
    return anyFailed;
}

void RulePolicy::updateStates(const std::vector<WantedRule> &wanted, const KernelState &kernel)
{
    for (auto &[name, status] : status_) {
        for (auto &rules : status.inPlace)
            rules.clear();
        for (const auto &want : wanted) {
            if (!want.role.empty() && want.role != name)
                continue;
            const auto &held = kernel.rules();
            if (std::find(held.begin(), held.end(), want.rule) != held.end())
                status.inPlace[familyIndex(want.rule.family)].push_back(want.rule);
        }
        for (auto &rules : status.inPlace)
            std::stable_sort(rules.begin(), rules.end(),
                             [](const RuleFact &a, const RuleFact &b) { return a.priority < b.priority; });
    }
}

void RulePolicy::removeOwnRules(KernelState &kernel, RuleWriter &writer)
{
    auto rules = kernel.rules(); // a copy: each removal updates kernel's list
    // The roles' rules first: without the main rule in front, they would send connected traffic to
    // the gateways.
    std::stable_sort(rules.begin(), rules.end(), [](const RuleFact &a, const RuleFact &b) { return a.source && !b.source; });
    for (const auto &rule : rules)
        if (rule.protocol == ownProtocol_)
            execute(false, rule, "return routing", kernel, writer);
}

const RoleRuleStatus *RulePolicy::status(std::string_view role) const
{
    auto it = status_.find(role);
    return it == status_.end() ? nullptr : &it->second;
}

} // namespace ifpin
