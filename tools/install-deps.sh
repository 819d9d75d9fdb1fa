#!/usr/bin/env bash
# Installs, from Debian 12 packages, everything ifpin needs to build, run its lab and run its tests.
# Only packages that are missing are installed, so a second run costs one dpkg query.
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config
  # libraries (see docs/architecture.md for what each is used for)
  libnl-3-dev libnl-route-3-dev libspdlog-dev libsystemd-dev
  libsdbus-c++-dev libsdbus-c++-bin libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  # the egress guard: ifpind programs its nftables table through libnftables
  libnftables-dev
  # kernel pinning: the BPF program is compiled by clang (below) at build time, embedded with a
  # bpftool skeleton and loaded with libbpf
  libbpf-dev bpftool
  # lab and integration tests (busybox-static and dnsmasq-base: a static client and each gateway's
  # DNS server in the kernel pinning suite)
  iproute2 curl python3 procps util-linux dbus nftables busybox-static dnsmasq-base
  # the coexistence suite's real DHCP clients (tests/integration/coexistence_test.cpp), chosen so that
  # installing them starts no service and touches no network of this machine: ISC dhclient (no unit),
  # dhcpcd-base (the binary alone; dhcpcd5 would bring an enabled dhcpcd.service), udhcpc (busybox's
  # client script, on busybox-static). dnsmasq-base (above) serves DHCP and sends the router
  # advertisements: radvd is not used, its package ships a radvd.service.
  isc-dhcp-client dhcpcd-base udhcpc
  # polkitd decides D-Bus calls in the D-Bus suites (and checks of the polkit files use its DTD);
  # libxml2-utils for xmllint
  polkitd libxml2-utils
  # fuzzing and sanitizers (tools/run-fuzzers.sh: clang with libFuzzer, ASan and UBSan)
  clang libclang-rt-14-dev
  # man pages
  scdoc
  # ifpinctl metrics checked by a real Prometheus parser (tests/integration/check_metrics.py); the
  # bash completion's directory (bash-completion.pc) and its test
  python3-prometheus-client bash-completion
  # tools/bench.sh draws its latency CDFs (docs/perf/*.svg) with Debian's matplotlib
  python3-matplotlib
  # systemd integration tests (tests/system): a Debian root booted with systemd-nspawn; dbus-1.pc
  # says where the D-Bus files go. systemd also brings systemd-networkd and networkctl (the
  # Networkd integration suite; Debian 12 ships them in systemd itself)
  systemd debootstrap systemd-container libdbus-1-dev
  # Debian packages (debian/, tools/build-packages.sh, tools/test-packages.sh): Debian 12's own
  # tools; no fakeroot, since debian/control says Rules-Requires-Root: no
  debhelper dpkg-dev lintian rsync
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
