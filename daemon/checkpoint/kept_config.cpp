#include "checkpoint/kept_config.hpp"

#include "core/small_file.hpp"

namespace ifpin {

namespace {

// What the header ends with; what follows is the configuration as it was written.
constexpr std::string_view headerEnd = "# ---- the configuration as it was, unchanged, below this line ----\n";
// The configuration file's own limit is 1 MiB; a header more.
constexpr size_t maxKeptSize = 1024 * 1024 + 4096;

std::string pathIn(const std::string &stateDirectory)
{
    return stateDirectory + "/" + std::string(keptConfigFileName);
}

} // namespace

KeptConfigRead readKeptConfig(const std::string &stateDirectory, const RoutingTableNames &tables)
{
    const std::string path = pathIn(stateDirectory);
    KeptConfigRead result;
    std::optional<std::string> text;
    try {
        text = readSmallFile(path, maxKeptSize);
    } catch (const std::exception &error) {
        result.problem = error.what();
        return result;
    }
    if (!text)
        return result;
    std::string body = *text;
    if (auto end = body.find(headerEnd); end != std::string::npos)
        body.erase(0, end + headerEnd.size());
    ConfigResult parsed = parseConfig(body, path, tables);
    if (!parsed.config) {
        result.problem = parsed.errors.front().toString();
        return result;
    }
    if (parsed.config->daemon.stateDirectory != stateDirectory) {
        result.problem = path + " names another state directory (" + parsed.config->daemon.stateDirectory + ")";
        return result;
    }
    result.layer = FileLayer{std::move(*parsed.config), std::move(body), path, true};
    return result;
}

void writeKeptConfig(const std::string &stateDirectory, std::string_view text, std::string_view configPath,
                     std::string_view why)
{
    std::string content = "# Written by ifpind: in force in place of " + std::string(configPath) + " since " +
                          std::string(why) + ".\n"
                          "# It stays in force, across restarts too, until the next reload (systemctl reload\n"
                          "# ifpind, ifpinctl reload, SIGHUP) reads the configuration file again and removes it.\n"
                          "# Do not edit; see docs/configuration.md, \"Checkpoints\".\n" +
                          std::string(headerEnd) + std::string(text);
    writeFileAtomically(stateDirectory, std::string(keptConfigFileName), content);
}

bool removeKeptConfig(const std::string &stateDirectory)
{
    return removeFileDurably(stateDirectory, std::string(keptConfigFileName));
}

} // namespace ifpin
