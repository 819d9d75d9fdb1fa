// libFuzzer target: the rtnetlink decoders (daemon/kernel/netlink_messages.cpp, neighbour_messages.cpp) on arbitrary bytes laid
// out as one netlink message. The socket layer hands the decoders only messages whose nlmsg_len
// fits what was received (NLMSG_OK), so this does too: a length that does not fit is replaced by
// the input's size. The copy is exactly that long, so that ASan sees any read past it.
#include "kernel/netlink_messages.hpp"
#include "kernel/neighbour_messages.hpp"

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < NLMSG_HDRLEN || size > 65536)
        return 0;
    std::unique_ptr<uint8_t[]> bytes(new uint8_t[size]); // new[] is suitably aligned for nlmsghdr
    std::memcpy(bytes.get(), data, size);
    auto *header = reinterpret_cast<nlmsghdr *>(bytes.get());
    if (header->nlmsg_len < NLMSG_HDRLEN || header->nlmsg_len > size)
        header->nlmsg_len = static_cast<uint32_t>(size);

    (void)ifpin::isDefaultRouteMessage(header);
    (void)ifpin::decodeRouteMessage(header);
    (void)ifpin::decodeLinkMessage(header);
    (void)ifpin::decodeAddressMessage(header);
    (void)ifpin::decodeRuleMessage(header);
    (void)ifpin::decodeAck(header);
    (void)ifpin::decodeNeighbourMessage(header);
    return 0;
}
