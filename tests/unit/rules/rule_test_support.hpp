// What the rules unit tests share: the lab-like roles (media on #2, mgmt on #3, with return
// routing and the file's defaults), kernel facts with their addresses, and rules made short.
#pragma once

#include <initializer_list>
#include <vector>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "config/config.hpp"
#include "kernel/kernel_state.hpp"
#include "rules/rule_planner.hpp"

namespace ifpin::test {

inline constexpr uint8_t ours = 241;
inline constexpr int media = 2, mgmt = 3;

inline IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

inline Config returningRoles()
{
    Config config;
    RoleConfig mediaRole;
    mediaRole.name = "media";
    mediaRole.interface = "media0";
    mediaRole.metric = 100;
    mediaRole.returnRouting = true;
    mediaRole.replyTable = 1001;
    mediaRole.replyPriority = 32001;
    RoleConfig mgmtRole = mediaRole;
    mgmtRole.name = "mgmt";
    mgmtRole.interface = "mgmt0";
    mgmtRole.metric = 1000;
    mgmtRole.replyTable = 1002;
    mgmtRole.replyPriority = 32002;
    config.roles = {mediaRole, mgmtRole};
    return config;
}

inline AddressFact address(int ifindex, const char *text, uint32_t flags = 0, uint8_t scope = RT_SCOPE_UNIVERSE)
{
    auto parsed = ip(text);
    return {ifindex, parsed, static_cast<uint8_t>(parsed.family() == Family::inet ? 24 : 64), scope, flags};
}

inline KernelState kernelWith(std::initializer_list<AddressFact> addresses)
{
    KernelState kernel(254);
    kernel.replaceLinks({{media, "media0", IFF_UP | IFF_LOWER_UP}, {mgmt, "mgmt0", IFF_UP | IFF_LOWER_UP}});
    for (const auto &fact : addresses)
        kernel.applyAddress(false, fact);
    return kernel;
}

inline RuleFact reply(const char *source, uint32_t priority, uint32_t table)
{
    return makeReplyRule(ip(source), priority, table, ours);
}
inline RuleFact mainRule(Family family, uint32_t priority = 32000)
{
    return makeMainRule(family, priority, ours);
}

} // namespace ifpin::test
