#include "core/service_notifier.hpp"
#include "core/text.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace ifpin {

namespace {

constexpr std::string_view statusPrefix = "STATUS=";

bool isStatusOnly(const std::string &message)
{
    return message.starts_with(statusPrefix) && message.find('\n') == std::string::npos;
}

} // namespace

ServiceNotifier::ServiceNotifier(EventLoop &loop)
{
    const char *path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return;
    std::string address = path;
    if (address[0] == '@')
        address[0] = '\0';
    if (address[0] != '/' && address[0] != '\0') {
        spdlog::warn("NOTIFY_SOCKET={} is neither a path nor an abstract socket; not notifying systemd", escaped(path));
        return;
    }
    if (address.size() >= sizeof(sockaddr_un::sun_path)) {
        spdlog::warn("NOTIFY_SOCKET={} is too long; not notifying systemd", escaped(path));
        return;
    }
    socket_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket_) {
        spdlog::warn("cannot create the socket to notify systemd: {}", std::strerror(errno));
        return;
    }
    address_ = std::move(address);
    retryTimer_ = loop.addTimer([this] { flush(); });
}

void ServiceNotifier::send(std::string message)
{
    if (!enabled())
        return;
    pending_.push_back(std::move(message));
    flush();
}

void ServiceNotifier::status(const std::string &text)
{
    if (!enabled())
        return;
    std::string message = std::string(statusPrefix) + text;
    // A status nobody has seen yet is worth nothing once there is a newer one.
    if (!pending_.empty() && isStatusOnly(pending_.back())) {
        pending_.back() = std::move(message);
        return; // a retry is armed already
    }
    send(std::move(message));
}

void ServiceNotifier::flush()
{
    sockaddr_un target{};
    target.sun_family = AF_UNIX;
    std::memcpy(target.sun_path, address_.data(), address_.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    while (!pending_.empty()) {
        const std::string &message = pending_.front();
        ssize_t sent = ::sendto(socket_.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr *>(&target), length);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
            if (!retryTimer_->armed())
                retryTimer_->armIn(retryDelay);
            return;
        }
        if (sent < 0) // the manager is gone or never listened: as sd_notify, carry on without it
            spdlog::debug("cannot notify systemd ({}): {}", message, std::strerror(errno));
        pending_.pop_front();
    }
}

} // namespace ifpin
