// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ifpin's kernel pinning: one instance of this program per role, attached at
 * BPF_CGROUP_INET_SOCK_CREATE to the cgroups of the processes pinned to the role (docs/security.md).
 *
 * Every AF_INET/AF_INET6 socket such a process creates (TCP, UDP, ICMP "ping", raw, SCTP; by
 * socket(2), a raw system call or io_uring) gets, as it is made:
 *   bound_dev_if = the role's ifindex  (as SO_BINDTODEVICE; undoing it needs CAP_NET_RAW)
 *   mark         = the role's mark     (as SO_MARK; changing it needs CAP_NET_ADMIN)
 * read from this instance's own map, which ifpind rewrites when the role's interface changes.
 *
 * Fail closed: while the role has no interface (ifindex 0) the program returns 0 and socket(2)
 * fails with EPERM. MPTCP is refused too: the MPTCP socket would be bound, but its TCP subflows are
 * kernel sockets, made without this hook, that leave by the default route.
 *
 * Needs CGROUP_SOCK programs with a writable bound_dev_if (Linux 4.10) and mark (4.15), and one
 * helper; no CO-RE and no kernel BTF, so Debian 12's 6.1 loads it as it is. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

#include "role_pin_map.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, IFPIN_PIN_ENTRIES);
    __type(key, __u32);
    __type(value, struct ifpin_pin_value);
} ifpin_role SEC(".maps");

SEC("cgroup/sock_create")
int ifpin_sock_create(struct bpf_sock *sk)
{
    __u32 target_key = IFPIN_PIN_TARGET;
    struct ifpin_pin_value *target = bpf_map_lookup_elem(&ifpin_role, &target_key);

    if (!target)
        return 0;
    if (sk->protocol == IPPROTO_MPTCP)
        return 0;
    __u32 ifindex = target->ifindex;
    if (ifindex == 0) {
        __u32 counters_key = IFPIN_PIN_COUNTERS;
        struct ifpin_pin_value *counters = bpf_map_lookup_elem(&ifpin_role, &counters_key);
        if (counters)
            __sync_fetch_and_add(&counters->refused, 1);
        return 0;
    }
    sk->bound_dev_if = ifindex;
    if (target->mark)
        sk->mark = target->mark;
    return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
