// Messages to the service manager (READY=1, STATUS=..., STOPPING=1) that never block the loop.
//
// sd_notify() sends with a blocking sendmsg(): when the manager's queue for the notification socket
// is full (10 datagrams by default, net.unix.max_dgram_qlen) it waits until the manager reads. A
// link flapping a thousand times changes each role's state a thousand times, so ifpind stopped
// dead in sd_notify under a reader that was slow (the integration tests only read at start). This
// speaks the same protocol (one datagram to $NOTIFY_SOCKET, credentials attached by the kernel)
// with MSG_DONTWAIT; what does not fit waits and is retried, a newer STATUS replacing an older one.
#pragma once

#include <chrono>
#include <deque>
#include <string>

#include "core/event_loop.hpp"
#include "core/unique_fd.hpp"

namespace ifpin {

class ServiceNotifier {
public:
    // Reads $NOTIFY_SOCKET (a path, or @name in the abstract namespace); without it every send is
    // a no-op, as sd_notify is outside systemd.
    explicit ServiceNotifier(EventLoop &loop);

    // "READY=1", "STOPPING=1": kept in order until they are sent.
    void send(std::string message);
    // "STATUS=text": only the newest one not sent yet is kept.
    void status(const std::string &text);

    bool enabled() const { return socket_.get() >= 0; }
    size_t pending() const { return pending_.size(); }

    static constexpr std::chrono::milliseconds retryDelay{200};

private:
    void flush();

    UniqueFd socket_;
    std::string address_; // sun_path bytes; a leading NUL for the abstract namespace
    std::deque<std::string> pending_;
    EventSourcePtr retryTimer_;
};

} // namespace ifpin
