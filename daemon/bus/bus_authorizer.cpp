#include "bus/bus_authorizer.hpp"

#include <spdlog/spdlog.h>

#include "bus/admin_access.hpp"
#include "core/text.hpp"

namespace ifpin {

namespace {

constexpr const char *busDriver = "org.freedesktop.DBus";
constexpr const char *polkitName = "org.freedesktop.PolicyKit1";
constexpr const char *polkitAuthority = "org.freedesktop.PolicyKit1.Authority";
constexpr size_t maxCachedCallers = 1024;
constexpr uint32_t allowUserInteraction = 1; // CheckAuthorization flag

using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using PolkitResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;

// sdbus-c++ lets only sdbus::Error out of a reply handler; nothing at all may leave ours.
template <typename Body>
void safely(const char *what, Body &&body)
{
    try {
        body();
    } catch (const std::exception &error) {
        spdlog::error("D-Bus: {} failed: {}", what, escaped(error.what()));
    }
}

Authorization refusedAtOnce(Verdict::Kind kind, std::string reason)
{
    return Authorization{Verdict{kind, "ifpind", std::move(reason)}, std::nullopt, {}, false, std::nullopt};
}

} // namespace

BusAuthorizer::BusAuthorizer(sdbus::IConnection &connection, const BusBackend &backend, EventLoop &loop,
                             AuthorizerLimits limits)
    : backend_(backend), limits_(limits),
      driver_(sdbus::createProxy(connection, busDriver, "/org/freedesktop/DBus")),
      authority_(sdbus::createProxy(connection, polkitName, "/org/freedesktop/PolicyKit1/Authority")),
      polkitErrors_(loop, "polkit errors", 1, std::chrono::seconds(60))
{
}

BusAuthorizer::~BusAuthorizer() = default;

std::optional<BusAuthorizer::Done> BusAuthorizer::admit(const std::string &sender, Done done)
{
    size_t &ofSender = pendingOf_[sender];
    if (pending_ >= limits_.pending || ofSender >= limits_.pendingPerSender) {
        if (ofSender == 0)
            pendingOf_.erase(sender);
        done(refusedAtOnce(Verdict::Kind::busy, "too many authorisations pending; try again"));
        return std::nullopt;
    }
    ++pending_;
    ++ofSender;
    return [this, sender, done = std::move(done)](const Authorization &result) {
        --pending_;
        if (auto it = pendingOf_.find(sender); it != pendingOf_.end() && --it->second == 0)
            pendingOf_.erase(it);
        done(result);
    };
}

void BusAuthorizer::identify(const std::string &sender, Identified then)
{
    if (auto cached = credentials_.find(sender); cached != credentials_.end()) {
        then(cached->second, "");
        return;
    }
    try {
        driver_->callMethodAsync("GetConnectionCredentials")
            .onInterface(busDriver)
            .withTimeout(limits_.credentialsTimeout)
            .withArguments(sender)
            .uponReplyInvoke([this, sender, then](const sdbus::Error *error,
                                                  std::map<std::string, sdbus::Variant> credentials) {
                safely("reading a caller's credentials", [&] {
                    if (error) {
                        then(std::nullopt, "cannot read the caller's credentials: " + error->getName() + ": " +
                                               error->getMessage());
                        return;
                    }
                    auto caller = busCallerFromCredentials(sender, credentials);
                    if (!caller) {
                        then(std::nullopt, "the bus gave no uid for the caller");
                        return;
                    }
                    if (credentials_.size() >= maxCachedCallers)
                        credentials_.clear();
                    credentials_.emplace(sender, *caller);
                    then(std::move(caller), "");
                });
            });
    } catch (const sdbus::Error &error) {
        then(std::nullopt, "cannot read the caller's credentials: " + error.getMessage());
    }
}

void BusAuthorizer::askPolkit(const BusCaller &caller, const char *action, std::map<std::string, std::string> details,
                              bool interactive, Answered then)
{
    std::string cancellation = "ifpind-" + std::to_string(++serial_);
    auto timeout = interactive ? limits_.interactivePolkitTimeout : limits_.polkitTimeout;
    Subject subject{"system-bus-name", {{"name", sdbus::Variant(caller.sender)}}};
    try {
        authority_->callMethodAsync("CheckAuthorization")
            .onInterface(polkitAuthority)
            .withTimeout(timeout)
            .withArguments(subject, std::string(action), details, interactive ? allowUserInteraction : 0u,
                           cancellation)
            .uponReplyInvoke([this, then, cancellation](const sdbus::Error *error, PolkitResult result) {
                safely("asking polkit", [&] {
                    if (!error) {
                        notePolkitPresence(PolkitAnswer::authorized, "");
                        then(result.get<0>()   ? PolkitAnswer::authorized
                             : result.get<1>() ? PolkitAnswer::challenge
                                               : PolkitAnswer::notAuthorized,
                             "");
                        return;
                    }
                    PolkitAnswer answer = polkitAnswerOfError(error->getName());
                    std::string text = error->getName() + ": " + error->getMessage();
                    if (answer == PolkitAnswer::failed &&
                        (error->getName() == "org.freedesktop.DBus.Error.NoReply" ||
                         error->getName() == "org.freedesktop.DBus.Error.Timeout")) {
                        // polkit may still be asking a person: tell it to stop.
                        try {
                            authority_->callMethod("CancelCheckAuthorization")
                                .onInterface(polkitAuthority)
                                .withArguments(cancellation)
                                .dontExpectReply();
                        } catch (const sdbus::Error &) {
                        }
                    }
                    notePolkitPresence(answer, text);
                    then(answer, text);
                });
            });
    } catch (const sdbus::Error &error) {
        then(PolkitAnswer::failed, error.getName() + ": " + error.getMessage());
    }
}

void BusAuthorizer::notePolkitPresence(PolkitAnswer answer, const std::string &error)
{
    bool absent = answer == PolkitAnswer::absent;
    if (answer == PolkitAnswer::failed) {
        polkitErrors_.log(spdlog::level::warn, "D-Bus: polkit failed: " + escaped(error) + "; the call is refused");
        return;
    }
    if (polkitAbsent_ == absent)
        return;
    if (absent)
        spdlog::info("D-Bus: polkit is not on the system bus ({}): root and members of [daemon] admin_group {} decide",
                     escaped(error), backend_.policy.config().daemon.adminGroup);
    else if (polkitAbsent_)
        spdlog::info("D-Bus: polkit is on the system bus again: it decides");
    polkitAbsent_ = absent;
}

PeerCredentials BusAuthorizer::peerOf(const BusCaller &caller) const
{
    // The bus's UnixGroupIDs when it gives them, as the broker's SO_PEERGROUPS; NSS only without.
    return ifpin::peerOf(caller, caller.groups ? std::nullopt : backend_.accounts.groupsOfUser(caller.uid));
}

void BusAuthorizer::authorizeChange(const std::string &sender, bool interactive, const std::string &method,
                                    const std::string &role, Done done)
{
    auto finish = admit(sender, std::move(done));
    if (!finish)
        return;
    identify(sender, [this, interactive, method, role, finish = *finish](std::optional<BusCaller> caller,
                                                                         std::string problem) {
        if (!caller) {
            finish(refusedAtOnce(Verdict::Kind::denied, problem));
            return;
        }
        std::string group = backend_.policy.config().daemon.adminGroup;
        if (caller->uid == 0) { // no round trip to polkit: it would say yes
            finish({decideChangePolicy(0, PolkitAnswer::absent, interactive, std::nullopt, group, ""), caller,
                    peerOf(*caller), false, group});
            return;
        }
        std::map<std::string, std::string> details{{"admin_group", group}, {"method", method}};
        if (!role.empty())
            details["role"] = role;
        askPolkit(*caller, actionChangePolicy, details, interactive,
                  [this, caller, interactive, group, finish](PolkitAnswer answer, std::string error) {
                      std::optional<bool> inGroup;
                      PeerCredentials peer = peerOf(*caller);
                      if (answer == PolkitAnswer::absent) {
                          // Race-free facts only: the groups the bus recorded when the caller connected
                          // (UnixGroupIDs, as the broker's SO_PEERGROUPS), and the user's groups by NSS,
                          // which polkit's subject.isInGroup() decides on. Never the process's groups now:
                          // a setgid program exec'ed since, or a reused pid, cannot add one.
                          PeerCredentials byNss = ifpin::peerOf(BusCaller{caller->sender, caller->uid, std::nullopt, {}},
                                                                backend_.accounts.groupsOfUser(caller->uid));
                          inGroup = mayAdminister(peer, group, backend_.accounts) ||
                                    mayAdminister(byNss, group, backend_.accounts);
                      }
                      Verdict verdict = decideChangePolicy(caller->uid, answer, interactive, inGroup, group, error);
                      if (answer == PolkitAnswer::absent && !verdict.granted())
                          verdict.reason = describeAdminRefusal(peer, group);
                      finish({verdict, caller, peer, false, group});
                  });
    });
}

void BusAuthorizer::authorizeOpenSocket(const std::string &sender, bool interactive, const std::string &role,
                                        const std::string &interface,
                                        std::function<bool(const PeerCredentials &)> admits, Done done)
{
    auto finish = admit(sender, std::move(done));
    if (!finish)
        return;
    identify(sender, [this, interactive, role, interface, admits, finish = *finish](std::optional<BusCaller> caller,
                                                                                   std::string problem) {
        if (!caller) {
            finish(refusedAtOnce(Verdict::Kind::denied, problem));
            return;
        }
        PeerCredentials peer = peerOf(*caller);
        if (!admits(peer)) {
            finish({Verdict{Verdict::Kind::denied, "the allow lists", ""}, caller, peer, true, std::nullopt});
            return;
        }
        askPolkit(*caller, actionOpenSocket, {{"role", role}, {"interface", interface}}, interactive,
                  [caller, peer, interactive, finish](PolkitAnswer answer, std::string error) {
                      finish({decideOpenSocket(answer, interactive, error), caller, peer, false, std::nullopt});
                  });
    });
}

} // namespace ifpin
