// The drop-in that `ifpinctl pin-unit UNIT ROLE` writes and `unpin-unit` removes: every AF_INET and
// AF_INET6 socket of the unit's processes is bound by the kernel to the role's interface, from its
// first, through systemd's BPFProgram=sock_create:/sys/fs/bpf/ifpin/ROLE (docs/client.md). Pure:
// names, paths and text; pin_unit_command.cpp writes the file and asks systemd to reload.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ifpinctl {

inline constexpr const char *dropInName = "50-ifpin-pin.conf";
inline constexpr const char *systemdUnitDirectory = "/etc/systemd/system";

// What is wrong with unit as a unit name that can be pinned (only units with processes and a
// cgroup: .service, .socket, .mount, .swap, .slice), or nothing.
std::optional<std::string> unitProblem(std::string_view unit);
// The section of unit's own type that takes BPFProgram= ("Service", "Socket", ...).
std::string cgroupSection(std::string_view unit);
// DIRECTORY/UNIT.d/50-ifpin-pin.conf
std::string dropInPath(std::string_view directory, std::string_view unit);
// The drop-in's text. program: the role's pinned program (/sys/fs/bpf/ifpin/ROLE).
std::string dropInText(std::string_view unit, std::string_view role, std::string_view program);
// The role a drop-in of ours pins to (its "# ifpin role: ROLE" line), or nothing for any other text.
std::optional<std::string> pinnedRoleIn(std::string_view text);

} // namespace ifpinctl
