// The egress guard (docs/security.md): ifpind's own nftables table, `table inet ifpind`, with one
// rule per role that drops packets carrying the role's mark (SO_MARK, set by the broker on every
// socket it hands out) whose output interface is not the role's. SO_BINDTODEVICE alone does not stop
// an IPv4 sendmsg() with IP_PKTINFO naming another interface; the mark cannot be changed without
// CAP_NET_ADMIN, so the guard does.
//
// Written through libnftables in one transaction whenever the roles (name, interface) change. It fails
// closed: the table stays when ifpind stops (sockets handed out live on in their holders; the next
// ifpind takes the table over), unless remove_routes_on_exit asks for a clean slate, and the mark of
// a role that went keeps a rule that drops everything it sends (a retired mark) for as long as the
// table exists. Routes and the broker never depend on it: when nftables cannot be programmed this
// logs one error, says "egress not guarded", hands out no marks and tries again at the next change.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "egress/egress_ruleset.hpp"

struct nft_ctx;

namespace ifpin {

class EgressGuard {
public:
    EgressGuard();
    ~EgressGuard();
    EgressGuard(const EgressGuard &) = delete;
    EgressGuard &operator=(const EgressGuard &) = delete;

    // Writes the table for config's roles, unless the rules it wants are in force already (and the
    // table is still there). The first call takes over the table an earlier ifpind left, with its
    // retired marks.
    void apply(const Config &config);
    // Deletes the table (an exit with remove_routes_on_exit). Idempotent.
    void remove();

    // True while the table of the last apply() is in the kernel.
    bool active() const { return active_; }
    // The mark a socket of role gets; nothing when the guard is not active or role unknown.
    std::optional<uint32_t> markOf(std::string_view role) const;
    // Packets of role dropped so far, read from the kernel now; 0 when inactive or unreadable.
    uint64_t dropped(std::string_view role) const;

private:
    // Runs one nft command; nft's error text when it failed.
    std::optional<std::string> run(const std::string &command, std::string *output = nullptr) const;
    // ifpind's rules in the kernel's table now (none when there is no table or it cannot be read).
    std::vector<EgressRule> readTable() const;

    nft_ctx *context_ = nullptr;
    // What the kernel's table holds, as far as ifpind knows: taken over at the first apply, then what
    // was written last. Retired marks included.
    std::vector<EgressRule> rules_;
    bool active_ = false; // the last write succeeded
    bool tookOver_ = false;
    bool failureLogged_ = false;
};

} // namespace ifpin
