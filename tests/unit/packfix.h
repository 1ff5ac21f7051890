/*
 * Fixtures of the pack's tests (snapshot.json, XLSX, manifest, pack
 * directory): the golden snapshot, the edge-case snapshots, temporary
 * directories and file helpers. Built on snapfix (the renderer's snapshot
 * builder). Test code: failures abort with a message.
 */
#ifndef KPI_TEST_PACKFIX_H
#define KPI_TEST_PACKFIX_H

#include "snapfix.h"

#define PACKFIX_CATALOG KPI_SOURCE_DIR "/tests/fixtures/unit/catalog_pack.json"
#define PACKFIX_GOLDEN KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_golden.json"

/*
 * The golden snapshot (catalog_pack.json, 3 weeks to 2026-W46 in
 * Europe/Berlin, as of 2026-11-12T10:30:00Z so the last week is partial):
 * a HOLD week (coverage no data, blocking), a NO-GO week, every status, a
 * label set missing a week, open-ended CloudWatch labels with UTF-8, quotes,
 * a backslash and a tab, an incomplete row, a not-applicable row, the
 * smallest subnormal and 1.5e308 (beyond Excel), 0.1 + 0.2, negative values,
 * drill-down lists and rollout changes with null old and new values.
 */
kpi_snapshot *packfix_golden(void);

/* The renderer's synthetic snapshot (templates/catalog.json, 2026-W46),
 * with the catalogue path as written in a snapshot. */
kpi_snapshot *packfix_synthetic(int nweeks);

/* Serialise (sets snap->sha256); the caller releases the buffer. */
kpi_buf packfix_json(kpi_snapshot *snap);

/* A fresh temporary directory (removed with everything in it by
 * packfix_cleanup(), also registered with atexit). */
const char *packfix_tmpdir(void);
void packfix_cleanup(void);

/* dir/name (static buffer, valid until the next call). */
const char *packfix_path(const char *dir, const char *name);

/* Whole file (caller frees) and its length; NULL when unreadable. */
char *packfix_read(const char *path, size_t *len);
void packfix_write(const char *path, const char *data, size_t len);

/* Every regular file under `a` and `b` has the same relative paths and
 * bytes; fails the test naming the first difference. */
void packfix_same_tree(const char *a, const char *b);

/* Run `fn` with stderr redirected to a file; returns what it printed
 * (caller frees). For checking that the library prints nothing. */
char *packfix_stderr_of(void (*fn)(void *), void *ctx);

#endif
