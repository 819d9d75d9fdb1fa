// The open checkpoint (at most one), its deadline on the loop's wall-clock timer, and its file,
// STATE_DIRECTORY/checkpoint.json, written atomically before a checkpoint counts as open and removed
// once it is closed. A checkpoint found at start is rolled back at once when its deadline has passed
// (ifpind was down, or the host rebooted) and armed again for what remains otherwise. What a
// rollback does to the policy is the daemon's (Hooks::rollBack); this decides when.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/checkpoint_record.hpp"
#include "core/event_loop.hpp"

namespace ifpin {

class Checkpoints {
public:
    static constexpr std::string_view fileName = "checkpoint.json";
    // A checkpoint guards minutes of work; one left open for days would undo them all.
    static constexpr uint32_t maxTimeoutSeconds = 24 * 60 * 60;

    struct Hooks {
        // The policy in force now.
        std::function<PolicySnapshot()> snapshot;
        // Puts the checkpoint's policy in force again and logs it; why: "its deadline passed", ...
        // Returns false when the restored policy could not be saved, so that checkpoint.json stays and
        // a restart rolls back again. Never throws.
        std::function<bool(const Checkpoint &, std::string_view why)> rollBack;
        // A checkpoint was opened or closed, or its deadline moved: what shows it follows.
        std::function<void()> changed;
    };
    // now: CLOCK_REALTIME in µs (tests set the clock).
    Checkpoints(EventLoop &loop, Hooks hooks, std::function<uint64_t()> now = {});
    Checkpoints(const Checkpoints &) = delete;
    Checkpoints &operator=(const Checkpoints &) = delete;

    // At start, before the policy is put in force: reads checkpoint.json of stateDirectory. One whose
    // deadline has passed is rolled back now; one that runs is armed again. A file that cannot be used
    // is reported in the log and left where it is; no checkpoint is open then.
    void start(const std::string &stateDirectory, const RoutingTableNames &tables);

    enum class Outcome { done, alreadyOpen, noCheckpoint, invalidTimeout, notSaved };
    struct Result {
        Outcome outcome = Outcome::done;
        std::string message; // what was wrong, for the caller; empty when done
    };
    // Opens a checkpoint of the policy in force, rolled back in timeoutSeconds unless confirmed.
    Result create(uint32_t timeoutSeconds, uint32_t creator);
    // Keeps the policy in force: the checkpoint is closed and its file removed (when that fails, it
    // stays open: a restart would roll it back). by: the caller's uid, for the log.
    Result confirm(uint32_t by);
    // Rolls back now.
    Result rollBack(uint32_t by);
    // The deadline becomes now + timeoutSeconds; saved before it counts.
    Result adjust(uint32_t timeoutSeconds, uint32_t by);

    const std::optional<Checkpoint> &open() const { return open_; }
    uint64_t now() const { return now_(); }

private:
    Result save(const Checkpoint &checkpoint);
    void arm();
    // Closes the open checkpoint after rolling it back.
    void rollBackOpen(std::string_view why);
    // Removes checkpoint.json; what went wrong, when something did.
    std::optional<std::string> removeFile(const Checkpoint &checkpoint);
    static std::string directoryOf(const Checkpoint &checkpoint);

    Hooks hooks_;
    std::function<uint64_t()> now_;
    EventSourcePtr deadlineTimer_;
    std::optional<Checkpoint> open_;
    uint64_t lastId_ = 0;
};

// "Checkpoint 3 (created by uid 0 at 2025-05-01T10:00:00Z, deadline 2025-05-01T10:01:00Z)".
std::string describeCheckpoint(const Checkpoint &checkpoint);

} // namespace ifpin
