# Kernel pinning under systemd, a part of run-nspawn-test.sh: sourced by it with the container
# booted, ifpind running the lab's two roles, and its helpers defined (in_ct, as_user, prop,
# wait_for, expect_eq, ok, die; $root, $leader). Checks ifpinctl exec in transient scopes of
# ifpin.slice, a pinned process through restarts of ifpind, systemd failing open on a missing pin
# and ifpind catching it, and ifpinctl pin-unit / unpin-unit on a oneshot unit.
# shellcheck shell=bash
step "kernel pinning under systemd: ifpinctl exec runs in a scope of ifpin.slice with mgmt's program"
expect_eq "the pin directory made at boot (tmpfiles.d)" "$(in_ct stat -c '%a %U' /sys/fs/bpf/ifpin)" "700 root"
expect_eq "the roles' programs and maps pinned" "$(in_ct ls /sys/fs/bpf/ifpin | tr '\n' ' ')" "media media@map mgmt mgmt@map "
# bash's /dev/tcp: a plain connect(), which only the kernel can pin.
scoped='grep "^0::" /proc/self/cgroup; exec 3<>/dev/tcp/203.0.113.10/80 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && tail -n 1 <&3'
for who in root alice; do
  if [[ $who == root ]]; then
    out=$(in_ct ifpinctl exec mgmt -- bash -c "$scoped" 2>&1) || die "root's ifpinctl exec: $out"
  else
    out=$(as_user alice ifpinctl exec mgmt -- bash -c "$scoped" 2>&1) || die "alice's ifpinctl exec: $out"
  fi
  [[ $(head -n 1 <<<"$out") =~ ^0::/ifpin.slice/ifpin-mgmt-[0-9]+\.scope$ ]] ||
    die "$who's pinned process is not in a scope of ifpin.slice: $out"
  expect_eq "$who, ifpinctl exec mgmt, in $(head -n 1 <<<"$out" | cut -c4-)" "$(tail -n 1 <<<"$out")" mgmt
done
in_ct ifpinctl status | grep 'kernel pinning' | sed 's/^/    /'
in_ct ifpinctl status | grep -q '^role mgmt: kernel pinning with /sys/fs/bpf/ifpin/mgmt' ||
  die "ifpinctl status says nothing of mgmt's kernel pinning"

step "a long-running pinned process: systemd attached the program to its scope, and it survives restarts of ifpind"
# A new connection every 0.2 s, its last answer in /tmp/pinned.out. Started from the container's own
# tree: setsid, so that its parent is the container's init once the shell has gone.
pinned_pid=$(in_ct sh -c 'setsid ifpinctl exec mgmt -- bash -c '\''while :; do
  (exec 3<>/dev/tcp/203.0.113.10/80 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && tail -n 1 <&3) >/tmp/pinned.new 2>&1
  mv /tmp/pinned.new /tmp/pinned.out; sleep 0.2; done'\'' </dev/null >/dev/null 2>&1 & echo $!')
wait_for 10 "the pinned process's first answer" in_ct test -s /tmp/pinned.out
expect_eq "the pinned process's answer" "$(in_ct cat /tmp/pinned.out)" mgmt
scope=$(in_ct sed -n 's|^0::/ifpin.slice/||p' "/proc/$pinned_pid/cgroup")
expect_eq "its scope" "$scope" "ifpin-mgmt-$pinned_pid.scope"
expect_eq "the scope's BPFProgram=" "$(prop "$scope" BPFProgram)" "sock_create:/sys/fs/bpf/ifpin/mgmt"
# The kernel's word (this host's bpftool): the scope's cgroup runs ifpin_sock_create.
# The container's cgroup root, as this host names it: its init's cgroup here, less the same seen inside.
host_cgroup=$(sed -n 's|^0::||p' "/proc/$leader/cgroup")
container_root=${host_cgroup%"$(in_ct sed -n 's|^0::||p' /proc/1/cgroup)"}
host_cg2=$(sed -n 's/^[0-9]* [0-9]* [^ ]* [^ ]* \([^ ]*\) .* - cgroup2 .*/\1/p' /proc/self/mountinfo | head -n 1)
attached=$(bpftool cgroup show "$host_cg2$container_root/ifpin.slice/$scope" 2>&1) || die "bpftool cgroup show: $attached"
grep -q 'sock_create .*ifpin_sock_create' <<<"$attached" || die "the scope's cgroup runs no ifpin program: $attached"
ok "the kernel runs ifpin_sock_create for $scope"
[[ $(prop ifpind ControlGroup) != "/ifpin.slice/$scope" ]] || die "the pinned process is ifpind's"
for round in 1 2; do
  in_ct systemctl restart ifpind
  in_ct kill -0 "$pinned_pid" || die "the pinned process died with ifpind's restart $round"
  in_ct rm -f /tmp/pinned.out
  wait_for 10 "an answer after restart $round" in_ct test -s /tmp/pinned.out
  expect_eq "after systemctl restart ifpind ($round), the pinned process's answer" "$(in_ct cat /tmp/pinned.out)" mgmt
done
expect_eq "still in" "$(in_ct sed -n 's|^0::/ifpin.slice/||p' "/proc/$pinned_pid/cgroup")" "$scope"
in_ct kill "$pinned_pid"

step "systemd fails open where a pin is missing; ifpind's check catches it"
in_ct rm /sys/fs/bpf/ifpin/mgmt
out=$(in_ct ifpinctl exec mgmt -- bash -c "$scoped" 2>&1) || die "ifpinctl exec with the pin removed: $out"
expect_eq "ifpinctl exec mgmt with the pin removed" "$(tail -n 1 <<<"$out")" mgmt
wait_for 5 "ifpind's word on it" sh -c \
  "nsenter --target $leader --all journalctl -u ifpind -o cat | grep -q 'without /sys/fs/bpf/ifpin/mgmt attached'"
ok "journal: $(in_ct journalctl -u ifpind -o cat | grep 'without /sys/fs/bpf/ifpin/mgmt attached' | tail -n 1)"
in_ct systemctl reload ifpind
wait_for 5 "the pin back after a reload" in_ct test -e /sys/fs/bpf/ifpin/mgmt
ok "pinned again by the reload"

step "ifpinctl pin-unit: a oneshot unit running curl reaches mgmt from its first socket"
cat >"$root/etc/systemd/system/pin-probe.service" <<'UNIT'
[Unit]
Description=ifpin system test: curl the lab's server once
[Service]
Type=oneshot
ExecStart=/usr/bin/curl -s -m 5 -o /run/pin-probe.out http://203.0.113.10/
UNIT
in_ct systemctl daemon-reload
in_ct systemctl start pin-probe.service
expect_eq "pin-probe.service, not pinned" "$(in_ct cat /run/pin-probe.out)" media
out=$(in_ct ifpinctl pin-unit pin-probe.service mgmt 2>&1) || die "ifpinctl pin-unit: $out"
ok "$out"
expect_eq "its BPFProgram=" "$(prop pin-probe.service BPFProgram)" "sock_create:/sys/fs/bpf/ifpin/mgmt"
in_ct systemctl start pin-probe.service
expect_eq "pin-probe.service, pinned to mgmt" "$(in_ct cat /run/pin-probe.out)" mgmt
if out=$(as_user bob ifpinctl pin-unit pin-probe.service media 2>&1); then die "bob could pin a unit: $out"; fi
ok "bob may not: $out"
out=$(in_ct ifpinctl unpin-unit pin-probe.service mgmt 2>&1) || die "ifpinctl unpin-unit: $out"
ok "$out"
in_ct systemctl start pin-probe.service
expect_eq "pin-probe.service, unpinned again" "$(in_ct cat /run/pin-probe.out)" media
