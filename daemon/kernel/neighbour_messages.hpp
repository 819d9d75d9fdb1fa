// Pure encode/decode of the neighbour messages of uplink health's "neighbour" method (RTM_NEWNEIGH,
// RTM_DELNEIGH, RTM_GETNEIGH), beside the route codecs; no sockets, tested on bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <linux/netlink.h>

#include "core/ip_address.hpp"
#include "kernel/netlink_messages.hpp"

namespace ifpin {

// One neighbour entry (an IPv4 ARP or IPv6 ND entry) as the kernel reports it.
struct NeighbourMessage {
    bool removed = false; // RTM_DELNEIGH
    int ifindex = 0;
    IpAddress address;
    uint16_t state = 0; // NUD_* bits
};

// nullopt for other messages, malformed ones, proxy entries and families other than IPv4/IPv6.
std::optional<NeighbourMessage> decodeNeighbourMessage(const nlmsghdr *header);

// "REACHABLE", "STALE", "FAILED", ... as ip-neighbour(8) names the states; several joined by '|'.
std::string neighbourStateName(uint16_t state);

// What a state says about the neighbour: it answered (REACHABLE, PERMANENT, NOARP), it did not
// (FAILED, INCOMPLETE), or the kernel has not checked lately or is checking now (STALE, DELAY, PROBE,
// NONE).
enum class NeighbourVerdict { answered, silent, unconfirmed };
NeighbourVerdict neighbourVerdict(uint16_t state);

// RTM_GETNEIGH of one entry (strict: NDA_DST only): the kernel answers with it, or ENOENT.
NlMsgPtr buildNeighbourGetRequest(int ifindex, const IpAddress &address);
// RTM_NEWNEIGH with NTF_USE (and NLM_F_CREATE): the kernel treats the entry as used by a packet,
// which makes it resolve an entry that is missing, INCOMPLETE or FAILED, and probe a STALE one
// (after delay_first_probe_time), as it would for traffic. Nothing else of the entry changes.
NlMsgPtr buildNeighbourUseRequest(int ifindex, const IpAddress &address);

} // namespace ifpin
