#include "core/ip_address.hpp"

#include <algorithm>

#include <arpa/inet.h>

namespace ifpin {

std::string_view familyName(Family family)
{
    return family == Family::inet ? "inet" : "inet6";
}

std::optional<Family> familyFromName(std::string_view name)
{
    if (name == "inet" || name == "ipv4" || name == "4")
        return Family::inet;
    if (name == "inet6" || name == "ipv6" || name == "6")
        return Family::inet6;
    return std::nullopt;
}

std::optional<Family> familyFromAf(int af)
{
    if (af == AF_INET)
        return Family::inet;
    if (af == AF_INET6)
        return Family::inet6;
    return std::nullopt;
}

size_t addressLength(Family family)
{
    return family == Family::inet ? 4 : 16;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text)
{
    if (auto v4 = parse(Family::inet, text))
        return v4;
    return parse(Family::inet6, text);
}

std::optional<IpAddress> IpAddress::parse(Family family, std::string_view text)
{
    // inet_pton needs a terminated string; addresses are short, so a bounded copy will do. A NUL
    // inside would end the copy early: "192.0.2.1\0junk" is not an address.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos)
        return std::nullopt;
    char buffer[INET6_ADDRSTRLEN] = {};
    std::copy(text.begin(), text.end(), buffer);
    IpAddress address(family);
    if (inet_pton(static_cast<int>(family), buffer, address.bytes_.data()) != 1)
        return std::nullopt;
    return address;
}

std::optional<IpAddress> IpAddress::fromBytes(Family family, std::span<const uint8_t> bytes)
{
    if (bytes.size() != addressLength(family))
        return std::nullopt;
    IpAddress address(family);
    std::copy(bytes.begin(), bytes.end(), address.bytes_.begin());
    return address;
}

std::string IpAddress::toString() const
{
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(static_cast<int>(family_), bytes_.data(), buffer, sizeof buffer);
    return buffer;
}

bool IpAddress::isUnspecified() const
{
    auto b = bytes();
    return std::all_of(b.begin(), b.end(), [](uint8_t v) { return v == 0; });
}

bool IpAddress::isMulticast() const
{
    return family_ == Family::inet ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

bool IpAddress::isLinkLocal() const
{
    if (family_ == Family::inet)
        return bytes_[0] == 169 && bytes_[1] == 254;
    return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool IpAddress::isV4Mapped() const
{
    return family_ == Family::inet6 && std::all_of(bytes_.begin(), bytes_.begin() + 10, [](uint8_t v) { return v == 0; }) &&
           bytes_[10] == 0xff && bytes_[11] == 0xff;
}

bool IpAddress::isV4Compatible() const
{
    // ::2 is ::0.0.0.2, no IPv4 address (0.0.0.0/8); ::127.0.0.1 and ::198.51.100.1 are.
    bool zeroPrefix = std::all_of(bytes_.begin(), bytes_.begin() + 12, [](uint8_t v) { return v == 0; });
    return family_ == Family::inet6 && zeroPrefix && bytes_[12] != 0;
}

bool IpAddress::isReservedForGateway() const
{
    if (family_ == Family::inet6)
        return isUnspecified() || isMulticast() || isV4Mapped() || isV4Compatible() ||
               (bytes_[15] == 1 && std::all_of(bytes_.begin(), bytes_.begin() + 15, [](uint8_t v) { return v == 0; }));
    bool broadcast = std::all_of(bytes_.begin(), bytes_.begin() + 4, [](uint8_t v) { return v == 0xff; });
    return bytes_[0] == 0 || bytes_[0] == 127 || broadcast || isMulticast();
}

} // namespace ifpin
