#!/usr/bin/env bash
# Where the coverage family's time goes (figures, not a test; not part of
# ctest). Runs queries/legacy_coverage.sql and parts of it against the scale
# dataset already loaded in the database of the PG* environment (load one
# with tests/bench/bench_queries.sh and KPI_BENCH_KEEP=1, or `kpi seed scale`),
# for 2026-W35..W46 in UTC, and reports per query the wall time and the CPU
# time of its own backend (from /proc: the server must run on this host; the
# plans are serial, so the backend is all the work). The parts are cut from
# the query file itself, so they follow it:
#   probe  - one index probe of design_events per legacy design (min(at) in
#            the cohort's window, nothing else): the least any per-design
#            reading of the events costs
#   count  - the same probes reading every event of the window (count(*))
#   events - the family's events part as it is (the CTEs up to `act`, the
#            masks OR-ed per design)
#   revs   - the revisions' window and the artifacts' merge (the CTEs up to
#            `art`, grouped per design)
#   family - the whole query
# and, before each round, the floor: `SELECT count(*) FROM design_events`
# (server defaults, as bench_queries.sh measures it). Rounds alternate the
# queries, so a host whose speed drifts moves all of them alike.
#
# usage: tests/bench/bench_coverage_parts.sh [ROUNDS]   (default 3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SQL=$ROOT/queries/legacy_coverage.sql
ROUNDS=${1:-3}
FROM=2026-08-24T00:00:00Z TO=2026-11-16T00:00:00Z
WORK=$(mktemp -d /tmp/kpi-bench-parts.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

command -v psql >/dev/null || { echo "bench_coverage_parts: psql not found" >&2; exit 1; }
psql -X -q -At -c 'SELECT 1 FROM design_events LIMIT 1' >/dev/null ||
  { echo "bench_coverage_parts: no scale dataset in the PG* environment's database" >&2; exit 1; }

# The query file's text up to (not including) the CTE named $1, then $2.
cut_before() {
  awk -v stop="), $1 AS (" 'index($0, stop) == 1 {exit} {print}' "$SQL"
  echo ")"
  echo "$2"
}
grep -q '^), act AS (' "$SQL" && grep -q '^), rev AS (' "$SQL" && grep -q '^), dm AS (' "$SQL" ||
  { echo "bench_coverage_parts: $SQL no longer has the CTEs act, rev and dm; update this script" >&2; exit 1; }
EVENTS_MASKS='    SELECT bit_or((SELECT pm FROM seg)[width_bucket(e.at, (SELECT bs FROM seg)) + 1]) AS m,
               bit_or((SELECT dm FROM seg)[width_bucket(e.at, (SELECT bs FROM seg)) + 1]) AS dm'
grep -qF "$(echo "$EVENTS_MASKS" | head -1)" "$SQL" ||
  { echo "bench_coverage_parts: $SQL no longer ORs the event masks as this script expects; update it" >&2; exit 1; }

cut_before rev 'SELECT count(*), bit_or(m), bit_or(dm) FROM act' >"$WORK/events.sql"
sed 's/bit_or((SELECT pm FROM seg)\[width_bucket(e.at, (SELECT bs FROM seg)) + 1\]) AS m,/min(e.at) AS m,/;
     s/bit_or((SELECT dm FROM seg)\[width_bucket(e.at, (SELECT bs FROM seg)) + 1\]) AS dm/min(e.at) AS dm/;
     s/^SELECT count(\*), bit_or(m), bit_or(dm) FROM act$/SELECT count(*), max(m), max(dm) FROM act/' \
  "$WORK/events.sql" >"$WORK/probe.sql"
sed 's/bit_or((SELECT pm FROM seg)\[width_bucket(e.at, (SELECT bs FROM seg)) + 1\]) AS m,/count(*) AS m,/;
     s/bit_or((SELECT dm FROM seg)\[width_bucket(e.at, (SELECT bs FROM seg)) + 1\]) AS dm/count(*) AS dm/;
     s/^SELECT count(\*), bit_or(m), bit_or(dm) FROM act$/SELECT count(*), sum(m), sum(dm) FROM act/' \
  "$WORK/events.sql" >"$WORK/count.sql"
cut_before dm 'SELECT count(*), bit_or(revs), bit_or(m), sum(cardinality(lats)) FROM art' >"$WORK/revs.sql"
cp "$SQL" "$WORK/family.sql"
for p in probe count; do
  ! cmp -s "$WORK/events.sql" "$WORK/$p.sql" ||
    { echo "bench_coverage_parts: could not derive the $p part from $SQL" >&2; exit 1; }
done

# run PART: one execution; prints "wall_ms cpu_ms"
run() {
  local f=$WORK/$1.sql
  psql -X -q -At -v ON_ERROR_STOP=1 -o /dev/null <<SQL
SET jit = off; SET TimeZone = 'UTC';
PREPARE q(timestamptz, timestamptz, int, float8) AS
$(sed '$ s/;[[:space:]]*$//' "$f" | sed '/^[[:space:]]*$/d')
;
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! sed 's/.*) //' /proc/\$BPID/stat | awk '{print \$12 + \$13}' > $WORK/cpu0
\! date +%s%3N > $WORK/t0
EXECUTE q('$FROM', '$TO', 90, 95);
\! date +%s%3N > $WORK/t1
\! sed 's/.*) //' /proc/\$BPID/stat | awk '{print \$12 + \$13}' > $WORK/cpu1
SQL
  echo "$(( $(cat "$WORK/t1") - $(cat "$WORK/t0") )) $(( ($(cat "$WORK/cpu1") - $(cat "$WORK/cpu0")) * 1000 / $(getconf CLK_TCK) ))"
}

echo "| round | floor wall (s) | probe (wall / CPU s) | count | events | revs | family |"
echo "|---|---|---|---|---|---|---|"
run probe >/dev/null  # warm the caches
for r in $(seq 1 "$ROUNDS"); do
  t0=$(date +%s%3N); psql -X -q -At -c 'SELECT count(*) FROM design_events' >/dev/null; t1=$(date +%s%3N)
  line="| $r | $(awk -v m=$((t1 - t0)) 'BEGIN {printf "%.2f", m / 1000}')"
  for p in probe count events revs family; do
    read -r w c < <(run "$p")
    line+=" | $(awk -v w="$w" -v c="$c" 'BEGIN {printf "%.2f / %.2f", w / 1000, c / 1000}')"
  done
  echo "$line |"
done
