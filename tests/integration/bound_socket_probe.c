/* bound_socket_probe ROLE ADDRESS: a libifpin program, as an application would write one. Gets a TCP
 * socket of ROLE from ifpind, shows the device it is bound to, tries to rebind it (to "lo") and to
 * unbind it (""), then asks the lab's HTTP server at ADDRESS which gateway it came through.
 * Prints key=value lines:
 *   device=mgmt0 / rebind=EPERM / unbind=EPERM / answer=mgmt      (exit 0)
 *   errno=EACCES / message=uid 4244 may not use role mgmt (...)  (exit 1, when ifpin_socket fails)
 * Built by meson against the build tree, and by the install test with `pkg-config ifpin` against an
 * installed tree. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrorname_np */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ifpin/ifpin.h>

static const char *outcome(int status)
{
    if (status == 0)
        return "ok";
    const char *name = strerrorname_np(errno);
    return name ? name : "unknown-errno";
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bound_socket_probe ROLE ADDRESS\n");
        return 2;
    }
    struct sockaddr_storage address;
    memset(&address, 0, sizeof address);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
    socklen_t address_length;
    if (inet_pton(AF_INET, argv[2], &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(80);
        address_length = sizeof *v4;
    } else if (inet_pton(AF_INET6, argv[2], &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(80);
        address_length = sizeof *v6;
    } else {
        fprintf(stderr, "bound_socket_probe: not an address: %s\n", argv[2]);
        return 2;
    }

    int fd = ifpin_socket(argv[1], address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("errno=%s\nmessage=%s\n", outcome(-1), ifpin_strerror_last());
        return 1;
    }
    char device[64] = "";
    socklen_t device_length = sizeof device;
    if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &device_length) != 0)
        snprintf(device, sizeof device, "(getsockopt: %s)", strerror(errno));
    printf("device=%s\n", device);
    printf("rebind=%s\n", outcome(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3)));
    printf("unbind=%s\n", outcome(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 1)));

    if (connect(fd, (struct sockaddr *)&address, address_length) != 0) {
        printf("answer=(connect: %s)\n", strerror(errno));
        return 1;
    }
    static const char request[] = "GET / HTTP/1.0\r\n\r\n";
    if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) {
        printf("answer=(write: %s)\n", strerror(errno));
        return 1;
    }
    char response[1024];
    size_t length = 0;
    ssize_t n;
    while (length < sizeof response - 1 && (n = read(fd, response + length, sizeof response - 1 - length)) > 0)
        length += (size_t)n;
    response[length] = '\0';
    const char *body = strstr(response, "\r\n\r\n");
    body = body ? body + 4 : "(no HTTP body)";
    printf("answer=%.*s\n", (int)strcspn(body, "\r\n"), body);
    close(fd);
    return 0;
}
