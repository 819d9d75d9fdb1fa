#include "core/ip_address.hpp"

#include <array>
#include <vector>

#include <gtest/gtest.h>

namespace ifpin {
namespace {

std::string roundTrip(std::string_view text)
{
    auto address = IpAddress::parse(text);
    return address ? address->toString() : "<invalid>";
}

bool isLinkLocal(std::string_view text)
{
    return IpAddress::parse(text).value().isLinkLocal();
}

bool isReservedForGateway(std::string_view text)
{
    return IpAddress::parse(text).value().isReservedForGateway();
}

TEST(IpAddress, ParsesEitherFamily)
{
    auto v4 = IpAddress::parse("192.0.2.1");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->family(), Family::inet);
    EXPECT_EQ(v4->bytes().size(), 4u);

    auto v6 = IpAddress::parse("2001:db8::1");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->family(), Family::inet6);
    EXPECT_EQ(v6->bytes().size(), 16u);
}

TEST(IpAddress, ParseWithFamilyRefusesTheOtherFamily)
{
    EXPECT_TRUE(IpAddress::parse(Family::inet, "192.0.2.1"));
    EXPECT_FALSE(IpAddress::parse(Family::inet, "2001:db8::1"));
    EXPECT_TRUE(IpAddress::parse(Family::inet6, "2001:db8::1"));
    EXPECT_FALSE(IpAddress::parse(Family::inet6, "192.0.2.1"));
}

TEST(IpAddress, RejectsText)
{
    for (std::string_view text : {"", "192.0.2", "192.0.2.256", "192.0.2.1 ", " 192.0.2.1", "eth0",
                                  "2001:db8:::1", "fe80::1%eth0", "192.0.2.1/24"})
        EXPECT_FALSE(IpAddress::parse(text)) << text;
    // Longer than any address: must be refused without overrunning parse's buffer.
    EXPECT_FALSE(IpAddress::parse(std::string(100, '1')));
}

TEST(IpAddress, ToStringIsCanonical)
{
    EXPECT_EQ(roundTrip("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(roundTrip("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
    EXPECT_EQ(roundTrip("fe80::1"), "fe80::1");
    EXPECT_EQ(roundTrip("::"), "::");
}

TEST(IpAddress, FromBytesChecksLength)
{
    std::array<uint8_t, 4> four{192, 0, 2, 1};
    std::array<uint8_t, 16> sixteen{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    std::vector<uint8_t> empty;

    auto v4 = IpAddress::fromBytes(Family::inet, four);
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->toString(), "192.0.2.1");
    auto v6 = IpAddress::fromBytes(Family::inet6, sixteen);
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->toString(), "2001:db8::1");

    EXPECT_FALSE(IpAddress::fromBytes(Family::inet, sixteen));
    EXPECT_FALSE(IpAddress::fromBytes(Family::inet6, four));
    EXPECT_FALSE(IpAddress::fromBytes(Family::inet, empty));
    EXPECT_FALSE(IpAddress::fromBytes(Family::inet6, std::span(sixteen).first(15)));
}

TEST(IpAddress, FromBytesEqualsParsed)
{
    std::array<uint8_t, 4> four{192, 0, 2, 1};
    EXPECT_EQ(IpAddress::fromBytes(Family::inet, four), IpAddress::parse("192.0.2.1"));
    EXPECT_NE(IpAddress::fromBytes(Family::inet, four), IpAddress::parse("192.0.2.2"));
}

TEST(IpAddress, LinkLocal)
{
    EXPECT_TRUE(isLinkLocal("169.254.1.1"));
    EXPECT_FALSE(isLinkLocal("169.253.1.1"));
    EXPECT_TRUE(isLinkLocal("fe80::1"));
    EXPECT_TRUE(isLinkLocal("febf::1"));
    EXPECT_FALSE(isLinkLocal("fec0::1"));
    EXPECT_FALSE(isLinkLocal("2001:db8::1"));
}

TEST(IpAddress, ReservedForGateway)
{
    for (std::string_view text :
         {"0.0.0.0", "0.1.2.3", "127.0.0.1", "255.255.255.255", "224.0.0.1", "::", "::1", "ff02::1"})
        EXPECT_TRUE(isReservedForGateway(text)) << text;
    for (std::string_view text : {"192.0.2.1", "10.0.0.1", "169.254.0.1", "2001:db8::1", "fe80::1", "::2"})
        EXPECT_FALSE(isReservedForGateway(text)) << text;
}

TEST(IpAddress, FamilyNames)
{
    EXPECT_EQ(familyName(Family::inet), "inet");
    EXPECT_EQ(familyName(Family::inet6), "inet6");
    EXPECT_EQ(familyFromName("inet6"), Family::inet6);
    EXPECT_EQ(familyFromName("4"), Family::inet);
    EXPECT_FALSE(familyFromName("ipx"));
    EXPECT_EQ(familyFromAf(AF_INET), Family::inet);
    EXPECT_FALSE(familyFromAf(AF_UNIX));
    EXPECT_EQ(addressLength(Family::inet6), 16u);
}

// A NUL ends inet_pton's string: what follows it must not be ignored (issue #15, item 9).
TEST(IpAddress, TextWithANulIsNoAddress)
{
    using namespace std::string_literals;
    EXPECT_FALSE(IpAddress::parse("192.0.2.1\0junk"s));
    EXPECT_FALSE(IpAddress::parse(Family::inet6, "2001:db8::1\0"s));
}

TEST(IpAddress, Ipv4InIpv6ClothesIsNoGateway)
{
    EXPECT_TRUE(IpAddress::parse("::ffff:198.51.100.1").value().isV4Mapped());
    EXPECT_TRUE(isReservedForGateway("::ffff:198.51.100.1"));
    EXPECT_TRUE(isReservedForGateway("::ffff:127.0.0.1"));
    EXPECT_TRUE(IpAddress::parse("::127.0.0.1").value().isV4Compatible());
    EXPECT_TRUE(isReservedForGateway("::127.0.0.1"));
    EXPECT_FALSE(IpAddress::parse("::1").value().isV4Compatible());
    EXPECT_FALSE(IpAddress::parse("::").value().isV4Compatible());
    EXPECT_FALSE(IpAddress::parse("198.51.100.1").value().isV4Mapped());
    EXPECT_FALSE(isReservedForGateway("2001:db8::ffff:c633:6401"));
    EXPECT_FALSE(isReservedForGateway("fe80::1"));
}

} // namespace
} // namespace ifpin
