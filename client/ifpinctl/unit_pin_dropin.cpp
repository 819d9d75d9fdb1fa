// The drop-in of `ifpinctl pin-unit`: see unit_pin_dropin.hpp.
#include "unit_pin_dropin.hpp"

#include <array>
#include <utility>

namespace ifpinctl {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 5> cgroupUnitTypes{{
    {".service", "Service"},
    {".socket", "Socket"},
    {".mount", "Mount"},
    {".swap", "Swap"},
    {".slice", "Slice"},
}};
constexpr std::string_view roleLine = "# ifpin role: ";

} // namespace

std::optional<std::string> unitProblem(std::string_view unit)
{
    if (unit.empty() || unit.size() > 255)
        return "a unit name has 1 to 255 characters";
    for (char c : unit)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '-' ||
              c == '_' || c == '.' || c == '\\' || c == '@'))
            return "'" + std::string(1, c) + "' cannot be part of a unit name";
    for (const auto &[suffix, section] : cgroupUnitTypes)
        if (unit.size() > suffix.size() && unit.ends_with(suffix))
            return std::nullopt;
    return "only units with processes of their own can be pinned: .service, .socket, .mount, .swap or .slice "
           "(give the suffix)";
}

std::string cgroupSection(std::string_view unit)
{
    for (const auto &[suffix, section] : cgroupUnitTypes)
        if (unit.ends_with(suffix))
            return std::string(section);
    return "Service";
}

std::string dropInPath(std::string_view directory, std::string_view unit)
{
    return std::string(directory) + "/" + std::string(unit) + ".d/" + dropInName;
}

std::string dropInText(std::string_view unit, std::string_view role, std::string_view program)
{
    const std::string u(unit), r(role), p(program);
    return "# Written by `ifpinctl pin-unit " + u + " " + r + "`; `ifpinctl unpin-unit " + u + " " + r +
           "` removes it.\n"
           "# Every AF_INET and AF_INET6 socket of " + u + " is bound by the kernel to the interface of\n"
           "# ifpin role " + r + ", from its first (docs/client.md, \"Pinned units\").\n" +
           std::string(roleLine) + r + "\n"
           "[Unit]\n"
           "Wants=ifpind.service\n"
           "After=ifpind.service\n"
           "# systemd starts a unit whose BPFProgram= is missing without it, unpinned: not this one.\n"
           "AssertPathExists=" + p + "\n"
           "\n"
           "[" + cgroupSection(unit) + "]\n"
           "BPFProgram=sock_create:" + p + "\n";
}

std::optional<std::string> pinnedRoleIn(std::string_view text)
{
    size_t at = 0;
    while (at < text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(at, end - at);
        if (line.starts_with(roleLine))
            return std::string(line.substr(roleLine.size()));
        at = end + 1;
    }
    return std::nullopt;
}

} // namespace ifpinctl
