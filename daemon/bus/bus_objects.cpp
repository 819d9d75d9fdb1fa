#include "bus/bus_objects.hpp"

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>
#include <systemd/sd-bus.h>

#include "bus/admin_access.hpp"
#include "config/value_checks.hpp"
#include "core/text.hpp"
#include "ifpin_build_config.h"
#include "protocol.h"

namespace ifpin {

namespace {

constexpr const char *errorUnknownRole = "org.ifpin1.Error.UnknownRole";
constexpr const char *errorInvalidArgument = "org.ifpin1.Error.InvalidArgument";
constexpr const char *errorAccessDenied = "org.ifpin1.Error.AccessDenied";
constexpr const char *errorConflict = "org.ifpin1.Error.Conflict";
constexpr const char *errorFailed = "org.ifpin1.Error.Failed";

// Who sent the message being handled. uid is the bus's word (the connection's SO_PEERCRED); gid and
// groups come from /proc/PID/status of the sender, read now (sd-bus's credential augmentation), and
// only when withGroups asks for them: each is a round trip to the bus driver.
PeerCredentials callerOf(const sdbus::IObject &object, bool withGroups)
{
    const sdbus::Message *message = object.getCurrentlyProcessedMessage();
    if (!message)
        throw sdbus::Error(errorAccessDenied, "no message is being processed");
    try {
        PeerCredentials caller;
        caller.uid = message->getCredsEuid();
        caller.pid = message->getCredsPid();
        if (withGroups) {
            caller.gid = message->getCredsEgid();
            caller.groups = message->getCredsSupplementaryGids();
        }
        return caller;
    } catch (const sdbus::Error &error) {
        throw sdbus::Error(errorAccessDenied, "cannot read the caller's credentials: " + error.getMessage());
    }
}

// The caller, when it may change the policy; AccessDenied (and one log line) when not.
PeerCredentials requireAdmin(const sdbus::IObject &object, const BusBackend &backend, std::string_view what)
{
    PeerCredentials caller = callerOf(object, false);
    if (caller.uid != 0) // root may always; anybody else by group
        caller = callerOf(object, true);
    const std::string &group = backend.policy.config().daemon.adminGroup;
    if (!mayAdminister(caller, group, backend.accounts)) {
        spdlog::warn("D-Bus: {} refused to {}: not root, not in group {}", what, caller.describe(), group);
        throw sdbus::Error(errorAccessDenied, describeAdminRefusal(caller, group));
    }
    return caller;
}

// The loop boundary for method calls: sdbus-c++ turns an sdbus::Error into the error reply and lets
// anything else through sd-bus's C frames, so nothing else may leave a method.
template <typename Handler>
auto guarded(std::string_view method, Handler &&handler) -> decltype(handler())
{
    try {
        return handler();
    } catch (const sdbus::Error &) {
        throw;
    } catch (const std::exception &error) {
        spdlog::error("D-Bus: {} failed: {}", method, error.what());
        throw sdbus::Error(errorFailed, std::string(method) + " failed: " + error.what());
    }
}

const char *errorOf(ifpin_status status)
{
    switch (status) {
    case IFPIN_STATUS_UNKNOWN_ROLE:
        return errorUnknownRole;
    case IFPIN_STATUS_ACCESS_DENIED:
        return errorAccessDenied;
    case IFPIN_STATUS_BAD_REQUEST:
    case IFPIN_STATUS_INVALID_ARGUMENT:
        return errorInvalidArgument;
    default:
        return errorFailed;
    }
}

} // namespace

std::string rolePath(std::string_view role)
{
    char *path = nullptr;
    int result = sd_bus_path_encode("/org/ifpin1/role", std::string(role).c_str(), &path);
    if (result < 0)
        throw std::runtime_error("cannot encode an object path for role " + std::string(role) + ": " +
                                 std::strerror(-result));
    std::string encoded(path);
    std::free(path);
    return encoded;
}

// ---- /org/ifpin1 ----------------------------------------------------------------------------

ManagerObject::ManagerObject(sdbus::IConnection &connection, BusBackend &backend)
    : AdaptorInterfaces(connection, managerPath), backend_(backend)
{
    registerAdaptor();
}

ManagerObject::~ManagerObject()
{
    unregisterAdaptor();
}

std::vector<sdbus::Struct<std::string, sdbus::ObjectPath>> ManagerObject::ListRoles()
{
    return guarded("ListRoles", [&] {
        std::vector<sdbus::Struct<std::string, sdbus::ObjectPath>> roles;
        for (const auto &role : backend_.policy.config().roles)
            roles.emplace_back(role.name, sdbus::ObjectPath(rolePath(role.name)));
        return roles;
    });
}

void ManagerObject::Reload()
{
    guarded("Reload", [&] {
        PeerCredentials caller = requireAdmin(getObject(), backend_, "Reload");
        spdlog::info("D-Bus: Reload asked by {}", caller.describe());
        if (auto problem = backend_.reload())
            throw sdbus::Error(errorInvalidArgument, *problem);
    });
}

sdbus::UnixFd ManagerObject::OpenSocket(const std::string &role, const int32_t &family, const int32_t &type,
                                        const int32_t &protocol)
{
    return guarded("OpenSocket", [&] {
        SocketGrant grant = backend_.broker.open({role, family, type, protocol, 1}, callerOf(getObject(), true));
        if (grant.status != IFPIN_STATUS_OK || grant.sockets.empty())
            throw sdbus::Error(errorOf(grant.status), grant.message);
        return sdbus::UnixFd(grant.sockets.front().release(), sdbus::adopt_fd);
    });
}

std::string ManagerObject::Version()
{
    return IFPIN_VERSION;
}

// ---- /org/ifpin1/role/NAME -------------------------------------------------------------------

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
    return describeRole(*role, backend_.policy.status(role_), backend_.kernel, backend_.policy.outranking(),
                        backend_.broker.counters(role_));
}

uint64_t RoleObject::EgressDropped()
{
    return guarded("EgressDropped", [&] { return backend_.egress.dropped(role_); });
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

// ---- the set of objects ----------------------------------------------------------------------

BusObjects::BusObjects(sdbus::IConnection &connection, BusBackend &backend)
    : connection_(connection), backend_(backend),
      manager_(std::make_unique<ManagerObject>(connection, backend))
{
    refresh();
}

void BusObjects::refresh()
{
    const auto &roles = backend_.policy.config().roles;
    std::erase_if(roles_, [&](const auto &entry) {
        return std::none_of(roles.begin(), roles.end(),
                            [&](const RoleConfig &role) { return role.name == entry.first; });
    });
    for (const auto &role : roles) {
        auto found = roles_.find(role.name);
        if (found == roles_.end())
            roles_.emplace(role.name, std::make_unique<RoleObject>(connection_, backend_, role.name));
        else
            found->second->emitChanges();
    }
}

} // namespace ifpin
