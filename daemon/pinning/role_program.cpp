#include "pinning/role_program.hpp"

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include "pinning/role_pin_map.h"
#include "role_pin.skel.h"

namespace ifpin {

namespace {

constexpr const char *mapSuffix = "@map";
constexpr const char *replacementSuffix = "@new";

[[noreturn]] void fail(const std::string &what, int error)
{
    throw PinError(what + ": " + std::strerror(error));
}

// errno is read first: building the text may change it.
template <typename Text>
[[noreturn]] void failWithErrno(Text what)
{
    int error = errno;
    fail(std::string(what()), error);
}

// libbpf's own messages (a verifier log, a missing kernel feature) into ifpind's log.
int libbpfMessage(enum libbpf_print_level level, const char *format, va_list arguments)
{
    std::array<char, 1024> text{};
    int length = std::vsnprintf(text.data(), text.size(), format, arguments);
    std::string_view line(text.data(), length < 0 ? 0 : std::min<size_t>(size_t(length), text.size() - 1));
    while (!line.empty() && line.back() == '\n')
        line.remove_suffix(1);
    if (level == LIBBPF_WARN)
        spdlog::warn("libbpf: {}", line);
    else if (level == LIBBPF_INFO)
        spdlog::debug("libbpf: {}", line);
    else
        spdlog::trace("libbpf: {}", line);
    return 0;
}

void routeLibbpfMessages()
{
    static const bool routed = (libbpf_set_print(libbpfMessage), true);
    (void)routed;
}

bpf_map_info mapInfo(int fd, const std::string &path)
{
    bpf_map_info info{};
    __u32 length = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
        failWithErrno([&] { return "cannot read what the map " + path + " is"; });
    return info;
}

struct ProgramFacts {
    bpf_prog_info info{};
    std::vector<__u32> mapIds;
};

ProgramFacts programFacts(int fd, const std::string &what)
{
    ProgramFacts facts;
    facts.mapIds.resize(4);
    facts.info.nr_map_ids = static_cast<__u32>(facts.mapIds.size());
    facts.info.map_ids = reinterpret_cast<__u64>(facts.mapIds.data());
    __u32 length = sizeof facts.info;
    if (bpf_obj_get_info_by_fd(fd, &facts.info, &length) != 0)
        failWithErrno([&] { return "cannot read what the program " + what + " is"; });
    facts.mapIds.resize(std::min<size_t>(facts.info.nr_map_ids, facts.mapIds.size()));
    return facts;
}

} // namespace

std::string programPinPath(const std::string &directory, const std::string &role)
{
    return directory + "/" + role;
}

std::string mapPinPath(const std::string &directory, const std::string &role)
{
    return directory + "/" + role + mapSuffix;
}

std::vector<std::string> pinnedRoles(const std::string &directory)
{
    std::vector<std::string> roles;
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(directory, error)) {
        std::string name = entry.path().filename();
        if (name.size() > std::strlen(mapSuffix) && name.ends_with(mapSuffix))
            roles.push_back(name.substr(0, name.size() - std::strlen(mapSuffix)));
    }
    return roles;
}

std::string retirePinnedRole(const std::string &directory, const std::string &role) noexcept
{
    std::string problems;
    const std::string map = mapPinPath(directory, role), program = programPinPath(directory, role);
    UniqueFd fd(bpf_obj_get(map.c_str()));
    __u32 key = IFPIN_PIN_TARGET;
    ifpin_pin_value refuse{};
    if (!fd || bpf_map_update_elem(fd.get(), &key, &refuse, BPF_EXIST) != 0)
        problems = "cannot make " + map + " refuse sockets: " + std::strerror(errno);
    for (const std::string &path : {program, map})
        if (unlink(path.c_str()) != 0 && errno != ENOENT)
            problems += (problems.empty() ? "" : "; ") + ("cannot unpin " + path + ": " + std::strerror(errno));
    return problems;
}

RoleProgram::RoleProgram(const std::string &directory, const std::string &role)
    : role_(role), programPath_(programPinPath(directory, role)), mapPath_(mapPinPath(directory, role))
{
    routeLibbpfMessages();
    if (mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST)
        failWithErrno([&] { return "cannot create the pin directory " + directory; });
    openMap(directory);
    openProgram();
}

// The pinned map when it has the frozen layout; a new one (all zero: refusing) when there is none.
void RoleProgram::openMap(const std::string &directory)
{
    map_.reset(bpf_obj_get(mapPath_.c_str()));
    if (map_) {
        bpf_map_info info = mapInfo(map_.get(), mapPath_);
        if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
            info.value_size != sizeof(ifpin_pin_value) || info.max_entries != IFPIN_PIN_ENTRIES)
            throw PinError(fmt::format("{} is not a map of ifpin's layout (type {}, key {} bytes, value {} bytes, "
                                       "{} entries); it is left alone",
                                       mapPath_, info.type, info.key_size, info.value_size, info.max_entries));
        return;
    }
    if (errno != ENOENT)
        failWithErrno([&] { return "cannot open the pinned map " + mapPath_; });
    LIBBPF_OPTS(bpf_map_create_opts, options);
    map_.reset(bpf_map_create(BPF_MAP_TYPE_ARRAY, "ifpin_role", sizeof(__u32), sizeof(ifpin_pin_value),
                              IFPIN_PIN_ENTRIES, &options));
    if (!map_)
        failWithErrno([&] { return "cannot create the map of role " + role_ + " (CAP_BPF and CAP_NET_ADMIN needed)"; });
    if (bpf_obj_pin(map_.get(), mapPath_.c_str()) != 0)
        failWithErrno([&] { return "cannot pin the map at " + mapPath_ + " (is " + directory + " on a bpf filesystem?)"; });
}

// Loads this ifpind's program on the role's map; keeps the pinned one when it is the same program
// on the same map, else pins the new one beside it and renames it over, so the path never names
// nothing or half a program.
void RoleProgram::openProgram()
{
    struct SkeletonDeleter {
        void operator()(ifpin_role_pin *skeleton) const { ifpin_role_pin__destroy(skeleton); }
    };
    std::unique_ptr<ifpin_role_pin, SkeletonDeleter> skeleton(ifpin_role_pin__open());
    if (!skeleton)
        failWithErrno([&] { return "cannot open the pinning program of role " + role_; });
    if (int error = bpf_map__reuse_fd(skeleton->maps.ifpin_role, map_.get()); error != 0)
        fail("cannot give the pinning program of role " + role_ + " its map", -error);
    if (int error = ifpin_role_pin__load(skeleton.get()); error != 0)
        fail("cannot load the pinning program of role " + role_ + " (CAP_BPF and CAP_NET_ADMIN needed)", -error);
    UniqueFd loaded(fcntl(bpf_program__fd(skeleton->progs.ifpin_sock_create), F_DUPFD_CLOEXEC, 3));
    if (!loaded)
        failWithErrno([&] { return "cannot keep the pinning program of role " + role_; });
    ProgramFacts fresh = programFacts(loaded.get(), "just loaded");
    __u32 mapId = mapInfo(map_.get(), mapPath_).id;

    UniqueFd pinned(bpf_obj_get(programPath_.c_str()));
    if (pinned) {
        ProgramFacts old = programFacts(pinned.get(), programPath_);
        bool same = old.info.type == BPF_PROG_TYPE_CGROUP_SOCK &&
                    std::memcmp(old.info.tag, fresh.info.tag, sizeof old.info.tag) == 0 &&
                    old.mapIds.size() == 1 && old.mapIds[0] == mapId;
        if (same) {
            program_ = std::move(pinned);
            programId_ = old.info.id;
            reused_ = true;
            return;
        }
        spdlog::info("pinning: {} is another program (id {}); replacing it with this ifpind's", programPath_,
                     old.info.id);
    } else if (errno != ENOENT) {
        failWithErrno([&] { return "cannot open the pinned program " + programPath_; });
    }
    const std::string replacement = programPath_ + replacementSuffix;
    unlink(replacement.c_str());
    if (bpf_obj_pin(loaded.get(), replacement.c_str()) != 0)
        failWithErrno([&] { return "cannot pin the program at " + replacement; });
    if (rename(replacement.c_str(), programPath_.c_str()) != 0) {
        int error = errno;
        unlink(replacement.c_str());
        fail("cannot rename " + replacement + " to " + programPath_, error);
    }
    program_ = std::move(loaded);
    programId_ = fresh.info.id;
}

std::string RoleProgram::repin()
{
    std::string repinned;
    for (auto [fd, path] : {std::pair{program_.get(), &programPath_}, std::pair{map_.get(), &mapPath_}}) {
        struct stat st {};
        if (stat(path->c_str(), &st) == 0 || errno != ENOENT)
            continue;
        if (bpf_obj_pin(fd, path->c_str()) != 0)
            failWithErrno([&] { return "cannot pin " + *path + " again"; });
        repinned += (repinned.empty() ? "" : ", ") + *path;
    }
    return repinned;
}

void RoleProgram::setTarget(uint32_t ifindex, uint32_t mark)
{
    __u32 key = IFPIN_PIN_TARGET;
    ifpin_pin_value value{ifindex, mark, 0};
    if (bpf_map_update_elem(map_.get(), &key, &value, BPF_ANY) != 0)
        failWithErrno([&] { return "cannot write the map of role " + role_; });
}

uint64_t RoleProgram::refused() const
{
    __u32 key = IFPIN_PIN_COUNTERS;
    ifpin_pin_value value{};
    return bpf_map_lookup_elem(map_.get(), &key, &value) == 0 ? value.refused : 0;
}

bool RoleProgram::attachedTo(int cgroupFd, bool effective) const
{
    std::array<__u32, 64> ids{};
    __u32 count = static_cast<__u32>(ids.size());
    __u32 flags = 0;
    if (bpf_prog_query(cgroupFd, BPF_CGROUP_INET_SOCK_CREATE, effective ? BPF_F_QUERY_EFFECTIVE : 0, &flags,
                       ids.data(), &count) != 0)
        failWithErrno([] { return "cannot ask the kernel which programs a cgroup runs (CAP_NET_ADMIN needed)"; });
    return std::find(ids.begin(), ids.begin() + std::min<size_t>(count, ids.size()), programId_) !=
           ids.begin() + std::min<size_t>(count, ids.size());
}

void RoleProgram::attach(int cgroupFd, bool exclusive) const
{
    if (bpf_prog_attach(program_.get(), cgroupFd, BPF_CGROUP_INET_SOCK_CREATE, exclusive ? 0 : BPF_F_ALLOW_MULTI) != 0)
        failWithErrno([&] {
            return "cannot attach " + programPath_ +
                   (errno == EPERM ? " (does an ancestor cgroup hold a program attached without flags?)" : "");
        });
}

std::string RoleProgram::retire() noexcept
{
    std::string problems;
    try {
        setTarget(0, 0);
    } catch (const PinError &error) {
        problems = error.what();
    }
    for (const std::string &path : {programPath_, mapPath_})
        if (unlink(path.c_str()) != 0 && errno != ENOENT)
            problems += (problems.empty() ? "" : "; ") + ("cannot unpin " + path + ": " + std::strerror(errno));
    return problems;
}

} // namespace ifpin
