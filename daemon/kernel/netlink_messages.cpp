#include "kernel/netlink_messages.hpp"

#include <cstring>
#include <limits>

#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <unistd.h>

namespace ifpin {

namespace {

template <typename Payload>
const Payload *payloadOf(const nlmsghdr *header)
{
    if (header->nlmsg_len < NLMSG_LENGTH(sizeof(Payload)))
        return nullptr;
    return static_cast<const Payload *>(NLMSG_DATA(header));
}

std::optional<uint32_t> u32Attribute(nlattr *attribute)
{
    if (!attribute)
        return std::nullopt;
    return nla_get_u32(attribute);
}

std::optional<IpAddress> addressAttribute(Family family, const nlattr *attribute)
{
    if (!attribute)
        return std::nullopt;
    auto data = static_cast<const uint8_t *>(nla_data(attribute));
    return IpAddress::fromBytes(family, {data, static_cast<size_t>(nla_len(attribute))});
}

// Each RTA_MULTIPATH entry is an rtnexthop followed by its own attributes (the gateway among them).
std::vector<RouteFact> expandMultipath(const RouteFact &common, const nlattr *multipath)
{
    std::vector<RouteFact> routes;
    auto nexthop = static_cast<const rtnexthop *>(nla_data(multipath));
    int remaining = nla_len(multipath);
    // RTNH_OK reads rtnh_len before it checks that a whole rtnexthop is left: check that first, or
    // the end of a message that ends with RTA_MULTIPATH is read past (found by ASan, unit tests).
    while (remaining >= static_cast<int>(sizeof(rtnexthop)) && RTNH_OK(nexthop, remaining)) {
        RouteFact route = common;
        route.ifindex = nexthop->rtnh_ifindex;
        route.gateway.reset();
        auto attribute = reinterpret_cast<const nlattr *>(RTNH_DATA(nexthop));
        int attributesLength = nexthop->rtnh_len - static_cast<int>(RTNH_LENGTH(0));
        for (; nla_ok(attribute, attributesLength); attribute = nla_next(attribute, &attributesLength)) {
            if (nla_type(attribute) == RTA_GATEWAY)
                route.gateway = addressAttribute(common.family, attribute);
        }
        routes.push_back(route);
        remaining -= RTNH_ALIGN(nexthop->rtnh_len);
        nexthop = RTNH_NEXT(nexthop);
    }
    return routes;
}

// rta_expires counts clock ticks of USER_HZ (jiffies_to_clock_t in rtnl_put_cacheinfo), signed: the
// kernel writes a negative count for an expiry already past, and 0 for a route without one (RTF_EXPIRES
// unset in rt6_fill_node; IPv4 routes never expire).
std::optional<std::chrono::milliseconds> expiryAttribute(const nlattr *attribute)
{
    if (!attribute || nla_len(attribute) < static_cast<int>(sizeof(rta_cacheinfo)))
        return std::nullopt;
    rta_cacheinfo info;
    std::memcpy(&info, nla_data(attribute), sizeof(info));
    if (info.rta_expires == 0)
        return std::nullopt;
    static const long ticksPerSecond = [] {
        long ticks = sysconf(_SC_CLK_TCK);
        return ticks > 0 ? ticks : 100;
    }();
    return std::chrono::milliseconds(static_cast<int64_t>(info.rta_expires) * 1000 / ticksPerSecond);
}

// libnl's parser stops quietly at a truncated attribute; a message whose attributes do not add up to
// its length is malformed, and nothing in it is trusted.
bool attributesFillMessage(const nlmsghdr *header, size_t payloadLength)
{
    int remaining = nlmsg_attrlen(header, static_cast<int>(payloadLength));
    const nlattr *attribute = nlmsg_attrdata(header, static_cast<int>(payloadLength));
    while (nla_ok(attribute, remaining))
        attribute = nla_next(attribute, &remaining);
    return remaining == 0;
}

} // namespace

bool isDefaultRouteMessage(const nlmsghdr *header)
{
    if (header->nlmsg_type != RTM_NEWROUTE && header->nlmsg_type != RTM_DELROUTE)
        return false;
    auto rtm = payloadOf<rtmsg>(header);
    return rtm && rtm->rtm_dst_len == 0;
}

std::optional<RouteMessage> decodeRouteMessage(const nlmsghdr *header)
{
    if (!isDefaultRouteMessage(header))
        return std::nullopt;
    auto rtm = payloadOf<rtmsg>(header);

    nlattr *attributes[RTA_MAX + 1];
    nla_policy routePolicy[RTA_MAX + 1] = {};
    routePolicy[RTA_TABLE].type = NLA_U32;
    routePolicy[RTA_OIF].type = NLA_U32;
    routePolicy[RTA_PRIORITY].type = NLA_U32;
    if (!attributesFillMessage(header, sizeof(rtmsg)) ||
        nlmsg_parse(const_cast<nlmsghdr *>(header), sizeof(rtmsg), attributes, RTA_MAX, routePolicy) < 0)
        return std::nullopt;

    RouteMessage message;
    message.removed = header->nlmsg_type == RTM_DELROUTE;
    message.replaced = !message.removed && (header->nlmsg_flags & NLM_F_REPLACE);

    auto family = familyFromAf(rtm->rtm_family);
    if (!family || (rtm->rtm_flags & RTM_F_CLONED))
        return message;

    RouteFact route;
    route.family = *family;
    route.table = u32Attribute(attributes[RTA_TABLE]).value_or(rtm->rtm_table);
    route.metric = u32Attribute(attributes[RTA_PRIORITY]).value_or(0);
    route.protocol = rtm->rtm_protocol;
    route.scope = rtm->rtm_scope;
    route.type = rtm->rtm_type;
    route.tos = rtm->rtm_tos;
    route.ifindex = static_cast<int>(u32Attribute(attributes[RTA_OIF]).value_or(0));
    route.gateway = addressAttribute(*family, attributes[RTA_GATEWAY]);
    route.expiresIn = expiryAttribute(attributes[RTA_CACHEINFO]);

    if (attributes[RTA_MULTIPATH]) {
        message.routes = expandMultipath(route, attributes[RTA_MULTIPATH]);
        // IPv6 keeps each nexthop as a route of its own (deletable one by one); IPv4 does not.
        if (route.family == Family::inet && message.routes.size() > 1)
            for (auto &nexthopRoute : message.routes)
                nexthopRoute.multipath = true;
    } else {
        message.routes.push_back(route);
    }
    return message;
}

std::optional<LinkMessage> decodeLinkMessage(const nlmsghdr *header)
{
    if (header->nlmsg_type != RTM_NEWLINK && header->nlmsg_type != RTM_DELLINK)
        return std::nullopt;
    auto ifi = payloadOf<ifinfomsg>(header);
    if (!ifi)
        return std::nullopt;
    nlattr *attributes[IFLA_MAX + 1];
    nla_policy linkPolicy[IFLA_MAX + 1] = {};
    linkPolicy[IFLA_IFNAME].type = NLA_STRING;
    linkPolicy[IFLA_IFNAME].maxlen = IFNAMSIZ;
    if (!attributesFillMessage(header, sizeof(ifinfomsg)) ||
        nlmsg_parse(const_cast<nlmsghdr *>(header), sizeof(ifinfomsg), attributes, IFLA_MAX, linkPolicy) < 0)
        return std::nullopt;

    LinkMessage message;
    message.removed = header->nlmsg_type == RTM_DELLINK;
    message.link.ifindex = ifi->ifi_index;
    message.link.flags = ifi->ifi_flags;
    if (attributes[IFLA_IFNAME])
        message.link.name.assign(static_cast<const char *>(nla_data(attributes[IFLA_IFNAME])),
                                 strnlen(static_cast<const char *>(nla_data(attributes[IFLA_IFNAME])),
                                         nla_len(attributes[IFLA_IFNAME])));
    return message;
}

std::optional<AddressMessage> decodeAddressMessage(const nlmsghdr *header)
{
    if (header->nlmsg_type != RTM_NEWADDR && header->nlmsg_type != RTM_DELADDR)
        return std::nullopt;
    auto ifa = payloadOf<ifaddrmsg>(header);
    if (!ifa)
        return std::nullopt;
    auto family = familyFromAf(ifa->ifa_family);
    if (!family)
        return std::nullopt;
    AddressMessage message{header->nlmsg_type == RTM_DELADDR, *family, static_cast<int>(ifa->ifa_index), {}};

    // Without a trustworthy address the message still says that the interface's addresses changed.
    nlattr *attributes[IFA_MAX + 1];
    nla_policy addressPolicy[IFA_MAX + 1] = {};
    addressPolicy[IFA_FLAGS].type = NLA_U32;
    if (!attributesFillMessage(header, sizeof(ifaddrmsg)) ||
        nlmsg_parse(const_cast<nlmsghdr *>(header), sizeof(ifaddrmsg), attributes, IFA_MAX, addressPolicy) < 0)
        return message;
    // On a point-to-point link IFA_ADDRESS is the peer's; IFA_LOCAL is always ours when present.
    auto address = addressAttribute(*family, attributes[IFA_LOCAL]);
    if (!address)
        address = addressAttribute(*family, attributes[IFA_ADDRESS]);
    if (address)
        message.address = AddressFact{message.ifindex, *address, ifa->ifa_prefixlen, ifa->ifa_scope,
                                      u32Attribute(attributes[IFA_FLAGS]).value_or(ifa->ifa_flags)};
    return message;
}

namespace {

// The kernel's "not set" of FRA_SUPPRESS_PREFIXLEN and FRA_SUPPRESS_IFGROUP (-1 in a u32). It
// sends FRA_SUPPRESS_PREFIXLEN with every rule, set or not.
constexpr uint32_t suppressNotSet = 0xffffffff;

// Whether an attribute of a rule leaves it one of ifpind's kinds: those ifpind writes, and a
// suppressor that says "not set". Any other one is a selector (or an action) ifpind never writes.
// FRA_FWMARK and FRA_FWMASK come only with a mark, so they are not in a rule of ifpind's either.
bool isPlainRuleAttribute(const nlattr *attribute)
{
    switch (nla_type(attribute)) {
    case FRA_PRIORITY:
    case FRA_TABLE:
    case FRA_SRC:
    case FRA_SUPPRESS_PREFIXLEN:
    case FRA_PROTOCOL:
        return true;
    case FRA_SUPPRESS_IFGROUP:
        return nla_len(attribute) == sizeof(uint32_t) && nla_get_u32(const_cast<nlattr *>(attribute)) == suppressNotSet;
    default:
        return false;
    }
}

std::optional<RuleFact> plainRule(const fib_rule_hdr &frh, Family family, nlattr *const *attributes,
                                  const nlmsghdr *header)
{
    if (frh.action != FR_ACT_TO_TBL || frh.dst_len != 0 || frh.tos != 0 || (frh.flags & FIB_RULE_INVERT))
        return std::nullopt;
    // Walked by hand: nlmsg_parse skips types above this build's FRA_MAX, and a newer kernel's
    // selectors (DSCP, flow labels) must not pass for nothing.
    int remaining = nlmsg_attrlen(header, sizeof(fib_rule_hdr));
    for (const nlattr *attribute = nlmsg_attrdata(header, sizeof(fib_rule_hdr)); nla_ok(attribute, remaining);
         attribute = nla_next(attribute, &remaining))
        if (!isPlainRuleAttribute(attribute))
            return std::nullopt;
    RuleFact rule;
    rule.family = family;
    rule.priority = u32Attribute(attributes[FRA_PRIORITY]).value_or(0);
    rule.table = u32Attribute(attributes[FRA_TABLE]).value_or(frh.table);
    if (frh.src_len != 0) {
        rule.source = addressAttribute(family, attributes[FRA_SRC]);
        if (!rule.source || frh.src_len != addressLength(family) * 8)
            return std::nullopt; // a subnet: not a rule of ifpind's
    }
    rule.suppressPrefixLength = u32Attribute(attributes[FRA_SUPPRESS_PREFIXLEN]);
    if (rule.suppressPrefixLength == suppressNotSet)
        rule.suppressPrefixLength.reset();
    rule.protocol = attributes[FRA_PROTOCOL] ? nla_get_u8(attributes[FRA_PROTOCOL]) : 0;
    return rule;
}

} // namespace

std::optional<RuleMessage> decodeRuleMessage(const nlmsghdr *header)
{
    if (header->nlmsg_type != RTM_NEWRULE && header->nlmsg_type != RTM_DELRULE)
        return std::nullopt;
    auto frh = payloadOf<fib_rule_hdr>(header);
    if (!frh)
        return std::nullopt;
    auto family = familyFromAf(frh->family);
    if (!family)
        return std::nullopt;
    nlattr *attributes[FRA_MAX + 1];
    nla_policy rulePolicy[FRA_MAX + 1] = {};
    rulePolicy[FRA_PRIORITY].type = NLA_U32;
    rulePolicy[FRA_TABLE].type = NLA_U32;
    rulePolicy[FRA_SUPPRESS_PREFIXLEN].type = NLA_U32;
    rulePolicy[FRA_PROTOCOL].type = NLA_U8;
    if (!attributesFillMessage(header, sizeof(fib_rule_hdr)) ||
        nlmsg_parse(const_cast<nlmsghdr *>(header), sizeof(fib_rule_hdr), attributes, FRA_MAX, rulePolicy) < 0)
        return std::nullopt;
    RuleMessage message;
    message.removed = header->nlmsg_type == RTM_DELRULE;
    message.protocol = attributes[FRA_PROTOCOL] ? nla_get_u8(attributes[FRA_PROTOCOL]) : 0;
    message.rule = plainRule(*frh, *family, attributes, header);
    return message;
}

std::optional<NetlinkAck> decodeAck(const nlmsghdr *header)
{
    if (header->nlmsg_type != NLMSG_ERROR)
        return std::nullopt;
    auto error = payloadOf<nlmsgerr>(header);
    // INT_MIN is no errno and has no negation (found by tests/fuzz/netlink_fuzzer).
    if (!error || error->error == std::numeric_limits<int>::min())
        return std::nullopt;
    NetlinkAck ack{-error->error, {}};

    // Extended ack TLVs follow the echoed request (only its header when the kernel capped it).
    if (!(header->nlmsg_flags & NLM_F_ACK_TLVS))
        return ack;
    size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (!(header->nlmsg_flags & NLM_F_CAPPED))
        offset += NLMSG_ALIGN(error->msg.nlmsg_len) - NLMSG_HDRLEN;
    if (offset >= header->nlmsg_len)
        return ack;
    auto attribute = reinterpret_cast<const nlattr *>(reinterpret_cast<const uint8_t *>(header) + offset);
    int length = static_cast<int>(header->nlmsg_len - offset);
    for (; nla_ok(attribute, length); attribute = nla_next(attribute, &length)) {
        if (nla_type(attribute) == NLMSGERR_ATTR_MSG && nla_len(attribute) > 0) {
            auto text = static_cast<const char *>(nla_data(attribute));
            ack.message.assign(text, strnlen(text, nla_len(attribute)));
        }
    }
    return ack;
}

void NlMsgDeleter::operator()(nl_msg *msg) const
{
    nlmsg_free(msg);
}

std::span<const uint8_t> messageBytes(nl_msg *msg)
{
    nlmsghdr *header = nlmsg_hdr(msg);
    return {reinterpret_cast<const uint8_t *>(header), header->nlmsg_len};
}

NlMsgPtr buildRouteDumpRequest(Family family, uint32_t table, int ifindex)
{
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP));
    if (!msg)
        throw std::bad_alloc();
    rtmsg header{};
    header.rtm_family = static_cast<uint8_t>(family);
    header.rtm_table = table < 256 ? static_cast<uint8_t>(table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
    if (nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg.get(), RTA_TABLE, table) < 0 ||
        (ifindex && nla_put_u32(msg.get(), RTA_OIF, static_cast<uint32_t>(ifindex)) < 0))
        throw std::bad_alloc();
    return msg;
}

NlMsgPtr buildLinkDumpRequest()
{
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP));
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    if (!msg || nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0)
        throw std::bad_alloc();
    return msg;
}

NlMsgPtr buildAddressDumpRequest(Family family, int ifindex)
{
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP));
    ifaddrmsg header{};
    header.ifa_family = static_cast<uint8_t>(family);
    header.ifa_index = static_cast<uint32_t>(ifindex);
    if (!msg || nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0)
        throw std::bad_alloc();
    return msg;
}

NlMsgPtr buildRuleDumpRequest(Family family)
{
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETRULE, NLM_F_DUMP));
    fib_rule_hdr header{};
    header.family = static_cast<uint8_t>(family);
    if (!msg || nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0)
        throw std::bad_alloc();
    return msg;
}

namespace {

struct RouteDeleter {
    void operator()(rtnl_route *route) const { rtnl_route_put(route); }
};
struct AddressDeleter {
    void operator()(nl_addr *address) const { nl_addr_put(address); }
};

std::unique_ptr<nl_addr, AddressDeleter> toNlAddress(Family family, std::span<const uint8_t> bytes)
{
    std::unique_ptr<nl_addr, AddressDeleter> address(
        nl_addr_build(static_cast<int>(family), bytes.empty() ? nullptr : bytes.data(), bytes.size()));
    if (!address)
        throw std::bad_alloc();
    return address;
}

// The libnl-route object for one single-nexthop default route.
std::unique_ptr<rtnl_route, RouteDeleter> toLibnlRoute(const RouteFact &fact)
{
    std::unique_ptr<rtnl_route, RouteDeleter> route(rtnl_route_alloc());
    if (!route)
        throw std::bad_alloc();
    rtnl_route_set_family(route.get(), static_cast<uint8_t>(fact.family));
    rtnl_route_set_table(route.get(), fact.table);
    auto destination = toNlAddress(fact.family, {}); // the zero-length prefix: "default"
    rtnl_route_set_dst(route.get(), destination.get());
    rtnl_route_set_priority(route.get(), fact.metric);
    rtnl_route_set_protocol(route.get(), fact.protocol);
    rtnl_route_set_scope(route.get(), fact.scope);
    rtnl_route_set_type(route.get(), fact.type);
    rtnl_route_set_tos(route.get(), fact.tos);

    rtnl_nexthop *nexthop = rtnl_route_nh_alloc();
    if (!nexthop)
        throw std::bad_alloc();
    rtnl_route_nh_set_ifindex(nexthop, fact.ifindex);
    if (fact.gateway && fact.gateway->family() == fact.family) {
        auto gateway = toNlAddress(fact.family, fact.gateway->bytes());
        rtnl_route_nh_set_gateway(nexthop, gateway.get());
    }
    rtnl_route_add_nexthop(route.get(), nexthop); // the route owns the nexthop from here
    return route;
}

struct RuleDeleter {
    void operator()(rtnl_rule *rule) const { rtnl_rule_put(rule); }
};

// The libnl-route object for one rule of ifpind's kinds.
std::unique_ptr<rtnl_rule, RuleDeleter> toLibnlRule(const RuleFact &fact)
{
    std::unique_ptr<rtnl_rule, RuleDeleter> rule(rtnl_rule_alloc());
    if (!rule)
        throw std::bad_alloc();
    rtnl_rule_set_family(rule.get(), static_cast<int>(fact.family));
    rtnl_rule_set_prio(rule.get(), fact.priority);
    rtnl_rule_set_table(rule.get(), fact.table);
    rtnl_rule_set_action(rule.get(), FR_ACT_TO_TBL);
    if (rtnl_rule_set_protocol(rule.get(), fact.protocol) < 0)
        throw std::bad_alloc();
    if (fact.source && fact.source->family() == fact.family) {
        auto source = toNlAddress(fact.family, fact.source->bytes()); // a whole address: /32 or /128
        if (rtnl_rule_set_src(rule.get(), source.get()) < 0)
            throw std::bad_alloc();
    }
    return rule;
}

// What libnl-route cannot say: suppress_prefixlength (an attribute it has no setter for), and the
// header's table byte, which it fills with the table's low 8 bits where the kernel expects
// RT_TABLE_UNSPEC when FRA_TABLE carries a larger table.
NlMsgPtr completeRuleRequest(nl_msg *built, const RuleFact &rule)
{
    NlMsgPtr msg(built);
    auto header = static_cast<fib_rule_hdr *>(nlmsg_data(nlmsg_hdr(msg.get())));
    header->table = rule.table < 256 ? static_cast<uint8_t>(rule.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
    if (rule.suppressPrefixLength &&
        nla_put_u32(msg.get(), FRA_SUPPRESS_PREFIXLEN, *rule.suppressPrefixLength) < 0)
        throw std::bad_alloc();
    return msg;
}

} // namespace

NlMsgPtr buildRuleAddRequest(const RuleFact &rule)
{
    nl_msg *msg = nullptr;
    if (rtnl_rule_build_add_request(toLibnlRule(rule).get(), NLM_F_CREATE | NLM_F_EXCL, &msg) < 0)
        throw std::bad_alloc();
    return completeRuleRequest(msg, rule);
}

NlMsgPtr buildRuleDeleteRequest(const RuleFact &rule)
{
    nl_msg *msg = nullptr;
    if (rtnl_rule_build_delete_request(toLibnlRule(rule).get(), 0, &msg) < 0)
        throw std::bad_alloc();
    return completeRuleRequest(msg, rule);
}

NlMsgPtr buildRouteAddRequest(const RouteFact &route, bool replace)
{
    nl_msg *msg = nullptr;
    // No NLM_F_EXCL: a foreign route with the same metric must not stop ours being added beside it.
    int flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : 0);
    if (rtnl_route_build_add_request(toLibnlRoute(route).get(), flags, &msg) < 0)
        throw std::bad_alloc();
    return NlMsgPtr(msg);
}

NlMsgPtr buildRouteAddIfAbsentRequest(const RouteFact &route)
{
    nl_msg *msg = nullptr;
    if (rtnl_route_build_add_request(toLibnlRoute(route).get(), NLM_F_CREATE | NLM_F_EXCL, &msg) < 0)
        throw std::bad_alloc();
    return NlMsgPtr(msg);
}

NlMsgPtr buildRouteDeleteRequest(const RouteFact &route)
{
    nl_msg *msg = nullptr;
    if (rtnl_route_build_del_request(toLibnlRoute(route).get(), 0, &msg) < 0)
        throw std::bad_alloc();
    return NlMsgPtr(msg);
}

} // namespace ifpin
