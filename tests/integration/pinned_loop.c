/* pinned_loop ADDRESS INTERVAL_MS STOP_FILE: every INTERVAL_MS a new TCP connection to ADDRESS port
 * 80 (IPv4), one line per attempt on stdout, flushed, until STOP_FILE exists:
 *   "device=DEV answer=NAME"  the socket was bound to DEV and the lab's server NAME answered
 *   "device=DEV error=CALL:ERRNO"  socket(), connect() or the read failed (device empty if no socket)
 * The long-running pinned process of the Pinning suite: its sockets are made after the pin, one by
 * one, so each shows where the role's interface is at that moment. Exit 0. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void attempt(const struct sockaddr_in *peer)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("device= error=socket:%s\n", strerrorname_np(errno));
        return;
    }
    char device[IF_NAMESIZE + 1] = "";
    socklen_t length = sizeof device;
    getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &length);
    struct timeval timeout = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    static const char request[] = "GET / HTTP/1.0\r\n\r\n";
    char response[1024];
    size_t have = 0;
    ssize_t n;
    if (connect(fd, (const struct sockaddr *)peer, sizeof *peer) != 0) {
        printf("device=%s error=connect:%s\n", device, strerrorname_np(errno));
    } else if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) {
        printf("device=%s error=write:%s\n", device, strerrorname_np(errno));
    } else {
        while (have < sizeof response - 1 && (n = read(fd, response + have, sizeof response - 1 - have)) > 0)
            have += (size_t)n;
        response[have] = '\0';
        char *body = strstr(response, "\r\n\r\n");
        if (body) {
            body[4 + strcspn(body + 4, "\n")] = '\0';
            printf("device=%s answer=%s\n", device, body + 4);
        } else {
            printf("device=%s error=read:%s\n", device, have ? "short" : strerrorname_np(errno));
        }
    }
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pinned_loop ADDRESS INTERVAL_MS STOP_FILE\n");
        return 2;
    }
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(80)};
    if (inet_pton(AF_INET, argv[1], &peer.sin_addr) != 1)
        return 2;
    long interval = atol(argv[2]);
    struct timespec pause = {interval / 1000, (interval % 1000) * 1000000L};
    while (access(argv[3], F_OK) != 0) {
        attempt(&peer);
        fflush(stdout);
        nanosleep(&pause, NULL);
    }
    return 0;
}
