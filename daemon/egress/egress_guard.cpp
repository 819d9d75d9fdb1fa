#include "egress/egress_guard.hpp"

#include <nftables/libnftables.h>
#include <spdlog/spdlog.h>

namespace ifpin {

EgressGuard::EgressGuard() : context_(nft_ctx_new(NFT_CTX_DEFAULT))
{
    if (context_) {
        nft_ctx_buffer_output(context_);
        nft_ctx_buffer_error(context_);
    }
}

EgressGuard::~EgressGuard()
{
    if (context_)
        nft_ctx_free(context_);
}

std::optional<std::string> EgressGuard::run(const std::string &command, std::string *output) const
{
    if (!context_)
        return "libnftables could not make a context";
    nft_ctx_output_set_flags(context_, output ? NFT_CTX_OUTPUT_JSON : 0);
    int result = nft_run_cmd_from_buffer(context_, command.c_str());
    const char *out = nft_ctx_get_output_buffer(context_);
    const char *error = nft_ctx_get_error_buffer(context_);
    if (output)
        *output = out ? out : "";
    if (result == 0)
        return std::nullopt;
    std::string text = error && *error ? error : "nft failed";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

std::vector<EgressRule> EgressGuard::readTable() const
{
    std::string output;
    if (run(fmt::format("list table {} {}", egressTableFamily, egressTableName), &output))
        return {}; // no table (the usual case at boot), or nftables is not there
    try {
        return egressRulesInTable(nlohmann::json::parse(output));
    } catch (const std::exception &error) {
        spdlog::warn("egress guard: cannot read the table an earlier ifpind left: {}", error.what());
        return {};
    }
}

void EgressGuard::apply(const Config &config)
{
    if (!tookOver_) {
        // The table outlives ifpind (fail closed): its retired marks are ours to keep dropping.
        rules_ = readTable();
        tookOver_ = true;
        if (!rules_.empty())
            spdlog::info("egress guard: took over table {} {} with {} rule(s) from an earlier run", egressTableFamily,
                         egressTableName, rules_.size());
    }
    std::vector<std::pair<std::string, std::string>> roles;
    for (const auto &role : config.roles)
        roles.emplace_back(role.name, role.interface);
    auto wanted = planEgressRules(roles, rules_);
    // Unchanged rules are left alone (a rewrite would zero the counters), unless someone removed the
    // table (`nft flush ruleset`): a reload puts it back.
    if (active_ && wanted == rules_) {
        if (!run(fmt::format("list table {} {}", egressTableFamily, egressTableName)))
            return;
        spdlog::warn("egress guard: table {} {} was removed by someone else; writing it again", egressTableFamily,
                     egressTableName);
    }
    if (auto problem = run(egressRulesetScript(wanted))) {
        // The transaction failed whole: the kernel's table (if any) is as it was, and rules_ still
        // says what it holds, so the next try retires what it must.
        active_ = false;
        // One error per run of failures: the same cause would say the same at every change.
        if (!failureLogged_)
            spdlog::error("egress guard: cannot write nftables table {} {}: {}; egress is NOT guarded (sockets "
                          "from the broker are bound to their interface but not marked); routes and the broker "
                          "go on",
                          egressTableFamily, egressTableName, problem->substr(0, 300));
        failureLogged_ = true;
        return;
    }
    failureLogged_ = false;
    active_ = true;
    rules_ = std::move(wanted);
    std::string summary;
    size_t retired = 0;
    for (const auto &rule : rules_) {
        if (rule.retired) {
            ++retired;
            continue;
        }
        summary += fmt::format("{}{} {:#010x} on {}", summary.empty() ? "" : ", ", rule.role, rule.mark,
                               rule.interface);
    }
    for (const auto &rule : rules_)
        if (rule.retired)
            summary += fmt::format("{}{:#010x} of role {} retired (dropped everywhere)", summary.empty() ? "" : ", ",
                                   rule.mark, rule.role);
    spdlog::info("egress guard: table {} {} written, {} rule(s){}{}", egressTableFamily, egressTableName,
                 rules_.size() - retired, summary.empty() ? "" : ": ", summary);
}

void EgressGuard::remove()
{
    if (!active_ && rules_.empty())
        return;
    if (auto problem = run(egressRemovalScript()))
        spdlog::error("egress guard: cannot remove table {} {}: {}", egressTableFamily, egressTableName, *problem);
    else
        spdlog::info("egress guard: table {} {} removed", egressTableFamily, egressTableName);
    active_ = false;
    rules_.clear();
}

std::optional<uint32_t> EgressGuard::markOf(std::string_view role) const
{
    if (!active_)
        return std::nullopt;
    for (const auto &rule : rules_)
        if (!rule.retired && rule.role == role)
            return rule.mark;
    return std::nullopt;
}

uint64_t EgressGuard::dropped(std::string_view role) const
{
    if (!active_)
        return 0;
    std::string output;
    if (auto problem = run(fmt::format("list table {} {}", egressTableFamily, egressTableName), &output)) {
        spdlog::warn("egress guard: cannot read the drop counters: {}", *problem);
        return 0;
    }
    try {
        auto counters = egressDropCounters(nlohmann::json::parse(output));
        auto found = counters.find(role);
        return found == counters.end() ? 0 : found->second;
    } catch (const std::exception &error) {
        spdlog::warn("egress guard: cannot read the drop counters: {}", error.what());
        return 0;
    }
}

} // namespace ifpin
