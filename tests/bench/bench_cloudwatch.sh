#!/usr/bin/env bash
# Benchmark of the CloudWatch client (figures for docs/performance.md, not a
# test): pulls NSERIES series (default 1000) over 12 weeks, batched as kpi
# does vs one GetMetricData call per series, and prints the requests made and
# the wall time (Markdown rows; see bench_cloudwatch.c).
#   1. against moto_server (scripts/lib.sh starts it on a free loopback port),
#      seeded with one datapoint a week per series, at a weekly period;
#   2. against the tests' responder (tests/tools/responder.py) answering every
#      call at once with no datapoints, at the hourly period of the weekly sums
#      and maxima: the client's and the round trips' own cost.
# usage: tests/bench/bench_cloudwatch.sh [NSERIES]
# environment: RUNS (default 3), KPI_BENCH_BUILD (build dir, default build/)
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

RESP_PID=""
RESP_DIR=""
cleanup() {
  kpi_moto_stop
  kpi_stop_pid "$RESP_PID" TERM 50
  [ -n "$RESP_DIR" ] && rm -rf "$RESP_DIR"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

N=${1:-1000}
BUILD=${KPI_BENCH_BUILD:-$KPI_ROOT/build}
BENCH=$BUILD/tests/bench/bench_cloudwatch
[ -x "$BENCH" ] || die "build first: $BENCH is missing"
export AWS_ACCESS_KEY_ID=AKIABENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1

echo "| series | period | mode | GetMetricData requests | wall time (s) |"
echo "|---:|---:|---|---:|---:|"
kpi_moto_start
AWS_ENDPOINT_URL=$KPI_TEST_MOTO_URL "$BENCH" "$N" 604800
kpi_moto_stop

RESP_DIR=$(mktemp -d /tmp/kpi-bench-resp.XXXXXX)
kpi_responder_start "$RESP_DIR" '{"default": {"body": "{\"MetricDataResults\": []}"}}'
AWS_ENDPOINT_URL="$RESP_URL" KPI_BENCH_SEED=0 "$BENCH" "$N" 3600
