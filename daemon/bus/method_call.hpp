// What every org.ifpin1 method shares: the error names (org.ifpin1.Error.*, here and nowhere else),
// the boundary that lets nothing but sdbus::Error leave a method, who is calling, and whether they
// may change the policy.
#pragma once

#include <string_view>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "broker/peer_credentials.hpp"
#include "bus/bus_backend.hpp"
#include "protocol.h"

namespace ifpin {

inline constexpr const char *errorUnknownRole = "org.ifpin1.Error.UnknownRole";
inline constexpr const char *errorInvalidArgument = "org.ifpin1.Error.InvalidArgument";
inline constexpr const char *errorAccessDenied = "org.ifpin1.Error.AccessDenied";
inline constexpr const char *errorConflict = "org.ifpin1.Error.Conflict";
inline constexpr const char *errorFailed = "org.ifpin1.Error.Failed";

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

// The D-Bus error for a broker status.
const char *errorOf(ifpin_status status);

// Who sent the message being handled.
PeerCredentials callerOf(const sdbus::IObject &object, bool withGroups);

// The caller, when it may change the policy; AccessDenied (and one log line) when not.
PeerCredentials requireAdmin(const sdbus::IObject &object, const BusBackend &backend, std::string_view what);

} // namespace ifpin
