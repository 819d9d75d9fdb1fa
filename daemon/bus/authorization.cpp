#include "bus/authorization.hpp"

#include <array>

namespace ifpin {

namespace {

Verdict byPolkit(PolkitAnswer answer, bool interactive, std::string_view polkitError)
{
    switch (answer) {
    case PolkitAnswer::authorized:
        return {Verdict::Kind::granted, "polkit", ""};
    case PolkitAnswer::challenge:
        if (!interactive)
            return {Verdict::Kind::interactionRequired, "polkit",
                    "authentication is required (call again allowing interactive authorization)"};
        return {Verdict::Kind::denied, "polkit", "authentication is required, and no authentication agent succeeded"};
    case PolkitAnswer::notAuthorized:
        return {Verdict::Kind::denied, "polkit", "polkit does not authorise it"};
    case PolkitAnswer::failed:
        return {Verdict::Kind::denied, "polkit",
                "polkit could not decide (" + std::string(polkitError) + "); refused"};
    case PolkitAnswer::absent:
        break;
    }
    return {Verdict::Kind::denied, "", ""}; // absent: the callers decide
}

} // namespace

PolkitAnswer polkitAnswerOfError(std::string_view errorName)
{
    // What a bus answers for a name that nobody owns and nothing can start (dbus-daemon without
    // activation, no activation file) and what systemd activation answers for a missing or masked
    // polkit.service.
    static constexpr std::array<std::string_view, 4> absent{
        "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.systemd1.NoSuchUnit", "org.freedesktop.systemd1.UnitMasked"};
    for (auto name : absent)
        if (errorName == name)
            return PolkitAnswer::absent;
    return PolkitAnswer::failed;
}

Verdict decideChangePolicy(uid_t uid, PolkitAnswer answer, bool interactive, std::optional<bool> inAdminGroup,
                           std::string_view adminGroup, std::string_view polkitError)
{
    if (uid == 0)
        return {Verdict::Kind::granted, "root", ""};
    if (answer != PolkitAnswer::absent)
        return byPolkit(answer, interactive, polkitError);
    std::string group = adminGroup.empty() ? "(none)" : std::string(adminGroup);
    if (inAdminGroup.value_or(false))
        return {Verdict::Kind::granted, "group " + group + " (polkit is not on the bus)", ""};
    return {Verdict::Kind::denied, "ifpind (polkit is not on the bus)",
            "only root and members of group " + group + " ([daemon] admin_group) may change ifpind's policy"};
}

Verdict decideOpenSocket(PolkitAnswer answer, bool interactive, std::string_view polkitError)
{
    if (answer == PolkitAnswer::absent)
        return {Verdict::Kind::granted, "the allow lists (polkit is not on the bus)", ""};
    Verdict verdict = byPolkit(answer, interactive, polkitError);
    if (verdict.granted())
        verdict.by = "the allow lists and polkit";
    return verdict;
}

} // namespace ifpin
