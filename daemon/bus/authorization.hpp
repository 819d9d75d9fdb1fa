// Who may do what over D-Bus, as a table of facts and answers (pure, so it is a unit test, as
// mayAdminister is): polkit decides when it is on the bus, as for systemd-networkd and
// NetworkManager; ifpind decides by itself (root, or a member of [daemon] admin_group by NSS) only
// when polkit is *absent*. polkit present but failing or slow refuses: falling back then would let
// anyone who can slow polkit down get past a local rule that forbids.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace ifpin {

// ifpind's polkit actions (polkit/org.ifpin1.policy).
inline constexpr const char *actionChangePolicy = "org.ifpin1.change-policy";
inline constexpr const char *actionOpenSocket = "org.ifpin1.open-socket";

// What polkit said to CheckAuthorization.
enum class PolkitAnswer {
    authorized,
    challenge,     // not authorised, but would be after authenticating (is_challenge)
    notAuthorized,
    absent,        // not on the bus: no polkitd installed, not running, its unit missing or masked
    failed,        // on the bus but erring or silent (timeout)
};

// absent for the errors of a name nobody owns or can start; failed for every other error.
PolkitAnswer polkitAnswerOfError(std::string_view errorName);

struct Verdict {
    enum class Kind { granted, denied, interactionRequired, busy };
    Kind kind = Kind::denied;
    std::string by;     // who decided, for the log: "root", "polkit", "group ifpin-admin (polkit absent)"
    std::string reason; // for the caller, when not granted

    bool granted() const { return kind == Kind::granted; }
};

// change-policy: root needs no polkit (polkit would say yes anyway); anybody else polkit's answer,
// or, only when polkit is absent, membership of admin_group (inAdminGroup, looked up only then: in
// the groups the bus recorded at connect, or the user's by NSS). polkitError: the error polkit
// answered with (failed).
Verdict decideChangePolicy(uid_t uid, PolkitAnswer answer, bool interactive, std::optional<bool> inAdminGroup,
                           std::string_view adminGroup, std::string_view polkitError);

// open-socket, asked only after the role's allow lists admitted the caller (the same decision the
// broker makes, root not special): polkit can forbid more, never allow more; absent allows.
Verdict decideOpenSocket(PolkitAnswer answer, bool interactive, std::string_view polkitError);

} // namespace ifpin
