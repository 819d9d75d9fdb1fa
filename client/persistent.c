/* libifpin's persistent connection (docs/client.md, "One connection per process"): opt-in with
 * ifpin_keep_connection(1) or $IFPIN_KEEP_CONNECTION=1, one connection per process reused by every
 * ifpin_socket()/ifpin_sockets() call instead of one connection per call.
 *
 * - Threads: one lock around the connection. ifpind answers one request at a time on its single
 *   loop anyway, so a connection per thread would buy nothing but more of the uid's connections.
 * - fork(): a child never uses its parent's connection (its requests would travel with the parent's
 *   credentials, and the two would read each other's replies). The pid that connected is kept and
 *   compared on every call; a pthread_atfork handler also drops the copy in the child at once, and
 *   keeps the lock from being copied held.
 * - Credentials: ifpind decides from the credentials the kernel recorded at connect() (uid, gid,
 *   groups). A process that changes them afterwards (a daemon dropping root) gets a new connection,
 *   so that it is never served as who it was.
 * - The program may close the descriptor under us (closefrom, a loop over /proc/self/fd) and the
 *   number may come back as another file: its device and inode are compared before every use, and
 *   a descriptor that is no longer ours is forgotten, never written to or closed.
 * - Reconnecting: a connection that ifpind closed (its idle timeout, a restart, its limit of requests
 *   per connection) is replaced once, transparently, and the request sent again. Asking for sockets
 *   again is safe: a request that ifpind served had its sockets in our receive queue ahead of the
 *   hang-up, so a request that got no reply gave us nothing. (Pin requests never use this connection:
 *   see ifpin_pin_process.)
 * - After any failure that leaves the stream in doubt (a timeout whose reply may still come, a
 *   malformed reply), the connection is closed: a late reply must never be read as the next one's. */
#include <ifpin/ifpin.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "ifpin_internal.h"
#include "protocol.h"

enum { groups_max = 64 }; /* more supplementary groups than this: compared by count and first 64 */

struct connection {
    int fd;
    pid_t pid;   /* who connected: a child never uses it */
    dev_t dev;   /* what fd was when we made it */
    ino_t ino;
    uid_t euid;  /* the credentials the kernel recorded at connect() */
    gid_t egid;
    int ngroups;
    gid_t groups[groups_max];
    unsigned requests; /* sent on it, against IFPIN_REQUESTS_PER_CONNECTION */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct connection current = {.fd = -1};
static int enabled = -1; /* -1: not decided yet, $IFPIN_KEEP_CONNECTION decides on first use */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static int still_ours(const struct connection *c)
{
    struct stat status;
    return fstat(c->fd, &status) == 0 && S_ISSOCK(status.st_mode) && status.st_dev == c->dev &&
           status.st_ino == c->ino;
}

/* Closes the connection when the descriptor is still ours, forgets it in any case. */
static void drop(struct connection *c)
{
    if (c->fd >= 0 && still_ours(c))
        close(c->fd);
    c->fd = -1;
}

static void credentials(uid_t *euid, gid_t *egid, int *ngroups, gid_t *groups)
{
    *euid = geteuid();
    *egid = getegid();
    int n = getgroups(groups_max, groups);
    if (n < 0) { /* more than groups_max: count them all, keep the first groups_max to compare */
        memset(groups, 0, groups_max * sizeof groups[0]);
        n = getgroups(0, NULL);
        gid_t *all = n > 0 ? malloc((size_t)n * sizeof *all) : NULL;
        if (all && getgroups(n, all) == n)
            memcpy(groups, all, groups_max * sizeof groups[0]);
        free(all);
    }
    *ngroups = n;
}

static int same_credentials(const struct connection *c)
{
    uid_t euid;
    gid_t egid;
    int ngroups;
    gid_t groups[groups_max];
    credentials(&euid, &egid, &ngroups, groups);
    int compared = ngroups < groups_max ? ngroups : groups_max;
    return euid == c->euid && egid == c->egid && ngroups == c->ngroups &&
           (compared <= 0 || memcmp(groups, c->groups, (size_t)compared * sizeof groups[0]) == 0);
}

static int open_connection(struct connection *c)
{
    int fd = ifpin_connect_to_daemon();
    if (fd < 0)
        return -1;
    struct stat status;
    if (fstat(fd, &status) != 0) {
        int error = errno;
        close(fd);
        return fail(error, "cannot stat the socket to ifpind: %s", strerror(error));
    }
    c->fd = fd;
    c->pid = getpid();
    c->dev = status.st_dev;
    c->ino = status.st_ino;
    c->requests = 0;
    credentials(&c->euid, &c->egid, &c->ngroups, c->groups);
    return 0;
}

/* fork(): the forking thread holds the lock across it, so that the child's copy is not held by a
 * thread that does not exist there; the child closes its copy of the connection. */
static void before_fork(void)
{
    pthread_mutex_lock(&lock);
}

static void after_fork_in_parent(void)
{
    pthread_mutex_unlock(&lock);
}

static void after_fork_in_child(void)
{
    drop(&current);
    pthread_mutex_unlock(&lock);
}

static void register_atfork(void)
{
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

int ifpin_persistent_enabled(void)
{
    int value = __atomic_load_n(&enabled, __ATOMIC_ACQUIRE);
    if (value < 0) {
        const char *text = secure_getenv("IFPIN_KEEP_CONNECTION");
        int wanted = text && strcmp(text, "1") == 0;
        int expected = -1;
        __atomic_compare_exchange_n(&enabled, &expected, wanted, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        value = __atomic_load_n(&enabled, __ATOMIC_ACQUIRE);
    }
    return value;
}

int ifpin_keep_connection(int keep)
{
    pthread_mutex_lock(&lock);
    __atomic_store_n(&enabled, keep ? 1 : 0, __ATOMIC_RELEASE);
    if (!keep) /* a raw clone()'s child closes its copy: the parent's connection stays open */
        drop(&current);
    pthread_mutex_unlock(&lock);
    return 0;
}

/* The reply left the connection in step with ifpind: a success or a plain refusal, after which
 * ifpind keeps serving it. */
static int still_usable(int result, int status)
{
    if (result >= 0)
        return 1;
    return status == IFPIN_STATUS_UNKNOWN_ROLE || status == IFPIN_STATUS_ACCESS_DENIED ||
           status == IFPIN_STATUS_NO_DEVICE || status == IFPIN_STATUS_INVALID_ARGUMENT ||
           status == IFPIN_STATUS_SOCKET_FAILED;
}

int ifpin_persistent_request(const char *role, int domain, int type, int protocol, int *fds, unsigned count,
                             int *dropped)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&lock);
    struct connection *c = &current;
    if (c->fd >= 0) {
        if (c->pid != getpid()) /* a child made without fork()'s handlers (vfork, clone) */
            drop(c);
        else if (!still_ours(c))
            c->fd = -1; /* the program closed it: the number is not ours to close */
        else if (c->requests >= IFPIN_REQUESTS_PER_CONNECTION || !same_credentials(c))
            drop(c);
    }
    int reused = c->fd >= 0;
    int result = -1, status = -1;
    *dropped = 0;
    if (reused || open_connection(c) == 0) {
        ++c->requests;
        result = ifpin_exchange(c->fd, role, domain, type, protocol, fds, count, dropped, &status);
        /* ifpind closed a connection it had served before (idle, restarted, too many requests):
         * once more on a fresh one. A BUSY reply was no service either. */
        if (result < 0 && reused && (*dropped || status == IFPIN_STATUS_BUSY)) {
            drop(c);
            if (open_connection(c) == 0) {
                ++c->requests;
                result = ifpin_exchange(c->fd, role, domain, type, protocol, fds, count, dropped, &status);
            }
        }
        if (c->fd >= 0 && !still_usable(result, status)) {
            int saved = errno;
            drop(c);
            errno = saved;
        }
    }
    pthread_mutex_unlock(&lock);
    return result;
}
