#!/usr/bin/env bash
# The uplink health phase of tools/bench.sh (RESULT lines on stdout, progress on stderr).
#
# Usage: bench-health.sh IFPIND LAB_SH PREFIX TRIALS CPU_SECONDS   (as root)
#
# 1. Fail-over: in a lab (tools/lab.sh), media probes its gateways by ICMP (interval 0.5 s,
#    down_after 3, up_after 3, on_down = "demote"). The media gateway's namespace starts dropping echo
#    requests (its link stays up); measured: until media's IPv4 and IPv6 routes are at 100 + 20000
#    (and curl then answers mgmt), then from the drop's end until both are back at 100. Beside it
#    the bound of docs/configuration.md: interval x down_after (+ one interval).
# 2. CPU: 16 roles on 16 veth pairs to one gateway namespace, each probing its two gateways (IPv4,
#    IPv6) every 1 s; ifpind's CPU time (utime + stime) over CPU_SECONDS, beside the same 16 roles
#    without health checks, measured in the same run.
# Every namespace is made here and deleted on exit.
set -euo pipefail
readonly ifpind=$1 lab=$2 prefix=$3 trials=$4 cpu_s=$5
readonly work=${IFPIN_BENCH_WORK:-$(mktemp -d /tmp/ifpin-bench-health.XXXXXX)}
readonly gw16="$prefix-gw16" host16="$prefix-h16"
daemon_pid=

say() { echo "bench-health.sh: $*" >&2; }
result() { echo "RESULT|health|$1|$2|$3|$4"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

cleanup() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  "$lab" down "$prefix" >/dev/null 2>&1 || true
  ip netns del "$gw16" 2>/dev/null || true
  ip netns del "$host16" 2>/dev/null || true
}
trap cleanup EXIT

# start NETNS CONFIG LOG: ifpind in NETNS, without any D-Bus (a socket nobody listens on).
start() {
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/no-bus.sock" ip netns exec "$1" "$ifpind" --config "$2" \
    --log-level info >"$3" 2>&1 &
  daemon_pid=$!
}
stop() { kill "$daemon_pid" && wait "$daemon_pid" 2>/dev/null || true; daemon_pid=; }

# media's default routes in the lab are both at METRIC.
media_at() {
  local v4 v6
  v4=$(ip -n "$prefix-host" -j -4 route show default dev media0)
  v6=$(ip -n "$prefix-host" -j -6 route show default dev media0)
  [[ $v4 == *"\"metric\":$1"* && $v6 == *"\"metric\":$1"* ]]
}
# Polls every 10 ms for up to SECONDS; the milliseconds since START when CONDITION held, or "".
wait_ms() {
  local start=$1 seconds=$2; shift 2
  local until=$(($(now_ms) + seconds * 1000))
  while (($(now_ms) < until)); do
    if "$@"; then echo $(($(now_ms) - start)); return; fi
    sleep 0.01
  done
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# ---- 1. fail-over ----------------------------------------------------------------------------------
"$lab" up "$prefix" >/dev/null
cat >"$work/health-failover.toml" <<TOML
[daemon]
socket = "$work/health-failover.sock"
state_directory = "$work/health-failover-state"
[role.media]
interface = "media0"
metric = 100
gateway4 = "192.0.2.1"
gateway6 = "2001:db8:1::1"
[role.media.health]
method = "icmp"
interval = 0.5
timeout = 0.25
down_after = 3
up_after = 3
on_down = "demote"
[role.mgmt]
interface = "mgmt0"
metric = 1000
gateway4 = "198.51.100.1"
gateway6 = "2001:db8:2::1"
TOML
start "$prefix-host" "$work/health-failover.toml" "$work/health-failover.log"
gw="$prefix-gwmedia"
down_times=() up_times=() answers=()
for ((i = 0; i < trials; i++)); do
  # Healthy first: three answered rounds after a recovery, routes at 100.
  [[ -n $(wait_ms "$(now_ms)" 20 media_at 100) ]] || { cat "$work/health-failover.log" >&2; say "media never at 100"; exit 1; }
  sleep 2
  ip netns exec "$gw" nft -f - <<'NFT'
table inet benchdrop {
  chain input { type filter hook input priority 0; icmp type echo-request drop; icmpv6 type echo-request drop; }
}
NFT
  t=$(now_ms)
  down=$(wait_ms "$t" 10 media_at 20100)
  [[ -n $down ]] || { cat "$work/health-failover.log" >&2; say "media not demoted within 10 s"; exit 1; }
  down_times+=("$down")
  answers+=("$(ip netns exec "$prefix-host" curl -sS --max-time 2 http://203.0.113.10/ || true)")
  ip netns exec "$gw" nft delete table inet benchdrop
  t=$(now_ms)
  up=$(wait_ms "$t" 10 media_at 100)
  [[ -n $up ]] || { cat "$work/health-failover.log" >&2; say "media not back within 10 s"; exit 1; }
  up_times+=("$up")
  say "trial $((i + 1)): demoted after $down ms, back after $up ms, curl while demoted: ${answers[-1]}"
done
stop
mgmt_answers=$(printf '%s\n' "${answers[@]}" | grep -c '^mgmt$' || true)
result "fail-over: gateway dead -> routes demoted (both families), median" \
  "$(printf '%s\n' "${down_times[@]}" | median)" ms \
  "of $trials; bound 0.5 s x down_after 3 + 1 interval = 2000 ms; worst $(printf '%s\n' "${down_times[@]}" | sort -n | tail -n 1) ms; curl answered mgmt $mgmt_answers of $trials times"
result "fail-back: gateway answers -> routes at their metric, median" \
  "$(printf '%s\n' "${up_times[@]}" | median)" ms \
  "of $trials; bound 0.5 s x up_after 3 + 1 interval = 2000 ms; worst $(printf '%s\n' "${up_times[@]}" | sort -n | tail -n 1) ms"
result "fail-over: gateway dead -> routes demoted (both families), worst" \
  "$(printf '%s\n' "${down_times[@]}" | sort -n | tail -n 1)" ms "of $trials"
result "fail-back: gateway answers -> routes at their metric, worst" \
  "$(printf '%s\n' "${up_times[@]}" | sort -n | tail -n 1)" ms "of $trials"
"$lab" down "$prefix" >/dev/null

# ---- 2. CPU with 16 roles probing every 1 s ---------------------------------------------------------
ip netns add "$gw16"
ip netns add "$host16"
ip -n "$host16" link set lo up
ip -n "$gw16" link set lo up
ip netns exec "$host16" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
  net.ipv4.ping_group_range="0 0"
ip netns exec "$gw16" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
roles=""
for ((i = 0; i < 16; i++)); do
  ip link add "h$i" netns "$host16" type veth peer name "g$i" netns "$gw16"
  # 198.51.100.0/24 in sixteen /28s; 2001:db8:16:i::/64.
  ip -n "$host16" addr add "198.51.100.$((16 * i + 2))/28" dev "h$i"
  ip -n "$host16" addr add "2001:db8:16:$i::2/64" dev "h$i" nodad
  ip -n "$gw16" addr add "198.51.100.$((16 * i + 1))/28" dev "g$i"
  ip -n "$gw16" addr add "2001:db8:16:$i::1/64" dev "g$i" nodad
  ip -n "$host16" link set "h$i" up
  ip -n "$gw16" link set "g$i" up
  roles+="
[role.r$i]
interface = \"h$i\"
metric = $((100 + i))
gateway4 = \"198.51.100.$((16 * i + 1))\"
gateway6 = \"2001:db8:16:$i::1\"
HEALTH$i"
done
# cpu_ticks PID: utime + stime, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for kind in without with; do
  text="[daemon]
socket = \"$work/health-$kind.sock\"
state_directory = \"$work/health-$kind-state\"
log_level = \"info\"
$roles"
  for ((i = 0; i < 16; i++)); do
    if [[ $kind == with ]]; then
      text=${text/HEALTH$i/[role.r$i.health]
method = \"icmp\"
interval = 1
timeout = 0.5}
    else
      text=${text/HEALTH$i/}
    fi
  done
  printf '%s\n' "$text" >"$work/health-$kind.toml"
  start "$host16" "$work/health-$kind.toml" "$work/health-$kind.log"
  sleep 5 # routes in, the first rounds answered
  [[ $(ip -n "$host16" -4 route show default | wc -l) == 16 ]] || { cat "$work/health-$kind.log" >&2; say "not 16 routes"; exit 1; }
  before=$(cpu_ticks "$daemon_pid") echoes_before=$(ip netns exec "$gw16" awk '/^Icmp:/ { if (n++) print $10 }' /proc/net/snmp)
  sleep "$cpu_s"
  after=$(cpu_ticks "$daemon_pid") echoes_after=$(ip netns exec "$gw16" awk '/^Icmp:/ { if (n++) print $10 }' /proc/net/snmp)
  stop
  percent=$(awk -v t=$((after - before)) -v hz="$hz" -v s="$cpu_s" 'BEGIN { printf "%.3f", 100 * t / hz / s }')
  label="16 roles with health checks (ICMP every 1 s, both families)"
  [[ $kind == with ]] || label="16 roles without health checks (the baseline)"
  result "ifpind CPU, $label" "$percent" "% of a core" \
    "over $cpu_s s ($((after - before)) ticks of 1/$hz s); IPv4 echo requests at the gateways: $((echoes_after - echoes_before)) (expected $((16 * cpu_s)))"
  if [[ $kind == with ]] && grep -q "raw ICMP" "$work/health-$kind.log"; then
    say "warning: the probes used raw sockets"
  fi
done
