// The fixture of the D-Bus suites (dbus_api_test.cpp, ifpinctl_test.cpp): a lab, a private bus
// (private_bus.hpp) and ifpind on that bus, plus readers for the role objects' properties and the
// kernel's routes of the standard two-role configuration.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "lab_fixture.hpp"
#include "private_bus.hpp"

namespace ifpin::lab {

inline constexpr int ifpindProtocol = 241;

inline DefaultRoute ifpindRoute(const std::string &dev, const std::string &gateway, uint32_t metric)
{
    return {dev, gateway, metric, ifpindProtocol, "main"};
}

inline std::vector<DefaultRoute> sortedRoutes(std::vector<DefaultRoute> routes)
{
    std::sort(routes.begin(), routes.end(), [](const DefaultRoute &a, const DefaultRoute &b) {
        return std::tie(a.dev, a.metric, a.gateway, a.protocol) < std::tie(b.dev, b.metric, b.gateway, b.protocol);
    });
    return routes;
}

class BusLabTest : public LabTest {
protected:
    void SetUp() override
    {
        LabTest::SetUp();
        if (HasFatalFailure())
            return;
        try {
            bus_.emplace(busOptions());
        } catch (const std::exception &error) {
            FAIL() << "cannot start the private bus: " << error.what();
        }
        daemon().setEnv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address());
    }

    void TearDown() override
    {
        if (HasFailure() && bus_) {
            std::cout << "==== private dbus-daemon log ====\n" << bus_->log() << "==== end ====\n";
            if (std::string polkit = bus_->polkitLog(); !polkit.empty())
                std::cout << "==== polkitd log ====\n" << polkit << "==== end ====\n";
        }
        LabTest::TearDown();
    }

    // What the private bus runs besides dbus-daemon (polkitd); a suite overrides it.
    virtual PrivateBusOptions busOptions() const { return {}; }

    PrivateBus &bus() { return *bus_; }

    // media on media0 at 100, mgmt on mgmt0 at mgmtMetric, both gateways configured; extraDaemon
    // lines go into [daemon].
    std::string standardConfig(int mgmtMetric = 1000, const std::string &extraDaemon = "") const
    {
        return daemonSection() + extraDaemon +
               "\n[role.media]\ninterface = \"media0\"\nmetric = 100\n"
               "gateway4 = \"192.0.2.1\"\ngateway6 = \"2001:db8:1::1\"\n"
               "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = " + std::to_string(mgmtMetric) + "\n"
               "gateway4 = \"198.51.100.1\"\ngateway6 = \"2001:db8:2::1\"\n";
    }

    // Starts ifpind and waits until it is ready and owns org.ifpin1.
    ::testing::AssertionResult startDaemon(const std::string &config)
    {
        daemon().start(lab(), config);
        if (!daemon().waitReady(10s))
            return ::testing::AssertionFailure() << "ifpind did not become ready";
        return eventually([&] { return bus().hasIfpind(); }, [] { return std::string("org.ifpin1 has no owner"); });
    }

    std::string statePath() const { return scratch().path() + "/state/runtime.json"; }

    // `busctl get-property` of a role, as busctl prints it ("u 500", "s \"mgmt0\"", "b true").
    std::string roleProperty(const std::string &role, const std::string &name)
    {
        auto result = bus().busctl({"get-property", "org.ifpin1", "/org/ifpin1/role/" + role, "org.ifpin1.Role", name});
        std::string out = result.out;
        while (!out.empty() && out.back() == '\n')
            out.pop_back();
        return result.ok() ? out : "<" + result.describe() + ">";
    }

    // `busctl call` of a role's method, as caller.
    CommandResult callRole(const std::string &role, const std::string &method, std::vector<std::string> args,
                           const Caller &caller = Caller::root())
    {
        std::vector<std::string> argv{"call", "org.ifpin1", "/org/ifpin1/role/" + role, "org.ifpin1.Role", method};
        argv.insert(argv.end(), args.begin(), args.end());
        return bus().busctl(argv, caller);
    }

    bool routesOnAre(const std::string &dev, Family family, const std::vector<DefaultRoute> &expected)
    {
        return sortedRoutes(lab().defaultRoutesOn(dev, family)) == sortedRoutes(expected);
    }

    // mgmt's two routes at metric on mgmt0, and nothing else there.
    bool mgmtRoutesAt(uint32_t metric)
    {
        return routesOnAre("mgmt0", Family::inet, {ifpindRoute("mgmt0", "198.51.100.1", metric)}) &&
               routesOnAre("mgmt0", Family::inet6, {ifpindRoute("mgmt0", "2001:db8:2::1", metric)});
    }

    std::string describeRoutes()
    {
        return "default routes:" + describe(lab().defaultRoutes(Family::inet)) +
               describe(lab().defaultRoutes(Family::inet6));
    }

    ::testing::AssertionResult mgmtRoutesBecome(uint32_t metric)
    {
        return eventually([&] { return mgmtRoutesAt(metric); }, [&] { return describeRoutes(); });
    }

private:
    std::optional<PrivateBus> bus_;
};

} // namespace ifpin::lab
