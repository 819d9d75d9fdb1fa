/* libifpin: sockets bound to a role's interface, made by ifpind and handed over a Unix socket.
 *
 *     int fd = ifpin_socket("mgmt", AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
 *     if (fd < 0)
 *         fprintf(stderr, "no mgmt socket: %s\n", ifpin_strerror_last());
 *
 * The socket is an ordinary TCP or UDP socket that ifpind created and bound (SO_BINDTODEVICE) to the
 * interface of the role, so whatever it sends leaves through that interface, whatever the default
 * routes say. The caller cannot rebind it without CAP_NET_RAW.
 *
 * Build with: cc app.c $(pkg-config --cflags --libs ifpin). Documented in docs/client.md. */
#ifndef IFPIN_IFPIN_H
#define IFPIN_IFPIN_H

#include <sys/socket.h> /* AF_INET, SOCK_STREAM, SOCK_NONBLOCK, ... as the calls take them */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IFPIN_PUBLIC __attribute__((visibility("default")))
#else
#define IFPIN_PUBLIC
#endif

/* The most sockets one call may ask for. */
#define IFPIN_SOCKETS_MAX 64

/* One socket of the role `role` (e.g. "mgmt"). domain: AF_INET or AF_INET6; type: SOCK_STREAM or
 * SOCK_DGRAM, optionally or'ed with SOCK_NONBLOCK and SOCK_CLOEXEC, which are applied to the fd as
 * socket(2) would; protocol: 0, IPPROTO_TCP or IPPROTO_UDP.
 *
 * Returns the fd, or -1 with errno set:
 *   EACCES        the caller's uid and groups are not in the role's allow lists
 *   EPERM         whoever listens on the socket path is not ifpind: its uid (SO_PEERCRED) is not
 *                 root, or not $IFPIN_DAEMON_UID when that is set
 *   ENOENT        no such role, or no daemon socket at the path (ifpind not running)
 *   ECONNREFUSED  a daemon socket file exists but nobody listens (ifpind not running)
 *   ENODEV        the role's interface does not exist right now
 *   EINVAL        bad arguments (role empty or longer than 32 bytes, family, type, flags, count)
 *   EPROTO        malformed reply, the daemon did not like the request, or it sent a socket of
 *                 another family, type or protocol, or one bound to no interface
 *   ETIMEDOUT     the daemon did not answer within 10 seconds
 *   EAGAIN        the daemon is out of resources; try again
 *   others        from socket(2), connect(2), sendmsg(2) and recvmsg(2), or the daemon's socket(2)
 * ifpin_strerror_last() then says why, in words (the daemon's message when it sent one).
 *
 * The daemon is reached at $IFPIN_SOCKET (ignored in set-user-ID programs), else at
 * /run/ifpind/ifpind.sock, and must run as root, or as $IFPIN_DAEMON_UID (a decimal uid; ignored in
 * set-user-ID programs too). Thread-safe; one connection per call, unless ifpin_keep_connection(1)
 * (or $IFPIN_KEEP_CONNECTION=1) asked for one connection per process, kept across calls. */
IFPIN_PUBLIC int ifpin_socket(const char *role, int domain, int type, int protocol);

/* The same for `count` (1..IFPIN_SOCKETS_MAX) sockets in one round trip: on success stores them in
 * fds[0..count-1] and returns count; on failure returns -1 with errno set and no fd open. */
IFPIN_PUBLIC int ifpin_sockets(const char *role, int domain, int type, int protocol, int *fds,
                               unsigned count);

/* Kernel pinning: asks ifpind to place the calling process in the role's pinned cgroup. From then
 * on every AF_INET and AF_INET6 socket the process and its children create, however they create it
 * (socket(2), a raw system call, io_uring, the resolver inside libc), is bound by the kernel to the
 * role's interface and carries the role's mark; without CAP_NET_RAW it cannot be rebound, and the
 * process cannot leave the cgroup. Call it before the process holds any inet socket: sockets made
 * earlier are not pinned. The whole process moves (every thread).
 *
 * The daemon checks the caller as for sockets (the role's allow lists) and identifies it by pidfd;
 * afterwards this checks, from inside, that the process is in the cgroup ifpind names and that a
 * new socket comes out bound. Returns 0, or -1 with errno set:
 *   EACCES, ENOENT, ECONNREFUSED, EPROTO, ETIMEDOUT, EAGAIN  as for ifpin_socket
 *   ENODEV        the role's interface does not exist right now
 *   EOPNOTSUPP    kernel pinning is not available for the role here (no cgroup v2, no bpf
 *                 filesystem, ...), or the daemon does not pin processes
 *   ESRCH, EPERM  the daemon could not tell that the caller is who it says (gone, another pid)
 *   EIO           the move or its check failed
 * ifpin_strerror_last() says why. The process may have been moved even when this fails. */
IFPIN_PUBLIC int ifpin_pin_process(const char *role);

/* keep != 0: from now on ifpin_socket() and ifpin_sockets() reuse one connection per process
 * instead of one per call (docs/client.md, "One connection per process"): a child after fork()
 * makes its own, threads share it under a lock, and one that ifpind closed (its idle timeout, a
 * restart) is replaced and the request sent again, once. The connection counts against ifpind's
 * per-uid connection limit for as long as it is open (until ifpind's idle timeout, 5 s). keep == 0
 * closes it and goes back to one connection per call. Without a call, $IFPIN_KEEP_CONNECTION=1
 * (ignored in set-user-ID programs) turns it on. ifpin_pin_process() always uses a connection of
 * its own. Returns 0. Since IFPIN_1.2. */
IFPIN_PUBLIC int ifpin_keep_connection(int keep);

/* Why the calling thread's last failed call failed: the daemon's message (e.g. "uid 1234 may not
 * use role mgmt (allowed: users root; groups 4242)") or the library's own. "" before any failure.
 * Valid until the thread's next call into libifpin. */
IFPIN_PUBLIC const char *ifpin_strerror_last(void);

#ifdef __cplusplus
}
#endif

#endif
