/* held_socket_probe ROLE MODE IFINDEX ADDRESS PORT GOFILE: takes a UDP socket of ROLE from the broker
 * (libifpin), prints "holding", then waits (up to 60 s) until GOFILE exists, so that the test can stop
 * or reload ifpind meanwhile, and then tries one way out through another interface and prints
 * "send RESULT" (ok or an errno name). The attacks of issue #15, item 4: a socket handed out before
 * ifpind stopped, or before its role was removed.
 *
 * MODE:
 *   pktinfo4   AF_INET, sendmsg() to ADDRESS with IP_PKTINFO naming IFINDEX
 *   scope6     AF_INET6, sendto() ADDRESS (link-local or multicast) with sin6_scope_id IFINDEX
 *   mapped6    AF_INET6, sendmsg() to ::ffff:ADDRESS (an IPv4 address) with IPV6_PKTINFO naming IFINDEX
 *   plain4     AF_INET, sendto() ADDRESS (IFINDEX unused): the socket's own interface
 * Exit 0 when it ran, 1 when no socket came from the broker, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ifpin/ifpin.h>

static int wait_for(const char *path)
{
    for (int i = 0; i < 6000; ++i) {
        if (access(path, F_OK) == 0)
            return 0;
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: held_socket_probe ROLE MODE IFINDEX ADDRESS PORT GOFILE\n");
        return 2;
    }
    const char *role = argv[1], *mode = argv[2], *address = argv[4], *go = argv[6];
    int ifindex = atoi(argv[3]);
    unsigned short port = (unsigned short)atoi(argv[5]);
    int six = strcmp(mode, "scope6") == 0 || strcmp(mode, "mapped6") == 0;
    if (!six && strcmp(mode, "pktinfo4") != 0 && strcmp(mode, "plain4") != 0) {
        fprintf(stderr, "held_socket_probe: unknown mode %s\n", mode);
        return 2;
    }
    int fd = ifpin_socket(role, six ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        printf("no socket: %s\n", ifpin_strerror_last());
        return 1;
    }
    printf("holding\n");
    fflush(stdout);
    if (wait_for(go) != 0) {
        printf("no go within 60 s\n");
        return 1;
    }

    struct sockaddr_in peer4 = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct sockaddr_in6 peer6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    union {
        char buffer[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = "who?\n", .iov_len = 5};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    struct cmsghdr *header = (struct cmsghdr *)control.buffer;
    if (!six) {
        if (inet_pton(AF_INET, address, &peer4.sin_addr) != 1)
            return 2;
        message.msg_name = &peer4;
        message.msg_namelen = sizeof peer4;
        if (strcmp(mode, "pktinfo4") == 0) {
            struct in_pktinfo info = {.ipi_ifindex = ifindex};
            message.msg_control = control.buffer;
            message.msg_controllen = CMSG_SPACE(sizeof info);
            header->cmsg_level = IPPROTO_IP;
            header->cmsg_type = IP_PKTINFO;
            header->cmsg_len = CMSG_LEN(sizeof info);
            memcpy(CMSG_DATA(header), &info, sizeof info);
        }
    } else if (strcmp(mode, "scope6") == 0) {
        if (inet_pton(AF_INET6, address, &peer6.sin6_addr) != 1)
            return 2;
        peer6.sin6_scope_id = (uint32_t)ifindex;
        message.msg_name = &peer6;
        message.msg_namelen = sizeof peer6;
    } else {
        char mapped[64];
        snprintf(mapped, sizeof mapped, "::ffff:%s", address);
        if (inet_pton(AF_INET6, mapped, &peer6.sin6_addr) != 1)
            return 2;
        message.msg_name = &peer6;
        message.msg_namelen = sizeof peer6;
        /* The kernel takes IPV6_PKTINFO for a v4-mapped destination only with a v4-mapped source:
         * ::ffff:0.0.0.0 lets it choose the address. */
        struct in6_pktinfo info = {.ipi6_ifindex = (unsigned)ifindex};
        info.ipi6_addr.s6_addr[10] = 0xff;
        info.ipi6_addr.s6_addr[11] = 0xff;
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(sizeof info);
        header->cmsg_level = IPPROTO_IPV6;
        header->cmsg_type = IPV6_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof info);
        memcpy(CMSG_DATA(header), &info, sizeof info);
    }
    printf("send %s\n", sendmsg(fd, &message, 0) == 5 ? "ok" : strerrorname_np(errno));
    close(fd);
    return 0;
}
