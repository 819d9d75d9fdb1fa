#!/usr/bin/env bash
# The main job on the embedded default: builds ifpin, builds the lab (network namespaces with a media
# and a mgmt uplink, see tools/lab.sh), runs ifpind in it and shows what it did. The host's own
# routes and links are never touched; everything is removed at the end, also on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export BUILD_DIR=${BUILD_DIR:-$root/build}
# Only what the demo runs: the test programs are built by run-tests.sh.
BUILD_TARGETS="daemon/ifpind client/ifpinctl client/libifpin-preload.so" "$here/build.sh"

prefix="ifpdemo$$"
host="$prefix-host"
work=$(mktemp -d)
daemon_pid=""
bus_pid=""
cleanup() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  [[ -n $bus_pid ]] && kill "$bus_pid" 2>/dev/null || true
  "$here/lab.sh" down "$prefix" || true
  rm -rf "$work" "/etc/netns/$host"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_lab() { ip netns exec "$host" "$@"; }
wait_for() { # wait_for DESCRIPTION COMMAND...: polls for up to 5 s
  local what=$1; shift
  for _ in $(seq 500); do "$@" >/dev/null 2>&1 && return 0; sleep 0.01; done
  echo "demo: timed out waiting for $what" >&2; return 1
}

step "building the lab: host namespace $host with uplinks media0 and mgmt0"
"$here/lab.sh" up "$prefix"
# Kernel pinning: the lab's own bpf filesystem and cgroup v2 subtree, given to ifpind below as
# /sys/fs/bpf and its cgroup hierarchy (lab.sh pinning-exec); both go with the lab.
"$here/lab.sh" pinning-up "$prefix" >/dev/null
# Let `ip route` inside the lab name ifpind's protocol (ip netns exec overlays /etc/netns/NS on /etc).
mkdir -p "/etc/netns/$host"
cp -r /etc/iproute2 "/etc/netns/$host/"
mkdir -p "/etc/netns/$host/iproute2/rt_protos.d"
cp "$BUILD_DIR/data/ifpind.conf" "/etc/netns/$host/iproute2/rt_protos.d/"

step "a DHCP client's default route on mgmt0, at metric 0: it would win over media"
in_lab ip route add default via 198.51.100.1 dev mgmt0 metric 0 proto dhcp
in_lab ip route show default

# A private system bus for ifpind's D-Bus API (tools/private-system-bus.conf.in), so the demo never
# talks to, or needs, the machine's own system bus.
sed -e "s|@LISTEN@|$work/bus.sock|" -e "s|@POLICY@|$root/dbus/org.ifpin1.conf|" \
  "$here/private-system-bus.conf.in" > "$work/bus.conf"
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile &
bus_pid=$!
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus.sock"
wait_for "the private bus" test -S "$work/bus.sock"
# ifpinctl exec: the broker socket of this run, and the shim from the build tree.
export IFPIN_SOCKET="$work/ifpind.sock" IFPIN_PRELOAD="$BUILD_DIR/client/libifpin-preload.so"

cat > "$work/ifpind.toml" <<TOML
[daemon]
table = "main"
socket = "$work/ifpind.sock"
state_directory = "$work/state"

[role.media]            # the data uplink: lowest metric, so everybody uses it
interface = "media0"
metric = 100
gateway4 = "192.0.2.1"
gateway6 = "2001:db8:1::1"

[role.mgmt]             # the management uplink: IPv4 gateway learned from the DHCP route above
interface = "mgmt0"
metric = 1000
gateway6 = "2001:db8:2::1"
TOML
step "starting ifpind with this policy"
cat "$work/ifpind.toml"
in_lab "$here/lab.sh" pinning-exec "$prefix" unified "$BUILD_DIR/daemon/ifpind" --config "$work/ifpind.toml" \
  >"$work/ifpind.log" 2>&1 &
daemon_pid=$!
wait_for "ifpind's routes" sh -c "ip -n $host route show default proto 241 | grep -q 'metric 1000'"

step "the lab host's routes, as ifpind left them"
in_lab ip route show
in_lab ip -6 route show default

step "an admin deletes the media default route; ifpind restores it"
in_lab ip route del default dev media0 metric 100
wait_for "the media route to come back" sh -c "ip -n $host route show default | grep -q media0"
in_lab ip route show default

step "ifpinctl status (over D-Bus)"
wait_for "ifpind on the bus" "$BUILD_DIR/client/ifpinctl" status
"$BUILD_DIR/client/ifpinctl" status

step "traffic: a plain program takes media, the same program under 'ifpinctl exec mgmt' takes mgmt"
echo "\$ curl http://203.0.113.10/"
in_lab curl -sS --max-time 5 http://203.0.113.10/
echo "\$ ifpinctl exec mgmt -- curl http://203.0.113.10/          # kernel pinning"
in_lab "$BUILD_DIR/client/ifpinctl" exec mgmt -- curl -sS --max-time 5 http://203.0.113.10/
echo "\$ ifpinctl exec mgmt -- curl 'http://[2001:db8:ffff::10]/'"
in_lab "$BUILD_DIR/client/ifpinctl" exec mgmt -- curl -sS -g --max-time 5 'http://[2001:db8:ffff::10]/'
echo "\$ ifpinctl exec mgmt -- busybox wget -q -O - http://203.0.113.10/   # a static binary: no shim catches it"
in_lab "$BUILD_DIR/client/ifpinctl" exec mgmt -- busybox wget -q -O - http://203.0.113.10/
echo "\$ ifpinctl exec --preload mgmt -- curl http://203.0.113.10/   # the LD_PRELOAD shim instead"
in_lab "$BUILD_DIR/client/ifpinctl" exec --preload mgmt -- curl -sS --max-time 5 http://203.0.113.10/

step "return routing: an admin behind the mgmt gateway reaches the host's mgmt address, answered through mgmt"
in_lab ip rule
echo "\$ curl --interface 203.0.113.12 http://198.51.100.2:8088/      # in $prefix-gwmgmt: a remote NOC"
ip netns exec "$prefix-gwmgmt" curl -sS --max-time 5 --interface 203.0.113.12 http://198.51.100.2:8088/

step "ifpind's log"
kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""
cat "$work/ifpind.log"
