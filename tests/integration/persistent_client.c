/* persistent_client ROLE THREADS CALLS HOLD_MS: a libifpin program on the persistent connection
 * (ifpin_keep_connection), for the BrokerPersistent suite's per-uid limit case. THREADS threads each
 * ask CALLS times for a UDP socket of ROLE and close it; then one line, and the process keeps its
 * connection for HOLD_MS before exiting:
 *   pid=123 served=40 failed=0 device=mgmt0 errno=none
 * device is the interface of the sockets (or "mixed" when they differ, "none" when none came); errno
 * is the name of the last failure's errno. Exit 0 when every call was served. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrorname_np */
#endif
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ifpin/ifpin.h>

static const char *role;
static int calls;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int served, failed, last_errno;
static char device[IF_NAMESIZE + 8] = "none";

static void *run(void *unused)
{
    (void)unused;
    for (int i = 0; i < calls; ++i) {
        int fd = ifpin_socket(role, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int error = errno;
        char name[IF_NAMESIZE + 1] = "";
        socklen_t length = sizeof name;
        if (fd >= 0) {
            getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &length);
            close(fd);
        }
        pthread_mutex_lock(&lock);
        if (fd >= 0) {
            ++served;
            if (strcmp(device, "none") == 0)
                snprintf(device, sizeof device, "%s", name[0] ? name : "unbound");
            else if (strcmp(device, name) != 0)
                snprintf(device, sizeof device, "mixed");
        } else {
            ++failed;
            last_errno = error;
        }
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: persistent_client ROLE THREADS CALLS HOLD_MS\n");
        return 2;
    }
    role = argv[1];
    int threads = atoi(argv[2]);
    calls = atoi(argv[3]);
    long hold = atol(argv[4]);
    if (threads < 1 || threads > 64 || calls < 1)
        return 2;
    ifpin_keep_connection(1);
    pthread_t ids[64];
    for (int t = 0; t < threads; ++t)
        pthread_create(&ids[t], NULL, run, NULL);
    for (int t = 0; t < threads; ++t)
        pthread_join(ids[t], NULL);
    const char *name = last_errno ? strerrorname_np(last_errno) : "none";
    printf("pid=%d served=%d failed=%d device=%s errno=%s\n", (int)getpid(), served, failed, device,
           name ? name : "unknown");
    fflush(stdout);
    struct timespec pause = {.tv_sec = hold / 1000, .tv_nsec = (hold % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    return failed ? 1 : 0;
}
