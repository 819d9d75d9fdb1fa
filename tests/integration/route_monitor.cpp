// RouteMonitor: `ip monitor route` in a lab's host namespace, its events read back in order.
#include "lab_fixture.hpp"
#include "fixture_internal.hpp"

#include <csignal>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>

namespace ifpin::lab {

using detail::readFile;

namespace {
constexpr std::string_view monitorMarker = "203.0.113.100 dev other0";
}

RouteMonitor::RouteMonitor(const Lab &lab) : outputPath_(dir_.path() + "/monitor.txt")
{
    std::vector<std::string> argv{"ip", "-N", "-n", lab.hostNamespace(), "monitor", "route"};
    pid_ = detail::spawnWithLog(argv, outputPath_, detail::LogFile::truncate);

    // ip gives no sign that it listens: make events (a route added and deleted again, since
    // rewriting an identical IPv4 route makes none) until one shows.
    const std::string marker(monitorMarker);
    bool seen = eventually(
        [&] {
            lab.run("ip route add " + marker + " proto static; ip route del " + marker + " proto static");
            return readFile(outputPath_).find(marker) != std::string::npos;
        },
        5s);
    if (!seen) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        throw std::runtime_error("ip monitor route in " + lab.hostNamespace() + " shows nothing: " + readFile(outputPath_));
    }
}

RouteMonitor::~RouteMonitor()
{
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

std::vector<std::string> RouteMonitor::lines() const
{
    std::vector<std::string> out;
    std::istringstream in(readFile(outputPath_));
    for (std::string line; std::getline(in, line);) {
        if (line.find(monitorMarker) == std::string::npos && !line.empty())
            out.push_back(line);
    }
    return out;
}

std::string RouteMonitor::text() const
{
    std::string out;
    for (const auto &line : lines())
        out += "\n  " + line;
    return out.empty() ? "(no route events)" : out;
}
} // namespace ifpin::lab
