#!/usr/bin/env bash
# Benchmark of the ten Postgres KPI queries (figures, not a test; not part of
# ctest). For each scale given (default: 100 1000, i.e. 100k and 1M designs):
# start a throwaway PostgreSQL (scripts/lib.sh), load the scale dataset
# (`kpi seed scale --scale S`), VACUUM ANALYZE it, then report as Markdown:
#   - the load and vacuum times and the table sizes;
#   - per KPI over 12 weeks (2026-W35..W46): the wall time of
#     `kpi query KPI --week 2026-W46 --weeks 12 --format json`, the floor (the
#     wall time of `psql -c 'SELECT count(*) FROM T'` over the largest table T
#     the query reads) and time / floor;
#   - the wall time of `kpi query all --week 2026-W46 --weeks 12`, with the
#     default connections and with KPI_DB_CONNECTIONS=1;
#   - the peak RSS of kpi (GNU time) for that run and for each KPI.
# Every timed command runs once to warm the caches, then RUNS times (default
# 3); the median is reported. A digest of each KPI's JSON output is printed
# too, so a query change can be checked for identical results at scale.
#
# usage: tests/bench/bench_queries.sh [SCALE...]
# environment: RUNS (default 3), KPI_BENCH_BUILD (build dir, default build/),
#   KPI_BENCH_OUT (also write the report to this file), KPI_BENCH_KEEP=1
#   (leave the last scale's server running and print its PG* settings)
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

cleanup() { [ -n "${KPI_BENCH_KEEP:-}" ] || kpi_pg_stop; }
trap cleanup EXIT
trap 'exit 130' INT TERM

SCALES=("$@")
[ ${#SCALES[@]} -gt 0 ] || SCALES=(100 1000)
RUNS=${RUNS:-3}
BUILD=${KPI_BENCH_BUILD:-$KPI_ROOT/build}
KPI=$BUILD/tools/kpi
WEEK=2026-W46
WEEKS=12

# The largest table each KPI query reads (its floor).
declare -A FLOOR_TABLE=(
  [adoption_split]=jobs [export_success_rate]=jobs [job_latency_seconds]=jobs
  [queue_backlog]=jobs [queue_oldest_age_seconds]=jobs
  [legacy_coverage_pct]=design_events [uncached_legacy_max_age_days]=design_events
  [outage_drill_success_pct]=design_events
  [routing_mismatch_critical]=routing_decisions [routing_mismatch_rate]=routing_decisions
)

kpi_install_deps time
log "building into $BUILD"
kpi_build "$BUILD"
export KPI_DATADIR=$KPI_ROOT NO_COLOR=1

now_ms() { date +%s%3N; }

# wall_ms CMD...: milliseconds of one run, output discarded.
wall_ms() {
  local t0 t1
  t0=$(now_ms)
  "$@" >/dev/null
  t1=$(now_ms)
  echo $((t1 - t0))
}

# median_ms CMD...: the median of RUNS runs (warm the caches first).
median_ms() {
  local i xs=()
  for ((i = 0; i < RUNS; i++)); do xs+=("$(wall_ms "$@")"); done
  printf '%s\n' "${xs[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

# peak_kb CMD...: peak resident set size in KiB (GNU time); stdout goes to $PG_DIR/out.
peak_kb() {
  /usr/bin/time -f '%M' -o "$PG_DIR/time.out" "$@" >"$PG_DIR/out"
  tail -1 "$PG_DIR/time.out"
}

fmt_s() { awk -v ms="$1" 'BEGIN {printf "%.2f", ms / 1000}'; }

psql_q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

report() {
  if [ -n "${KPI_BENCH_OUT:-}" ]; then tee -a "$KPI_BENCH_OUT"; else cat; fi
}

declare -A MEM_ALL
bench_scale() {
  local scale=$1 t0 t1 load_ms vac_ms k table floor q q1 ratio digest rss rss1
  declare -A floors=()
  kpi_pg_start
  log "loading the scale dataset, scale $scale"
  t0=$(now_ms)
  "$KPI" seed scale --scale "$scale" --reset
  t1=$(now_ms)
  load_ms=$((t1 - t0))
  t0=$(now_ms)
  psql_q -c 'VACUUM (ANALYZE)'
  t1=$(now_ms)
  vac_ms=$((t1 - t0))

  {
    echo "### Scale $scale"
    echo
    echo "Load (\`kpi seed scale --scale $scale --reset\`): $(fmt_s $load_ms) s; VACUUM (ANALYZE): $(fmt_s $vac_ms) s."
    echo
    echo "| table | rows | heap + indexes |"
    echo "|---|---:|---:|"
    psql_q -F ' | ' -c "SELECT relname, to_char(n_live_tup, 'FM999,999,999'),
                               pg_size_pretty(pg_total_relation_size(relid))
                        FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC" |
      sed 's/^/| /; s/$/ |/'
    echo
  } | report

  for table in jobs design_events routing_decisions; do
    log "floor: count(*) over $table"
    psql -X -q -At -c "SELECT count(*) FROM $table" >/dev/null
    floors[$table]=$(median_ms psql -X -q -At -c "SELECT count(*) FROM $table")
  done

  {
    echo "| KPI (12 weeks) | time (s) | floor table | floor (s) | time / floor | peak RSS (KiB) | result digest |"
    echo "|---|---:|---|---:|---:|---:|---|"
  } | report
  for k in $("$KPI" list | awk 'NR > 1 {print $1}'); do
    [ -n "${FLOOR_TABLE[$k]:-}" ] || continue
    table=${FLOOR_TABLE[$k]}
    floor=${floors[$table]}
    log "query $k"
    # the warm-up run: peak RSS and a digest of the output
    rss=$(peak_kb "$KPI" query "$k" --week $WEEK --weeks $WEEKS --format json)
    digest=$(sha256sum <"$PG_DIR/out" | cut -c1-12)
    q=$(median_ms "$KPI" query "$k" --week $WEEK --weeks $WEEKS --format json)
    ratio=$(awk -v q="$q" -v f="$floor" 'BEGIN {printf "%.1f", (f > 0 ? q / f : 0)}')
    echo "| $k | $(fmt_s "$q") | $table | $(fmt_s "$floor") | $ratio | $rss | \`$digest\` |" | report
  done

  log "query all"
  rss=$(peak_kb "$KPI" query all --week $WEEK --weeks $WEEKS)
  q=$(median_ms "$KPI" query all --week $WEEK --weeks $WEEKS)
  MEM_ALL[$scale]=$rss
  log "query all on one connection"
  rss1=$(KPI_DB_CONNECTIONS=1 peak_kb "$KPI" query all --week $WEEK --weeks $WEEKS)
  q1=$(KPI_DB_CONNECTIONS=1 median_ms "$KPI" query all --week $WEEK --weeks $WEEKS)
  {
    echo
    echo "\`kpi query all --week $WEEK --weeks $WEEKS\`: $(fmt_s "$q") s (median of $RUNS), peak RSS $rss KiB" \
         "(the default two connections in one snapshot); with \`KPI_DB_CONNECTIONS=1\`: $(fmt_s "$q1") s, peak RSS $rss1 KiB."
    echo
  } | report
  if [ -n "${KPI_BENCH_KEEP:-}" ]; then
    log "kept: export PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGDATABASE=$PGDATABASE # pid $PG_PID, dir $PG_DIR"
  else
    kpi_pg_stop
  fi
}

{
  echo "## Benchmark: Postgres KPI queries"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM," \
       "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), kpi $("$KPI" --version | awk '{print $NF}');" \
       "times are medians of $RUNS warm runs."
  echo
} | report
for s in "${SCALES[@]}"; do bench_scale "$s"; done
if [ ${#SCALES[@]} -gt 1 ]; then
  {
    echo "| scale | \`kpi query all\` peak RSS (KiB) |"
    echo "|---:|---:|"
    for s in "${SCALES[@]}"; do echo "| $s | ${MEM_ALL[$s]} |"; done
  } | report
fi
