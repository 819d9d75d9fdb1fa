// Helpers of broker_test.cpp: shell quoting and users for setpriv, the lab's traffic counters, file
// descriptors of a process, a raw SEQPACKET client of the broker, and libifpin checks.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <ifpin/ifpin.h>
#include <ifpin/ifpin.hpp>

#include "lab_fixture.hpp"
#include "protocol.h"

namespace ifpin::lab::broker_test {

using namespace std::chrono_literals;

inline constexpr const char *server4 = "203.0.113.10";
inline constexpr const char *server6 = "2001:db8:ffff::10";
// No /etc/passwd entries needed: setpriv takes numbers.
inline constexpr int allowedUid = 4242;
inline constexpr int allowedGroup = 4243; // mgmt's allow_groups
inline constexpr int strangerUid = 4244;  // in no allow list

inline std::string quote(const std::string &text)
{
    std::string out = "'";
    for (char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

inline std::string url(const std::string &address)
{
    return address.find(':') != std::string::npos ? "'http://[" + address + "]/'" : "http://" + address + "/";
}

inline std::string trim(const std::string &text)
{
    auto end = text.find_last_not_of(" \n");
    return end == std::string::npos ? std::string() : text.substr(0, end + 1);
}

inline size_t countLines(const std::string &text, const std::string &needle)
{
    size_t count = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        count += line.find(needle) != std::string::npos;
    return count;
}

// Command prefixes: run as uid 4242 in group 4243 (allowed), or as uid 4244 in no group (not).
inline std::string asAllowedUser()
{
    return "setpriv --reuid=" + std::to_string(allowedUid) + " --regid=" + std::to_string(allowedUid) +
           " --groups=" + std::to_string(allowedGroup) + " --inh-caps=-all ";
}

inline std::string asStranger()
{
    return "setpriv --reuid=" + std::to_string(strangerUid) + " --regid=" + std::to_string(strangerUid) +
           " --clear-groups --inh-caps=-all ";
}

// TCP segments and UDP datagrams that each gateway received and the host namespace sent, from the
// namespaces' own SNMP counters (/proc/net/snmp{,6} are per network namespace): equal before and
// after means nothing went out on either uplink.
inline std::map<std::string, long long> trafficCounters(const Lab &lab)
{
    const std::map<std::string, std::vector<std::string>> wanted{
        {lab.gatewayNamespace("media"), {"Tcp:InSegs", "Udp:InDatagrams", "Udp:NoPorts", "Udp6InDatagrams", "Udp6NoPorts"}},
        {lab.gatewayNamespace("mgmt"), {"Tcp:InSegs", "Udp:InDatagrams", "Udp:NoPorts", "Udp6InDatagrams", "Udp6NoPorts"}},
        {lab.hostNamespace(), {"Tcp:OutSegs", "Tcp:ActiveOpens", "Udp:OutDatagrams", "Udp6OutDatagrams"}},
    };
    std::map<std::string, long long> out;
    for (const auto &[ns, keys] : wanted) {
        auto result = lab.shellIn(ns, "cat /proc/net/snmp /proc/net/snmp6");
        if (!result.ok())
            throw std::runtime_error("cannot read the SNMP counters of " + ns + ": " + result.describe());
        std::map<std::string, long long> all;
        std::istringstream in(result.out);
        std::vector<std::string> header;
        for (std::string line; std::getline(in, line);) {
            std::istringstream words(line);
            std::vector<std::string> fields;
            for (std::string word; words >> word;)
                fields.push_back(word);
            if (fields.size() == 2 && fields[0].back() != ':') { // snmp6: "Udp6InDatagrams 12"
                all[fields[0]] = std::stoll(fields[1]);
            } else if (!fields.empty() && !header.empty() && header[0] == fields[0]) { // snmp: values
                for (size_t i = 1; i < fields.size() && i < header.size(); ++i)
                    all[fields[0] + header[i]] = std::stoll(fields[i]);
                header.clear();
            } else {
                header = fields; // snmp: names
            }
        }
        for (const auto &key : keys)
            out[ns + "/" + key] = all.contains(key) ? all[key] : -1;
    }
    return out;
}

inline std::string findFile(const std::string &root, const std::string &name)
{
    for (const auto &entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.path().filename() == name)
            return entry.path();
    return {};
}

// Which of names the shared object at path itself defines (not its dependencies), space-separated.
inline std::string exportedSymbols(const std::string &path, const std::vector<std::string> &names)
{
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return std::string("(dlopen: ") + dlerror() + ")";
    const std::string real = std::filesystem::canonical(path);
    std::string out;
    for (const auto &name : names) {
        void *symbol = dlsym(handle, name.c_str());
        Dl_info info{};
        if (symbol && dladdr(symbol, &info) && info.dli_fname && std::filesystem::canonical(info.dli_fname) == real)
            out += (out.empty() ? "" : " ") + name;
    }
    dlclose(handle);
    return out;
}

// A C++ program against the installed <ifpin/ifpin.hpp>.
inline constexpr const char *cxxApp = R"(#include <cstdio>
#include <ifpin/ifpin.hpp>
int main()
{
    auto sockets = ifpin::openSockets("mgmt", AF_INET, SOCK_STREAM, 0, 3);
    char device[32] = "";
    socklen_t length = sizeof device;
    getsockopt(sockets.at(0).get(), SOL_SOCKET, SO_BINDTODEVICE, device, &length);
    std::printf("device=%s count=%zu\n", device, sockets.size());
    try {
        ifpin::openSocket("nosuch", AF_INET, SOCK_STREAM);
    } catch (const ifpin::Error &error) {
        std::printf("error=%d %s\n", error.code().value(), error.what());
    }
}
)";

// A libifpin call that must fail with errno `error` and a message containing `text`.
inline ::testing::AssertionResult failsWith(int result, int error, const std::string &text)
{
    int got = errno;
    std::string message = ifpin_strerror_last();
    if (result >= 0) {
        ::close(result);
        return ::testing::AssertionFailure() << "succeeded (fd " << result << "), expected errno " << error;
    }
    if (got != error || message.find(text) == std::string::npos)
        return ::testing::AssertionFailure() << "errno " << got << " (" << strerrorname_np(got) << "), expected "
                                             << error << " (" << strerrorname_np(error) << "); message '" << message
                                             << "', expected it to contain '" << text << "'";
    return ::testing::AssertionSuccess();
}

class ScopedEnv {
public:
    ScopedEnv(const char *name, const std::string &value) : name_(name)
    {
        if (const char *old = getenv(name))
            old_ = old;
        setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
    const char *name_;
    std::optional<std::string> old_;
};

inline sockaddr_un unixAddress(const std::string &path)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    return address;
}

// A socket file nobody listens on, as a daemon killed outright leaves behind.
inline std::string makeStaleSocket(const std::string &path)
{
    ifpin::Socket fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un address = unixAddress(path);
    if (bind(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        throw std::system_error(errno, std::generic_category(), "bind " + path);
    return path;
}

inline std::string boundDevice(int fd)
{
    char device[IF_NAMESIZE + 1] = "";
    socklen_t length = sizeof device;
    if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &length) != 0)
        return std::string("(getsockopt: ") + strerror(errno) + ")";
    return device;
}

// GET / on port 80 of address over socket; the body, or what went wrong.
inline std::string httpGet(ifpin::Socket socket, const std::string &address)
{
    if (!socket)
        return "(no socket: " + std::string(ifpin_strerror_last()) + ")";
    sockaddr_storage peer{};
    socklen_t length;
    auto *v4 = reinterpret_cast<sockaddr_in *>(&peer);
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&peer);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(80);
        length = sizeof *v4;
    } else {
        inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(80);
        length = sizeof *v6;
    }
    timeval timeout{5, 0};
    setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(socket.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(socket.get(), reinterpret_cast<sockaddr *>(&peer), length) != 0)
        return std::string("(connect: ") + strerror(errno) + ")";
    const std::string request = "GET / HTTP/1.0\r\n\r\n";
    if (write(socket.get(), request.data(), request.size()) != static_cast<ssize_t>(request.size()))
        return std::string("(write: ") + strerror(errno) + ")";
    std::string response;
    char buffer[1024];
    ssize_t n;
    while ((n = read(socket.get(), buffer, sizeof buffer)) > 0)
        response.append(buffer, static_cast<size_t>(n));
    auto body = response.find("\r\n\r\n");
    return body == std::string::npos ? "(no HTTP body in '" + response + "')" : response.substr(body + 4);
}

inline size_t openFdCount(pid_t pid)
{
    size_t count = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
        ++count;
    return count;
}

inline std::string describeFds(pid_t pid, size_t baseline)
{
    const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    std::string out = std::to_string(openFdCount(pid)) + " descriptors open, " + std::to_string(baseline) +
                      " before:";
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(dir, error))
        out += " " + entry.path().filename().string() + "->" + std::filesystem::read_symlink(entry.path(), error).string();
    return out;
}

inline std::string processName(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
}

inline std::vector<uint8_t> requestBytes(const std::string &role, int family, int type, unsigned count)
{
    ifpin_request request{};
    request.type = IFPIN_REQUEST_OPEN_SOCKETS;
    request.family = static_cast<uint16_t>(family);
    request.sock_type = type;
    request.count = static_cast<uint16_t>(count);
    std::snprintf(request.role, sizeof request.role, "%s", role.c_str());
    std::vector<uint8_t> bytes(IFPIN_REQUEST_MAX);
    bytes.resize(ifpin_encode_request(&request, bytes.data(), bytes.size()));
    return bytes;
}

inline void setVersion(std::vector<uint8_t> &bytes, uint16_t version)
{
    std::memcpy(bytes.data() + 4, &version, sizeof version);
}

struct RawReply {
    int status = -1; // -1: undecodable
    std::string message;
    std::vector<ifpin::Socket> fds;
};

// One SEQPACKET connection to the broker that sends whatever bytes it is given.
class RawClient {
public:
    explicit RawClient(const std::string &path) : fd_(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0))
    {
        sockaddr_un address = unixAddress(path);
        if (!fd_ || connect(fd_.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
            error_ = errno;
            fd_.reset();
        }
    }

    bool connected() const { return static_cast<bool>(fd_); }
    int error() const { return error_; }
    void close() { fd_.reset(); }

    // Sends bytes as one message, with `fds` descriptors (of /dev/null) attached.
    bool send(const std::vector<uint8_t> &bytes, size_t fds = 0, int flags = 0)
    {
        std::vector<ifpin::Socket> attached;
        for (size_t i = 0; i < fds; ++i)
            attached.emplace_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
        iovec iov{const_cast<uint8_t *>(bytes.data()), bytes.size()};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        if (fds > 0) {
            message.msg_control = control;
            message.msg_controllen = CMSG_SPACE(sizeof(int) * fds);
            cmsghdr *header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int) * fds);
            for (size_t i = 0; i < fds; ++i) {
                int fd = attached[i].get();
                std::memcpy(CMSG_DATA(header) + i * sizeof(int), &fd, sizeof fd);
            }
        }
        return sendmsg(fd_.get(), &message, flags | MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }

    // The next reply, or nothing when the connection closed or none came within timeout.
    std::optional<RawReply> receive(std::chrono::milliseconds timeout)
    {
        pollfd ready{fd_.get(), POLLIN, 0};
        if (poll(&ready, 1, static_cast<int>(timeout.count())) <= 0)
            return std::nullopt;
        uint8_t buffer[IFPIN_REPLY_MAX + 1];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * IFPIN_MAX_SOCKETS_PER_REQUEST)];
        iovec iov{buffer, sizeof buffer};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        ssize_t length = recvmsg(fd_.get(), &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (length < 0 && errno == ECONNRESET) // closed with our request unread: the reply follows
            length = recvmsg(fd_.get(), &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (length <= 0)
            return std::nullopt;
        RawReply reply;
        for (cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
                continue;
            for (size_t i = 0; i < (header->cmsg_len - CMSG_LEN(0)) / sizeof(int); ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
                reply.fds.emplace_back(fd);
            }
        }
        ifpin_reply decoded{};
        if (ifpin_decode_reply(buffer, static_cast<size_t>(length), &decoded) == IFPIN_STATUS_OK) {
            reply.status = decoded.status;
            reply.message = decoded.message;
        }
        return reply;
    }

    // True when the peer closes the connection within timeout (messages before that are read).
    bool closedByPeer(std::chrono::milliseconds timeout)
    {
        pollfd ready{fd_.get(), POLLIN, 0};
        if (poll(&ready, 1, static_cast<int>(timeout.count())) <= 0)
            return false;
        char byte;
        ssize_t n = recv(fd_.get(), &byte, 1, MSG_DONTWAIT);
        // ECONNRESET: closed with a message of ours unread, which is closed too.
        return n == 0 || (n < 0 && errno == ECONNRESET) || (n > 0 && closedByPeer(timeout));
    }

private:
    ifpin::Socket fd_;
    int error_ = 0;
};

} // namespace ifpin::lab::broker_test
