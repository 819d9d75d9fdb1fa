#!/usr/bin/env bash
# Builds ifpin's Debian packages (debian/) from this working tree with dpkg-buildpackage, and copies
# the .debs, with their .changes and .buildinfo, into OUT_DIR, beside meson-installed.list: every
# file and link `meson install` put into debian/tmp (what dh_install shares out among the packages).
#
# Usage: tools/build-packages.sh OUT_DIR
#
# The tree (tracked and untracked files, not what .gitignore ignores) is copied into
# BUILD_DIR/debian-build/ifpin, which is kept. The first run there is `dpkg-buildpackage -us -uc -b`:
# configure, build, the unit suite (unless DEB_BUILD_OPTIONS has nocheck), the packages. Later runs:
# - when the copy did not change (rsync copied nothing), nor the build's settings, nor any installed
#   Debian package since the last build, that build's packages are the ones this build would make,
#   and are taken as they are;
# - otherwise `dpkg-buildpackage -nc`: dh skips its build steps (debian/debhelper-build-stamp), and
#   `meson install` (dh_auto_install) recompiles only what changed, with the flags of the first run;
#   the unit suite is not run again.
# A change to the configure part of debian/rules (its exports, override_dh_auto_configure), to
# DEB_BUILD_OPTIONS, or to the versions of debhelper, meson or the compiler starts from scratch. For a release, build in a clean clone instead
# (README.md). dbgsym packages are left out unless DEB_BUILD_OPTIONS says otherwise.
#
# Environment: BUILD_DIR (default build/), SOURCE_DIR (default: this tree), DEB_BUILD_OPTIONS
# (default noautodbgsym).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=${SOURCE_DIR:-$(dirname "$here")}
build_dir=${BUILD_DIR:-$source_dir/build}
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-noautodbgsym}

die() {
  echo "build-packages: $*" >&2
  exit 1
}
(($# == 1)) || die "usage: tools/build-packages.sh OUT_DIR"
out_dir=$1
for tool in dpkg-buildpackage dpkg-parsechangelog dh rsync meson; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tools/install-deps.sh"
done

# debian/changelog's upstream version is meson's project version.
version=$(dpkg-parsechangelog -l "$source_dir/debian/changelog" -S Version)
project_version=$(meson introspect --projectinfo "$source_dir/meson.build" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
[[ ${version%-*} == "$project_version" ]] ||
  die "debian/changelog is at $version, meson.build at $project_version: add a changelog entry"

work=$build_dir/debian-build
tree=$work/ifpin
mkdir -p "$work"
exec 8>"$work.lock"
flock 8

# What the kept tree was configured with: when it changes, the kept tree is of no use. Of
# debian/rules, what sets the compiler flags and meson's options (its exports and
# override_dh_auto_configure); the rest of it, and debian/control, act on the binary steps, which
# dpkg-buildpackage -nc runs again anyway (dh_prep starts them afresh).
configured_with() {
  sed -n -e '/^export /p' -e '/^override_dh_auto_configure:/,/^$/p' "$source_dir/debian/rules" | sha256sum | cut -d' ' -f1
  echo "DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS"
  dpkg-query -W -f='${Package} ${Version}\n' debhelper meson g++ dpkg-dev
}
# What the last build's packages were made from besides the tree: the above, and every installed
# package (a library's new version changes the shlibs dependencies, say).
built_with() {
  configured_with
  dpkg-query -W -f='${Package}:${Architecture} ${Version}\n' | sha256sum
}
if [[ -f $tree/debian/debhelper-build-stamp && -f $work/configured-with &&
  $(<"$work/configured-with") == "$(configured_with)" ]]; then
  incremental=(-nc)
else
  incremental=()
  rm -rf "$tree" "$work/configured-with" "$work/built-with"
fi

# --checksum keeps the time stamps of unchanged files, so ninja rebuilds only what changed. The
# build directory and dh's stamp are protected from --delete; dh remakes the rest of debian/.
# --itemize-changes says what was copied: nothing means the tree is the last build's.
mkdir -p "$tree"
copied=$(rsync -a --checksum --delete --itemize-changes --exclude=/.git --filter=':- .gitignore' \
  --filter='P /obj-*/' --filter='P /debian/debhelper-build-stamp' \
  "$source_dir/" "$tree/")
changes=$work/ifpin_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
listed_files() { # the files a .changes lists: the .debs and the .buildinfo
  awk '/^Files:/ { files = 1; next } /^[^ ]/ { files = 0 } files { print $5 }' "$1"
}
all_there() {
  local file
  [[ -f $changes && -f $work/meson-installed.list ]] || return 1
  for file in $(listed_files "$changes"); do [[ -f $work/$file ]] || return 1; done
}

started=$SECONDS
if [[ -z $copied && -f $work/built-with && $(<"$work/built-with") == "$(built_with)" ]] && all_there; then
  how="unchanged since the last build, whose packages are taken"
else
  how="${incremental[*]:+incremental }dpkg-buildpackage in $tree"
  if ((${#incremental[@]})); then
    echo "build-packages: incremental build in $tree"
  else
    echo "build-packages: build in $tree (a full build: several minutes)"
  fi
  rm -f "$work"/*.deb "$work"/*.ddeb "$work"/*.changes "$work"/*.buildinfo "$work/built-with" \
    "$work/meson-installed.list"
  log=$work/dpkg-buildpackage.log
  if ! (cd "$tree" && dpkg-buildpackage -us -uc -b -J"$(nproc)" "${incremental[@]}") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "dpkg-buildpackage failed (log: $log)"
  fi
  [[ ${#incremental[@]} -gt 0 ]] || configured_with >"$work/configured-with"
  [[ -f $changes ]] || die "no $changes"
  # dh_prep empties debian/tmp before dh_auto_install fills it: it holds what meson installed.
  (cd "$tree/debian/tmp" && find . -mindepth 1 ! -type d | sed 's|^\.||' | LC_ALL=C sort) >"$work/meson-installed.list"
  built_with >"$work/built-with"
fi

mkdir -p "$out_dir"
cp "$changes" "$work/meson-installed.list" "$out_dir/"
for file in $(listed_files "$changes"); do cp "$work/$file" "$out_dir/"; done
echo "build-packages: ifpin $version in $((SECONDS - started)) s ($how):"
printf '  %s\n' "$out_dir"/*.deb
