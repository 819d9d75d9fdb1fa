#!/usr/bin/env bash
# The test command: installs dependencies, builds, and runs the whole suite (unit, integration,
# systemd and system: see README.md).
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
exit "$status"
