#!/usr/bin/env bash
# The Debian packages as a new user meets them (suite 'package', tests/system/meson.build; or run it
# by hand as root). Builds them with tools/build-packages.sh, checks that every file meson installs
# is in exactly one of them and that they hold nothing else, runs lintian on them (an error or a
# warning fails), repacks them at a higher version for the upgrade (tools/repack-debs.sh says why
# that is as good as a rebuild), then boots a minimal Debian 12 root, debootstrap --variant=minbase
# plus systemd and dbus and nothing else, with systemd-nspawn in the host namespace of a lab
# (tools/lab.sh), as a Debian 12 host boots (unified cgroups, bpffs; tests/system/debian-container.sh),
# and in it:
#   - apt-get install ./*.deb: the dependencies come from Debian's archive; the groups made, the pin
#     directory made, ifpind's units enabled and started, ifpin-metrics.timer neither;
#     systemd-analyze verify says nothing; --version of both programs; the bash completion;
#   - systemctl reload, restart with the lab's uplinks; ifpinctl status and set-metric; kernel
#     pinning: ifpinctl exec in a scope of ifpin.slice reaching mgmt;
#   - apt-get install of the higher version: ifpind restarted onto the new files, ifpind.socket not,
#     no client request (ifpinctl exec, pinned in the kernel) lost meanwhile, a pinned process
#     still pinned, the runtime change and the edited configuration kept, ifpin-metrics.timer, enabled
#     by hand before, still on;
#   - apt-get remove ifpind: everything stopped, the pins gone, configuration and state kept;
#   - apt-get purge of all four (with ifpin-metrics.timer enabled by then): nothing of ifpin left
#     (files, groups, units, processes) but ifpind's routes and its egress guard's table, which stay
#     on purpose
#     (docs/systemd.md).
#
# The packages are built without their tests (DEB_BUILD_OPTIONS=nocheck: the unit suite is
# tools/run-tests.sh's, on the same sources; the packages are the same). The container has no
# network but the lab's, so the dependencies are downloaded before it boots: `apt-get install
# --download-only ./*.deb` in the same root, in the host's network, into
# BUILD_DIR/minbase-root-archives/, which is kept and bound to the container's
# /var/cache/apt/archives. The root is cached as BUILD_DIR/minbase-root/ (with apt-get update done),
# remade only when its recipe changes; each run boots a throw-away overlay of it. When the cached
# package lists have gone stale, the overlay's are updated. lintian's verdict is kept with the
# checksums of the packages it was given and lintian's version, and reused for the very same
# packages. Needs root, debootstrap, systemd-nspawn, lintian, debhelper and the network (the first
# time, or when the dependencies change); anything missing is a failure, never a skip. The host's
# routes, links and services are never touched, and everything but the caches is removed at the
# end, also on failure.
#
# Environment: BUILD_DIR (default build/), SOURCE_DIR (default: this tree), IFPIN_LAB (default
# tools/lab.sh), IFPIN_DEBIAN_MIRROR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export SOURCE_DIR=${SOURCE_DIR:-$(dirname "$here")}
export BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
lab=${IFPIN_LAB:-$here/lab.sh}
started=$SECONDS
# shellcheck source-path=SCRIPTDIR/.. source=tests/system/debian-container.sh
source "$SOURCE_DIR/tests/system/debian-container.sh"

readonly ifpin_packages=(ifpind ifpinctl libifpin1 libifpin-dev)
indent() { sed 's/^/    /'; }

step "preconditions"
((EUID == 0)) || die "the package test needs root (debootstrap, mounts, network namespaces, systemd-nspawn)"
for tool in debootstrap systemd-nspawn nsenter ip nft mount flock pgrep lintian dpkg-buildpackage dh rsync; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tools/install-deps.sh"
done

# ---------------------------------------------------------------------------------------------
step "the packages: tools/build-packages.sh (nocheck)"
debs=$BUILD_DIR/debian-packages
rm -rf "$debs"
version=$(dpkg-parsechangelog -l "$SOURCE_DIR/debian/changelog" -S Version)
upstream=${version%-*}
new_version=$version+test1
DEB_BUILD_OPTIONS="nocheck noautodbgsym" "$here/build-packages.sh" "$debs/old"

step "every file meson installs is in exactly one package, and the packages hold nothing else"
declare -A package_of=() from_meson=()
for deb in "$debs"/old/*.deb; do
  package=$(dpkg-deb -f "$deb" Package)
  while read -r path; do
    [[ -z ${package_of[$path]:-} ]] || die "$path is in both ${package_of[$path]} and $package"
    package_of[$path]=$package
  done < <(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }')
done
table=""
while read -r path; do
  shipped=$path
  [[ -n ${package_of[$shipped]:-} ]] || shipped=$path.gz # dh_compress: the man pages
  [[ -n ${package_of[$shipped]:-} ]] || die "meson installs $path, but no package has it"
  from_meson[$shipped]=1
  table+=$(printf '%-13s %s' "${package_of[$shipped]}" "$shipped")$'\n'
done <"$debs/old/meson-installed.list"
indent <<<"${table%$'\n'}"
((${#package_of[@]} > 0)) || die "the packages are empty"
for path in "${!package_of[@]}"; do
  [[ -n ${from_meson[$path]:-} || $path == /usr/share/doc/* || $path == /usr/share/lintian/overrides/* ]] ||
    die "${package_of[$path]} has $path, which meson does not install"
done
ok "$(wc -l <"$debs/old/meson-installed.list") files from meson, each in one package; besides them only /usr/share/doc and lintian overrides"

step "lintian: no error, no warning (overrides say why)"
verdict=$BUILD_DIR/debian-packages-lintian.verdict
key="lintian $(dpkg-query -W -f='${Version}' lintian) $(cd "$debs/old" && sha256sum ./*.deb | sha256sum | cut -d' ' -f1)"
if [[ -f $verdict && $(head -n 1 "$verdict") == "$key" ]]; then
  ok "the very same packages passed lintian before (${key%% *} ${key#* }); its output then:"
  tail -n +2 "$verdict" | indent
else
  rm -f "$verdict"
  out=$(lintian --fail-on error,warning "$debs"/old/*.changes 2>&1) || { indent <<<"$out"; die "lintian found errors or warnings"; }
  printf '%s\n%s\n' "$key" "$out" >"$verdict"
  [[ -z $out ]] || indent <<<"$out"
  ok "lintian passes on ifpin $version"
fi

step "the packages again at $new_version, for the upgrade: tools/repack-debs.sh"
"$here/repack-debs.sh" "$debs/old" "$debs/new" "$new_version"

# ---------------------------------------------------------------------------------------------
apt_get_update() { nspawn_run "$1" -- apt-get update -qq; }
# systemd to boot, and dbus, which systemd recommends (default-dbus-system-bus): apt installs it with
# systemd, debootstrap does not. Without a bus running at install time, ifpinctl's bus commands
# would wait for the next boot (the dbus package does not start its static units; docs/systemd.md).
cached_root "$BUILD_DIR/minbase-root" systemd,dbus apt_get_update
archives=$BUILD_DIR/minbase-root-archives
mkdir -p "$archives/partial"

work=$(mktemp -d "${TMPDIR:-/tmp}/ifpin-packages.XXXXXX")
root=$work/root
prefix="ifppkg$$"
host_ns="$prefix-host"
lab_made=""
cleanup() {
  local status=$?
  trap - EXIT
  container_cleanup
  if ((status != 0)) && [[ -n $console_log && -f $console_log ]]; then
    echo "--- container console (last 40 lines)" >&2
    tail -n 40 "$console_log" >&2 || true
  fi
  if [[ -n $lab_made ]]; then "$lab" down "$prefix" || true; fi
  unmount_under "$work"
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

step "a throw-away overlay of the root, with the packages in /var/tmp/ifpin-debs"
overlay_root "$BUILD_DIR/minbase-root" "$root" "$work/overlay"
for set in old new; do
  mkdir -p "$root/var/tmp/ifpin-debs/$set"
  cp "$debs/$set"/*.deb "$root/var/tmp/ifpin-debs/$set/"
done
for program in /bin/kill /usr/bin/kill /usr/sbin/ifpind; do
  [[ ! -e $root$program ]] || die "the minimal root already has $program"
done
ok "the root has neither ifpin nor a kill program (no procps)"

step "the dependencies, downloaded from Debian's archive in the host's network"
download() { # download SET: apt-get install --download-only of SET's .debs
  nspawn_run "$root" --bind="$archives:/var/cache/apt/archives" -- \
    sh -c "cd /var/tmp/ifpin-debs/$1 && apt-get install -y -qq --download-only ./*.deb" >"$work/download-$1.log" 2>&1
}
if ! download old; then
  echo "the cached package lists are stale (or a download failed); apt-get update in the overlay"
  nspawn_run "$root" -- apt-get update -qq >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; die "apt-get update failed"; }
  download old || { cat "$work/download-old.log" >&2; die "downloading the dependencies failed"; }
fi
# The repacked packages depend on what the old ones do (and on each other): nothing more to fetch.
# Were that not so, the upgrade would fail, as the container cannot fetch anything.
ok "$(find "$archives" -maxdepth 1 -name '*.deb' | wc -l) .debs in $archives"

step "the lab (tools/lab.sh up $prefix) and the container in its host namespace"
lab_made=1
"$lab" up "$prefix"
boot_container "$root" "$host_ns" "$work" --bind="$archives:/var/cache/apt/archives"
prop() { in_ct systemctl show --property="$2" --value "$1"; }
routes_are() { # routes_are EXPECTED: the lab host's default routes of protocol 241, sorted
  [[ $(ip -n "$host_ns" route show default proto 241 | sed 's/ *$//' | sort) == "$1" ]]
}
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
installed_version() { in_ct dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
# shellcheck disable=SC2016
package_state() { in_ct dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
step "apt-get install ./*.deb, with no network but the lab's"
apt_install() { # apt_install SET LOG
  in_ct sh -c "cd /var/tmp/ifpin-debs/$1 && apt-get install -y ./*.deb" >"$2" 2>&1 ||
    { cat "$2" >&2; die "apt-get install of the $1 packages failed"; }
}
apt_install old "$work/install.log"
sed -n '/^The following NEW packages will be installed:/,/^[^ ]/p' "$work/install.log" | sed '$d' | indent
for package in "${ifpin_packages[@]}"; do expect_eq "$package installed" "$(installed_version "$package")" "$version"; done
! in_ct dpkg-query -W procps >/dev/null 2>&1 || die "procps was installed: something depends on it"
ok "procps is not among the dependencies"

step "the maintainer scripts: groups, the pin directory, ifpind's units on, ifpin-metrics off"
for group in ifpin-admin ifpin-mgmt; do
  in_ct getent group "$group" >/dev/null || die "group $group missing (dh_installsysusers)"
done
ok "groups ifpin-admin and ifpin-mgmt exist"
# Made by postinst (dh_installtmpfiles) before ifpind starts: ReadWritePaths=-/sys/fs/bpf/ifpin
# skips a path that does not exist then, and ifpind could not pin until its next start.
expect_eq "/sys/fs/bpf/ifpin (tmpfiles.d, at install)" "$(in_ct stat -c '%a %U' /sys/fs/bpf/ifpin)" "700 root"
for unit in ifpind.service ifpind.socket; do
  expect_eq "$unit enabled" "$(in_ct systemctl is-enabled "$unit" || true)" enabled
  expect_eq "$unit active" "$(in_ct systemctl is-active "$unit" || true)" active
done
expect_eq "status line" "$(prop ifpind StatusText)" "no roles configured"
expect_eq "ifpin.slice" "$(prop ifpin.slice LoadState) $(in_ct systemctl is-enabled ifpin.slice || true)" "loaded static"
metrics_off() { # ifpin-metrics.timer and its service: installed, neither enabled nor started
  local unit
  for unit in ifpin-metrics.timer ifpin-metrics.service; do
    expect_eq "$unit $1" "$(prop "$unit" LoadState) $(in_ct systemctl is-enabled "$unit" || true) $(in_ct systemctl is-active "$unit" || true)" \
      "loaded $(if [[ $unit == *.timer ]]; then echo disabled; else echo static; fi) inactive"
  done
}
metrics_off "after install"
expect_eq "the bash completion's package" "$(in_ct dpkg -S /usr/share/bash-completion/completions/ifpinctl | cut -d: -f1)" ifpinctl

step "systemd-analyze verify of the installed units says nothing"
# A minimal root has no man-db: verify then says "Command 'man ifpind(8)' failed" for each
# Documentation= page (and exits 1), as it does for systemd's own units. Those lines alone are
# allowed, and only when man is missing and the unit's own package ships the page (a unit must not
# send its reader to a page of a package that may be absent); suite 'systemd' verifies with the man
# pages found.
in_ct sh -c 'command -v man' >/dev/null && die "the minimal root has man; this test expects none"
units=(ifpind.service ifpind.socket ifpin.slice ifpin-metrics.service ifpin-metrics.timer)
out=$(in_ct systemd-analyze verify "${units[@]/#//lib/systemd/system/}" 2>&1 || true)
complaints=$(grep -vE "^ifpin[a-z-]*\.(service|socket|slice|timer): Command 'man [^']+' failed with code 1$" <<<"$out" || true)
[[ -z $complaints ]] || die "systemd-analyze verify: $complaints"
checked=0
while read -r unit page section; do
  checked=$((checked + 1))
  expect_eq "$page($section), named by $unit, is in $unit's package" \
    "$(in_ct dpkg -S "/usr/share/man/man$section/$page.$section.gz" 2>/dev/null | cut -d: -f1 || true)" \
    "$(in_ct dpkg -S "/lib/systemd/system/$unit" | cut -d: -f1)"
done < <(sed -nE "s/^([^:]+): Command 'man ([a-z.]+)\(([0-9])\)' failed.*/\1 \2 \3/p" <<<"$out" | sort -u)
((checked >= ${#units[@]})) || die "systemd-analyze verify did not check the man pages of every unit: '$out'"
ok "systemd-analyze verify: nothing but the man-db check, for pages each unit's package ships"
expect_eq "ifpind --version" "$(in_ct ifpind --version)" "ifpind $upstream"
expect_eq "ifpinctl --version" "$(in_ct ifpinctl --version)" "ifpinctl $upstream"
out=$(in_ct ifpinctl status 2>&1) || die "ifpinctl status failed: $out"
ok "ifpinctl status answers:"
indent <<<"$out"

step "systemctl reload with the lab's uplinks in /etc/ifpind/ifpind.toml"
config=$root/etc/ifpind/ifpind.toml
cat >"$config" <<'EOF'
[role.media]
interface = "media0"
metric = 100
gateway4 = "192.0.2.1"

[role.mgmt]
interface = "mgmt0"
metric = 1000
gateway4 = "198.51.100.1"
allow_users = ["root"]
EOF
cp "$config" "$work/ifpind.toml"
in_ct ifpind --check-config >/dev/null || die "ifpind --check-config refuses the lab's configuration"
in_ct systemctl reload ifpind
expected=$'default via 192.0.2.1 dev media0 metric 100\ndefault via 198.51.100.1 dev mgmt0 metric 1000'
wait_for 10 "ifpind's routes after reload" routes_are "$expected"
ok "routes after systemctl reload:"
in_ct ip route show default | indent
expect_eq "routes named by rt_protos.d (ip route ... proto ifpind)" \
  "$(in_ct ip route show default proto ifpind | wc -l)" 2

step "kernel pinning: ifpinctl exec mgmt runs in a scope of ifpin.slice and reaches mgmt"
# The package's ifpind.service (CAP_BPF, bpf(2), /sys/fs/bpf/ifpin writable), ifpin.slice and the
# pin directory of its postinst, in a container booted as a host boots. bash's /dev/tcp: a plain
# connect(), which only the kernel can pin; without exec the same request leaves through media.
fetch='exec 3<>/dev/tcp/203.0.113.10/80 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && tail -n 1 <&3'
expect_eq "the roles' programs and maps pinned" "$(in_ct ls /sys/fs/bpf/ifpin | tr '\n' ' ')" "media media@map mgmt mgmt@map "
expect_eq "bash's /dev/tcp, not pinned" "$(in_ct bash -c "$fetch")" media
out=$(in_ct ifpinctl exec mgmt -- bash -c "grep '^0::' /proc/self/cgroup; $fetch" 2>&1) || die "ifpinctl exec mgmt: $out"
[[ $(head -n 1 <<<"$out") =~ ^0::/ifpin.slice/ifpin-mgmt-[0-9]+\.scope$ ]] || die "the pinned process is not in a scope of ifpin.slice: $out"
expect_eq "ifpinctl exec mgmt, in $(head -n 1 <<<"$out" | cut -c4-)" "$(tail -n 1 <<<"$out")" mgmt
in_ct ifpinctl status | grep -q '^role mgmt: kernel pinning with /sys/fs/bpf/ifpin/mgmt' ||
  die "ifpinctl status says nothing of mgmt's kernel pinning: $(in_ct ifpinctl status)"
ok "ifpinctl status: $(in_ct ifpinctl status | grep '^role mgmt: kernel pinning')"

step "systemctl restart: a new ifpind, the same routes"
old_pid=$(prop ifpind MainPID)
in_ct systemctl restart ifpind
expect_eq "ifpind.service after restart" "$(in_ct systemctl is-active ifpind || true)" active
[[ $(prop ifpind MainPID) != "$old_pid" ]] || die "systemctl restart left the same ifpind ($old_pid)"
wait_for 10 "the routes after restart" routes_are "$expected"
ok "new main PID $(prop ifpind MainPID), routes as before"

step "a runtime change by a member of ifpin-admin (ifpinctl set-metric), authorised by polkit, kept in /var/lib/ifpind"
# polkitd came as ifpind's Recommends; the package's action and 50-ifpin.rules let alice, a member
# of admin_group, change the policy without authenticating.
expect_eq "polkitd installed (Recommends)" "$(package_state polkitd)" "ii "
in_ct useradd --no-create-home --groups ifpin-admin alice
out=$(in_ct setpriv --reuid=alice --regid="$(in_ct id -g alice)" --init-groups ifpinctl set-metric mgmt 3000 2>&1) ||
  die "alice's ifpinctl set-metric failed: $out"
wait_for 5 "the journal's line that polkit authorised alice's SetMetric" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -o cat | grep -q 'D-Bus: .* by uid $(in_ct id -u alice) .*authorised by polkit'"
ok "journal: $(in_ct journalctl -u ifpind -o cat | grep 'authorised by polkit' | tail -n 1)"
expected=$'default via 192.0.2.1 dev media0 metric 100\ndefault via 198.51.100.1 dev mgmt0 metric 3000'
wait_for 10 "mgmt's route at metric 3000" routes_are "$expected"
state=$root/var/lib/ifpind/runtime.json
[[ -s $state ]] || die "the runtime change was not saved in /var/lib/ifpind"
cp "$state" "$work/runtime.json"
out=$(in_ct ifpinctl status 2>&1) || die "ifpinctl status failed: $out"
[[ $out == *media0* && $out == *mgmt0* && $out == *3000* ]] || die "ifpinctl status does not show both roles and metric 3000: $out"
indent <<<"$out"

step "an administrator enables ifpin-metrics.timer before the upgrade; it runs (skipped: no node exporter here)"
in_ct systemctl enable --quiet --now ifpin-metrics.timer
expect_eq "ifpin-metrics.timer" "$(in_ct systemctl is-enabled ifpin-metrics.timer) $(in_ct systemctl is-active ifpin-metrics.timer)" "enabled active"
checked_at() { [[ $(prop ifpin-metrics.service ConditionTimestampMonotonic) != 0 ]]; }
wait_for 10 "a run of ifpin-metrics.service" checked_at
expect_eq "its condition (/var/lib/prometheus/node-exporter)" "$(prop ifpin-metrics.service ConditionResult)" no

# ---------------------------------------------------------------------------------------------
step "upgrade to $new_version: ifpind restarted, ifpind.socket untouched, no request lost, pins kept"
old_pid=$(prop ifpind MainPID)
old_inode=$(in_ct stat -c %i /usr/sbin/ifpind)
socket_since=$(prop ifpind.socket ActiveEnterTimestampMonotonic)
# A pinned process that lives through the upgrade: a new connection every 0.2 s, its last answer in
# /tmp/pinned.out. setsid, so that its parent is the container's init once the shell has gone.
pinned_pid=$(in_ct sh -c 'setsid ifpinctl exec mgmt -- bash -c '\''while :; do
  (exec 3<>/dev/tcp/203.0.113.10/80 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && tail -n 1 <&3) >/tmp/pinned.new 2>&1
  mv /tmp/pinned.new /tmp/pinned.out; sleep 0.2; done'\'' </dev/null >/dev/null 2>&1 & echo $!')
wait_for 10 "the pinned process's first answer" in_ct test -s /tmp/pinned.out
expect_eq "the pinned process's answer before the upgrade" "$(in_ct cat /tmp/pinned.out)" mgmt
scope=$(in_ct sed -n 's|^0::/ifpin.slice/||p' "/proc/$pinned_pid/cgroup")
# Each request of the loop is an ifpinctl exec: a pin request to ifpind, then a connection.
# shellcheck disable=SC2016 # expanded by the container's bash
load='fails=0 served=0
while [ ! -e /run/ifpin-test-stop ]; do
  if [ "$(ifpinctl exec mgmt -- bash -c "$1" 2>>/tmp/load.err)" = mgmt ]; then served=$((served + 1)); else fails=$((fails + 1)); fi
done
echo "$served $fails"'
in_ct bash -c "$load" load "$fetch" >"$work/load.out" 2>&1 &
load_pid=$!
sleep 1
apt_install new "$work/upgrade.log"
sleep 1
in_ct touch /run/ifpin-test-stop
wait "$load_pid" || die "the client loop failed: $(cat "$work/load.out")"
in_ct rm /run/ifpin-test-stop
for package in "${ifpin_packages[@]}"; do expect_eq "$package upgraded" "$(installed_version "$package")" "$new_version"; done
expect_eq "ifpind.service after the upgrade" "$(in_ct systemctl is-active ifpind || true)" active
new_pid=$(prop ifpind MainPID)
[[ $new_pid != "$old_pid" ]] || die "the upgrade did not restart ifpind (main PID still $old_pid)"
ok "ifpind restarted: main PID $old_pid, now $new_pid"
new_inode=$(in_ct stat -c %i /usr/sbin/ifpind)
[[ $new_inode != "$old_inode" ]] || die "the upgrade did not replace /usr/sbin/ifpind"
expect_eq "the running ifpind's program, by inode" "$(in_ct stat -L -c %i "/proc/$new_pid/exe")" "$new_inode"
expect_eq "ifpind.socket active since" "$(prop ifpind.socket ActiveEnterTimestampMonotonic)" "$socket_since"
read -r served fails <"$work/load.out" || die "the client loop said: $(cat "$work/load.out")"
((fails == 0)) || die "$fails of $((served + fails)) requests failed during the upgrade: $(in_ct sort /tmp/load.err | uniq -c)"
((served > 0)) || die "no request served during the upgrade"
ok "$served requests during the upgrade, none failed"
wait_for 10 "the runtime change after the upgrade" routes_are "$expected"
cmp -s "$state" "$work/runtime.json" || die "the upgrade changed /var/lib/ifpind/runtime.json"
ok "the runtime change (mgmt at metric 3000) survived the upgrade"
cmp -s "$config" "$work/ifpind.toml" || die "the upgrade changed the edited /etc/ifpind/ifpind.toml"
[[ -z $(find "$root/etc/ifpind" -name '*.dpkg-*') ]] || die "the upgrade left $(find "$root/etc/ifpind" -name '*.dpkg-*')"
ok "the edited configuration kept, no .dpkg-* file beside it"
in_ct sh -c "kill -0 $pinned_pid" || die "the pinned process died with the upgrade"
in_ct rm -f /tmp/pinned.out
wait_for 10 "the pinned process's answer after the upgrade" in_ct test -s /tmp/pinned.out
expect_eq "after the upgrade, the pinned process ($scope) answers" "$(in_ct cat /tmp/pinned.out)" mgmt
expect_eq "still in" "$(in_ct sed -n 's|^0::/ifpin.slice/||p' "/proc/$pinned_pid/cgroup")" "$scope"
in_ct sh -c "kill $pinned_pid"
# Enabled by the administrator: still on after the upgrade (debian/rules: --restart-after-upgrade).
expect_eq "ifpin-metrics.timer after the upgrade" "$(in_ct systemctl is-enabled ifpin-metrics.timer) $(in_ct systemctl is-active ifpin-metrics.timer)" "enabled active"

# ---------------------------------------------------------------------------------------------
step "apt-get remove ifpind: stopped, configuration and state kept"
in_ct apt-get remove -y ifpind >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; die "apt-get remove failed"; }
for unit in ifpind.service ifpind.socket; do
  expect_eq "$unit after remove" "$(in_ct systemctl is-active "$unit" || true)" inactive
done
! pgrep --ns "$leader" -x ifpind >/dev/null || die "an ifpind still runs after apt-get remove"
# The egress guard fails closed (docs/security.md): sockets handed out live on in their holders, so
# the table stays when ifpind stops, as the routes do. (Read whole first: with pipefail, grep -q
# leaving early could make nft's SIGPIPE a failure.)
guard_stays() {
  local table
  table=$(ip netns exec "$host_ns" nft list table inet ifpind 2>/dev/null || true)
  [[ $table == *'comment "role mgmt"'* ]] || die "table inet ifpind went away $1 (the guard fails closed)"
}
guard_stays "with apt-get remove"
! in_ct test -e /run/ifpind || die "/run/ifpind is still there after apt-get remove"
! in_ct test -e /sys/fs/bpf/ifpin || die "the pins are still there after apt-get remove: $(in_ct ls /sys/fs/bpf/ifpin)"
ok "no ifpind process, no /run/ifpind, no /sys/fs/bpf/ifpin; table inet ifpind stays"
expect_eq "ifpind's package state" "$(package_state ifpind)" "rc "
cmp -s "$config" "$work/ifpind.toml" || die "apt-get remove changed or removed /etc/ifpind/ifpind.toml"
[[ -s $state ]] || die "apt-get remove removed /var/lib/ifpind/runtime.json"
in_ct getent group ifpin-admin >/dev/null || die "apt-get remove removed the group ifpin-admin"
ok "configuration, /var/lib/ifpind and the groups kept until purge"

step "apt-get purge of the four (ifpind removed, the others installed, ifpin-metrics.timer on): nothing of ifpin left"
in_ct apt-get purge -y "${ifpin_packages[@]}" >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; die "apt-get purge failed"; }
for package in "${ifpin_packages[@]}"; do
  expect_eq "$package after purge" "$(package_state "$package")" ""
done
left=$(in_ct find / /run -xdev -path /var/tmp/ifpin-debs -prune -o -iname '*ifpin*' -print)
[[ -z $left ]] || die "files left after purge: $left"
ok "no file or directory named *ifpin* (nor /var/lib/ifpind, /etc/ifpind, /run/ifpind)"
left=$(in_ct grep -h '^ifpin' /etc/passwd /etc/group /etc/shadow /etc/gshadow || true)
[[ -z $left ]] || die "users or groups left after purge: $left"
ok "no ifpin group or user"
in_ct systemctl daemon-reload
left=$(in_ct systemctl list-unit-files --no-legend 'ifpin*'; in_ct systemctl list-units --all --no-legend 'ifpin*')
[[ -z $left ]] || die "units left after purge: $left"
ok "no ifpin unit, loaded, enabled or on disk"
! pgrep --ns "$leader" -f ifpin >/dev/null || die "a process of ifpin runs after purge: $(pgrep --ns "$leader" -af ifpin)"
ok "no process"
# On exit ifpind leaves its routes, so that the host keeps its uplinks (docs/systemd.md); without
# rt_protos.d they show as protocol 241.
routes_are "$expected" || die "the routes changed after purge: $(ip -n "$host_ns" route show default)"
guard_stays "with apt-get purge"
ok "ifpind's routes and table inet ifpind stay, as documented; the routes:"
in_ct ip route show default | indent

echo
echo "package test passed in $((SECONDS - started)) s"
