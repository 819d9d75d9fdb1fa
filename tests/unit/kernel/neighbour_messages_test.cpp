// The neighbour codec of uplink health: messages decoded from bytes laid out as the kernel sends
// them, requests checked byte by byte.
#include <arpa/inet.h>
#include <linux/neighbour.h>

#include <gtest/gtest.h>

#include "kernel/neighbour_messages.hpp"
#include "message_builder.hpp"

namespace ifpin {
namespace {

using test::MessageBuilder;

ndmsg neighbourHeader(uint8_t family, int ifindex, uint16_t state, uint8_t flags = 0)
{
    ndmsg ndm{};
    ndm.ndm_family = family;
    ndm.ndm_ifindex = ifindex;
    ndm.ndm_state = state;
    ndm.ndm_flags = flags;
    return ndm;
}

TEST(NeighbourDecode, Ipv4EntryWithItsState)
{
    in_addr address{};
    inet_pton(AF_INET, "192.0.2.1", &address);
    uint8_t lladdr[6] = {0x02, 0, 0, 0, 0, 1};
    MessageBuilder message(RTM_NEWNEIGH);
    message.payload(neighbourHeader(AF_INET, 7, NUD_REACHABLE))
        .attribute(NDA_DST, &address, sizeof address)
        .attribute(NDA_LLADDR, lladdr, sizeof lladdr);
    auto decoded = decodeNeighbourMessage(message.get());
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->removed);
    EXPECT_EQ(decoded->ifindex, 7);
    EXPECT_EQ(decoded->address.toString(), "192.0.2.1");
    EXPECT_EQ(decoded->state, NUD_REACHABLE);
}

TEST(NeighbourDecode, Ipv6RemovedEntry)
{
    in6_addr address{};
    inet_pton(AF_INET6, "fe80::1", &address);
    MessageBuilder message(RTM_DELNEIGH);
    message.payload(neighbourHeader(AF_INET6, 3, NUD_FAILED)).attribute(NDA_DST, &address, sizeof address);
    auto decoded = decodeNeighbourMessage(message.get());
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded->removed);
    EXPECT_EQ(decoded->address.toString(), "fe80::1");
    EXPECT_EQ(decoded->state, NUD_FAILED);
}

TEST(NeighbourDecode, WhatIsNotAUsableEntryIsRejected)
{
    in_addr address{};
    inet_pton(AF_INET, "192.0.2.1", &address);
    // No destination.
    MessageBuilder noDestination(RTM_NEWNEIGH);
    noDestination.payload(neighbourHeader(AF_INET, 7, NUD_REACHABLE));
    EXPECT_FALSE(decodeNeighbourMessage(noDestination.get()));
    // A destination of the wrong length for the family.
    MessageBuilder wrongLength(RTM_NEWNEIGH);
    wrongLength.payload(neighbourHeader(AF_INET6, 7, NUD_REACHABLE)).attribute(NDA_DST, &address, sizeof address);
    EXPECT_FALSE(decodeNeighbourMessage(wrongLength.get()));
    // A proxy entry, and a bridge's (AF_BRIDGE) entry.
    MessageBuilder proxy(RTM_NEWNEIGH);
    proxy.payload(neighbourHeader(AF_INET, 7, NUD_NONE, NTF_PROXY)).attribute(NDA_DST, &address, sizeof address);
    EXPECT_FALSE(decodeNeighbourMessage(proxy.get()));
    MessageBuilder bridge(RTM_NEWNEIGH);
    bridge.payload(neighbourHeader(AF_BRIDGE, 7, NUD_PERMANENT)).attribute(NDA_DST, &address, sizeof address);
    EXPECT_FALSE(decodeNeighbourMessage(bridge.get()));
    // A route message.
    MessageBuilder route(RTM_NEWROUTE);
    route.payload(test::defaultRouteHeader(AF_INET));
    EXPECT_FALSE(decodeNeighbourMessage(route.get()));
}

TEST(NeighbourDecode, TruncatedMessagesAreRejected)
{
    in_addr address{};
    inet_pton(AF_INET, "192.0.2.1", &address);
    MessageBuilder message(RTM_NEWNEIGH);
    message.payload(neighbourHeader(AF_INET, 7, NUD_REACHABLE)).attribute(NDA_DST, &address, sizeof address);
    size_t full = message.bytes().size();
    for (size_t length = NLMSG_HDRLEN; length < full; ++length) {
        MessageBuilder cut = message;
        cut.truncateTo(length);
        EXPECT_FALSE(decodeNeighbourMessage(cut.get())) << "length " << length;
    }
}

TEST(NeighbourState, NamesAndVerdicts)
{
    EXPECT_EQ(neighbourStateName(NUD_REACHABLE), "REACHABLE");
    EXPECT_EQ(neighbourStateName(NUD_NONE), "NONE");
    EXPECT_EQ(neighbourStateName(NUD_STALE | NUD_NOARP), "STALE|NOARP");
    for (uint16_t state : {NUD_REACHABLE, NUD_PERMANENT, NUD_NOARP})
        EXPECT_EQ(neighbourVerdict(state), NeighbourVerdict::answered) << neighbourStateName(state);
    for (uint16_t state : {NUD_FAILED, NUD_INCOMPLETE})
        EXPECT_EQ(neighbourVerdict(state), NeighbourVerdict::silent) << neighbourStateName(state);
    for (uint16_t state : {NUD_NONE, NUD_STALE, NUD_DELAY, NUD_PROBE})
        EXPECT_EQ(neighbourVerdict(state), NeighbourVerdict::unconfirmed) << neighbourStateName(state);
}

const ndmsg &requestHeader(nl_msg *msg)
{
    return *reinterpret_cast<const ndmsg *>(messageBytes(msg).data() + NLMSG_HDRLEN);
}

TEST(NeighbourRequests, GetNamesTheEntryAndNothingElse)
{
    auto address = *IpAddress::parse("2001:db8:1::1");
    NlMsgPtr msg = buildNeighbourGetRequest(9, address);
    auto bytes = messageBytes(msg.get());
    auto header = reinterpret_cast<const nlmsghdr *>(bytes.data());
    EXPECT_EQ(header->nlmsg_type, RTM_GETNEIGH);
    EXPECT_EQ(header->nlmsg_flags & NLM_F_DUMP, 0);
    const ndmsg &ndm = requestHeader(msg.get());
    EXPECT_EQ(ndm.ndm_family, AF_INET6);
    EXPECT_EQ(ndm.ndm_ifindex, 9);
    EXPECT_EQ(ndm.ndm_state, 0);
    EXPECT_EQ(ndm.ndm_flags, 0);
    // One attribute: NDA_DST with the 16 bytes.
    ASSERT_EQ(bytes.size(), NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ndmsg)) + RTA_LENGTH(16));
    auto attribute = reinterpret_cast<const rtattr *>(bytes.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ndmsg)));
    EXPECT_EQ(attribute->rta_type, NDA_DST);
    EXPECT_EQ(0, std::memcmp(RTA_DATA(attribute), address.bytes().data(), 16));
}

TEST(NeighbourRequests, UseChangesNoState)
{
    NlMsgPtr msg = buildNeighbourUseRequest(4, *IpAddress::parse("192.0.2.1"));
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(msg.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_NEWNEIGH);
    EXPECT_EQ(header->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE | NLM_F_EXCL), NLM_F_CREATE);
    const ndmsg &ndm = requestHeader(msg.get());
    EXPECT_EQ(ndm.ndm_family, AF_INET);
    EXPECT_EQ(ndm.ndm_ifindex, 4);
    EXPECT_EQ(ndm.ndm_flags, NTF_USE);
    EXPECT_EQ(ndm.ndm_state, 0) << "PERMANENT (iproute2's default) would exempt a created entry from garbage collection";
}

} // namespace
} // namespace ifpin
