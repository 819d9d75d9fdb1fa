#include "bus/manager_object.hpp"

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>
#include <systemd/sd-bus.h>

#include "bus/method_call.hpp"
#include "bus/bus_caller.hpp"
#include "ifpin_build_config.h"

namespace ifpin {

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

ManagerObject::ManagerObject(sdbus::IConnection &connection, BusContext &context)
    : AdaptorInterfaces(connection, managerPath), context_(context), backend_(context.backend)
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

void ManagerObject::Reload(sdbus::Result<> &&result)
{
    guarded("Reload", [&] {
        const sdbus::Message *message = getObject().getCurrentlyProcessedMessage();
        if (!message)
            throw sdbus::Error(errorAccessDenied, "no message is being processed");
        auto reply = shared(std::move(result));
        BusContext &context = context_;
        context.authorizer.authorizeChange(senderOf(*message), allowsInteraction(*message), "Reload", "",
                                           [&context, reply](const Authorization &authorization) {
                                               replyGuarded(*reply, "Reload", [&] {
                                                   requireGranted(authorization, context, "Reload");
                                                   if (auto problem = context.backend.reload())
                                                       throw sdbus::Error(errorInvalidArgument, *problem);
                                                   reply->returnResults();
                                               });
                                           });
    });
}

void ManagerObject::OpenSocket(sdbus::Result<sdbus::UnixFd> &&result, std::string role, int32_t family, int32_t type,
                               int32_t protocol)
{
    guarded("OpenSocket", [&] {
        const sdbus::Message *message = getObject().getCurrentlyProcessedMessage();
        if (!message)
            throw sdbus::Error(errorAccessDenied, "no message is being processed");
        auto reply = shared(std::move(result));
        BusContext &context = context_;
        SocketRequest request{role, family, type, protocol, 1};
        const RoleConfig *config = backend_.policy.config().findRole(role);
        std::string interface = config ? config->interface : "";
        // The broker decides on the allow lists (and counts, and says why); polkit may only say no
        // after they said yes.
        auto admits = [&context, role](const PeerCredentials &peer) {
            const RoleConfig *found = context.backend.policy.config().findRole(role);
            return found && mayUseRole(*found, peer, context.backend.accounts);
        };
        context.authorizer.authorizeOpenSocket(
            senderOf(*message), allowsInteraction(*message), role, interface, admits,
            [&context, reply, request](const Authorization &authorization) {
                replyGuarded(*reply, "OpenSocket", [&] {
                    if (!authorization.listsRefused)
                        requireGranted(authorization, context, "OpenSocket of role " + escaped(request.role));
                    // The allow lists again, now, in the broker: they may have changed meanwhile.
                    SocketGrant grant = context.backend.broker.open(request, authorization.peer);
                    if (grant.status != IFPIN_STATUS_OK || grant.sockets.empty())
                        throw sdbus::Error(errorOf(grant.status), grant.message);
                    reply->returnResults(sdbus::UnixFd(grant.sockets.front().release(), sdbus::adopt_fd));
                });
            });
    });
}

std::string ManagerObject::Version()
{
    return IFPIN_VERSION;
}

} // namespace ifpin
