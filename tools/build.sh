#!/usr/bin/env bash
# Installs what is missing and builds ifpin into BUILD_DIR (default: build/). Used by demo.sh,
# run-tests.sh and CI, so that all three build the same way. BUILD_TARGETS (ninja target names)
# limits the build to what the caller needs; the default is everything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build_dir=${BUILD_DIR:-$root/build}

"$here/install-deps.sh"
if [[ ! -f $build_dir/build.ninja ]]; then
  meson setup "$build_dir" "$root" "$@"
fi
# shellcheck disable=SC2086 # BUILD_TARGETS is a list of words
ninja -C "$build_dir" ${BUILD_TARGETS:-}
