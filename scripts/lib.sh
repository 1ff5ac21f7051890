# Shared by scripts/demo and scripts/test: Debian packages, the build, and a
# throwaway PostgreSQL (initdb'd into a temp dir, run as an unprivileged user,
# unix socket only, stopped by its pid on exit, also on failure or Ctrl-C).
# shellcheck shell=bash

KPI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin

# Every Debian package the project builds, tests and renders with.
KPI_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libpq-dev postgresql-15 libjansson-dev libcurl4-openssl-dev libssl-dev
  libxml2-dev libcairo2-dev libpango1.0-dev libpng-dev fonts-dejavu-core libxlsxwriter-dev libcmocka-dev
  poppler-utils qpdf prometheus prometheus-alertmanager python3 valgrind procps
  prometheus-node-exporter  # the host KPIs' live test (tests/integration/test_it_hostmetrics_prom.c)
  python3-aiosmtpd  # kpi deliver's SMTP test peer (tests/tools/smtp_sink.py)
  libreoffice-calc-nogui unzip time
  groff-base man-db zsh jq graphviz
  systemd dpkg-dev file lintian
  clang-14 libclang-rt-14-dev  # the fuzz targets (tests/fuzz/)
  tidy chromium  # the history page's checks (tests/cli/history_page.sh)
)

# each step with its UTC time, so a slow CI run shows where the minutes went
log() { printf '==> %s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

kpi_install_deps() {
  local missing=() p
  for p in "${KPI_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (run as root to install): ${missing[*]}"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

# The build's progress from make's "[ NN%] ..." lines: one log line each
# time it passes another tenth, so a first build (minutes) is not silent and
# a rebuild with nothing to do prints one line.
kpi_build_progress() {
  local line pct shown=-1
  while IFS= read -r line; do
    [[ $line =~ ^\[\ *([0-9]+)%\] ]] || continue
    pct=${BASH_REMATCH[1]}
    if [ $((pct / 10)) -gt "$shown" ]; then
      shown=$((pct / 10))
      log "  build ${pct}%"
    fi
  done
}

# kpi_build DIR [cmake args...]; KPI_BUILD_TARGETS="t1 t2" builds only those.
kpi_build() {
  local dir=$1 targets=()
  shift
  [ -n "${KPI_BUILD_TARGETS:-}" ] && read -ra targets <<<"--target $KPI_BUILD_TARGETS"
  cmake -S "$KPI_ROOT" -B "$dir" -DKPI_WERROR=ON "$@" >/dev/null
  (set -o pipefail; cmake --build "$dir" -j"$(nproc)" "${targets[@]}" -- --no-print-directory 2>/dev/null |
    kpi_build_progress) ||
    cmake --build "$dir" -j1 "${targets[@]}" -- --no-print-directory  # show the error
}

PG_DIR=""
PG_PID=""

# kpi_stop_pid PID SIGNAL TENTHS: send SIGNAL, wait up to TENTHS/10 s, then KILL.
kpi_stop_pid() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "-$2" "$pid" 2>/dev/null
    for _ in $(seq 1 "$3"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# kpi_responder_start DIR SCRIPT_JSON: the tests' HTTP responder
# (tests/tools/responder.py) on a free loopback port, answering from
# SCRIPT_JSON, logging to DIR/requests.jsonl; sets RESP_PID and RESP_URL.
# Stop it with kpi_stop_pid "$RESP_PID" TERM 50.
kpi_responder_start() {
  printf '%s\n' "$2" >"$1/script.json"
  python3 "$KPI_ROOT/tests/tools/responder.py" --script "$1/script.json" --log "$1/requests.jsonl" \
    --port-file "$1/port" &
  RESP_PID=$!
  for _ in $(seq 1 100); do [ -s "$1/port" ] && break; sleep 0.1; done
  [ -s "$1/port" ] || die "the responder did not start"
  RESP_URL="http://127.0.0.1:$(cat "$1/port")"
}

kpi_pg_stop() {
  kpi_stop_pid "$PG_PID" INT 100
  PG_PID=""
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
  PG_DIR=""
}

# Start PostgreSQL; exports PGHOST, PGPORT, PGUSER, PGDATABASE for the rest.
kpi_pg_start() {
  local runas=() owner
  PG_DIR=$(mktemp -d /tmp/kpi-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: use postgres (created by postgresql-15),
    # or an unprivileged user of our own on a bare machine.
    owner=postgres
    id -u "$owner" >/dev/null 2>&1 || { useradd --system --no-create-home kpi-pg && owner=kpi-pg; }
    chown "$owner" "$PG_DIR"
    # from /, which it can read: a clone under a 0700 directory (mktemp -d)
    # would make every command say "could not change directory"
    runas=(env -C / runuser -u "$owner" --)
  fi
  "${runas[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  # A role with a password, for the wrong-password test; everything else trusts the socket.
  printf 'local all kpi_pw scram-sha-256\nlocal all all trust\n' >"$PG_DIR/data/pg_hba.conf"
  "${runas[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 -o \
    "-p 5432 -k $PG_DIR -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_wal_size=4GB -c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB" \
    start >/dev/null || { cat "$PG_DIR/pg.log" >&2; die "PostgreSQL did not start"; }
  PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
  export PGHOST=$PG_DIR PGPORT=5432 PGUSER=postgres PGDATABASE=kpi
  unset PGPASSWORD PGSERVICE
  "$PG_BIN/../bin/createdb" -h "$PGHOST" -U postgres kpi 2>/dev/null || psql -q -d postgres -c 'CREATE DATABASE kpi' >/dev/null
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $PGHOST (pid $PG_PID)"
}

# moto_server: the CloudWatch-compatible endpoint of the tests (and of the
# demo's CloudWatch KPIs), on a free loopback port, logs in a temp dir,
# stopped by its pid. It is not a Debian package: these machines have it via
# pyenv (pip's moto[server]); when it is missing we say so and fail.
MOTO_DIR=""
MOTO_PID=""

kpi_moto_stop() {
  kpi_stop_pid "$MOTO_PID" TERM 50
  MOTO_PID=""
  [ -n "$MOTO_DIR" ] && rm -rf "$MOTO_DIR"
  MOTO_DIR=""
}

kpi_moto_available() { command -v moto_server >/dev/null 2>&1 && moto_server --help >/dev/null 2>&1; }

# Start moto_server; exports KPI_TEST_MOTO_URL (http://127.0.0.1:PORT).
kpi_moto_start() {
  local port
  kpi_moto_available ||
    die "moto_server is not on PATH (or does not run): the CloudWatch tests need it (pip install 'moto[server]')"
  MOTO_DIR=$(mktemp -d /tmp/kpi-moto.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  moto_server -H 127.0.0.1 -p "$port" >"$MOTO_DIR/moto.log" 2>&1 </dev/null &
  MOTO_PID=$!
  for _ in $(seq 1 200); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/data.json', timeout=1)" 2>/dev/null; then
      export KPI_TEST_MOTO_URL="http://127.0.0.1:$port"
      log "moto_server on $KPI_TEST_MOTO_URL (pid $MOTO_PID)"
      return 0
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$MOTO_DIR/moto.log" >&2
  die "moto_server did not start"
}
