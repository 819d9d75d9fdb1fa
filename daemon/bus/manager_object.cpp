#include "bus/manager_object.hpp"

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>
#include <systemd/sd-bus.h>

#include "bus/method_call.hpp"
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

} // namespace ifpin
