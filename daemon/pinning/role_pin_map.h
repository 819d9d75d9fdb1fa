/* The map of one role's pinning program, shared by the program (role_pin.bpf.c) and ifpind
 * (role_program.cpp). The layout is frozen: a program stays attached to its cgroups (systemd scopes
 * and units included) with the map it was loaded with, across restarts and upgrades of ifpind, so
 * every ifpind must read and write this layout. A new layout needs a new pin name.
 *
 * A BPF_MAP_TYPE_ARRAY of IFPIN_PIN_ENTRIES values: entry IFPIN_PIN_TARGET is written by ifpind only
 * (where sockets go), entry IFPIN_PIN_COUNTERS by the program only (what it refused), so an update
 * of the target never overwrites a count. */
#ifndef IFPIN_ROLE_PIN_MAP_H
#define IFPIN_ROLE_PIN_MAP_H

#include <linux/types.h>

struct ifpin_pin_value {
    __u32 ifindex; /* target: 0 while the role's interface is missing -> every inet socket() fails with EPERM */
    __u32 mark;    /* target: SO_MARK of every socket (the egress guard's role mark); 0 leaves it alone */
    __u64 refused; /* counters: sockets refused because the interface was missing */
};

enum {
    IFPIN_PIN_TARGET = 0,
    IFPIN_PIN_COUNTERS = 1,
    IFPIN_PIN_ENTRIES = 2,
};

#endif
