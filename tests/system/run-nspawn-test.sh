#!/usr/bin/env bash
# ifpin under a real systemd (suite 'system'): boots a Debian 12 root with systemd-nspawn inside the
# lab's host namespace (tools/lab.sh), installs ifpin into it with `meson install --destdir`, and
# drives ifpind the way an administrator would: systemctl start, reload, stop; socket activation
# through ifpind.socket; D-Bus activation; SIGKILL and restart; journalctl; kernel pinning in
# transient scopes of ifpin.slice and in units (ifpinctl pin-unit), surviving restarts of ifpind.
#
# The Debian root is made once by debootstrap and kept in the build directory (systemd-root/,
# rebuilt only when missing or when the package list below changes); each run boots a throw-away
# overlay of it, so the cached root stays pristine. Needs root, debootstrap, systemd-nspawn and
# a build configured with --prefix=/usr (Debian's layout). Anything missing is a failure, never a
# skip. The host's routes, links, users and services are never touched: the container sees only
# the lab's namespace, and everything is removed at the end, also on failure.
#
# Environment (set by tests/system/meson.build): MESON, BUILD_DIR, SOURCE_DIR, PREFIX, IFPIN_LAB, and
# CHECK_METRICS (tests/integration/check_metrics.py, run here on the host, with Debian's
# python3-prometheus-client, on the file the container wrote).
# IFPIN_DEBIAN_MIRROR overrides the mirror debootstrap uses (default http://deb.debian.org/debian).
set -euo pipefail

started=$SECONDS
# shellcheck source-path=SCRIPTDIR/../.. source=tests/system/debian-container.sh
source "$SOURCE_DIR/tests/system/debian-container.sh"
# systemd and dbus to boot and activate; procps for the test's own kill (ExecReload= needs none, as
# the package test's root without procps proves); iproute2 and nftables to look; curl for a pinned
# unit to fetch with; polkitd, which decides ifpind's D-Bus calls, with libpam-systemd and
# systemd-sysv named here because debootstrap does not pick a package for polkitd's
# "default-logind | logind"; the run-time libraries of ifpind (libnftables1 for the egress guard,
# libbpf1 for kernel pinning), ifpinctl and libifpin (checked with ldd below). The list is part of the
# cache key: changing it rebuilds the cached root.
readonly packages=systemd,systemd-sysv,libpam-systemd,dbus,procps,iproute2,nftables,curl,polkitd,libnftables1,libbpf1,libnl-3-200,libnl-route-3-200,libsdbus-c++1,libspdlog1.10,libfmt9,libtomlplusplus3,libsystemd0
readonly cache=$BUILD_DIR/systemd-root

# ---------------------------------------------------------------------------------------------
step "preconditions"
((EUID == 0)) || die "the system test needs root (network namespaces, mounts, systemd-nspawn)"
for tool in debootstrap systemd-nspawn systemctl nsenter ip mount flock bpftool; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tools/install-deps.sh"
done
[[ ${PREFIX:?} == /usr ]] ||
  die "the build is configured with prefix $PREFIX; the system test installs Debian's layout: meson setup --prefix=/usr (tools/build.sh does)"

# The cached Debian root: made under a lock, in a temporary directory renamed when complete.
cached_root "$cache" "$packages"

# ---------------------------------------------------------------------------------------------
# Everything this run makes, and its removal.
work=$(mktemp -d "${TMPDIR:-/tmp}/ifpin-system.XXXXXX")
root=$work/root
prefix="ifpsys$$"
host_ns="$prefix-host"
lab_made=""

cleanup() {
  local status=$?
  trap - EXIT
  container_cleanup
  if ((status != 0)) && [[ -f $work/console.log ]]; then
    echo "--- container console (last 40 lines)" >&2
    tail -n 40 "$work/console.log" >&2 || true
  fi
  if [[ -n $lab_made ]]; then "$IFPIN_LAB" down "$prefix" || true; fi
  unmount_under "$work"
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

step "a throw-away root: an overlay of the cached one"
overlay_root "$cache" "$root" "$work/overlay"

step "meson install --destdir (ifpin as Debian would have it)"
"$MESON" install -C "$BUILD_DIR" --no-rebuild --quiet --destdir "$root" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; die "meson install failed"; }
for binary in /usr/sbin/ifpind /usr/bin/ifpinctl; do
  missing=$(chroot "$root" ldd "$binary" | grep 'not found' || true)
  [[ -z $missing ]] || die "$binary needs libraries the root lacks (add their packages above): $missing"
done
ok "ifpind and ifpinctl find all their libraries in the root"

# The test runs the installed units with two changes: a system call outside the filter kills ifpind
# (SIGSYS, counted in NRestarts below) instead of failing with EPERM, so none goes unseen; and a
# 2 s watchdog, so that pings show within the test and a missed one kills ifpind.
grep -qx 'WatchdogSec=30s' "$root/lib/systemd/system/ifpind.service" || die "ifpind.service lacks WatchdogSec=30s"
mkdir -p "$root/etc/systemd/system/ifpind.service.d"
printf '[Service]\nSystemCallErrorNumber=kill\nWatchdogSec=2s\n' >"$root/etc/systemd/system/ifpind.service.d/50-test.conf"
# As a package's postinst would: the socket is enabled, the service is not (yet).
systemctl --root="$root" --quiet enable ifpind.socket
# Users for the access checks: alice is in ifpin-mgmt and ifpin-admin (made by sysusers at boot),
# bob in neither. Added at first boot by a unit, after systemd-sysusers.
cat >"$root/etc/systemd/system/ifpin-test-users.service" <<'EOF'
[Unit]
After=systemd-sysusers.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=useradd --no-create-home --groups ifpin-mgmt,ifpin-admin alice
ExecStart=useradd --no-create-home bob
[Install]
WantedBy=multi-user.target
EOF
systemctl --root="$root" --quiet enable ifpin-test-users.service

# ---------------------------------------------------------------------------------------------
step "the lab (tools/lab.sh up $prefix) and the container in its host namespace"
lab_made=1
"$IFPIN_LAB" up "$prefix"
in_lab() { ip netns exec "$host_ns" "$@"; }

# Booted as a Debian 12 host boots, with what kernel pinning needs (debian-container.sh): a unified
# cgroup hierarchy, a bpf filesystem at /sys/fs/bpf, CAP_BPF and bpf(2).
boot_container "$root" "$host_ns" "$work"

# A command in the container as USER (with the user's groups).
as_user() {
  local user=$1
  shift
  in_ct setpriv --reuid="$user" --regid="$(in_ct id -g "$user")" --init-groups "$@"
}
prop() { in_ct systemctl show --property="$2" --value "$1"; }

# ---------------------------------------------------------------------------------------------
step "boot: sysusers made the groups, ifpind.socket listens, ifpind itself is not running"
in_ct getent group ifpin-mgmt >/dev/null || die "group ifpin-mgmt missing (sysusers.d)"
in_ct getent group ifpin-admin >/dev/null || die "group ifpin-admin missing (sysusers.d)"
ok "groups ifpin-mgmt and ifpin-admin exist"
expect_eq "ifpind.socket" "$(in_ct systemctl is-active ifpind.socket || true)" active
expect_eq "ifpind.service before any request" "$(in_ct systemctl is-active ifpind.service || true)" inactive
in_ct test -S /run/ifpind/ifpind.sock || die "/run/ifpind/ifpind.sock is not a socket"
expect_eq "socket mode" "$(in_ct stat -c %a /run/ifpind/ifpind.sock)" 666

step "systemctl start ifpind with the installed configuration: active, no role, no route"
in_ct systemctl start ifpind
expect_eq "ifpind.service" "$(in_ct systemctl is-active ifpind || true)" active
expect_eq "status line" "$(prop ifpind StatusText)" "no roles configured"
expect_eq "default routes in the lab" "$(in_lab ip route show default; in_lab ip -6 route show default)" ""

step "the lab's policy, applied with systemctl reload"
config=$root/etc/ifpind/ifpind.toml
write_config() { # write_config MGMT_METRIC
  cat >"$config" <<EOF
[role.media]
interface = "media0"
metric = 100
gateway4 = "192.0.2.1"
gateway6 = "2001:db8:1::1"

[role.mgmt]
interface = "mgmt0"
metric = $1
gateway4 = "198.51.100.1"
allow_users = ["root"]
allow_groups = ["ifpin-mgmt"]
EOF
}
write_config 1000
in_ct ifpind --check-config >/dev/null || die "ifpind --check-config refuses the lab's configuration"
in_ct systemctl reload ifpind
routes_are() { # routes_are EXPECTED: the lab host's default routes, as ifpind's protocol shows them
  [[ $(in_ct ip route show default proto ifpind | sort) == "$1" ]]
}
expected4=$'default via 192.0.2.1 dev media0 metric 100 \ndefault via 198.51.100.1 dev mgmt0 metric 1000 '
wait_for 10 "ifpind's routes after reload" routes_are "$expected4"
ok "routes (ip route says 'proto ifpind': rt_protos.d is installed):"
in_ct ip route show default | sed 's/^/    /'
wait_for 10 "the IPv6 media route" sh -c "ip -n '$host_ns' -6 route show default proto 241 | grep -q 'via 2001:db8:1::1 dev media0 metric 100'"
ok "IPv6 media route in place"
wait_for 5 "the status line" sh -c "[ \"\$(nsenter --target $leader --all systemctl show -p StatusText --value ifpind)\" != 'no roles configured' ]"
ok "status line: $(prop ifpind StatusText)"

step "the egress guard under the sandbox: ifpind's nftables table, one rule per role"
wait_for 5 "table inet ifpind with the mgmt rule" sh -c \
  "nsenter --target $leader --all nft list table inet ifpind | grep -q 'oifname != \"mgmt0\" counter .* drop comment \"role mgmt\"'"
in_ct nft list table inet ifpind | sed 's/^/    /'
case $(prop ifpind StatusText) in
  *"not guarded"*) die "ifpind says egress is not guarded: $(in_ct journalctl -u ifpind -o cat | grep 'egress guard' | tail -n 1)" ;;
esac
ok "table inet ifpind written; the status line does not say 'egress not guarded'"

step "return routing under the sandbox: ifpind's rules and reply tables, and mgmt answering through mgmt"
rules_are() { # the lab host's IPv4 rules of ifpind, as ip shows them with rt_protos.d installed
  [[ $(in_ct ip rule | grep 'proto ifpind') == "$1" ]] # (iproute2 6.1 does not filter on proto)
}
expected_rules=$'32000:\tfrom all lookup main suppress_prefixlength 0 proto ifpind\n32001:\tfrom 192.0.2.2 lookup 1001 proto ifpind\n32002:\tfrom 198.51.100.2 lookup 1002 proto ifpind'
wait_for 10 "ifpind's rules" rules_are "$expected_rules"
in_ct ip rule | sed 's/^/    /'
wait_for 10 "mgmt's route in its reply table" sh -c \
  "ip -n '$host_ns' route show table 1002 | grep -q 'default via 198.51.100.1 dev mgmt0 proto 241 metric 1000'"
# An admin behind the mgmt gateway reaches the host's service on its mgmt address (lab.sh's host
# server, TCP 8088): only return routing brings the answer back through mgmt.
answer=$(ip netns exec "$prefix-gwmgmt" curl -sS --max-time 5 --interface 203.0.113.12 http://198.51.100.2:8088/ 2>&1) ||
  die "no answer from behind mgmt to the host's mgmt address: $answer"
expect_eq "the host's answer from behind mgmt" "$answer" "host"
ok "rules in place (proto ifpind), and a connection from behind mgmt is answered through mgmt"

step "a metric change, applied with systemctl reload"
write_config 2000
in_ct systemctl reload ifpind
expected4=$'default via 192.0.2.1 dev media0 metric 100 \ndefault via 198.51.100.1 dev mgmt0 metric 2000 '
wait_for 10 "mgmt's route at metric 2000" routes_are "$expected4"
ok "mgmt at metric 2000, and only there"

step "an invalid configuration is refused on reload, logged as an error, and the policy stays"
printf '[role.mgmt]\ninterface = "mgmt0"\nmetric = -1\n' >"$config"
in_ct systemctl reload ifpind
wait_for 10 "the refusal in the journal" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -p err -o cat | grep -q 'new configuration rejected'"
ok "journal: $(in_ct journalctl -u ifpind -p err -o cat | grep 'new configuration rejected' | tail -n 1)"
routes_are "$expected4" || die "the routes changed after an invalid reload"
expect_eq "ifpind.service after an invalid reload" "$(in_ct systemctl is-active ifpind || true)" active
write_config 2000
in_ct systemctl reload ifpind

step "the sandbox at work: capabilities, no new privileges, seccomp"
# MainPID is a PID of the container's namespace: read its /proc there.
status=$(in_ct cat "/proc/$(prop ifpind MainPID)/status")
field() { awk -v key="$1:" '$1 == key { print $2 }' <<<"$status"; }
expect_eq "effective capabilities of ifpind (CAP_NET_ADMIN and CAP_BPF)" "$(field CapEff)" 0000008000001000
expect_eq "bounding set of ifpind" "$(field CapBnd)" 0000008000001000
expect_eq "NoNewPrivs" "$(field NoNewPrivs)" 1
expect_eq "Seccomp (2: filter)" "$(field Seccomp)" 2
expect_eq "watchdog (the test's drop-in)" "$(prop ifpind WatchdogUSec)" 2s
# systemd stamps WatchdogTimestamp at start and at each WATCHDOG=1: a new stamp is a ping.
first_ping=$(prop ifpind WatchdogTimestampMonotonic)
wait_for 5 "a watchdog ping" sh -c \
  "[ \"\$(nsenter --target $leader --all systemctl show -p WatchdogTimestampMonotonic --value ifpind)\" != $first_ping ]"
ok "ifpind feeds the watchdog"

figure=$(in_ct systemd-analyze security --no-pager --threshold=20 ifpind.service | grep -o 'Overall exposure level.*') ||
  die "systemd-analyze security in the container: ${figure:-no figure} (at most 2.0 wanted)"
ok "$figure"

step "the broker under systemd: root, a member of ifpin-mgmt, and a stranger"
fetch='exec 3<>/dev/tcp/203.0.113.10/80 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && tail -n 1 <&3'
expect_eq "root, unpinned (lowest metric wins)" "$(in_ct bash -c "$fetch")" media
expect_eq "root, ifpinctl exec mgmt" "$(in_ct ifpinctl exec mgmt -- bash -c "$fetch")" mgmt
expect_eq "alice (ifpin-mgmt), ifpinctl exec mgmt" "$(as_user alice ifpinctl exec mgmt -- bash -c "$fetch")" mgmt
if out=$(as_user bob ifpinctl exec mgmt -- bash -c "$fetch" 2>&1); then
  die "bob, in no allowed group, got a mgmt socket: $out"
fi
[[ $out == *"may not use role mgmt"* ]] || die "bob was refused, but not by ifpind: $out"
ok "bob refused: $(head -n 1 <<<"$out")"

# Kernel pinning: ifpinctl exec in scopes of ifpin.slice, restarts, pin-unit (its own file).
source "$SOURCE_DIR/tests/system/nspawn-kernel-pinning.sh"

step "socket activation: ifpind stopped, a client's request starts it, and is served"
in_ct systemctl --quiet stop ifpind
expect_eq "ifpind.service after stop" "$(in_ct systemctl is-active ifpind || true)" inactive
routes_are "$expected4" || die "ifpind's routes went away on stop (remove_routes_on_exit is false)"
ok "routes stay while ifpind is stopped"
# The guard fails closed: sockets handed out live on, so the table stays, as the routes do
# (remove_routes_on_exit is false); docs/security.md.
# (Read whole first: with pipefail, grep -q leaving early could make nft's SIGPIPE a failure.)
table=$(in_ct nft list table inet ifpind 2>/dev/null || true)
[[ $table == *'comment "role mgmt"'* ]] ||
  die "table inet ifpind went away on a clean stop (it must stay while remove_routes_on_exit is false)"
ok "table inet ifpind stays while ifpind is stopped"
in_ct test -S /run/ifpind/ifpind.sock || die "the socket file went away with the service (RuntimeDirectoryPreserve=)"
expect_eq "ifpind.socket after stop" "$(in_ct systemctl is-active ifpind.socket || true)" active
expect_eq "first request, ifpinctl exec mgmt" "$(in_ct ifpinctl exec mgmt -- bash -c "$fetch")" mgmt
expect_eq "ifpind.service after the request" "$(in_ct systemctl is-active ifpind || true)" active
# In sh -c, without pipefail: grep -q leaving early must not make journalctl's SIGPIPE a failure
# (this failed now and then); and journald reads ifpind's lines a moment after they were sent.
wait_for 10 "the journal's line that ifpind used the socket from systemd" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -o cat | grep -q 'socket from systemd'"
ok "journal: $(in_ct journalctl -u ifpind -o cat | grep 'socket from systemd' | tail -n 1)"

step "no request lost while ifpind restarts: clients wait in the socket's backlog"
# A client loop for 3 s, one request after another, with two restarts in the middle.
# shellcheck disable=SC2016 # expanded by the container's bash
load='fails=0 served=0 end=$((SECONDS + 3))
while ((SECONDS < end)); do
  if [ "$(ifpinctl exec mgmt -- bash -c "$1" 2>>/tmp/load.err)" = mgmt ]; then served=$((served + 1)); else fails=$((fails + 1)); fi
done
echo "$served $fails"'
in_ct bash -c "$load" load "$fetch" >"$work/load.out" 2>&1 &
load_pid=$!
for _ in 1 2; do
  sleep 1
  in_ct systemctl restart ifpind
done
wait "$load_pid" || die "the client loop failed: $(cat "$work/load.out")"
read -r served fails <"$work/load.out" || die "the client loop said: $(cat "$work/load.out")"
((fails == 0)) || die "$fails of $((served + fails)) requests failed across two restarts: $(in_ct sort /tmp/load.err | uniq -c)"
((served > 10)) || die "only $served requests in 3 s"
ok "$served requests across two restarts, none failed"
# Every start so far was the test's: none was a restart after a failure.
expect_eq "restarts so far" "$(prop ifpind NRestarts)" 0
# systemd allows 5 starts in 10 s (StartLimitBurst=); this test starts ifpind more often on purpose.
in_ct systemctl reset-failed ifpind

step "D-Bus activation: ifpind stopped, a call to org.ifpin1 starts it"
in_ct systemctl --quiet stop ifpind
expect_eq "ifpind.service after stop" "$(in_ct systemctl is-active ifpind || true)" inactive
out=$(in_ct timeout 30 busctl call org.ifpin1 /org/ifpin1 org.ifpin1.Manager ListRoles 2>&1) ||
  die "busctl call org.ifpin1 ListRoles failed: $out"
[[ $out == *'"media"'* && $out == *'"mgmt"'* ]] || die "ListRoles did not list media and mgmt: $out"
ok "ListRoles: $out"
expect_eq "ifpind.service after the call" "$(in_ct systemctl is-active ifpind || true)" active
# polkitd decides (started by D-Bus activation): alice by 50-ifpin.rules, as a member of admin_group
# by NSS; bob must authenticate, and no agent is there to ask him.
out=$(as_user alice busctl call org.ifpin1 /org/ifpin1 org.ifpin1.Manager Reload 2>&1) ||
  die "alice (ifpin-admin) may not Reload over D-Bus: $out"
# journald reads ifpind's lines a moment after they were sent.
wait_for 5 "the journal's line that polkit authorised alice's Reload" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -o cat | grep -q \"D-Bus: Reload by uid $(in_ct id -u alice) (pid [0-9]* at connect) authorised by polkit\""
expect_eq "polkit.service after alice's call" "$(in_ct systemctl is-active polkit || true)" active
ok "alice (ifpin-admin) may Reload over D-Bus, authorised by polkit"
if out=$(as_user bob busctl call org.ifpin1 /org/ifpin1 org.ifpin1.Manager Reload 2>&1); then
  die "bob (not in ifpin-admin) could Reload over D-Bus"
fi
[[ $out == *"authentication is required, and no authentication agent succeeded"* ]] ||
  die "bob's Reload failed, but not by polkit: $out"
ok "bob refused by polkit: $out"
out=$(in_ct busctl call org.ifpin1 /org/ifpin1 org.ifpin1.Manager Reload 2>&1) || die "root may not Reload: $out"
wait_for 5 "the journal's line that root's Reload needed no polkit" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -o cat | grep -q 'D-Bus: Reload by uid 0 .* authorised by root'"
ok "root may Reload, without polkit"

step "polkit masked: ifpind decides by itself (root, or a member of admin_group)"
in_ct systemctl mask --runtime --quiet polkit.service
in_ct systemctl stop polkit.service
out=$(as_user alice busctl call org.ifpin1 /org/ifpin1 org.ifpin1.Manager Reload 2>&1) ||
  die "alice (ifpin-admin) may not Reload without polkit: $out"
wait_for 5 "the line that polkit is not there" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -o cat | grep -q 'D-Bus: polkit is not on the system bus (org.freedesktop.systemd1.UnitMasked'"
ok "alice may Reload: $(in_ct journalctl -u ifpind -o cat | grep 'D-Bus: Reload by' | tail -n 1)"
if out=$(as_user bob busctl call org.ifpin1 /org/ifpin1 org.ifpin1.Manager Reload 2>&1); then
  die "bob (not in ifpin-admin) could Reload without polkit"
fi
[[ $out == *"only root and members of group ifpin-admin"* ]] || die "bob's Reload failed, but not by ifpind: $out"
ok "bob refused by ifpind: $out"
in_ct systemctl unmask --runtime --quiet polkit.service

step "a runtime change by a member of ifpin-admin (ifpinctl set-metric), kept in /var/lib/ifpind"
out=$(as_user alice ifpinctl set-metric mgmt 3000 2>&1) || die "alice's ifpinctl set-metric failed: $out"
expected4=$'default via 192.0.2.1 dev media0 metric 100 \ndefault via 198.51.100.1 dev mgmt0 metric 3000 '
wait_for 10 "mgmt's route at metric 3000" routes_are "$expected4"
in_ct test -s /var/lib/ifpind/runtime.json || die "the runtime change was not saved in /var/lib/ifpind"
ok "mgmt at metric 3000, saved in /var/lib/ifpind/runtime.json"
in_ct ifpinctl status | sed 's/^/    /'

step "SIGKILL: systemd restarts ifpind, and the policy stays"
old_pid=$(prop ifpind MainPID)
restarts_before=$(prop ifpind NRestarts)
# The main process alone: ifpind has no other, and systemd 252 in this container now and then fails
# the cgroup-wide kill with "Failed to send signal SIGKILL to auxiliary processes: Input/output
# error" (about 1 run in 5) after it has killed the main process.
in_ct systemctl kill --kill-who=main --signal=KILL ifpind
wait_for 20 "a new ifpind" sh -c "p=\$(nsenter --target $leader --all systemctl show -p MainPID --value ifpind); [ \"\$p\" != 0 ] && [ \"\$p\" != $old_pid ] && [ \"\$(nsenter --target $leader --all systemctl is-active ifpind)\" = active ]"
expect_eq "restarts counted" "$(prop ifpind NRestarts)" "$((restarts_before + 1))"
routes_are "$expected4" || die "after the restart the routes are not as the policy says: $(in_ct ip route show default)"
ok "routes as before, one per role and family"
expect_eq "served after the restart" "$(in_ct ifpinctl exec mgmt -- bash -c "$fetch")" mgmt
out=$(in_ct ifpinctl reset mgmt 2>&1) || die "ifpinctl reset mgmt failed: $out"
expected4=$'default via 192.0.2.1 dev media0 metric 100 \ndefault via 198.51.100.1 dev mgmt0 metric 2000 '
wait_for 10 "mgmt's route back at the file's metric 2000" routes_are "$expected4"
ok "ifpinctl reset mgmt: back at the file's metric, 2000"

step "the journal: ifpind's lines, with priorities"
# journald reads ifpind's entries from its socket a moment after they were sent.
wait_for 10 "the 'ready' line in journalctl -u ifpind" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -o cat -p info | grep -q 'ready: 2 role(s)'"
ok "journalctl -u ifpind has the 'ready' line: $(in_ct journalctl -u ifpind -o cat | grep 'ready:' | tail -n 1)"
priorities=$(in_ct journalctl -u ifpind -o json --output-fields=PRIORITY,MESSAGE | grep -o '"PRIORITY":"[0-9]"' | sort -u | tr '\n' ' ')
[[ $priorities == *'"PRIORITY":"3"'* && $priorities == *'"PRIORITY":"6"'* ]] ||
  die "journal entries lack error (3) and info (6) priorities: $priorities"
ok "priorities in the journal: $priorities"
# Nothing was killed by seccomp or the watchdog along the way: the one restart is the SIGKILL above.
expect_eq "restarts since the restart test" "$(prop ifpind NRestarts)" 1
if in_ct journalctl -u ifpind -o cat | grep -E 'status=31/SYS|Watchdog timeout'; then
  die "ifpind was killed by its system call filter or its watchdog"
fi

step "ifpin-metrics: off by default; started, it writes what node exporter's textfile collector reads"
expect_eq "ifpin-metrics.timer as installed" "$(in_ct systemctl is-enabled ifpin-metrics.timer || true)" disabled
expect_eq "ifpin-metrics.timer after boot" "$(in_ct systemctl is-active ifpin-metrics.timer || true)" inactive
# Without prometheus-node-exporter's directory a run is skipped, not failed.
in_ct systemctl start ifpin-metrics.service
expect_eq "a run without the textfile directory (result, condition)" \
  "$(prop ifpin-metrics.service Result) $(prop ifpin-metrics.service ConditionResult)" "success no"
# The directory as Debian's prometheus-node-exporter package ships it: root's, 0755.
in_ct install -d -m 0755 /var/lib/prometheus/node-exporter
textfile=/var/lib/prometheus/node-exporter/ifpin.prom
in_ct systemctl start ifpin-metrics.service ||
  die "ifpin-metrics.service failed: $(in_ct journalctl -u ifpin-metrics -o cat | tail -n 5)"
expect_eq "ifpin-metrics.service result" "$(prop ifpin-metrics.service Result)" success
expect_eq "ifpin.prom's mode and owner (node exporter runs as prometheus)" "$(in_ct stat -c '%a %U' "$textfile")" "644 root"
in_ct ifpinctl status --json >"$work/status.json"
out=$("$CHECK_METRICS" "$root$textfile" "$work/status.json") ||
  die "ifpin.prom does not parse, or does not match ifpinctl status --json: $out"
ok "ifpin.prom parses (python3-prometheus-client) and matches ifpinctl status --json: $out"
in_ct systemctl enable --now --quiet ifpin-metrics.timer
expect_eq "ifpin-metrics.timer after enable --now" "$(in_ct systemctl is-active ifpin-metrics.timer)" active

step "systemctl enable ifpind: started at boot"
in_ct systemctl enable --quiet ifpind
expect_eq "ifpind.service enabled" "$(in_ct systemctl is-enabled ifpind)" enabled
in_ct test -L /etc/systemd/system/multi-user.target.wants/ifpind.service || die "enable made no multi-user.target link"
ok "linked into multi-user.target"

echo
echo "system test passed in $((SECONDS - started)) s"
