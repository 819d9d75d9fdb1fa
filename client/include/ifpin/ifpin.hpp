// libifpin for C++: an owning socket and calls that throw. A thin layer over <ifpin/ifpin.h>.
//
//     ifpin::Socket socket = ifpin::openSocket("mgmt", AF_INET6, SOCK_STREAM);
//     connect(socket.get(), ...);
//
// Errors are ifpin::Error, a std::system_error whose code() is the errno of the C call
// (std::generic_category) and whose what() is the daemon's message.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

#include <ifpin/ifpin.h>

namespace ifpin {

class Error : public std::system_error {
public:
    Error(int error, const std::string &message) : std::system_error(error, std::generic_category(), message) {}
};

// One socket fd, closed when this goes. Move-only.
class Socket {
public:
    Socket() noexcept = default;
    explicit Socket(int fd) noexcept : fd_(fd) {}
    ~Socket() { reset(); }
    Socket(Socket &&other) noexcept : fd_(other.release()) {}
    Socket &operator=(Socket &&other) noexcept
    {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    // Gives up ownership: the caller closes the fd.
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

namespace detail {
[[noreturn]] inline void throwLastError(const char *role)
{
    int error = errno;
    throw Error(error, std::string("cannot get a ") + (role ? role : "(null)") + " socket: " + ifpin_strerror_last());
}
} // namespace detail

// A socket of the role; arguments as ifpin_socket() takes them. Throws Error.
inline Socket openSocket(const char *role, int domain, int type, int protocol = 0)
{
    int fd = ifpin_socket(role, domain, type, protocol);
    if (fd < 0)
        detail::throwLastError(role);
    return Socket(fd);
}

inline Socket openSocket(const std::string &role, int domain, int type, int protocol = 0)
{
    return openSocket(role.c_str(), domain, type, protocol);
}

// count (1..IFPIN_SOCKETS_MAX) sockets of the role in one round trip; all or none. Throws Error.
inline std::vector<Socket> openSockets(const std::string &role, int domain, int type, int protocol, unsigned count)
{
    std::vector<int> fds(count, -1);
    std::vector<Socket> sockets;
    sockets.reserve(count); // before the call: nothing may throw once the fds are ours
    if (ifpin_sockets(role.c_str(), domain, type, protocol, fds.data(), count) < 0)
        detail::throwLastError(role.c_str());
    for (int fd : fds)
        sockets.emplace_back(fd);
    return sockets;
}

// Kernel pinning: places this process in the role's pinned cgroup (ifpin_pin_process). Throws Error.
inline void pinProcess(const std::string &role)
{
    if (ifpin_pin_process(role.c_str()) != 0) {
        int error = errno;
        throw Error(error, "cannot pin this process to role " + role + ": " + ifpin_strerror_last());
    }
}

} // namespace ifpin
