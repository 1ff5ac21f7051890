#!/bin/sh
# The man page renders without a single groff warning, and what man shows
# has every section.
#   man_renders.sh PAGE
set -eu
page=$1
out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -n "$out" ]; then
  printf 'groff warns about %s:\n%s\n' "$page" "$out" >&2
  exit 1
fi
text=$(groff -man -Tascii -P-cbou "$page" 2>/dev/null)
for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
  printf '%s\n' "$text" | grep -q "^$section\$" || { echo "the rendered page has no $section section" >&2; exit 1; }
done
printf '%s\n' "$text" | grep -q 'kpi query KPI|all \[--week YYYY-Www|last|current\]' ||
  { echo "the rendered SYNOPSIS lacks 'kpi query KPI|all [--week YYYY-Www|last|current]'" >&2; exit 1; }
# an option's placeholder with quotes and blanks renders as written (a '"'
# within a quoted macro argument once ended it: OWNER:TEXTbyYYYY-MM-DD"")
printf '%s\n' "$text" | grep -q '^ *--action "OWNER: TEXT by YYYY-MM-DD"$' ||
  { echo "the rendered OPTIONS lack '--action \"OWNER: TEXT by YYYY-MM-DD\"'" >&2; exit 1; }
echo "$page renders without warnings"
