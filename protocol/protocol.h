/* The broker protocol between libifpin and ifpind: one request and one reply per SOCK_SEQPACKET
 * message, host byte order (both ends are on one host). Specified in docs/protocol.md.
 * Pure encode/decode only, in C, so the daemon, the library and the preload shim share one copy. */
#ifndef IFPIN_PROTOCOL_H
#define IFPIN_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IFPIN_PROTOCOL_MAGIC 0x4e504649u /* "IFPN" in memory on little-endian hosts */
#define IFPIN_PROTOCOL_VERSION 1
#define IFPIN_ROLE_NAME_MAX 32          /* as the config allows */
#define IFPIN_MAX_SOCKETS_PER_REQUEST 64
#define IFPIN_MESSAGE_MAX 200           /* reply text, without terminator */
#define IFPIN_REQUEST_MAX 64            /* bytes: a longer request is refused unread */
#define IFPIN_REPLY_MAX (16 + IFPIN_MESSAGE_MAX)
/* Requests ifpind serves on one connection; it answers the next one BUSY and closes. A client that
 * keeps its connection (libifpin's persistent connection) makes a new one before. */
#define IFPIN_REQUESTS_PER_CONNECTION 256

/* Request types. A type is added without a version change: an ifpind that does not know a type
 * answers IFPIN_STATUS_BAD_REQUEST and keeps the connection open. */
enum ifpin_request_type {
    IFPIN_REQUEST_OPEN_SOCKETS = 1,
    /* Place the sender in the role's pinned cgroup (kernel pinning, docs/protocol.md): family,
     * sock_type, protocol and count are 0; the message carries SCM_CREDENTIALS and, in SCM_RIGHTS,
     * exactly one descriptor: pidfd_open(getpid()). The reply's message is the cgroup's path. */
    IFPIN_REQUEST_PIN_PROCESS = 2,
};

/* Reply status codes; each maps to one errno on the client (ifpin_status_errno). */
enum ifpin_status {
    IFPIN_STATUS_OK = 0,
    IFPIN_STATUS_BAD_REQUEST = 1,         /* EPROTO: malformed, truncated or oversized */
    IFPIN_STATUS_UNSUPPORTED_VERSION = 2, /* EPROTONOSUPPORT */
    IFPIN_STATUS_UNKNOWN_ROLE = 3,        /* ENOENT */
    IFPIN_STATUS_ACCESS_DENIED = 4,       /* EACCES */
    IFPIN_STATUS_NO_DEVICE = 5,           /* ENODEV: the role's interface does not exist now */
    IFPIN_STATUS_INVALID_ARGUMENT = 6,    /* EINVAL: family, type or count not allowed */
    IFPIN_STATUS_SOCKET_FAILED = 7,       /* the daemon's socket()/setsockopt failed: errno in reply */
    IFPIN_STATUS_BUSY = 8,                /* EAGAIN: the daemon is out of resources, try again */
    IFPIN_STATUS_PIN_UNAVAILABLE = 9,     /* EOPNOTSUPP: no kernel pinning for the role here */
    IFPIN_STATUS_PIN_FAILED = 10,         /* moving the sender failed or was not verified: errno in reply */
};

/* What a client asks for. */
struct ifpin_request {
    uint16_t type;     /* enum ifpin_request_type */
    uint16_t family;   /* AF_INET or AF_INET6 */
    int32_t sock_type; /* SOCK_STREAM or SOCK_DGRAM, without SOCK_NONBLOCK/SOCK_CLOEXEC */
    int32_t protocol;  /* 0, IPPROTO_TCP or IPPROTO_UDP */
    uint16_t count;    /* 1..IFPIN_MAX_SOCKETS_PER_REQUEST */
    char role[IFPIN_ROLE_NAME_MAX + 1];
};

/* What the daemon answers; on IFPIN_STATUS_OK `count` sockets travel in SCM_RIGHTS. */
struct ifpin_reply {
    uint16_t status; /* enum ifpin_status */
    uint16_t count;
    int32_t error;   /* errno for IFPIN_STATUS_SOCKET_FAILED and IFPIN_STATUS_PIN_FAILED, else 0 */
    char message[IFPIN_MESSAGE_MAX + 1];
};

/* Encoders return the number of bytes written, or 0 when the value does not fit or is invalid. */
size_t ifpin_encode_request(const struct ifpin_request *request, uint8_t *buffer, size_t size);
size_t ifpin_encode_reply(const struct ifpin_reply *reply, uint8_t *buffer, size_t size);

/* Decoders return IFPIN_STATUS_OK, IFPIN_STATUS_BAD_REQUEST or IFPIN_STATUS_UNSUPPORTED_VERSION. */
int ifpin_decode_request(const uint8_t *buffer, size_t length, struct ifpin_request *request);
int ifpin_decode_reply(const uint8_t *buffer, size_t length, struct ifpin_reply *reply);

/* The errno a client reports for a status (and the reply's error for SOCKET_FAILED). */
int ifpin_status_errno(int status, int error);
const char *ifpin_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
