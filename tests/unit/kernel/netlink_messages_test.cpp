#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/if.h>

#include "message_builder.hpp"
#include "kernel/netlink_messages.hpp"
#include "kernel/netlink_socket.hpp"

namespace ifpin {
namespace {

using test::MessageBuilder;
using test::defaultRouteHeader;

IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

TEST(RouteDecode, Ipv4DefaultRouteWithAllAttributes)
{
    in_addr gateway{};
    inet_pton(AF_INET, "192.0.2.1", &gateway);
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET, RTPROT_DHCP))
        .u32(RTA_TABLE, 254)
        .u32(RTA_OIF, 7)
        .u32(RTA_PRIORITY, 0)
        .attribute(RTA_GATEWAY, &gateway, sizeof gateway);

    ASSERT_TRUE(isDefaultRouteMessage(msg.get()));
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->removed);
    EXPECT_FALSE(decoded->replaced);
    ASSERT_EQ(decoded->routes.size(), 1u);
    const RouteFact &route = decoded->routes[0];
    EXPECT_EQ(route.family, Family::inet);
    EXPECT_EQ(route.table, 254u);
    EXPECT_EQ(route.ifindex, 7);
    EXPECT_EQ(route.metric, 0u);
    EXPECT_EQ(route.protocol, RTPROT_DHCP);
    EXPECT_EQ(route.gateway, ip("192.0.2.1"));
    EXPECT_FALSE(route.multipath);
}

TEST(RouteDecode, TableFallsBackToHeaderAndMetricToZero)
{
    MessageBuilder msg(RTM_DELROUTE);
    msg.payload(defaultRouteHeader(AF_INET6, RTPROT_RA, 100)).u32(RTA_OIF, 3);
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded->removed);
    ASSERT_EQ(decoded->routes.size(), 1u);
    EXPECT_EQ(decoded->routes[0].table, 100u);
    EXPECT_EQ(decoded->routes[0].metric, 0u);
    EXPECT_FALSE(decoded->routes[0].gateway);
}

// A route from a router advertisement, as rt6_fill_node reports it: RTA_CACHEINFO's rta_expires is
// what is left of the router lifetime, in USER_HZ ticks (100 a second on Linux's ABI).
TEST(RouteDecode, ExpiryOfARouteFromARouterAdvertisement)
{
    rta_cacheinfo info{};
    info.rta_expires = 2999; // 29.99 s of a 30 s router lifetime left
    info.rta_lastuse = 77;   // the other fields say nothing about the expiry
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET6, RTPROT_RA))
        .u32(RTA_OIF, 3)
        .attribute(RTA_CACHEINFO, &info, sizeof info);
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->routes.size(), 1u);
    ASSERT_TRUE(decoded->routes[0].expiresIn);
    EXPECT_EQ(*decoded->routes[0].expiresIn, std::chrono::milliseconds(29990));
}

TEST(RouteDecode, NoExpiryWhenTheCacheInfoSaysZeroOrIsAbsent)
{
    rta_cacheinfo info{};
    MessageBuilder zero(RTM_NEWROUTE);
    zero.payload(defaultRouteHeader(AF_INET6, RTPROT_RA)).attribute(RTA_CACHEINFO, &info, sizeof info);
    ASSERT_TRUE(decodeRouteMessage(zero.get()));
    EXPECT_FALSE(decodeRouteMessage(zero.get())->routes[0].expiresIn);

    MessageBuilder absent(RTM_NEWROUTE);
    absent.payload(defaultRouteHeader(AF_INET6, RTPROT_RA)).u32(RTA_OIF, 3);
    EXPECT_FALSE(decodeRouteMessage(absent.get())->routes[0].expiresIn);
}

// rtnl_put_cacheinfo writes a negative count for an expiry already past (rta_expires is signed).
TEST(RouteDecode, OverdueExpiryIsNegative)
{
    rta_cacheinfo info{};
    info.rta_expires = -50;
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET6, RTPROT_RA)).attribute(RTA_CACHEINFO, &info, sizeof info);
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_TRUE(decoded && decoded->routes[0].expiresIn);
    EXPECT_EQ(*decoded->routes[0].expiresIn, std::chrono::milliseconds(-500));
}

// A cache info shorter than the struct is not read past its end.
TEST(RouteDecode, ShortCacheInfoIsIgnored)
{
    int32_t fragment[2] = {0, 0};
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET6, RTPROT_RA)).attribute(RTA_CACHEINFO, fragment, sizeof fragment);
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->routes.size(), 1u);
    EXPECT_FALSE(decoded->routes[0].expiresIn);
}

TEST(RouteDecode, NonDefaultRoutesAreRejectedFromTheHeaderAlone)
{
    rtmsg rtm = defaultRouteHeader(AF_INET);
    rtm.rtm_dst_len = 24;
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(rtm);
    EXPECT_FALSE(isDefaultRouteMessage(msg.get()));
    EXPECT_FALSE(decodeRouteMessage(msg.get()));
}

TEST(RouteDecode, ReplaceFlagIsReported)
{
    MessageBuilder msg(RTM_NEWROUTE, NLM_F_REPLACE);
    msg.payload(defaultRouteHeader(AF_INET)).u32(RTA_OIF, 2);
    EXPECT_TRUE(decodeRouteMessage(msg.get())->replaced);
}

TEST(RouteDecode, TruncatedMessagesAreRejected)
{
    MessageBuilder shortHeader(RTM_NEWROUTE);
    shortHeader.payload(defaultRouteHeader(AF_INET)).truncateTo(NLMSG_HDRLEN + 4);
    EXPECT_FALSE(isDefaultRouteMessage(shortHeader.get()));
    EXPECT_FALSE(decodeRouteMessage(shortHeader.get()));

    // An attribute claiming more bytes than the message has.
    MessageBuilder badAttribute(RTM_NEWROUTE);
    badAttribute.payload(defaultRouteHeader(AF_INET)).u32(RTA_OIF, 2);
    auto &bytes = badAttribute.bytes();
    reinterpret_cast<rtattr *>(bytes.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg)))->rta_len = 64;
    EXPECT_FALSE(decodeRouteMessage(badAttribute.get()));
}

TEST(RouteDecode, WrongSizedAttributesAreRejected)
{
    uint16_t shortValue = 5;
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET)).attribute(RTA_OIF, &shortValue, sizeof shortValue);
    EXPECT_FALSE(decodeRouteMessage(msg.get()));
}

TEST(RouteDecode, GatewayOfTheWrongLengthIsDropped)
{
    uint8_t sixteen[16] = {0x20, 0x01, 0x0d, 0xb8};
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET)).u32(RTA_OIF, 2).attribute(RTA_GATEWAY, sixteen, sizeof sixteen);
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->routes[0].gateway);
}

TEST(RouteDecode, ClonedRoutesAndOtherFamiliesCarryNoRoutes)
{
    rtmsg cloned = defaultRouteHeader(AF_INET6);
    cloned.rtm_flags = RTM_F_CLONED;
    MessageBuilder clonedMsg(RTM_NEWROUTE);
    clonedMsg.payload(cloned).u32(RTA_OIF, 2);
    EXPECT_TRUE(decodeRouteMessage(clonedMsg.get())->routes.empty());

    MessageBuilder mpls(RTM_NEWROUTE);
    mpls.payload(defaultRouteHeader(AF_MPLS));
    EXPECT_TRUE(decodeRouteMessage(mpls.get())->routes.empty());
}

// RTA_MULTIPATH: a sequence of rtnexthop, each followed by its own attributes.
std::vector<uint8_t> multipathPayload(int family, const std::vector<std::pair<int, const char *>> &nexthops)
{
    std::vector<uint8_t> bytes;
    for (auto [ifindex, gatewayText] : nexthops) {
        uint8_t gateway[16] = {};
        inet_pton(family, gatewayText, gateway);
        size_t addressLength = family == AF_INET ? 4 : 16;
        rtnexthop nexthop{};
        nexthop.rtnh_ifindex = ifindex;
        nexthop.rtnh_len = static_cast<unsigned short>(RTNH_LENGTH(RTA_SPACE(addressLength)));
        rtattr attr{static_cast<unsigned short>(RTA_LENGTH(addressLength)), RTA_GATEWAY};
        size_t offset = bytes.size();
        bytes.resize(offset + RTNH_ALIGN(nexthop.rtnh_len));
        std::memcpy(bytes.data() + offset, &nexthop, sizeof nexthop);
        std::memcpy(bytes.data() + offset + RTNH_LENGTH(0), &attr, sizeof attr);
        std::memcpy(bytes.data() + offset + RTNH_LENGTH(0) + RTA_LENGTH(0), gateway, addressLength);
    }
    return bytes;
}

TEST(RouteDecode, Ipv6MultipathBecomesOneRoutePerNexthop)
{
    auto nexthops = multipathPayload(AF_INET6, {{3, "2001:db8:1::1"}, {4, "2001:db8:2::1"}});
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET6)).u32(RTA_PRIORITY, 100).attribute(RTA_MULTIPATH, nexthops.data(),
                                                                               nexthops.size());
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->routes.size(), 2u);
    EXPECT_EQ(decoded->routes[0].ifindex, 3);
    EXPECT_EQ(decoded->routes[0].gateway, ip("2001:db8:1::1"));
    EXPECT_EQ(decoded->routes[1].ifindex, 4);
    EXPECT_EQ(decoded->routes[1].gateway, ip("2001:db8:2::1"));
    EXPECT_EQ(decoded->routes[1].metric, 100u);
    EXPECT_FALSE(decoded->routes[0].multipath);
}

TEST(RouteDecode, Ipv4MultipathRoutesAreMarked)
{
    auto nexthops = multipathPayload(AF_INET, {{3, "192.0.2.1"}, {4, "198.51.100.1"}});
    MessageBuilder msg(RTM_NEWROUTE);
    msg.payload(defaultRouteHeader(AF_INET)).attribute(RTA_MULTIPATH, nexthops.data(), nexthops.size());
    auto decoded = decodeRouteMessage(msg.get());
    ASSERT_EQ(decoded->routes.size(), 2u);
    EXPECT_TRUE(decoded->routes[0].multipath);
    EXPECT_TRUE(decoded->routes[1].multipath);
}

TEST(RouteEncode, AddRequestRoundTripsThroughTheDecoder)
{
    RouteFact route;
    route.family = Family::inet6;
    route.table = 1000; // above 255: must travel in RTA_TABLE
    route.metric = 1000;
    route.protocol = 241;
    route.scope = RT_SCOPE_UNIVERSE;
    route.type = RTN_UNICAST;
    route.ifindex = 9;
    route.gateway = ip("fe80::1");

    auto request = buildRouteAddRequest(route, false);
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_NEWROUTE);
    EXPECT_TRUE(header->nlmsg_flags & NLM_F_CREATE);
    EXPECT_FALSE(header->nlmsg_flags & (NLM_F_EXCL | NLM_F_REPLACE));
    auto decoded = decodeRouteMessage(header);
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->routes.size(), 1u);
    EXPECT_EQ(decoded->routes[0], route);

    auto replace = buildRouteAddRequest(route, true);
    EXPECT_TRUE(reinterpret_cast<const nlmsghdr *>(messageBytes(replace.get()).data())->nlmsg_flags & NLM_F_REPLACE);
}

TEST(RouteEncode, DeleteRequestNamesTheExactRoute)
{
    RouteFact route;
    route.family = Family::inet;
    route.table = 254;
    route.metric = 0;
    route.protocol = RTPROT_DHCP;
    route.scope = RT_SCOPE_UNIVERSE;
    route.type = RTN_UNICAST;
    route.ifindex = 4;
    route.gateway = ip("198.51.100.1");
    auto request = buildRouteDeleteRequest(route);
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_DELROUTE);
    auto decoded = decodeRouteMessage(header);
    ASSERT_TRUE(decoded && decoded->removed);
    EXPECT_EQ(decoded->routes[0], route);
}

TEST(RouteEncode, OnLinkRouteHasNoGateway)
{
    RouteFact route;
    route.family = Family::inet;
    route.table = 254;
    route.metric = 50;
    route.scope = RT_SCOPE_LINK;
    route.type = RTN_UNICAST;
    route.ifindex = 2;
    auto request = buildRouteAddRequest(route, false);
    auto decoded = decodeRouteMessage(reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data()));
    EXPECT_FALSE(decoded->routes[0].gateway);
    EXPECT_EQ(decoded->routes[0].scope, RT_SCOPE_LINK);
}

TEST(DumpRequest, StrictFilterOnTableAndInterface)
{
    auto request = buildRouteDumpRequest(Family::inet, 1000, 5);
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_GETROUTE);
    EXPECT_TRUE(header->nlmsg_flags & NLM_F_DUMP);
    auto rtm = static_cast<const rtmsg *>(NLMSG_DATA(header));
    // Strict checking rejects dumps with any of these set.
    EXPECT_EQ(rtm->rtm_dst_len, 0);
    EXPECT_EQ(rtm->rtm_scope, 0);
    EXPECT_EQ(rtm->rtm_table, RT_TABLE_UNSPEC);
    EXPECT_EQ(rtm->rtm_family, AF_INET);

    uint32_t table = 0, oif = 0;
    int length = static_cast<int>(RTM_PAYLOAD(header));
    for (auto attr = RTM_RTA(rtm); RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
        if (attr->rta_type == RTA_TABLE)
            std::memcpy(&table, RTA_DATA(attr), 4);
        if (attr->rta_type == RTA_OIF)
            std::memcpy(&oif, RTA_DATA(attr), 4);
    }
    EXPECT_EQ(table, 1000u);
    EXPECT_EQ(oif, 5u);
}

TEST(LinkDecode, NameIndexAndFlags)
{
    ifinfomsg ifi{};
    ifi.ifi_index = 12;
    ifi.ifi_flags = IFF_UP | IFF_LOWER_UP;
    const char name[] = "mgmt0";
    MessageBuilder msg(RTM_NEWLINK);
    msg.payload(ifi).attribute(IFLA_IFNAME, name, sizeof name);
    auto decoded = decodeLinkMessage(msg.get());
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->removed);
    EXPECT_EQ(decoded->link.ifindex, 12);
    EXPECT_EQ(decoded->link.name, "mgmt0");
    EXPECT_TRUE(decoded->link.adminUp());
    EXPECT_TRUE(decoded->link.hasCarrier());

    MessageBuilder removed(RTM_DELLINK);
    removed.payload(ifi);
    EXPECT_TRUE(decodeLinkMessage(removed.get())->removed);
    EXPECT_FALSE(decodeLinkMessage(MessageBuilder(RTM_NEWLINK).get())); // no ifinfomsg at all
}

TEST(AddressDecode, FamilyAndInterface)
{
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET6;
    ifa.ifa_index = 4;
    MessageBuilder msg(RTM_DELADDR);
    msg.payload(ifa);
    auto decoded = decodeAddressMessage(msg.get());
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded->removed);
    EXPECT_EQ(decoded->family, Family::inet6);
    EXPECT_EQ(decoded->ifindex, 4);
}

TEST(AckDecode, ErrnoAndExtendedAckMessage)
{
    nlmsgerr error{};
    error.error = -EEXIST;
    error.msg.nlmsg_len = NLMSG_HDRLEN; // capped: only the request's header is echoed
    const char text[] = "Route exists";
    MessageBuilder msg(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
    msg.payload(error).attribute(NLMSGERR_ATTR_MSG, text, sizeof text);
    auto ack = decodeAck(msg.get());
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->error, EEXIST);
    EXPECT_EQ(ack->message, "Route exists");

    nlmsgerr success{};
    MessageBuilder plain(NLMSG_ERROR);
    plain.payload(success);
    EXPECT_EQ(decodeAck(plain.get())->error, 0);
    EXPECT_FALSE(decodeAck(MessageBuilder(NLMSG_DONE).get()));
}

TEST(Datagram, WalksEveryMessageAndFlagsTruncation)
{
    MessageBuilder first(RTM_NEWLINK), second(RTM_DELLINK);
    first.payload(ifinfomsg{});
    second.payload(ifinfomsg{});
    std::vector<uint8_t> datagram = first.bytes();
    datagram.insert(datagram.end(), second.bytes().begin(), second.bytes().end());
    std::vector<uint16_t> types;
    EXPECT_TRUE(forEachMessage(datagram, [&](const nlmsghdr *h) { types.push_back(h->nlmsg_type); }));
    EXPECT_EQ(types, (std::vector<uint16_t>{RTM_NEWLINK, RTM_DELLINK}));

    datagram.resize(datagram.size() - 4);
    types.clear();
    EXPECT_FALSE(forEachMessage(datagram, [&](const nlmsghdr *h) { types.push_back(h->nlmsg_type); }));
    EXPECT_EQ(types.size(), 1u);
}

} // namespace
} // namespace ifpin
