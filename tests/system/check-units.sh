#!/usr/bin/env bash
# Static checks of what `meson install` puts in place for systemd, D-Bus and man (suite 'systemd'):
# installs into a temporary DESTDIR, then
#   - every file is where the build's directories say (and where Debian looks, for prefix /usr);
#   - `systemd-analyze verify` finds nothing to say about the units (man pages included);
#   - `systemd-analyze security --offline` rates ifpind.service at most MAX_EXPOSURE (2.0), and
#     ifpin-metrics.service at most MAX_METRICS_EXPOSURE (1.0);
#   - the bash completion of ifpinctl is where bash-completion looks, and parses;
#   - the default ifpind.toml is valid and has no role, and its commented example is valid too;
#   - the sysusers.d and tmpfiles.d files parse, and the D-Bus activation file names the unit and
#     the bus name.
# Needs no root and touches nothing outside its temporary directory.
#
# Environment (set by tests/system/meson.build): MESON, BUILD_DIR, IFPIND, IFPINCTL, PREFIX, SYSCONFDIR,
# SBINDIR, BINDIR, MANDIR, DATADIR, UNIT_DIR, SYSUSERS_DIR, TMPFILES_DIR, DBUS_SERVICE_DIR, DBUS_POLICY_DIR,
# BASH_COMPLETION_DIR.
set -euo pipefail

readonly max_exposure=20 # systemd-analyze's threshold is in tenths: 20 means 2.0
readonly max_metrics_exposure=10
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/dest

"$MESON" install -C "$BUILD_DIR" --no-rebuild --quiet --destdir "$dest" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  echo "FAIL: meson install --destdir failed" >&2
  exit 1
}

# 1. Where everything went.
expect_file() { # expect_file PATH: PATH is absolute, as installed
  if [[ -f $dest$1 ]]; then pass "installed $1"; else fail "$1 was not installed"; fi
}
expect_file "$SBINDIR/ifpind"
expect_file "$UNIT_DIR/ifpind.service"
expect_file "$UNIT_DIR/ifpind.socket"
expect_file "$UNIT_DIR/ifpin-metrics.service"
expect_file "$UNIT_DIR/ifpin-metrics.timer"
expect_file "$BASH_COMPLETION_DIR/ifpinctl"
expect_file "$UNIT_DIR/ifpin.slice"
expect_file "$TMPFILES_DIR/ifpin.conf"
expect_file "$SYSUSERS_DIR/ifpind.conf"
expect_file "$DBUS_SERVICE_DIR/org.ifpin1.service"
expect_file "$DBUS_POLICY_DIR/org.ifpin1.conf"
expect_file "$SYSCONFDIR/ifpind/ifpind.toml"
expect_file "$SYSCONFDIR/iproute2/rt_protos.d/ifpind.conf"
expect_file "$DATADIR/polkit-1/actions/org.ifpin1.policy"
expect_file "$DATADIR/polkit-1/rules.d/50-ifpin.rules"
for page in man8/ifpind.8 man1/ifpinctl.1 man5/ifpind.toml.5 man3/libifpin.3; do
  expect_file "$MANDIR/$page"
done
if [[ $PREFIX == /usr ]]; then
  # Debian's own places: what systemd, dbus-daemon, iproute2 and man read on Debian 12.
  for path in /etc/iproute2/rt_protos.d/ifpind.conf /etc/ifpind/ifpind.toml /usr/share/dbus-1/system.d/org.ifpin1.conf \
    /usr/share/dbus-1/system-services/org.ifpin1.service /usr/share/man/man8/ifpind.8 \
    /usr/share/bash-completion/completions/ifpinctl \
    /usr/share/polkit-1/actions/org.ifpin1.policy /usr/share/polkit-1/rules.d/50-ifpin.rules; do
    expect_file "$path"
  done
  [[ $UNIT_DIR == /lib/systemd/system || $UNIT_DIR == /usr/lib/systemd/system ]] ||
    fail "unit directory $UNIT_DIR is not one systemd reads"
  [[ $SYSUSERS_DIR == /usr/lib/sysusers.d ]] || fail "sysusers directory $SYSUSERS_DIR is not /usr/lib/sysusers.d"
fi
grep -qx "ExecStart=$SBINDIR/ifpind" "$dest$UNIT_DIR/ifpind.service" ||
  fail "ifpind.service does not start $SBINDIR/ifpind"
# Debian's prometheus-node-exporter reads its textfile collector's files from this directory.
readonly textfile_dir=/var/lib/prometheus/node-exporter
grep -qx "ExecStart=$BINDIR/ifpinctl metrics --output $textfile_dir/ifpin.prom" "$dest$UNIT_DIR/ifpin-metrics.service" ||
  fail "ifpin-metrics.service does not run $BINDIR/ifpinctl metrics --output $textfile_dir/ifpin.prom"
grep -qx "ReadWritePaths=$textfile_dir" "$dest$UNIT_DIR/ifpin-metrics.service" ||
  fail "ifpin-metrics.service may not write $textfile_dir"
if out=$(bash -n "$dest$BASH_COMPLETION_DIR/ifpinctl" 2>&1) &&
  out=$(bash --norc -c '. "$1" && complete -p ifpinctl' bash "$dest$BASH_COMPLETION_DIR/ifpinctl" 2>&1) &&
  [[ $out == "complete -F _ifpinctl ifpinctl" ]]; then
  pass "the bash completion parses and completes ifpinctl"
else
  fail "the bash completion: $out"
fi

# 2. systemd-analyze verify: silent means fine. The units run the build's ifpind and ifpinctl, since
# the installed ones are not at their final place; the man pages are the installed ones.
mkdir "$work/units"
sed "s|^ExecStart=.*|ExecStart=$IFPIND|" "$dest$UNIT_DIR/ifpind.service" >"$work/units/ifpind.service"
cp "$dest$UNIT_DIR/ifpind.socket" "$dest$UNIT_DIR/ifpin-metrics.timer" "$dest$UNIT_DIR/ifpin.slice" "$work/units/"
sed "s|^ExecStart=$BINDIR/ifpinctl |ExecStart=$IFPINCTL |" "$dest$UNIT_DIR/ifpin-metrics.service" \
  >"$work/units/ifpin-metrics.service"
if MANPATH="$dest$MANDIR" systemd-analyze verify "$work/units/ifpind.service" "$work/units/ifpind.socket" \
  "$work/units/ifpin-metrics.service" "$work/units/ifpin-metrics.timer" "$work/units/ifpin.slice" \
  >"$work/verify.log" 2>&1 && [[ ! -s $work/verify.log ]]; then
  pass "systemd-analyze verify ifpind.service ifpind.socket ifpin-metrics.service ifpin-metrics.timer ifpin.slice"
else
  sed 's/^/  /' "$work/verify.log" >&2
  fail "systemd-analyze verify complained"
fi

# 3. The exposure figure (docs/systemd.md quotes it).
security_status=0
systemd-analyze security --offline=yes --threshold="$max_exposure" --no-pager "$dest$UNIT_DIR/ifpind.service" \
  >"$work/security.log" 2>&1 || security_status=$?
overall=$(grep -o 'Overall exposure level for ifpind.service: .*' "$work/security.log" || true)
if ((security_status == 0)) && [[ -n $overall ]]; then
  pass "$overall (at most 2.0 wanted)"
else
  grep -v '^✓' "$work/security.log" | sed 's/^/  /' >&2 || true
  fail "systemd-analyze security: ${overall:-no figure} (at most 2.0 wanted)"
fi
security_status=0
systemd-analyze security --offline=yes --threshold="$max_metrics_exposure" --no-pager \
  "$dest$UNIT_DIR/ifpin-metrics.service" >"$work/security.log" 2>&1 || security_status=$?
overall=$(grep -o 'Overall exposure level for ifpin-metrics.service: .*' "$work/security.log" || true)
if ((security_status == 0)) && [[ -n $overall ]]; then
  pass "$overall (at most 1.0 wanted)"
else
  grep -v '^✓' "$work/security.log" | sed 's/^/  /' >&2 || true
  fail "systemd-analyze security: ${overall:-no figure} (at most 1.0 wanted)"
fi

# 4. The default configuration: valid, no role; with its example roles uncommented, still valid.
config=$dest$SYSCONFDIR/ifpind/ifpind.toml
if out=$("$IFPIND" --check-config --config "$config" 2>&1) && [[ $out == *"configuration valid, 0 role(s)"* ]]; then
  pass "default ifpind.toml: $out"
else
  fail "default ifpind.toml is not valid with zero roles: $out"
fi
# From the first commented [role.NAME] on, '#key = value' and '#[role.NAME]' lines are the example.
awk '/^#\[role\./ { example = 1 } example && /^#(\[role\.|[a-z_0-9]+ = )/ { sub(/^#/, "") } { print }' \
  "$config" >"$work/example.toml"
if out=$("$IFPIND" --check-config --config "$work/example.toml" 2>&1) && [[ $out == *"configuration valid, 2 role(s)"* ]]; then
  pass "example roles of ifpind.toml: $out"
else
  fail "the commented example of ifpind.toml is not valid with two roles: $out"
fi
# Each commented [daemon] key, uncommented, must be valid too (and be the default it claims).
awk '/^#\[role\./ { exit } /^#[a-z_]+ = / { sub(/^#/, "") } { print }' "$config" >"$work/daemon.toml"
if out=$("$IFPIND" --check-config --config "$work/daemon.toml" 2>&1); then
  pass "commented [daemon] keys of ifpind.toml: $out"
else
  fail "the commented [daemon] keys of ifpind.toml are not valid: $out"
fi

# 5. sysusers.d, tmpfiles.d and D-Bus activation.
mkdir -p "$work/sysroot/etc"
if out=$(systemd-sysusers --dry-run --root="$work/sysroot" "$dest$SYSUSERS_DIR/ifpind.conf" 2>&1) &&
  [[ $out == *"'ifpin-mgmt'"* && $out == *"'ifpin-admin'"* ]]; then
  pass "sysusers.d creates groups ifpin-mgmt and ifpin-admin"
else
  fail "sysusers.d file: $out"
fi
# The tmpfiles.d line of kernel pinning parses and makes the pin directory, 0700 root, and
# ifpind.service may write there.
if out=$(systemd-tmpfiles --create --root="$work/sysroot" "$dest$TMPFILES_DIR/ifpin.conf" 2>&1) &&
  [[ $(stat -c '%a %U' "$work/sysroot/sys/fs/bpf/ifpin" 2>/dev/null) == "700 root" ]]; then
  pass "tmpfiles.d makes /sys/fs/bpf/ifpin (0700 root)"
else
  fail "tmpfiles.d file: ${out:-/sys/fs/bpf/ifpin not made 0700 root}"
fi
grep -qx 'ReadWritePaths=-/sys/fs/bpf/ifpin' "$dest$UNIT_DIR/ifpind.service" ||
  fail "ifpind.service does not let ifpind write its pins (ReadWritePaths=-/sys/fs/bpf/ifpin)"
activation=$dest$DBUS_SERVICE_DIR/org.ifpin1.service
for line in '[D-BUS Service]' 'Name=org.ifpin1' 'User=root' 'SystemdService=ifpind.service'; do
  grep -qxF "$line" "$activation" || fail "org.ifpin1.service lacks '$line'"
done
grep -qx 'BusName=org.ifpin1' "$dest$UNIT_DIR/ifpind.service" || fail "ifpind.service lacks BusName=org.ifpin1"
grep -q '<allow own="org.ifpin1"/>' "$dest$DBUS_POLICY_DIR/org.ifpin1.conf" || fail "bus policy does not let ifpind own org.ifpin1"
grep -qx 'LimitNOFILE=16384' "$dest$UNIT_DIR/ifpind.service" || fail "ifpind.service lacks LimitNOFILE=16384"

# 6. polkit: the actions follow polkit's DTD, change-policy is never granted to an active session
# without authentication (polkit 122 finds a session by pid), and the rules file is readable by all.
policy=$dest$DATADIR/polkit-1/actions/org.ifpin1.policy
if xmllint --noout --dtdvalid /usr/share/polkit-1/policyconfig-1.dtd "$policy" >"$work/xmllint.log" 2>&1; then
  pass "org.ifpin1.policy follows polkit's DTD"
else
  sed 's/^/  /' "$work/xmllint.log" >&2
  fail "org.ifpin1.policy is not valid"
fi
for action in org.ifpin1.change-policy org.ifpin1.open-socket; do
  grep -q "<action id=\"$action\">" "$policy" || fail "org.ifpin1.policy lacks $action"
done
awk '/<action id="org.ifpin1.change-policy">/,/<\/action>/' "$policy" | grep -q '<allow_active>yes</allow_active>' &&
  fail "change-policy is granted to an active session without authentication"
[[ $(stat -c %a "$dest$DATADIR/polkit-1/rules.d/50-ifpin.rules") == 644 ]] || fail "50-ifpin.rules is not mode 644"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
