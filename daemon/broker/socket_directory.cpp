#include "broker/socket_directory.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

#include "core/text.hpp"

namespace ifpin {

namespace {

bool ownedByUs(const struct stat &st)
{
    return st.st_uid == 0 || st.st_uid == geteuid();
}

// "1777", as chmod takes it.
std::string fmtMode(mode_t mode)
{
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

} // namespace

std::optional<std::string> socketDirectoryProblem(const std::string &directory)
{
    std::filesystem::path path = std::filesystem::absolute(directory).lexically_normal();
    struct stat st {};
    if (stat(path.c_str(), &st) != 0)
        return "cannot inspect " + escaped(path.string()) + ": " + std::strerror(errno);
    if (!S_ISDIR(st.st_mode))
        return escaped(path.string()) + " is not a directory";
    if (!ownedByUs(st))
        return escaped(path.string()) + " belongs to uid " + std::to_string(st.st_uid) + ", not to root";
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return escaped(path.string()) + " is writable by others (mode " + fmtMode(st.st_mode) + ")";
    // Above it: nobody else may rename it away, unless the sticky bit keeps them to their own entries.
    for (auto above = path.parent_path(); ; above = above.parent_path()) {
        struct stat up {};
        if (stat(above.c_str(), &up) != 0)
            return "cannot inspect " + escaped(above.string()) + ": " + std::strerror(errno);
        if ((up.st_mode & (S_IWGRP | S_IWOTH)) && !(up.st_mode & S_ISVTX))
            return escaped(above.string()) + ", above it, is writable by others and not sticky (mode " +
                   fmtMode(up.st_mode) + ")";
        if (!ownedByUs(up) && (up.st_mode & S_IWUSR))
            return escaped(above.string()) + ", above it, belongs to uid " + std::to_string(up.st_uid);
        if (above == above.root_path())
            break;
    }
    return std::nullopt;
}

} // namespace ifpin
