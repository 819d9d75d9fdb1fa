// ifpinctl exec: see exec_command.hpp. By default asks ifpind to put this very process in the role's
// kernel-pinned cgroup (libifpin's ifpin_pin_process), sets no_new_privs, then execvp()s the
// command; with --preload sets LD_PRELOAD and IFPIN_ROLE instead. Either way the command has
// ifpinctl's pid and gives its exit status. IFPIN_SOCKET and everything else pass through.
#include "exec_command.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

#include <sys/prctl.h>
#include <unistd.h>

#include <ifpin/ifpin.h>

#ifndef IFPIN_PRELOAD_PATH
#error "IFPIN_PRELOAD_PATH (the installed libifpin-preload.so) must be defined by the build"
#endif

namespace ifpinctl {
namespace {

constexpr int exitCannotExecute = 126;
constexpr int exitNotFound = 127;
constexpr size_t roleNameMax = 32; // as the daemon's config allows

struct ExecOptions {
    std::string role;
    std::vector<std::string> command;
    bool preload = false; // the LD_PRELOAD shim instead of kernel pinning
};

// $IFPIN_PRELOAD (e.g. the build tree's shim, for the tests), else the installed one.
std::string shimPath()
{
    const char *override = std::getenv("IFPIN_PRELOAD");
    return override && *override ? override : IFPIN_PRELOAD_PATH;
}

// Kernel pinning: this process goes into the role's pinned cgroup, and what it execs stays there.
int pinInKernel(const ExecOptions &options)
{
    if (ifpin_pin_process(options.role.c_str()) != 0) {
        int error = errno;
        std::cerr << "ifpinctl exec: cannot pin to role " << options.role << ": " << ifpin_strerror_last();
        if (error == EOPNOTSUPP)
            std::cerr << "; --preload uses the LD_PRELOAD shim instead, which cannot pin static programs, raw "
                         "system calls or the resolver";
        std::cerr << "; not running " << options.command[0] << '\n';
        return exitFailure;
    }
    // A program with file capabilities (Debian's ping has cap_net_raw) or a set-user-ID one would
    // otherwise gain the privilege to rebind its sockets.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        std::cerr << "ifpinctl exec: cannot set no_new_privs: " << std::strerror(errno) << "; not running "
                  << options.command[0] << '\n';
        return exitFailure;
    }
    return exitOk;
}

// The preload shim: checked, then put in front of LD_PRELOAD with the role in IFPIN_ROLE.
int preparePreload(const ExecOptions &options)
{
    const std::string shim = shimPath();
    // The loader skips a preload it cannot load with a warning and runs the program anyway,
    // unpinned: so check first, and refuse.
    if (shim.find_first_of(": ") != std::string::npos) {
        std::cerr << "ifpinctl exec: the preload shim path '" << shim
                  << "' contains ':' or ' ', which LD_PRELOAD cannot carry; not running " << options.command[0] << '\n';
        return exitFailure;
    }
    if (access(shim.c_str(), R_OK) != 0) {
        std::cerr << "ifpinctl exec: cannot read the preload shim " << shim << ": " << std::strerror(errno)
                  << "; not running " << options.command[0] << " unpinned\n";
        return exitFailure;
    }
    const char *existing = std::getenv("LD_PRELOAD");
    const std::string preload = preloadWithShim(shim, existing ? std::optional<std::string>(existing) : std::nullopt);
    if (setenv("LD_PRELOAD", preload.c_str(), 1) != 0 || setenv("IFPIN_ROLE", options.role.c_str(), 1) != 0) {
        std::cerr << "ifpinctl exec: cannot set the environment: " << std::strerror(errno) << '\n';
        return exitFailure;
    }
    return exitOk;
}

int runExec(const ExecOptions &options)
{
    if (options.role.empty() || options.role.size() > roleNameMax) {
        std::cerr << "ifpinctl exec: role '" << options.role << "' must be 1 to " << roleNameMax << " bytes\n";
        return exitUsage;
    }
    if (int status = options.preload ? preparePreload(options) : pinInKernel(options); status != exitOk)
        return status;

    std::vector<char *> argv;
    for (const auto &arg : options.command)
        argv.push_back(const_cast<char *>(arg.c_str()));
    argv.push_back(nullptr);
    std::cout.flush();
    execvp(argv[0], argv.data());
    int error = errno;
    if (error == ENOENT) {
        std::cerr << "ifpinctl exec: " << options.command[0] << ": command not found\n";
        return exitNotFound;
    }
    std::cerr << "ifpinctl exec: cannot run " << options.command[0] << ": " << std::strerror(error) << '\n';
    return error == EACCES || error == ENOEXEC ? exitCannotExecute : exitNotFound;
}

} // namespace

std::string preloadWithShim(const std::string &shim, const std::optional<std::string> &existing)
{
    std::string out = shim;
    if (!existing)
        return out;
    size_t start = 0;
    while (start <= existing->size()) {
        size_t end = existing->find_first_of(": ", start);
        if (end == std::string::npos)
            end = existing->size();
        std::string entry = existing->substr(start, end - start);
        if (!entry.empty() && entry != shim)
            out += ":" + entry;
        start = end + 1;
    }
    return out;
}

Subcommand addExecCommand(CLI::App &parent)
{
    auto options = std::make_shared<ExecOptions>();
    CLI::App *app = parent.add_subcommand("exec", "Run a command whose sockets are bound to a role's interface by "
                                                  "the kernel (or, with --preload, by the LD_PRELOAD shim)");
    app->add_flag("--preload", options->preload,
                  "Use the LD_PRELOAD shim instead of kernel pinning (for hosts without cgroup v2 BPF; it pins "
                  "only the TCP and UDP sockets a dynamically linked program makes with socket())");
    app->add_option("role", options->role, "The role whose interface the sockets use (e.g. mgmt)")->required();
    app->add_option("command", options->command, "The command and its arguments, after --")->required();
    app->footer("Example: ifpinctl exec mgmt -- curl -s http://example.net/\n"
                "Put -- before the command when it has options of its own. The command runs in the role's "
                "pinned cgroup with no_new_privs. The exit status is the command's; 127 when it is not found, "
                "126 when it cannot be run, 1 when it could not be pinned.");
    return {app, [options] { return runExec(*options); }};
}

} // namespace ifpinctl
