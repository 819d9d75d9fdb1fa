#include "kernel/neighbour_messages.hpp"

#include <array>
#include <utility>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

namespace ifpin {

std::optional<NeighbourMessage> decodeNeighbourMessage(const nlmsghdr *header)
{
    if (header->nlmsg_type != RTM_NEWNEIGH && header->nlmsg_type != RTM_DELNEIGH)
        return std::nullopt;
    if (header->nlmsg_len < NLMSG_LENGTH(sizeof(ndmsg)))
        return std::nullopt;
    auto ndm = static_cast<const ndmsg *>(NLMSG_DATA(header));
    auto family = familyFromAf(ndm->ndm_family);
    if (!family || (ndm->ndm_flags & NTF_PROXY))
        return std::nullopt;
    // The attributes must fill the message exactly: a truncated one is not trusted.
    int remaining = nlmsg_attrlen(header, sizeof(ndmsg));
    const nlattr *attribute = nlmsg_attrdata(header, sizeof(ndmsg));
    std::optional<IpAddress> destination;
    for (; nla_ok(attribute, remaining); attribute = nla_next(attribute, &remaining)) {
        if (nla_type(attribute) == NDA_DST) {
            auto data = static_cast<const uint8_t *>(nla_data(attribute));
            destination = IpAddress::fromBytes(*family, {data, static_cast<size_t>(nla_len(attribute))});
            if (!destination)
                return std::nullopt;
        }
    }
    if (remaining != 0 || !destination)
        return std::nullopt;
    return NeighbourMessage{header->nlmsg_type == RTM_DELNEIGH, ndm->ndm_ifindex, *destination, ndm->ndm_state};
}

std::string neighbourStateName(uint16_t state)
{
    static constexpr std::array<std::pair<uint16_t, const char *>, 8> names{{
        {NUD_INCOMPLETE, "INCOMPLETE"},
        {NUD_REACHABLE, "REACHABLE"},
        {NUD_STALE, "STALE"},
        {NUD_DELAY, "DELAY"},
        {NUD_PROBE, "PROBE"},
        {NUD_FAILED, "FAILED"},
        {NUD_NOARP, "NOARP"},
        {NUD_PERMANENT, "PERMANENT"},
    }};
    std::string text;
    for (const auto &[bit, name] : names)
        if (state & bit)
            text += (text.empty() ? "" : "|") + std::string(name);
    return text.empty() ? "NONE" : text;
}

NeighbourVerdict neighbourVerdict(uint16_t state)
{
    if (state & (NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP))
        return NeighbourVerdict::answered;
    if (state & (NUD_FAILED | NUD_INCOMPLETE))
        return NeighbourVerdict::silent;
    return NeighbourVerdict::unconfirmed;
}

namespace {

NlMsgPtr neighbourRequest(int type, int flags, uint8_t ndmFlags, int ifindex, const IpAddress &address)
{
    NlMsgPtr msg(nlmsg_alloc_simple(type, flags));
    if (!msg)
        throw std::bad_alloc();
    ndmsg header{};
    header.ndm_family = static_cast<uint8_t>(address.family());
    header.ndm_ifindex = ifindex;
    header.ndm_flags = ndmFlags;
    auto bytes = address.bytes();
    if (nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0 ||
        nla_put(msg.get(), NDA_DST, static_cast<int>(bytes.size()), bytes.data()) < 0)
        throw std::bad_alloc();
    return msg;
}

} // namespace

NlMsgPtr buildNeighbourGetRequest(int ifindex, const IpAddress &address)
{
    return neighbourRequest(RTM_GETNEIGH, 0, 0, ifindex, address);
}

NlMsgPtr buildNeighbourUseRequest(int ifindex, const IpAddress &address)
{
    // No state: with NTF_USE the kernel leaves the entry's state to its own machine, and a state of 0
    // keeps an entry created here subject to garbage collection (PERMANENT would exempt it).
    return neighbourRequest(RTM_NEWNEIGH, NLM_F_CREATE, NTF_USE, ifindex, address);
}

} // namespace ifpin
