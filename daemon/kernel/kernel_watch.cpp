#include "kernel/kernel_watch.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>
#include <sys/epoll.h>

namespace ifpin {

using namespace std::chrono_literals;

KernelWatch::KernelWatch(EventLoop &loop, RtnlRequestSocket &requests, KernelState &kernel, int receiveBuffer,
                         std::function<void()> changed)
    : requests_(requests), kernel_(kernel), events_(receiveBuffer), changed_(std::move(changed)),
      readAllBackoff_(10ms, 1s)
{
    eventSource_ = loop.addIo(events_.fd(), EPOLLIN, [this](uint32_t) { onReadable(); });
    readAllTimer_ = loop.addTimer([this] {
        readAllPending_ = true;
        changed_();
    });
}

void KernelWatch::follow(std::vector<std::string> interfaces)
{
    followed_ = {std::make_move_iterator(interfaces.begin()), std::make_move_iterator(interfaces.end())};
}

void KernelWatch::onReadable()
{
    auto result = events_.drain([this](const nlmsghdr *header) {
        try {
            handle(header);
        } catch (const std::exception &error) {
            spdlog::error("netlink event of type {} could not be handled: {}; skipped", header->nlmsg_type,
                          error.what());
        }
    });
    if (result == RtnlEventSocket::DrainResult::overflowed) {
        spdlog::warn("netlink events were lost (ENOBUFS: receive buffer overflowed); resynchronising in {} ms",
                     readAllBackoff_.current().count());
        // Read again once the storm may be over, not at every event of it: a dump walks the whole
        // table in the kernel, a million routes on a BGP router.
        auto delay = readAllBackoff_.take();
        if (!readAllTimer_->armed())
            readAllTimer_->armIn(delay);
    }
}

bool KernelWatch::follows(int ifindex) const
{
    const LinkFact *link = kernel_.linkByIndex(ifindex);
    return (link && followed_.contains(link->name)) ||
           std::any_of(kernel_.defaultRoutes().begin(), kernel_.defaultRoutes().end(),
                       [&](const RouteFact &route) { return route.ifindex == ifindex; });
}

void KernelWatch::handle(const nlmsghdr *header)
{
    if (isDefaultRouteMessage(header)) {
        auto message = decodeRouteMessage(header);
        if (!message) {
            spdlog::warn("malformed route event ignored");
            return;
        }
        bool ours = std::any_of(message->routes.begin(), message->routes.end(),
                                [&](const RouteFact &route) { return route.table == kernel_.table(); });
        if (!ours)
            return;
        // A replace overwrote some route we cannot name, and a multipath event may stand for several
        // routes: both are rare, and a fresh dump is the only exact answer.
        if (message->replaced || message->routes.size() > 1) {
            spdlog::debug("route replaced or multipath route changed; reading the table again");
            readAllSoon();
        } else if (kernel_.applyRoute(*message)) {
            changed_();
        }
        return;
    }
    if (auto message = decodeLinkMessage(header)) {
        int ifindex = message->link.ifindex;
        bool followedBefore = follows(ifindex);
        if (kernel_.applyLink(*message)) {
            spdlog::debug("link {} (#{}) {}: flags {:#x}", escaped(message->link.name), ifindex,
                          message->removed ? "removed" : "changed", message->link.flags);
            // Taking a link down drops its IPv4 routes without a notification: read them again.
            if (!message->removed && (followedBefore || follows(ifindex)))
                dirtyLinks_.insert(ifindex);
            changed_();
        }
        return;
    }
    if (auto message = decodeAddressMessage(header)) {
        // Removing the last address of a link drops its IPv4 routes silently too.
        if (follows(message->ifindex)) {
            dirtyLinks_.insert(message->ifindex);
            changed_();
        }
    }
}

void KernelWatch::readAllSoon()
{
    readAllPending_ = true;
    changed_();
}

bool KernelWatch::catchUp()
{
    try {
        if (readAllPending_)
            readAll();
        for (int ifindex : dirtyLinks_)
            refreshRoutesOf(ifindex);
        dirtyLinks_.clear();
        return true;
    } catch (const std::exception &error) {
        spdlog::error("cannot read the kernel's routes: {}; trying again in {} ms", error.what(),
                      readAllBackoff_.current().count());
        readAllPending_ = true;
        readAllTimer_->armIn(readAllBackoff_.take());
        return false;
    }
}

void KernelWatch::readAll()
{
    std::vector<LinkFact> links;
    requests_.dump(buildLinkDumpRequest().get(), [&](const nlmsghdr *header) {
        if (auto message = decodeLinkMessage(header))
            links.push_back(message->link);
    });
    kernel_.replaceLinks(std::move(links));

    size_t routeCount = 0;
    for (Family family : allFamilies) {
        std::vector<RouteFact> routes = dumpDefaultRoutes(family, 0);
        routeCount += routes.size();
        kernel_.replaceRoutes(family, 0, routes);
    }
    readAllPending_ = false;
    dirtyLinks_.clear();
    readAllBackoff_.reset();
    spdlog::debug("read the kernel: {} default route(s) in table {}", routeCount, kernel_.table());
}

std::vector<RouteFact> KernelWatch::dumpDefaultRoutes(Family family, int ifindex)
{
    std::vector<RouteFact> routes;
    requests_.dump(buildRouteDumpRequest(family, kernel_.table(), ifindex).get(), [&](const nlmsghdr *header) {
        if (!isDefaultRouteMessage(header))
            return; // the common case by far: dropped before anything is decoded
        if (auto message = decodeRouteMessage(header))
            routes.insert(routes.end(), message->routes.begin(), message->routes.end());
    });
    return routes;
}

void KernelWatch::refreshRoutesOf(int ifindex)
{
    if (!kernel_.linkByIndex(ifindex)) {
        kernel_.forgetRoutesOf(ifindex);
        return;
    }
    for (Family family : allFamilies) {
        std::vector<RouteFact> routes;
        try {
            routes = dumpDefaultRoutes(family, ifindex);
        } catch (const NetlinkError &error) {
            if (error.error() != ENODEV)
                throw;
            kernel_.forgetRoutesOf(ifindex); // gone since the event: its routes went with it
            return;
        }
        kernel_.replaceRoutes(family, ifindex, routes);
    }
}

} // namespace ifpin
