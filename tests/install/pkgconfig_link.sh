#!/bin/sh
# libkpi.pc is relocatable: install into a temp prefix, move the whole tree
# somewhere else, and build a tiny program against it with nothing but
# PKG_CONFIG_PATH and `pkg-config --cflags --libs libkpi`; it must link and
# print the library's version.
#   pkgconfig_link.sh BUILD_DIR CC VERSION [CFLAGS...]
set -eu
build=$1 cc=$2 version=$3
shift 3
tmp=$(mktemp -d /tmp/kpi-pc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { printf 'pkgconfig_link: %s\n' "$*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install --prefix failed"; }
# the command's man page and shell completions go where man, bash-completion
# and zsh look
for f in share/man/man1/kpi.1 share/bash-completion/completions/kpi share/zsh/vendor-completions/_kpi; do
  [ -s "$tmp/prefix/$f" ] || fail "cmake --install did not install $f"
done
mv "$tmp/prefix" "$tmp/moved"
pc=$(find "$tmp/moved" -name libkpi.pc)
[ -n "$pc" ] || fail "no libkpi.pc installed"
grep -q "$tmp" "$pc" && fail "libkpi.pc holds the install prefix itself: $(head -3 "$pc")"
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs libkpi) || fail "pkg-config --cflags --libs libkpi failed"
case "$flags" in
  *"$tmp/moved/"*) ;;
  *) fail "pkg-config flags do not point into the moved install: $flags" ;;
esac
[ "$(pkg-config --modversion libkpi)" = "$version" ] || fail "modversion $(pkg-config --modversion libkpi), expected $version"
cat >"$tmp/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <kpi/kpi.h>

int main(int argc, char **argv)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_week w;
	(void)argc;
	if (kpi_week_parse(&w, "2026-W46", &err) != 0 || w.week != 46)
		return 1;
	printf("%s\n", kpi_version());
	return strcmp(kpi_version(), argv[1]) != 0;
}
C
# shellcheck disable=SC2086  # the flags are words
"$cc" "$@" -std=c11 -Wall -Wextra -Werror -o "$tmp/hello" "$tmp/hello.c" $flags ||
  fail "the program does not build with: $cc $* $flags"
libdir=$(pkg-config --variable=libdir libkpi)
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/hello" "$version") || fail "the program failed: $out"
echo "pkgconfig_link: OK ($out, $flags)"
