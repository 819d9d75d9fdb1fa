#include "health/echo_packets.hpp"

#include <algorithm>
#include <cstring>

namespace ifpin {

namespace {

constexpr uint8_t echoRequest4 = 8, echoReply4 = 0;
constexpr uint8_t echoRequest6 = 128, echoReply6 = 129;
constexpr size_t headerLength = 8;
constexpr char payload[16] = {'i', 'f', 'p', 'i', 'n', 'd', ' ', 'h', 'e', 'a', 'l', 't', 'h', 0, 0, 0};

uint16_t read16(std::span<const uint8_t> bytes, size_t offset)
{
    return static_cast<uint16_t>(bytes[offset] << 8 | bytes[offset + 1]);
}

} // namespace

uint16_t internetChecksum(std::span<const uint8_t> bytes)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < bytes.size(); i += 2)
        sum += read16(bytes, i);
    if (bytes.size() % 2)
        sum += static_cast<uint32_t>(bytes.back()) << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> buildEchoRequest(Family family, uint16_t identifier, uint16_t sequence)
{
    std::vector<uint8_t> bytes(headerLength + sizeof payload, 0);
    bytes[0] = family == Family::inet ? echoRequest4 : echoRequest6;
    bytes[4] = static_cast<uint8_t>(identifier >> 8);
    bytes[5] = static_cast<uint8_t>(identifier);
    bytes[6] = static_cast<uint8_t>(sequence >> 8);
    bytes[7] = static_cast<uint8_t>(sequence);
    std::memcpy(bytes.data() + headerLength, payload, sizeof payload);
    uint16_t checksum = internetChecksum(bytes);
    bytes[2] = static_cast<uint8_t>(checksum >> 8);
    bytes[3] = static_cast<uint8_t>(checksum);
    return bytes;
}

std::optional<EchoReply> parseEchoReply(Family family, std::span<const uint8_t> bytes, bool withIpHeader)
{
    if (withIpHeader) {
        if (bytes.empty() || (bytes[0] >> 4) != 4)
            return std::nullopt;
        size_t ipLength = static_cast<size_t>(bytes[0] & 0x0f) * 4;
        if (ipLength < 20 || bytes.size() < ipLength)
            return std::nullopt;
        bytes = bytes.subspan(ipLength);
    }
    if (bytes.size() < headerLength || bytes[1] != 0)
        return std::nullopt;
    if (bytes[0] != (family == Family::inet ? echoReply4 : echoReply6))
        return std::nullopt;
    return EchoReply{read16(bytes, 4), read16(bytes, 6)};
}

std::optional<uint16_t> sequenceOfRequest(Family family, std::span<const uint8_t> bytes)
{
    if (bytes.size() < headerLength || bytes[0] != (family == Family::inet ? echoRequest4 : echoRequest6))
        return std::nullopt;
    return read16(bytes, 6);
}

} // namespace ifpin
