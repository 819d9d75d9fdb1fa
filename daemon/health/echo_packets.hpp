// ICMP and ICMPv6 echo requests and replies as bytes (pure, unit-tested): what health's icmp probes
// send and how an answer is recognised, for both kinds of socket (probe_sockets.hpp): a ping socket
// (the kernel fills in the identifier and the checksum, and hands over the ICMP message alone) and
// a raw one (IPv4 raw sockets receive the IP header too; ICMPv6's checksum is the kernel's always).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/ip_address.hpp"

namespace ifpin {

// Echo request: type 8 (ICMP) or 128 (ICMPv6), code 0, identifier, sequence and a 16-byte payload
// that names ifpind. The ICMP checksum is filled in (the kernel recomputes it on a ping socket).
std::vector<uint8_t> buildEchoRequest(Family family, uint16_t identifier, uint16_t sequence);

struct EchoReply {
    uint16_t identifier = 0;
    uint16_t sequence = 0;
};
// An echo reply (type 0 or 129) as received; nullopt for anything else. withIpHeader: the bytes
// start with an IPv4 header (raw IPv4 sockets), whose length is read from it.
std::optional<EchoReply> parseEchoReply(Family family, std::span<const uint8_t> bytes, bool withIpHeader);

// The sequence number of our own echo request, quoted back in an error (IP_RECVERR hands over the
// ICMP message that was sent); nullopt when the bytes are no echo request.
std::optional<uint16_t> sequenceOfRequest(Family family, std::span<const uint8_t> bytes);

// The Internet checksum (RFC 1071) of bytes.
uint16_t internetChecksum(std::span<const uint8_t> bytes);

} // namespace ifpin
