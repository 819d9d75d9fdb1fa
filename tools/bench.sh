#!/usr/bin/env bash
# The benchmarks: builds ifpind and tests/benchmarks/ in release mode into their own build directory,
# runs them in network namespaces (tools/lab.sh) and writes the results table into
# docs/performance.md between its "bench:begin" and "bench:end" markers, with the machine it ran on.
# Benchmarks print figures; nothing fails because the machine is slow.
#
# Usage: tools/bench.sh [PHASE...]     (as root; default: all phases)
#   broker     libifpin vs the minimal broker (the design's floor, a process of its own) vs
#              in-process socket creation vs a bare SCM_RIGHTS round trip; CDFs in docs/perf/
#   reconcile  foreign change -> policy restored (routes and return-routing rules), vs one netlink
#              round trip
#   idle       wake-ups of an idle ifpind over 60 s (with a private bus) and 20 s (without a bus)
#   scale      1,000,000 IPv4 + 100,000 IPv6 routes: READY, routes in place (from the kernel's
#              route events), RSS, churn CPU, overflow resync; READY and RSS again without return
#              routing, beside
#   peer       systemd-networkd in the same 1M-route namespace: settle time, RSS, churn CPU
#   pinning    kernel pinning: socket creation in a pinned cgroup vs socket()+SO_BINDTODEVICE, and
#              the time `ifpinctl exec` adds before the command starts, beside the preload shim's
#   health     uplink health: from the media gateway dying (nft drops echo requests in its
#              namespace) to media's routes demoted and curl answering mgmt, and back, beside
#              interval x down_after (up_after); ifpind's CPU with 16 roles probing every 1 s
#              (ICMP, both families), beside the same 16 roles without health checks
# Environment: IFPIN_BENCH_BUILD (default build-bench), IFPIN_BENCH_JOBS (ninja -j, default 1),
#   IFPIN_BENCH_TRIALS (reconcile trials, default 1000), IFPIN_BENCH_IDLE_S (default 60),
#   IFPIN_BENCH_SETTLE_S (how long a daemon may take to install its default routes, default 60),
#   IFPIN_BENCH_PIN_SOCKETS (sockets per pinning measurement, default 50000), IFPIN_BENCH_PIN_RUNS
#   (starts of each `ifpinctl exec` kind, default 100), IFPIN_BENCH_HEALTH_TRIALS (fail-overs,
#   default 5), IFPIN_BENCH_HEALTH_S (the CPU window, default 30),
#   IFPIN_BENCH_NO_DOC=1 (print only; leave docs/performance.md alone).
#
# Every route and packet lives in namespaces made here and deleted on exit (also on failure).
set -euo pipefail

root=$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")
readonly root
readonly build=${IFPIN_BENCH_BUILD:-$root/build-bench}
readonly jobs=${IFPIN_BENCH_JOBS:-1}
readonly trials=${IFPIN_BENCH_TRIALS:-1000}
readonly idle_s=${IFPIN_BENCH_IDLE_S:-60}
export IFPIN_BENCH_SETTLE_S=${IFPIN_BENCH_SETTLE_S:-60}
readonly lab="$root/tools/lab.sh"
readonly cache="$build/bench-cache"
readonly small_lab="ifpb$$" scale_lab="ifps$$" pin_lab="ifpp$$" health_lab="ifph$$"
work=$(mktemp -d /tmp/ifpin-bench.XXXXXX)
readonly work results="$work/results.txt" samples="$work/samples"
dbus_pid=

phases=("$@")
((${#phases[@]})) || phases=(broker reconcile idle scale peer pinning health)
wants() { [[ " ${phases[*]} " == *" $1 "* ]]; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n $dbus_pid ]] && kill "$dbus_pid" 2>/dev/null
  "$lab" down "$small_lab" >/dev/null 2>&1 || true
  "$lab" down "$scale_lab" >/dev/null 2>&1 || true
  "$lab" down "$pin_lab" >/dev/null 2>&1 || true
  "$lab" down "$health_lab" >/dev/null 2>&1 || true
  ip netns del "$health_lab-gw16" 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench.sh: $*" >&2; }

[[ $(id -u) == 0 ]] || { say "run as root (network namespaces)"; exit 1; }

# ---- build ---------------------------------------------------------------------------------------
[[ -f $build/build.ninja ]] || meson setup "$build" "$root" --buildtype=release >/dev/null
targets=(daemon/ifpind benchmarks)
! wants pinning || targets+=(client/ifpinctl client/libifpin-preload.so)
ninja -C "$build" -j"$jobs" "${targets[@]}" >&2
readonly ifpind="$build/daemon/ifpind" bench="$build/tests/benchmarks"

# ---- ifpind configurations -----------------------------------------------------------------------
# config NAME LOG_LEVEL [EXTRA [ROLE_EXTRA]]: media at metric 100, mgmt at 1000, gateways given;
# EXTRA goes into [daemon], ROLE_EXTRA into both roles. Return routing is on (the default): media's
# rules are from 192.0.2.2 and 2001:db8:1::2 to table 1001 at priority 32001.
config() {
  local name=$1 level=$2 extra=${3:-} role_extra=${4:-}
  mkdir -p "$work/$name"
  cat >"$work/$name.toml" <<EOF
[daemon]
table = "main"
socket = "$work/$name/ifpind.sock"
state_directory = "$work/$name/state"
log_level = "$level"
$extra
[role.media]
interface = "media0"
metric = 100
gateway4 = "192.0.2.1"
gateway6 = "2001:db8:1::1"
$role_extra

[role.mgmt]
interface = "mgmt0"
metric = 1000
gateway4 = "198.51.100.1"
gateway6 = "2001:db8:2::1"
$role_extra
EOF
  echo "$work/$name.toml"
}

in_ns() { ip netns exec "$1-host" "${@:2}"; }
# Renames a broker run's figures so that they sit beside the first run's ("one CPU: ...").
one_cpu() {
  "$@" | sed -u -e 's/^RESULT|broker|/RESULT|broker (one CPU)|one CPU: /' -e 's/|one CPU: load average/|load average/'
}
run_bench() { "$@" | tee -a "$results" >/dev/null || say "failed (figures may be missing): ${*:3:2}"; }

# ---- small lab: broker, reconcile, idle -----------------------------------------------------------
if wants broker || wants reconcile || wants idle; then
  say "lab $small_lab up"
  "$lab" up "$small_lab"
  if wants broker; then
    say "broker (load $(cut -d' ' -f1-3 /proc/loadavg))"
    mkdir -p "$samples/broker" "$samples/broker-one-cpu" "$samples/reconcile"
    IFPIN_BENCH_SAMPLES="$samples/broker" run_bench in_ns "$small_lab" "$bench/broker_bench" "$ifpind" media0 media \
      "warning=$(config broker-warning warning)" "info=$(config broker-info info)"
    # The same with client and daemon on one CPU: on an idle VM a wake-up on the other (halted)
    # CPU costs tens of microseconds, which is the VM's, not the broker's (docs/performance.md).
    say "broker on CPU 0 only (load $(cut -d' ' -f1-3 /proc/loadavg))"
    IFPIN_BENCH_SAMPLES="$samples/broker-one-cpu" run_bench one_cpu in_ns "$small_lab" taskset -c 0 "$bench/broker_bench" "$ifpind" media0 media \
      "warning=$(config broker-warning warning)" "info=$(config broker-info info)"
  fi
  if wants reconcile; then
    say "reconcile, $trials trials (load $(cut -d' ' -f1-3 /proc/loadavg))"
    mkdir -p "$samples/reconcile"
    IFPIN_BENCH_SAMPLES="$samples/reconcile" run_bench in_ns "$small_lab" "$bench/reconcile_bench" "$ifpind" "$(config reconcile warning)" \
      media0 100 192.0.2.1 2001:db8:1::1 "$trials" 192.0.2.2 2001:db8:1::2 1001 32001
  fi
  if wants idle; then
    say "idle, ${idle_s} s with a private bus and 20 s without (load $(cut -d' ' -f1-3 /proc/loadavg))"
    # A private bus (session policy: any name may be owned), never the machine's system bus.
    dbus-daemon --session --nofork --address="unix:path=$work/bus.sock" >/dev/null 2>&1 &
    dbus_pid=$!
    for _ in $(seq 50); do [[ -S $work/bus.sock ]] && break; sleep 0.1; done
    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus.sock" run_bench in_ns "$small_lab" \
      "$bench/idle_bench" "$ifpind" "$(config idle-bus info)" "$idle_s" "private bus"
    kill "$dbus_pid"; dbus_pid=
    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/no-bus.sock" run_bench in_ns "$small_lab" \
      "$bench/idle_bench" "$ifpind" "$(config idle-nobus info)" 20 "no bus"
  fi
  "$lab" down "$small_lab"
fi

# ---- scale lab: 1,000,000 IPv4 and 100,000 IPv6 routes, no traffic ever -----------------------------
# IPv4: the first 1,000,000 /30s of 100.64.0.0/10; IPv6: 100,000 /56s of 2001:db8::/32.
make_batches() {
  mkdir -p "$cache"
  if [[ ! -s $cache/routes4.batch ]]; then
    say "writing $cache/routes4.batch"
    awk 'BEGIN { for (i = 0; i < 1000000; i++) { a = i * 4;
      printf "route add 100.%d.%d.%d/30 via 192.0.2.1 dev media0\n", 64 + int(a / 65536), int(a / 256) % 256, a % 256 } }' \
      >"$cache/routes4.batch.tmp" && mv "$cache/routes4.batch.tmp" "$cache/routes4.batch"
  fi
  if [[ ! -s $cache/routes6.batch ]]; then
    say "writing $cache/routes6.batch"
    awk 'BEGIN { for (i = 0; i < 100000; i++)
      printf "route add 2001:db8:%x:%x::/56 via 2001:db8:1::1 dev media0\n", int(i / 256), (i % 256) * 256 }' \
      >"$cache/routes6.batch.tmp" && mv "$cache/routes6.batch.tmp" "$cache/routes6.batch"
  fi
}

if wants scale || wants peer; then
  make_batches
  say "lab $scale_lab up; loading 1,100,000 routes"
  "$lab" up "$scale_lab"
  start=$SECONDS
  ip -n "$scale_lab-host" -batch "$cache/routes4.batch"
  ip -6 -n "$scale_lab-host" -batch "$cache/routes6.batch"
  say "routes loaded in $((SECONDS - start)) s"
  echo "RESULT|scale|routes in the main table (IPv4 + IPv6, as ip counts them)||routes|$(ip -n "$scale_lab-host" -4 route show table main | wc -l) + $(ip -n "$scale_lab-host" -6 route show table main | wc -l), loaded in $((SECONDS - start)) s" >>"$results"
  if wants scale; then
    say "scale: ifpind (load $(cut -d' ' -f1-3 /proc/loadavg))"
    cfg=$(config scale info 'remove_routes_on_exit = true')
    run_bench in_ns "$scale_lab" "$bench/scale_bench" run ifpind "$cfg.log" mgmt0 -- "$ifpind" --config "$cfg"
    # The same without return routing: what its rules and reply tables cost at start, beside.
    say "scale: ifpind without return routing (load $(cut -d' ' -f1-3 /proc/loadavg))"
    cfg=$(config scale-norr info 'remove_routes_on_exit = true' 'return_routing = false')
    run_bench in_ns "$scale_lab" "$bench/scale_bench" run "ifpind without return routing" "$cfg.log" mgmt0 -- \
      "$ifpind" --config "$cfg"
    say "scale: overflow and resync"
    run_bench in_ns "$scale_lab" "$bench/scale_bench" overflow "$ifpind" "$(config overflow info 'remove_routes_on_exit = true')" \
      "$work/overflow.log"
  fi
  if wants peer; then
    say "peer: systemd-networkd (load $(cut -d' ' -f1-3 /proc/loadavg))"
    "$root/tools/bench-networkd.sh" prepare "$work/networkd"
    rm -f "$build/bench-networkd.log"
    run_bench in_ns "$scale_lab" "$bench/scale_bench" run networkd "$build/bench-networkd.log" media0 -- \
      env SYSTEMD_LOG_LEVEL=notice unshare -m --propagation private "$root/tools/bench-networkd.sh" run "$work/networkd"
    tail -n 20 "$build/bench-networkd.log" | sed 's/^/  networkd: /' >&2
  fi
  "$lab" down "$scale_lab"
fi

# ---- kernel pinning ------------------------------------------------------------------------------
# ifpind with the lab's bpffs and cgroup v2 subtree (lab.sh pinning-up, pinning-exec); the benchmark
# runs in the lab's network namespace with this host's mounts (nsenter), to move itself in and out
# of mgmt's pinned cgroup.
if wants pinning; then
  say "lab $pin_lab up, with kernel pinning"
  "$lab" up "$pin_lab"
  pin_paths=$("$lab" pinning-up "$pin_lab")
  pin_cgroup=$(sed -n 's/^cgroup //p' <<<"$pin_paths") pin_bpffs=$(sed -n 's/^bpffs //p' <<<"$pin_paths")
  cg2_mount=$(dirname "$pin_cgroup")
  cfg=$(config pinning warning)
  ip netns exec "$pin_lab-host" "$lab" pinning-exec "$pin_lab" unified "$ifpind" --config "$cfg" --log-level info \
    >"$work/pinning.log" 2>&1 &
  for _ in $(seq 100); do [[ -S $work/pinning/ifpind.sock && -e $pin_bpffs/ifpin/mgmt ]] && break; sleep 0.1; done
  [[ -e $pin_bpffs/ifpin/mgmt ]] || { cat "$work/pinning.log" >&2; say "ifpind pinned no program"; exit 1; }
  mark=$(sed -n 's/.*mgmt \(0x[0-9a-f]*\) on mgmt0.*/\1/p' "$work/pinning.log" | head -n 1)
  say "pinning: socket creation (load $(cut -d' ' -f1-3 /proc/loadavg))"
  run_bench nsenter --net="/run/netns/$pin_lab-host" "$bench/pin_bench" sockets "$pin_cgroup/ifpin/mgmt" "$cg2_mount" \
    mgmt0 "${mark:-0}" "$pin_bpffs/ifpin/mgmt" "${IFPIN_BENCH_PIN_SOCKETS:-50000}" 11
  say "pinning: ifpinctl exec (load $(cut -d' ' -f1-3 /proc/loadavg))"
  IFPIN_SOCKET="$work/pinning/ifpind.sock" IFPIN_PRELOAD="$build/client/libifpin-preload.so" \
    run_bench in_ns "$pin_lab" "$bench/pin_bench" exec "$build/client/ifpinctl" mgmt "${IFPIN_BENCH_PIN_RUNS:-100}" 100
  # What each move cost ifpind's loop, from its log.
  grep -o 'cgroup.procs written in [0-9.]* ms' "$work/pinning.log" | awk '{ print $4 }' | sort -n | awk '
    { v[NR] = $1 }
    END { if (NR) printf "RESULT|pinning|ifpind: the cgroup.procs write of a move, median|%.3f|ms|of %d moves; it blocks the loop this long\n", v[int((NR + 1) / 2)], NR }' \
    >>"$results"
  "$lab" down "$pin_lab"
fi

# ---- uplink health -------------------------------------------------------------------------------
[[ -x $root/tools/bench-health.sh ]] || { say "tools/bench-health.sh missing"; exit 1; }
if wants health; then
  say "health: fail-over and CPU (load $(cut -d' ' -f1-3 /proc/loadavg))"
  IFPIN_BENCH_WORK="$work" run_bench "$root/tools/bench-health.sh" "$ifpind" "$lab" "$health_lab" \
    "${IFPIN_BENCH_HEALTH_TRIALS:-5}" "${IFPIN_BENCH_HEALTH_S:-30}"
fi

# ---- report --------------------------------------------------------------------------------------
if [[ ${IFPIN_BENCH_NO_DOC:-0} == 1 ]]; then
  python3 "$root/tools/bench-report.py" "$results"
else
  cp "$results" "$build/bench-results.txt"
  python3 "$root/tools/bench-report.py" "$results" --update "$root/docs/performance.md"
  # Debian's python and matplotlib (tools/install-deps.sh), not a python of PATH's.
  [[ ! -d $samples ]] || /usr/bin/python3 "$root/tools/bench-cdf.py" "$samples" "$root/docs/perf" >&2
  say "results written to docs/performance.md and docs/perf/*.svg (raw: $build/bench-results.txt)"
fi
