#!/usr/bin/env bash
# The test command: installs dependencies, builds, and runs the whole suite (unit, integration,
# systemd and system: see README.md), then the sanitized suite and the fuzzers.
# Integration tests need root and network namespaces; they fail, never skip, without them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export BUILD_DIR=${BUILD_DIR:-$root/build}

"$here/build.sh"
status=0
meson test -C "$BUILD_DIR" --print-errorlogs --num-processes "$(nproc)" "$@" || status=$?
# A skipped test is a test that did not run: CI must not call that a pass.
"$here/check-no-skips.py" "$BUILD_DIR/meson-logs/testlog.json" || status=1
# Then the unit and integration suites under ASan+UBSan (build-asan/), and each fuzzer for
# IFPIN_FUZZ_SECONDS (build-fuzz/); see docs/security.md ("Fuzzing and sanitizers"). The extra
# arguments are for the regular suite only.
"$here/run-sanitized-tests.sh" || status=1
"$here/run-fuzzers.sh" "${IFPIN_FUZZ_SECONDS:-60}" || status=1
exit "$status"
