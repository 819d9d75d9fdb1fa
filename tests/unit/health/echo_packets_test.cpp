// Echo requests and replies on the wire: what is sent, and which answers are ours.
#include <gtest/gtest.h>

#include "health/echo_packets.hpp"

namespace ifpin {
namespace {

TEST(EchoPackets, Ipv4RequestWithAValidChecksum)
{
    auto bytes = buildEchoRequest(Family::inet, 0x1234, 0x0102);
    ASSERT_EQ(bytes.size(), 24u);
    EXPECT_EQ(bytes[0], 8);
    EXPECT_EQ(bytes[1], 0);
    EXPECT_EQ(bytes[4], 0x12);
    EXPECT_EQ(bytes[5], 0x34);
    EXPECT_EQ(bytes[6], 0x01);
    EXPECT_EQ(bytes[7], 0x02);
    EXPECT_EQ(internetChecksum(bytes), 0) << "a message with its checksum in sums to zero";
    EXPECT_EQ(sequenceOfRequest(Family::inet, bytes), 0x0102);
    EXPECT_FALSE(sequenceOfRequest(Family::inet6, bytes));
}

TEST(EchoPackets, Ipv6RequestType)
{
    auto bytes = buildEchoRequest(Family::inet6, 1, 2);
    EXPECT_EQ(bytes[0], 128);
    EXPECT_EQ(sequenceOfRequest(Family::inet6, bytes), 2);
}

TEST(EchoPackets, ChecksumOfTheRfc1071Example)
{
    // RFC 1071, 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, so the checksum is its complement.
    std::vector<uint8_t> bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(internetChecksum(bytes), static_cast<uint16_t>(~0xddf2));
    std::vector<uint8_t> odd{0x01};
    EXPECT_EQ(internetChecksum(odd), static_cast<uint16_t>(~0x0100));
}

std::vector<uint8_t> reply(uint8_t type, uint16_t id, uint16_t sequence)
{
    return {type, 0, 0, 0, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), static_cast<uint8_t>(sequence >> 8),
            static_cast<uint8_t>(sequence), 'x', 'y'};
}

TEST(EchoPackets, RepliesFromAPingSocket)
{
    auto parsed = parseEchoReply(Family::inet, reply(0, 7, 513), false);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->identifier, 7);
    EXPECT_EQ(parsed->sequence, 513);
    EXPECT_TRUE(parseEchoReply(Family::inet6, reply(129, 7, 1), false));
    EXPECT_FALSE(parseEchoReply(Family::inet, reply(8, 7, 1), false)) << "a request is no reply";
    EXPECT_FALSE(parseEchoReply(Family::inet6, reply(0, 7, 1), false)) << "the other family's type";
    EXPECT_FALSE(parseEchoReply(Family::inet, reply(3, 7, 1), false)) << "unreachable";
    EXPECT_FALSE(parseEchoReply(Family::inet, std::vector<uint8_t>{0, 0, 0, 0, 0}, false)) << "too short";
}

TEST(EchoPackets, RepliesFromARawIpv4SocketCarryTheIpHeader)
{
    std::vector<uint8_t> packet(24, 0);
    packet[0] = 0x46; // IPv4, header of 6 words (an option)
    auto icmp = reply(0, 0xbeef, 9);
    packet.insert(packet.end(), icmp.begin(), icmp.end());
    auto parsed = parseEchoReply(Family::inet, packet, true);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->identifier, 0xbeef);
    EXPECT_EQ(parsed->sequence, 9);
    packet[0] = 0x44; // a header length below the minimum
    EXPECT_FALSE(parseEchoReply(Family::inet, packet, true));
    EXPECT_FALSE(parseEchoReply(Family::inet, std::vector<uint8_t>(10, 0x45), true)) << "shorter than its header";
}

} // namespace
} // namespace ifpin
