// What every org.ifpin1 method shares: the error names (org.ifpin1.Error.*, here and nowhere else),
// the boundary that lets nothing but sdbus::Error leave a method or the reply to an asynchronous one,
// and what the objects act on.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "bus/bus_authorizer.hpp"
#include "bus/bus_backend.hpp"
#include "core/rate_limited_log.hpp"
#include "core/text.hpp"
#include "protocol.h"

namespace ifpin {

inline constexpr const char *errorUnknownRole = "org.ifpin1.Error.UnknownRole";
inline constexpr const char *errorInvalidArgument = "org.ifpin1.Error.InvalidArgument";
inline constexpr const char *errorAccessDenied = "org.ifpin1.Error.AccessDenied";
inline constexpr const char *errorConflict = "org.ifpin1.Error.Conflict";
inline constexpr const char *errorFailed = "org.ifpin1.Error.Failed";
inline constexpr const char *errorBusy = "org.ifpin1.Error.Busy";
// The standard name for "allow interactive authorization and call again" (sd-bus, polkit clients).
inline constexpr const char *errorInteractiveAuthorizationRequired =
    "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";
inline constexpr const char *errorCheckpointExists = "org.ifpin1.Error.CheckpointExists";
// The bus's own name for an object that is not there: a checkpoint confirmed or rolled back a moment
// ago, whose object is removed once the call that closed it has returned.
inline constexpr const char *errorUnknownObject = "org.freedesktop.DBus.Error.UnknownObject";

// What the objects act on: the daemon's parts, the authoriser, and the log of refusals (a caller can
// repeat a refused call at will: rate-limited).
struct BusContext {
    BusBackend &backend;
    BusAuthorizer &authorizer;
    RateLimitedLog &refusals;
};

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
        spdlog::error("D-Bus: {} failed: {}", method, escaped(error.what()));
        throw sdbus::Error(errorFailed, std::string(method) + " failed: " + error.what());
    }
}

// The same boundary for the reply to an asynchronous method, sent from a callback: body returns the
// results, or throws an sdbus::Error, which becomes the error reply.
template <typename Result, typename Body>
void replyGuarded(Result &result, std::string_view method, Body &&body)
{
    try {
        body();
    } catch (const sdbus::Error &error) {
        result.returnError(error);
    } catch (const std::exception &error) {
        spdlog::error("D-Bus: {} failed: {}", method, escaped(error.what()));
        result.returnError(sdbus::Error(errorFailed, std::string(method) + " failed: " + error.what()));
    }
}

// A Result that std::function can carry (it needs a copyable callable).
template <typename... Results>
std::shared_ptr<sdbus::Result<Results...>> shared(sdbus::Result<Results...> &&result)
{
    return std::make_shared<sdbus::Result<Results...>>(std::move(result));
}

// The D-Bus error for a broker status.
const char *errorOf(ifpin_status status);

// Logs the decision on `what` ("SetMetric of role mgmt") and, unless it was granted, throws the error
// for the caller: AccessDenied, Busy or InteractiveAuthorizationRequired. Refusals go to the
// rate-limited log. A grant decided with an admin_group that a reload has changed since throws
// Failed ("the configuration changed while authorising; try again").
void requireGranted(const Authorization &authorization, BusContext &context, std::string_view what);

} // namespace ifpin
