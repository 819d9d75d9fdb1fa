// `ifpinctl exec [--preload] ROLE -- COMMAND [ARGS...]`: runs COMMAND with its sockets pinned to the
// role's interface: every inet socket by the kernel (kernel pinning), or with --preload the TCP and
// UDP sockets it makes with socket() through the preload shim (docs/client.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "subcommand.hpp"

namespace ifpinctl {

Subcommand addExecCommand(CLI::App &parent);

// LD_PRELOAD with shim first: existing entries (separated by ':' or ' ') are kept after it, an
// existing copy of shim is dropped.
std::string preloadWithShim(const std::string &shim, const std::optional<std::string> &existing);

} // namespace ifpinctl
