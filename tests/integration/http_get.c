/* http_get ADDRESS: GET / on port 80 of ADDRESS (IPv4 or IPv6), the body on stdout, the socket's
 * device and mark on stderr ("device=mgmt0 mark=0x69701f3b"). The Pinning suite builds it statically
 * twice: with socket() and (-DUSE_SYSCALL) with syscall(SYS_socket), two kinds of program that no
 * LD_PRELOAD shim can catch. Exit 0 when an answer came, 1 otherwise. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: http_get ADDRESS\n");
        return 2;
    }
    struct sockaddr_storage peer = {0};
    struct sockaddr_in *v4 = (struct sockaddr_in *)&peer;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&peer;
    socklen_t length;
    if (inet_pton(AF_INET, argv[1], &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(80);
        length = sizeof *v4;
    } else if (inet_pton(AF_INET6, argv[1], &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(80);
        length = sizeof *v6;
    } else {
        fprintf(stderr, "http_get: bad address %s\n", argv[1]);
        return 2;
    }
#ifdef USE_SYSCALL
    int fd = (int)syscall(SYS_socket, peer.ss_family, SOCK_STREAM, 0);
#else
    int fd = socket(peer.ss_family, SOCK_STREAM, 0);
#endif
    if (fd < 0) {
        fprintf(stderr, "http_get: socket: %s\n", strerror(errno));
        return 1;
    }
    char device[IF_NAMESIZE + 1] = "";
    socklen_t device_length = sizeof device;
    unsigned mark = 0;
    socklen_t mark_length = sizeof mark;
    getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &device_length);
    getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &mark_length);
    fprintf(stderr, "device=%s mark=%#x\n", device, mark);
    struct timeval timeout = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd, (struct sockaddr *)&peer, length) != 0) {
        fprintf(stderr, "http_get: connect: %s\n", strerror(errno));
        return 1;
    }
    static const char request[] = "GET / HTTP/1.0\r\n\r\n";
    if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1))
        return 1;
    char response[4096];
    size_t have = 0;
    ssize_t n;
    while (have < sizeof response - 1 && (n = read(fd, response + have, sizeof response - 1 - have)) > 0)
        have += (size_t)n;
    response[have] = '\0';
    char *body = strstr(response, "\r\n\r\n");
    if (!body)
        return 1;
    fputs(body + 4, stdout);
    return 0;
}
