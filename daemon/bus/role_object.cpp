#include "bus/role_object.hpp"

#include <spdlog/spdlog.h>

#include "bus/method_call.hpp"
#include "bus/bus_caller.hpp"
#include "config/value_checks.hpp"
#include "core/text.hpp"

namespace ifpin {

RoleObject::RoleObject(sdbus::IConnection &connection, BusContext &context, std::string role)
    : AdaptorInterfaces(connection, rolePath(role)), context_(context), backend_(context.backend), role_(std::move(role))
{
    lastEmitted_ = current();
    registerAdaptor();
}

RoleObject::~RoleObject()
{
    unregisterAdaptor();
}

RoleProperties RoleObject::current() const
{
    const RoleConfig *role = backend_.policy.config().findRole(role_);
    if (!role)
        return lastEmitted_; // removed by a reload; this object goes at the next refresh
    RoleProperties properties = describeRole(*role, backend_.policy.status(role_), backend_.kernel,
                                             backend_.policy.outranking(), backend_.broker.counters(role_));
    RolePinningStatus pinning = backend_.pinning.status(role_);
    properties.pinAvailable = pinning.available;
    properties.pinProgram = pinning.program;
    properties.pinProblem = pinning.problem;
    describeReturnRouting(properties, *role, backend_.policy.status(role_), backend_.rules.status(role_));
    if (const RoleChecks *checks = backend_.health.checks(role_)) {
        const RoleStatus *status = backend_.policy.status(role_);
        for (Family family : allFamilies)
            addHealth(properties, family, checks->state(family), checks->health(family),
                      status && status->families[familyIndex(family)].demoted);
    }

    return properties;
}

uint64_t RoleObject::EgressDropped()
{
    return guarded("EgressDropped", [&] { return backend_.egress.dropped(role_); });
}

uint32_t RoleObject::PinnedProcesses()
{
    return guarded("PinnedProcesses", [&] { return backend_.pinning.pinnedProcesses(role_); });
}

uint64_t RoleObject::PinRefused()
{
    return guarded("PinRefused", [&] { return backend_.pinning.refusedSockets(role_); });
}

std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string, uint64_t, uint32_t, uint32_t>>
RoleObject::HealthDetails()
{
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string, uint64_t, uint32_t, uint32_t>>
        details;
    for (const auto &target : current().healthDetails)
        details.emplace_back(target.family, target.target, target.status, target.lastResult, target.detail,
                             target.rttMicroseconds, target.failuresInRow, target.successesInRow);
    return details;
}

void RoleObject::emitChanges()
{
    RoleProperties now = current();
    auto names = changedProperties(lastEmitted_, now);
    lastEmitted_ = std::move(now);
    if (!names.empty())
        getObject().emitPropertiesChangedSignal(org::ifpin1::Role_adaptor::INTERFACE_NAME, names);
}

namespace {

// Applies an authorised caller's edit of role's runtime changes and puts it in force.
void applyChange(BusBackend &backend, const std::string &role, const char *method, const Authorization &caller,
                 const std::function<void(RoleOverride &)> &edit)
{
    std::string who = caller.caller ? caller.caller->describe() : "?";
    auto result = backend.layers.change(role, edit);
    switch (result.outcome) {
    case LayeredConfig::Outcome::applied:
        break;
    case LayeredConfig::Outcome::unknownRole:
        throw sdbus::Error(errorUnknownRole, result.message);
    case LayeredConfig::Outcome::conflict:
        spdlog::info("D-Bus: {} of role {} by {} refused: {}", method, role, who, result.message);
        throw sdbus::Error(errorConflict, result.message);
    case LayeredConfig::Outcome::notSaved:
        spdlog::error("D-Bus: {} of role {} by {} not applied: {}", method, role, who, result.message);
        throw sdbus::Error(errorFailed, result.message + "; nothing was changed");
    }
    spdlog::info("D-Bus: {} of role {} by {} applied", method, role, who);
    backend.applyConfig();
}

} // namespace

void RoleObject::changeWhenAuthorised(const char *method, sdbus::Result<> &&result,
                                      std::function<std::function<void(RoleOverride &)>()> validate)
{
    const sdbus::Message *message = getObject().getCurrentlyProcessedMessage();
    if (!message)
        throw sdbus::Error(errorAccessDenied, "no message is being processed");
    auto reply = shared(std::move(result));
    // By value: this object may be gone when the answer comes (a reload removed the role).
    BusContext &context = context_;
    std::string role = role_;
    std::string what = std::string(method) + " of role " + role;
    context.authorizer.authorizeChange(
        senderOf(*message), allowsInteraction(*message), method, role,
        [&context, reply, role, what, method, validate](const Authorization &authorization) {
            replyGuarded(*reply, method, [&] {
                requireGranted(authorization, context, what); // and admin_group unchanged meanwhile
                // The policy may have been reloaded while polkit was asked.
                const Config &now = context.backend.policy.config();
                if (!now.findRole(role))
                    throw sdbus::Error(errorUnknownRole, "role " + role + " was removed while authorising");
                auto edit = validate();
                applyChange(context.backend, role, method, authorization, edit);
                reply->returnResults();
            });
        });
}

void RoleObject::SetMetric(sdbus::Result<> &&result, uint32_t metric)
{
    guarded("SetMetric", [&] {
        changeWhenAuthorised("SetMetric", std::move(result), [metric] {
            return std::function<void(RoleOverride &)>([metric](RoleOverride &o) { o.metric = metric; });
        });
    });
}

void RoleObject::SetInterface(sdbus::Result<> &&result, std::string interface)
{
    guarded("SetInterface", [&] {
        changeWhenAuthorised("SetInterface", std::move(result), [interface] {
            if (auto problem = value_checks::interfaceNameProblem(interface))
                throw sdbus::Error(errorInvalidArgument, "interface: " + *problem);
            return std::function<void(RoleOverride &)>([interface](RoleOverride &o) { o.interface = interface; });
        });
    });
}

void RoleObject::SetGateway(sdbus::Result<> &&result, std::string family, std::string address)
{
    guarded("SetGateway", [&] {
        changeWhenAuthorised("SetGateway", std::move(result), [family, address] {
            auto parsedFamily = familyFromName(family);
            if (!parsedFamily)
                throw sdbus::Error(errorInvalidArgument,
                                   "family: expected \"inet\" or \"inet6\", got " + quote(family));
            GatewayOverride gateway; // "" or "learn": forget the configured gateway, learn it again
            if (!address.empty() && address != "learn") {
                if (auto problem = value_checks::gatewayProblem(*parsedFamily, address))
                    throw sdbus::Error(errorInvalidArgument, "address: " + *problem);
                gateway.address = IpAddress::parse(*parsedFamily, address);
            }
            Family which = *parsedFamily;
            return std::function<void(RoleOverride &)>([which, gateway](RoleOverride &o) { o.gateway(which) = gateway; });
        });
    });
}

void RoleObject::Reset(sdbus::Result<> &&result)
{
    guarded("Reset", [&] {
        changeWhenAuthorised("Reset", std::move(result), [] {
            return std::function<void(RoleOverride &)>([](RoleOverride &o) { o = RoleOverride{}; });
        });
    });
}

} // namespace ifpin
