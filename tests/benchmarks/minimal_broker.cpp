// The floor of the broker's design, for broker_bench: a process of its own that accepts a fresh
// SEQPACKET connection, reads one request, creates the sockets it asks for with SO_BINDTODEVICE
// and sends them back with SCM_RIGHTS in a protocol reply, and closes. Nothing else: no event
// loop, no credentials, no access check, no limits, no log. libifpin talks to it as to ifpind.
//
// Usage: minimal_broker SOCKET_PATH INTERFACE   (prints "ready" on stdout once listening; runs until
// killed)
#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "protocol.h"

namespace {

void answer(int client, const std::string &interface)
{
    std::array<uint8_t, IFPIN_REQUEST_MAX> request{};
    ssize_t length = recv(client, request.data(), request.size(), 0);
    ifpin_request decoded{};
    if (length <= 0 || ifpin_decode_request(request.data(), size_t(length), &decoded) != IFPIN_STATUS_OK)
        return;
    int count = decoded.count >= 1 && decoded.count <= IFPIN_MAX_SOCKETS_PER_REQUEST ? decoded.count : 1;
    std::array<int, IFPIN_MAX_SOCKETS_PER_REQUEST> fds{};
    for (int i = 0; i < count; ++i) {
        fds[size_t(i)] = socket(decoded.family, decoded.sock_type | SOCK_CLOEXEC, decoded.protocol);
        setsockopt(fds[size_t(i)], SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), socklen_t(interface.size()));
    }
    ifpin_reply reply{};
    reply.status = IFPIN_STATUS_OK;
    reply.count = uint16_t(count);
    std::array<uint8_t, IFPIN_REPLY_MAX> bytes{};
    size_t size = ifpin_encode_reply(&reply, bytes.data(), bytes.size());
    iovec iov{bytes.data(), size};
    alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(int) * IFPIN_MAX_SOCKETS_PER_REQUEST)> control{};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = CMSG_SPACE(sizeof(int) * size_t(count));
    cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * size_t(count));
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * size_t(count));
    sendmsg(client, &message, MSG_NOSIGNAL);
    for (int i = 0; i < count; ++i)
        close(fds[size_t(i)]);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOCKET_PATH INTERFACE\n", argv[0]);
        return 2;
    }
    std::string path = argv[1], interface = argv[2];
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    unlink(path.c_str());
    int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0 ||
        listen(listener, SOMAXCONN) < 0) {
        std::perror("minimal_broker: listen");
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) {
        int client = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        answer(client, interface);
        close(client);
    }
}
