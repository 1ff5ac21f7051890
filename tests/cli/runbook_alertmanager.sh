#!/bin/bash
# docs/runbook.md's "Routing kpi's alerts through Alertmanager" and
# "Silencing for a maintenance", run as written: their kpi config (JSON),
# alertmanager.yml (YAML) and every sh block, in order, with only the site's
# names replaced (/etc/alertmanager/ and /etc/kpi/config.json by files here,
# /var/lib/kpi/alert by a state dir here, http://alertmanager-N.internal:9093
# by a real Alertmanager (Debian package prometheus-alertmanager) started on
# loopback by this script and stopped by its pid). Then checks what the
# blocks did: the Alertmanager silences were added and expired, the kpi
# silences are listed, the route tests printed the receivers.
#
# usage: runbook_alertmanager.sh KPI_BINARY SOURCE_DIR
set -euo pipefail
kpi_bin=$1
src=$2
tmp=$(mktemp -d /tmp/kpi-runbook-am.XXXXXX)
am_pid=
cleanup() {
  if [ -n "$am_pid" ]; then
    kill "$am_pid" 2>/dev/null || true
    wait "$am_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "runbook_alertmanager: $*" >&2; exit 1; }

am_bin=$(command -v prometheus-alertmanager || command -v alertmanager) ||
  fail "prometheus-alertmanager is not installed (scripts/lib.sh installs it)"
command -v amtool >/dev/null || fail "amtool is not installed (Debian package prometheus-alertmanager)"

# The two sections, then their fenced blocks into block-N.<lang>.
awk '/^## Routing kpi.s alerts through Alertmanager/{f=1} /^## The state directory/{f=0} f' \
  "$src/docs/runbook.md" >"$tmp/section.md"
awk -v dir="$tmp" '
  /^```[a-z]+$/ && !inb { inb = 1; n++; lang = substr($0, 4); out = sprintf("%s/block-%d.%s", dir, n, lang); next }
  /^```$/ && inb { inb = 0; close(out); next }
  inb { print > out }
' "$tmp/section.md"
ls "$tmp"/block-* >/dev/null 2>&1 || fail "no code blocks found in the runbook's sections"
[ "$(ls "$tmp"/block-*.json | wc -l)" = 1 ] || fail "expected one JSON block (the kpi config)"
[ "$(ls "$tmp"/block-*.yaml | wc -l)" = 1 ] || fail "expected one YAML block (alertmanager.yml)"
[ "$(ls "$tmp"/block-*.sh | wc -l)" -ge 3 ] || fail "expected the sh blocks (route tests, amtool silences, kpi silences)"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
am_url="http://127.0.0.1:$port"
mkdir -p "$tmp/etc-am" "$tmp/state" "$tmp/home" "$tmp/bin" "$tmp/am-data"
ln -s "$(readlink -f "$kpi_bin")" "$tmp/bin/kpi"
site() {
  sed -e "s#/etc/alertmanager/#$tmp/etc-am/#g" -e "s#/etc/kpi/config.json#$tmp/kpi.json#g" \
      -e "s#/var/lib/kpi/alert#$tmp/state#g" -e "s#http://alertmanager-[0-9].internal:9093#$am_url#g" "$1"
}
site "$tmp"/block-*.json >"$tmp/kpi.json"
site "$tmp"/block-*.yaml >"$tmp/etc-am/alertmanager.yml"
# The receivers' secrets files the YAML names (never read: nothing is
# routed to PagerDuty or Slack within this test's seconds).
echo "0123456789abcdef0123456789abcdef" >"$tmp/etc-am/export-oncall.key"
echo "http://127.0.0.1:9/slack" >"$tmp/etc-am/export-rollout.slack-url"

"$am_bin" --config.file="$tmp/etc-am/alertmanager.yml" --storage.path="$tmp/am-data" \
  --web.listen-address="127.0.0.1:$port" --cluster.listen-address= --log.level=warn \
  >"$tmp/alertmanager.log" 2>&1 </dev/null &
am_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "$am_url/-/ready" >/dev/null 2>&1 && break
  kill -0 "$am_pid" 2>/dev/null || { cat "$tmp/alertmanager.log" >&2; fail "alertmanager exited"; }
  sleep 0.2
done
curl -fsS "$am_url/-/ready" >/dev/null || { cat "$tmp/alertmanager.log" >&2; fail "alertmanager not ready in 60 s"; }

# Every sh block, in order, in one shell as a reader pastes them.
: >"$tmp/all.sh"
for b in $(ls "$tmp"/block-*.sh | sort -t- -k2 -n); do
  site "$b" >>"$tmp/all.sh"
done
if ! env -i PATH="$tmp/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME="$tmp/home" USER=oncall-tester \
    KPI_DATADIR="$src" LSAN_OPTIONS="${LSAN_OPTIONS:-}" TZ=UTC \
    bash -euo pipefail "$tmp/all.sh" >"$tmp/out.txt" 2>&1; then
  cat "$tmp/all.sh" "$tmp/out.txt" >&2
  fail "a command of the runbook failed (its output above)"
fi

out=$(cat "$tmp/out.txt")
grep -q '^export-oncall$' "$tmp/out.txt" || { echo "$out" >&2; fail "the route tests did not print export-oncall"; }
[ "$(grep -c '^export-oncall$' "$tmp/out.txt")" = 2 ] || { echo "$out" >&2; fail "expected two route tests to reach export-oncall"; }
# the Alertmanager silences were made (the query listed them) and expired
echo "$out" | grep -q 'owned path rolled back, CHG-1234' || { echo "$out" >&2; fail "amtool silence query did not list the silence"; }
echo "$out" | grep -q 'i-0abc123 resized, CHG-1240' || { echo "$out" >&2; fail "the host silence is not listed"; }
active=$(amtool --alertmanager.url="$am_url" silence query -q service=kpi)
[ -z "$active" ] || fail "silences still active after the runbook's expire: $active"
[ "$(amtool --alertmanager.url="$am_url" silence query -q --expired service=kpi | wc -l)" = 2 ] ||
  fail "expected the runbook's two Alertmanager silences, expired"
# kpi's: four added in the state dir the cron job uses, the first one expired
list=$(KPI_STATE_DIR="$tmp/state" HOME="$tmp/home" "$kpi_bin" silence list --format json)
[ "$(echo "$list" | jq 'length')" = 4 ] || { echo "$list" >&2; fail "expected 4 kpi silences in the cron job's state dir"; }
[ "$(echo "$list" | jq '[.[] | select(.kpi == "export_success_rate" and .state == "expired")] | length')" = 1 ] ||
  { echo "$list" >&2; fail "the first kpi silence was not expired"; }
[ "$(echo "$list" | jq '[.[] | select(.state == "active" and .labels.host == "i-0abc123")] | length')" = 2 ] ||
  { echo "$list" >&2; fail "the host silences are not active"; }
[ ! -e "$tmp/home/.local/state/kpi/silences.json" ] || fail "a silence went to the default state dir, not the cron job's"
echo "runbook_alertmanager: ok ($(grep -c . "$tmp/all.sh") lines of the runbook run)"
