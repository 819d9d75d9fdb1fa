/* dbus_flood COUNT OUTSTANDING ROLE METRIC: calls org.ifpin1.Role.SetMetric(METRIC) on ROLE's object
 * COUNT times over one connection to the system bus ($DBUS_SYSTEM_BUS_ADDRESS), with up to OUTSTANDING
 * calls in flight at once, and prints how each was answered: one line "NAME COUNT" per error name
 * (or "ok COUNT"), then "done SECONDS". The flood of issue #15, item 3: refused calls by the
 * thousand. */
#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { max_names = 16 };
static struct {
    char name[128];
    long count;
} tally[max_names];

static void count(const char *name)
{
    for (int i = 0; i < max_names; ++i) {
        if (!tally[i].name[0])
            snprintf(tally[i].name, sizeof tally[i].name, "%s", name);
        if (strcmp(tally[i].name, name) == 0) {
            ++tally[i].count;
            return;
        }
    }
}

static void settle(DBusPendingCall *call)
{
    dbus_pending_call_block(call);
    DBusMessage *reply = dbus_pending_call_steal_reply(call);
    if (!reply)
        count("(none)");
    else if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
        count(dbus_message_get_error_name(reply));
    else
        count("ok");
    if (reply)
        dbus_message_unref(reply);
    dbus_pending_call_unref(call);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: dbus_flood COUNT OUTSTANDING ROLE METRIC\n");
        return 2;
    }
    long total = atol(argv[1]);
    int window = atoi(argv[2]);
    char path[128];
    snprintf(path, sizeof path, "/org/ifpin1/role/%s", argv[3]);
    dbus_uint32_t metric = (dbus_uint32_t)strtoul(argv[4], NULL, 10);
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);
    if (!bus) {
        printf("cannot connect: %s\n", error.message);
        return 1;
    }
    DBusPendingCall **ring = calloc((size_t)window, sizeof *ring);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long sent = 0; sent < total; ++sent) {
        int slot = (int)(sent % window);
        if (ring[slot])
            settle(ring[slot]);
        DBusMessage *message = dbus_message_new_method_call("org.ifpin1", path, "org.ifpin1.Role", "SetMetric");
        dbus_message_append_args(message, DBUS_TYPE_UINT32, &metric, DBUS_TYPE_INVALID);
        if (!dbus_connection_send_with_reply(bus, message, &ring[slot], 30000) || !ring[slot]) {
            count("(not sent)");
            ring[slot] = NULL;
        }
        dbus_message_unref(message);
    }
    for (int i = 0; i < window; ++i)
        if (ring[i])
            settle(ring[i]);
    clock_gettime(CLOCK_MONOTONIC, &end);
    for (int i = 0; i < max_names && tally[i].name[0]; ++i)
        printf("%s %ld\n", tally[i].name, tally[i].count);
    printf("done %.2f\n", (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
    return 0;
}
