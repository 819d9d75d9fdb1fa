#include "bus/bus_caller.hpp"

#include <spdlog/fmt/fmt.h>
#include <systemd/sd-bus.h>

namespace ifpin {

namespace {

// sdbus-c++ 1.2 gives no access to sd_bus_message_get_allow_interactive_authorization(). The
// sd_bus_message behind an sdbus::Message is its protected member msg_: a pointer to that member,
// formed in a derived class, reads it without casting the object.
struct MessageAccess : sdbus::Message {
    static sd_bus_message *raw(const sdbus::Message &message)
    {
        return static_cast<sd_bus_message *>(message.*(&MessageAccess::msg_));
    }
};

} // namespace

std::string BusCaller::describe() const
{
    return pidAtConnect ? fmt::format("uid {} (pid {} at connect)", uid, *pidAtConnect) : fmt::format("uid {}", uid);
}

std::optional<BusCaller> busCallerFromCredentials(std::string sender,
                                                  const std::map<std::string, sdbus::Variant> &credentials)
{
    auto user = credentials.find("UnixUserID");
    if (user == credentials.end() || user->second.peekValueType() != "u")
        return std::nullopt;
    BusCaller caller;
    caller.sender = std::move(sender);
    caller.uid = user->second.get<uint32_t>();
    if (auto groups = credentials.find("UnixGroupIDs"); groups != credentials.end() &&
                                                       groups->second.peekValueType() == "au") {
        auto ids = groups->second.get<std::vector<uint32_t>>();
        caller.groups = std::vector<gid_t>(ids.begin(), ids.end());
    }
    if (auto pid = credentials.find("ProcessID"); pid != credentials.end() && pid->second.peekValueType() == "u")
        caller.pidAtConnect = static_cast<pid_t>(pid->second.get<uint32_t>());
    return caller;
}

PeerCredentials peerOf(const BusCaller &caller, const std::optional<std::vector<gid_t>> &nssGroups)
{
    PeerCredentials peer;
    peer.pid = caller.pidAtConnect.value_or(0);
    peer.uid = caller.uid;
    peer.gid = static_cast<gid_t>(-1);
    if (caller.groups)
        peer.groups = *caller.groups;
    else if (nssGroups)
        peer.groups = *nssGroups;
    return peer;
}

std::string senderOf(const sdbus::Message &message)
{
    return message.getSender();
}

bool allowsInteraction(const sdbus::Message &message)
{
    return sd_bus_message_get_allow_interactive_authorization(MessageAccess::raw(message)) > 0;
}

} // namespace ifpin
