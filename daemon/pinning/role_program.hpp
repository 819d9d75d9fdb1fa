// One role's pinning program and its map (role_pin.bpf.c), pinned in bpffs: the program at
// DIRECTORY/ROLE, the map at DIRECTORY/ROLE@map (bpffs refuses names with a dot; '@' is outside the
// role alphabet, so no role's pin is another's map). The only file that makes bpf() calls, through
// libbpf.
//
// A pinned map is reused as long as it has the frozen layout (role_pin_map.h), since programs
// attached to live cgroups keep theirs; a pinned program is reused when it is the very program this
// ifpind carries (same kernel tag) and uses that map, and replaced atomically (pinned beside, renamed
// over) otherwise. Every descriptor is O_CLOEXEC and kept for the object's lifetime.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/unique_fd.hpp"

namespace ifpin {

// What a bpf() call refused, with the call and the path in the text.
class PinError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// DIRECTORY/ROLE and DIRECTORY/ROLE@map.
std::string programPinPath(const std::string &directory, const std::string &role);
std::string mapPinPath(const std::string &directory, const std::string &role);
// The roles whose maps are pinned in directory (from the names ending in "@map").
std::vector<std::string> pinnedRoles(const std::string &directory);
// For the pins of a role that is no longer configured (found at start): its map is set to refuse
// every socket, then both pins go. What failed, for the log; empty when all went well.
std::string retirePinnedRole(const std::string &directory, const std::string &role) noexcept;

class RoleProgram {
public:
    // Creates directory (0700) when missing, then reuses or makes the map and the program and pins
    // them. A new map refuses every socket until setTarget. Throws PinError.
    RoleProgram(const std::string &directory, const std::string &role);
    RoleProgram(const RoleProgram &) = delete;
    RoleProgram &operator=(const RoleProgram &) = delete;

    const std::string &programPath() const { return programPath_; }
    uint32_t programId() const { return programId_; }
    int programFd() const { return program_.get(); }
    // Whether the constructor found the program pinned already (a restart) or loaded it.
    bool reused() const { return reused_; }

    // Pins the program and the map again where somebody removed them (systemd and pin-unit's
    // drop-ins find the program by its path). What was pinned again, for the log; throws PinError.
    std::string repin();

    // Where the role's sockets go from now on: ifindex 0 refuses them. Throws PinError.
    void setTarget(uint32_t ifindex, uint32_t mark);
    // Sockets the program refused since the map was made; 0 when the map cannot be read.
    uint64_t refused() const;

    // Whether this program is among those attached at sock_create to the cgroup open as cgroupFd
    // (effective: those inherited from its ancestors too). Needs CAP_NET_ADMIN. Throws PinError.
    bool attachedTo(int cgroupFd, bool effective) const;
    // exclusive: no flags, so nothing can be attached on it or below it beside ours, and a
    // re-attach replaces ours atomically; otherwise BPF_F_ALLOW_MULTI (as systemd attaches).
    void attach(int cgroupFd, bool exclusive) const;

    // For a role that is gone: refuse every socket (whatever stays attached gets none), then unpin
    // the program and the map. Never throws; what failed is returned for the log.
    std::string retire() noexcept;

private:
    void openMap(const std::string &directory);
    void openProgram();

    std::string role_;
    std::string programPath_;
    std::string mapPath_;
    UniqueFd map_;
    UniqueFd program_;
    uint32_t programId_ = 0;
    bool reused_ = false;
};

} // namespace ifpin
