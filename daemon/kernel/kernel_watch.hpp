// Follows the kernel: the rtnetlink event socket on the loop, and the dumps that fill KernelState
// at start, after an overflow and for a link whose routes may have gone without a notification.
// It keeps the facts and says when they changed; what the roles want of them is not its business.
// Of addresses it keeps those of the followed interfaces; of policy rules, ifpind's own (its
// protocol, of a kind it writes), dropping every other rule as it arrives.
// The dispatcher beside the sockets, as phosphor-networkd's rtnetlink_server and FRR's
// kernel_netlink keep it.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "core/event_loop.hpp"
#include "kernel/kernel_state.hpp"
#include "kernel/neighbour_messages.hpp"
#include "kernel/netlink_socket.hpp"

namespace ifpin {

class KernelWatch {
public:
    // The kernel may queue this many bytes of events before it drops some (ENOBUFS).
    static constexpr int defaultReceiveBuffer = 8 * 1024 * 1024;

    // Subscribes at once, so nothing that happens before the first readAll() is lost. `changed` is
    // called (never from inside a dump) whenever the facts changed or must be read again: the
    // caller then calls catchUp() and acts on kernel().
    KernelWatch(EventLoop &loop, RtnlRequestSocket &requests, KernelState &kernel, int receiveBuffer,
                uint8_t ownProtocol, std::function<void()> changed);

    // The interfaces whose link and address events matter beyond those that carry a default route
    // (the roles' interfaces, by name). Their addresses are kept; those of an interface that just
    // became followed are read at the next catchUp(). True when there is such a read to do: the
    // caller then reconciles (neither of these calls `changed`, so they may run before the loop).
    bool follow(std::vector<std::string> interfaces);
    // The reply tables whose default routes are kept beside the managed table's; a table that just
    // became followed is read at the next catchUp(). True when there is such a read to do.
    bool followReplyTables(std::set<uint32_t> tables);

    // Neighbour events, for uplink health's "neighbour" method: RTNLGRP_NEIGH is subscribed to only
    // while changed is set (a host with many neighbours would otherwise wake ifpind for each), and
    // lost is called when events may have been dropped (ENOBUFS): what was known must be read again.
    struct NeighbourFollower {
        std::function<void(const NeighbourMessage &)> changed;
        std::function<void()> lost;
    };
    void followNeighbours(NeighbourFollower follower);
    bool followsNeighbours() const { return static_cast<bool>(neighbours_.changed); }

    // Reads every link and the default routes of the managed table now. Throws NetlinkError.
    void readAll();
    // Reads every link now, not the routes (start: see RoutePolicy::placeConfiguredRoutes). Throws
    // NetlinkError.
    void readLinks();
    // Asks for readAll() at the next catchUp() (the managed table changed).
    void readAllSoon();

    // Reads what events since the last call asked for: everything, or the routes of some links.
    // False when the kernel could not be read: logged, and tried again after a back-off (changed is
    // called then).
    bool catchUp();

private:
    void onReadable();
    void handle(const nlmsghdr *header);
    bool follows(int ifindex) const;
    bool followsByName(int ifindex) const;
    void handleRule(const nlmsghdr *header);
    void handleAddress(const nlmsghdr *header);
    // The default routes of a table in one family (of one interface when ifindex != 0).
    std::vector<RouteFact> dumpDefaultRoutes(uint32_t table, Family family, int ifindex);
    void refreshRoutesOf(int ifindex);
    void readReplyTable(uint32_t table);
    void readAddressesOf(int ifindex);
    void readRules();

    RtnlRequestSocket &requests_;
    KernelState &kernel_;
    RtnlEventSocket events_;
    uint8_t ownProtocol_;
    std::function<void()> changed_;
    std::set<std::string, std::less<>> followed_;
    EventSourcePtr eventSource_;
    EventSourcePtr readAllTimer_;
    Backoff readAllBackoff_;
    bool readAllPending_ = false;
    std::set<int> dirtyLinks_;
    std::set<int> addressesToRead_;   // followed links whose addresses were not read yet
    std::set<uint32_t> tablesToRead_; // reply tables followed since the last catchUp()
    NeighbourFollower neighbours_;

};

} // namespace ifpin
