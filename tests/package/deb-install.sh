#!/bin/sh
# As root on a throwaway machine (deb.sh with KPI_TEST_DEB=1): install the
# packages with apt-get (for Depends), run kpi-pack.service's command as the
# kpi user with the unit's environment against the test database (there is
# no running systemd in the container: its ExecStart, User, WorkingDirectory,
# Environment and EnvironmentFile by hand), then purge them and check with a
# find before/after that nothing is left but the documented state: the kpi
# user and /var/lib/kpi/reports (docs/deploy.md, "Uninstall"). That state is
# then removed too, leaving the machine as it was.
#   deb-install.sh DEB_DIR VERSION ARCH   (PG* of the test database set)
set -eu
out=$1 version=$2 arch=$3
fail() { printf 'deb-install: %s\n' "$*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
dpkg-query -W kpi >/dev/null 2>&1 && fail "a kpi package is already installed: not touching it"
getent passwd kpi >/dev/null && fail "a kpi user exists already: not touching it"
[ -e /var/lib/kpi ] && fail "/var/lib/kpi exists already: not touching it"
[ -n "${PGHOST:-}" ] || fail "no test database (PGHOST)"
tmp=$(mktemp -d /tmp/kpi-debi.XXXXXX)
db=kpi_it_deb
cleanup() {
  apt-get purge -y -qq kpi libkpi0 libkpi-dev </dev/null >/dev/null 2>&1 || true
  rm -rf /var/lib/kpi
  getent passwd kpi >/dev/null && userdel kpi
  getent group kpi >/dev/null && groupdel kpi
  psql -q -X -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
snap() {
  find /etc /usr /lib /opt /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/ucf \
    -o -path /var/lib/systemd -o -path /etc/ld.so.cache -o -path /usr/lib/python3 -o -name __pycache__ \) -prune \
    -o -print 2>/dev/null | sort
}
snap >"$tmp/before"

apt-get install -y -qq --no-install-recommends "$out/kpi_${version}_$arch.deb" "$out/libkpi0_${version}_$arch.deb" \
  "$out/libkpi-dev_${version}_$arch.deb" </dev/null >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; fail "apt-get install failed"; }
getent passwd kpi >/dev/null || fail "postinst did not create the kpi user"
[ "$(stat -c '%a %U:%G' /etc/default/kpi)" = "640 root:kpi" ] || fail "/etc/default/kpi is $(stat -c '%a %U:%G' /etc/default/kpi)"
[ "$(command -v kpi)" = /usr/bin/kpi ] || fail "kpi is not /usr/bin/kpi"
/usr/bin/kpi list >/dev/null || fail "the installed kpi list fails"
pkg-config --exists libkpi || fail "libkpi-dev: pkg-config does not find libkpi"
# the installed units, on this machine's own root, their man page included
# (no running systemd: verified and listed, never started)
v=$(cd "$tmp" && systemd-analyze verify /lib/systemd/system/kpi-alert.timer /lib/systemd/system/kpi-pack.timer \
  /lib/systemd/system/kpi-publish.timer /lib/systemd/system/kpi-alert.service /lib/systemd/system/kpi-pack.service \
  /lib/systemd/system/kpi-publish.service 2>&1) || fail "systemd-analyze verify of the installed units: $v"
[ -z "$v" ] || fail "systemd-analyze verify of the installed units reported: $v"

# the test database, seeded; its place in /etc/default/kpi as an operator would
psql -q -X -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
/usr/bin/kpi seed demo --reset --db "dbname=$db" >/dev/null
cat >>/etc/default/kpi <<ENV
PGHOST=$PGHOST
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
PGDATABASE=$db
KPI_NOW=2026-11-17T06:00:00Z
ENV

# kpi-pack.service by hand: StateDirectory, then ExecStart as User= in
# WorkingDirectory= with Environment= and EnvironmentFile=
unit=/lib/systemd/system/kpi-pack.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
wd=$(sed -n 's/^WorkingDirectory=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
[ "$user" = kpi ] && [ "$wd" = /var/lib/kpi ] || fail "kpi-pack.service: User=$user WorkingDirectory=$wd"
# postinst's state directory: others pass through /var/lib/kpi (0751) to the
# textfile's metrics/ (0755) for node_exporter, list neither /var/lib/kpi nor
# anything else in it (docs/deploy.md, "The timers")
[ "$(stat -c '%a %U:%G' /var/lib/kpi)" = "751 kpi:kpi" ] || fail "/var/lib/kpi is $(stat -c '%a %U:%G' /var/lib/kpi)"
[ "$(stat -c '%a %U:%G' /var/lib/kpi/metrics)" = "755 kpi:kpi" ] ||
  fail "/var/lib/kpi/metrics is $(stat -c '%a %U:%G' /var/lib/kpi/metrics)"
for u in kpi-alert kpi-pack kpi-publish; do
  grep -qx 'StateDirectoryMode=0751' "/lib/systemd/system/$u.service" || fail "$u.service: no StateDirectoryMode=0751"
done
runuser -u nobody -- ls /var/lib/kpi/metrics >/dev/null || fail "another user cannot list /var/lib/kpi/metrics"
runuser -u nobody -- ls /var/lib/kpi >/dev/null 2>&1 && fail "another user can list /var/lib/kpi"
install -d -o kpi -g kpi -m 0751 /var/lib/kpi
envs=$(sed -n 's/^Environment=//p' "$unit")
# shellcheck disable=SC2086  # ExecStart and Environment= are words
runuser -u kpi -- env -i PATH=/usr/bin:/bin $envs sh -c "set -a; . /etc/default/kpi; set +a; cd '$wd' && exec $exec_start" \
  >"$tmp/pack.out" 2>"$tmp/pack.err" || fail "kpi-pack.service's command failed: $(cat "$tmp/pack.err")"
# stderr: only the history page's path (docs/pack.md), nothing else
[ "$(cat "$tmp/pack.err")" = "kpi: history page: reports/index.html" ] ||
  fail "kpi pack wrote to standard error: $(cat "$tmp/pack.err")"
[ -s /var/lib/kpi/reports/index.html ] || fail "no history page /var/lib/kpi/reports/index.html"
grep -qx '/var/lib/kpi/reports/2026-W46/.*\.pdf\|reports/2026-W46/.*\.pdf' "$tmp/pack.out" ||
  fail "kpi pack printed: $(cat "$tmp/pack.out")"
[ "$(stat -c %U /var/lib/kpi/reports/2026-W46)" = kpi ] || fail "the pack is not the kpi user's"
ls /var/lib/kpi/reports/2026-W46/*.pdf >/dev/null || fail "no PDF in /var/lib/kpi/reports/2026-W46"
runuser -u kpi -- /usr/bin/kpi verify /var/lib/kpi/reports/2026-W46 >/dev/null || fail "kpi verify of the pack failed"

apt-get purge -y -qq kpi libkpi0 libkpi-dev </dev/null >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "apt-get purge failed"; }
snap >"$tmp/after"
left=$(comm -13 "$tmp/before" "$tmp/after" | grep -v '^/var/lib/kpi/reports\(/\|$\)' | grep -vx /var/lib/kpi || true)
gone=$(comm -23 "$tmp/before" "$tmp/after" || true)
[ -z "$left" ] || fail "purge left files that are not the documented state:
$left"
[ -z "$gone" ] || fail "install and purge removed files that were there before:
$gone"
[ -d /var/lib/kpi/reports/2026-W46 ] || fail "purge removed the reports (documented to stay)"
getent passwd kpi >/dev/null || fail "purge removed the kpi user (documented to stay)"
echo "deb-install: installed, ran kpi-pack's command as kpi, purged; left: the kpi user, /var/lib/kpi/reports"
