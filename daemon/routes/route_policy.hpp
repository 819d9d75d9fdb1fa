// The route policy at run time: the configured roles, the gateways learned for them, and what each
// role's routes look like now. reconcile() turns policy + kernel facts into writes, through the
// planner (what to do) and a RouteWriter (doing it). A role with return routing has its default
// route twice: in the managed table at its metric, and alone in its reply table, where its policy
// rules (rules/) send what leaves from its addresses.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "kernel/kernel_state.hpp"
#include "routes/learned_gateways.hpp"
#include "routes/restoration_holdoff.hpp"
#include "routes/route_planner.hpp"
#include "routes/route_writer.hpp"

namespace ifpin {

enum class RoleState { enforced, noGateway, linkDown, noInterface, failed };
std::string_view roleStateName(RoleState state);

struct FamilyStatus {
    bool gatewayKnown = false;
    bool gatewayLearned = false;    // not configured: taken from a route on the interface
    std::optional<IpAddress> gateway; // empty with gatewayKnown: an on-link route
    bool routeInPlace = false;
    std::string lastError; // the kernel's answer to the last failed write, empty when none failed
    std::string noGatewayReason; // why a learned gateway was dropped; empty while one is known
    uint32_t metric = 0;  // of the route wanted: the role's, or its demoted one
    bool demoted = false; // uplink health found the family down and the role asked for a demotion
};

struct RoleStatus {
    RoleState state = RoleState::noInterface;
    int ifindex = 0;
    std::array<FamilyStatus, 2> families; // indexed by familyIndex()
    uint64_t restorations = 0;            // times a kernel change made ifpind write this role's routes
    std::array<bool, 2> replyRouteInPlace{}; // by familyIndex(): the route in the reply table (return routing)
    std::string stateReason;              // why the state is what it is, for no-gateway; else empty
};

inline size_t familyIndex(Family family)
{
    return family == Family::inet ? 0 : 1;
}

enum class ReconcileTrigger {
    policy, // start, reload or a runtime change: writes are the policy being applied
    kernel, // somebody else changed the kernel: writes are restorations
};

class RoutePolicy {
public:
    explicit RoutePolicy(uint8_t ownProtocol) : ownProtocol_(ownProtocol) {}

    // Takes a new config. Learned gateways of roles that keep their interface are kept.
    void setConfig(const Config &config);
    const Config &config() const { return config_; }
    // The role families uplink health found down (health/): a role with on_down = "demote" gets its
    // route of that family at metric + demote_by at the next reconcile, and its metric back when it
    // is no longer listed. Others' entries mean nothing here.
    void setDemoted(std::set<std::pair<std::string, Family>> demoted) { demoted_ = std::move(demoted); }

    // Applies the policy to the kernel. Returns true when a write failed and a later retry may help.
    bool reconcile(KernelState &kernel, RouteWriter &writer, ReconcileTrigger trigger);

    // At start, before the route table is read (a million routes take about half a second): adds the
    // default route of each role and family whose gateway is configured and whose link is up, where
    // no route has its destination and metric yet. Only adds: what is there stays until reconcile()
    // has seen the whole table (make before break). Needs only the links in `kernel`. How many it added.
    size_t placeConfiguredRoutes(const KernelState &kernel, RouteWriter &writer);

    // Deletes all of ifpind's routes in the managed table (a clean exit that asked for it).
    void removeOwnRoutes(KernelState &kernel, RouteWriter &writer);
    // Deletes all of ifpind's routes in the reply tables (the same exit).
    void removeOwnReplyRoutes(KernelState &kernel, RouteWriter &writer);

    // The reply tables whose routes the kernel facts must hold: those of the roles with return
    // routing, those ifpind's rules still point to, and those that still hold ifpind's routes (so
    // that what no role wants any more is seen, and removed).
    std::set<uint32_t> replyTablesToFollow(const KernelState &kernel) const;

    // The gateways learned now, by role and family.
    std::vector<LearnedGatewayEntry> learnedGateways() const;
    // Learned gateways from a copy (a checkpoint's): each is taken unless the role has learned one on
    // that interface since, which is newer. Call it before setConfig() with the config they belong
    // to: setConfig drops those of roles that are on another interface there. Without them, a role
    // moved back to an interface whose foreign route ifpind replaced long ago would have nothing to
    // learn from and no route.
    void adoptLearnedGateways(const std::vector<LearnedGatewayEntry> &entries);

    const RoleStatus *status(std::string_view role) const;
    const std::vector<OutrankingRoute> &outranking() const { return outranking_; }

    // A restoration held off (a route deleted again right after it was restored): when the last
    // reconcile wants to run again. Empty when nothing waits.
    std::optional<RestorationHoldoff::Clock::time_point> heldOffUntil() const { return heldOffUntil_; }
    // One line per restoration of the last reconcile ("role mgmt inet: policy restored ..."), for
    // the daemon to log rate-limited: a client that renews every few seconds is no reason for
    // 50,000 info lines a day. Each write is logged at debug here.
    std::vector<std::string> takeRestorationReports() { return std::exchange(restorationReports_, {}); }
    // The earliest time a learned gateway's router lifetime runs out, for the daemon's one timer
    // (a reconcile then drops it); empty when none expires or keep_learned_gateways keeps them all.
    std::optional<RestorationHoldoff::Clock::time_point> nextGatewayExpiry() const;
    // Tests give a clock of their own.
    void setClock(std::function<RestorationHoldoff::Clock::time_point()> clock) { clock_ = std::move(clock); }

private:
    using RoleFamily = LearnedGateways::RoleFamily;

    std::optional<std::optional<IpAddress>> gatewayFor(const RoleConfig &role, Family family, const LinkFact *link,
                                                       const KernelState &kernel, FamilyStatus &status);
    // The three phases of reconcile(): what each role wants (and what it knows, in its status);
    // the plan carried out, make before break; and each role's state from what the kernel holds now.
    struct Wanted {
        std::vector<WantedRoute> routes;
        std::vector<int> managedIfindexes;
        std::vector<WantedRoute> replyRoutes;
        std::vector<ReplyTable> replyTables;
    };
    Wanted collectWanted(const KernelState &kernel);
    bool carryOut(const RoutePlan &plan, KernelState &kernel, RouteWriter &writer, ReconcileTrigger trigger);
    void updateStates(const Wanted &wanted, const KernelState &kernel);
    void removeOwn(const std::vector<RouteFact> &routes, KernelState &kernel, RouteWriter &writer);
    // Writes one change and records it in kernel when it took effect; the kernel's answer when not.
    std::optional<NetlinkAck> execute(const RouteChange &change, KernelState &kernel, RouteWriter &writer);
    // A write the kernel refused: its errno and the logged words.
    struct WriteFailure {
        int error = 0;
        std::string text;
    };
    // execute(), with the log line that says what was done for whom, or why it failed (returned).
    // Successes at `level`: debug for restorations, which are summed up instead (restorationReports_).
    std::optional<WriteFailure> executeAndLog(const RouteChange &change, std::string_view who, KernelState &kernel,
                                             RouteWriter &writer,
                                             spdlog::level::level_enum level = spdlog::level::info);
    // A restoration for this role and family is held off: true, and heldOffUntil_ covers it.
    // A role's route in one table: the managed table (false) or its reply table (true).
    using HoldoffKey = std::tuple<std::string, Family, bool>;
    bool holdOff(const HoldoffKey &key, RestorationHoldoff::Clock::time_point now, std::string_view who);
    // The kernel refused the route through a learned gateway as unreachable or invalid (EINVAL,
    // ENETUNREACH, EHOSTUNREACH): the lease or router it came from is gone (the address that reached
    // it went). Dropped, with one log line, unless keep_learned_gateways. Any other refusal (ENOBUFS,
    // EBUSY, ...) is retried as every failed write is; a reply table's write never drops it.
    bool dropRefusedGateway(const RoleFamily &key, const std::string &error, FamilyStatus &status);
    // The router lifetime the gateway was learned with ran out, no newer advertisement came: dropped
    // with one log line, and ifpind's routes through it go (withdrawExpired), unless
    // keep_learned_gateways. The reason, for the status.
    std::string dropExpiredGateway(const RoleFamily &key, const std::string &interface);
    // Removes ifpind's routes (managed and reply table) of the role families whose gateway expired.
    bool withdrawExpired(KernelState &kernel, RouteWriter &writer);
    void reportOutranking(const RoutePlan &plan, const KernelState &kernel);

    uint8_t ownProtocol_;
    Config config_;
    LearnedGateways learned_;
    std::map<std::string, RoleStatus, std::less<>> status_;
    std::vector<OutrankingRoute> outranking_;
    std::map<HoldoffKey, RestorationHoldoff> holdoffs_;
    std::optional<RestorationHoldoff::Clock::time_point> heldOffUntil_;
    std::vector<std::string> restorationReports_;
    std::function<RestorationHoldoff::Clock::time_point()> clock_ = [] { return RestorationHoldoff::Clock::now(); };
    std::set<std::pair<std::string, Family>> demoted_;
};

} // namespace ifpin
