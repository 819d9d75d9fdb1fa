// Authorising D-Bus calls without blocking the loop (issue #15, item 1): the caller's credentials
// from the bus driver (GetConnectionCredentials, bus_caller.hpp), then polkit's CheckAuthorization
// with the caller's bus name as subject, both asynchronous calls on ifpind's own connection, answered
// from the loop. The decision itself is authorization.hpp's table.
//
// Bounded: at most 64 authorisations pending, 8 per sender; beyond that a call is refused at once
// (org.ifpin1.Error.Busy), at the cost of a reply and nothing else. Credentials are cached per unique
// name (the bus never reuses one, and what it recorded never changes), so a flood of calls from one
// connection costs one round trip to the bus driver.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/authorization.hpp"
#include "bus/bus_backend.hpp"
#include "bus/bus_caller.hpp"
#include "core/rate_limited_log.hpp"

namespace ifpin {

struct AuthorizerLimits {
    size_t pending = 64;
    size_t pendingPerSender = 8;
    std::chrono::milliseconds credentialsTimeout{2000};
    std::chrono::milliseconds polkitTimeout{5000};            // polkit answers in milliseconds
    std::chrono::milliseconds interactivePolkitTimeout{70000}; // a person types a password
};

// What an authorisation came to.
struct Authorization {
    Verdict verdict;
    std::optional<BusCaller> caller; // absent when its credentials could not be read
    PeerCredentials peer;            // the caller as the broker's allow lists take it
    bool listsRefused = false;       // open-socket: the role's allow lists did not admit the caller
    // change-policy: the [daemon] admin_group the verdict was decided with (polkit's detail, the
    // fallback's group). A reload may change it while polkit is asked; a grant under the old group
    // is then not acted on (requireGranted).
    std::optional<std::string> adminGroup;
};

class BusAuthorizer {
public:
    using Done = std::function<void(const Authorization &)>;

    BusAuthorizer(sdbus::IConnection &connection, const BusBackend &backend, EventLoop &loop,
                  AuthorizerLimits limits = {});
    ~BusAuthorizer(); // pending calls are cancelled: their Done is never called
    BusAuthorizer(const BusAuthorizer &) = delete;
    BusAuthorizer &operator=(const BusAuthorizer &) = delete;

    // May sender change the policy (SetMetric, ..., Reload)? `method` and `role` ("" for Reload) go
    // to polkit as details, with [daemon] admin_group for the rules file. done is called exactly once,
    // later, from the loop, or at once when the call is refused for load.
    void authorizeChange(const std::string &sender, bool interactive, const std::string &method,
                         const std::string &role, Done done);
    // May sender have a socket of role? First admits(peer), the role's allow lists; then, only when
    // they admit, polkit's open-socket (details role and interface).
    void authorizeOpenSocket(const std::string &sender, bool interactive, const std::string &role,
                             const std::string &interface, std::function<bool(const PeerCredentials &)> admits,
                             Done done);

private:
    using Identified = std::function<void(std::optional<BusCaller>, std::string problem)>;
    using Answered = std::function<void(PolkitAnswer, std::string error)>;

    // Counts the authorisation as pending for sender (a refusal when over the limits) and returns
    // the Done to call: it un-counts first.
    std::optional<Done> admit(const std::string &sender, Done done);
    void identify(const std::string &sender, Identified then);
    void askPolkit(const BusCaller &caller, const char *action, std::map<std::string, std::string> details,
                   bool interactive, Answered then);
    PeerCredentials peerOf(const BusCaller &caller) const;
    void notePolkitPresence(PolkitAnswer answer, const std::string &error);

    const BusBackend &backend_;
    AuthorizerLimits limits_;
    std::unique_ptr<sdbus::IProxy> driver_;
    std::unique_ptr<sdbus::IProxy> authority_;
    std::map<std::string, BusCaller> credentials_; // by unique name
    std::map<std::string, size_t> pendingOf_;
    size_t pending_ = 0;
    uint64_t serial_ = 0;
    std::optional<bool> polkitAbsent_; // what the last answer said, for one log line per change
    RateLimitedLog polkitErrors_;
};

} // namespace ifpin
