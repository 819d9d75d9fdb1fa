#include "bus/role_object.hpp"

#include <spdlog/spdlog.h>

#include "bus/method_call.hpp"
#include "config/value_checks.hpp"
#include "core/text.hpp"

namespace ifpin {

RoleObject::RoleObject(sdbus::IConnection &connection, BusBackend &backend, std::string role)
    : AdaptorInterfaces(connection, rolePath(role)), backend_(backend), role_(std::move(role))
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

void RoleObject::emitChanges()
{
    RoleProperties now = current();
    auto names = changedProperties(lastEmitted_, now);
    lastEmitted_ = std::move(now);
    if (!names.empty())
        getObject().emitPropertiesChangedSignal(org::ifpin1::Role_adaptor::INTERFACE_NAME, names);
}

void RoleObject::change(const char *method, const PeerCredentials &caller,
                        const std::function<void(RoleOverride &)> &edit)
{
    auto result = backend_.layers.change(role_, edit);
    switch (result.outcome) {
    case LayeredConfig::Outcome::applied:
        break;
    case LayeredConfig::Outcome::unknownRole:
        throw sdbus::Error(errorUnknownRole, result.message);
    case LayeredConfig::Outcome::conflict:
        spdlog::info("D-Bus: {} of role {} by {} refused: {}", method, role_, caller.describe(), result.message);
        throw sdbus::Error(errorConflict, result.message);
    case LayeredConfig::Outcome::notSaved:
        spdlog::error("D-Bus: {} of role {} by {} not applied: {}", method, role_, caller.describe(), result.message);
        throw sdbus::Error(errorFailed, result.message + "; nothing was changed");
    }
    spdlog::info("D-Bus: {} of role {} by {} applied", method, role_, caller.describe());
    backend_.applyConfig();
}

void RoleObject::SetMetric(const uint32_t &metric)
{
    guarded("SetMetric", [&] {
        PeerCredentials caller = requireAdmin(getObject(), backend_, "SetMetric of role " + role_);
        change("SetMetric", caller, [metric](RoleOverride &o) { o.metric = metric; });
    });
}

void RoleObject::SetInterface(const std::string &interface)
{
    guarded("SetInterface", [&] {
        // Who asks is checked first: a refusal must not depend on, or tell about, the arguments.
        PeerCredentials caller = requireAdmin(getObject(), backend_, "SetInterface of role " + role_);
        if (interface.find('\0') != std::string::npos)
            throw sdbus::Error(errorInvalidArgument, "interface: expected a name without NUL characters");
        if (auto problem = value_checks::interfaceNameProblem(interface))
            throw sdbus::Error(errorInvalidArgument, "interface: " + *problem);
        change("SetInterface", caller, [&interface](RoleOverride &o) { o.interface = interface; });
    });
}

void RoleObject::SetGateway(const std::string &family, const std::string &address)
{
    guarded("SetGateway", [&] {
        PeerCredentials caller = requireAdmin(getObject(), backend_, "SetGateway of role " + role_);
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
        change("SetGateway", caller, [&](RoleOverride &o) { o.gateway(which) = gateway; });
    });
}

void RoleObject::Reset()
{
    guarded("Reset", [&] {
        PeerCredentials caller = requireAdmin(getObject(), backend_, "Reset of role " + role_);
        change("Reset", caller, [](RoleOverride &o) { o = RoleOverride{}; });
    });
}

} // namespace ifpin
