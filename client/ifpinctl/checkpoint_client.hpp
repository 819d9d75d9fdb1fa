// ifpinctl's side of checkpoints (docs/dbus-api.md, "Checkpoints"): --confirm-within on the policy
// commands, finding the open checkpoint (for confirm, rollback and status), and the proxy of its
// object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "checkpoint_view.hpp"
#include "daemon_client.hpp"
#include "org.ifpin1.Checkpoint-proxy.h"

namespace ifpinctl {

class CheckpointProxy final : public sdbus::ProxyInterfaces<org::ifpin1::Checkpoint_proxy> {
public:
    CheckpointProxy(sdbus::IConnection &connection, const std::string &path)
        : ProxyInterfaces(connection, busName, path)
    {
    }
    ~CheckpointProxy() = default;
};

// --confirm-within DURATION: "2s", "5min", "1h", or seconds; 1 s to 24 h. 0 in seconds: not given.
void addConfirmWithinOption(CLI::App &app, uint32_t &seconds);

// Runs change, under a checkpoint of `seconds` when that is not 0: the checkpoint is created first,
// and after the change its line says how to confirm. When the change is refused the checkpoint is
// confirmed at once (nothing was changed, so it has nothing to guard), and the refusal goes on.
void changeUnderCheckpoint(DaemonClient &client, uint32_t seconds, const std::function<void()> &change);

// The open checkpoint, or nothing; an ifpind without checkpoints has none.
std::optional<CheckpointView> openCheckpoint(DaemonClient &client);

// confirm or rollback (confirm false): Confirm or Rollback of the open checkpoint, as `ifpinctl
// COMMAND` with withDaemon's messages and exit statuses.
int closeOpenCheckpoint(const std::string &command, bool confirm);

// CLOCK_REALTIME now, in µs.
uint64_t realtimeNow();

} // namespace ifpinctl
