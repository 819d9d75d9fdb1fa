#!/usr/bin/env bash
# Installs what is missing and builds ifpin into BUILD_DIR (default: build/). Used by demo.sh,
# run-tests.sh and CI, so that all three build the same way. BUILD_TARGETS (ninja target names)
# limits the build to what the caller needs; the default is everything.
#
# The build has Debian's layout (prefix /usr, so /etc and /var too): the system test installs it
# into a Debian root, and `meson install -C build` puts ifpind where systemd and D-Bus expect it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build_dir=${BUILD_DIR:-$root/build}

"$here/install-deps.sh"
if [[ ! -f $build_dir/build.ninja ]]; then
  meson setup --prefix=/usr "$build_dir" "$root" "$@"
elif [[ $(python3 -c 'import json, sys; print(next(o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "prefix"))' \
  "$build_dir/meson-info/intro-buildoptions.json") != /usr ]]; then
  meson configure "$build_dir" -Dprefix=/usr
fi
# shellcheck disable=SC2086 # BUILD_TARGETS is a list of words
ninja -C "$build_dir" ${BUILD_TARGETS:-}
