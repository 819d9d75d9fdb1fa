#include "broker/client_message.hpp"

#include <array>
#include <cerrno>
#include <cstring>

namespace ifpin {

Received receiveClientMessage(int fd, std::span<uint8_t> buffer, ClientMessage &out)
{
    // Room for the credentials and for a client that sends more descriptors than the one a pin
    // request may carry: they are received only to be closed.
    alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 16)> control{};
    iovec iov{buffer.data(), buffer.size()};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    ssize_t length = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (length < 0 && (errno == EAGAIN || errno == EINTR))
        return Received::wouldBlock;
    if (length <= 0)
        return Received::closed;

    out = ClientMessage{};
    out.length = static_cast<size_t>(length);
    out.truncated = message.msg_flags & MSG_TRUNC;
    out.controlTruncated = message.msg_flags & MSG_CTRUNC;
    for (cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET)
            continue;
        if (header->cmsg_type == SCM_RIGHTS) {
            size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int received;
                std::memcpy(&received, CMSG_DATA(header) + i * sizeof(int), sizeof received);
                out.descriptors.emplace_back(received);
            }
        } else if (header->cmsg_type == SCM_CREDENTIALS && header->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
            ucred credentials;
            std::memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
            out.credentials = credentials;
        }
    }
    return Received::message;
}

} // namespace ifpin
