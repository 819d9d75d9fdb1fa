// ifpinctl's D-Bus commands against the real ifpind on a private bus: `status` (JSON checked against
// the kernel's routes, the table checked for the key facts), the policy commands, their exit
// statuses, and the one line it prints when ifpind is not running.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dbus_test_support.hpp"

namespace ifpin::lab {
namespace {

class Ifpinctl : public BusLabTest {
protected:
    // ifpinctl ARGS..., on the private bus (DBUS_SYSTEM_BUS_ADDRESS, set by PrivateBus).
    CommandResult ifpinctl(std::vector<std::string> args)
    {
        std::vector<std::string> argv{requiredEnv("IFPINCTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        return runCommand(argv, 30s);
    }

    nlohmann::json statusJson()
    {
        auto result = ifpinctl({"status", "--json"});
        EXPECT_TRUE(result.ok()) << result.describe();
        return nlohmann::json::parse(result.out);
    }

    static const nlohmann::json &roleIn(const nlohmann::json &status, const std::string &name)
    {
        for (const auto &role : status.at("roles"))
            if (role.at("name") == name)
                return role;
        throw std::runtime_error("no role " + name + " in " + status.dump());
    }

    static bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }
};

TEST_F(Ifpinctl, StatusJsonMatchesTheKernel)
{
    // mgmt learns its IPv4 gateway from a DHCP-style route; media's gateways are configured.
    ASSERT_TRUE(startDaemon(daemonSection() +
                            "\n[role.media]\ninterface = \"media0\"\nmetric = 100\n"
                            "gateway4 = \"192.0.2.1\"\ngateway6 = \"2001:db8:1::1\"\n"
                            "\n[role.mgmt]\ninterface = \"mgmt0\"\nmetric = 1000\ngateway6 = \"2001:db8:2::1\"\n"));
    lab().output("ip route add default via 198.51.100.1 dev mgmt0 metric 0 proto dhcp");
    // A foreign default route on an interface no role names, winning over both roles.
    lab().output("ip route add default via 203.0.113.66 dev other0 metric 5");
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    nlohmann::json status;
    ASSERT_TRUE(eventually(
        [&] {
            status = statusJson();
            return roleIn(status, "mgmt").at("outranked_by").size() == 1 &&
                   roleIn(status, "mgmt").at("inet").at("route_in_place") == true;
        },
        [&] { return status.dump(2); }));
    ASSERT_EQ(status.at("roles").size(), 2u) << status.dump(2);

    for (const auto &role : status.at("roles")) {
        const std::string dev = role.at("interface");
        EXPECT_EQ(role.at("link_state"), "up");
        EXPECT_EQ(role.at("state"), "enforced") << role.dump();
        for (auto [family, key] : {std::pair{Family::inet, "inet"}, std::pair{Family::inet6, "inet6"}}) {
            const auto &facts = role.at(key);
            auto routes = lab().defaultRoutesOn(dev, family);
            bool inKernel = routes.size() == 1 &&
                            routes[0] == ifpindRoute(dev, facts.at("gateway").get<std::string>(),
                                                     role.at("metric").get<uint32_t>());
            EXPECT_EQ(facts.at("route_in_place").get<bool>(), inKernel)
                << role.dump() << "\nkernel on " << dev << ":" << describe(routes);
            EXPECT_TRUE(inKernel) << role.dump() << "\nkernel on " << dev << ":" << describe(routes);
        }
        EXPECT_EQ(role.at("outranked_by"),
                  nlohmann::json::array({"default via 203.0.113.66 dev other0 metric 5 proto 3"}))
            << role.dump();
    }
    const auto &mgmt = roleIn(status, "mgmt");
    EXPECT_EQ(mgmt.at("metric"), 1000);
    EXPECT_EQ(mgmt.at("inet").at("gateway"), "198.51.100.1");
    EXPECT_EQ(mgmt.at("inet").at("gateway_learned"), true);
    EXPECT_EQ(mgmt.at("inet6").at("gateway_learned"), false);
    EXPECT_EQ(roleIn(status, "media").at("inet").at("gateway_learned"), false);
    EXPECT_EQ(mgmt.at("sockets_served"), 0);
    EXPECT_EQ(mgmt.at("restorations"), 1) << "replacing the DHCP route was one";
    EXPECT_EQ(roleIn(status, "media").at("restorations"), 0);
    EXPECT_EQ(mgmt.at("egress_dropped"), 0) << "the egress guard dropped nothing";
    EXPECT_TRUE(status.at("version").is_string());
}

TEST_F(Ifpinctl, StatusTableShowsTheKeyFacts)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    lab().output("ip route del default dev mgmt0"); // one restoration
    ASSERT_TRUE(eventually([&] { return roleIn(statusJson(), "mgmt").at("restorations") == 1; },
                           [&] { return ifpinctl({"status"}).out; }));

    auto result = ifpinctl({"status"});
    ASSERT_TRUE(result.ok()) << result.describe();
    const std::string &out = result.out;
    for (const char *fact : {"ROLE", "STATE", "INTERFACE", "METRIC", "IPV4", "IPV6", "SOCKETS", "RESTORATIONS", "DROPPED",
                             "media", "mgmt", "enforced", "media0 (up)", "mgmt0 (up)", "100", "1000",
                             "192.0.2.1, in place", "2001:db8:1::1, in place", "198.51.100.1, in place",
                             "2001:db8:2::1, in place"})
        EXPECT_TRUE(has(out, fact)) << "missing \"" << fact << "\" in:\n" << out;

    lab().output("ip link set mgmt0 down");
    EXPECT_TRUE(eventually([&] { return has(ifpinctl({"status"}).out, "mgmt0 (down)"); },
                           [&] { return ifpinctl({"status"}).out; }));
    auto down = ifpinctl({"status"}).out;
    EXPECT_TRUE(has(down, "link-down")) << down;
    EXPECT_TRUE(has(down, "no route")) << down;
}

TEST_F(Ifpinctl, NotRunningIsOneLineAndStatusOne)
{
    for (auto args : {std::vector<std::string>{"status"}, std::vector<std::string>{"status", "--json"},
                      std::vector<std::string>{"set-metric", "mgmt", "500"}, std::vector<std::string>{"reload"}}) {
        auto result = ifpinctl(args);
        EXPECT_EQ(result.status, 1) << args[0] << ": " << result.describe();
        EXPECT_EQ(result.err, "ifpind is not running: no owner of org.ifpin1 on the system bus\n") << args[0];
        EXPECT_EQ(result.out, "") << args[0];
    }
}

TEST_F(Ifpinctl, PolicyCommandsAndTheirExitStatuses)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto set = ifpinctl({"set-metric", "mgmt", "500"});
    EXPECT_EQ(set.status, 0) << set.describe();
    EXPECT_TRUE(mgmtRoutesBecome(500));

    // The daemon's errors: their message, status 1.
    auto conflict = ifpinctl({"set-metric", "mgmt", "100"});
    EXPECT_EQ(conflict.status, 1) << conflict.describe();
    EXPECT_TRUE(has(conflict.err, "metric 100 is already used by role media")) << conflict.describe();
    EXPECT_TRUE(has(conflict.err, "org.ifpin1.Error.Conflict")) << conflict.describe();
    auto unknown = ifpinctl({"set-interface", "nope", "eth0"});
    EXPECT_EQ(unknown.status, 1) << unknown.describe();
    EXPECT_TRUE(has(unknown.err, "no role named 'nope'")) << unknown.describe();
    auto badAddress = ifpinctl({"set-gateway", "mgmt", "inet", "2001:db8::1"});
    EXPECT_EQ(badAddress.status, 1) << badAddress.describe();
    EXPECT_TRUE(has(badAddress.err, "expected an IPv4 address")) << badAddress.describe();

    // Bad command lines: status 2, nothing asked of the daemon.
    for (auto args : {std::vector<std::string>{"set-metric", "mgmt", "x"},
                      std::vector<std::string>{"set-metric", "mgmt", "-1"},
                      std::vector<std::string>{"set-metric", "mgmt"},
                      std::vector<std::string>{"set-gateway", "mgmt", "ipx", "192.0.2.9"},
                      std::vector<std::string>{"status", "--yaml"}}) {
        auto result = ifpinctl(args);
        EXPECT_EQ(result.status, 2) << args[0] << " " << args.back() << ": " << result.describe();
    }

    // Learn the gateway again ("" and "learn" both mean it): ifpind's own route tells it.
    EXPECT_EQ(ifpinctl({"set-gateway", "mgmt", "inet", ""}).status, 0);
    EXPECT_EQ(ifpinctl({"set-gateway", "mgmt", "inet6", "learn"}).status, 0);
    auto status = statusJson();
    EXPECT_EQ(roleIn(status, "mgmt").at("inet").at("gateway_learned"), true) << status.dump(2);
    EXPECT_TRUE(mgmtRoutesAt(500));

    // reset, then reload.
    EXPECT_EQ(ifpinctl({"reset", "mgmt"}).status, 0);
    EXPECT_TRUE(mgmtRoutesBecome(1000));
    std::ofstream(daemon().configPath(), std::ios::trunc) << standardConfig(3000);
    auto reload = ifpinctl({"reload"});
    EXPECT_EQ(reload.status, 0) << reload.describe();
    EXPECT_TRUE(mgmtRoutesBecome(3000));
}

TEST_F(Ifpinctl, UnprivilegedSetIsRefused)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));
    auto result = runCommand({"setpriv", "--reuid=" + std::to_string(testUid), "--regid=" + std::to_string(testUid),
                              "--clear-groups", requiredEnv("IFPINCTL"), "set-metric", "mgmt", "500"});
    EXPECT_EQ(result.status, 1) << result.describe();
    EXPECT_TRUE(has(result.err, "org.ifpin1.Error.AccessDenied")) << result.describe();
    auto status = runCommand({"setpriv", "--reuid=" + std::to_string(testUid), "--regid=" + std::to_string(testUid),
                              "--clear-groups", requiredEnv("IFPINCTL"), "status"});
    EXPECT_EQ(status.status, 0) << "anyone may read: " << status.describe();
    EXPECT_TRUE(mgmtRoutesAt(1000));
}

TEST_F(Ifpinctl, StatusOfOneRole)
{
    ASSERT_TRUE(startDaemon(standardConfig()));
    ASSERT_TRUE(mgmtRoutesBecome(1000));

    auto table = ifpinctl({"status", "mgmt"});
    ASSERT_TRUE(table.ok()) << table.describe();
    EXPECT_TRUE(has(table.out, "mgmt0 (up)")) << table.out;
    EXPECT_FALSE(has(table.out, "media")) << table.out;
    // The header, mgmt's line, and the line of mgmt's kernel pinning (not available in this lab).
    EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 3) << "a header and one role:\n" << table.out;
    EXPECT_TRUE(has(table.out, "\nrole mgmt: kernel pinning not available: ")) << table.out;

    auto json = ifpinctl({"status", "--json", "mgmt"});
    ASSERT_TRUE(json.ok()) << json.describe();
    auto status = nlohmann::json::parse(json.out);
    ASSERT_EQ(status.at("roles").size(), 1u) << json.out;
    EXPECT_EQ(status.at("roles").at(0), roleIn(statusJson(), "mgmt"));

    auto unknown = ifpinctl({"status", "nope"});
    EXPECT_EQ(unknown.status, 1) << unknown.describe();
    EXPECT_EQ(unknown.out, "");
    EXPECT_EQ(unknown.err, "ifpinctl status: no role named 'nope' (roles: media, mgmt) (org.ifpin1.Error.UnknownRole)\n");
}

// 0 success, 1 the daemon refused or is not running, 2 bad arguments (ifpinctl(1)), for the
// commands of the monitoring issue too; and both programs name themselves in --version.
TEST_F(Ifpinctl, ExitStatusesAndVersions)
{
    for (auto args : {std::vector<std::string>{"status", "mgmt", "media"}, std::vector<std::string>{"metrics", "--bogus"},
                      std::vector<std::string>{"metrics", "--output"}, std::vector<std::string>{"monitor", "mgmt"},
                      std::vector<std::string>{"monitor", "--yaml"}, std::vector<std::string>{"__complete", "things"},
                      std::vector<std::string>{}}) {
        auto result = ifpinctl(args);
        EXPECT_EQ(result.status, 2) << (args.empty() ? "(none)" : args[0]) << ": " << result.describe();
        EXPECT_EQ(result.out, "");
    }
    for (auto args : {std::vector<std::string>{"status", "mgmt"}, std::vector<std::string>{"metrics"},
                      std::vector<std::string>{"monitor"}}) {
        auto result = ifpinctl(args);
        EXPECT_EQ(result.status, 1) << args[0] << ": " << result.describe();
        EXPECT_EQ(result.err, "ifpind is not running: no owner of org.ifpin1 on the system bus\n") << args[0];
    }

    ASSERT_TRUE(startDaemon(standardConfig()));
    const std::string version = statusJson().at("version");
    auto ifpinctlVersion = ifpinctl({"--version"});
    EXPECT_EQ(ifpinctlVersion.status, 0);
    EXPECT_EQ(ifpinctlVersion.out, "ifpinctl " + version + "\n");
    auto ifpindVersion = runCommand({requiredEnv("IFPIND"), "--version"});
    EXPECT_EQ(ifpindVersion.status, 0);
    EXPECT_EQ(ifpindVersion.out, "ifpind " + version + "\n");
    for (auto args : {std::vector<std::string>{"status", "mgmt"}, std::vector<std::string>{"metrics"},
                      std::vector<std::string>{"--help"}, std::vector<std::string>{"monitor", "--help"}})
        EXPECT_EQ(ifpinctl(args).status, 0) << args[0];
}

// The bash completion, sourced in a bash of its own with COMP_WORDS and COMP_CWORD set as bash sets
// them, in the lab's host namespace (its /sys/class/net has the lab's interfaces).
TEST_F(Ifpinctl, BashCompletion)
{
    auto complete = [&](const std::vector<std::string> &words) {
        std::vector<std::string> argv{"ip", "netns", "exec", lab().hostNamespace(), "bash", "--norc", "--noprofile", "-c",
                                      ". \"$1\" && shift && COMP_WORDS=(\"$@\") && COMP_CWORD=$(($# - 1)) && _ifpinctl && "
                                      "printf '%s\\n' \"${COMPREPLY[@]}\"",
                                      "bash", requiredEnv("IFPIN_BASH_COMPLETION")};
        argv.insert(argv.end(), words.begin(), words.end());
        return runCommand(argv);
    };
    auto words = [](const CommandResult &result) { return result.out; };
    const std::string ifpinctlPath = requiredEnv("IFPINCTL");

    EXPECT_EQ(words(complete({"ifpinctl", ""})),
              "exec\nstatus\nmetrics\nmonitor\nset-metric\nset-interface\nset-gateway\nreset\nreload\nconfirm\n"
              "rollback\n");
    EXPECT_EQ(words(complete({"ifpinctl", "mo"})), "monitor\n");
    EXPECT_EQ(words(complete({"ifpinctl", "set-"})), "set-metric\nset-interface\nset-gateway\n");
    EXPECT_EQ(words(complete({"ifpinctl", "--v"})), "--version\n");
    EXPECT_EQ(words(complete({"ifpinctl", "status", "--"})), "--json\n--help\n");
    EXPECT_EQ(words(complete({"ifpinctl", "metrics", "--o"})), "--output\n");
    EXPECT_EQ(words(complete({"ifpinctl", "set-gateway", "mgmt", "i"})), "inet\ninet6\n");
    EXPECT_EQ(words(complete({"ifpinctl", "set-metric", "--c"})), "--confirm-within\n");
    EXPECT_EQ(words(complete({"ifpinctl", "reload", "--"})), "--confirm-within\n--help\n");
    EXPECT_EQ(words(complete({"ifpinctl", "set-metric", "--confirm-within", ""})), "\n") << "a duration is not completed";
    EXPECT_EQ(words(complete({"ifpinctl", "set-gateway", "--confirm-within", "2s", "mgmt", "i"})), "inet\ninet6\n")
        << "the duration is not an argument";
    EXPECT_EQ(words(complete({"ifpinctl", "set-interface", "mgmt", "m"})), "media0\nmgmt0\n");
    EXPECT_EQ(words(complete({"ifpinctl", "exec", "mgmt", ""})), "--\n");
    // Without ifpind: no role names, and not a word on standard error.
    auto none = complete({ifpinctlPath, "status", ""});
    EXPECT_EQ(none.out, "\n") << none.describe();
    EXPECT_EQ(none.err, "");

    ASSERT_TRUE(startDaemon(standardConfig()));
    EXPECT_EQ(words(complete({ifpinctlPath, "status", ""})), "media\nmgmt\n");
    EXPECT_EQ(words(complete({ifpinctlPath, "set-metric", "mg"})), "mgmt\n");
    EXPECT_EQ(words(complete({ifpinctlPath, "--version", "exec", "me"})), "media\n");
    EXPECT_EQ(words(complete({ifpinctlPath, "set-metric", "mgmt", ""})), "\n") << "a metric is not completed";
}

} // namespace
} // namespace ifpin::lab
