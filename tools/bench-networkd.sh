#!/usr/bin/env bash
# The peer of the scale benchmark: Debian's systemd-networkd managing media0 and mgmt0 of the bench
# lab, run by tools/bench.sh inside the lab's host namespace and a private mount namespace, so that
# it sees its own /run/systemd and /etc/systemd/network and never the machine's networkd or bus.
#
#   bench-networkd.sh prepare DIR   write the .network files and the networkd.conf drop-in into DIR
#   bench-networkd.sh run DIR       (under `unshare -m`) mount the private directories, exec networkd
#
# Defaults are kept except ManageForeignRoutes=no: by default networkd removes the routes it did not
# configure from the links it manages, which here are the 1,100,000 routes of the benchmark itself.
set -euo pipefail

readonly networkd=/lib/systemd/systemd-networkd

prepare() {
  local dir=$1
  mkdir -p "$dir"
  # iface ipv4/len ipv6/len gw4 gw6
  write_network() {
    cat >"$dir/10-$1.network" <<NET
[Match]
Name=$1

[Network]
Address=$2
Address=$3
Gateway=$4
Gateway=$5
NET
  }
  write_network media0 192.0.2.2/24 2001:db8:1::2/64 192.0.2.1 2001:db8:1::1
  write_network mgmt0 198.51.100.2/24 2001:db8:2::2/64 198.51.100.1 2001:db8:2::1
  printf '[Network]\nManageForeignRoutes=no\n' >"$dir/bench.conf"
}

run() {
  local dir=$1
  # Only in this mount namespace (unshare -m makes mounts private): networkd's runtime and
  # configuration directories, no system bus socket, and a read-only /sys, which tells networkd
  # that no udev runs here, so links need no udev initialisation.
  mount -t tmpfs tmpfs /run/systemd
  mount -t tmpfs tmpfs /etc/systemd/network
  [[ -d /run/dbus ]] && mount -t tmpfs tmpfs /run/dbus
  mount -o remount,bind,ro /sys
  mkdir -p /run/systemd/network /run/systemd/networkd.conf.d /run/systemd/netif/links \
    /run/systemd/netif/leases /run/systemd/netif/lldp
  chown -R systemd-network:systemd-network /run/systemd/netif
  cp "$dir"/*.network /run/systemd/network/
  cp "$dir/bench.conf" /run/systemd/networkd.conf.d/
  exec "$networkd"
}

case ${1:-} in
  prepare) prepare "$2" ;;
  run) run "$2" ;;
  *) sed -n '5,6p' "$0" >&2; exit 2 ;;
esac
