#include "health/role_checks.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <linux/neighbour.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>

namespace ifpin {

using namespace std::chrono_literals;

namespace {

// What a socket error says about the uplink.
ProbeResult failureOf(int error)
{
    ProbeOutcome outcome = error == ECONNREFUSED ? ProbeOutcome::refused
                           : error == ETIMEDOUT  ? ProbeOutcome::timeout
                                                 : ProbeOutcome::unreachable;
    return {outcome, 0us, std::strerror(error)};
}

std::chrono::microseconds since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
}

} // namespace

RoleChecks::RoleChecks(EventLoop &loop, NeighbourRequests &neighbours, std::string role, HealthConfig config,
                       std::function<void()> changed)
    : loop_(loop), neighbours_(neighbours), role_(std::move(role)), config_(std::move(config)),
      changed_(std::move(changed))
{
    tickTimer_ = loop_.addTimer([this] { tick(); });
    timeoutTimer_ = loop_.addTimer([this] {
        expirePending();
        announce();
    });
    announceSource_ = loop_.addDefer([this] { announce(); });
    retarget();
}

RoleChecks::~RoleChecks() = default;

bool RoleChecks::demoted(Family family) const
{
    return config_.onDown == HealthAction::demote && announced_[index(family)] == HealthState::down;
}

void RoleChecks::follow(const UplinkFacts &facts)
{
    if (facts == facts_)
        return;
    bool relinked = facts.ifindex != facts_.ifindex || facts.interface != facts_.interface;
    facts_ = facts;
    if (relinked) {
        // Bound to the old interface (SO_BINDTODEVICE keeps the ifindex): of no use any more.
        pending_.clear();
        for (size_t i = 0; i < 2; ++i) {
            echoSources_[i].reset();
            echoSockets_[i].reset();
        }
        neighbourStates_.clear();
        // What was found of the old uplink says nothing of this one: a role moved off a dead
        // uplink is not kept demoted on the new one for up_after intervals.
        for (auto &family : families_)
            if (!family.targets().empty())
                family.reset("interface changed to " + facts.interface);
    }
    retarget();
}

// The targets of each family: the configured ones, else the gateway ifpind uses now.
void RoleChecks::retarget()
{
    targets_.clear();
    for (Family family : allFamilies) {
        std::vector<std::string> labels;
        std::string whyNone = "no " + std::string(family == Family::inet ? "IPv4" : "IPv6") + " target";
        if (config_.targets.empty()) {
            whyNone = "no " + std::string(familyName(family)) + " gateway known";
            if (const auto &gateway = facts_.gateway(family)) {
                HealthTarget target{*gateway, 0};
                targets_.push_back({family, target, target.toString()});
                labels.push_back(target.toString());
            }
        } else {
            for (const auto &target : config_.targets)
                if (target.address.family() == family) {
                    targets_.push_back({family, target, target.toString()});
                    labels.push_back(target.toString());
                }
        }
        families_[index(family)].setTargets(labels, whyNone);
    }
    if (!facts_.ifindex)
        stop("interface " + facts_.interface + " missing");
    else if (!facts_.up)
        stop("link " + facts_.interface + " down");
    else if (targets_.empty())
        stop("nothing to probe");
    else
        start();
    announceSource_->triggerOnce();
}

void RoleChecks::start()
{
    if (probing_)
        return;
    probing_ = true;
    spdlog::debug("role {}: health checks ({}) start on {}", role_, healthMethodName(config_.method), facts_.interface);
    tickTimer_->armIn(0us);
}

void RoleChecks::stop(const std::string &why)
{
    pending_.clear();
    timeoutTimer_->disable();
    tickTimer_->disable();
    for (auto &family : families_)
        if (!family.targets().empty())
            family.reset(why);
    if (probing_)
        spdlog::debug("role {}: health checks stop: {}", role_, why);
    probing_ = false;
}

void RoleChecks::tick()
{
    tickTimer_->armIn(config_.interval);
    retired_.clear();
    expirePending(); // an answer not in by now is not coming within the timeout
    for (const auto &target : targets_)
        probe(target);
    if (!pending_.empty())
        timeoutTimer_->armIn(config_.timeout);
    announce();
}

void RoleChecks::probe(const Target &target)
{
    switch (config_.method) {
    case HealthMethod::icmp:
        probeEcho(target);
        break;
    case HealthMethod::tcp:
        probeTcp(target);
        break;
    case HealthMethod::neighbour:
        probeNeighbour(target);
        break;
    }
}

EchoSocket *RoleChecks::echoSocket(Family family, std::string &problem)
{
    size_t i = index(family);
    if (echoSockets_[i])
        return echoSockets_[i].get();
    try {
        echoSockets_[i] = std::make_unique<EchoSocket>(family, facts_.interface);
        echoSources_[i] = loop_.addIo(echoSockets_[i]->fd(), EPOLLIN, [this, family](uint32_t) { onEchoReadable(family); });
        spdlog::info("role {} {}: health probes from a {} socket bound to {}", role_, familyName(family),
                     echoSockets_[i]->kind() == EchoSocket::Kind::ping ? "ping" : "raw ICMP", facts_.interface);
        echoProblems_[i].clear();
        return echoSockets_[i].get();
    } catch (const std::exception &error) {
        echoSources_[i].reset();
        echoSockets_[i].reset();
        problem = error.what();
        if (problem != echoProblems_[i]) // tried again each interval, said once
            spdlog::error("role {} {}: {}; its health is unknown until it can probe", role_, familyName(family), problem);
        echoProblems_[i] = problem;
        return nullptr;
    }
}

void RoleChecks::probeEcho(const Target &target)
{
    std::string problem;
    EchoSocket *socket = echoSocket(target.family, problem);
    if (!socket) {
        record(target.family, target.label, {ProbeOutcome::error, 0us, problem});
        return;
    }
    uint16_t sequence = ++sequences_[index(target.family)];
    auto sentAt = std::chrono::steady_clock::now();
    if (int error = socket->send(target.target.address, facts_.ifindex, sequence)) {
        record(target.family, target.label, failureOf(error));
        return;
    }
    pending_.push_back({nextId_++, target.family, target.label, target.target.address, sequence, sentAt, nullptr, nullptr});
}

void RoleChecks::onEchoReadable(Family family)
{
    EchoSocket *socket = echoSockets_[index(family)].get();
    if (!socket)
        return;
    for (const auto &answer : socket->receive()) {
        auto pending = std::find_if(pending_.begin(), pending_.end(), [&](const Pending &p) {
            return !p.tcp && p.family == family && p.sequence == answer.sequence && p.address == answer.peer;
        });
        if (pending == pending_.end())
            continue; // late (counted as a timeout already), or somebody else's
        finish(pending, answer.error ? failureOf(answer.error) : ProbeResult{ProbeOutcome::ok, since(pending->sentAt), {}});
    }
    announce();
}

void RoleChecks::probeTcp(const Target &target)
{
    std::unique_ptr<TcpAttempt> attempt;
    try {
        attempt = std::make_unique<TcpAttempt>(target.target, facts_.interface, facts_.ifindex);
    } catch (const ProbeSocketError &error) {
        record(target.family, target.label, {ProbeOutcome::error, 0us, error.what()});
        return;
    }
    if (int error = attempt->immediateError()) {
        record(target.family, target.label, failureOf(error));
        attempt->close();
        return;
    }
    uint64_t id = nextId_++;
    auto source = loop_.addIo(attempt->fd(), EPOLLOUT, [this, id](uint32_t) { onTcpDone(id); });
    pending_.push_back({id, target.family, target.label, target.target.address, 0, std::chrono::steady_clock::now(),
                        std::move(attempt), std::move(source)});
}

void RoleChecks::onTcpDone(uint64_t id)
{
    auto pending = std::find_if(pending_.begin(), pending_.end(), [id](const Pending &p) { return p.id == id; });
    if (pending == pending_.end())
        return;
    int error = pending->tcp->outcome();
    finish(pending, error ? failureOf(error) : ProbeResult{ProbeOutcome::ok, since(pending->sentAt), {}});
    announce();
}

void RoleChecks::probeNeighbour(const Target &target)
{
    const IpAddress &address = target.target.address;
    try {
        auto known = neighbourStates_.find(address);
        if (known == neighbourStates_.end()) {
            auto entry = neighbours_.get(facts_.ifindex, address);
            known = neighbourStates_.emplace(address, entry ? entry->state : uint16_t{NUD_NONE}).first;
        }
        uint16_t state = known->second;
        std::string detail = "neighbour " + neighbourStateName(state);
        switch (neighbourVerdict(state)) {
        case NeighbourVerdict::answered:
            record(target.family, target.label, {ProbeOutcome::ok, 0us, detail});
            return;
        case NeighbourVerdict::silent:
            record(target.family, target.label, {ProbeOutcome::unreachable, 0us, detail});
            break;
        case NeighbourVerdict::unconfirmed:
            break; // no result this interval: the kernel is checking, or is asked to below
        }
        // Solicit what the kernel is not checking already: an idle (STALE) entry, a missing one, a
        // FAILED one (so that the gateway's return is seen). INCOMPLETE, DELAY, PROBE: it is.
        if (state & (NUD_STALE | NUD_FAILED) || state == NUD_NONE) {
            if (int error = neighbours_.use(facts_.ifindex, address))
                spdlog::debug("role {}: cannot solicit neighbour {} on {}: {}", role_, address.toString(),
                              facts_.interface, std::strerror(error));
        }
    } catch (const std::exception &error) {
        record(target.family, target.label,
               {ProbeOutcome::error, 0us, std::string("cannot read the neighbour table: ") + error.what()});
    }
}

void RoleChecks::neighbourChanged(const NeighbourMessage &message)
{
    if (config_.method != HealthMethod::neighbour || message.ifindex != facts_.ifindex || !facts_.ifindex)
        return;
    bool followed = std::any_of(targets_.begin(), targets_.end(),
                                [&](const Target &target) { return target.target.address == message.address; });
    if (followed)
        neighbourStates_[message.address] = message.removed ? uint16_t{NUD_NONE} : message.state;
}

void RoleChecks::expirePending()
{
    while (!pending_.empty())
        finish(pending_.begin(), {ProbeOutcome::timeout, 0us, {}});
    timeoutTimer_->disable();
}

void RoleChecks::finish(std::vector<Pending>::iterator pending, const ProbeResult &result)
{
    Family family = pending->family;
    std::string label = pending->label;
    if (pending->tcp) {
        pending->tcp->close();
        pending->tcpSource->disable();
        retired_.push_back(std::move(pending->tcpSource)); // may be the source whose callback runs now
    }
    pending_.erase(pending);
    if (pending_.empty())
        timeoutTimer_->disable();
    record(family, label, result);
}

void RoleChecks::record(Family family, const std::string &label, const ProbeResult &result)
{
    Thresholds thresholds{config_.downAfter, config_.upAfter};
    families_[index(family)].record(label, result, thresholds);
    spdlog::trace("role {} {}: health probe of {}: {}", role_, familyName(family), label, describe(result));
}

void RoleChecks::announce()
{
    bool anyChanged = false;
    for (Family family : allFamilies) {
        const FamilyHealth &health = families_[index(family)];
        HealthState now = health.state();
        HealthState &before = announced_[index(family)];
        if (now == before)
            continue;
        bool bad = now == HealthState::down || now == HealthState::degraded;
        std::string action = now == HealthState::down && config_.onDown == HealthAction::demote
                                 ? "; demoting its routes by " + std::to_string(config_.demoteBy)
                             : before == HealthState::down && config_.onDown == HealthAction::demote
                                 ? "; its routes come back to their metric"
                                 : "";
        spdlog::log(bad ? spdlog::level::warn : spdlog::level::info, "role {} {}: health {} -> {} ({}): {}{}", role_,
                    familyName(family), healthStateName(before), healthStateName(now), healthMethodName(config_.method),
                    health.evidence(), action);
        before = now;
        anyChanged = true;
    }
    if (anyChanged && changed_)
        changed_();
}

} // namespace ifpin
