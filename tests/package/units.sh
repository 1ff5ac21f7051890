#!/bin/sh
# The systemd units of the Debian package (packaging/systemd/): every unit
# passes `systemd-analyze verify` against a root holding the installed tree
# (its ExecStart binary must exist there) and the system's own units, with
# nothing reported; each timer's OnCalendar parses (`systemd-analyze
# calendar`); every service's `systemd-analyze security` exposure is at most
# 2.0 ("OK"). There is no running systemd in the test containers: nothing is
# started.
#   units.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
tmp=$(mktemp -d /tmp/kpi-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { printf 'units: %s\n' "$*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian package systemd)"
root=$tmp/root
DESTDIR=$root cmake --install "$build" --prefix /usr >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
[ -x "$root/usr/bin/kpi" ] || fail "no usr/bin/kpi in the installed tree"
mkdir -p "$root/lib/systemd/system" "$root/usr/lib/systemd"
[ -d /usr/lib/systemd/system ] && cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "$src"/packaging/systemd/kpi-* "$root/lib/systemd/system/"
units=$(cd "$src/packaging/systemd" && ls kpi-*.service kpi-*.timer)
for want in kpi-alert.service kpi-alert.timer kpi-pack.service kpi-pack.timer kpi-publish.service kpi-publish.timer; do
  printf '%s\n' "$units" | grep -qx "$want" || fail "no unit $want"
done
# shellcheck disable=SC2086  # the unit names are words
out=$(cd "$tmp" && systemd-analyze verify --root="$root" --man=no $units 2>&1) ||
  fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify reported: $out"
for t in $(printf '%s\n' "$units" | grep '\.timer$'); do
  grep -qx 'Persistent=true' "$root/lib/systemd/system/$t" || fail "$t: not Persistent=true"
  cal=$(sed -n 's/^OnCalendar=//p' "$root/lib/systemd/system/$t")
  [ -n "$cal" ] || fail "$t: no OnCalendar"
  systemd-analyze calendar "$cal" >"$tmp/cal" 2>&1 || fail "$t: OnCalendar=$cal does not parse: $(cat "$tmp/cal")"
  echo "$t: $(grep 'Normalized form' "$tmp/cal" | sed 's/^ *//')"
done
grep -q '^OnCalendar=\*:0/5$' "$root/lib/systemd/system/kpi-alert.timer" || fail "kpi-alert.timer: not every 5 minutes"
for s in $(printf '%s\n' "$units" | grep '\.service$'); do
  f=$root/lib/systemd/system/$s
  for k in 'User=kpi' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'PrivateTmp=yes' 'ProtectHome=yes' \
           'EnvironmentFile=-/etc/default/kpi' 'StateDirectory=kpi'; do
    grep -qx "$k" "$f" || fail "$s: no $k"
  done
  sec=$(cd "$tmp" && systemd-analyze security --offline=yes --root="$root" "$s" 2>&1) ||
    fail "$s: systemd-analyze security failed: $sec"
  level=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  [ -n "$level" ] || fail "$s: no exposure level in: $sec"
  awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || fail "$s: exposure $level above 2.0: $sec"
  echo "$s: exposure $level"
done
echo "units: OK"
