#!/bin/sh
# A moved `cmake --install` tree runs on its own data (docs/configuration.md,
# "Where kpi finds its catalogue"): install into a temp prefix, move the whole
# tree, and from another directory run `kpi list`, `kpi explain` (which names
# the query file it read) and `kpi render` of a fixture snapshot. The source
# tree is not consulted: the moved tree's catalogue is marked, and with its
# share/kpi removed the command fails (it does not fall back to the source
# tree). KPI_DATADIR, when set, wins over the executable's directory. The
# build tree's binary still finds the source tree.
#   relocate.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
tmp=$(mktemp -d /tmp/kpi-reloc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { printf 'relocate: %s\n' "$*" >&2; exit 1; }
# nothing from the caller's environment may point at a data directory
unset KPI_DATADIR KPI_CATALOG KPI_QUERY_DIR KPI_CONFIG
export KPI_NOW=2026-11-17T06:00:00Z

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install --prefix failed"; }
mv "$tmp/prefix" "$tmp/moved"
kpi=$tmp/moved/bin/kpi
share=$tmp/moved/share/kpi
[ -x "$kpi" ] || fail "no bin/kpi installed"
[ -s "$share/templates/catalog.json" ] || fail "no share/kpi/templates/catalog.json installed"
# mark the moved catalogue: its first KPI's title is ours alone
jq '.kpis[0].title = "RELOCATED TREE"' "$share/templates/catalog.json" >"$tmp/cat.json"
mv "$tmp/cat.json" "$share/templates/catalog.json"
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"

out=$("$kpi" list) || fail "kpi list of the moved tree failed: $out"
printf '%s\n' "$out" | grep -q 'RELOCATED TREE' || fail "kpi list did not read the moved tree's catalogue: $out"
out=$("$kpi" explain adoption_split --week 2026-W46) || fail "kpi explain failed: $out"
printf '%s\n' "$out" | grep -qx -- "-- query file: $share/queries/adoption_split.sql" ||
  fail "kpi explain did not read the moved tree's query: $(printf '%s\n' "$out" | grep 'query file')"

# render a fixture: the same bytes as the build tree's binary renders
"$kpi" render --snapshot "$src/tests/fixtures/render/demo-w46.snapshot.json" --out "$tmp/moved-pack" >"$tmp/render.out" ||
  fail "kpi render of the moved tree failed: $(cat "$tmp/render.out")"
grep -q '\.pdf$' "$tmp/render.out" && grep -q '\.xlsx$' "$tmp/render.out" || fail "kpi render printed: $(cat "$tmp/render.out")"
"$build/tools/kpi" render --snapshot "$src/tests/fixtures/render/demo-w46.snapshot.json" --out "$tmp/build-pack" >/dev/null ||
  fail "kpi render of the build tree failed"
(cd "$tmp/moved-pack" && find . -type f | sort | xargs sha256sum) >"$tmp/moved.sums"
(cd "$tmp/build-pack" && find . -type f | sort | xargs sha256sum) >"$tmp/build.sums"
cmp -s "$tmp/moved.sums" "$tmp/build.sums" ||
  fail "the moved tree renders other bytes than the build tree: $(diff "$tmp/build.sums" "$tmp/moved.sums")"

# KPI_DATADIR wins over the executable's directory
out=$(KPI_DATADIR="$tmp/nowhere" "$kpi" list 2>&1) && fail "KPI_DATADIR=$tmp/nowhere was not used: $out"
printf '%s\n' "$out" | grep -q "$tmp/nowhere" || fail "the error does not name KPI_DATADIR's catalogue: $out"

# without its share/kpi the moved binary never falls back to the source tree
mv "$share" "$tmp/share-away"
out=$("$kpi" list 2>&1) && rc=0 || rc=$?
case "$out" in
  *"$src/"*) fail "the moved binary read the source tree: $out" ;;
esac
if [ ! -e /usr/local/share/kpi ]; then  # else the configured prefix is installed on this machine
  [ "$rc" = 3 ] || fail "without share/kpi, exit $rc (expected 3): $out"
fi
mv "$tmp/share-away" "$share"

# the build tree's binary finds the source tree, from anywhere
out=$("$build/tools/kpi" explain adoption_split --week 2026-W46) || fail "the build tree's kpi explain failed: $out"
printf '%s\n' "$out" | grep -qx -- "-- query file: $src/queries/adoption_split.sql" ||
  fail "the build tree's binary did not read the source tree: $(printf '%s\n' "$out" | grep 'query file')"
echo "relocate: OK"
