#!/bin/sh
# docs/kpi.1 as committed must be what `kpi __gen man` makes of it: its
# SYNOPSIS, OPTIONS and EXIT STATUS regions come from the command tables.
#   man_up_to_date.sh KPI_BINARY PAGE
set -eu
kpi=$1 page=$2
tmp=$(mktemp -d /tmp/kpi-man.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$kpi" __gen man --in "$page" --out "$tmp/kpi.1"
if ! diff -u "$page" "$tmp/kpi.1"; then
  echo "docs/kpi.1 differs from what the command tables generate (the diff above): regenerate it with" >&2
  echo "  cmake --build build --target man" >&2
  echo "and commit it; edit the option tables in tools/cmd_*.c and tools/opts.c, not the generated regions" >&2
  exit 1
fi
echo "docs/kpi.1 is up to date"
