#!/usr/bin/env bash
# Builds ifpin's Debian packages (debian/) from this working tree with dpkg-buildpackage, and copies
# the .debs, with their .changes and .buildinfo, into OUT_DIR.
#
# Usage: tools/build-packages.sh OUT_DIR [VERSION]
#   VERSION: build that Debian version instead of debian/changelog's (a changelog entry is added to
#   the copy), e.g. a higher one to test an upgrade.
#
# The tree (tracked and untracked files, not what .gitignore ignores) is copied into
# BUILD_DIR/debian-build/ifpin, which is kept. The first run there is `dpkg-buildpackage -us -uc -b`:
# configure, build, the unit suite, the packages. Later runs are `dpkg-buildpackage -nc`: dh skips
# its build steps (debian/debhelper-build-stamp), and `meson install` (dh_auto_install) recompiles
# only what changed, with the flags of the first run; the unit suite is not run again. A change to
# debian/rules or debian/control, or to the versions of debhelper, meson or the compiler, starts
# from scratch. For a release, build in a clean clone instead (README.md). dbgsym packages are left
# out unless DEB_BUILD_OPTIONS says otherwise.
#
# Environment: BUILD_DIR (default build/), SOURCE_DIR (default: this tree).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=${SOURCE_DIR:-$(dirname "$here")}
build_dir=${BUILD_DIR:-$source_dir/build}

die() {
  echo "build-packages: $*" >&2
  exit 1
}
(($# == 1 || $# == 2)) || die "usage: tools/build-packages.sh OUT_DIR [VERSION]"
out_dir=$1
version=${2:-}
for tool in dpkg-buildpackage dpkg-parsechangelog dh rsync meson; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tools/install-deps.sh"
done

# debian/changelog's upstream version is meson's project version.
changelog_version=$(dpkg-parsechangelog -l "$source_dir/debian/changelog" -S Version)
project_version=$(meson introspect --projectinfo "$source_dir/meson.build" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
[[ ${changelog_version%-*} == "$project_version" ]] ||
  die "debian/changelog is at $changelog_version, meson.build at $project_version: add a changelog entry"

work=$build_dir/debian-build
tree=$work/ifpin
mkdir -p "$work"
exec 8>"$work.lock"
flock 8

# What the kept tree was configured with: when it changes, the kept tree is of no use.
configured_with() {
  sha256sum "$source_dir/debian/rules" "$source_dir/debian/control" | cut -d' ' -f1
  dpkg-query -W -f='${Package} ${Version}\n' debhelper meson g++ dpkg-dev
}
if [[ -f $tree/debian/debhelper-build-stamp && -f $work/configured-with &&
  $(<"$work/configured-with") == "$(configured_with)" ]]; then
  incremental=(-nc)
  echo "build-packages: incremental build in $tree"
else
  incremental=()
  rm -rf "$tree" "$work/configured-with"
  echo "build-packages: full build in $tree (a few minutes)"
fi

# --checksum keeps the time stamps of unchanged files, so ninja rebuilds only what changed. The
# build directory and dh's stamp are protected from --delete; dh remakes the rest of debian/.
mkdir -p "$tree"
rsync -a --checksum --delete --exclude=/.git --filter=':- .gitignore' \
  --filter='P /obj-*/' --filter='P /debian/debhelper-build-stamp' \
  "$source_dir/" "$tree/"

if [[ -n $version ]]; then
  dpkg --compare-versions "$version" gt "$changelog_version" ||
    die "version $version is not above debian/changelog's $changelog_version"
  maintainer=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Maintainer)
  {
    printf 'ifpin (%s) bookworm; urgency=medium\n\n' "$version"
    printf '  * Rebuilt as %s by tools/build-packages.sh.\n\n' "$version"
    printf ' -- %s  %s\n\n' "$maintainer" "$(date -R)"
    cat "$source_dir/debian/changelog"
  } >"$tree/debian/changelog"
fi
built_version=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)

rm -f "$work"/*.deb "$work"/*.ddeb "$work"/*.changes "$work"/*.buildinfo
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-noautodbgsym}
log=$work/dpkg-buildpackage.log
started=$SECONDS
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b -J"$(nproc)" "${incremental[@]}") >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  die "dpkg-buildpackage failed (log: $log)"
fi
[[ ${#incremental[@]} -gt 0 ]] || configured_with >"$work/configured-with"

mkdir -p "$out_dir"
changes=$work/ifpin_${built_version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
[[ -f $changes ]] || die "no $changes"
cp "$changes" "$out_dir/"
# The files the .changes lists: the .debs and the .buildinfo.
awk '/^Files:/ { files = 1; next } /^[^ ]/ { files = 0 } files { print $5 }' "$changes" |
  while read -r file; do cp "$work/$file" "$out_dir/"; done
echo "build-packages: ifpin $built_version in $((SECONDS - started)) s:"
printf '  %s\n' "$out_dir"/*.deb
