// The ReturnRouting suite's fixture (return_routing_test.cpp): the RoutePolicy fixture's two roles,
// the policy rules and reply tables the kernel holds, TCP connections made from behind one gateway
// to the host's service (lab-server.py "host" on TCP 8088), and per-gateway counters of the answers
// that came back through that gateway, so that a test sees which uplink carried them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "route_policy_fixture.hpp"

namespace ifpin::lab::return_test {

using namespace route_test;

inline constexpr int hostHttpPort = 8088; // lab.sh's host server
// The defaults of docs/configuration.md for the standard config (media first, mgmt second).
inline constexpr uint32_t mainRulePriority = 32000;
inline constexpr uint32_t mediaTable = 1001, mgmtTable = 1002;
inline constexpr uint32_t mediaPriority = 32001, mgmtPriority = 32002;

// The lab's addresses by role and family: the host's on the role's uplink, the gateway's, and the
// one only that gateway has (a remote client only that uplink reaches).
struct RoleAddresses {
    std::string interface, host, gateway, remote;
};
inline RoleAddresses addressesOf(const std::string &role, Family family)
{
    bool media = role == "media";
    if (family == Family::inet)
        return media ? RoleAddresses{"media0", "192.0.2.2", "192.0.2.1", "203.0.113.11"}
                     : RoleAddresses{"mgmt0", "198.51.100.2", "198.51.100.1", "203.0.113.12"};
    return media ? RoleAddresses{"media0", "2001:db8:1::2", "2001:db8:1::1", "2001:db8:ffff::11"}
                 : RoleAddresses{"mgmt0", "2001:db8:2::2", "2001:db8:2::1", "2001:db8:ffff::12"};
}

// One policy rule as `ip -N -j rule` reports it, written as ip(8) prints it with -N, e.g.
// "32002: from 198.51.100.2 lookup 1002 proto 241".
inline std::string ruleText(const nlohmann::json &rule)
{
    std::string text = std::to_string(rule.value("priority", 0)) + ": from " + rule.value("src", "?");
    if (rule.contains("srclen"))
        text += "/" + std::to_string(rule["srclen"].get<int>());
    if (rule.contains("dst"))
        text += " to " + rule["dst"].get<std::string>();
    text += " lookup " + rule.value("table", "?");
    if (rule.contains("suppress_prefixlen"))
        text += " suppress_prefixlength " + std::to_string(rule["suppress_prefixlen"].get<int>());
    if (rule.contains("protocol"))
        text += " proto " + rule["protocol"].get<std::string>();
    return text;
}

inline std::string ownRule(uint32_t priority, const std::string &source, uint32_t table)
{
    return std::to_string(priority) + ": from " + source + " lookup " + std::to_string(table) + " proto " +
           std::to_string(ownProtocol);
}
inline std::string mainRule()
{
    return std::to_string(mainRulePriority) + ": from all lookup 254 suppress_prefixlength 0 proto " +
           std::to_string(ownProtocol);
}

class ReturnRouting : public RoutePolicy {
protected:
    void SetUp() override
    {
        RoutePolicy::SetUp();
        if (HasFatalFailure())
            return;
        // In each gateway: count the TCP segments from the host's port 8088 that arrive on uplink0,
        // per family, before routing decides anything (so an answer the gateway drops counts too).
        for (const std::string role : {"media", "mgmt"}) {
            auto result = lab().shellIn(lab().gatewayNamespace(role), R"(nft -f - <<'EOF'
table inet labcount {
  counter answers4 {}
  counter answers6 {}
  chain in {
    type filter hook prerouting priority -300; policy accept;
    iifname "uplink0" meta nfproto ipv4 tcp sport 8088 counter name answers4
    iifname "uplink0" meta nfproto ipv6 tcp sport 8088 counter name answers6
  }
}
EOF)");
            ASSERT_TRUE(result.ok()) << "cannot set up the answer counters of gateway " << role << ": "
                                     << result.describe();
        }
        setenv("IFPIN_SOCKET", (scratch().path() + "/ifpind.sock").c_str(), 1); // for ifpinctl exec
    }

    // The rules of one family, in priority order; ownOnly: those with ifpind's protocol.
    std::vector<std::string> rules(Family family, bool ownOnly = true)
    {
        auto result = lab().shell("ip -N -j -f " + std::string(familyName(family)) + " rule show");
        if (!result.ok())
            throw std::runtime_error("ip rule show failed: " + result.describe());
        std::vector<std::string> out;
        for (const auto &rule : nlohmann::json::parse(result.out))
            if (!ownOnly || rule.value("protocol", "") == std::to_string(ownProtocol))
                out.push_back(ruleText(rule));
        return out;
    }
    std::string describeRules()
    {
        std::string out = "rules (inet):";
        for (const auto &rule : rules(Family::inet, false))
            out += "\n  " + rule;
        out += "\nrules (inet6):";
        for (const auto &rule : rules(Family::inet6, false))
            out += "\n  " + rule;
        return out;
    }

    // What the standard config asks for: the main rule, then each role's address to its table.
    std::vector<std::string> standardRules(Family family)
    {
        return {mainRule(), ownRule(mediaPriority, addressesOf("media", family).host, mediaTable),
                ownRule(mgmtPriority, addressesOf("mgmt", family).host, mgmtTable)};
    }
    bool standardRulesInPlace()
    {
        return rules(Family::inet) == standardRules(Family::inet) &&
               rules(Family::inet6) == standardRules(Family::inet6);
    }
    // The reply tables of the standard config: each role's default routes, and nothing else.
    bool standardReplyRoutesInPlace()
    {
        for (const std::string role : {"media", "mgmt"}) {
            std::string table = std::to_string(role == "media" ? mediaTable : mgmtTable);
            uint32_t metric = role == "media" ? 100 : 1000;
            for (Family family : {Family::inet, Family::inet6}) {
                RoleAddresses at = addressesOf(role, family);
                if (sorted(lab().defaultRoutes(family, table)) !=
                    std::vector<DefaultRoute>{{at.interface, at.gateway, metric, ownProtocol, table}})
                    return false;
            }
        }
        return true;
    }
    std::string describeReplyTables()
    {
        return describeDefaults(Family::inet, std::to_string(mediaTable)) + "\n" +
               describeDefaults(Family::inet6, std::to_string(mediaTable)) + "\n" +
               describeDefaults(Family::inet, std::to_string(mgmtTable)) + "\n" +
               describeDefaults(Family::inet6, std::to_string(mgmtTable));
    }
    ::testing::AssertionResult returnRoutingBecomes(std::chrono::milliseconds deadline = 5s)
    {
        return eventually([&] { return standardRulesInPlace() && standardReplyRoutesInPlace(); },
                          [&] { return describeRules() + "\n" + describeReplyTables(); }, deadline);
    }

    // A TCP connection from behind role's gateway (from its own remote address) to hostAddress:8088,
    // or to the host's address on the role's uplink; its body is "host\n" when it was answered.
    CommandResult connectFromBehind(const std::string &role, Family family, std::string hostAddress = "")
    {
        RoleAddresses at = addressesOf(role, family);
        if (hostAddress.empty())
            hostAddress = at.host;
        std::string url = family == Family::inet ? hostAddress : "[" + hostAddress + "]";
        return lab().shellIn(lab().gatewayNamespace(role), "curl -sS -g --max-time 3 --interface " + at.remote +
                                                               " 'http://" + url + ":" +
                                                               std::to_string(hostHttpPort) + "/'");
    }

    // TCP segments from the host's port 8088 that reached role's gateway, in family.
    long long answersAt(const std::string &role, Family family)
    {
        auto result = lab().shellIn(lab().gatewayNamespace(role), "nft -j list counters table inet labcount");
        if (!result.ok())
            throw std::runtime_error("cannot read the answer counters of gateway " + role + ": " + result.describe());
        std::string name = family == Family::inet ? "answers4" : "answers6";
        const nlohmann::json listing = nlohmann::json::parse(result.out); // outlives the loop below
        for (const auto &entry : listing["nftables"])
            if (entry.contains("counter") && entry["counter"].value("name", "") == name)
                return entry["counter"].value("packets", -1LL);
        throw std::runtime_error("no counter " + name + " in gateway " + role + ": " + result.out);
    }

    // Connects from behind role's gateway and checks that the answer came, and came back through
    // that gateway alone (the other one saw none of it).
    ::testing::AssertionResult answeredThroughOwnUplink(const std::string &role, Family family,
                                                        const std::string &hostAddress = "")
    {
        std::string other = role == "media" ? "mgmt" : "media";
        long long ownBefore = answersAt(role, family), otherBefore = answersAt(other, family);
        CommandResult answer = connectFromBehind(role, family, hostAddress);
        long long ownAfter = answersAt(role, family), otherAfter = answersAt(other, family);
        std::string facts = "; answers at " + role + "'s gateway " + std::to_string(ownBefore) + " -> " +
                            std::to_string(ownAfter) + ", at " + other + "'s " + std::to_string(otherBefore) +
                            " -> " + std::to_string(otherAfter);
        if (answer.out != "host\n")
            return ::testing::AssertionFailure()
                   << "connection from behind " << role << " (" << familyName(family) << ") not answered: "
                   << answer.describe() << facts << "\n" << describeRules();
        if (ownAfter <= ownBefore || otherAfter != otherBefore)
            return ::testing::AssertionFailure() << "answers did not all come back through " << role << facts;
        return ::testing::AssertionSuccess() << facts;
    }
};

} // namespace ifpin::lab::return_test
