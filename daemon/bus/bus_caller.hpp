// Who sent a D-Bus call, from facts nobody can race: the bus driver's record of the caller's
// connection (GetConnectionCredentials: UnixUserID, and UnixGroupIDs, which dbus-daemon took from
// SO_PEERCRED and SO_PEERGROUPS when the caller connected). Never /proc/PID read at call time: by
// then the pid may be another process's (a reused pid), or the caller's parent may have exec'ed a
// setgid program (issue #15, item 1). sd-bus's credential augmentation, which every sdbus-c++ 1.2
// getCreds*() asks for, reads /proc; none of them is used.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>
#include <sys/types.h>

#include "broker/peer_credentials.hpp"

namespace ifpin {

struct BusCaller {
    std::string sender; // the unique name, ":1.42"
    uid_t uid = 0;
    // UnixGroupIDs: the caller's effective and supplementary groups when it connected, sorted; absent
    // when the bus gives none (older buses, or a gid too large).
    std::optional<std::vector<gid_t>> groups;
    // The pid at connect, for log lines only: by now it may be another process's.
    std::optional<pid_t> pidAtConnect;

    // "uid 4242 (pid 934 at connect)".
    std::string describe() const;
};

// From GetConnectionCredentials' reply; nothing when it has no UnixUserID.
std::optional<BusCaller> busCallerFromCredentials(std::string sender,
                                                  const std::map<std::string, sdbus::Variant> &credentials);

// As the broker's allow lists take a peer: every group of the bus's record in `groups` (or, when the
// bus gave none, the user's groups by NSS), and gid (gid_t)-1: UnixGroupIDs does not say which one
// is primary, and leaving gid at 0 would put every caller in root's group.
PeerCredentials peerOf(const BusCaller &caller, const std::optional<std::vector<gid_t>> &nssGroups);

// The message being handled (the method call), as sdbus-c++ gives it.
std::string senderOf(const sdbus::Message &message);
// Whether the caller allows interactive authorisation (the header flag; busctl sets it by default).
bool allowsInteraction(const sdbus::Message &message);

} // namespace ifpin
