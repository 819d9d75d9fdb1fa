// The kernel facts ifpind follows: every link (name, flags), the default routes of the managed
// table and of the roles' reply tables, the addresses of the roles' interfaces, and ifpind's own
// policy rules. Fed by dumps and by events; each event carries the full state of its key, so
// applying events after a dump, in order, always converges on what the kernel holds. What is worth
// holding (which links' addresses, which rules) is KernelWatch's to decide; this holds what it gets.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/kernel_facts.hpp"
#include "kernel/netlink_messages.hpp"

namespace ifpin {

class KernelState {
public:
    explicit KernelState(uint32_t table) : table_(table) {}

    uint32_t table() const { return table_; }
    // A different table makes every route held so far meaningless: they are dropped.
    void setTable(uint32_t table);

    // --- links
    void replaceLinks(std::vector<LinkFact> links);
    // Returns true when something ifpind cares about changed (presence, name, up, carrier).
    bool applyLink(const LinkMessage &message);
    const LinkFact *linkByName(std::string_view name) const;
    const LinkFact *linkByIndex(int ifindex) const;
    // The link's name, or "#INDEX" for one ifpind does not know (gone since).
    std::string interfaceName(int ifindex) const;
    // describe(route, its interface's name).
    std::string describe(const RouteFact &route) const;

    // --- default routes of the managed table
    const std::vector<RouteFact> &defaultRoutes() const { return routes_; }
    // Replaces the routes of one family (and of one interface when ifindex != 0) with a fresh dump.
    void replaceRoutes(Family family, int ifindex, const std::vector<RouteFact> &dumped);
    // Applies one route event; routes of other tables are ignored. Returns true when the set changed.
    bool applyRoute(const RouteMessage &message);
    // The bookkeeping after ifpind's own writes succeeded, so a reconcile that runs before the
    // kernel's notification arrives does not repeat them.
    void noteAdded(const RouteFact &route);
    void noteRemoved(const RouteFact &route);
    // A deleted interface takes all its routes with it, without a notification per route.
    void forgetRoutesOf(int ifindex);

    // --- default routes of the reply tables (the roles' own tables, for return routing)
    const std::set<uint32_t> &replyTables() const { return replyTables_; }
    // Routes of tables that are no longer followed are dropped.
    void setReplyTables(std::set<uint32_t> tables);
    const std::vector<RouteFact> &replyRoutes() const { return replyRoutes_; }
    // Replaces the routes of one reply table and family (of one interface when ifindex != 0).
    void replaceReplyRoutes(uint32_t table, Family family, int ifindex, const std::vector<RouteFact> &dumped);
    // applyRoute(), noteAdded() and noteRemoved() take routes of the reply tables too.

    // --- addresses of the interfaces KernelWatch follows
    const std::vector<AddressFact> &addresses() const { return addresses_; }
    std::vector<AddressFact> addressesOf(int ifindex) const;
    void replaceAddresses(int ifindex, Family family, const std::vector<AddressFact> &dumped);
    // Returns true when the set changed (an address came, went, or its flags or scope changed).
    bool applyAddress(bool removed, const AddressFact &address);
    void forgetAddressesOf(int ifindex);

    // --- ifpind's own policy rules (no copy of anybody else's)
    const std::vector<RuleFact> &rules() const { return rules_; }
    void replaceRules(Family family, const std::vector<RuleFact> &dumped);
    // Returns true when the set changed. Identical rules are held once.
    bool applyRule(bool removed, const RuleFact &rule);

private:
    std::vector<RouteFact> *routesOfTable(uint32_t table);

    uint32_t table_;
    std::map<int, LinkFact> links_;
    std::vector<RouteFact> routes_;
    std::set<uint32_t> replyTables_;
    std::vector<RouteFact> replyRoutes_;
    std::vector<AddressFact> addresses_;
    std::vector<RuleFact> rules_;
};

} // namespace ifpin
