#include "core/event_loop.hpp"

#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>
#include <systemd/sd-event.h>

namespace ifpin {

namespace {

void check(int result, const char *what)
{
    if (result < 0)
        throw std::runtime_error(std::string(what) + ": " + std::strerror(-result));
}

EventSource *sourceOf(void *userdata)
{
    return static_cast<EventSource *>(userdata);
}

int onIo(sd_event_source *, int, uint32_t revents, void *userdata)
{
    sourceOf(userdata)->dispatch(revents);
    return 0;
}

int onSignal(sd_event_source *, const signalfd_siginfo *, void *userdata)
{
    sourceOf(userdata)->dispatch(0);
    return 0;
}

int onDefer(sd_event_source *, void *userdata)
{
    sourceOf(userdata)->dispatch(0);
    return 0;
}

int onTime(sd_event_source *, uint64_t, void *userdata)
{
    sourceOf(userdata)->dispatch(0);
    return 0;
}

} // namespace

EventSource::EventSource(sd_event_source *source, std::function<void(uint32_t)> callback)
    : source_(source), callback_(std::move(callback))
{
    sd_event_source_set_userdata(source_, this);
}

EventSource::~EventSource()
{
    sd_event_source_disable_unref(source_);
}

void EventSource::triggerOnce()
{
    sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT);
}

void EventSource::armIn(std::chrono::microseconds delay)
{
    check(sd_event_source_set_time_relative(source_, static_cast<uint64_t>(delay.count())), "arming a timer");
    sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT);
}

void EventSource::armAt(uint64_t usec)
{
    check(sd_event_source_set_time(source_, usec), "arming a timer");
    sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT);
}

bool EventSource::armed() const
{
    int enabled = SD_EVENT_OFF;
    sd_event_source_get_enabled(source_, &enabled);
    return enabled != SD_EVENT_OFF;
}

void EventSource::enable()
{
    sd_event_source_set_enabled(source_, SD_EVENT_ON);
}

void EventSource::disable()
{
    sd_event_source_set_enabled(source_, SD_EVENT_OFF);
}

void EventSource::setPriority(int64_t priority)
{
    check(sd_event_source_set_priority(source_, priority), "sd_event_source_set_priority");
}

void EventSource::setIoEvents(uint32_t epollEvents)
{
    check(sd_event_source_set_io_events(source_, epollEvents), "sd_event_source_set_io_events");
}

void EventSource::dispatch(uint32_t events)
{
    // The loop boundary: whatever one callback throws is logged and survived.
    try {
        callback_(events);
    } catch (const std::exception &error) {
        spdlog::error("event handler failed: {}; continuing", error.what());
    } catch (...) {
        spdlog::error("event handler failed with an unknown exception; continuing");
    }
}

EventLoop::EventLoop()
{
    check(sd_event_new(&event_), "creating the event loop");
}

EventLoop::~EventLoop()
{
    sd_event_unref(event_);
}

EventSourcePtr EventLoop::addIo(int fd, uint32_t epollEvents, std::function<void(uint32_t)> callback)
{
    sd_event_source *source = nullptr;
    check(sd_event_add_io(event_, &source, fd, epollEvents, onIo, nullptr), "watching a file descriptor");
    return std::make_unique<EventSource>(source, std::move(callback));
}

EventSourcePtr EventLoop::addSignal(int signo, std::function<void()> callback)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, signo);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    sd_event_source *source = nullptr;
    check(sd_event_add_signal(event_, &source, signo, onSignal, nullptr), "watching a signal");
    return std::make_unique<EventSource>(source, [callback = std::move(callback)](uint32_t) { callback(); });
}

EventSourcePtr EventLoop::addDefer(std::function<void()> callback)
{
    sd_event_source *source = nullptr;
    check(sd_event_add_defer(event_, &source, onDefer, nullptr), "adding a deferred task");
    sd_event_source_set_enabled(source, SD_EVENT_OFF);
    return std::make_unique<EventSource>(source, [callback = std::move(callback)](uint32_t) { callback(); });
}

EventSourcePtr EventLoop::addTimer(std::function<void()> callback)
{
    sd_event_source *source = nullptr;
    // 1 ms accuracy: timers here are back-offs, and coarser accuracy lets the kernel batch wake-ups.
    check(sd_event_add_time_relative(event_, &source, CLOCK_MONOTONIC, 1000000, 1000, onTime, nullptr),
          "adding a timer");
    sd_event_source_set_enabled(source, SD_EVENT_OFF);
    return std::make_unique<EventSource>(source, [callback = std::move(callback)](uint32_t) { callback(); });
}

EventSourcePtr EventLoop::addWallClockTimer(std::function<void()> callback)
{
    sd_event_source *source = nullptr;
    check(sd_event_add_time(event_, &source, CLOCK_REALTIME, 0, 1000, onTime, nullptr), "adding a wall-clock timer");
    sd_event_source_set_enabled(source, SD_EVENT_OFF);
    return std::make_unique<EventSource>(source, [callback = std::move(callback)](uint32_t) { callback(); });
}

void EventLoop::enableWatchdog()
{
    sd_event_set_watchdog(event_, 1);
}

int EventLoop::run()
{
    return sd_event_loop(event_);
}

void EventLoop::exit(int code)
{
    sd_event_exit(event_, code);
}

} // namespace ifpin
