// Follows the kernel: the rtnetlink event socket on the loop, and the dumps that fill KernelState
// at start, after an overflow and for a link whose routes may have gone without a notification.
// It keeps the facts and says when they changed; what the roles want of them is not its business.
// The dispatcher beside the sockets, as phosphor-networkd's rtnetlink_server and FRR's
// kernel_netlink keep it.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "core/event_loop.hpp"
#include "kernel/kernel_state.hpp"
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
                std::function<void()> changed);

    // The interfaces whose link and address events matter beyond those that carry a default route
    // (the roles' interfaces, by name).
    void follow(std::vector<std::string> interfaces);

    // Reads every link and the default routes of the managed table now. Throws NetlinkError.
    void readAll();
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
    // The default routes of the managed table in one family (of one interface when ifindex != 0).
    std::vector<RouteFact> dumpDefaultRoutes(Family family, int ifindex);
    void refreshRoutesOf(int ifindex);

    RtnlRequestSocket &requests_;
    KernelState &kernel_;
    RtnlEventSocket events_;
    std::function<void()> changed_;
    std::set<std::string, std::less<>> followed_;
    EventSourcePtr eventSource_;
    EventSourcePtr readAllTimer_;
    Backoff readAllBackoff_;
    bool readAllPending_ = false;
    std::set<int> dirtyLinks_;
};

} // namespace ifpin
