#!/usr/bin/env bash
# Benchmark of `kpi render` (figures, not a test; not part of ctest): the
# wall time and peak memory of rendering a whole pack (snapshot parse and
# validation, PDF, one PNG per KPI, XLSX, manifest, fsync and the directory
# swap) from a 12-week and a 52-week snapshot with no database.
#
# The snapshots are synthetic (build/tests/bench/bench_snapshot: every KPI of
# templates/catalog.json with plausible values, gaps, breaches, full
# drill-down lists), or any snapshot.json given with SNAPSHOT=... (e.g. the
# demo's reports/2026-W46/snapshot.json). Each render runs once to warm the
# caches, then RUNS times (default 5) into a fresh directory under $TMPDIR;
# the median wall time, the median CPU time (user + system: what the render
# needs, less disturbed than the wall time when the shared machine is busy;
# the load average is printed) and the largest peak RSS (GNU time, package
# `time`) are reported as Markdown, against the targets of issue 3:
# 12 weeks < 300 ms and < 100 MB; 52 weeks < 1 s.
#
# usage: tests/bench/bench_render.sh [WEEKS...]   (default: 12 52)
# environment: RUNS (default 5), KPI_BENCH_BUILD (build dir, default build/),
#   SNAPSHOT (also benchmark this snapshot.json), KPI_BENCH_OUT (also write
#   the report to this file)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${KPI_BENCH_BUILD:-$ROOT/build}
KPI=$BUILD/tools/kpi
GEN=$BUILD/tests/bench/bench_snapshot
RUNS=${RUNS:-5}
WEEKS=("$@")
[ ${#WEEKS[@]} -gt 0 ] || WEEKS=(12 52)

[ -x /usr/bin/time ] || { echo "error: /usr/bin/time missing (Debian package time)" >&2; exit 1; }
if [ ! -x "$KPI" ] || [ ! -x "$GEN" ]; then
  echo "==> building into $BUILD" >&2
  cmake -S "$ROOT" -B "$BUILD" -DKPI_WERROR=ON >/dev/null
  cmake --build "$BUILD" -j2 --target kpi_tool bench_snapshot >/dev/null
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpi-bench-render.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# bench LABEL SNAPSHOT: prints one Markdown row
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() {
  local label=$1 snap=$2 i walls=() cpus=() rss=0 t u sy m
  "$KPI" render --snapshot "$snap" --out "$TMP/warm" >/dev/null
  for i in $(seq 1 "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$KPI" render --snapshot "$snap" --out "$TMP/run$i" >/dev/null
    read -r t u sy m <"$TMP/time"
    walls+=("$t")
    cpus+=("$(awk -v u="$u" -v s="$sy" 'BEGIN {print u + s}')")
    [ "$m" -gt "$rss" ] && rss=$m
    "$KPI" verify "$TMP/run$i" >/dev/null
    rm -rf "$TMP/run$i"
  done
  printf '| %s | %s | %s KB | %d ms | %d ms | %.1f MB | %s |\n' "$label" "$(du -h "$snap" | cut -f1)" \
    "$(du -sk "$TMP/warm" | cut -f1)" \
    "$(printf '%s\n' "${walls[@]}" | median | awk '{printf "%d", $1 * 1000}')" \
    "$(printf '%s\n' "${cpus[@]}" | median | awk '{printf "%d", $1 * 1000}')" \
    "$(awk -v m="$rss" 'BEGIN {print m / 1024}')" "$(printf '%s ' "${walls[@]}")"
}

{
  echo "kpi render, $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each, $(date -u +%Y-%m-%d)"
  echo
  echo "| snapshot | size | pack | median wall | median CPU | peak RSS | every run, wall (s) |"
  echo "|---|---|---|---|---|---|---|"
  for n in "${WEEKS[@]}"; do
    "$GEN" "$n" "$TMP/synthetic-$n.json"
    bench "synthetic, $n weeks" "$TMP/synthetic-$n.json"
  done
  if [ -n "${SNAPSHOT:-}" ]; then
    bench "$(basename "$(dirname "$SNAPSHOT")")/$(basename "$SNAPSHOT")" "$SNAPSHOT"
  fi
} | tee "${KPI_BENCH_OUT:-/dev/null}"
