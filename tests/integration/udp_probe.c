/* udp_probe [-n] ADDRESS PORT: sends one datagram to ADDRESS:PORT and prints the answer (the lab's
 * servers answer UDP port 7 with their name). Uses plain socket()/sendto()/recv(), so that the
 * preload shim (`ifpinctl exec`) applies to it, as it would to any program.
 *
 * -n: creates the socket with SOCK_NONBLOCK | SOCK_CLOEXEC and checks both flags took; without it,
 *     checks that neither is set. Exit 0 with the answer on stdout; 1 with a reason on stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { attempts = 3, wait_ms = 1000 };

static int usage(void)
{
    fprintf(stderr, "usage: udp_probe [-n] ADDRESS PORT\n");
    return 2;
}

static int check_flags(int fd, int nonblocking_and_cloexec)
{
    int status = fcntl(fd, F_GETFL), descriptor = fcntl(fd, F_GETFD);
    if (status < 0 || descriptor < 0) {
        perror("udp_probe: fcntl");
        return -1;
    }
    int nonblocking = !!(status & O_NONBLOCK), cloexec = !!(descriptor & FD_CLOEXEC);
    if (nonblocking != nonblocking_and_cloexec || cloexec != nonblocking_and_cloexec) {
        fprintf(stderr, "udp_probe: socket flags wrong: O_NONBLOCK %d, FD_CLOEXEC %d, both expected %d\n",
                nonblocking, cloexec, nonblocking_and_cloexec);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int flags_mode = argc == 4 && strcmp(argv[1], "-n") == 0;
    if (argc != 3 + flags_mode)
        return usage();
    const char *host = argv[1 + flags_mode], *port_text = argv[2 + flags_mode];
    struct sockaddr_storage address;
    memset(&address, 0, sizeof address);
    socklen_t address_length;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
    unsigned short port = (unsigned short)atoi(port_text);
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        address_length = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        address_length = sizeof *v6;
    } else {
        return usage();
    }

    int fd = socket(address.ss_family, SOCK_DGRAM | (flags_mode ? SOCK_NONBLOCK | SOCK_CLOEXEC : 0), 0);
    if (fd < 0) {
        fprintf(stderr, "udp_probe: socket: %s\n", strerror(errno));
        return 1;
    }
    if (check_flags(fd, flags_mode) != 0)
        return 1;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        if (sendto(fd, "who?\n", 5, 0, (struct sockaddr *)&address, address_length) < 0) {
            fprintf(stderr, "udp_probe: sendto %s: %s\n", host, strerror(errno));
            return 1;
        }
        struct pollfd ready = {.fd = fd, .events = POLLIN};
        if (poll(&ready, 1, wait_ms) <= 0)
            continue;
        char answer[256];
        ssize_t n = recv(fd, answer, sizeof answer, 0);
        if (n < 0) {
            fprintf(stderr, "udp_probe: recv: %s\n", strerror(errno));
            return 1;
        }
        fwrite(answer, 1, (size_t)n, stdout);
        return 0;
    }
    fprintf(stderr, "udp_probe: no answer from %s port %s after %d tries\n", host, port_text, attempts);
    return 1;
}
