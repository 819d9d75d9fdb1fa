#include "config/layered_config.hpp"

#include <optional>

#include <spdlog/spdlog.h>

#include "core/small_file.hpp"

namespace ifpin {

namespace {

// The state file holds a few lines per role; anything bigger is not ours.
constexpr size_t maxStateFileSize = 1024 * 1024;

} // namespace

LayeredConfig::LayeredConfig(Config file) : file_(std::move(file))
{
    readStateFile(StateFileTrouble::ignore);
}

void LayeredConfig::setFileConfig(Config file)
{
    file_ = std::move(file);
    readStateFile(StateFileTrouble::keepChangesInForce);
}

std::string LayeredConfig::statePath() const
{
    return file_.daemon.stateDirectory + "/" + std::string(stateFileName);
}

void LayeredConfig::readStateFile(StateFileTrouble trouble)
{
    const std::string path = statePath();
    RuntimeOverrides overrides;
    std::optional<std::string> unusable;
    try {
        if (auto text = readSmallFile(path, maxStateFileSize)) {
            ParsedOverrides parsed = overridesFromJson(*text);
            unusable = parsed.unusable;
            for (const auto &skipped : parsed.skipped)
                spdlog::error("state file {}: {}; entry ignored", path, skipped);
            overrides = std::move(parsed.overrides);
        }
    } catch (const std::exception &error) {
        unusable = error.what();
    }
    if (unusable && trouble == StateFileTrouble::keepChangesInForce) {
        // Only ifpind writes the file, so a bad one at reload was damaged behind its back (a full
        // disk, a stray editor). The changes it had read last are still good: they stay, and are
        // written back so that a restart keeps them too. Deleting the file is how to drop them.
        spdlog::error("state file {} unusable ({}); the runtime changes in force stay and are saved again", path,
                      *unusable);
        RuntimeOverrides inForce = merged_.applied;
        merge(inForce, false);
        if (auto result = save(merged_.applied); result.outcome != Outcome::applied)
            spdlog::error("{}", result.message);
    } else {
        if (unusable)
            spdlog::error("state file {} ignored ({}); the configuration file applies without runtime changes",
                          path, *unusable);
        merge(overrides, true);
    }
    for (const auto &[role, override] : merged_.applied)
        spdlog::info("role {}: runtime change from {} applies: {}", role, path, describeOverride(override));
}

void LayeredConfig::merge(const RuntimeOverrides &overrides, bool saveWhenDropped)
{
    merged_ = mergeOverrides(file_, overrides);
    for (const auto &line : merged_.dropped)
        spdlog::warn("{}", line);
    // Dropped is dropped: the file says so too, so a role that comes back later starts clean.
    if (saveWhenDropped && !merged_.dropped.empty()) {
        if (auto result = save(merged_.applied); result.outcome != Outcome::applied)
            spdlog::error("{}", result.message);
    }
}

LayeredConfig::ChangeResult LayeredConfig::save(const RuntimeOverrides &overrides)
{
    try {
        writeFileAtomically(file_.daemon.stateDirectory, std::string(stateFileName), overridesToJson(overrides));
        return {};
    } catch (const std::exception &error) {
        return {Outcome::notSaved, std::string("cannot save the runtime change: ") + error.what()};
    }
}

LayeredConfig::ChangeResult LayeredConfig::change(std::string_view role,
                                                  const std::function<void(RoleOverride &)> &edit)
{
    if (!file_.findRole(role))
        return {Outcome::unknownRole, "no role named '" + std::string(role) + "'"};
    RuntimeOverrides wanted = merged_.applied;
    auto entry = wanted.try_emplace(std::string(role)).first;
    edit(entry->second);
    if (entry->second.empty())
        wanted.erase(entry);

    // What is in force now has no clash, so a clash now is this role's.
    std::vector<RoleConfig> roles = file_.roles;
    for (auto &r : roles)
        if (auto found = wanted.find(r.name); found != wanted.end())
            applyOverride(r, found->second);
    if (auto clash = findClash(roles, role))
        return {Outcome::conflict, "role " + std::string(role) + ": " + *clash};

    MergedConfig candidate = mergeOverrides(file_, wanted);
    if (auto saved = save(candidate.applied); saved.outcome != Outcome::applied)
        return saved;
    merged_ = std::move(candidate);
    auto found = merged_.applied.find(role);
    spdlog::info("role {}: runtime change saved to {}: {}", role, statePath(),
                 found == merged_.applied.end() ? std::string("none") : describeOverride(found->second));
    return {};
}

LayeredConfig::ChangeResult LayeredConfig::restore(Config file, const RuntimeOverrides &overrides)
{
    file_ = std::move(file);
    merged_ = mergeOverrides(file_, overrides);
    for (const auto &line : merged_.dropped)
        spdlog::warn("{}", line);
    return save(merged_.applied);
}

LayeredConfig::ChangeResult LayeredConfig::reset(std::string_view role)
{
    return change(role, [](RoleOverride &override) { override = RoleOverride{}; });
}

} // namespace ifpin
