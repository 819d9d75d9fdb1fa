/* pin_escape OTHER_INTERFACE CGROUP_DIR...: tries, from inside a pinned cgroup, the ways out of it,
 * and prints one line per try: "NAME RESULT" (RESULT "ok" or the errno name). Run it as an
 * unprivileged user under `ifpinctl exec`.
 *   device                    what a new UDP socket is bound to, and its mark
 *   bindtodevice-other        SO_BINDTODEVICE to OTHER_INTERFACE
 *   bindtodevice-none         SO_BINDTODEVICE to "" (unbind)
 *   bindtoifindex-other       SO_BINDTOIFINDEX to OTHER_INTERFACE's index
 *   bindtoifindex-none        SO_BINDTOIFINDEX 0
 *   mark-zero                 SO_MARK 0
 *   ipv6-bindtodevice-other   the same on an IPv6 socket
 *   mptcp                     socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP): its subflows would not be pinned
 *   leave:DIR                 writing its own pid to DIR/cgroup.procs, for each CGROUP_DIR
 *   mkdir-child               making a cgroup below its own (the first CGROUP_DIR is its own)
 * Exit 0 when it ran, 2 on bad usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static void report(const char *name, int ok)
{
    printf("%s %s\n", name, ok ? "ok" : strerrorname_np(errno));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pin_escape OTHER_INTERFACE OWN_CGROUP_DIR [CGROUP_DIR...]\n");
        return 2;
    }
    const char *other = argv[1];
    int other_index = (int)if_nametoindex(other), zero = 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        report("device", 0);
        return 0;
    }
    char device[IF_NAMESIZE + 1] = "";
    socklen_t length = sizeof device;
    unsigned mark = 0;
    socklen_t mark_length = sizeof mark;
    getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &length);
    getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &mark_length);
    printf("device %s %#x\n", device, mark);
    report("bindtodevice-other", setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, other, (socklen_t)strlen(other)) == 0);
    report("bindtodevice-none", setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 0) == 0);
    report("bindtoifindex-other", setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &other_index, sizeof other_index) == 0);
    report("bindtoifindex-none", setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &zero, sizeof zero) == 0);
    report("mark-zero", setsockopt(fd, SOL_SOCKET, SO_MARK, &zero, sizeof zero) == 0);
    close(fd);
    int fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    report("ipv6-bindtodevice-other", fd6 >= 0 && setsockopt(fd6, SOL_SOCKET, SO_BINDTODEVICE, other,
                                                             (socklen_t)strlen(other)) == 0);
    if (fd6 >= 0)
        close(fd6);
    int mptcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
    report("mptcp", mptcp >= 0);
    if (mptcp >= 0)
        close(mptcp);

    for (int i = 2; i < argc; ++i) {
        char path[4096], name[4200], pid[32];
        snprintf(path, sizeof path, "%s/cgroup.procs", argv[i]);
        snprintf(name, sizeof name, "leave:%s", argv[i]);
        int procs = open(path, O_WRONLY | O_CLOEXEC);
        int n = snprintf(pid, sizeof pid, "%d\n", getpid());
        int ok = procs >= 0 && write(procs, pid, (size_t)n) == n;
        report(name, ok);
        if (procs >= 0)
            close(procs);
    }
    char child[4096];
    snprintf(child, sizeof child, "%s/escape", argv[2]);
    int made = mkdir(child, 0755) == 0;
    report("mkdir-child", made);
    if (made)
        rmdir(child);
    return 0;
}
