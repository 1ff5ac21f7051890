#!/usr/bin/env bash
# Benchmark of the ten Postgres KPI queries (figures, not a test; not part of
# ctest). For each scale given (default: 100 1000, i.e. 100k and 1M designs):
# start a throwaway PostgreSQL (scripts/lib.sh), load the scale dataset
# (`kpi seed scale --scale S`), VACUUM ANALYZE it, then report as Markdown:
#   - the load and vacuum times and the table sizes;
#   - per KPI over 12 weeks (2026-W35..W46): the wall time of
#     `kpi query KPI --week 2026-W46 --weeks 12 --format json`, the floor (the
#     wall time of `psql -c 'SELECT count(*) FROM T'` over the largest table T
#     the query reads, measured right before the KPI) and time / floor, and
#     the server CPU time of the KPI's run (its backends' and parallel
#     workers' user + system time, which a busy host's wait for a core does
#     not inflate; when the server runs on this host);
#   - the wall time of `kpi query all --week 2026-W46 --weeks 12`, with the
#     default connections and with KPI_DB_CONNECTIONS=1;
#   - the peak RSS of kpi (GNU time) for that run and for each KPI;
#   - `kpi alert` as cron runs it (no sinks), as of the dataset's last day:
#     every alerting KPI due (an empty state directory), then a routine run
#     5 minutes later (the hourly coverage family held, only the every-run
#     KPIs read): wall time, evaluation time, KPIs read and held;
#   - the load average before and after (the host may be shared).
# Every timed command runs once to warm the caches, then RUNS times (default
# 3); the median is reported. A digest of each KPI's JSON output is printed
# too, so a query change can be checked for identical results at scale.
#
# usage: tests/bench/bench_queries.sh [SCALE...]
# environment: RUNS (default 3), KPI_BENCH_BUILD (build dir, default build/),
#   KPI_BENCH_OUT (also write the report to this file), KPI_BENCH_KEEP=1
#   (leave the last scale's server running and print its PG* settings),
#   KPI_BENCH_EXISTING=1 (no server of its own and no load: measure the scale
#   dataset already loaded in the database of the PG* environment; give one
#   scale, the one loaded, for the report's heading)
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

cleanup() {
  if [ -n "${KPI_BENCH_EXISTING:-}" ]; then
    [ -z "$PG_DIR" ] || rm -rf "$PG_DIR"  # its scratch directory; the server is not its own
  elif [ -z "${KPI_BENCH_KEEP:-}" ]; then
    kpi_pg_stop
  fi
}
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

kpi_install_deps time jq
log "building into $BUILD"
kpi_build "$BUILD"
export KPI_DATADIR=$KPI_ROOT NO_COLOR=1

now_ms() { date +%s%3N; }

# wall_ms CMD...: milliseconds of one run, output discarded; a run that
# fails is counted in $PG_DIR/failed (the report says how many).
wall_ms() {
  local t0 t1
  t0=$(now_ms)
  "$@" >/dev/null || echo "$*" >>"$PG_DIR/failed"
  t1=$(now_ms)
  echo $((t1 - t0))
}

# median_ms CMD...: the median of RUNS runs (warm the caches first).
median_ms() {
  local i xs=()
  for ((i = 0; i < RUNS; i++)); do xs+=("$(wall_ms "$@")"); done
  printf '%s\n' "${xs[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

# The server's CPU time, which waiting for a core on a busy host does not
# inflate (the wall time does): user + system time of the postmaster's
# children in milliseconds, those that exited (the postmaster's cutime and
# cstime: it reaps every backend and parallel worker) and those alive. Only
# for a server on this host, readable in /proc; PM_PID is set by
# bench_scale ("" when not).
PM_PID=""
server_cpu_ms() {
  local hz
  hz=$(getconf CLK_TCK)
  # /proc/PID/stat: fields after the ")" of the command name; utime is the
  # 14th field, i.e. the 12th after it, then stime, cutime, cstime
  {
    sed 's/.*) //' "/proc/$PM_PID/stat" | awk '{print "self", $14 + $15}'
    # (a process may end between the glob and its read: not an error)
    for f in /proc/[0-9]*/stat; do
      sed 's/.*) //' "$f" 2>/dev/null || true
    done | awk -v pm="$PM_PID" '$2 == pm {print "child", $12 + $13 + $14 + $15}'
  } | awk -v hz="$hz" '{t += $2} END {printf "%d\n", t * 1000 / hz}'
}

# cpu_wall_ms CMD...: "WALL_MS CPU_MS" of one run: its wall time and the
# server CPU it cost (read 0.3 s after it ended, when its backends have
# exited and been reaped).
cpu_wall_ms() {
  local c0 c1 w
  c0=$(server_cpu_ms)
  w=$(wall_ms "$@")
  sleep 0.3
  c1=$(server_cpu_ms)
  echo "$w $((c1 - c0))"
}

# median_cpu_wall_ms CMD...: the medians of RUNS runs, "WALL_MS CPU_MS".
median_cpu_wall_ms() {
  local i
  for ((i = 0; i < RUNS; i++)); do cpu_wall_ms "$@"; done >"$PG_DIR/pairs"
  echo "$(cut -d' ' -f1 "$PG_DIR/pairs" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')" \
       "$(cut -d' ' -f2 "$PG_DIR/pairs" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
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

# alert_run STATE NOW: one `kpi alert` run (no sinks) as of NOW with the ledger
# in STATE; prints "wall_ms evaluation_s read held" (the evaluation time and
# the KPIs read and held from the run's alert.evaluated log line).
alert_run() {
  local t0 t1 line
  t0=$(now_ms)
  "$KPI" alert --config "$PG_DIR/alert.json" --state-dir "$1" --now "$2" >/dev/null 2>"$PG_DIR/alert.err" ||
    [ $? -le 2 ] || { cat "$PG_DIR/alert.err" >&2; die "kpi alert failed"; }
  t1=$(now_ms)
  line=$(grep '"event":"alert.evaluated"' "$PG_DIR/alert.err")
  printf '%s %s %s %s\n' $((t1 - t0)) \
    "$(jq -r '.seconds' <<<"$line")" \
    "$(jq -r '(.read // []) | length' <<<"$line")" \
    "$(jq -r '(.held // []) | length' <<<"$line")"
}

# bench_alert: `kpi alert` as cron runs it, as of the dataset's last day:
# "all due" into an empty state directory (every alerting KPI read), and
# "routine" into the ledger a run made 5 minutes before (the hourly coverage
# family held, only the every-run KPIs read). RUNS pairs, medians.
bench_alert() {
  local i r label wall ev rd
  local now0=2026-11-15T12:00:00Z now1=2026-11-15T12:05:00Z
  # 120 s per statement (a busy host), within what the run deadline allows
  echo '{"database": {"statement_timeout_ms": 120000}}' >"$PG_DIR/alert.json"
  log "kpi alert: all due, then routine"
  alert_run "$PG_DIR/alert-warm" "$now0" >/dev/null
  : >"$PG_DIR/alert-all"; : >"$PG_DIR/alert-routine"
  for ((i = 0; i < RUNS; i++)); do
    rm -rf "$PG_DIR/alert-state"
    alert_run "$PG_DIR/alert-state" "$now0" >>"$PG_DIR/alert-all"
    alert_run "$PG_DIR/alert-state" "$now1" >>"$PG_DIR/alert-routine"
  done
  rm -rf "$PG_DIR/alert-state" "$PG_DIR/alert-warm"
  {
    echo "| \`kpi alert\` run (as of $now0, medians of $RUNS) | wall (s) | evaluation (s) | KPIs read | KPIs held |"
    echo "|---|---:|---:|---:|---:|"
    for r in all routine; do
      label="routine (5 min later: every-run KPIs only)"
      [ "$r" = all ] && label="all due (empty state directory)"
      wall=$(cut -d' ' -f1 "$PG_DIR/alert-$r" | sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)] / 1000}')
      ev=$(cut -d' ' -f2 "$PG_DIR/alert-$r" | sort -g | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)]}')
      rd=$(tail -1 "$PG_DIR/alert-$r" | cut -d' ' -f3-)
      echo "| $label | $wall | $ev | ${rd% *} | ${rd#* } |"
    done
    echo
  } | report
}

declare -A MEM_ALL
bench_scale() {
  local scale=$1 t0 t1 load_ms vac_ms k table floor q q1 ratio digest rss rss1
  if [ -n "${KPI_BENCH_EXISTING:-}" ]; then
    # the scale dataset already loaded in the server of the PG* environment
    PG_DIR=$(mktemp -d /tmp/kpi-bench.XXXXXX)
    {
      echo "### Scale $scale"
      echo
      echo "The database of the PG* environment ($PGHOST, $PGDATABASE), loaded before (KPI_BENCH_EXISTING)."
      echo
    } | report
  else
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
    } | report
  fi
  : >"$PG_DIR/failed"
  # a busy host can take the coverage queries past the default 60 s
  # statement_timeout: the timed runs get 10 minutes
  echo '{"database": {"statement_timeout_ms": 600000}}' >"$PG_DIR/bench.json"
  export KPI_CONFIG=$PG_DIR/bench.json
  {
    echo "Load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)."
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
    log "warming: count(*) over $table"
    psql -X -q -At -c "SELECT count(*) FROM $table" >/dev/null
  done

  # the postmaster, when the server runs here: the first line of
  # postmaster.pid in its data directory (readable by root or its owner)
  PM_PID=$(head -1 "$(psql_q -c 'SHOW data_directory')/postmaster.pid" 2>/dev/null) || PM_PID=""
  [ -n "$PM_PID" ] && [ -r "/proc/$PM_PID/stat" ] || PM_PID=""
  {
    echo "| KPI (12 weeks) | time (s) | server CPU (s) | floor table | floor (s) | time / floor | peak RSS (KiB) | result digest |"
    echo "|---|---:|---:|---|---:|---:|---:|---|"
  } | report
  for k in $("$KPI" list | awk 'NR > 1 {print $1}'); do
    [ -n "${FLOOR_TABLE[$k]:-}" ] || continue
    table=${FLOOR_TABLE[$k]}
    log "query $k"
    # the warm-up run: peak RSS and a digest of the output
    rss=$(peak_kb "$KPI" query "$k" --week $WEEK --weeks $WEEKS --format json)
    digest=$(sha256sum <"$PG_DIR/out" | cut -c1-12)
    # the floor measured right before the KPI (a shared host's load moves)
    floor=$(median_ms psql -X -q -At -c "SELECT count(*) FROM $table")
    if [ -n "$PM_PID" ]; then
      read -r q cpu < <(median_cpu_wall_ms "$KPI" query "$k" --week $WEEK --weeks $WEEKS --format json)
      cpu=$(fmt_s "$cpu")
    else
      q=$(median_ms "$KPI" query "$k" --week $WEEK --weeks $WEEKS --format json) cpu="n/a"
    fi
    ratio=$(awk -v q="$q" -v f="$floor" 'BEGIN {printf "%.1f", (f > 0 ? q / f : 0)}')
    echo "| $k | $(fmt_s "$q") | $cpu | $table | $(fmt_s "$floor") | $ratio | $rss | \`$digest\` |" | report
  done

  log "query all"
  rss=$(peak_kb "$KPI" query all --week $WEEK --weeks $WEEKS)
  if [ -n "$PM_PID" ]; then
    read -r q cpu_all < <(median_cpu_wall_ms "$KPI" query all --week $WEEK --weeks $WEEKS)
    cpu_all="$(fmt_s "$cpu_all") s of server CPU"
  else
    q=$(median_ms "$KPI" query all --week $WEEK --weeks $WEEKS) cpu_all="server CPU n/a"
  fi
  MEM_ALL[$scale]=$rss
  log "query all on one connection"
  rss1=$(KPI_DB_CONNECTIONS=1 peak_kb "$KPI" query all --week $WEEK --weeks $WEEKS)
  q1=$(KPI_DB_CONNECTIONS=1 median_ms "$KPI" query all --week $WEEK --weeks $WEEKS)
  {
    echo
    echo "\`kpi query all --week $WEEK --weeks $WEEKS\`: $(fmt_s "$q") s (median of $RUNS; $cpu_all), peak RSS $rss KiB" \
         "(the default two connections in one snapshot); with \`KPI_DB_CONNECTIONS=1\`: $(fmt_s "$q1") s, peak RSS $rss1 KiB."
    echo
  } | report
  bench_alert
  unset KPI_CONFIG
  {
    echo "Load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)."
    if [ -s "$PG_DIR/failed" ]; then
      echo "**$(wc -l <"$PG_DIR/failed") timed run(s) failed** (their time counts in the median):"
      sort "$PG_DIR/failed" | uniq -c | sed 's/^ */- /'
    fi
    echo
  } | report
  if [ -n "${KPI_BENCH_EXISTING:-}" ]; then
    rm -rf "$PG_DIR"
    PG_DIR=""
  elif [ -n "${KPI_BENCH_KEEP:-}" ]; then
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
