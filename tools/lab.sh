#!/usr/bin/env bash
# The ifpin lab: a host namespace with two uplinks, each to a gateway namespace running a tiny
# server, plus one interface ifpind must leave alone. Used by hand and by tests/integration.
#
# Usage:
#   tools/lab.sh up PREFIX                    build the lab (tears down what it made if it fails)
#   tools/lab.sh down PREFIX                  kill its processes, delete its namespaces (idempotent)
#   tools/lab.sh recreate-uplink PREFIX ROLE  delete and re-create the uplink of ROLE (media|mgmt):
#                                             same names and addresses, new ifindex, link up
#   tools/lab.sh dns PREFIX                   a DNS server in each gateway on 203.0.113.53 that
#                                             answers svc.ifpin.test with the gateway's own addresses
#   tools/lab.sh pinning-up PREFIX            for kernel pinning: a bpf filesystem and a cgroup v2
#                                             subtree of the lab's own; prints both paths
#   tools/lab.sh pinning-exec PREFIX LAYOUT CMD...
#                                             exec CMD (ifpind) in a mount namespace of its own where
#                                             that bpffs is /sys/fs/bpf and that subtree is the cgroup
#                                             v2 hierarchy: LAYOUT unified (/sys/fs/cgroup), hybrid
#                                             (/sys/fs/cgroup/unified) or unified-without-bpffs
#
# Topology (namespaces PREFIX-host, PREFIX-gwmedia, PREFIX-gwmgmt; PREFIX: letters, digits, - _ .):
#
#   PREFIX-host                                   PREFIX-gwmedia
#     media0 192.0.2.2/24 2001:db8:1::2/64  <---->  uplink0 192.0.2.1/24 2001:db8:1::1/64 fe80::1/64
#                                                   lo 203.0.113.10/32 2001:db8:ffff::10/128
#                                                      203.0.113.11/32 2001:db8:ffff::11/128
#                                                   lab-server.py media (TCP 80 HTTP, UDP 7)
#                                                 PREFIX-gwmgmt
#     mgmt0 198.51.100.2/24 2001:db8:2::2/64 <--->  uplink0 198.51.100.1/24 2001:db8:2::1/64 fe80::1/64
#                                                   lo 203.0.113.10/32 2001:db8:ffff::10/128
#                                                      203.0.113.12/32 2001:db8:ffff::12/128
#                                                   lab-server.py mgmt (TCP 80 HTTP, UDP 7)
#     other0 203.0.113.65/26 2001:db8:3::2/64 <-> other1 (both in PREFIX-host; not managed by ifpind)
#     lab-server.py host (TCP 8088 HTTP on every address of PREFIX-host)
#
# The host namespace starts with no default route (ifpind adds them), no IPv6 autoconfiguration
# (accept_ra=0), no duplicate address detection and no forwarding; IPv6 addresses survive a link
# down/up (keep_addr_on_down=1), as IPv4 addresses do, so a link flap tests ifpind alone. Both
# gateways answer on the same addresses, so the answer ("media" or "mgmt") tells which uplink a
# packet took. Each gateway has fe80::1 on its uplink0, to be used as a link-local IPv6 gateway.
# Each gateway also has an address of its own on lo (.11/::11 behind media, .12/::12 behind mgmt):
# a client there stands for a remote host that only that uplink reaches. The host namespace has no
# route to them but its default routes, so an answer from the host to one of them goes wherever
# the host's routing sends it, and tells whether answers leave through the uplink they came in on.
#
# The DNS servers (dnsmasq) answer svc.ifpin.test with 203.0.113.11 and 2001:db8:ffff::11 (media)
# or 203.0.113.12 and 2001:db8:ffff::12 (mgmt), so the answer tells which uplink the query took.
#
# Everything happens inside the lab's namespaces; nothing here touches the namespace this script
# is started from, but for the kernel pinning pieces, which are the lab's own and go with `down`:
# the cgroup CGROUP2/ifpin-lab.PREFIX (its processes killed first) and the bpffs mounted at
# ${TMPDIR:-/tmp}/ifpin-lab.PREFIX/bpffs. Server logs go to ${TMPDIR:-/tmp}/ifpin-lab.PREFIX/,
# removed by `down`.
set -euo pipefail

script_dir=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
readonly script_dir
readonly server="$script_dir/lab-server.py"
readonly python=${IFPIN_LAB_PYTHON:-python3}
readonly server_addr4=203.0.113.10
readonly server_addr6=2001:db8:ffff::10
readonly host_http_port=8088
readonly ready_deadline_s=5
declare -A server_pid=()

usage() {
  sed -n '5,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "lab.sh: $*" >&2
  exit 1
}

check_prefix() {
  [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] || die "bad PREFIX '$1' (letters, digits, - _ . ; at most 40)"
}

# Per-role facts: the host interface, then the host's and the gateway's addresses.
role_iface() { case $1 in media) echo media0 ;; mgmt) echo mgmt0 ;; *) die "unknown role '$1' (media|mgmt)" ;; esac; }
role_host4() { case $1 in media) echo 192.0.2.2/24 ;; mgmt) echo 198.51.100.2/24 ;; esac; }
role_host6() { case $1 in media) echo 2001:db8:1::2/64 ;; mgmt) echo 2001:db8:2::2/64 ;; esac; }
role_gw4() { case $1 in media) echo 192.0.2.1/24 ;; mgmt) echo 198.51.100.1/24 ;; esac; }
role_gw6() { case $1 in media) echo 2001:db8:1::1/64 ;; mgmt) echo 2001:db8:2::1/64 ;; esac; }
# The address only this gateway has: a remote client that only this uplink reaches.
role_remote4() { case $1 in media) echo 203.0.113.11 ;; mgmt) echo 203.0.113.12 ;; esac; }
role_remote6() { case $1 in media) echo 2001:db8:ffff::11 ;; mgmt) echo 2001:db8:ffff::12 ;; esac; }

ns_exists() { [[ -e /run/netns/$1 ]]; }

sysctls() {
  local ns=$1
  shift
  ip netns exec "$ns" sysctl -q -w "$@" >/dev/null
}

# Creates the veth pair of ROLE: the host end in the host namespace, uplink0 in the gateway's,
# with their addresses, both up.
make_uplink() {
  local prefix=$1 role=$2
  local host="$prefix-host" gw="$prefix-gw$role" iface
  iface=$(role_iface "$role")
  ip -n "$host" link add "$iface" type veth peer name uplink0 netns "$gw"
  ip -n "$host" addr add "$(role_host4 "$role")" dev "$iface"
  ip -n "$host" addr add "$(role_host6 "$role")" dev "$iface" nodad
  ip -n "$gw" addr add "$(role_gw4 "$role")" dev uplink0
  ip -n "$gw" addr add "$(role_gw6 "$role")" dev uplink0 nodad
  ip -n "$gw" addr add fe80::1/64 dev uplink0 nodad
  ip -n "$gw" link set uplink0 up
  ip -n "$host" link set "$iface" up
}

make_gateway() {
  local prefix=$1 role=$2
  local gw="$prefix-gw$role" rundir="${TMPDIR:-/tmp}/ifpin-lab.$prefix"
  ip netns add "$gw"
  sysctls "$gw" net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n "$gw" link set lo up
  ip -n "$gw" addr add "$server_addr4/32" dev lo
  ip -n "$gw" addr add "$server_addr6/128" dev lo nodad
  ip -n "$gw" addr add "$(role_remote4 "$role")/32" dev lo
  ip -n "$gw" addr add "$(role_remote6 "$role")/128" dev lo nodad
  # setsid and plain-file stdio: the server outlives this script and holds none of its pipes.
  ip netns exec "$gw" setsid "$python" "$server" "$role" \
    </dev/null >>"$rundir/server-$role.log" 2>&1 &
  server_pid[$role]=$!
}

# The host's own service, on TCP 8088 of every address (those added later too), answering "host".
start_host_server() {
  local prefix=$1 rundir="${TMPDIR:-/tmp}/ifpin-lab.$1"
  ip netns exec "$prefix-host" setsid "$python" "$server" host --http-port "$host_http_port" --udp-port 0 \
    0.0.0.0 :: </dev/null >>"$rundir/server-host.log" 2>&1 &
  server_pid[host]=$!
}

# True once the server of ROLE (media, mgmt or host) accepts TCP on both families (checked from
# inside its namespace).
server_ready() {
  local prefix=$1 role=$2
  if [[ $role == host ]]; then
    ip netns exec "$prefix-host" bash -c \
      "exec 3<>/dev/tcp/127.0.0.1/$host_http_port && exec 4<>/dev/tcp/::1/$host_http_port" 2>/dev/null
  else
    ip netns exec "$prefix-gw$role" bash -c \
      "exec 3<>/dev/tcp/$server_addr4/80 && exec 4<>/dev/tcp/$server_addr6/80" 2>/dev/null
  fi
}

wait_servers() {
  local prefix=$1 role deadline=$((SECONDS + ready_deadline_s)) pending
  while :; do
    pending=()
    for role in media mgmt host; do
      server_ready "$prefix" "$role" || pending+=("$role")
    done
    ((${#pending[@]} == 0)) && return 0
    local gone=()
    for role in "${pending[@]}"; do
      kill -0 "${server_pid[$role]}" 2>/dev/null || gone+=("$role")
    done
    if ((${#gone[@]})) || ((SECONDS >= deadline)); then
      ((${#gone[@]})) && pending=("${gone[@]}")
      for role in "${pending[@]}"; do
        echo "lab.sh: server $role of $prefix not accepting TCP on both families (exited, or not within ${ready_deadline_s}s); its log:" >&2
        sed 's/^/  /' "${TMPDIR:-/tmp}/ifpin-lab.$prefix/server-$role.log" >&2 || true
      done
      return 1
    fi
    sleep 0.05
  done
}

on_up_exit() {
  local status=$?
  trap - EXIT
  if ((status != 0)); then
    echo "lab.sh: up $1 failed; tearing down" >&2
    cmd_down "$1"
  fi
  exit "$status"
}

cmd_up() {
  local prefix=$1 host="$1-host" ns
  for ns in "$host" "$prefix-gwmedia" "$prefix-gwmgmt"; do
    ! ns_exists "$ns" || die "namespace $ns already exists; run: $0 down $prefix"
  done
  # From here on, a failure removes whatever was made.
  # shellcheck disable=SC2064 # expand prefix now
  trap "on_up_exit '$prefix'" EXIT
  mkdir -p "${TMPDIR:-/tmp}/ifpin-lab.$prefix"

  ip netns add "$host"
  sysctls "$host" net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 net.ipv6.conf.default.forwarding=0 \
    net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
  ip -n "$host" link set lo up

  make_gateway "$prefix" media
  make_gateway "$prefix" mgmt
  make_uplink "$prefix" media
  make_uplink "$prefix" mgmt

  ip -n "$host" link add other0 type veth peer name other1
  ip -n "$host" addr add 203.0.113.65/26 dev other0
  ip -n "$host" addr add 2001:db8:3::2/64 dev other0 nodad
  ip -n "$host" link set other1 up
  ip -n "$host" link set other0 up

  start_host_server "$prefix"
  wait_servers "$prefix"
  trap - EXIT
}

# Kills every process in NS and waits (up to ~2 s) until they are gone.
kill_ns_processes() {
  local ns=$1 pids _
  for _ in $(seq 1 40); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -z $pids ]] && return 0
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.05
  done
  echo "lab.sh: processes still in $ns after SIGKILL: $pids" >&2
}

# The mount point of the cgroup v2 hierarchy of this mount namespace (empty when there is none).
cgroup2_mount() {
  sed -n 's/^[0-9]* [0-9]* [^ ]* [^ ]* \([^ ]*\) .* - cgroup2 .*/\1/p' /proc/self/mountinfo | head -n 1
}

# Kills every process in the cgroup subtree DIR and removes its cgroups, deepest first.
remove_cgroup_tree() {
  local dir=$1 _
  [[ -d $dir ]] || return 0
  for _ in $(seq 1 40); do
    echo 1 >"$dir/cgroup.kill" 2>/dev/null || true
    grep -q '^populated 0' "$dir/cgroup.events" 2>/dev/null && break
    sleep 0.05
  done
  find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  [[ ! -d $dir ]] || echo "lab.sh: cannot remove the cgroup $dir" >&2
}

cmd_down() {
  local prefix=$1 ns rundir="${TMPDIR:-/tmp}/ifpin-lab.$prefix" cg2
  for ns in "$prefix-host" "$prefix-gwmedia" "$prefix-gwmgmt"; do
    if ns_exists "$ns"; then
      kill_ns_processes "$ns"
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  cg2=$(cgroup2_mount)
  [[ -z $cg2 ]] || remove_cgroup_tree "$cg2/ifpin-lab.$prefix"
  if mountpoint -q "$rundir/bpffs" 2>/dev/null; then umount -l "$rundir/bpffs" || true; fi
  rm -rf "$rundir"
}

cmd_dns() {
  local prefix=$1 role n=1 rundir="${TMPDIR:-/tmp}/ifpin-lab.$1"
  for role in media mgmt; do
    local gw="$prefix-gw$role"
    ns_exists "$gw" || die "no lab $prefix (namespace $gw missing)"
    ip -n "$gw" addr add 203.0.113.53/32 dev lo 2>/dev/null || true
    # dnsmasq forks into the background; `down` kills it with the namespace's other processes.
    ip netns exec "$gw" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --user=nobody --group=nogroup \
      --bind-interfaces --listen-address=203.0.113.53 --pid-file= --log-facility="$rundir/dns-$role.log" \
      --address=/svc.ifpin.test/203.0.113.1$n --address=/svc.ifpin.test/2001:db8:ffff::1$n
    n=$((n + 1))
  done
  for role in media mgmt; do
    for _ in $(seq 1 50); do
      ip netns exec "$prefix-gw$role" ss -Hlun 'sport = :53' | grep -q 203.0.113.53 && break
      sleep 0.05
    done
  done
}

cmd_pinning_up() {
  local prefix=$1 rundir="${TMPDIR:-/tmp}/ifpin-lab.$1" cg2
  cg2=$(cgroup2_mount)
  [[ -n $cg2 ]] || die "no cgroup v2 hierarchy is mounted here: kernel pinning needs one"
  mkdir -p "$rundir/bpffs"
  mountpoint -q "$rundir/bpffs" || mount -t bpf bpf "$rundir/bpffs" -o mode=0700 ||
    die "cannot mount a bpf filesystem at $rundir/bpffs"
  mkdir -p "$cg2/ifpin-lab.$prefix"
  echo "cgroup $cg2/ifpin-lab.$prefix"
  echo "bpffs $rundir/bpffs"
}

# Runs in the new mount namespace of pinning-exec: the lab's bpffs and cgroup subtree in the places
# a booted host has them, then CMD.
cmd_pinning_mounts() {
  local prefix=$1 layout=$2 rundir="${TMPDIR:-/tmp}/ifpin-lab.$1"
  shift 2
  local subtree="ifpin-lab.$prefix"
  [[ $layout == unified-without-bpffs ]] || mount --bind "$rundir/bpffs" /sys/fs/bpf
  case $layout in
    unified | unified-without-bpffs)
      mount -t cgroup2 cgroup2 /sys/fs/cgroup
      mount --bind "/sys/fs/cgroup/$subtree" /sys/fs/cgroup
      ;;
    hybrid)
      mount -t tmpfs -o mode=0755 tmpfs /sys/fs/cgroup
      mkdir /sys/fs/cgroup/unified
      mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
      mount --bind "/sys/fs/cgroup/unified/$subtree" /sys/fs/cgroup/unified
      ;;
    *) die "unknown layout '$layout' (unified|hybrid|unified-without-bpffs)" ;;
  esac
  exec "$@"
}

cmd_recreate_uplink() {
  local prefix=$1 role=$2 iface
  iface=$(role_iface "$role")
  ns_exists "$prefix-host" || die "no lab $prefix (namespace $prefix-host missing)"
  # Deleting one end of a veth pair deletes the other (uplink0 in the gateway) too.
  ip -n "$prefix-host" link del "$iface" 2>/dev/null || true
  make_uplink "$prefix" "$role"
}

main() {
  (($# >= 2)) || usage
  local cmd=$1 prefix=$2
  check_prefix "$prefix"
  case $cmd in
    up) (($# == 2)) || usage; cmd_up "$prefix" ;;
    down) (($# == 2)) || usage; cmd_down "$prefix" ;;
    recreate-uplink) (($# == 3)) || usage; cmd_recreate_uplink "$prefix" "$3" ;;
    dns) (($# == 2)) || usage; cmd_dns "$prefix" ;;
    pinning-up) (($# == 2)) || usage; cmd_pinning_up "$prefix" ;;
    pinning-exec)
      (($# >= 4)) || usage
      # unshare execs (no fork), and so does pinning-mounts: CMD keeps this process's pid.
      exec unshare --mount --propagation private -- "$script_dir/lab.sh" pinning-mounts "$prefix" "${@:3}" ;;
    pinning-mounts) (($# >= 4)) || usage; cmd_pinning_mounts "$prefix" "${@:3}" ;;
    *) usage ;;
  esac
}

main "$@"
