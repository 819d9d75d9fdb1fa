#include "pinning/cgroup_tree.hpp"

#include <cerrno>
#include <charconv>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/small_file.hpp"

namespace ifpin {

namespace {

constexpr size_t procsLimit = 4 * 1024 * 1024; // a pid a line: far more processes than a host has

std::vector<pid_t> readProcs(const std::string &directory)
{
    std::vector<pid_t> pids;
    std::optional<std::string> text;
    try {
        text = readSmallFile(directory + "/cgroup.procs", procsLimit);
    } catch (const FileReadError &) {
        return pids;
    }
    if (!text)
        return pids;
    const char *at = text->data(), *end = text->data() + text->size();
    while (at < end) {
        pid_t pid = 0;
        auto [next, error] = std::from_chars(at, end, pid);
        if (error == std::errc())
            pids.push_back(pid);
        at = next;
        while (at < end && (*at < '0' || *at > '9'))
            ++at;
    }
    return pids;
}

void makeDirectory(const std::string &path)
{
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        throw std::system_error(errno, std::generic_category(), "cannot create the cgroup " + path);
}

} // namespace

std::string CgroupTree::directory(std::string_view relative) const
{
    return cgroup2_.mountPoint + "/" + std::string(relative);
}

std::string CgroupTree::directoryOfPath(std::string_view cgroupPath) const
{
    std::string root = cgroup2_.root == "/" ? "" : cgroup2_.root;
    if (!cgroupPath.starts_with(root) || (cgroupPath.size() > root.size() && cgroupPath[root.size()] != '/'))
        return {};
    return cgroup2_.mountPoint + std::string(cgroupPath.substr(root.size()));
}

UniqueFd CgroupTree::ensureOwn(std::string_view role) const
{
    makeDirectory(directory(ownCgroupTop));
    const std::string path = directory(ownCgroupRelative(role));
    makeDirectory(path);
    UniqueFd fd = open(path);
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "cannot open the cgroup " + path);
    return fd;
}

UniqueFd CgroupTree::open(const std::string &directory)
{
    return UniqueFd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

void CgroupTree::move(const std::string &directory, pid_t pid)
{
    const std::string path = directory + "/cgroup.procs";
    UniqueFd procs(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!procs)
        throw std::system_error(errno, std::generic_category(), "cannot open " + path);
    const std::string text = std::to_string(pid) + "\n";
    if (write(procs.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw std::system_error(errno, std::generic_category(), "cannot write pid " + std::to_string(pid) + " to " + path);
}

bool CgroupTree::contains(const std::string &directory, pid_t pid)
{
    for (pid_t listed : readProcs(directory))
        if (listed == pid)
            return true;
    return false;
}

size_t CgroupTree::processCount(const std::string &directory)
{
    return readProcs(directory).size();
}

bool CgroupTree::removeOwn(std::string_view role) const
{
    bool removed = rmdir(directory(ownCgroupRelative(role)).c_str()) == 0 || errno == ENOENT;
    int error = errno;
    rmdir(directory(ownCgroupTop).c_str()); // fails while other roles are there
    errno = error;
    return removed;
}

} // namespace ifpin
