/* egress_probe ROLE MODE ARG ADDRESS PORT: takes a UDP socket of ROLE from the broker (libifpin),
 * tries one way out of its interface, sends one datagram to ADDRESS:PORT (IPv4) and prints what
 * happened, one line: "setup RESULT send RESULT answer NAME" (RESULT: ok or an errno name; NAME: what
 * the lab's server answered, or none). The lab's servers answer UDP port 7 with their name, so the
 * answer tells which uplink the datagram took.
 *
 * MODE and ARG:
 *   pktinfo IFINDEX      sendmsg() with IP_PKTINFO naming interface IFINDEX
 *   unicast-if IFINDEX   setsockopt IP_UNICAST_IF, then sendto()
 *   bind ADDRESS         bind() to a local ADDRESS (another interface's), then sendto()
 *   mark VALUE           setsockopt SO_MARK (needs CAP_NET_ADMIN), then sendto()
 *   device NAME          setsockopt SO_BINDTODEVICE to NAME, then sendto()
 *   plain -              sendto() only
 * Exit 0 when it ran (whatever the results), 2 on bad usage, 1 when no socket came from the broker. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ifpin/ifpin.h>

static const char *result(int ok)
{
    return ok ? "ok" : strerrorname_np(errno);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: egress_probe ROLE MODE ARG ADDRESS PORT\n");
        return 2;
    }
    const char *role = argv[1], *mode = argv[2], *arg = argv[3];
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[5]))};
    if (inet_pton(AF_INET, argv[4], &peer.sin_addr) != 1) {
        fprintf(stderr, "egress_probe: bad IPv4 address %s\n", argv[4]);
        return 2;
    }
    int fd = ifpin_socket(role, AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        fprintf(stderr, "egress_probe: no socket of role %s: %s\n", role, ifpin_strerror_last());
        return 1;
    }

    const char *setup = "ok";
    int use_pktinfo = 0;
    struct in_pktinfo pktinfo = {0};
    if (strcmp(mode, "pktinfo") == 0) {
        use_pktinfo = 1;
        pktinfo.ipi_ifindex = atoi(arg);
    } else if (strcmp(mode, "unicast-if") == 0) {
        uint32_t index = htonl((uint32_t)atoi(arg)); /* IPv4 takes it in network order */
        setup = result(setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &index, sizeof index) == 0);
    } else if (strcmp(mode, "bind") == 0) {
        struct sockaddr_in local = {.sin_family = AF_INET};
        if (inet_pton(AF_INET, arg, &local.sin_addr) != 1)
            return 2;
        setup = result(bind(fd, (struct sockaddr *)&local, sizeof local) == 0);
    } else if (strcmp(mode, "mark") == 0) {
        uint32_t mark = (uint32_t)strtoul(arg, NULL, 0);
        setup = result(setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0);
    } else if (strcmp(mode, "device") == 0) {
        setup = result(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, arg, (socklen_t)strlen(arg)) == 0);
    } else if (strcmp(mode, "plain") != 0) {
        fprintf(stderr, "egress_probe: unknown mode %s\n", mode);
        return 2;
    }

    struct iovec iov = {.iov_base = "who?\n", .iov_len = 5};
    union {
        char buffer[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = &iov, .msg_iovlen = 1};
    if (use_pktinfo) {
        message.msg_control = control.buffer;
        message.msg_controllen = sizeof control.buffer;
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = IPPROTO_IP;
        header->cmsg_type = IP_PKTINFO;
        header->cmsg_len = CMSG_LEN(sizeof pktinfo);
        memcpy(CMSG_DATA(header), &pktinfo, sizeof pktinfo);
    }
    const char *sent = result(sendmsg(fd, &message, 0) == 5);

    char answer[64] = "none";
    struct pollfd ready = {.fd = fd, .events = POLLIN};
    if (poll(&ready, 1, 1000) > 0) {
        ssize_t n = recv(fd, answer, sizeof answer - 1, MSG_DONTWAIT);
        answer[n > 0 ? n : 0] = '\0';
        answer[strcspn(answer, "\n")] = '\0';
        if (n <= 0)
            strcpy(answer, "none");
    }
    printf("setup %s send %s answer %s\n", setup, sent, answer);
    close(fd);
    return 0;
}
