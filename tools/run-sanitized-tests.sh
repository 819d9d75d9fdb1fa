#!/usr/bin/env bash
# Builds ifpin with ASan+UBSan into SANITIZE_BUILD_DIR (default build-asan/) and runs the unit and
# integration suites there (the system and systemd suites boot the regular build in a container, so
# they are left to tools/run-tests.sh). Any sanitizer report fails: in a test binary through its exit
# status, in ifpind through the integration fixture (LabTest::TearDown reads ifpind's log).
# Arguments go to `meson test`. See docs/security.md ("Fuzzing and sanitizers").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build_dir=${SANITIZE_BUILD_DIR:-$root/build-asan}

"$here/install-deps.sh"
if [[ ! -f $build_dir/build.ninja ]]; then
  # b_lundef=false: the shared libraries (libifpin, the preload shim) leave the sanitizer runtime's
  # symbols to the program that loads them. optimization=g: at -O2 this build took 16 of CI's 25
  # minutes, at -Og 5 (measured 2026-12-01); -O0 would be faster still, but GCC's UBSan checks
  # object sizes only when optimising (a derived-class load past a base object goes unreported at
  # -O0, reported at -Og).
  meson setup --prefix=/usr -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=g \
    "$build_dir" "$root"
fi
ninja -C "$build_dir"

# verify_asan_link_order=0: the preload shim (ASan-built) is LD_PRELOADed into programs, so the
# ASan runtime is not the first library there; the daemon and the test binaries are checked anyway.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:print_stacktrace=1:verify_asan_link_order=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0
status=0
meson test -C "$build_dir" --print-errorlogs --num-processes "$(nproc)" --suite unit --suite integration "$@" \
  || status=$?
"$here/check-no-skips.py" "$build_dir/meson-logs/testlog.json" || status=1
exit "$status"
