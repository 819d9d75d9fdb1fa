/* ra_sender IFNAME SOURCE INTERVAL_MS LIFETIME_S COUNT: sends COUNT router advertisements on IFNAME
 * to all nodes (ff02::1), one every INTERVAL_MS, each with router lifetime LIFETIME_S (0: "I am no
 * default router any more", RFC 4861 6.3.4), from the link-local address SOURCE with hop limit 255
 * as the receiving kernel requires. A router of the Coexistence suite's own: dnsmasq
 * sends about one RA every 12 s whatever it is asked, too seldom for lifetimes of a few seconds.
 * Exit 0 when all were sent, 1 on a failure (said on stderr), 2 on bad usage. */
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: ra_sender IFNAME SOURCE INTERVAL_MS LIFETIME_S COUNT\n");
        return 2;
    }
    unsigned ifindex = if_nametoindex(argv[1]);
    struct sockaddr_in6 from;
    memset(&from, 0, sizeof from);
    from.sin6_family = AF_INET6;
    from.sin6_scope_id = ifindex;
    long interval = strtol(argv[3], NULL, 10);
    long lifetime = strtol(argv[4], NULL, 10);
    long count = strtol(argv[5], NULL, 10);
    if (!ifindex || inet_pton(AF_INET6, argv[2], &from.sin6_addr) != 1 || interval < 0 || lifetime < 0 ||
        lifetime > 9000 || count < 1) {
        fprintf(stderr, "ra_sender: bad interface, address or numbers\n");
        return 2;
    }
    int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    if (fd < 0) {
        perror("ra_sender: socket");
        return 1;
    }
    int hops = 255;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[1], strlen(argv[1])) < 0) {
        perror("ra_sender: setsockopt");
        return 1;
    }
    if (bind(fd, (struct sockaddr *)&from, sizeof from) < 0) {
        perror("ra_sender: bind");
        return 1;
    }
    struct nd_router_advert ra;
    memset(&ra, 0, sizeof ra);
    ra.nd_ra_type = ND_ROUTER_ADVERT;
    ra.nd_ra_curhoplimit = 64;
    ra.nd_ra_router_lifetime = htons((uint16_t)lifetime);
    struct sockaddr_in6 to;
    memset(&to, 0, sizeof to);
    to.sin6_family = AF_INET6;
    to.sin6_scope_id = ifindex;
    inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    for (long i = 0; i < count; ++i) {
        if (i > 0) {
            struct timespec pause = {interval / 1000, (interval % 1000) * 1000000L};
            nanosleep(&pause, NULL);
        }
        /* The kernel computes the ICMPv6 checksum of a raw ICMPv6 socket (RFC 3542 3.1). */
        if (sendto(fd, &ra, sizeof ra, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof ra) {
            fprintf(stderr, "ra_sender: sendto: %s\n", strerror(errno));
            return 1;
        }
    }
    close(fd);
    return 0;
}
