#!/bin/sh
# The Debian packages (packaging/package.cmake): built with `cpack -G DEB`
# from the build directory; lintian reports no error and no warning but the
# ones docs/deploy.md names and justifies (lintian-allowed); `dpkg-deb -c`
# lists exactly what the packages say (expected-*.txt, plus the catalogue
# and queries of the source tree); Depends computed by dpkg-shlibdeps.
# With KPI_TEST_DEB=1, as root, on a throwaway machine (scripts/test sets it
# in CI, a container): deb-install.sh installs, runs and purges them.
#   deb.sh BUILD_DIR SOURCE_DIR SANITIZED(0|1)
set -eu
build=$1 src=$2 sanitized=$3
here=$(cd "$(dirname "$0")" && pwd)
if [ "$sanitized" = 1 ]; then
  echo "deb: a sanitizer build is not packaged: skipped"
  exit 77
fi
for t in cpack dpkg-deb dpkg-shlibdeps lintian file readelf; do
  command -v "$t" >/dev/null || { echo "deb: $t is missing (KPI_PACKAGES in scripts/lib.sh)" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/kpi-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { printf 'deb: %s\n' "$*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
for p in kpi libkpi0 libkpi-dev; do
  [ -f "$tmp/out/${p}_${version}_$arch.deb" ] || fail "no ${p}_${version}_$arch.deb: $(ls "$tmp/out")"
done

# what each package holds: "mode owner path", the data directory from the
# source tree
for p in kpi libkpi0 libkpi-dev; do
  dpkg-deb -c "$tmp/out/${p}_${version}_$arch.deb" |
    awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print $1, $2, p }' | sort >"$tmp/$p.got"
  sed "s/@ARCH@/$arch/; s/@VERSION@/$version/" "$here/expected-$p.txt" | grep -v '^#' >"$tmp/$p.want"
done
for d in queries templates; do
  echo "drwxr-xr-x root/root /usr/share/kpi/$d"
  (cd "$src/$d" && find . -mindepth 1 -type d | sed "s|^\.|drwxr-xr-x root/root /usr/share/kpi/$d|")
  (cd "$src/$d" && find . -type f | sed "s|^\.|-rw-r--r-- root/root /usr/share/kpi/$d|")
done >>"$tmp/kpi.want"
(cd "$src/libkpi/include/kpi" && find . -type f | sed "s|^\.|-rw-r--r-- root/root /usr/include/kpi|") >>"$tmp/libkpi-dev.want"
for p in kpi libkpi0 libkpi-dev; do
  sort -o "$tmp/$p.want" "$tmp/$p.want"
  diff -u "$tmp/$p.want" "$tmp/$p.got" >"$tmp/$p.diff" || fail "dpkg-deb -c $p differs from tests/package/expected-$p.txt:
$(cat "$tmp/$p.diff")"
done

# control: conffiles, Depends from dpkg-shlibdeps, the library's shlibs
dpkg-deb -e "$tmp/out/kpi_${version}_$arch.deb" "$tmp/kpi.control"
[ "$(cat "$tmp/kpi.control/conffiles")" = "/etc/kpi/config.json
/etc/default/kpi" ] || fail "kpi conffiles: $(cat "$tmp/kpi.control/conffiles")"
deps=$(dpkg-deb -f "$tmp/out/kpi_${version}_$arch.deb" Depends)
for d in adduser libpq5 libcurl4 libcairo2 libjansson4 libxlsxwriter4 libssl3; do
  printf '%s\n' "$deps" | grep -q "\(^\|, \)$d\( \|,\|$\)" || fail "kpi does not depend on $d: $deps"
done
dpkg-deb -e "$tmp/out/libkpi0_${version}_$arch.deb" "$tmp/lib.control"
grep -qx "libkpi 0 libkpi0 (= $version)" "$tmp/lib.control/shlibs" || fail "libkpi0 shlibs: $(cat "$tmp/lib.control/shlibs")"
dpkg-deb -f "$tmp/out/libkpi-dev_${version}_$arch.deb" Depends | grep -q "libkpi0 (= $version)" ||
  fail "libkpi-dev does not depend on libkpi0 (= $version)"

# lintian: no error; warnings only those allowed (and justified in docs/deploy.md)
lintian --tag-display-limit 0 "$tmp"/out/*.deb >"$tmp/lintian.log" 2>&1 || true
grep -v '^running with root privileges' "$tmp/lintian.log" | grep -v '^N:' >"$tmp/lintian.tags" || true
if grep -q '^E:' "$tmp/lintian.tags"; then fail "lintian errors:
$(cat "$tmp/lintian.tags")"; fi
grep '^W:' "$tmp/lintian.tags" | sed 's/^W: \([^:]*\): \([^ ]*\).*/\1 \2/' | sort -u >"$tmp/warnings"
grep -v '^#' "$here/lintian-allowed" | sort -u >"$tmp/allowed"
extra=$(comm -23 "$tmp/warnings" "$tmp/allowed")
[ -z "$extra" ] || fail "lintian warnings not in tests/package/lintian-allowed (justify them in docs/deploy.md):
$extra
$(cat "$tmp/lintian.tags")"
for w in $(awk '{print $2}' "$tmp/allowed"); do
  grep -q "$w" "$src/docs/deploy.md" || fail "lintian-allowed: $w is not justified in docs/deploy.md"
done

if [ "${KPI_TEST_DEB:-0}" = 1 ]; then
  [ "$(id -u)" = 0 ] || fail "KPI_TEST_DEB=1 needs root (it installs and purges the package)"
  sh "$here/deb-install.sh" "$tmp/out" "$version" "$arch" || fail "install, run, purge failed"
fi
echo "deb: OK ($(cd "$tmp/out" && ls -- *.deb | tr "\n" " "))"
