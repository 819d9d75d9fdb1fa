/* libifpin-preload.so: LD_PRELOAD shim that makes a program's TCP and UDP sockets come from ifpind,
 * bound to the interface of the role in $IFPIN_ROLE (docs/client.md; `ifpinctl exec` sets it up).
 *
 * Only socket() is replaced, and only for AF_INET/AF_INET6 with SOCK_STREAM or SOCK_DGRAM (plus
 * SOCK_NONBLOCK/SOCK_CLOEXEC); everything else, libifpin's own AF_UNIX socket included, goes to the
 * next socket() (libc's). Without IFPIN_ROLE in the environment the shim does nothing.
 *
 * Fails closed: when ifpind refuses or cannot be reached, socket() returns -1 with libifpin's errno
 * and one line on stderr. IFPIN_FAIL_OPEN=1 makes it hand out an ordinary (unpinned) socket instead,
 * still with the line on stderr.
 *
 * libifpin's code is linked in statically (the same objects as libifpin.so), so the shim is one
 * self-contained file; its version script exports `socket` alone. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ifpin/ifpin.h>

typedef int socket_function(int domain, int type, int protocol);

/* Set once, by load_settings(), before any other use. */
static socket_function *next_socket;
static int role_set;
static char role[64]; /* a longer $IFPIN_ROLE is cut here and still refused as too long */
static int fail_open;
static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

/* Read once, on the first socket() call (constructors of other libraries may call socket() before
 * ours would run): a program that changes its environment later keeps the role it started with. */
static void load_settings(void)
{
    void *symbol = dlsym(RTLD_NEXT, "socket");
    memcpy(&next_socket, &symbol, sizeof symbol); /* ISO C has no object-to-function pointer cast */
    const char *value = getenv("IFPIN_ROLE");
    if (value) {
        role_set = 1;
        snprintf(role, sizeof role, "%s", value);
    }
    const char *open = getenv("IFPIN_FAIL_OPEN");
    fail_open = open && strcmp(open, "1") == 0;
}

static int pinned_kind(int domain, int type)
{
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    return (domain == AF_INET || domain == AF_INET6) && (base == SOCK_STREAM || base == SOCK_DGRAM);
}

/* One line, in one write(2) so that it does not interleave with other threads' output. */
static void report(const char *message)
{
    char line[512];
    int length = snprintf(line, sizeof line, "ifpin: cannot get a %s socket: %s%s\n",
                          role[0] ? role : "(empty role)", message, fail_open ? "; using an unpinned socket (IFPIN_FAIL_OPEN=1)" : "");
    if (length < 0)
        return;
    if ((size_t)length >= sizeof line) {
        length = sizeof line - 1;
        line[length - 1] = '\n';
    }
    ssize_t ignored = write(STDERR_FILENO, line, (size_t)length);
    (void)ignored;
}

__attribute__((visibility("default"))) int socket(int domain, int type, int protocol)
{
    pthread_once(&settings_once, load_settings);
    if (!next_socket) {
        errno = ENOSYS;
        return -1;
    }
    if (!role_set || !pinned_kind(domain, type))
        return next_socket(domain, type, protocol);

    int saved_errno = errno;
    int fd = ifpin_socket(role, domain, type, protocol);
    if (fd >= 0) {
        errno = saved_errno;
        return fd;
    }
    int error = errno;
    report(ifpin_strerror_last());
    if (fail_open)
        return next_socket(domain, type, protocol);
    errno = error;
    return -1;
}
