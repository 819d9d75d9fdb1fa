// How ifpinctl's subcommands plug into main.cpp: each file adds its CLI11 subcommand to the app and
// returns what to run when that subcommand was given. Adding a subcommand is one line in main.cpp.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace ifpinctl {

// Exit statuses shared by all subcommands (a subcommand may return others, e.g. exec's 126/127).
inline constexpr int exitOk = 0;
inline constexpr int exitFailure = 1;
inline constexpr int exitUsage = 2; // bad command-line arguments

struct Subcommand {
    CLI::App *app = nullptr;  // owned by the parent app
    std::function<int()> run; // called after parsing when app->parsed(); returns the exit status
};

} // namespace ifpinctl
