#!/usr/bin/env bash
# Repacks the .debs of one build at a higher Debian version, for an upgrade test: the same files,
# maintainer scripts and conffiles, at VERSION. Each package's Version: and its dependencies on the
# others at exactly the old version (libifpin-dev's "libifpin1 (= ${binary:Version})") are raised to
# VERSION, and changelog.Debian.gz gets an entry for it (md5sums follow).
#
# Usage: tools/repack-debs.sh IN_DIR OUT_DIR VERSION
#
# Why this is as good as a rebuild for an upgrade: the version goes into nothing dpkg-buildpackage
# compiles (meson's project version is the upstream one, unchanged), so a rebuild at VERSION makes
# these very files and scripts; what apt and dpkg do on the upgrade (prerm upgrade, unpack over the
# old files, conffiles, postinst configure OLD-VERSION with its restart) follows from the versions
# and the scripts alone. It costs seconds instead of a dpkg-buildpackage run.
set -euo pipefail
die() {
  echo "repack-debs: $*" >&2
  exit 1
}
(($# == 3)) || die "usage: tools/repack-debs.sh IN_DIR OUT_DIR VERSION"
in_dir=$1 out_dir=$2 version=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/ifpin-repack.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out_dir"
debs=("$in_dir"/*.deb)
[[ -f ${debs[0]} ]] || die "no .deb in $in_dir"
old=$(dpkg-deb -f "${debs[0]}" Version)
dpkg --compare-versions "$version" gt "$old" || die "version $version is not above $old"

for deb in "${debs[@]}"; do
  package=$(dpkg-deb -f "$deb" Package)
  [[ $(dpkg-deb -f "$deb" Version) == "$old" ]] || die "$deb is not at $old like the others"
  tree=$work/$package
  dpkg-deb -R "$deb" "$tree"
  sed -i -e "s/^Version: .*/Version: $version/" -e "s/(= $old)/(= $version)/g" "$tree/DEBIAN/control"
  changelog=usr/share/doc/$package/changelog.Debian.gz
  if [[ -f $tree/$changelog ]]; then
    maintainer=$(dpkg-deb -f "$deb" Maintainer)
    {
      printf 'ifpin (%s) bookworm; urgency=medium\n\n' "$version"
      printf '  * Repacked from %s at %s by tools/repack-debs.sh.\n\n' "$old" "$version"
      printf ' -- %s  %s\n\n' "$maintainer" "$(date -R)"
      gzip -dc "$tree/$changelog"
    } | gzip -9n >"$work/changelog.gz"
    cat "$work/changelog.gz" >"$tree/$changelog"
    sum=$(cd "$tree" && md5sum "$changelog")
    sed -i "s|^[0-9a-f]*  $changelog\$|$sum|" "$tree/DEBIAN/md5sums"
  fi
  dpkg-deb --root-owner-group -b "$tree" "$out_dir/" >/dev/null
done
echo "repack-debs: ${#debs[@]} packages at $version in $out_dir"
