// What ifpinctl shows of an open checkpoint (org.ifpin1.Checkpoint's Deadline and Creator): the line
// under `ifpinctl status` and after a change made with --confirm-within, and the "checkpoint" object
// of `ifpinctl status --json` (docs/dbus-api.md). Pure: the time now is an argument, so that the
// unit tests (tests/unit/ifpinctl/) check the exact text.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ifpinctl {

struct CheckpointView {
    std::string path;          // /org/ifpin1/checkpoint/ID
    uint64_t deadlineUsec = 0; // CLOCK_REALTIME, µs
    uint32_t creator = 0;      // uid
};

// "42 s", "1 min 5 s", "2 h 3 min": a time left, rounded up to the second; "0 s" when none is left.
std::string timeLeftText(uint64_t deadlineUsec, uint64_t nowUsec);
// "2025-05-01T10:01:00Z".
std::string utcTimeText(uint64_t realtimeUsec);
// The ID of /org/ifpin1/checkpoint/ID, or the whole path when it is not one.
std::string checkpointName(const std::string &path);

// "checkpoint 1 open: rolled back in 42 s (at 2025-05-01T10:01:00Z) unless confirmed with 'ifpinctl
// confirm' ('ifpinctl rollback': now); created by uid 0\n".
std::string checkpointLine(const CheckpointView &checkpoint, uint64_t nowUsec);
// {"creator_uid", "deadline", "deadline_usec", "id", "path", "seconds_left"}.
nlohmann::json checkpointJson(const CheckpointView &checkpoint, uint64_t nowUsec);

} // namespace ifpinctl
