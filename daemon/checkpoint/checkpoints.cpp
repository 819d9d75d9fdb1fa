#include "checkpoint/checkpoints.hpp"

#include <ctime>

#include <spdlog/spdlog.h>

#include "core/small_file.hpp"

namespace ifpin {

namespace {

// A checkpoint holds one configuration file (at most 1 MiB) and a few lines per role.
constexpr size_t maxCheckpointFileSize = 3 * 1024 * 1024;

uint64_t realtimeMicroseconds()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
}

std::string secondsText(uint64_t usec)
{
    return std::to_string((usec + 500000u) / 1000000u) + " s";
}

} // namespace

std::string describeCheckpoint(const Checkpoint &checkpoint)
{
    return "checkpoint " + std::to_string(checkpoint.id) + " (created by uid " + std::to_string(checkpoint.creator) +
           " at " + utcText(checkpoint.createdUsec) + ", deadline " + utcText(checkpoint.deadlineUsec) + ")";
}

Checkpoints::Checkpoints(EventLoop &loop, Hooks hooks, std::function<uint64_t()> now)
    : hooks_(std::move(hooks)), now_(now ? std::move(now) : std::function<uint64_t()>(realtimeMicroseconds))
{
    deadlineTimer_ = loop.addWallClockTimer([this] {
        if (!open_)
            return;
        // The kernel fires a CLOCK_REALTIME timer early only when the clock was set forward; it is
        // the wall clock that counts, either way.
        rollBackOpen("its deadline passed without Confirm");
    });
}

std::string Checkpoints::directoryOf(const Checkpoint &checkpoint)
{
    return checkpoint.snapshot.file.daemon.stateDirectory;
}

void Checkpoints::start(const std::string &stateDirectory, const RoutingTableNames &tables)
{
    const std::string path = stateDirectory + "/" + std::string(fileName);
    std::optional<std::string> text;
    try {
        text = readSmallFile(path, maxCheckpointFileSize);
    } catch (const std::exception &error) {
        spdlog::error("checkpoint file unusable ({}); no checkpoint is open and nothing was rolled back", error.what());
        return;
    }
    if (!text)
        return;
    ParsedCheckpoint parsed = checkpointFromJson(*text, tables);
    if (!parsed.checkpoint) {
        spdlog::error("checkpoint file {} unusable ({}); no checkpoint is open and nothing was rolled back; "
                      "the next CheckpointCreate replaces it",
                      path, parsed.unusable);
        return;
    }
    for (const auto &skipped : parsed.skipped)
        spdlog::error("checkpoint file {}: {}", path, skipped);
    if (directoryOf(*parsed.checkpoint) != stateDirectory) {
        // Copied from elsewhere, or the state directory was moved by hand: its policy is another's.
        spdlog::error("checkpoint file {} belongs to state directory {}; ignored", path,
                      directoryOf(*parsed.checkpoint));
        return;
    }
    open_ = std::move(parsed.checkpoint);
    lastId_ = open_->id;
    uint64_t now = now_();
    if (now >= open_->deadlineUsec) {
        rollBackOpen("its deadline passed while ifpind was not running (" + secondsText(now - open_->deadlineUsec) +
                     " ago)");
        return;
    }
    spdlog::info("{} is open: rolled back in {} unless confirmed", describeCheckpoint(*open_),
                 secondsText(open_->deadlineUsec - now));
    arm();
}

Checkpoints::Result Checkpoints::save(const Checkpoint &checkpoint)
{
    try {
        writeFileAtomically(directoryOf(checkpoint), std::string(fileName), checkpointToJson(checkpoint));
        return {};
    } catch (const std::exception &error) {
        return {Outcome::notSaved, std::string("cannot save the checkpoint: ") + error.what()};
    }
}

void Checkpoints::arm()
{
    deadlineTimer_->armAt(open_->deadlineUsec);
}

Checkpoints::Result Checkpoints::create(uint32_t timeoutSeconds, uint32_t creator)
{
    if (timeoutSeconds == 0 || timeoutSeconds > maxTimeoutSeconds)
        return {Outcome::invalidTimeout, "timeout: expected 1 to " + std::to_string(maxTimeoutSeconds) +
                                             " seconds, got " + std::to_string(timeoutSeconds)};
    if (open_)
        return {Outcome::alreadyOpen, describeCheckpoint(*open_) + " is open; confirm it or roll it back first"};
    Checkpoint checkpoint;
    checkpoint.id = lastId_ + 1;
    checkpoint.creator = creator;
    checkpoint.createdUsec = now_();
    checkpoint.deadlineUsec = checkpoint.createdUsec + uint64_t{timeoutSeconds} * 1000000u;
    checkpoint.snapshot = hooks_.snapshot();
    if (auto saved = save(checkpoint); saved.outcome != Outcome::done)
        return saved;
    lastId_ = checkpoint.id;
    open_ = std::move(checkpoint);
    arm();
    spdlog::info("{} opened: the policy in force now comes back in {} unless confirmed", describeCheckpoint(*open_),
                 secondsText(uint64_t{timeoutSeconds} * 1000000u));
    hooks_.changed();
    return {};
}

std::optional<std::string> Checkpoints::removeFile(const Checkpoint &checkpoint)
{
    try {
        removeFileDurably(directoryOf(checkpoint), std::string(fileName));
        return std::nullopt;
    } catch (const std::exception &error) {
        return error.what();
    }
}

Checkpoints::Result Checkpoints::confirm(uint32_t by)
{
    if (!open_)
        return {Outcome::noCheckpoint, "no checkpoint is open"};
    if (auto problem = removeFile(*open_))
        return {Outcome::notSaved, "cannot confirm: " + *problem + "; the checkpoint stays open"};
    spdlog::info("{} confirmed by uid {}: the policy in force stays", describeCheckpoint(*open_), by);
    open_.reset();
    deadlineTimer_->disable();
    hooks_.changed();
    return {};
}

Checkpoints::Result Checkpoints::rollBack(uint32_t by)
{
    if (!open_)
        return {Outcome::noCheckpoint, "no checkpoint is open"};
    rollBackOpen("Rollback asked by uid " + std::to_string(by));
    return {};
}

Checkpoints::Result Checkpoints::adjust(uint32_t timeoutSeconds, uint32_t by)
{
    if (!open_)
        return {Outcome::noCheckpoint, "no checkpoint is open"};
    if (timeoutSeconds == 0 || timeoutSeconds > maxTimeoutSeconds)
        return {Outcome::invalidTimeout, "timeout: expected 1 to " + std::to_string(maxTimeoutSeconds) +
                                             " seconds, got " + std::to_string(timeoutSeconds)};
    Checkpoint adjusted = *open_;
    adjusted.deadlineUsec = now_() + uint64_t{timeoutSeconds} * 1000000u;
    if (auto saved = save(adjusted); saved.outcome != Outcome::done)
        return {saved.outcome, saved.message + "; the deadline stays " + utcText(open_->deadlineUsec)};
    open_ = std::move(adjusted);
    arm();
    spdlog::info("{}: deadline moved by uid {} to {} from now", describeCheckpoint(*open_), by,
                 secondsText(uint64_t{timeoutSeconds} * 1000000u));
    hooks_.changed();
    return {};
}

void Checkpoints::rollBackOpen(std::string_view why)
{
    Checkpoint checkpoint = std::move(*open_);
    open_.reset();
    deadlineTimer_->disable();
    bool saved = hooks_.rollBack(checkpoint, why);
    if (!saved)
        spdlog::error("{}: the policy it restored could not all be saved; {} stays, so that the next start "
                      "rolls back to it again",
                      describeCheckpoint(checkpoint), fileName);
    else if (auto problem = removeFile(checkpoint))
        spdlog::error("{}: {}; the next start rolls back to it again", describeCheckpoint(checkpoint), *problem);
    hooks_.changed();
}

} // namespace ifpin
