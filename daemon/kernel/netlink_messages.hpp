// Pure encode/decode of the rtnetlink messages ifpind uses. No sockets here: every function works on
// bytes, so the unit tests exercise them on hand-built buffers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <linux/netlink.h>

#include "kernel/kernel_facts.hpp"

struct nl_msg;

namespace ifpin {

// True for RTM_NEWROUTE/RTM_DELROUTE messages whose destination is a default route (prefix length 0).
// Reads only the fixed header, so the event path can drop other routes before decoding anything.
bool isDefaultRouteMessage(const nlmsghdr *header);

struct RouteMessage {
    bool removed = false;  // RTM_DELROUTE
    bool replaced = false; // NLM_F_REPLACE on an RTM_NEWROUTE: an older route was overwritten in place
    std::vector<RouteFact> routes; // one per nexthop; empty for a route ifpind has no use for
};

// Decodes a default-route message. nullopt when the message is malformed or not a default route.
// Cloned (cache) routes and families other than IPv4/IPv6 decode to an empty routes list.
std::optional<RouteMessage> decodeRouteMessage(const nlmsghdr *header);

struct LinkMessage {
    bool removed = false; // RTM_DELLINK
    LinkFact link;
};
std::optional<LinkMessage> decodeLinkMessage(const nlmsghdr *header);

struct AddressMessage {
    bool removed = false; // RTM_DELADDR
    Family family = Family::inet;
    int ifindex = 0;
    std::optional<AddressFact> address; // empty when the message carries no address of its family
};
std::optional<AddressMessage> decodeAddressMessage(const nlmsghdr *header);

struct RuleMessage {
    bool removed = false; // RTM_DELRULE
    uint8_t protocol = 0; // FRA_PROTOCOL (0 when absent): whose rule it is
    // The rule, when it is of a kind ifpind writes: action "lookup", no selector but the source (a
    // whole address or none) and suppress_prefixlength, not inverted. Empty for any other rule,
    // which ifpind never writes and so never takes for its own, whatever its protocol.
    std::optional<RuleFact> rule;
};
// nullopt when the message is malformed or not a rule of IPv4/IPv6.
std::optional<RuleMessage> decodeRuleMessage(const nlmsghdr *header);

// The errno carried by an NLMSG_ERROR message (0 for an ACK) and the kernel's extended-ack text.
struct NetlinkAck {
    int error = 0;
    std::string message;
};
std::optional<NetlinkAck> decodeAck(const nlmsghdr *header);

// Owning pointer to a libnl message.
struct NlMsgDeleter {
    void operator()(nl_msg *msg) const;
};
using NlMsgPtr = std::unique_ptr<nl_msg, NlMsgDeleter>;

// A strict dump request for the routes of one family and table, optionally of one output interface;
// the kernel filters (NETLINK_GET_STRICT_CHK), so only matching routes cross into user space.
NlMsgPtr buildRouteDumpRequest(Family family, uint32_t table, int ifindex = 0);
NlMsgPtr buildLinkDumpRequest();
// A strict dump of one interface's addresses in one family (the kernel filters on ifa_index).
NlMsgPtr buildAddressDumpRequest(Family family, int ifindex);
// A dump of every rule of one family. The kernel filters rule dumps on nothing else: with strict
// checking it refuses any other header field or attribute (fib_valid_dumprule_req), so the rules
// that are not ifpind's are dropped on arrival, never kept.
NlMsgPtr buildRuleDumpRequest(Family family);

// RTM_NEWROUTE (NLM_F_CREATE, plus NLM_F_REPLACE when asked) and RTM_DELROUTE for one default route,
// encoded by libnl-route.
NlMsgPtr buildRouteAddRequest(const RouteFact &route, bool replace);
// NLM_F_EXCL: refused (EEXIST) when any route holds the same destination and metric, so that it
// changes nothing that is there, whatever it is.
NlMsgPtr buildRouteAddIfAbsentRequest(const RouteFact &route);
NlMsgPtr buildRouteDeleteRequest(const RouteFact &route);

// RTM_NEWRULE (NLM_F_CREATE | NLM_F_EXCL: the kernel refuses an identical rule with EEXIST, so a
// rule is never doubled) and RTM_DELRULE for one rule, encoded by libnl-route; the header's table
// byte is RT_TABLE_UNSPEC above 255, as iproute2 sends it.
NlMsgPtr buildRuleAddRequest(const RuleFact &rule);
NlMsgPtr buildRuleDeleteRequest(const RuleFact &rule);

// The bytes of a built message, for tests and for sending.
std::span<const uint8_t> messageBytes(nl_msg *msg);

} // namespace ifpin
