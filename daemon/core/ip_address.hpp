// An IPv4 or IPv6 address held by value, as the kernel encodes it on the wire.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace ifpin {

// The two address families ifpin manages, with the kernel's AF_* values.
enum class Family : uint8_t { inet = AF_INET, inet6 = AF_INET6 };

inline constexpr std::array<Family, 2> allFamilies{Family::inet, Family::inet6};

// "inet" / "inet6", as ip(8) names them.
std::string_view familyName(Family family);
std::optional<Family> familyFromName(std::string_view name);
std::optional<Family> familyFromAf(int af);
size_t addressLength(Family family);

class IpAddress {
public:
    // Parses either family (text form as inet_pton accepts it).
    static std::optional<IpAddress> parse(std::string_view text);
    // Parses only the given family.
    static std::optional<IpAddress> parse(Family family, std::string_view text);
    // Builds from raw network-order bytes; nullopt when the length does not fit the family.
    static std::optional<IpAddress> fromBytes(Family family, std::span<const uint8_t> bytes);

    Family family() const { return family_; }
    std::span<const uint8_t> bytes() const { return {bytes_.data(), addressLength(family_)}; }
    std::string toString() const;

    bool isUnspecified() const;
    bool isMulticast() const;
    bool isLinkLocal() const;
    // ::ffff:0:0/96, an IPv4 address written as IPv6 (::ffff:198.51.100.1).
    bool isV4Mapped() const;
    // ::a.b.c.d with a.b.c.d outside 0.0.0.0/8, the deprecated "IPv4-compatible" form (::127.0.0.1).
    bool isV4Compatible() const;
    // Never a usable gateway: 255.255.255.255 or an IPv4 address in 0.0.0.0/8 or 127.0.0.0/8; for
    // IPv6 ::, ::1, multicast, and IPv4-mapped or IPv4-compatible addresses (the kernel takes the
    // route, then the write fails or the gateway is never reachable on a link).
    bool isReservedForGateway() const;

    friend auto operator<=>(const IpAddress &, const IpAddress &) = default;

private:
    IpAddress(Family family) : family_(family) {}

    Family family_;
    std::array<uint8_t, 16> bytes_{};
};

} // namespace ifpin
