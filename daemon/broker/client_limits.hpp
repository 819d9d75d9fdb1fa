// How much of ifpind one client may hold (issue #15, items 2 and 3): connections per uid, with room
// kept for root and for peers that some role's allow lists admit, and sockets sent but not yet
// received ("in flight"), counted in descriptors, per connection, per uid and in all. Pure: the broker
// server counts, this decides.
//
// Why descriptors in flight are bounded at all: the kernel charges every descriptor sitting in a
// receive queue to the *sender's* user (here root, ifpind's), and refuses further ones with
// ETOOMANYREFS once that user has more in flight than the sender's RLIMIT_NOFILE, unless the sender
// has CAP_SYS_RESOURCE (ifpind's unit does not give it). A client that asks and never reads would
// otherwise make every reply carrying sockets fail, for everybody (CVE-2013-4312 is that kernel
// limit; docs/systemd.md, LimitNOFILE=).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <sys/types.h>

namespace ifpin {

struct ClientLimits {
    size_t maxConnections = 256;          // in all; more are answered BUSY and closed
    size_t connectionsPerUid = 32;        // of any one uid but root
    size_t reservedConnections = 32;      // of maxConnections: for root and peers in an allow list only
    size_t inFlightPerConnection = 128;   // sockets sent on one connection and not yet received
    size_t inFlightPerUid = 256;          // the same over all connections of one uid but root
};

// What the server knows when a connection comes in.
struct ConnectionCounts {
    size_t total = 0;  // connections open now
    size_t ofUid = 0;  // of them, the new peer's uid's
};

// Why a new connection of uid may not be served, or nothing. allowListed: some role admits the peer
// (only asked for when the answer matters: `total` is in the reserved room).
std::optional<std::string> connectionRefusal(const ClientLimits &limits, const ConnectionCounts &counts, uid_t uid,
                                             bool allowListed);
// Whether allowListed matters for a connection coming in with these counts.
bool inReservedRoom(const ClientLimits &limits, const ConnectionCounts &counts);

// Descriptors sent and not yet received, as the server counts them.
struct InFlight {
    size_t ofConnection = 0;
    size_t ofUid = 0;
    size_t total = 0;
    size_t budget = 0; // what ifpind may have in flight in all: half its RLIMIT_NOFILE
};

// Why `count` more sockets may not be sent to uid now, or nothing.
std::optional<std::string> inFlightRefusal(const ClientLimits &limits, const InFlight &inFlight, size_t count,
                                           uid_t uid);

// The budget for a soft RLIMIT_NOFILE: half of it, so that ifpind's own descriptors and those other
// root processes have in flight keep room under the kernel's limit.
size_t inFlightBudget(size_t openFileLimit);

} // namespace ifpin
