// What ifpinctl shows of an open checkpoint: see checkpoint_view.hpp.
#include "checkpoint_view.hpp"

#include <ctime>

namespace ifpinctl {

namespace {

uint64_t secondsLeft(uint64_t deadlineUsec, uint64_t nowUsec)
{
    return deadlineUsec > nowUsec ? (deadlineUsec - nowUsec + 999999) / 1000000 : 0;
}

} // namespace

std::string timeLeftText(uint64_t deadlineUsec, uint64_t nowUsec)
{
    uint64_t seconds = secondsLeft(deadlineUsec, nowUsec);
    if (seconds < 60)
        return std::to_string(seconds) + " s";
    if (seconds < 3600)
        return std::to_string(seconds / 60) + " min" + (seconds % 60 ? " " + std::to_string(seconds % 60) + " s" : "");
    uint64_t minutes = (seconds % 3600) / 60;
    return std::to_string(seconds / 3600) + " h" + (minutes ? " " + std::to_string(minutes) + " min" : "");
}

std::string utcTimeText(uint64_t realtimeUsec)
{
    std::time_t seconds = static_cast<std::time_t>(realtimeUsec / 1000000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string checkpointName(const std::string &path)
{
    const std::string prefix = "/org/ifpin1/checkpoint/";
    return path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
}

std::string checkpointLine(const CheckpointView &checkpoint, uint64_t nowUsec)
{
    return "checkpoint " + checkpointName(checkpoint.path) + " open: rolled back in " +
           timeLeftText(checkpoint.deadlineUsec, nowUsec) + " (at " + utcTimeText(checkpoint.deadlineUsec) +
           ") unless confirmed with 'ifpinctl confirm' ('ifpinctl rollback': now); created by uid " +
           std::to_string(checkpoint.creator) + "\n";
}

nlohmann::json checkpointJson(const CheckpointView &checkpoint, uint64_t nowUsec)
{
    return {{"path", checkpoint.path},
            {"id", checkpointName(checkpoint.path)},
            {"creator_uid", checkpoint.creator},
            {"deadline", utcTimeText(checkpoint.deadlineUsec)},
            {"deadline_usec", checkpoint.deadlineUsec},
            {"seconds_left", secondsLeft(checkpoint.deadlineUsec, nowUsec)}};
}

} // namespace ifpinctl
