// Builds rtnetlink messages byte by byte, the way the kernel lays them out, for decoder tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

namespace ifpin::test {

class MessageBuilder {
public:
    MessageBuilder(uint16_t type, uint16_t flags = 0) : bytes_(NLMSG_HDRLEN)
    {
        header()->nlmsg_type = type;
        header()->nlmsg_flags = flags;
        finish();
    }

    template <typename Payload>
    MessageBuilder &payload(const Payload &value)
    {
        append(&value, sizeof value);
        return *this;
    }

    MessageBuilder &attribute(uint16_t type, const void *data, size_t length)
    {
        rtattr attr{static_cast<unsigned short>(RTA_LENGTH(length)), type};
        append(&attr, sizeof attr);
        append(data, length);
        return *this;
    }

    MessageBuilder &u32(uint16_t type, uint32_t value) { return attribute(type, &value, sizeof value); }

    const nlmsghdr *get() const { return reinterpret_cast<const nlmsghdr *>(bytes_.data()); }
    std::vector<uint8_t> &bytes() { return bytes_; }

    // Cuts the message short (and its length field with it), as a malformed sender would.
    MessageBuilder &truncateTo(size_t length)
    {
        bytes_.resize(length);
        header()->nlmsg_len = static_cast<uint32_t>(length);
        return *this;
    }

private:
    nlmsghdr *header() { return reinterpret_cast<nlmsghdr *>(bytes_.data()); }
    void append(const void *data, size_t length)
    {
        size_t offset = bytes_.size();
        bytes_.resize(offset + NLMSG_ALIGN(length));
        std::memcpy(bytes_.data() + offset, data, length);
        finish();
    }
    void finish() { header()->nlmsg_len = static_cast<uint32_t>(bytes_.size()); }

    std::vector<uint8_t> bytes_;
};

inline rtmsg defaultRouteHeader(uint8_t family, uint8_t protocol = RTPROT_BOOT, uint8_t table = RT_TABLE_MAIN)
{
    rtmsg rtm{};
    rtm.rtm_family = family;
    rtm.rtm_table = table;
    rtm.rtm_protocol = protocol;
    rtm.rtm_scope = RT_SCOPE_UNIVERSE;
    rtm.rtm_type = RTN_UNICAST;
    return rtm;
}

} // namespace ifpin::test
