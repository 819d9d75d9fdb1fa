#include "bus/bus_service.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>

#include <cstring>
#include <stdexcept>

#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

namespace ifpin {

using namespace std::chrono_literals;

namespace {

constexpr Backoff reconnectBackoff{500ms, 30s};
// Messages handled per round before the other event sources get their turn.
constexpr int maxMessagesPerRound = 64;
// The one call ifpind makes itself and waits for (RequestName, at connect) blocks the loop: a bus
// that does not answer within this is treated as absent. The rest (a caller's credentials, polkit)
// are asynchronous (bus_authorizer.hpp).
constexpr std::chrono::seconds busCallTimeout{2};
// After the netlink events and the broker's connections (SD_EVENT_PRIORITY_NORMAL), so that 20,000
// D-Bus calls do not delay a route's restoration or a broker request.
constexpr int64_t busPriority = SD_EVENT_PRIORITY_NORMAL + 5;
// The handshake of a new connection: a healthy bus answers in well under a millisecond, and a
// connection attempt blocks the loop for at most this long.
constexpr std::chrono::milliseconds busHandshakeTimeout{500};

uint64_t monotonicMicroseconds()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
}

// sdbus-c++ 1.2 finishes the bus handshake (Hello) with no time limit, so a bus that accepts the
// connection but never answers would hold the whole loop. Its handshake is first tried here with
// plain sd-bus, bounded by busCallTimeout; only a bus that answered in time is handed to sdbus-c++.
std::string probeSystemBus()
{
    sd_bus *bus = nullptr;
    int result = sd_bus_open_system(&bus); // starts connecting; does not wait for the answer
    auto deadline = monotonicMicroseconds() + std::chrono::microseconds(busHandshakeTimeout).count();
    while (result >= 0 && (result = sd_bus_is_ready(bus)) == 0) {
        uint64_t now = monotonicMicroseconds();
        if (now >= deadline) {
            sd_bus_close_unref(bus);
            return "the bus did not complete the handshake within " + std::to_string(busHandshakeTimeout.count()) + " ms";
        }
        if ((result = sd_bus_process(bus, nullptr)) > 0)
            continue;
        if (result >= 0)
            result = sd_bus_wait(bus, deadline - now);
    }
    sd_bus_close_unref(bus);
    return result < 0 ? std::string("cannot connect: ") + std::strerror(-result) : std::string();
}

} // namespace

BusService::BusService(EventLoop &loop, BusBackend backend)
    : loop_(loop), backend_(std::move(backend)), refusals_(loop, "refused D-Bus calls"),
      reconnectBackoff_(reconnectBackoff)
{
    timeoutTimer_ = loop_.addTimer([this] { process(); });
    processSource_ = loop_.addDefer([this] { process(); });
    // A flood of D-Bus calls waits behind the kernel's events and the broker's clients.
    processSource_->setPriority(busPriority);
    reconnectTimer_ = loop_.addTimer([this] { connect(); });
    checkpointSource_ = loop_.addDefer([this] {
        std::vector<uint64_t> rolledBack = std::move(pendingRolledBack_);
        pendingRolledBack_.clear();
        if (!connection_)
            return;
        try {
            for (uint64_t id : rolledBack)
                objects_->checkpointRolledBack(id);
            objects_->checkpointChanged();
            watch(); // what did not fit the socket waits for EPOLLOUT
        } catch (const std::exception &error) {
            disconnect(error.what());
        }
    });
}

BusService::~BusService()
{
    // The objects unregister from the connection, which must outlive them; the authorizer's proxies
    // (and the calls they have pending) go first.
    io_.reset();
    objects_.reset();
    authorizer_.reset();
    context_.reset();
    connection_.reset();
}

void BusService::start()
{
    connect();
}

void BusService::connect()
{
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<BusAuthorizer> authorizer;
    std::unique_ptr<BusContext> context;
    std::unique_ptr<BusObjects> objects;
    try {
        if (std::string problem = probeSystemBus(); !problem.empty())
            throw std::runtime_error(problem);
        connection = sdbus::createSystemBusConnection();
        connection->setMethodCallTimeout(busCallTimeout);
        authorizer = std::make_unique<BusAuthorizer>(*connection, backend_, loop_);
        context = std::make_unique<BusContext>(BusContext{backend_, *authorizer, refusals_});
        // Objects first: whoever sees the name appear can call at once.
        objects = std::make_unique<BusObjects>(*connection, *context);
        connection->requestName(busName);
    } catch (const std::exception &error) {
        objects.reset();
        context.reset();
        authorizer.reset();
        connection.reset();
        if (!failureReported_)
            spdlog::warn("D-Bus: cannot serve {} on the system bus: {}; routes and the broker go on without it, "
                         "trying again in {} ms (then with back-off up to {} s)",
                         busName, error.what(), reconnectBackoff_.current().count(),
                         std::chrono::duration_cast<std::chrono::seconds>(reconnectBackoff_.ceiling()).count());
        else
            spdlog::debug("D-Bus: still no system bus: {}; next try in {} ms", error.what(),
                          reconnectBackoff_.current().count());
        failureReported_ = true;
        scheduleReconnect();
        return;
    }
    connection_ = std::move(connection);
    authorizer_ = std::move(authorizer);
    context_ = std::move(context);
    objects_ = std::move(objects);
    spdlog::info("D-Bus: serving {} on the system bus{}", busName, everConnected_ ? " again" : "");
    everConnected_ = true;
    failureReported_ = false;
    reconnectBackoff_.reset();
    // Messages may have arrived while the name was requested: they wait in sd-bus, not in the socket.
    processSource_->triggerOnce();
    try {
        watch();
    } catch (const std::exception &error) {
        disconnect(error.what());
    }
}

void BusService::disconnect(std::string_view why)
{
    spdlog::warn("D-Bus: lost the system bus ({}); routes and the broker go on, connecting again in {} ms", why,
                 reconnectBackoff_.current().count());
    io_.reset();
    ioFd_ = -1;
    ioEvents_ = 0;
    timeoutTimer_->disable();
    processSource_->disable();
    objects_.reset();
    authorizer_.reset(); // cancels the calls it has pending: their callers get an error from the bus
    context_.reset();
    connection_.reset();
    failureReported_ = true; // the failed attempts that follow are debug lines
    scheduleReconnect();
}

void BusService::scheduleReconnect()
{
    reconnectTimer_->armIn(reconnectBackoff_.take());
}

void BusService::process()
{
    if (!connection_)
        return;
    try {
        int handled = 0;
        while (connection_->processPendingRequest()) {
            if (++handled == maxMessagesPerRound) {
                processSource_->triggerOnce();
                break;
            }
        }
        watch();
    } catch (const std::exception &error) {
        // sd-bus reports a closed connection (the bus went away) as an error from here.
        disconnect(error.what());
    }
}

void BusService::watch()
{
    auto data = connection_->getEventLoopPollData();
    uint32_t events = (data.events & POLLIN ? EPOLLIN : 0u) | (data.events & POLLOUT ? EPOLLOUT : 0u);
    if (!io_ || data.fd != ioFd_ || events != ioEvents_) {
        io_.reset();
        io_ = loop_.addIo(data.fd, events, [this](uint32_t) { process(); });
        io_->setPriority(busPriority);
        ioFd_ = data.fd;
        ioEvents_ = events;
    }
    if (data.timeout_usec == UINT64_MAX) {
        timeoutTimer_->disable();
    } else {
        uint64_t now = monotonicMicroseconds();
        timeoutTimer_->armIn(std::chrono::microseconds(data.timeout_usec > now ? data.timeout_usec - now : 0));
    }
}

void BusService::checkpointChanged()
{
    checkpointSource_->triggerOnce();
}

void BusService::checkpointRolledBack(uint64_t id)
{
    if (!connection_)
        return;
    pendingRolledBack_.push_back(id);
    checkpointSource_->triggerOnce();
}

void BusService::policyApplied()
{
    if (!connection_)
        return;
    try {
        objects_->refresh();
        watch(); // a signal that did not fit the socket waits for EPOLLOUT
    } catch (const std::exception &error) {
        disconnect(error.what());
    }
}

} // namespace ifpin
