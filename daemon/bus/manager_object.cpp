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
    // A checkpoint open at start, or while the bus was away, is there from the first call on.
    if (const auto &open = backend_.checkpoints.open())
        checkpoint_ = std::make_unique<CheckpointObject>(getObject().getConnection(), context_, *open);
}

ManagerObject::~ManagerObject()
{
    checkpoint_.reset();
    unregisterAdaptor();
}

void ManagerObject::syncCheckpoint()
{
    const auto &open = backend_.checkpoints.open();
    const std::vector<std::string> checkpointInterface{org::ifpin1::Checkpoint_adaptor::INTERFACE_NAME};
    bool pathChanged = false;
    if (checkpoint_ && (!open || open->id != checkpoint_->id())) {
        // Emitted while the object is still registered: sd-bus checks the interfaces it names.
        checkpoint_->emitInterfacesRemovedSignal(checkpointInterface);
        checkpoint_.reset();
        pathChanged = true;
    }
    if (open && !checkpoint_) {
        checkpoint_ = std::make_unique<CheckpointObject>(getObject().getConnection(), context_, *open);
        checkpoint_->emitInterfacesAddedSignal(checkpointInterface);
        pathChanged = true;
    } else if (checkpoint_) {
        checkpoint_->emitChanges();
    }
    if (pathChanged)
        getObject().emitPropertiesChangedSignal(org::ifpin1::Manager_adaptor::INTERFACE_NAME, {"Checkpoint"});
}

void ManagerObject::CheckpointCreate(sdbus::Result<sdbus::ObjectPath> &&result, uint32_t timeout_s)
{
    guarded("CheckpointCreate", [&] {
        const sdbus::Message *message = getObject().getCurrentlyProcessedMessage();
        if (!message)
            throw sdbus::Error(errorAccessDenied, "no message is being processed");
        auto reply = shared(std::move(result));
        // The manager lives as long as the connection, which the authoriser's pending calls need too.
        ManagerObject *self = this;
        BusContext &context = context_;
        context.authorizer.authorizeChange(
            senderOf(*message), allowsInteraction(*message), "CheckpointCreate", "",
            [self, &context, reply, timeout_s](const Authorization &authorization) {
                replyGuarded(*reply, "CheckpointCreate", [&] {
                    requireGranted(authorization, context, "CheckpointCreate");
                    if (!authorization.caller)
                        throw sdbus::Error(errorFailed, "the caller's credentials are unknown");
                    throwUnlessDone(context.backend.checkpoints.create(timeout_s, authorization.caller->uid));
                    // The object is there before its path is returned.
                    self->syncCheckpoint();
                    reply->returnResults(sdbus::ObjectPath(checkpointPath(context.backend.checkpoints.open()->id)));
                });
            });
    });
}

sdbus::ObjectPath ManagerObject::Checkpoint()
{
    const auto &open = backend_.checkpoints.open();
    return sdbus::ObjectPath(open ? checkpointPath(open->id) : "/");
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
