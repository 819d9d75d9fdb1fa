# shellcheck shell=bash
# A Debian 12 root, made once by debootstrap and cached, booted as a throw-away overlay with
# systemd-nspawn inside a network namespace. Sourced by tools/test-packages.sh; the caller sets
# `set -euo pipefail`, defines nothing of these names, and calls container_cleanup from its EXIT
# trap.
#
#   cached_root DIR PACKAGES [PREPARE]  makes DIR (debootstrap --variant=minbase --include=PACKAGES)
#                                       unless it is there with the same recipe; PREPARE is a
#                                       function run on the new root (its name is in the recipe)
#   overlay_root CACHE ROOT UPPER       mounts a writable overlay of CACHE at ROOT
#   boot_container ROOT NETNS LOG ARGS  boots ROOT in the network namespace /run/netns/NETNS, waits
#                                       for `running`; ARGS go to systemd-nspawn
#   in_ct COMMAND...                    runs COMMAND in the booted container, clean environment
#   wait_for SECONDS WHAT COMMAND...    polls COMMAND every 0.1 s, dies when time is up
#   container_cleanup                   stops the container and unmounts what overlay_root mounted
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
  local cache=$1 include=$2 prepare=${3:-}
  local stamp=$cache.stamp partial=$cache.partial log=$cache.log
  local recipe="debootstrap --variant=minbase --include=$include $debian_suite${prepare:+; $prepare}"
  exec {lock_fd}>"$cache.lock"
  flock "$lock_fd"
  if [[ -d $cache && -f $stamp && $(<"$stamp") == "$recipe" ]]; then
    ok "cached Debian root $cache"
    exec {lock_fd}>&-
    return 0
  fi
  unmount_under "$partial"
  rm -rf "$partial" "$cache" "$stamp"
  step "debootstrap $debian_suite into $cache (once; a minute or two)"
  if ! { debootstrap --variant=minbase --include="$include" "$debian_suite" "$partial" "$debian_mirror" >"$log" 2>&1 &&
    { [[ -z $prepare ]] || "$prepare" "$partial" >>"$log" 2>&1; }; }; then
    tail -n 30 "$log" >&2
    unmount_under "$partial"
    rm -rf "$partial"
    die "making the Debian root failed (log: $log)"
  fi
  unmount_under "$partial"
  mv "$partial" "$cache"
  echo "$recipe" >"$stamp"
  exec {lock_fd}>&-
}

overlay_mounted=()
overlay_root() { # overlay_root CACHE ROOT UPPER
  mkdir -p "$2" "$3/upper" "$3/work"
  mount -t overlay overlay -o "lowerdir=$1,upperdir=$3/upper,workdir=$3/work" "$2" ||
    die "cannot mount an overlay of $1 at $2"
  overlay_mounted+=("$2")
}

nspawn_pid=""
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

# --capability=CAP_NET_ADMIN: nspawn keeps it only for private networks, and ifpind needs it.
boot_container() { # boot_container ROOT NETNS LOG [NSPAWN-ARGS...]
  local root=$1 netns=$2 state=""
  console_log=$3
  shift 3
  systemd-nspawn --quiet --directory="$root" --boot --keep-unit --register=no --machine="ifpin-test-$$" \
    --network-namespace-path="/run/netns/$netns" --capability=CAP_NET_ADMIN \
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
    state=$(timeout 90 nsenter --target "$leader" --all systemctl is-system-running --wait 2>&1 || true)
    [[ $state == "Failed to connect to bus"* || $state == offline ]] || break
    sleep 0.1
  done
  if [[ $state != running ]]; then
    in_ct systemctl --failed --no-pager --no-legend >&2 || true
    die "the container booted to '$state', not 'running'"
  fi
  ok "container booted: $state"
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
  for mounted in "${overlay_mounted[@]}"; do unmount_under "$mounted"; done
}
