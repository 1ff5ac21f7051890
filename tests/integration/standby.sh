#!/bin/bash
# Integration: kpi reading a hot standby (issue 16). A throwaway primary of
# its own (scripts/lib.sh's server is shared with the other tests and is
# not set up for replication) with the demo dataset, a streaming replica
# made by pg_basebackup -R from it; both on unix sockets in a temp dir,
# started and stopped by pid. Checks:
#   - kpi query all gives byte-identical JSON on the primary and on the
#     standby, on two connections (the exported snapshot, which PostgreSQL
#     15 allows on a standby) and on one;
#   - the pack's provenance (snapshot.json format 4): the standby's primary
#     time and lag, each KPI's wall time and, with pg_stat_statements
#     (both servers preload it), its shared blocks; the same in the JSON
#     log (KPI_LOG_LEVEL=debug, pg.cost) and "data as of primary time" in
#     the PDF's appendix; the primary's provenance says it is no standby;
#   - replay paused while the primary writes: a lag above database.max_lag
#     makes every PostgreSQL KPI missing data (no_data, no value; the
#     pack's verdict HOLD), with one warning line, the drill-down lists
#     "not read"; kpi alert exits 3 (UNKNOWN) and counts a failed read for
#     the blind monitor; no limit: the same numbers as the primary;
#   - a query cancelled by a recovery conflict (max_standby_streaming_delay
#     0, a DELETE and VACUUM on the primary while kpi's query sleeps on the
#     standby) is run again in a new snapshot (the result counts the rows
#     after the DELETE) and the retry is logged;
#   - libpq's multi-host conninfo with target_session_attrs=prefer-standby
#     reads the standby (kpi's queries are in its log, not in the
#     primary's) with the same result;
#   - the standby stopped (by pid) while kpi pack's query sleeps on it:
#     exit 4, one line naming the lost connection, no pack written;
#   - then prefer-standby reads the primary.
# Usage: standby.sh KPI_BINARY. Skipped (77) without KPI_TEST_PG, like the
# other integration tests; with it, it must run.
set -euo pipefail
KPI=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
if [ -z "${KPI_TEST_PG:-}" ]; then
  echo "integration_standby: KPI_TEST_PG not set (scripts/test sets it): skipped"
  exit 77
fi
fail() { echo "FAIL: $*" >&2; exit 1; }

DIR=$(mktemp -d /tmp/kpi-standby.XXXXXX)
chmod 755 "$DIR"
runas=()
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  id -u "$owner" >/dev/null 2>&1 || owner=kpi-pg
  chown "$owner" "$DIR"
  runas=(env -C / runuser -u "$owner" --)  # from /: see scripts/lib.sh
fi
P=$DIR/primary S=$DIR/standby
PRIMARY_PID="" STANDBY_PID=""
stop() { # pid
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -INT "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$STANDBY_PID"
  stop "$PRIMARY_PID"
  rm -rf "$DIR"
}
trap cleanup EXIT

start() { # datadir sockdir extra-options
  "${runas[@]}" "$PG_BIN/pg_ctl" -D "$1" -l "$2/pg.log" -w -t 60 -o \
    "-p 5432 -k $2 -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c log_connections=on -c log_statement=all $3" \
    start >/dev/null || { cat "$2/pg.log" >&2; fail "PostgreSQL in $1 did not start"; }
  head -1 "$1/postmaster.pid"
}

"${runas[@]}" mkdir "$P" "$S"
"${runas[@]}" "$PG_BIN/initdb" -D "$P/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
  { cat "$DIR/initdb.log" >&2; fail "initdb"; }
# wal_level is replica by default in PostgreSQL 15; the socket may replicate
printf 'local all all trust\nlocal replication all trust\n' >"$P/data/pg_hba.conf"
# pg_stat_statements: the KPIs' shared blocks; no autovacuum: only the
# test's own VACUUM makes a recovery conflict
PRIMARY_PID=$(start "$P/data" "$P" "-c shared_preload_libraries=pg_stat_statements -c autovacuum=off")
psql -h "$P" -U postgres -d postgres -qc 'CREATE DATABASE kpi' >/dev/null
KPI_NOW=2026-11-20T00:00:00Z "$KPI" seed demo --reset --db "host=$P dbname=kpi user=postgres" >/dev/null ||
  fail "kpi seed demo"
psql -h "$P" -U postgres -d kpi -qc 'VACUUM ANALYZE' >/dev/null
psql -h "$P" -U postgres -d kpi -qc 'CREATE EXTENSION pg_stat_statements' >/dev/null

# --checkpoint=fast: the default (spread) waits for the primary's next checkpoint, minutes on an idle server
"${runas[@]}" "$PG_BIN/pg_basebackup" -h "$P" -U postgres -D "$S/data" -R -X stream --checkpoint=fast >"$DIR/basebackup.log" 2>&1 ||
  { cat "$DIR/basebackup.log" >&2; fail "pg_basebackup"; }
# max_standby_streaming_delay 0: a replayed cleanup cancels a conflicting query at once
STANDBY_PID=$(start "$S/data" "$S" "-c shared_preload_libraries=pg_stat_statements -c max_standby_streaming_delay=0 -c hot_standby_feedback=off")
[ "$(psql -h "$S" -U postgres -d kpi -Atc 'SELECT pg_is_in_recovery()')" = t ] || fail "the standby is not in recovery"
# caught up: it has replayed (or received) what the primary has written
caught_up() { # pg_last_wal_replay_lsn | pg_last_wal_receive_lsn
  local target
  target=$(psql -h "$P" -U postgres -d kpi -Atc 'SELECT pg_current_wal_lsn()')
  for _ in $(seq 1 300); do
    [ "$(psql -h "$S" -U postgres -d kpi -Atc "SELECT $1() >= '$target'")" = t ] && return 0
    sleep 0.1
  done
  fail "the standby did not catch up with $target ($1)"
}
# one transaction replayed: pg_last_xact_replay_timestamp() is set (a
# standby that has replayed none since it started, its WAL receiver's
# message not yet in, could not say how current it is)
psql -h "$P" -U postgres -d kpi -qc 'CREATE TABLE replayed (at timestamptz DEFAULT now()); INSERT INTO replayed DEFAULT VALUES'
caught_up pg_last_wal_replay_lsn

query() { # conninfo connections
  KPI_NOW=2026-11-20T00:00:00Z KPI_DB_CONNECTIONS=$2 "$KPI" query all --week 2026-W46 --weeks 12 --format json \
    --db "$1" 2>"$DIR/stderr" || { cat "$DIR/stderr" >&2; fail "kpi query all on '$1' ($2 connections)"; }
}
kpi_connections() { grep -c 'connection authorized: .*application_name=kpi' "$1/pg.log" || true; }
# KPI queries a server ran (log_statement = all): libpq's prefer-standby
# also connects to the primary to ask whether it is one, but runs nothing
kpi_queries() { grep -c 'execute <unnamed>: -- adoption_split:' "$1/pg.log" || true; }

query "host=$P dbname=kpi user=postgres" 2 >"$DIR/primary.json"
[ "$(wc -c <"$DIR/primary.json")" -gt 1000 ] || fail "no result on the primary"
for n in 2 1; do
  before=$(kpi_connections "$S")
  query "host=$S dbname=kpi user=postgres" $n >"$DIR/standby.json"
  cmp "$DIR/primary.json" "$DIR/standby.json" || { psql -h "$S" -U postgres -d kpi -c "SELECT status, latest_end_lsn, latest_end_time, last_msg_send_time, pg_last_wal_replay_lsn(), pg_last_wal_receive_lsn(), pg_last_xact_replay_timestamp() FROM pg_stat_wal_receiver" >&2; fail "the standby's result differs ($n connections)"; }
  after=$(kpi_connections "$S")
  [ $((after - before)) -eq "$n" ] || fail "expected $n connections of kpi on the standby, got $((after - before))"
  grep -q '"level":"error"' "$DIR/stderr" && fail "errors logged on the standby: $(cat "$DIR/stderr")"
done
echo "ok: identical results on the primary and the standby, on 2 connections (exported snapshot) and 1"

pack() { # conninfo out [env...]: kpi pack of W46 (12 weeks), its stderr in $DIR/stderr
  local db=$1 out=$2
  shift 2
  env KPI_NOW=2026-11-20T00:00:00Z KPI_LOG_LEVEL=debug "$@" "$KPI" pack --week 2026-W46 --out "$out" --db "$db" --quiet \
    >"$DIR/stdout" 2>"$DIR/stderr"
}
pack "host=$S dbname=kpi user=postgres" "$DIR/pack-standby" KPI_DB_MAX_LAG=0 ||
  { cat "$DIR/stderr" >&2; fail "kpi pack on the standby"; }
python3 - "$DIR/pack-standby/snapshot.json" "$DIR/stderr" <<'PY' || fail "the standby pack's provenance"
import json, sys
snap = json.load(open(sys.argv[1]))
assert snap["format"] >= 4, snap["format"]
src = snap["provenance"]["sources"]
assert [s["source"] for s in src] == ["postgres"], src
s = src[0]
assert s["standby"] is True and s["primary_time"] and s["lag_seconds"] >= 0, s
assert s["basis"] and s["stale"] is False and s["max_lag"] == 0 and s["conflict_retries"] == 0, s
assert s["blocks"] == "pg_stat_statements", s
costs = snap["provenance"]["costs"]
assert [c["kpi"] for c in costs] == [x["kpi"] for x in snap["series"]], costs
# the run's times and blocks stay out of the snapshot (same data, same bytes): the log has them
assert all(c["seconds"] is None and c["shared_blks_hit"] is None for c in costs), costs
logged = {}
for line in open(sys.argv[2]):
    if not line.startswith("{"):
        continue
    o = json.loads(line)
    if o.get("event") == "pg.cost":
        logged[o["kpi"]] = o
        assert o["run_id"] and o["seconds"] > 0 and "shared_blks_hit" in o and "shared_blks_read" in o, o
assert sorted(logged) == sorted(c["kpi"] for c in costs), (sorted(logged), costs)
assert any(o["shared_blks_hit"] is not None and o["shared_blks_hit"] + o["shared_blks_read"] > 0
           for o in logged.values()), logged
PY
pdftotext "$DIR"/pack-standby/*.pdf - | tr '\n' ' ' | grep -q "postgres: a hot standby: data as of primary time" ||
  fail "the PDF's appendix does not name the standby's primary time"
pack "host=$P dbname=kpi user=postgres" "$DIR/pack-primary" || { cat "$DIR/stderr" >&2; fail "kpi pack on the primary"; }
python3 - "$DIR/pack-primary/snapshot.json" <<'PY' || fail "the primary pack's provenance"
import json, sys
s = json.load(open(sys.argv[1]))["provenance"]["sources"][0]
assert s["standby"] is False and s["primary_time"] is None and s["lag_seconds"] is None and s["stale"] is False, s
PY
pdftotext "$DIR"/pack-primary/*.pdf - | grep -q "hot standby" && fail "the primary's PDF speaks of a standby"
echo "ok: provenance (primary time, lag) in the snapshot and the PDF, per-KPI seconds and shared blocks in the log"

# replay paused while the primary writes: the lag grows past max_lag
psql -h "$P" -U postgres -d kpi -qc 'CREATE TABLE lag_marker (at timestamptz); INSERT INTO lag_marker VALUES (now())'
caught_up pg_last_wal_replay_lsn
psql -h "$S" -U postgres -d kpi -qAtc 'SELECT pg_wal_replay_pause()' >/dev/null
psql -h "$P" -U postgres -d kpi -qc 'INSERT INTO lag_marker VALUES (now())'
caught_up pg_last_wal_receive_lsn
sleep 3
KPI_DB_MAX_LAG=2 query "host=$S dbname=kpi user=postgres" 2 >"$DIR/stale.json"
python3 - "$DIR/stale.json" "$DIR/stderr" <<'PY' || fail "a standby lagging past max_lag"
import json, sys
kpis = json.load(open(sys.argv[1]))["kpis"]
assert len(kpis) > 5, kpis
for o in kpis:
    for r in o["rows"]:
        assert r["value"] is None and r["numerator"] is None and r["status"] == "no_data", (o["kpi"], r)
warn = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
warn = [w for w in warn if w.get("event") == "pg.lag"]
assert len(warn) == 1 and warn[0]["level"] == "warn" and warn[0]["lag_seconds"] > 2, warn
assert "every PostgreSQL KPI of this run is missing data" in warn[0]["msg"], warn
PY
pack "host=$S dbname=kpi user=postgres" "$DIR/pack-stale" KPI_DB_MAX_LAG=2 ||
  { cat "$DIR/stderr" >&2; fail "kpi pack on the lagging standby"; }
python3 - "$DIR/pack-stale/snapshot.json" <<'PY' || fail "the lagging standby's pack"
import json, sys
snap = json.load(open(sys.argv[1]))
s = snap["provenance"]["sources"][0]
assert s["stale"] is True and s["lag_seconds"] > 2 and s["max_lag"] == 2, s
assert snap["verdicts"][-1]["verdict"] == "HOLD", snap["verdicts"][-1]
assert all(c["seconds"] is None for c in snap["provenance"]["costs"]), snap["provenance"]["costs"]
PY
pdftotext "$DIR"/pack-stale/*.pdf - | tr '\n' ' ' | grep -q "above database.max_lag 2 s" ||
  fail "the lagging standby's PDF does not say its KPIs are missing data"
pdftotext "$DIR"/pack-stale/*.pdf - | tr '\n' ' ' | grep -q "Not read: the postgres hot standby was [0-9]* s behind its primary" ||
  fail "the lagging standby's drill-down does not say its lists were not read"
# kpi alert (cron) on the lagging standby
set +e
KPI_NOW=2026-11-20T00:00:00Z KPI_DB_MAX_LAG=2 "$KPI" alert --state-dir "$DIR/alert-state" \
  --db "host=$S dbname=kpi user=postgres" >"$DIR/alert.out" 2>"$DIR/alert.err"
alert_rc=$?
set -e
# missing data everywhere would look like a quiet run: it is a failed read
# for the blind monitor ("kpi cannot read its data"), UNKNOWN (3)
[ "$alert_rc" = 3 ] || { cat "$DIR/alert.out" "$DIR/alert.err" >&2; fail "kpi alert on the lagging standby exited $alert_rc, not 3"; }
grep -q "^KPI UNKNOWN - cannot read the data (failed run 1 in a row; the 'kpi cannot read its data' alert fires at [0-9]*): the postgres source read a hot standby [0-9]* s behind its primary, above database.max_lag 2 s" "$DIR/alert.out" ||
  { cat "$DIR/alert.out" >&2; fail "kpi alert on the lagging standby does not say why it cannot read"; }
grep -q "KPI OK" "$DIR/alert.out" && fail "kpi alert on the lagging standby says OK"
# the standby's KPIs were not stepped (no record: neither fired nor resolved);
# the blind monitor counted one failed run
python3 - "$DIR/alert-state/ledger.json" <<'PY' || fail "the ledger after kpi alert on the lagging standby"
import json, sys
doc = json.load(open(sys.argv[1]))
def walk(o):
    if isinstance(o, dict):
        if "kpi" in o and "state" in o and "pending" in o:
            yield o
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
recs = list(walk(doc))
src = [r for r in recs if r["kpi"] == "kpi_source"]
assert len(src) == 1 and src[0]["pending"] == 1 and "above database.max_lag 2 s" in src[0]["note"], src
assert [r["kpi"] for r in recs if r["kpi"] != "kpi_source"] == [], recs
PY
echo "ok: kpi alert on the lagging standby: UNKNOWN, a failed read for the blind monitor"
KPI_DB_MAX_LAG=0 query "host=$S dbname=kpi user=postgres" 2 >"$DIR/nolimit.json"
cmp "$DIR/primary.json" "$DIR/nolimit.json" || fail "without max_lag the paused standby's result differs"
psql -h "$S" -U postgres -d kpi -qAtc 'SELECT pg_wal_replay_resume()' >/dev/null
caught_up pg_last_wal_replay_lsn
echo "ok: a lag above database.max_lag makes every PostgreSQL KPI missing data (verdict HOLD)"

# a KPI whose query sleeps 3 s, then counts conflict_t's rows
cp -r "$SRC/queries" "$DIR/queries"
cat >"$DIR/queries/test_sleepy.sql" <<'SQL'
-- test_sleepy: the rows of conflict_t after a 3 s sleep (tests/integration/standby.sh)
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period
SELECT $1::timestamptz AS period_start,
       (SELECT count(*) FROM conflict_t)::float8 AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM pg_sleep(3)
WHERE $2::timestamptz > $1::timestamptz
SQL
python3 - "$SRC/templates/catalog.json" "$DIR/catalog.json" <<'PY'
import json, sys
cat = json.load(open(sys.argv[1]))
cat["kpis"].append({"id": "test_sleepy", "title": "Rows of conflict_t", "unit": "count", "source": "postgres",
                    "query": "test_sleepy.sql", "kind": "state", "labels": [], "threshold": None, "gating": False,
                    "missing": "ignore", "empty": "zero", "chart": "line", "description": "standby.sh"})
json.dump(cat, open(sys.argv[2], "w"), indent=2)
PY
sleeping() { # server: wait until kpi's query sleeps there
  for _ in $(seq 1 200); do
    [ "$(psql -h "$1" -U postgres -d kpi -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kpi' AND wait_event = 'PgSleep'")" -ge 1 ] && return 0
    sleep 0.05
  done
  fail "kpi's query does not sleep on $1"
}
psql -h "$P" -U postgres -d kpi -qc 'CREATE TABLE conflict_t AS SELECT g FROM generate_series(1, 1000) g'
caught_up pg_last_wal_replay_lsn
KPI_CATALOG=$DIR/catalog.json KPI_QUERY_DIR=$DIR/queries KPI_NOW=2026-11-20T00:00:00Z KPI_DB_CONNECTIONS=1 \
  "$KPI" query test_sleepy --week 2026-W46 --weeks 1 --format json --db "host=$S dbname=kpi user=postgres" \
  >"$DIR/conflict.json" 2>"$DIR/conflict.err" &
kpi_pid=$!
sleeping "$S"
# removes the rows kpi's snapshot still sees: the replayed cleanup cancels its query
psql -h "$P" -U postgres -d kpi -qc 'DELETE FROM conflict_t' -c 'VACUUM conflict_t'
rc=0
wait "$kpi_pid" || rc=$?
[ "$rc" -eq 0 ] || { cat "$DIR/conflict.err" >&2; fail "kpi query after a recovery conflict: exit $rc"; }
python3 - "$DIR/conflict.json" "$DIR/conflict.err" <<'PY' || fail "the recovery conflict's retry"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert len(rows) == 1 and rows[0]["value"] == 0, rows   # read again after the DELETE
retries = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
retries = [r for r in retries if r.get("event") == "pg.retry"]
assert len(retries) >= 1 and retries[0]["level"] == "warn" and "conflict with recovery" in retries[0]["error"], retries
PY
grep -q 'canceling statement due to conflict with recovery' "$S/pg.log" || fail "no recovery conflict in the standby's log"
echo "ok: a query cancelled by a recovery conflict is read again in a new snapshot"

multi="host=$P,$S port=5432,5432 dbname=kpi user=postgres target_session_attrs=prefer-standby"
pq=$(kpi_queries "$P") sq=$(kpi_queries "$S")
query "$multi" 2 >"$DIR/multi.json"
cmp "$DIR/primary.json" "$DIR/multi.json" || fail "prefer-standby: the result differs"
[ "$(kpi_queries "$P")" -eq "$pq" ] || fail "prefer-standby: kpi's queries ran on the primary"
[ "$(kpi_queries "$S")" -eq $((sq + 1)) ] || fail "prefer-standby: kpi's queries did not run on the standby"
echo "ok: target_session_attrs=prefer-standby reads the standby"

# the standby stopped while kpi pack's query sleeps there
mkdir "$DIR/packs"
KPI_CATALOG=$DIR/catalog.json KPI_QUERY_DIR=$DIR/queries KPI_NOW=2026-11-20T00:00:00Z KPI_DB_CONNECTIONS=1 \
  "$KPI" pack --week 2026-W46 --weeks 1 --out "$DIR/packs/stopped" --quiet --db "host=$S dbname=kpi user=postgres" \
  >"$DIR/stopped.out" 2>"$DIR/stopped.err" &
kpi_pid=$!
sleeping "$S"
stop "$STANDBY_PID"
STANDBY_PID=""
rc=0
wait "$kpi_pid" || rc=$?
[ "$rc" -eq 4 ] || { cat "$DIR/stopped.err" >&2; fail "standby stopped mid-run: exit $rc, not 4 (source)"; }
grep -q '^kpi: .*lost the connection to PostgreSQL (host=' "$DIR/stopped.err" ||
  fail "standby stopped mid-run: no clear line: $(cat "$DIR/stopped.err")"
[ ! -s "$DIR/stopped.out" ] || fail "standby stopped mid-run: kpi pack printed $(cat "$DIR/stopped.out")"
[ -z "$(ls -A "$DIR/packs")" ] || fail "standby stopped mid-run: a pack (or part of one) was written: $(ls -A "$DIR/packs")"
echo "ok: the standby stopped mid-run: exit 4, one clear line, no pack"

pq=$(kpi_queries "$P")
query "$multi" 2 >"$DIR/multi.json"
cmp "$DIR/primary.json" "$DIR/multi.json" || fail "prefer-standby, standby down: the result differs"
[ "$(kpi_queries "$P")" -eq $((pq + 1)) ] || fail "prefer-standby, standby down: kpi did not fall back to the primary"
echo "ok: with the standby down, prefer-standby falls back to the primary"
