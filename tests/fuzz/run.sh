#!/usr/bin/env bash
# Run one libFuzzer target of tests/fuzz/ (docs/testing.md, "Fuzzing").
#
#   tests/fuzz/run.sh TARGET SECONDS [LIBFUZZER_OPTION...]
#
# TARGET is a name of tests/fuzz/CMakeLists.txt's KPI_FUZZ_TARGETS
# (snapshot, manifest, config, catalog, cloudwatch, prometheus, ledger,
# aws_ini, sql, credentials, discover). SECONDS bounds the run (-max_total_time); further options go
# to libFuzzer as they are, e.g. -runs=10000000 to stop after that many
# executions.
#
# Builds build-fuzz/ (clang, KPI_FUZZ=ON: ASan + UBSan, or $KPI_FUZZ_BUILD)
# when the target is missing or older than the sources. The run starts from
# the seeds (corpus/TARGET/) and the regressions (regressions/TARGET/),
# grows a working corpus in build-fuzz/fuzz-corpus/TARGET/ (kept between runs,
# never committed) and writes a crashing input to
# build-fuzz/fuzz-crashes/TARGET/. Exit status: 0 when no crash, leak,
# timeout (-timeout=10 s per input) or sanitizer report; libFuzzer's
# otherwise. The last line is libFuzzer's "Done N runs in S second(s)".
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/fuzz"
[ $# -ge 2 ] || { echo "usage: tests/fuzz/run.sh TARGET SECONDS [LIBFUZZER_OPTION...]" >&2; exit 2; }
target=$1 seconds=$2
shift 2
[ -d "$here/corpus/$target" ] || { echo "run.sh: no fuzz target '$target' (tests/fuzz/corpus/ has: $(ls "$here/corpus" | tr '\n' ' '))" >&2; exit 2; }
case $seconds in '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac

build=${KPI_FUZZ_BUILD:-$root/build-fuzz}
cc=${KPI_FUZZ_CC:-$(command -v clang-14 || command -v clang || true)}
[ -n "$cc" ] || { echo "run.sh: clang is not installed (Debian: clang-14 libclang-rt-14-dev)" >&2; exit 2; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=$cc cmake -S "$root" -B "$build" -DKPI_FUZZ=ON -DKPI_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# KPI_FUZZ_PREBUILT=1: the caller built it (scripts/test, running two at once)
if [ -z "${KPI_FUZZ_PREBUILT:-}" ]; then
  cmake --build "$build" -j"${KPI_FUZZ_JOBS:-2}" --target "fuzz_$target" -- --no-print-directory >/dev/null ||
    cmake --build "$build" -j1 --target "fuzz_$target" -- --no-print-directory # show the error
fi

work="$build/fuzz-corpus/$target"
crashes="$build/fuzz-crashes/$target"
mkdir -p "$work" "$crashes"
seeds=("$here/corpus/$target")
[ -d "$here/regressions/$target" ] && seeds+=("$here/regressions/$target")
# seeds the build writes from the tree (the sql target: the shipped queries)
[ -d "$build/tests/fuzz/seeds/$target" ] && seeds+=("$build/tests/fuzz/seeds/$target")

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
# The largest seed is a 107 kB snapshot: inputs up to 128 kB.
exec "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=131072 -print_final_stats=1 -artifact_prefix="$crashes/" "$@" "$work" "${seeds[@]}"
