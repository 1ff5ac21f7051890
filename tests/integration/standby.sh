#!/bin/bash
# Integration: kpi reading a hot standby (issue 16). A throwaway primary of
# its own (scripts/lib.sh's server is shared with the other tests and is
# not set up for replication) with the demo dataset, a streaming replica
# made by pg_basebackup -R from it; both on unix sockets in a temp dir,
# started and stopped by pid. Checks:
#   - kpi query all gives byte-identical JSON on the primary and on the
#     standby, on two connections (the exported snapshot, which PostgreSQL
#     15 allows on a standby) and on one;
#   - libpq's multi-host conninfo with target_session_attrs=prefer-standby
#     reads the standby (kpi's queries are in its log, not in the
#     primary's) with the same result, and the primary when the standby is
#     down.
# Usage: standby.sh KPI_BINARY. Skipped (77) without KPI_TEST_PG, like the
# other integration tests; with it, it must run.
set -euo pipefail
KPI=$1
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
  runas=(runuser -u "$owner" --)
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
PRIMARY_PID=$(start "$P/data" "$P" "")
psql -h "$P" -U postgres -d postgres -qc 'CREATE DATABASE kpi' >/dev/null
KPI_NOW=2026-11-20T00:00:00Z "$KPI" seed demo --reset --db "host=$P dbname=kpi user=postgres" >/dev/null ||
  fail "kpi seed demo"
psql -h "$P" -U postgres -d kpi -qc 'VACUUM ANALYZE' >/dev/null

# --checkpoint=fast: the default (spread) waits for the primary's next checkpoint, minutes on an idle server
"${runas[@]}" "$PG_BIN/pg_basebackup" -h "$P" -U postgres -D "$S/data" -R -X stream --checkpoint=fast >"$DIR/basebackup.log" 2>&1 ||
  { cat "$DIR/basebackup.log" >&2; fail "pg_basebackup"; }
STANDBY_PID=$(start "$S/data" "$S" "")
[ "$(psql -h "$S" -U postgres -d kpi -Atc 'SELECT pg_is_in_recovery()')" = t ] || fail "the standby is not in recovery"
# caught up: it has replayed what the primary has written
target=$(psql -h "$P" -U postgres -d kpi -Atc 'SELECT pg_current_wal_lsn()')
for _ in $(seq 1 300); do
  [ "$(psql -h "$S" -U postgres -d kpi -Atc "SELECT pg_last_wal_replay_lsn() >= '$target'")" = t ] && break
  sleep 0.1
done
[ "$(psql -h "$S" -U postgres -d kpi -Atc "SELECT pg_last_wal_replay_lsn() >= '$target'")" = t ] ||
  fail "the standby did not catch up with $target"

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
  cmp "$DIR/primary.json" "$DIR/standby.json" || fail "the standby's result differs ($n connections)"
  after=$(kpi_connections "$S")
  [ $((after - before)) -eq "$n" ] || fail "expected $n connections of kpi on the standby, got $((after - before))"
  grep -q '"level":"error"' "$DIR/stderr" && fail "errors logged on the standby: $(cat "$DIR/stderr")"
done
echo "ok: identical results on the primary and the standby, on 2 connections (exported snapshot) and 1"

multi="host=$P,$S port=5432,5432 dbname=kpi user=postgres target_session_attrs=prefer-standby"
pq=$(kpi_queries "$P") sq=$(kpi_queries "$S")
query "$multi" 2 >"$DIR/multi.json"
cmp "$DIR/primary.json" "$DIR/multi.json" || fail "prefer-standby: the result differs"
[ "$(kpi_queries "$P")" -eq "$pq" ] || fail "prefer-standby: kpi's queries ran on the primary"
[ "$(kpi_queries "$S")" -eq $((sq + 1)) ] || fail "prefer-standby: kpi's queries did not run on the standby"
echo "ok: target_session_attrs=prefer-standby reads the standby"

stop "$STANDBY_PID"
STANDBY_PID=""
pq=$(kpi_queries "$P")
query "$multi" 2 >"$DIR/multi.json"
cmp "$DIR/primary.json" "$DIR/multi.json" || fail "prefer-standby, standby down: the result differs"
[ "$(kpi_queries "$P")" -eq $((pq + 1)) ] || fail "prefer-standby, standby down: kpi did not fall back to the primary"
echo "ok: with the standby down, prefer-standby falls back to the primary"
