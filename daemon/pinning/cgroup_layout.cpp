#include "pinning/cgroup_layout.hpp"

#include <charconv>

namespace ifpin {

namespace {

// mountinfo escapes space, tab, newline and backslash in paths as \NNN (octal).
std::string unescapeOctal(std::string_view text)
{
    auto octal = [&](size_t at) { return at < text.size() && text[at] >= '0' && text[at] <= '7'; };
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
            out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> out;
    size_t at = 0;
    while (at < line.size()) {
        size_t end = line.find(' ', at);
        if (end == std::string_view::npos)
            end = line.size();
        if (end > at)
            out.push_back(line.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

bool isAncestorOrSelf(std::string_view ancestor, std::string_view path)
{
    if (ancestor == "/")
        return path.starts_with('/');
    return path == ancestor || (path.starts_with(ancestor) && path.size() > ancestor.size() && path[ancestor.size()] == '/');
}

} // namespace

std::vector<MountEntry> parseMountinfo(std::string_view text)
{
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    std::vector<MountEntry> mounts;
    size_t at = 0;
    while (at < text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string_view::npos)
            end = text.size();
        auto fields = words(text.substr(at, end - at));
        at = end + 1;
        size_t dash = 6;
        while (dash < fields.size() && fields[dash] != "-")
            ++dash;
        if (fields.size() < 6 || dash + 1 >= fields.size())
            continue;
        mounts.push_back({unescapeOctal(fields[3]), unescapeOctal(fields[4]), std::string(fields[dash + 1])});
    }
    return mounts;
}

std::optional<MountEntry> cgroup2Mount(const std::vector<MountEntry> &mounts)
{
    // Only a mount that is not covered counts: the last one mounted at its mount point (a bind mount
    // of a subtree over the hierarchy, as in a container, covers the hierarchy's own mount).
    std::optional<MountEntry> first;
    for (const auto &mount : mounts) {
        if (mount.fstype != "cgroup2")
            continue;
        auto visible = mountHolding(mounts, mount.mountPoint);
        if (!visible || visible->fstype != "cgroup2" || visible->mountPoint != mount.mountPoint)
            continue;
        if (visible->mountPoint == "/sys/fs/cgroup")
            return visible;
        if (!first)
            first = visible;
    }
    return first;
}

std::optional<MountEntry> mountHolding(const std::vector<MountEntry> &mounts, std::string_view path)
{
    std::optional<MountEntry> best;
    for (const auto &mount : mounts)
        if (isAncestorOrSelf(mount.mountPoint, path) &&
            (!best || mount.mountPoint.size() >= best->mountPoint.size()))
            best = mount;
    return best;
}

std::string ownCgroupRelative(std::string_view role)
{
    return std::string(ownCgroupTop) + "/" + std::string(role);
}

std::string cgroupPathAsSeen(const MountEntry &cgroup2, std::string_view relative)
{
    std::string root = cgroup2.root;
    while (!root.empty() && root.back() == '/')
        root.pop_back();
    return root + "/" + std::string(relative);
}

std::string escapeUnitNamePart(std::string_view text)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (char c : text) {
        unsigned char byte = static_cast<unsigned char>(c);
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                     c == ':' || (c == '.' && !out.empty());
        if (plain) {
            out += c;
        } else {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        }
    }
    return out;
}

std::string scopeName(std::string_view role, pid_t pid, unsigned attempt)
{
    std::string name = "ifpin-" + escapeUnitNamePart(role) + "-" + std::to_string(pid);
    if (attempt > 1)
        name += "-" + std::to_string(attempt);
    return name + ".scope";
}

bool isScopeOfRole(std::string_view unitName, std::string_view role)
{
    const std::string prefix = "ifpin-" + escapeUnitNamePart(role) + "-";
    constexpr std::string_view suffix = ".scope";
    if (!unitName.starts_with(prefix) || !unitName.ends_with(suffix) || unitName.size() <= prefix.size() + suffix.size())
        return false;
    std::string_view rest = unitName.substr(prefix.size(), unitName.size() - prefix.size() - suffix.size());
    // PID or PID-ATTEMPT, digits only
    bool dash = false, digit = false;
    for (char c : rest) {
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c == '-' && digit && !dash) {
            dash = true;
            digit = false;
        } else {
            return false;
        }
    }
    return digit;
}

std::optional<pid_t> pidfdPidFromFdinfo(std::string_view fdinfo)
{
    size_t at = 0;
    while (at < fdinfo.size()) {
        size_t end = fdinfo.find('\n', at);
        if (end == std::string_view::npos)
            end = fdinfo.size();
        std::string_view line = fdinfo.substr(at, end - at);
        at = end + 1;
        if (!line.starts_with("Pid:"))
            continue;
        line.remove_prefix(4);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        pid_t pid = 0;
        auto [rest, error] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (error != std::errc() || rest == line.data())
            return std::nullopt;
        return pid;
    }
    return std::nullopt;
}

} // namespace ifpin
