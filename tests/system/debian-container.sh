# shellcheck shell=bash
# A Debian 12 root, made once by debootstrap and cached, booted as a throw-away overlay with
# systemd-nspawn inside a network namespace. Sourced by tests/system/run-nspawn-test.sh and
# tools/test-packages.sh; the caller sets `set -euo pipefail`, defines nothing of these names, and
# calls container_cleanup from its EXIT trap.
#
#   cached_root DIR PACKAGES [PREPARE]  makes DIR (debootstrap --variant=minbase --include=PACKAGES)
#                                       unless it is there with the same recipe; PREPARE is a
#                                       function run on the new root (its name is in the recipe);
#                                       holds DIR.lock until the caller exits
#   overlay_root CACHE ROOT UPPER       mounts a writable overlay of CACHE at ROOT (UPPER: its
#                                       upper and work directories), or copies CACHE there
#   boot_container ROOT NETNS DIR ARGS  boots ROOT in the network namespace /run/netns/NETNS as a
#                                       host boots (unified cgroups, bpffs, CAP_BPF), waits for
#                                       `running`; DIR gets console.log; ARGS go to systemd-nspawn
#   in_ct COMMAND...                    runs COMMAND in the booted container, clean environment
#   wait_for SECONDS WHAT COMMAND...    polls COMMAND every 0.1 s, dies when time is up
#   container_cleanup                   stops the container, unmounts what overlay_root and
#                                       boot_container mounted
#
# IFPIN_DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).

readonly debian_suite=bookworm
readonly debian_mirror=${IFPIN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
started=${started:-$SECONDS}
step() { printf '\n== [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
die() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }
expect_eq() { # expect_eq WHAT ACTUAL EXPECTED
  [[ $2 == "$3" ]] || die "$1: got '$2', expected '$3'"
  ok "$1: $2"
}

unmount_under() { # unmounts everything mounted at or below $1, deepest first
  local target
  findmnt --list --noheadings --output TARGET | awk -v p="$1" '$0 == p || index($0, p "/") == 1' | sort -r |
    while read -r target; do
      umount -l "$target" || true
    done
}

# systemd-nspawn without a boot, in the host's network: for apt-get update and downloads.
nspawn_run() { # nspawn_run ROOT [NSPAWN-ARGS...] -- COMMAND...
  local root=$1 args=()
  shift
  while [[ $1 != -- ]]; do args+=("$1"); shift; done
  shift
  systemd-nspawn --quiet --directory="$root" --register=no --keep-unit --link-journal=no \
    --timezone=off --resolv-conf=copy-host "${args[@]}" --setenv=DEBIAN_FRONTEND=noninteractive \
    "$@" </dev/null
}

cached_root() { # cached_root DIR PACKAGES [PREPARE]
  local _cache=$1 _include=$2 _prepare=${3:-}
  local _stamp=$_cache.stamp _partial=$_cache.partial _log=$_cache.log
  local _recipe="debootstrap --variant=minbase --include=$_include $debian_suite${_prepare:+; $_prepare}"
  # The lock stays held until the caller exits, so that no other run remakes the root under it.
  exec {_lock_fd}>"$_cache.lock"
  flock "$_lock_fd"
  if [[ -d $_cache && -f $_stamp && $(<"$_stamp") == "$_recipe" ]]; then
    ok "cached Debian root $_cache"
    return 0
  fi
  unmount_under "$_partial"
  rm -rf "$_partial" "$_cache" "$_stamp"
  step "debootstrap $debian_suite into $_cache (once; a minute or two)"
  if ! { debootstrap --variant=minbase --include="$_include" "$debian_suite" "$_partial" "$debian_mirror" >"$_log" 2>&1 &&
    { [[ -z $_prepare ]] || "$_prepare" "$_partial" >>"$_log" 2>&1; }; }; then
    tail -n 30 "$_log" >&2
    unmount_under "$_partial"
    rm -rf "$_partial"
    die "making the Debian root failed (log: $_log)"
  fi
  unmount_under "$_partial"
  mv "$_partial" "$_cache"
  echo "$_recipe" >"$_stamp"
}

overlay_mounted=()
overlay_root() { # overlay_root CACHE ROOT UPPER: a copy of CACHE when overlayfs is not available
  mkdir -p "$2" "$3/upper" "$3/work"
  if mount -t overlay overlay -o "lowerdir=$1,upperdir=$3/upper,workdir=$3/work" "$2" 2>/dev/null; then
    overlay_mounted+=("$2")
  else
    echo "overlayfs not available; copying the root instead"
    rmdir "$2"
    cp -a "$1" "$2"
  fi
}

nspawn_pid=""
bpffs_mounted=""
leader=""
console_log=""
# The container's PID 1: the descendant of systemd-nspawn that is PID 1 in its own PID namespace.
find_leader() {
  local pid child
  for pid in $(pgrep -P "$1" || true); do
    if grep -qE '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "/proc/$pid/status" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
    child=$(find_leader "$pid") && { echo "$child"; return 0; }
  done
  return 1
}

# Booted as a Debian 12 host boots, with what ifpind and kernel pinning need there:
# - a unified cgroup v2 hierarchy (SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1; this host may be hybrid):
#   systemd applies BPFProgram= only there;
# - a fresh bpf filesystem at /sys/fs/bpf from the start, as systemd mounts one when it boots a host
#   (in a container it does not), so that tmpfiles.d makes /sys/fs/bpf/ifpin at boot;
# - CAP_NET_ADMIN (nspawn keeps it only for private networks) and CAP_BPF (never given by nspawn),
#   and bpf(2) through nspawn's system call filter, for ifpind and for systemd attaching programs.
boot_container() { # boot_container ROOT NETNS DIR [NSPAWN-ARGS...]: DIR gets console.log and bpffs/
  local _root=$1 _netns=$2 _dir=$3 _state=""
  console_log=$_dir/console.log
  shift 3
  mkdir "$_dir/bpffs"
  mount -t bpf bpf "$_dir/bpffs" -o mode=0700 || die "cannot mount a bpf filesystem: kernel pinning needs one"
  bpffs_mounted=$_dir/bpffs
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --quiet --directory="$_root" --boot --keep-unit \
    --register=no --machine="ifpin-test-$$" --network-namespace-path="/run/netns/$_netns" \
    --capability=CAP_NET_ADMIN,CAP_BPF --system-call-filter=bpf --bind="$_dir/bpffs:/sys/fs/bpf" \
    --link-journal=no --resolv-conf=off --timezone=off --console=read-only "$@" \
    </dev/null >"$console_log" 2>&1 &
  nspawn_pid=$!
  for _ in $(seq 300); do
    kill -0 "$nspawn_pid" 2>/dev/null || die "systemd-nspawn exited at once: $(tail -n 5 "$console_log")"
    leader=$(find_leader "$nspawn_pid") && break
    sleep 0.1
  done
  [[ -n $leader ]] || die "no container PID 1 after 30 s"
  # Until the container's manager answers on the bus, systemctl says so at once ("offline",
  # "Failed to connect"); from then on --wait waits for the end of the boot.
  for _ in $(seq 600); do
    _state=$(timeout 90 nsenter --target "$leader" --all systemctl is-system-running --wait 2>&1 || true)
    [[ $_state == "Failed to connect to bus"* || $_state == offline ]] || break
    sleep 0.1
  done
  if [[ $_state != running ]]; then
    in_ct systemctl --failed --no-pager --no-legend >&2 || true
    die "the container booted to '$_state', not 'running'"
  fi
  ok "container booted: $_state"
}

in_ct() { # a command in the container: all its namespaces, a clean environment
  nsenter --target "$leader" --all env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

wait_for() { # wait_for SECONDS WHAT COMMAND...
  local limit=$1 what=$2 i
  shift 2
  for ((i = 0; i < limit * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "timed out after ${limit}s waiting for $what"
}

container_cleanup() { # stops the container (SIGTERM: a clean shutdown, then SIGKILL); unmounts
  local mounted
  if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  for mounted in "${overlay_mounted[@]}" $bpffs_mounted; do unmount_under "$mounted"; done
}
