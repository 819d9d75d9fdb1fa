// The configuration in force: the file's, with the runtime changes made over D-Bus on top
// (runtime_overrides.hpp). Owns the state file <state_directory>/runtime.json: read at start and at
// every reload (so deleting it and reloading drops the runtime changes), written atomically before
// any change takes effect (so a change that was accepted survives a restart).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/runtime_overrides.hpp"

namespace ifpin {

class LayeredConfig {
public:
    static constexpr std::string_view stateFileName = "runtime.json";

    // Reads the state file of file.daemon.stateDirectory. Problems are logged, never thrown: a
    // corrupt or unreadable state file is ignored and the file's config applies.
    explicit LayeredConfig(Config file);

    // On reload: the new file's config, and the state file read again. A state file that is gone
    // drops the runtime changes; one that cannot be used (unreadable, not JSON, too large) keeps
    // the changes in force and writes them back.
    void setFileConfig(Config file);

    const Config &effective() const { return merged_.config; }
    const Config &fileConfig() const { return file_; } // the file's layer, without the runtime changes
    const RuntimeOverrides &overrides() const { return merged_.applied; }
    std::string statePath() const;

    enum class Outcome { applied, unknownRole, conflict, notSaved };
    struct ChangeResult {
        Outcome outcome = Outcome::applied;
        std::string message; // what was wrong, for the caller; empty when applied
    };
    // Edits role's runtime changes; refused when the role is unknown or the result clashes with
    // another role; saved before it becomes effective(). Values are the caller's to validate.
    ChangeResult change(std::string_view role, const std::function<void(RoleOverride &)> &edit);
    // Drops every runtime change of role: the file's values apply again.
    ChangeResult reset(std::string_view role);
    // A checkpoint's rollback: file and overrides as they were, laid over each other again (what would
    // clash now is dropped, as at a reload) and written to the state file. They are in force even
    // when the state file cannot be written (a rollback must not fail); the result says so.
    ChangeResult restore(Config file, const RuntimeOverrides &overrides);

private:
    enum class StateFileTrouble { ignore, keepChangesInForce };
    void readStateFile(StateFileTrouble trouble);
    void merge(const RuntimeOverrides &overrides, bool saveWhenDropped);
    ChangeResult save(const RuntimeOverrides &overrides);

    Config file_;
    MergedConfig merged_;
};

} // namespace ifpin
