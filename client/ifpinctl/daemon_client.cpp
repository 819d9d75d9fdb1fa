#include "daemon_client.hpp"

#include <iostream>

#include "subcommand.hpp"

namespace ifpinctl {

namespace {

// What the bus says when nobody owns the name (or the owner left during the call).
bool meansNotRunning(const std::string &errorName)
{
    return errorName == "org.freedesktop.DBus.Error.ServiceUnknown" ||
           errorName == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

} // namespace

std::map<std::string, sdbus::Variant> RoleProxy::allProperties()
{
    std::map<std::string, sdbus::Variant> properties;
    getProxy()
        .callMethod("GetAll")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(INTERFACE_NAME))
        .storeResultsTo(properties);
    return properties;
}

bool DaemonClient::ifpindOnBus()
{
    auto bus = sdbus::createProxy(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool hasOwner = false;
    bus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(busName))
        .storeResultsTo(hasOwner);
    return hasOwner;
}

std::vector<RoleEntry> DaemonClient::roles()
{
    std::vector<RoleEntry> entries;
    for (const auto &entry : manager_.ListRoles())
        entries.push_back({entry.get<0>(), entry.get<1>()});
    return entries;
}

std::unique_ptr<RoleProxy> DaemonClient::role(const std::string &name)
{
    std::string known;
    for (const auto &entry : roles()) {
        if (entry.name == name)
            return std::make_unique<RoleProxy>(connection_, entry.path);
        known += (known.empty() ? "" : ", ") + entry.name;
    }
    throw sdbus::Error("org.ifpin1.Error.UnknownRole",
                       "no role named '" + name + "' (roles: " + (known.empty() ? "none" : known) + ")");
}

std::unique_ptr<RoleProxy> DaemonClient::role(const RoleEntry &entry)
{
    return std::make_unique<RoleProxy>(connection_, entry.path);
}

int withDaemon(const std::string &command, const std::function<int(DaemonClient &)> &body)
{
    const std::string prefix = "ifpinctl " + command + ": ";
    std::unique_ptr<sdbus::IConnection> connection;
    try {
        connection = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error &error) {
        std::cerr << prefix << "cannot connect to the system bus: " << error.getMessage() << "; "
                  << notRunningMessage << '\n';
        return exitFailure;
    }
    try {
        DaemonClient client(*connection);
        return body(client);
    } catch (const sdbus::Error &error) {
        if (meansNotRunning(error.getName()))
            std::cerr << notRunningMessage << '\n';
        else
            std::cerr << prefix << error.getMessage() << " (" << error.getName() << ")\n";
        return exitFailure;
    } catch (const std::exception &error) {
        std::cerr << prefix << error.what() << '\n';
        return exitFailure;
    }
}

} // namespace ifpinctl
