#!/usr/bin/env bash
# The generated bash completion, for real: sourced into bash, its _kpi is
# called the way readline calls it (COMP_WORDS, COMP_CWORD) on command lines,
# and COMPREPLY must hold exactly the expected words.
#   completion_bash.sh KPI_BINARY COMPLETION_SCRIPT
set -u
kpi=$1
# shellcheck source=/dev/null
. "$2" || { echo "cannot source $2"; exit 1; }
[ "$(complete -p kpi 2>/dev/null)" = "complete -F _kpi kpi" ] || { echo "the script does not register _kpi for kpi"; exit 1; }

fails=0 n=0
tmp=$(mktemp -d /tmp/kpi-bash-completion.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The completions of a command line given as words (the last one is being
# completed; bash splits --opt=value into --opt, =, value), sorted, one line.
completions() {
  COMP_WORDS=("$kpi" "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="${COMP_WORDS[*]}"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _kpi kpi "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect WANT WORD... : the completions of `kpi WORD...` are exactly WANT
expect() {
  local want=$1 got
  shift
  got=$(completions "$@")
  n=$((n + 1))
  if [ "$got" = "$want" ]; then
    printf 'ok   kpi %s<TAB> -> %s\n' "$*" "$got"
  else
    printf 'FAIL kpi %s<TAB>: got [%s], expected [%s]\n' "$*" "$got" "$want"
    fails=$((fails + 1))
  fi
}

# expect_has WANT WORD... : the completions include every word of WANT
expect_has() {
  local want=$1 got w
  shift
  got=" $(completions "$@") "
  n=$((n + 1))
  for w in $want; do
    case $got in
      *" $w "*) ;;
      *) printf 'FAIL kpi %s<TAB>: [%s] lacks %s\n' "$*" "$got" "$w"; fails=$((fails + 1)); return ;;
    esac
  done
  printf 'ok   kpi %s<TAB> -> has %s\n' "$*" "$want"
}

this_week=$(date +%G-W%V)
kpis=$(KPI_DATADIR=${KPI_DATADIR:-} "$kpi" __complete kpis | sort | tr '\n' ' ' | sed 's/ $//')
[ -n "$kpis" ] || { echo "kpi __complete kpis printed nothing"; exit 1; }

# commands (the hidden __gen and __complete are not offered), help, top-level options
expect "query" que
expect "alert decide deliver explain export help index list pack publish query render seed silence uncovered verify" ""
expect "--help --version" --
expect "pack publish" p
expect "deliver" del
expect "--resend" deliver --res
expect "query" help qu
expect "" help query ""
# options of a command, by prefix; a flag takes no argument
expect "--format" query --for
expect "--week --weeks" query --wee
expect "--no-color" query adoption_split --no
expect "--dry-run" alert --dr
expect_has "--week --weeks --format --config --db --no-color --help --version" query adoption_split ""
# enum values, long and short options, --opt=value
expect "csv json table" query --format ""
expect "csv" query -f c
expect "json" list --format = j
expect "json table" list --format = ""
expect "json text" alert --log-format ""
expect "demo scale" seed ""
expect "scale" seed --reset s
# --week: last, current and this week
expect "$this_week current last" pack --week ""
expect "current" publish -w cu
# KPI ids from the catalogue (kpi __complete kpis), and all for query
expect "$kpis" explain ""
expect "legacy_coverage_pct" explain legacy_c
expect "adoption_split" query --week last --format json adop
expect_has "all adoption_split legacy_coverage_pct" query ""
expect "all" query --config /nonexistent/kpi.json ""
# option arguments and positionals are told apart: after KPI, options
expect "--weeks" explain --week 2026-W46 adoption_split --weeks
expect_has "--format" query adoption_split --weeks 3 ""
# files and directories
mkdir -p "$tmp/packs/2026-W46"
: >"$tmp/snapshot.json"
expect "$tmp/snapshot.json" render --snapshot "$tmp/sn"
expect "$tmp/packs/2026-W46" verify "$tmp/packs/"
expect "$tmp/packs" pack --out "$tmp/pa"
# nothing to complete for free text
expect "" alert --now ""

echo "$((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
