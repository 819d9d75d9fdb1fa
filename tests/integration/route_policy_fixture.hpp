// The RoutePolicy suite's fixture and helpers (route_policy_test.cpp, faults_test.cpp): the lab's
// standard two-role configuration (media0 at 100, mgmt0 at 1000, gateways given) and waits on the
// kernel's default routes being exactly what it asks for.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "lab_fixture.hpp"

namespace ifpin::lab::route_test {

inline constexpr int ownProtocol = 241; // ifpind's routing protocol number (meson.build)
inline constexpr int rtprotBoot = 3;    // what `ip route add` uses without "proto"

inline DefaultRoute ours(const std::string &dev, const std::string &gateway, uint32_t metric)
{
    return {dev, gateway, metric, ownProtocol, "main"};
}

inline std::string roleSection(const std::string &name, const std::string &interface, int metric,
                        std::optional<std::string> gateway4, std::optional<std::string> gateway6)
{
    std::string out = "\n[role." + name + "]\ninterface = \"" + interface + "\"\nmetric = " + std::to_string(metric) + "\n";
    if (gateway4)
        out += "gateway4 = \"" + *gateway4 + "\"\n";
    if (gateway6)
        out += "gateway6 = \"" + *gateway6 + "\"\n";
    return out;
}

inline std::string mediaRole()
{
    return roleSection("media", "media0", 100, "192.0.2.1", "2001:db8:1::1");
}

inline std::string mgmtRole(int metric = 1000)
{
    return roleSection("mgmt", "mgmt0", metric, "198.51.100.1", "2001:db8:2::1");
}

// mgmt with a metric that is not a number; returns the config and the line of the bad metric.
inline std::pair<std::string, int> withInvalidMgmtMetric(const std::string &daemonSection)
{
    std::string config = daemonSection + mediaRole() +
                         "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = \"x\"\ngateway4 = \"198.51.100.1\"\n";
    auto at = config.find("metric = \"x\"");
    return {config, static_cast<int>(std::count(config.begin(), config.begin() + static_cast<long>(at), '\n')) + 1};
}

inline std::vector<DefaultRoute> sorted(std::vector<DefaultRoute> routes)
{
    std::sort(routes.begin(), routes.end(), [](const DefaultRoute &a, const DefaultRoute &b) {
        return std::tie(a.dev, a.metric, a.gateway, a.protocol) < std::tie(b.dev, b.metric, b.gateway, b.protocol);
    });
    return routes;
}

// Index of the first monitor line that starts with prefix; npos when none does.
inline size_t firstLineStarting(const std::vector<std::string> &lines, const std::string &prefix)
{
    for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].rfind(prefix, 0) == 0)
            return i;
    return std::string::npos;
}

class RoutePolicy : public LabTest {
protected:
    std::string standardConfig(int mgmtMetric = 1000) const { return daemonSection() + mediaRole() + mgmtRole(mgmtMetric); }

    std::string describeDefaults(Family family, const std::string &table = "main")
    {
        return "default routes (" + std::string(familyName(family)) + ", table " + table +
               "):" + describe(lab().defaultRoutes(family, table));
    }

    bool defaultsOnAre(const std::string &dev, Family family, const std::vector<DefaultRoute> &expected,
                       const std::string &table = "main")
    {
        return sorted(lab().defaultRoutesOn(dev, family, table)) == sorted(expected);
    }

    // Waits until the default routes on dev are exactly expected.
    ::testing::AssertionResult defaultsOnBecome(const std::string &dev, Family family,
                                                const std::vector<DefaultRoute> &expected,
                                                const std::string &table = "main")
    {
        auto result = eventually([&] { return defaultsOnAre(dev, family, expected, table); },
                                 [&] { return describeDefaults(family, table); });
        if (!result)
            result << "\nexpected on " << dev << ":" << describe(expected);
        return result;
    }

    // Both roles' routes of standardConfig(mgmtMetric), and nothing else on their interfaces.
    bool standardRoutesInPlace(int mgmtMetric = 1000)
    {
        return defaultsOnAre("media0", Family::inet, {ours("media0", "192.0.2.1", 100)}) &&
               defaultsOnAre("media0", Family::inet6, {ours("media0", "2001:db8:1::1", 100)}) &&
               defaultsOnAre("mgmt0", Family::inet, {ours("mgmt0", "198.51.100.1", mgmtMetric)}) &&
               defaultsOnAre("mgmt0", Family::inet6, {ours("mgmt0", "2001:db8:2::1", mgmtMetric)});
    }
    std::string describeBothFamilies() { return describeDefaults(Family::inet) + "\n" + describeDefaults(Family::inet6); }

    ::testing::AssertionResult standardRoutesBecome(int mgmtMetric = 1000)
    {
        return eventually([&] { return standardRoutesInPlace(mgmtMetric); }, [&] { return describeBothFamilies(); });
    }
    ::testing::AssertionResult standardRoutesStay(std::chrono::milliseconds duration, int mgmtMetric = 1000)
    {
        return holdsFor([&] { return standardRoutesInPlace(mgmtMetric); }, [&] { return describeBothFamilies(); },
                        duration);
    }

    // ifpind run to completion (for what must exit at once), its stdout and stderr apart.
    CommandResult runIfpindOnce(std::vector<std::string> args)
    {
        std::vector<std::string> argv{"ip", "netns", "exec", lab().hostNamespace(), requiredEnv("IFPIND")};
        argv.insert(argv.end(), args.begin(), args.end());
        return runCommand(argv, 10s);
    }

    bool noRouteOfOurs()
    {
        for (Family family : {Family::inet, Family::inet6})
            for (const auto &route : lab().routes(family))
                if (route.value("protocol", "") == std::to_string(ownProtocol))
                    return false;
        return true;
    }
};

} // namespace ifpin::lab::route_test
