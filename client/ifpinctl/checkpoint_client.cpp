// ifpinctl's side of checkpoints: see checkpoint_client.hpp.
#include "checkpoint_client.hpp"

#include <ctime>
#include <iostream>
#include <map>
#include <stdexcept>

#include "subcommand.hpp"

namespace ifpinctl {

uint64_t realtimeNow()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
}

void addConfirmWithinOption(CLI::App &app, uint32_t &seconds)
{
    const std::map<std::string, uint32_t> units{{"s", 1},   {"sec", 1},    {"m", 60},   {"min", 60},
                                                {"h", 3600}, {"hour", 3600}};
    app.add_option("--confirm-within", seconds,
                   "Roll the change back unless 'ifpinctl confirm' follows within DURATION (2s, 5min, 1h)")
        ->type_name("DURATION")
        ->transform(CLI::AsNumberWithUnit(units, CLI::AsNumberWithUnit::CASE_INSENSITIVE))
        ->check(CLI::Range(1u, 86400u, "DURATION from 1 s to 24 h"));
}

void changeUnderCheckpoint(DaemonClient &client, uint32_t seconds, const std::function<void()> &change)
{
    if (seconds == 0) {
        change();
        return;
    }
    std::string path = client.manager().CheckpointCreate(seconds);
    CheckpointProxy checkpoint(client.connection(), path);
    try {
        change();
    } catch (const sdbus::Error &) {
        try {
            checkpoint.Confirm();
            std::cerr << "checkpoint " << checkpointName(path) << " closed: nothing was changed\n";
        } catch (const sdbus::Error &error) {
            std::cerr << "checkpoint " << checkpointName(path) << " could not be closed (" << error.getMessage()
                      << "); it rolls back at its deadline\n";
        }
        throw;
    }
    std::cout << checkpointLine({path, checkpoint.Deadline(), checkpoint.Creator()}, realtimeNow());
}

std::optional<CheckpointView> openCheckpoint(DaemonClient &client)
{
    std::string path;
    try {
        path = client.manager().Checkpoint();
    } catch (const sdbus::Error &error) {
        // An ifpind that has no checkpoints at all.
        if (error.getName() == "org.freedesktop.DBus.Error.InvalidArgs" ||
            error.getName() == "org.freedesktop.DBus.Error.UnknownProperty")
            return std::nullopt;
        throw;
    }
    if (path == "/")
        return std::nullopt;
    CheckpointProxy checkpoint(client.connection(), path);
    return CheckpointView{path, checkpoint.Deadline(), checkpoint.Creator()};
}

// The checkpoint closed between finding it and calling it: say so in words, not as UnknownObject.
int closeOpenCheckpoint(const std::string &command, bool confirm)
{
    return withDaemon(command, [confirm](DaemonClient &client) {
        auto open = openCheckpoint(client);
        if (!open)
            throw std::runtime_error("no checkpoint is open");
        CheckpointProxy checkpoint(client.connection(), open->path);
        try {
            confirm ? checkpoint.Confirm() : checkpoint.Rollback();
        } catch (const sdbus::Error &error) {
            if (error.getName() == "org.freedesktop.DBus.Error.UnknownObject")
                throw std::runtime_error("checkpoint " + checkpointName(open->path) +
                                         " closed meanwhile: its deadline passed, or somebody confirmed it or rolled "
                                         "it back");
            throw;
        }
        std::cout << "checkpoint " << checkpointName(open->path)
                  << (confirm ? " confirmed: the changes stay\n" : " rolled back: the policy before it is in force\n");
        return exitOk;
    });
}

} // namespace ifpinctl
