// The one part of health that touches sockets and the kernel: ICMP echo sockets and TCP connection
// attempts, each bound to the role's interface (SO_BINDTODEVICE) so that a probe leaves through the
// role's own uplink whatever the routes say, and the two neighbour requests (RTM_GETNEIGH, NTF_USE)
// over the request socket. Everything here is non-blocking but those two rtnetlink round trips,
// which the kernel answers in microseconds, as it does the route writes.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/health_config.hpp"
#include "core/ip_address.hpp"
#include "core/unique_fd.hpp"
#include "kernel/neighbour_messages.hpp"
#include "kernel/netlink_socket.hpp"

namespace ifpin {

// A probe socket could not be made: says why, for the log and HealthDetails.
class ProbeSocketError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One role family's ICMP (or ICMPv6) echo socket. A ping socket (SOCK_DGRAM, IPPROTO_ICMP) when the
// kernel lets ifpind's group have one (net.ipv4.ping_group_range, which covers ICMPv6 too); else a
// raw socket, which needs CAP_NET_RAW (docs/systemd.md says which ifpind.service uses).
class EchoSocket {
public:
    enum class Kind { ping, raw };

    // Throws ProbeSocketError naming what the kernel refused, both kinds.
    EchoSocket(Family family, const std::string &interface);

    int fd() const { return fd_.get(); }
    Kind kind() const { return kind_; }
    Family family() const { return family_; }

    // Sends one echo request; 0, or the errno sendto gave (ENETUNREACH, EHOSTUNREACH, ...).
    // scopeIfindex: for a link-local IPv6 target, the interface it is on.
    int send(const IpAddress &target, int scopeIfindex, uint16_t sequence);

    // What came back: an echo reply from `peer` (error 0), or an error the kernel reported for our
    // request to `peer` (IP_RECVERR: an ICMP unreachable, a failed neighbour resolution).
    struct Answer {
        IpAddress peer;
        uint16_t sequence = 0;
        int error = 0;
    };
    // Reads until the socket is empty; what is not an answer to us is skipped.
    std::vector<Answer> receive();

private:
    void readErrors(std::vector<Answer> &answers);

    Family family_;
    Kind kind_ = Kind::ping;
    UniqueFd fd_;
    uint16_t identifier_ = 0; // raw sockets: ours to choose and check; ping sockets: the kernel's
};

// One TCP connection attempt, non-blocking: success is the handshake completing.
class TcpAttempt {
public:
    // Starts connect(); throws ProbeSocketError when no socket can be made.
    TcpAttempt(const HealthTarget &target, const std::string &interface, int scopeIfindex);

    int fd() const { return fd_.get(); }
    // The errno of a connect() that failed at once; 0 when it is under way (or done).
    int immediateError() const { return immediateError_; }
    // Once the socket is writable or in error: 0 when connected, else the errno (SO_ERROR).
    int outcome() const;
    // Closes with a reset (SO_LINGER 0), so that a probe every second leaves no TIME_WAIT behind.
    void close();

private:
    UniqueFd fd_;
    int immediateError_ = 0;
};

// The neighbour method's two requests, over ifpind's rtnetlink request socket.
class NeighbourRequests {
public:
    explicit NeighbourRequests(RtnlRequestSocket &requests) : requests_(requests) {}

    // The kernel's entry for address on ifindex; nullopt when there is none. Throws NetlinkError
    // when the kernel refuses the request for another reason.
    std::optional<NeighbourMessage> get(int ifindex, const IpAddress &address);
    // Marks the entry used (NTF_USE), so that the kernel solicits it: 0 or the kernel's errno.
    int use(int ifindex, const IpAddress &address);

private:
    RtnlRequestSocket &requests_;
};

} // namespace ifpin
