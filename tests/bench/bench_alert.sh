#!/usr/bin/env bash
# Benchmark of kpi alert (figures for docs/performance.md, not a test):
#   1. one cron cycle on the demo dataset (5 alerting Postgres KPIs, as of
#      2026-10-01 noon, where uncached_legacy_max_age_days breaches): the
#      evaluation (from the run's alert.evaluated log line) and the whole
#      run's wall time, a fresh state directory each time (the run that
#      fires and delivers) and then an existing one (no change, nothing sent),
#      with a PagerDuty sink at the tests' responder on loopback;
#   2. one save and one load of the ledger as the outbox grows
#      (bench_alert_ledger: every delivery attempt saves the ledger).
# usage: tests/bench/bench_alert.sh
# environment: RUNS (default 5), KPI_BENCH_BUILD (build dir, default build/)
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

RESP_PID=""
WORK=""
cleanup() {
  kpi_stop_pid "$RESP_PID" TERM 50
  kpi_pg_stop
  [ -n "$WORK" ] && rm -rf "$WORK"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RUNS=${RUNS:-5}
BUILD=${KPI_BENCH_BUILD:-$KPI_ROOT/build}
KPI=$BUILD/tools/kpi
[ -x "$KPI" ] && [ -x "$BUILD/tests/bench/bench_alert_ledger" ] || die "build first: $KPI is missing"
WORK=$(mktemp -d /tmp/kpi-bench-alert.XXXXXX)

kpi_pg_start
"$KPI" seed demo --reset >/dev/null
kpi_responder_start "$WORK" '{"default": {"status": 202, "body": "{}"}}'
cat >"$WORK/config.json" <<EOF
{"alert": {"sinks": {"pagerduty": {"type": "pagerduty", "routing_key_env": "BENCH_PD_KEY",
  "base_url": "$RESP_URL"}}}}
EOF
export BENCH_PD_KEY=bench-routing-key

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cycle() { # state dir; prints "evaluation_s wall_s"
  local t0 t1 ev
  t0=$(date +%s.%N)
  "$KPI" alert --config "$WORK/config.json" --state-dir "$1" --now 2026-10-01T12:00:00Z \
    >/dev/null 2>"$WORK/err" || [ $? -le 2 ] || { cat "$WORK/err" >&2; die "kpi alert failed"; }
  t1=$(date +%s.%N)
  ev=$(grep -o '"event":"alert.evaluated"[^}]*"seconds":[0-9.]*' "$WORK/err" | sed 's/.*"seconds"://')
  awk -v e="$ev" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f %.2f\n", e, b - a }'
}

echo "| run | evaluation (s, median of $RUNS) | whole run (s, median of $RUNS) |"
echo "|---|---:|---:|"
: >"$WORK/first"; : >"$WORK/again"
for i in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/state"
  cycle "$WORK/state" >>"$WORK/first"
  cycle "$WORK/state" >>"$WORK/again"
done
echo "| first (fires, saves twice, delivers to the responder) | $(cut -d' ' -f1 "$WORK/first" | median) | $(cut -d' ' -f2 "$WORK/first" | median) |"
echo "| next (no change, nothing sent) | $(cut -d' ' -f1 "$WORK/again" | median) | $(cut -d' ' -f2 "$WORK/again" | median) |"
echo
"$BUILD/tests/bench/bench_alert_ledger" "$WORK"
