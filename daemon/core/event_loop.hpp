// A thin RAII layer over sd-event: the single loop that serves netlink, signals, timers, D-Bus and
// the broker socket. Every callback is guarded: an exception is logged and the loop
// goes on, so one bad message costs one log line, never the daemon.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

typedef struct sd_event sd_event;
typedef struct sd_event_source sd_event_source;

namespace ifpin {

class EventSource {
public:
    EventSource(sd_event_source *source, std::function<void(uint32_t)> callback);
    ~EventSource();
    EventSource(const EventSource &) = delete;
    EventSource &operator=(const EventSource &) = delete;

    // Defer sources: run once at the next loop iteration (after the current event is handled).
    void triggerOnce();
    // Timer sources: fire once after delay (re-arming replaces an earlier deadline).
    void armIn(std::chrono::microseconds delay);
    // Timer sources: fire once when the source's clock reads usec (absolute; one in the past fires at
    // the next iteration).
    void armAt(uint64_t usec);
    bool armed() const;
    void enable(); // io sources: watch again after disable()
    void disable();
    // Among sources ready at once, lower values are dispatched first (sd-event priorities).
    void setPriority(int64_t priority);
    // Io sources: what to watch from now on (EPOLLIN, EPOLLRDHUP, ...); safe inside its own callback.
    void setIoEvents(uint32_t epollEvents);

    // Called by the sd-event trampolines.
    void dispatch(uint32_t events);

private:
    sd_event_source *source_;
    std::function<void(uint32_t)> callback_;
};

using EventSourcePtr = std::unique_ptr<EventSource>;

class EventLoop {
public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    sd_event *get() const { return event_; }

    EventSourcePtr addIo(int fd, uint32_t epollEvents, std::function<void(uint32_t revents)> callback);
    // The signal is blocked for the whole process, so it is only ever seen by the loop.
    EventSourcePtr addSignal(int signo, std::function<void()> callback);
    // Created disabled; see EventSource::triggerOnce().
    EventSourcePtr addDefer(std::function<void()> callback);
    // Created disabled; see EventSource::armIn().
    EventSourcePtr addTimer(std::function<void()> callback);
    // The same on CLOCK_REALTIME, armed with EventSource::armAt(): for a deadline that is a moment of
    // the wall clock (it counts across a reboot), which the kernel follows when the clock is set.
    EventSourcePtr addWallClockTimer(std::function<void()> callback);

    // Feeds the systemd watchdog from the loop when WATCHDOG_USEC asks for it.
    void enableWatchdog();
    int run();
    void exit(int code);

private:
    sd_event *event_ = nullptr;
};

} // namespace ifpin
