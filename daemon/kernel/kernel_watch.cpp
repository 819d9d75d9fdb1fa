#include "kernel/kernel_watch.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cerrno>

#include <linux/rtnetlink.h>

#include <spdlog/spdlog.h>
#include <sys/epoll.h>

namespace ifpin {

using namespace std::chrono_literals;

KernelWatch::KernelWatch(EventLoop &loop, RtnlRequestSocket &requests, KernelState &kernel, int receiveBuffer,
                         uint8_t ownProtocol, std::function<void()> changed)
    : requests_(requests), kernel_(kernel), events_(receiveBuffer), ownProtocol_(ownProtocol),
      changed_(std::move(changed)), readAllBackoff_(10ms, 1s)
{
    eventSource_ = loop.addIo(events_.fd(), EPOLLIN, [this](uint32_t) { onReadable(); });
    readAllTimer_ = loop.addTimer([this] {
        readAllPending_ = true;
        changed_();
    });
}

bool KernelWatch::follow(std::vector<std::string> interfaces)
{
    std::set<std::string, std::less<>> followed{std::make_move_iterator(interfaces.begin()),
                                                std::make_move_iterator(interfaces.end())};
    for (const auto &name : followed)
        if (const LinkFact *link = kernel_.linkByName(name); link && !followed_.contains(name))
            addressesToRead_.insert(link->ifindex);
    for (const auto &name : followed_)
        if (const LinkFact *link = kernel_.linkByName(name); link && !followed.contains(name))
            kernel_.forgetAddressesOf(link->ifindex);
    followed_ = std::move(followed);
    return !addressesToRead_.empty();
}

bool KernelWatch::followReplyTables(std::set<uint32_t> tables)
{
    for (uint32_t table : tables)
        if (!kernel_.replyTables().contains(table) && table != kernel_.table())
            tablesToRead_.insert(table);
    std::erase_if(tablesToRead_, [&](uint32_t table) { return !tables.contains(table); });
    kernel_.setReplyTables(std::move(tables));
    return !tablesToRead_.empty();
}

void KernelWatch::followNeighbours(NeighbourFollower follower)
{
    bool wanted = static_cast<bool>(follower.changed);
    if (wanted != followsNeighbours()) {
        events_.subscribeNeighbours(wanted);
        spdlog::debug("neighbour events {}", wanted ? "followed" : "no longer followed");
    }
    neighbours_ = std::move(follower);
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
        if (neighbours_.lost)
            neighbours_.lost();
    }
}

bool KernelWatch::followsByName(int ifindex) const
{
    const LinkFact *link = kernel_.linkByIndex(ifindex);
    return link && followed_.contains(link->name);
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
        bool ours = std::any_of(message->routes.begin(), message->routes.end(), [&](const RouteFact &route) {
            return route.table == kernel_.table() || kernel_.replyTables().contains(route.table);
        });
        if (!ours)
            return;
        // A replace overwrote some route we cannot name, and a multipath event may stand for several
        // routes: both are rare, and a fresh dump is the only exact answer.
        if (message->replaced || message->routes.size() > 1) {
            spdlog::debug("route replaced or multipath route changed; reading the table again");
            readAllSoon();
        } else if (kernel_.applyRoute(*message)) {
            // Before 6.9 the kernel announces a router advertisement's route before it sets its
            // lifetime (rt6_add_dflt_router adds it expiring "now", ndisc_router_discovery sets the
            // lifetime after): the event says nothing of it, a dump of the link read before the
            // reconcile does.
            const RouteFact &route = message->routes.front();
            if (!message->removed && route.family == Family::inet6 && route.protocol == RTPROT_RA &&
                (!route.expiresIn || route.expiresIn->count() <= 0))
                dirtyLinks_.insert(route.ifindex);
            changed_();
        }
        return;
    }
    if (header->nlmsg_type == RTM_NEWNEIGH || header->nlmsg_type == RTM_DELNEIGH) {
        if (!neighbours_.changed)
            return; // a last one queued before the group was dropped
        if (auto message = decodeNeighbourMessage(header))
            neighbours_.changed(*message);
        return;
    }
    if (auto message = decodeLinkMessage(header)) {
        int ifindex = message->link.ifindex;
        bool followedBefore = follows(ifindex);
        bool namedBefore = followsByName(ifindex);
        if (kernel_.applyLink(*message)) {
            spdlog::debug("link {} (#{}) {}: flags {:#x}", escaped(message->link.name), ifindex,
                          message->removed ? "removed" : "changed", message->link.flags);
            // Taking a link down drops its IPv4 routes without a notification: read them again.
            if (!message->removed && (followedBefore || follows(ifindex)))
                dirtyLinks_.insert(ifindex);
            // Renamed to a followed name: its addresses were not kept until now.
            bool named = followsByName(ifindex);
            if (named && !namedBefore)
                addressesToRead_.insert(ifindex);
            else if (!named && namedBefore)
                kernel_.forgetAddressesOf(ifindex);
            changed_();
        }
        return;
    }
    if (header->nlmsg_type == RTM_NEWADDR || header->nlmsg_type == RTM_DELADDR) {
        handleAddress(header);
        return;
    }
    if (header->nlmsg_type == RTM_NEWRULE || header->nlmsg_type == RTM_DELRULE)
        handleRule(header);
}

void KernelWatch::handleAddress(const nlmsghdr *header)
{
    auto message = decodeAddressMessage(header);
    if (!message)
        return;
    bool changed = false;
    if (message->address && followsByName(message->ifindex))
        changed = kernel_.applyAddress(message->removed, *message->address);
    // Removing the last address of a link drops its IPv4 routes silently too.
    if (follows(message->ifindex)) {
        dirtyLinks_.insert(message->ifindex);
        changed = true;
    }
    if (changed)
        changed_();
}

void KernelWatch::handleRule(const nlmsghdr *header)
{
    auto message = decodeRuleMessage(header);
    if (!message) {
        spdlog::warn("malformed rule event ignored");
        return;
    }
    // Somebody else's rule, or one of a kind ifpind never writes: not kept, not looked at again.
    if (message->protocol != ownProtocol_ || !message->rule)
        return;
    if (kernel_.applyRule(message->removed, *message->rule)) {
        spdlog::debug("rule {}: {}", message->removed ? "removed" : "added", describe(*message->rule));
        changed_();
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
        for (uint32_t table : tablesToRead_)
            readReplyTable(table);
        tablesToRead_.clear();
        for (int ifindex : dirtyLinks_)
            refreshRoutesOf(ifindex);
        dirtyLinks_.clear();
        for (int ifindex : addressesToRead_)
            readAddressesOf(ifindex);
        addressesToRead_.clear();
        return true;
    } catch (const std::exception &error) {
        spdlog::error("cannot read the kernel's routes: {}; trying again in {} ms", error.what(),
                      readAllBackoff_.current().count());
        readAllPending_ = true;
        readAllTimer_->armIn(readAllBackoff_.take());
        return false;
    }
}

void KernelWatch::readLinks()
{
    std::vector<LinkFact> links;
    requests_.dump(buildLinkDumpRequest().get(), [&](const nlmsghdr *header) {
        if (auto message = decodeLinkMessage(header))
            links.push_back(message->link);
    });
    kernel_.replaceLinks(std::move(links));
}

void KernelWatch::readAll()
{
    readLinks();
    std::set<int> unfollowed; // a link gone or renamed while events were lost
    for (const auto &address : kernel_.addresses())
        if (!followsByName(address.ifindex))
            unfollowed.insert(address.ifindex);
    for (int ifindex : unfollowed)
        kernel_.forgetAddressesOf(ifindex);
    for (const auto &name : followed_)
        if (const LinkFact *link = kernel_.linkByName(name))
            readAddressesOf(link->ifindex);

    size_t routeCount = 0;
    for (Family family : allFamilies) {
        std::vector<RouteFact> routes = dumpDefaultRoutes(kernel_.table(), family, 0);
        routeCount += routes.size();
        kernel_.replaceRoutes(family, 0, routes);
    }
    for (uint32_t table : kernel_.replyTables())
        readReplyTable(table);
    readRules();
    readAllPending_ = false;
    dirtyLinks_.clear();
    addressesToRead_.clear();
    tablesToRead_.clear();
    readAllBackoff_.reset();
    spdlog::debug("read the kernel: {} default route(s) in table {}, {} in {} reply table(s), {} address(es) of "
                  "followed interfaces, {} rule(s) of ifpind's",
                  routeCount, kernel_.table(), kernel_.replyRoutes().size(), kernel_.replyTables().size(),
                  kernel_.addresses().size(), kernel_.rules().size());
}

void KernelWatch::readReplyTable(uint32_t table)
{
    for (Family family : allFamilies)
        kernel_.replaceReplyRoutes(table, family, 0, dumpDefaultRoutes(table, family, 0));
}

void KernelWatch::readAddressesOf(int ifindex)
{
    if (!followsByName(ifindex))
        return;
    for (Family family : allFamilies) {
        std::vector<AddressFact> addresses;
        requests_.dump(buildAddressDumpRequest(family, ifindex).get(), [&](const nlmsghdr *header) {
            auto message = decodeAddressMessage(header);
            // Filtered by the kernel already; checked again, as a kernel without strict checking
            // would send every interface's.
            if (message && message->address && message->ifindex == ifindex)
                addresses.push_back(*message->address);
        });
        kernel_.replaceAddresses(ifindex, family, addresses);
    }
}

void KernelWatch::readRules()
{
    for (Family family : allFamilies) {
        std::vector<RuleFact> rules;
        requests_.dump(buildRuleDumpRequest(family).get(), [&](const nlmsghdr *header) {
            auto message = decodeRuleMessage(header);
            if (message && message->protocol == ownProtocol_ && message->rule)
                rules.push_back(*message->rule);
        });
        kernel_.replaceRules(family, rules);
    }
}

std::vector<RouteFact> KernelWatch::dumpDefaultRoutes(uint32_t table, Family family, int ifindex)
{
    std::vector<RouteFact> routes;
    requests_.dump(buildRouteDumpRequest(family, table, ifindex).get(), [&](const nlmsghdr *header) {
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
        try {
            kernel_.replaceRoutes(family, ifindex, dumpDefaultRoutes(kernel_.table(), family, ifindex));
            for (uint32_t table : kernel_.replyTables())
                kernel_.replaceReplyRoutes(table, family, ifindex, dumpDefaultRoutes(table, family, ifindex));
        } catch (const NetlinkError &error) {
            if (error.error() != ENODEV)
                throw;
            kernel_.forgetRoutesOf(ifindex); // gone since the event: its routes went with it
            return;
        }
    }
}

} // namespace ifpin
