#include "bus/method_call.hpp"

namespace ifpin {

void requireGranted(const Authorization &authorization, BusContext &context, std::string_view what)
{
    const Verdict &verdict = authorization.verdict;
    std::string who = authorization.caller ? authorization.caller->describe() : "a caller";
    if (verdict.granted()) {
        // The policy may have been reloaded while polkit was asked: a grant for the old admin_group
        // is not one for the group configured now.
        if (authorization.adminGroup && *authorization.adminGroup != context.backend.policy.config().daemon.adminGroup) {
            spdlog::info("D-Bus: {} by {} not done: admin_group changed while authorising", what, who);
            throw sdbus::Error(errorFailed, "the configuration changed while authorising; try again");
        }
        spdlog::info("D-Bus: {} by {} authorised by {}", what, who, verdict.by);
        return;
    }
    context.refusals.log(spdlog::level::warn,
                         fmt::format("D-Bus: {} refused to {}: {}", what, who, verdict.reason));
    switch (verdict.kind) {
    case Verdict::Kind::busy:
        throw sdbus::Error(errorBusy, verdict.reason);
    case Verdict::Kind::interactionRequired:
        throw sdbus::Error(errorInteractiveAuthorizationRequired, verdict.reason);
    default:
        throw sdbus::Error(errorAccessDenied, verdict.reason);
    }
}

const char *errorOf(ifpin_status status)
{
    switch (status) {
    case IFPIN_STATUS_UNKNOWN_ROLE:
        return errorUnknownRole;
    case IFPIN_STATUS_ACCESS_DENIED:
        return errorAccessDenied;
    case IFPIN_STATUS_BAD_REQUEST:
    case IFPIN_STATUS_INVALID_ARGUMENT:
        return errorInvalidArgument;
    default:
        return errorFailed;
    }
}

} // namespace ifpin
