#include "bus/method_call.hpp"

#include "bus/admin_access.hpp"

namespace ifpin {

// uid is the bus's word (the connection's SO_PEERCRED); gid and groups come from /proc/PID/status of
// the sender, read now (sd-bus's credential augmentation), and only when withGroups asks for them:
// each is a round trip to the bus driver.
PeerCredentials callerOf(const sdbus::IObject &object, bool withGroups)
{
    const sdbus::Message *message = object.getCurrentlyProcessedMessage();
    if (!message)
        throw sdbus::Error(errorAccessDenied, "no message is being processed");
    try {
        PeerCredentials caller;
        caller.uid = message->getCredsEuid();
        caller.pid = message->getCredsPid();
        if (withGroups) {
            caller.gid = message->getCredsEgid();
            caller.groups = message->getCredsSupplementaryGids();
        }
        return caller;
    } catch (const sdbus::Error &error) {
        throw sdbus::Error(errorAccessDenied, "cannot read the caller's credentials: " + error.getMessage());
    }
}

PeerCredentials requireAdmin(const sdbus::IObject &object, const BusBackend &backend, std::string_view what)
{
    PeerCredentials caller = callerOf(object, false);
    if (caller.uid != 0) // root may always; anybody else by group
        caller = callerOf(object, true);
    const std::string &group = backend.policy.config().daemon.adminGroup;
    if (!mayAdminister(caller, group, backend.accounts)) {
        spdlog::warn("D-Bus: {} refused to {}: not root, not in group {}", what, caller.describe(), group);
        throw sdbus::Error(errorAccessDenied, describeAdminRefusal(caller, group));
    }
    return caller;
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
