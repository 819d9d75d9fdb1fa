/* Wire layout (host byte order):
 *   request: magic u32 | version u16 | type u16 | family u16 | count u16 | sock_type i32 |
 *            protocol i32 | role_length u8 | role bytes (no terminator)
 *   reply:   magic u32 | version u16 | status u16 | count u16 | message_length u16 | error i32 |
 *            message bytes (no terminator)
 * Every field is read with memcpy from its fixed offset, so unaligned or hostile buffers are safe. */
#include "protocol.h"

#include <errno.h>
#include <string.h>

enum { request_fixed = 21, reply_fixed = 16 };

static void put16(uint8_t *at, uint16_t value) { memcpy(at, &value, sizeof value); }
static void put32(uint8_t *at, uint32_t value) { memcpy(at, &value, sizeof value); }
static uint16_t get16(const uint8_t *at) { uint16_t value; memcpy(&value, at, sizeof value); return value; }
static uint32_t get32(const uint8_t *at) { uint32_t value; memcpy(&value, at, sizeof value); return value; }

static int check_magic_and_version(const uint8_t *buffer, size_t length, size_t fixed)
{
    if (length < 6 || get32(buffer) != IFPIN_PROTOCOL_MAGIC)
        return IFPIN_STATUS_BAD_REQUEST;
    if (get16(buffer + 4) != IFPIN_PROTOCOL_VERSION)
        return IFPIN_STATUS_UNSUPPORTED_VERSION;
    return length < fixed ? IFPIN_STATUS_BAD_REQUEST : IFPIN_STATUS_OK;
}

size_t ifpin_encode_request(const struct ifpin_request *request, uint8_t *buffer, size_t size)
{
    size_t role_length = strnlen(request->role, sizeof request->role);
    if (role_length == 0 || role_length > IFPIN_ROLE_NAME_MAX || size < request_fixed + role_length)
        return 0;
    put32(buffer, IFPIN_PROTOCOL_MAGIC);
    put16(buffer + 4, IFPIN_PROTOCOL_VERSION);
    put16(buffer + 6, request->type);
    put16(buffer + 8, request->family);
    put16(buffer + 10, request->count);
    put32(buffer + 12, (uint32_t)request->sock_type);
    put32(buffer + 16, (uint32_t)request->protocol);
    buffer[20] = (uint8_t)role_length;
    memcpy(buffer + request_fixed, request->role, role_length);
    return request_fixed + role_length;
}

int ifpin_decode_request(const uint8_t *buffer, size_t length, struct ifpin_request *request)
{
    int status = check_magic_and_version(buffer, length, request_fixed);
    if (status != IFPIN_STATUS_OK)
        return status;
    size_t role_length = buffer[20];
    /* The length must be exact: trailing bytes are as suspect as missing ones. */
    if (role_length == 0 || role_length > IFPIN_ROLE_NAME_MAX || length != request_fixed + role_length)
        return IFPIN_STATUS_BAD_REQUEST;
    if (memchr(buffer + request_fixed, '\0', role_length))
        return IFPIN_STATUS_BAD_REQUEST;
    memset(request, 0, sizeof *request);
    request->type = get16(buffer + 6);
    request->family = get16(buffer + 8);
    request->count = get16(buffer + 10);
    request->sock_type = (int32_t)get32(buffer + 12);
    request->protocol = (int32_t)get32(buffer + 16);
    memcpy(request->role, buffer + request_fixed, role_length);
    return IFPIN_STATUS_OK;
}

size_t ifpin_encode_reply(const struct ifpin_reply *reply, uint8_t *buffer, size_t size)
{
    size_t message_length = strnlen(reply->message, sizeof reply->message);
    if (message_length > IFPIN_MESSAGE_MAX || size < reply_fixed + message_length)
        return 0;
    put32(buffer, IFPIN_PROTOCOL_MAGIC);
    put16(buffer + 4, IFPIN_PROTOCOL_VERSION);
    put16(buffer + 6, reply->status);
    put16(buffer + 8, reply->count);
    put16(buffer + 10, (uint16_t)message_length);
    put32(buffer + 12, (uint32_t)reply->error);
    memcpy(buffer + reply_fixed, reply->message, message_length);
    return reply_fixed + message_length;
}

int ifpin_decode_reply(const uint8_t *buffer, size_t length, struct ifpin_reply *reply)
{
    int status = check_magic_and_version(buffer, length, reply_fixed);
    if (status != IFPIN_STATUS_OK)
        return status;
    size_t message_length = get16(buffer + 10);
    if (message_length > IFPIN_MESSAGE_MAX || length != reply_fixed + message_length)
        return IFPIN_STATUS_BAD_REQUEST;
    memset(reply, 0, sizeof *reply);
    reply->status = get16(buffer + 6);
    reply->count = get16(buffer + 8);
    reply->error = (int32_t)get32(buffer + 12);
    memcpy(reply->message, buffer + reply_fixed, message_length);
    return IFPIN_STATUS_OK;
}

int ifpin_status_errno(int status, int error)
{
    switch (status) {
    case IFPIN_STATUS_OK: return 0;
    case IFPIN_STATUS_BAD_REQUEST: return EPROTO;
    case IFPIN_STATUS_UNSUPPORTED_VERSION: return EPROTONOSUPPORT;
    case IFPIN_STATUS_UNKNOWN_ROLE: return ENOENT;
    case IFPIN_STATUS_ACCESS_DENIED: return EACCES;
    case IFPIN_STATUS_NO_DEVICE: return ENODEV;
    case IFPIN_STATUS_INVALID_ARGUMENT: return EINVAL;
    case IFPIN_STATUS_SOCKET_FAILED: return error > 0 ? error : EIO;
    case IFPIN_STATUS_BUSY: return EAGAIN;
    case IFPIN_STATUS_PIN_UNAVAILABLE: return EOPNOTSUPP;
    case IFPIN_STATUS_PIN_FAILED: return error > 0 ? error : EIO;
    default: return EPROTO;
    }
}

const char *ifpin_status_name(int status)
{
    static const char *const names[] = {"ok", "bad-request", "unsupported-version", "unknown-role",
                                        "access-denied", "no-device", "invalid-argument", "socket-failed",
                                        "busy", "pin-unavailable", "pin-failed"};
    if (status < 0 || (size_t)status >= sizeof names / sizeof names[0])
        return "unknown";
    return names[status];
}
