/* libifpin: asks ifpind's broker for bound sockets (client/include/ifpin/ifpin.h, docs/client.md).
 *
 * One call is one connection (unless the process keeps one: persistent.c): socket(AF_UNIX,
 * SOCK_SEQPACKET), connect, one request, one reply with the fds in SCM_RIGHTS, close. The peer must be
 * ifpind's uid (SO_PEERCRED: root, or $IFPIN_DAEMON_UID), and everything it sends is checked before an
 * fd is handed out (family, type, protocol, bound to an interface); on any failure every fd that
 * arrived is closed. The state is the thread-local message of the last failure, and persistent.c's
 * kept connection, under its lock.
 *
 * ifpin_pin_process (at the end) asks, on the same kind of connection, to be put in the role's
 * kernel-pinned cgroup instead.
 *
 * Also linked (statically) into the preload shim, whose socket() sees this file's own AF_UNIX
 * socket and passes it through. */
#include <ifpin/ifpin.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "protocol.h"
#include "ifpin_internal.h"

#define DEFAULT_SOCKET_PATH "/run/ifpind/ifpind.sock"
enum { reply_timeout_s = 10 };

static _Thread_local char last_message[IFPIN_MESSAGE_MAX + 160];

/* Records why the call fails and returns -1 with errno set to error. */
__attribute__((format(printf, 2, 3))) int ifpin_fail(int error, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(last_message, sizeof last_message, format, args);
    va_end(args);
    errno = error;
    return -1;
}

const char *ifpin_strerror_last(void)
{
    return last_message;
}

static void close_all(int *fds, size_t count)
{
    for (size_t i = 0; i < count; ++i) {
        close(fds[i]);
        fds[i] = -1;
    }
}

static int check_arguments(const char *role, int domain, int type, unsigned count, const int *fds)
{
    if (!role || !*role)
        return fail(EINVAL, "no role given");
    if (strnlen(role, IFPIN_ROLE_NAME_MAX + 1) > IFPIN_ROLE_NAME_MAX)
        return fail(EINVAL, "role name longer than %d bytes", IFPIN_ROLE_NAME_MAX);
    if (domain != AF_INET && domain != AF_INET6)
        return fail(EINVAL, "family %d is not AF_INET or AF_INET6", domain);
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (base != SOCK_STREAM && base != SOCK_DGRAM)
        return fail(EINVAL, "socket type %d is not SOCK_STREAM or SOCK_DGRAM (with SOCK_NONBLOCK, SOCK_CLOEXEC)",
                    type);
    if (count < 1 || count > IFPIN_SOCKETS_MAX)
        return fail(EINVAL, "%u sockets asked for; one call gives 1 to %d", count, IFPIN_SOCKETS_MAX);
    if (!fds)
        return fail(EINVAL, "no array for the sockets");
    return 0;
}

/* The uid ifpind runs as: root, or $IFPIN_DAEMON_UID (ignored in set-user-ID programs, as
 * $IFPIN_SOCKET is). */
static int expected_daemon_uid(uid_t *uid)
{
    const char *text = secure_getenv("IFPIN_DAEMON_UID");
    *uid = 0;
    if (!text || !*text)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || *end || text[0] == '-' || value >= (unsigned long)(uid_t)-1)
        return fail(EINVAL, "IFPIN_DAEMON_UID=%s is not a uid", text);
    *uid = (uid_t)value;
    return 0;
}

/* Whoever listens on the path could hand out sockets (a squatter on a socket in a directory others
 * may write to): only a peer of the daemon's uid, as the kernel vouches for it, is ifpind. */
static int check_daemon_peer(int fd, const char *path)
{
    uid_t expected;
    if (expected_daemon_uid(&expected) != 0)
        return -1;
    struct ucred peer;
    socklen_t length = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0)
        return fail(errno, "cannot tell who serves %s: %s", path, strerror(errno));
    if (peer.uid != expected)
        return fail(EPERM, "%s is served by uid %u (pid %d), not by ifpind (uid %u): refusing its sockets", path,
                    (unsigned)peer.uid, (int)peer.pid, (unsigned)expected);
    return 0;
}

/* A connected SOCK_SEQPACKET socket to the daemon, with send and receive timeouts. */
int ifpin_connect_to_daemon(void)
{
    const char *path = secure_getenv("IFPIN_SOCKET");
    if (!path || !*path)
        path = DEFAULT_SOCKET_PATH;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path)
        return fail(EINVAL, "daemon socket path %s is longer than %zu bytes", path, sizeof address.sun_path - 1);
    memcpy(address.sun_path, path, strlen(path) + 1);

    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(errno, "cannot make a socket to reach ifpind: %s", strerror(errno));
    /* The send timeout also bounds connect() while the daemon's backlog is full. */
    struct timeval timeout = {.tv_sec = reply_timeout_s};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0) {
        int error = errno;
        close(fd);
        return fail(error, "cannot set timeouts on the socket to ifpind: %s", strerror(error));
    }
    int status;
    while ((status = connect(fd, (const struct sockaddr *)&address, sizeof address)) != 0 && errno == EINTR) {
    }
    if (status != 0) {
        int error = errno == EAGAIN ? ETIMEDOUT : errno;
        close(fd);
        if (error == ENOENT || error == ECONNREFUSED)
            return fail(error, "cannot reach ifpind at %s: %s (is ifpind running?)", path, strerror(error));
        return fail(error, "cannot reach ifpind at %s: %s", path, strerror(error));
    }
    if (check_daemon_peer(fd, path) != 0) {
        int error = errno;
        close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

static int send_request(int fd, const char *role, int domain, int base_type, int protocol, unsigned count)
{
    struct ifpin_request request = {
        .type = IFPIN_REQUEST_OPEN_SOCKETS,
        .family = (uint16_t)domain,
        .sock_type = base_type,
        .protocol = protocol,
        .count = (uint16_t)count,
    };
    memcpy(request.role, role, strlen(role) + 1);
    uint8_t buffer[IFPIN_REQUEST_MAX];
    size_t length = ifpin_encode_request(&request, buffer, sizeof buffer);
    if (length == 0)
        return fail(EINVAL, "cannot encode a request for role '%s'", role);
    ssize_t sent;
    while ((sent = send(fd, buffer, length, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (sent < 0)
        return fail(errno == EAGAIN ? ETIMEDOUT : errno, "cannot send the request to ifpind: %s", strerror(errno));
    if ((size_t)sent != length)
        return fail(EPROTO, "request to ifpind cut short (%zd of %zu bytes)", sent, length);
    return 0;
}

/* The fds of every SCM_RIGHTS message in msg, into fds (room for max); returns how many arrived,
 * which may be more than max: the extra ones are closed at once. */
static size_t take_fds(struct msghdr *msg, int *fds, size_t max)
{
    size_t received = 0;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char *data = CMSG_DATA(cmsg);
        for (size_t i = 0; i < n; ++i, ++received) {
            int fd;
            memcpy(&fd, data + i * sizeof fd, sizeof fd);
            if (received < max)
                fds[received] = fd;
            else
                close(fd);
        }
    }
    return received;
}

/* Receives the reply into reply and its fds into fds; on success exactly count fds arrived.
 * *answered tells whether a well-formed reply arrived (a refusal is one). */
static int receive_reply(int fd, struct ifpin_reply *reply, int *fds, unsigned count, size_t *received,
                         int *answered)
{
    uint8_t buffer[IFPIN_REPLY_MAX + 1]; /* one more, so that an oversized reply shows as MSG_TRUNC */
    union {
        struct cmsghdr align;
        /* Room for more than we asked for, so that extra fds arrive (and get closed) rather than
         * being dropped by the kernel with only MSG_CTRUNC to show for it. */
        char space[CMSG_SPACE(sizeof(int) * IFPIN_MAX_SOCKETS_PER_REQUEST * 2)];
    } control;
    struct iovec iov = {.iov_base = buffer, .iov_len = sizeof buffer};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                         .msg_controllen = sizeof control.space};
    ssize_t length;
    int resets = 0;
    /* A daemon that answers and closes without reading our request (e.g. BUSY when it has too many
     * clients) leaves ECONNRESET pending ahead of its reply: the error is reported (and cleared)
     * first, and the reply is read by the next call. */
    while ((length = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && (errno == EINTR || (errno == ECONNRESET && !resets++))) {
    }
    *received = 0;
    if (length < 0) {
        if (errno == EAGAIN)
            return fail(ETIMEDOUT, "no reply from ifpind within %d s", reply_timeout_s);
        return fail(errno, "cannot read the reply of ifpind: %s", strerror(errno));
    }
    *received = take_fds(&msg, fds, count);
    if (length == 0)
        return fail(ECONNRESET, "ifpind closed the connection without a reply");
    if (msg.msg_flags & MSG_TRUNC)
        return fail(EPROTO, "reply of ifpind longer than %d bytes", IFPIN_REPLY_MAX);
    if (msg.msg_flags & MSG_CTRUNC)
        return fail(EPROTO, "ifpind sent more file descriptors than fit (control data truncated)");
    int status = ifpin_decode_reply(buffer, (size_t)length, reply);
    if (status == IFPIN_STATUS_UNSUPPORTED_VERSION)
        return fail(EPROTONOSUPPORT, "ifpind answered in another protocol version");
    if (status != IFPIN_STATUS_OK)
        return fail(EPROTO, "malformed reply from ifpind (%zd bytes)", length);
    *answered = 1;
    if (reply->status != IFPIN_STATUS_OK) {
        if (reply->message[0])
            return fail(ifpin_status_errno(reply->status, reply->error), "%s", reply->message);
        return fail(ifpin_status_errno(reply->status, reply->error), "ifpind refused: %s",
                    ifpin_status_name(reply->status));
    }
    if (reply->count != count || *received != count)
        return fail(EPROTO, "ifpind sent %zu sockets (reply says %u) for %u asked for", *received,
                    (unsigned)reply->count, count);
    return 0;
}

/* Checks that fd is the kind of socket asked for, bound to an interface (what the broker is for:
 * an unbound socket would follow the routing table), and gives it the flags asked for. Fails closed. */
static int finish_fd(int fd, int domain, int type, int protocol)
{
    int value = 0;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &length) != 0 || value != domain)
        return fail(EPROTO, "ifpind sent a socket of another family (%d, not %d)", value, domain);
    length = sizeof value;
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length) != 0 || value != base)
        return fail(EPROTO, "ifpind sent a socket of another type (%d, not %d)", value, base);
    int wanted_protocol = protocol ? protocol : base == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &value, &length) != 0 || value != wanted_protocol)
        return fail(EPROTO, "ifpind sent a socket of another protocol (%d, not %d)", value, wanted_protocol);
    char device[IF_NAMESIZE + 1] = "";
    length = sizeof device;
    if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &length) != 0)
        return fail(EPROTO, "cannot read the interface of the socket from ifpind: %s", strerror(errno));
    if (length == 0 || device[0] == '\0')
        return fail(EPROTO, "ifpind sent a socket bound to no interface: refusing it");

    /* Received with MSG_CMSG_CLOEXEC, so that no fork()+exec() in another thread inherits it. */
    if (!(type & SOCK_CLOEXEC) && fcntl(fd, F_SETFD, 0) != 0)
        return fail(errno, "cannot clear FD_CLOEXEC: %s", strerror(errno));
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return fail(errno, "cannot read the socket's flags: %s", strerror(errno));
    int wanted = (type & SOCK_NONBLOCK) ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted != flags && fcntl(fd, F_SETFL, wanted) != 0)
        return fail(errno, "cannot set O_NONBLOCK: %s", strerror(errno));
    return 0;
}

/* One request and its reply on an open connection. *dropped tells that ifpind hung up without
 * answering; *status is the reply's status, or -1 when no well-formed reply arrived. */
int ifpin_exchange(int connection, const char *role, int domain, int type, int protocol, int *fds, unsigned count,
                   int *dropped, int *status)
{
    *dropped = 0;
    *status = -1;
    int base_type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct ifpin_reply reply;
    size_t received = 0;
    int answered = 0;
    int result = send_request(connection, role, domain, base_type, protocol, count);
    if (result == 0) {
        result = receive_reply(connection, &reply, fds, count, &received, &answered);
    } else if (errno == EPIPE || errno == ECONNRESET) {
        /* ifpind hung up before reading the request (e.g. too many clients), perhaps saying why:
         * its reply is the better error. */
        char send_error[sizeof last_message];
        memcpy(send_error, last_message, sizeof send_error);
        int error = errno;
        result = receive_reply(connection, &reply, fds, count, &received, &answered);
        if (result != 0 && !answered) {
            memcpy(last_message, send_error, sizeof last_message);
            errno = error;
        }
    }
    if (answered)
        *status = reply.status;
    for (size_t i = 0; result == 0 && i < count; ++i)
        result = finish_fd(fds[i], domain, type, protocol);
    if (result != 0) {
        int saved = errno;
        close_all(fds, received < count ? received : count);
        *dropped = !answered && (saved == EPIPE || saved == ECONNRESET);
        errno = saved;
        return -1;
    }
    return (int)count;
}

/* One connection, one request, one reply. */
static int request_once(const char *role, int domain, int type, int protocol, int *fds, unsigned count,
                        int *dropped)
{
    *dropped = 0;
    int connection = ifpin_connect_to_daemon();
    if (connection < 0)
        return -1;
    int status;
    int result = ifpin_exchange(connection, role, domain, type, protocol, fds, count, dropped, &status);
    int saved = errno;
    close(connection);
    errno = saved;
    return result;
}

int ifpin_sockets(const char *role, int domain, int type, int protocol, int *fds, unsigned count)
{
    if (check_arguments(role, domain, type, count, fds) != 0)
        return -1;
    /* A daemon that stops (a restart, an upgrade) closes the connections it accepted but had not
     * answered yet. Under socket activation the listening socket stays with systemd, so a fresh
     * connection waits for the next daemon: try again, a bounded number of times. */
    enum { attempts = 3 };
    int dropped = 0;
    for (int attempt = 1;; ++attempt) {
        int result = ifpin_persistent_enabled()
                         ? ifpin_persistent_request(role, domain, type, protocol, fds, count, &dropped)
                         : request_once(role, domain, type, protocol, fds, count, &dropped);
        if (result >= 0 || !dropped || attempt == attempts)
            return result;
    }
}

int ifpin_socket(const char *role, int domain, int type, int protocol)
{
    int fd = -1;
    return ifpin_sockets(role, domain, type, protocol, &fd, 1) == 1 ? fd : -1;
}

/* ---- kernel pinning ------------------------------------------------------------------------- */

/* The pin request, with the proof of who sends it: SCM_CREDENTIALS (the kernel checks the pid is
 * ours as it sends) and a pidfd of this process, which ifpind needs on kernels without SO_PEERPIDFD. */
static int send_pin_request(int fd, const char *role)
{
    struct ifpin_request request = {.type = IFPIN_REQUEST_PIN_PROCESS};
    memcpy(request.role, role, strlen(role) + 1);
    uint8_t buffer[IFPIN_REQUEST_MAX];
    size_t length = ifpin_encode_request(&request, buffer, sizeof buffer);
    if (length == 0)
        return fail(EINVAL, "cannot encode a request for role '%s'", role);
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd < 0)
        return fail(errno, "cannot make a pidfd of this process (Linux >= 5.3 needed): %s", strerror(errno));
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = buffer, .iov_len = length};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                         .msg_controllen = sizeof control.space};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_CREDENTIALS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred credentials = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
    memcpy(CMSG_DATA(cmsg), &credentials, sizeof credentials);
    cmsg = CMSG_NXTHDR(&msg, cmsg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &pidfd, sizeof pidfd);
    ssize_t sent;
    while ((sent = sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    int error = errno;
    close(pidfd);
    if (sent < 0)
        return fail(error == EAGAIN ? ETIMEDOUT : error, "cannot send the request to ifpind: %s", strerror(error));
    if ((size_t)sent != length)
        return fail(EPROTO, "request to ifpind cut short (%zd of %zu bytes)", sent, length);
    return 0;
}

/* This process's cgroup v2 path, from /proc/self/cgroup ("0::PATH"). */
static int own_cgroup(char *path, size_t size)
{
    FILE *file = fopen("/proc/self/cgroup", "re");
    if (!file)
        return fail(errno, "cannot read /proc/self/cgroup: %s", strerror(errno));
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, file)) {
        if (strncmp(line, "0::", 3) != 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(path, size, "%s", line + 3);
        found = 1;
    }
    fclose(file);
    return found ? 0 : fail(EIO, "no cgroup v2 line in /proc/self/cgroup");
}

/* ifpind says the process is pinned: check it from inside, before anything relies on it. */
static int check_pinned(const char *role, const char *cgroup)
{
    char actual[4096];
    if (own_cgroup(actual, sizeof actual) != 0)
        return -1;
    if (strcmp(actual, cgroup) != 0)
        return fail(EIO, "ifpind answered that this process is in %s, but it is in %s", cgroup, actual);
    int probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        if (errno == EPERM)
            return fail(ENODEV, "role %s refuses sockets now: its interface is missing", role);
        return fail(errno, "cannot make a probe socket: %s", strerror(errno));
    }
    char device[IF_NAMESIZE + 1] = "";
    socklen_t length = sizeof device;
    int status = getsockopt(probe, SOL_SOCKET, SO_BINDTODEVICE, device, &length);
    close(probe);
    if (status != 0 || !device[0])
        return fail(EIO, "a socket made in %s is not bound to an interface: the kernel does not pin it", cgroup);
    return 0;
}

static int pin_once(const char *role, int *dropped)
{
    *dropped = 0;
    int connection = ifpin_connect_to_daemon();
    if (connection < 0)
        return -1;
    struct ifpin_reply reply;
    size_t received = 0;
    int answered = 0, no_fds[1];
    int status = send_pin_request(connection, role);
    if (status == 0 || errno == EPIPE || errno == ECONNRESET)
        status = receive_reply(connection, &reply, no_fds, 0, &received, &answered);
    int saved = errno;
    close(connection);
    if (status != 0) {
        *dropped = !answered && (saved == EPIPE || saved == ECONNRESET);
        /* An ifpind that does not know pin requests answers bad-request. */
        if (answered && reply.status == IFPIN_STATUS_BAD_REQUEST)
            return fail(EOPNOTSUPP, "this ifpind does not pin processes (%s)", reply.message);
        errno = saved;
        return -1;
    }
    return check_pinned(role, reply.message);
}

int ifpin_pin_process(const char *role)
{
    if (!role || !*role)
        return fail(EINVAL, "no role given");
    if (strnlen(role, IFPIN_ROLE_NAME_MAX + 1) > IFPIN_ROLE_NAME_MAX)
        return fail(EINVAL, "role name longer than %d bytes", IFPIN_ROLE_NAME_MAX);
    /* As for sockets: a connection an ifpind closed unanswered as it stopped is tried again. Moving
     * a process again into the cgroup it is in does no harm. */
    enum { attempts = 3 };
    int dropped = 0;
    for (int attempt = 1;; ++attempt) {
        int result = pin_once(role, &dropped);
        if (result == 0 || !dropped || attempt == attempts)
            return result;
    }
}
