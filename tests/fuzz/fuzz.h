/*
 * The fuzz targets of libkpi's parsers (tests/fuzz/, docs/testing.md).
 *
 * Each target is one file defining LLVMFuzzerTestOneInput(), the entry
 * point libFuzzer calls with each input. The same file is built twice:
 * with clang and -fsanitize=fuzzer (KPI_FUZZ=ON, `tests/fuzz/run.sh`), and
 * with any compiler into a replay program (replay.c) that feeds it every
 * file of the seed corpus and of the regressions, as a normal ctest of the
 * plain and sanitizer builds.
 *
 * A target must behave the same for the same input (no clock, no
 * randomness that changes the path), free everything it allocates (the
 * sanitizer pass runs LeakSanitizer), and stay fast: files it needs are
 * written into one scratch directory of the process.
 */
#ifndef KPI_FUZZ_H
#define KPI_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifndef KPI_SOURCE_DIR
#error "KPI_SOURCE_DIR must be defined by the build"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch directory of this process: created on first use (in
 * /dev/shm when it can be, else TMPDIR or /tmp), removed at exit. */
const char *fuzz_dir(void);

/* fuzz_dir()/name (static buffer per call site is not needed: caller
 * frees). */
char *fuzz_path(const char *name);

/* Write `size` bytes to fuzz_dir()/name (replacing it); returns its path
 * (caller frees). Aborts when the file cannot be written: a harness fault,
 * not a finding. */
char *fuzz_write(const char *name, const void *data, size_t size);

/* A NUL-terminated copy of the input (caller frees). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Silence libkpi's log (some parsers log what they find) once. */
void fuzz_quiet(void);

/* Report a broken invariant (a bug, not a rejected input): print and
 * abort(), which libFuzzer and the replay both count as a crash. */
void fuzz_fail(const char *what, const char *detail);

#endif
