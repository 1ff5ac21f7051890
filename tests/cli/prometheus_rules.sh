#!/bin/sh
# kpi export prometheus-rules: the rules of the shipped catalogue pass
# `promtool check rules`, the suite the export writes passes `promtool test
# rules` (a series just past each threshold fires, one at its healthy edge
# does not), and a threshold changed in the config moves the rule's expr
# and the tests with it. Usage: prometheus_rules.sh KPI_BINARY
set -eu
kpi=$1
command -v promtool >/dev/null || { echo "promtool is missing (Debian package prometheus)"; exit 1; }
dir=$(mktemp -d /tmp/kpi-rules.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
env -u KPI_CONFIG -u KPI_CATALOG "$kpi" export prometheus-rules --out "$dir/kpi-rules.yml" \
  --tests "$dir/kpi-rules.test.yml" --interval 300
promtool check rules "$dir/kpi-rules.yml" || fail "promtool check rules"
(cd "$dir" && promtool test rules kpi-rules.test.yml) || fail "promtool test rules"
grep -q '^        expr: kpi_export_success_ratio < 0.99$' "$dir/kpi-rules.yml" || fail "export_success_rate expr"
grep -q '^        expr: kpi_api_latency_seconds{quantile="0.95"} > 0.5$' "$dir/kpi-rules.yml" || fail "api_latency expr"
grep -q '^        expr: kpi_uncached_legacy_max_age_seconds > 604800$' "$dir/kpi-rules.yml" || fail "max age expr"
# for: 2 runs x 300 s; 5 of 5 one-minute periods of an alarm rule
grep -A1 'expr: kpi_export_success_ratio' "$dir/kpi-rules.yml" | grep -q 'for: 600s' || fail "for of a for-2 alert"
grep -A1 'expr: kpi_api_error_ratio' "$dir/kpi-rules.yml" | grep -q 'for: 300s' || fail "for of an alarm rule"
# the suite catches a rule that drifts from the catalogue
sed 's/kpi_export_success_ratio < 0.99$/kpi_export_success_ratio < 0.9/' "$dir/kpi-rules.yml" >"$dir/drift.yml"
sed 's/kpi-rules.yml$/drift.yml/' "$dir/kpi-rules.test.yml" >"$dir/drift.test.yml"
if (cd "$dir" && promtool test rules drift.test.yml >"$dir/drift.out" 2>&1); then fail "a drifted rule passes the tests"; fi
grep -q export_success_rate "$dir/drift.out" || fail "the drifted rule is not named"
# stdout without --out is the same text
env -u KPI_CONFIG -u KPI_CATALOG "$kpi" export prometheus-rules --interval 300 >"$dir/stdout.yml"
cmp "$dir/stdout.yml" "$dir/kpi-rules.yml" || fail "stdout differs from --out"
# one threshold changed in the config: the rule and its tests follow
printf '{"kpis": {"export_success_rate": {"threshold": {"op": ">=", "target": 97.5}}}}\n' >"$dir/config.json"
mkdir "$dir/tests"
env -u KPI_CATALOG "$kpi" export prometheus-rules --config "$dir/config.json" --out "$dir/kpi-rules.yml" \
  --tests "$dir/tests/kpi-rules.test.yml"
grep -q '^        expr: kpi_export_success_ratio < 0.975$' "$dir/kpi-rules.yml" || fail "overridden threshold"
grep -q "^  - $dir/kpi-rules.yml\$" "$dir/tests/kpi-rules.test.yml" || fail "rules named by path from another directory"
promtool check rules "$dir/kpi-rules.yml" || fail "promtool check rules (override)"
promtool test rules "$dir/tests/kpi-rules.test.yml" || fail "promtool test rules (override)"
# usage: --tests needs --out
if "$kpi" export prometheus-rules --tests "$dir/t.yml" 2>"$dir/err"; then fail "--tests without --out accepted"; fi
grep -q -- '--tests needs --out' "$dir/err" || fail "usage message"
echo ok
