// The broker wire protocol (protocol/protocol.h): encode/decode round trips, every malformed input the
// decoders must refuse, and the status -> errno mapping libifpin reports.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <sys/socket.h>

#include <gtest/gtest.h>

#include "protocol.h"

namespace {

// Offsets of the wire layout (protocol.c): the tests corrupt single fields.
constexpr size_t versionOffset = 4;
constexpr size_t roleLengthOffset = 20;
constexpr size_t requestFixed = 21;
constexpr size_t messageLengthOffset = 10;
constexpr size_t replyFixed = 16;

ifpin_request makeRequest(const std::string &role = "mgmt")
{
    ifpin_request request{};
    request.type = IFPIN_REQUEST_OPEN_SOCKETS;
    request.family = AF_INET6;
    request.sock_type = SOCK_DGRAM;
    request.protocol = 17;
    request.count = 64;
    std::snprintf(request.role, sizeof request.role, "%s", role.c_str());
    return request;
}

std::vector<uint8_t> encode(const ifpin_request &request)
{
    std::vector<uint8_t> buffer(IFPIN_REQUEST_MAX);
    size_t length = ifpin_encode_request(&request, buffer.data(), buffer.size());
    buffer.resize(length);
    return buffer;
}

ifpin_reply makeReply(uint16_t status, const std::string &message, uint16_t count = 0, int32_t error = 0)
{
    ifpin_reply reply{};
    reply.status = status;
    reply.count = count;
    reply.error = error;
    std::snprintf(reply.message, sizeof reply.message, "%s", message.c_str());
    return reply;
}

std::vector<uint8_t> encode(const ifpin_reply &reply)
{
    std::vector<uint8_t> buffer(IFPIN_REPLY_MAX);
    size_t length = ifpin_encode_reply(&reply, buffer.data(), buffer.size());
    buffer.resize(length);
    return buffer;
}

int decodeRequest(const std::vector<uint8_t> &bytes)
{
    ifpin_request out{};
    return ifpin_decode_request(bytes.data(), bytes.size(), &out);
}

int decodeReply(const std::vector<uint8_t> &bytes)
{
    ifpin_reply out{};
    return ifpin_decode_reply(bytes.data(), bytes.size(), &out);
}

void put16(std::vector<uint8_t> &bytes, size_t at, uint16_t value)
{
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

// ---- requests ----------------------------------------------------------------------------------

TEST(Protocol, RequestRoundTrip)
{
    const ifpin_request request = makeRequest("media");
    auto bytes = encode(request);
    ASSERT_EQ(bytes.size(), requestFixed + 5);

    ifpin_request decoded{};
    ASSERT_EQ(ifpin_decode_request(bytes.data(), bytes.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.type, request.type);
    EXPECT_EQ(decoded.family, request.family);
    EXPECT_EQ(decoded.sock_type, request.sock_type);
    EXPECT_EQ(decoded.protocol, request.protocol);
    EXPECT_EQ(decoded.count, request.count);
    EXPECT_STREQ(decoded.role, "media");
}

TEST(Protocol, PinRequestRoundTripsWithTheSameLayout)
{
    ifpin_request request{};
    request.type = IFPIN_REQUEST_PIN_PROCESS;
    std::snprintf(request.role, sizeof request.role, "mgmt");
    auto bytes = encode(request);
    ASSERT_EQ(bytes.size(), requestFixed + 4);

    ifpin_request decoded{};
    ASSERT_EQ(ifpin_decode_request(bytes.data(), bytes.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.type, IFPIN_REQUEST_PIN_PROCESS);
    EXPECT_EQ(decoded.family, 0);
    EXPECT_EQ(decoded.sock_type, 0);
    EXPECT_EQ(decoded.protocol, 0);
    EXPECT_EQ(decoded.count, 0);
    EXPECT_STREQ(decoded.role, "mgmt");
}

TEST(Protocol, RequestWithLongestRoleRoundTripsAndFitsTheLimit)
{
    const std::string role(IFPIN_ROLE_NAME_MAX, 'r');
    auto bytes = encode(makeRequest(role));
    ASSERT_EQ(bytes.size(), requestFixed + IFPIN_ROLE_NAME_MAX);
    EXPECT_LE(bytes.size(), size_t{IFPIN_REQUEST_MAX});
    ifpin_request decoded{};
    ASSERT_EQ(ifpin_decode_request(bytes.data(), bytes.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.role, role);
}

TEST(Protocol, RequestNegativeFieldsSurvive)
{
    ifpin_request request = makeRequest();
    request.sock_type = -1;
    request.protocol = -7;
    auto bytes = encode(request);
    ifpin_request decoded{};
    ASSERT_EQ(ifpin_decode_request(bytes.data(), bytes.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.sock_type, -1);
    EXPECT_EQ(decoded.protocol, -7);
}

TEST(Protocol, RequestEncoderRefusesEmptyRoleAndSmallBuffer)
{
    ifpin_request empty = makeRequest("");
    uint8_t buffer[IFPIN_REQUEST_MAX];
    EXPECT_EQ(ifpin_encode_request(&empty, buffer, sizeof buffer), 0u);

    ifpin_request request = makeRequest("mgmt");
    EXPECT_EQ(ifpin_encode_request(&request, buffer, requestFixed + 3), 0u);
    EXPECT_EQ(ifpin_encode_request(&request, buffer, requestFixed + 4), requestFixed + 4);
}

TEST(Protocol, RequestEncoderRefusesRoleWithoutTerminatorWithinLimit)
{
    ifpin_request request = makeRequest();
    std::memset(request.role, 'x', sizeof request.role); // 33 bytes, no NUL
    uint8_t buffer[IFPIN_REQUEST_MAX];
    EXPECT_EQ(ifpin_encode_request(&request, buffer, sizeof buffer), 0u);
}

TEST(Protocol, ShortRequestsAreBadRequests)
{
    auto bytes = encode(makeRequest());
    for (size_t length = 0; length < bytes.size(); ++length) {
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(length));
        EXPECT_EQ(decodeRequest(prefix), IFPIN_STATUS_BAD_REQUEST) << "length " << length;
    }
}

TEST(Protocol, WrongMagicIsBadRequest)
{
    auto bytes = encode(makeRequest());
    bytes[0] ^= 0xff;
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
    std::vector<uint8_t> garbage(40, 0xa5);
    EXPECT_EQ(decodeRequest(garbage), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, WrongVersionIsUnsupportedVersion)
{
    for (uint16_t version : {uint16_t{0}, uint16_t{2}, uint16_t{0xffff}}) {
        auto bytes = encode(makeRequest());
        put16(bytes, versionOffset, version);
        EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_UNSUPPORTED_VERSION) << "version " << version;
    }
}

TEST(Protocol, WrongVersionIsRecognisedEvenWhenTheRestIsShort)
{
    // A later version may have another layout: magic and version alone decide.
    auto bytes = encode(makeRequest());
    put16(bytes, versionOffset, 2);
    bytes.resize(6);
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_UNSUPPORTED_VERSION);
}

TEST(Protocol, RoleLengthZeroIsBadRequest)
{
    auto bytes = encode(makeRequest("m"));
    bytes[roleLengthOffset] = 0;
    bytes.resize(requestFixed);
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, RoleLengthOverLimitIsBadRequest)
{
    auto bytes = encode(makeRequest(std::string(IFPIN_ROLE_NAME_MAX, 'r')));
    bytes[roleLengthOffset] = IFPIN_ROLE_NAME_MAX + 1;
    bytes.push_back('r'); // consistent length, but 33 bytes of role
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, RoleLengthMismatchIsBadRequest)
{
    auto bytes = encode(makeRequest("mgmt"));
    bytes[roleLengthOffset] = 5; // claims one more byte than there is
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
    bytes[roleLengthOffset] = 3; // claims one less: a trailing byte
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, TrailingBytesAreBadRequest)
{
    auto bytes = encode(makeRequest());
    bytes.push_back(0);
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, NulInRoleIsBadRequest)
{
    auto bytes = encode(makeRequest("mgmt"));
    bytes[requestFixed + 2] = '\0';
    EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, DecodedRoleIsTerminatedEvenOverAFilledStruct)
{
    auto bytes = encode(makeRequest("ab"));
    ifpin_request decoded;
    std::memset(&decoded, 0x7f, sizeof decoded);
    ASSERT_EQ(ifpin_decode_request(bytes.data(), bytes.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_STREQ(decoded.role, "ab");
}

TEST(Protocol, EveryLengthOfGarbageIsRefusedWithoutReadingPastIt)
{
    // Under ASan/valgrind this also shows that no decoder reads beyond `length`.
    for (size_t length = 0; length <= IFPIN_REPLY_MAX + 8; ++length) {
        std::vector<uint8_t> bytes(length, 0x41);
        EXPECT_EQ(decodeRequest(bytes), IFPIN_STATUS_BAD_REQUEST);
        EXPECT_EQ(decodeReply(bytes), IFPIN_STATUS_BAD_REQUEST);
    }
}

// ---- replies -----------------------------------------------------------------------------------

TEST(Protocol, ReplyRoundTrip)
{
    const ifpin_reply reply = makeReply(IFPIN_STATUS_ACCESS_DENIED,
                                        "uid 1234 may not use role mgmt (allowed: users root; groups 4242)", 0, 0);
    auto bytes = encode(reply);
    ifpin_reply decoded{};
    ASSERT_EQ(ifpin_decode_reply(bytes.data(), bytes.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.status, IFPIN_STATUS_ACCESS_DENIED);
    EXPECT_EQ(decoded.count, 0);
    EXPECT_EQ(decoded.error, 0);
    EXPECT_STREQ(decoded.message, reply.message);
}

TEST(Protocol, ReplyWithSocketsAndErrorRoundTrips)
{
    auto ok = encode(makeReply(IFPIN_STATUS_OK, "", 64));
    EXPECT_EQ(ok.size(), replyFixed);
    ifpin_reply decoded{};
    ASSERT_EQ(ifpin_decode_reply(ok.data(), ok.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.count, 64);
    EXPECT_STREQ(decoded.message, "");

    auto failed = encode(makeReply(IFPIN_STATUS_SOCKET_FAILED, "socket: Too many open files", 0, EMFILE));
    ASSERT_EQ(ifpin_decode_reply(failed.data(), failed.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.error, EMFILE);
}

TEST(Protocol, LongestReplyMessageRoundTripsAndFitsTheLimit)
{
    const std::string message(IFPIN_MESSAGE_MAX, 'm');
    auto bytes = encode(makeReply(IFPIN_STATUS_NO_DEVICE, message));
    ASSERT_EQ(bytes.size(), size_t{IFPIN_REPLY_MAX});
    ifpin_reply decoded{};
    ASSERT_EQ(ifpin_decode_reply(bytes.data(), bytes.size(), &decoded), IFPIN_STATUS_OK);
    EXPECT_EQ(decoded.message, message);
}

TEST(Protocol, ReplyEncoderRefusesUnterminatedMessageAndSmallBuffer)
{
    ifpin_reply reply = makeReply(IFPIN_STATUS_OK, "");
    std::memset(reply.message, 'm', sizeof reply.message); // 201 bytes, no NUL
    uint8_t buffer[IFPIN_REPLY_MAX + 8];
    EXPECT_EQ(ifpin_encode_reply(&reply, buffer, sizeof buffer), 0u);

    reply = makeReply(IFPIN_STATUS_OK, "hello");
    EXPECT_EQ(ifpin_encode_reply(&reply, buffer, replyFixed + 4), 0u);
    EXPECT_EQ(ifpin_encode_reply(&reply, buffer, replyFixed + 5), replyFixed + 5);
}

TEST(Protocol, OversizedReplyMessageIsBadRequest)
{
    auto bytes = encode(makeReply(IFPIN_STATUS_NO_DEVICE, std::string(IFPIN_MESSAGE_MAX, 'm')));
    put16(bytes, messageLengthOffset, IFPIN_MESSAGE_MAX + 1);
    bytes.push_back('m'); // consistent length, but 201 bytes of text
    EXPECT_EQ(decodeReply(bytes), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, MalformedRepliesAreRefused)
{
    const auto good = encode(makeReply(IFPIN_STATUS_UNKNOWN_ROLE, "unknown role 'foo'"));
    for (size_t length = 0; length < good.size(); ++length) {
        std::vector<uint8_t> prefix(good.begin(), good.begin() + static_cast<long>(length));
        EXPECT_EQ(decodeReply(prefix), IFPIN_STATUS_BAD_REQUEST) << "length " << length;
    }
    auto trailing = good;
    trailing.push_back('x');
    EXPECT_EQ(decodeReply(trailing), IFPIN_STATUS_BAD_REQUEST);

    auto magic = good;
    magic[3] ^= 0x01;
    EXPECT_EQ(decodeReply(magic), IFPIN_STATUS_BAD_REQUEST);

    auto version = good;
    put16(version, versionOffset, IFPIN_PROTOCOL_VERSION + 1);
    EXPECT_EQ(decodeReply(version), IFPIN_STATUS_UNSUPPORTED_VERSION);
}

TEST(Protocol, ReplyMessageMayNotContainMoreThanItsLengthSays)
{
    auto bytes = encode(makeReply(IFPIN_STATUS_UNKNOWN_ROLE, "unknown role 'foo'"));
    put16(bytes, messageLengthOffset, 3);
    EXPECT_EQ(decodeReply(bytes), IFPIN_STATUS_BAD_REQUEST);
}

TEST(Protocol, RequestIsNotAReply)
{
    // Same magic and version: only the lengths tell them apart, and they must.
    auto request = encode(makeRequest("mgmt"));
    EXPECT_EQ(decodeReply(request), IFPIN_STATUS_BAD_REQUEST);
}

// ---- status -> errno ---------------------------------------------------------------------------

TEST(Protocol, StatusMapsToErrno)
{
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_OK, 0), 0);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_BAD_REQUEST, 0), EPROTO);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_UNSUPPORTED_VERSION, 0), EPROTONOSUPPORT);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_UNKNOWN_ROLE, 0), ENOENT);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_ACCESS_DENIED, 0), EACCES);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_NO_DEVICE, 0), ENODEV);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_INVALID_ARGUMENT, 0), EINVAL);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_BUSY, 0), EAGAIN);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_PIN_UNAVAILABLE, 0), EOPNOTSUPP);
}

TEST(Protocol, SocketFailedCarriesTheDaemonsErrno)
{
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_SOCKET_FAILED, EMFILE), EMFILE);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_SOCKET_FAILED, 0), EIO);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_SOCKET_FAILED, -3), EIO);
}

TEST(Protocol, PinFailedCarriesTheDaemonsErrno)
{
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_PIN_FAILED, ESRCH), ESRCH);
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_PIN_FAILED, 0), EIO);
}

TEST(Protocol, UnknownStatusIsAProtocolError)
{
    // The first number past the last status this protocol knows.
    EXPECT_EQ(ifpin_status_errno(IFPIN_STATUS_PIN_FAILED + 1, 0), EPROTO);
    EXPECT_EQ(ifpin_status_errno(0xffff, 0), EPROTO);
    EXPECT_EQ(ifpin_status_errno(-1, 0), EPROTO);
}

TEST(Protocol, StatusNames)
{
    EXPECT_STREQ(ifpin_status_name(IFPIN_STATUS_OK), "ok");
    EXPECT_STREQ(ifpin_status_name(IFPIN_STATUS_ACCESS_DENIED), "access-denied");
    EXPECT_STREQ(ifpin_status_name(IFPIN_STATUS_BUSY), "busy");
    EXPECT_STREQ(ifpin_status_name(IFPIN_STATUS_PIN_UNAVAILABLE), "pin-unavailable");
    EXPECT_STREQ(ifpin_status_name(IFPIN_STATUS_PIN_FAILED), "pin-failed");
    EXPECT_STREQ(ifpin_status_name(IFPIN_STATUS_PIN_FAILED + 1), "unknown");
    EXPECT_STREQ(ifpin_status_name(-1), "unknown");
}

} // namespace
