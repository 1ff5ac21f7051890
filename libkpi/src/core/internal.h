/* Private helpers shared by libkpi's modules. Not installed. */
#ifndef KPI_INTERNAL_H
#define KPI_INTERNAL_H

#include "kpi/kpi.h"
#include <jansson.h>

/* Duplicate a string; NULL stays NULL. */
char *kpi__strdup(const char *s);

/* Read a whole file into a NUL-terminated buffer (caller frees). */
int kpi__read_file(char **out, size_t *len, const char *path, kpi_error *err);

/* After reading a file a run is configured by (config, catalogue) failed
 * with `rc`: a missing or unreadable file becomes KPI_ECONFIG ("WHAT: cannot
 * open ..."), as an invalid one is (exit 3); other codes pass through. */
int kpi__config_file_error(int rc, const char *what, kpi_error *err);

/* Write `len` bytes to `path` atomically: a temp file in the same directory,
 * fsync, rename, fsync of the directory. Nothing half-written is ever seen. */
int kpi__write_file_atomic(const char *path, const void *data, size_t len, kpi_error *err);


/* Append `s` to `b` as a JSON string (quotes, escapes; UTF-8 passes through). */
int kpi__buf_json_str(kpi_buf *b, const char *s);
/* Cut `b` back to its first `len` bytes (a longer `len` leaves it as is):
 * what a failed writer appended goes, nothing partial stays. */
void kpi__buf_truncate(kpi_buf *b, size_t len);

/* True when `s` is well-formed UTF-8 (no overlong forms, no surrogates). */
bool kpi__utf8_valid(const char *s);

/* rm -rf `path` (symlinks removed, never followed); absent is fine. */
int kpi__remove_tree(const char *path, kpi_error *err);
/* A path given in file `file` (a config file) is relative to that file's
 * directory; absolute paths and a NULL file leave it as is (caller frees). */
char *kpi__path_relative(const char *file, const char *p);

/* Join dir and name with a '/' (caller frees). */
char *kpi__path_join(const char *dir, const char *name);

/* A parsed JSON document with the position of every value, so semantic errors
 * can say file:line:col. */
typedef struct kpi__jsondoc {
	char *path;
	json_t *root;
	struct kpi__jpos *pos;
	size_t npos;
} kpi__jsondoc;

int kpi__jsondoc_load(kpi__jsondoc **out, const char *path, kpi_error *err);
int kpi__jsondoc_parse(kpi__jsondoc **out, const char *name, const char *text, size_t len, kpi_error *err);
void kpi__jsondoc_free(kpi__jsondoc *doc);
/* Set err to "file:line:col: message" for the value `v` of the document
 * (found by identity), falling back to the file name alone. Returns code. */
int kpi__jsondoc_error(const kpi__jsondoc *doc, const json_t *v, kpi_error *err, int code,
                       const char *fmt, ...) KPI_PRINTF(5, 6);

/* Check that object `obj` only has keys from the NULL-terminated `allowed`. */
int kpi__json_check_keys(const kpi__jsondoc *doc, const json_t *obj, const char *const *allowed,
                         const char *what, kpi_error *err);

/* Parse one catalogue entry (the catalogue's format) into `d`; errors are
 * KPI_ECONFIG at the value's position. `d->raw` holds a reference to `o`. */
int kpi__catalog_parse_def(const kpi__jsondoc *doc, const json_t *o, kpi_def *d, kpi_error *err);

/* A deep copy of a catalogue (definitions, labels, thresholds, `raw`): of
 * the definitions for which `keep` (when not NULL) returns true. */
int kpi__catalog_dup(kpi_catalog **out, const kpi_catalog *cat, bool (*keep)(const kpi_def *, const void *),
                     const void *ctx, kpi_error *err);

/* Series helpers. */
void kpi__series_release(kpi_series *s);
/* kpi_row_labels_format() with `sep` between the labels ("a=x · b=y" for
 * people); `s` may be NULL (no labels). @return buf. */
char *kpi__row_labels_join(char *buf, size_t size, const kpi_series *s, const kpi_row *row, const char *sep);
int kpi__series_init(kpi_series *s, const kpi_def *def, kpi_error *err);

/* Connect with the configured conninfo (or the PG* environment), as
 * application_name kpi; `where` gets a secret-free description. */
struct pg_conn;
int kpi__pg_connect(struct pg_conn **out, char *where, size_t wsize, const kpi_config *cfg, kpi_error *err);

/* The session's secret-free description, "host=... port=... dbname=... user=...". */
const char *kpi__pg_where(const kpi_pg *pg);

/* The most connections a run may use at once (config database.connections). */
#define KPI_PG_MAX_CONNECTIONS 8

/* kpi_pg_open, and with `share` also export the transaction's snapshot so
 * that kpi__pg_fetch_many can run queries on further connections that see
 * exactly the same data. When the server refuses the export (a pooler, an
 * old standby) the session is reopened unshared: same data, one connection. */
int kpi__pg_open_shared(kpi_pg **out, const kpi_config *cfg, bool share, kpi_error *err);

/* kpi_pg_fetch for `n` KPIs (out[i] for defs[i]): on up to
 * cfg->connections connections at once when the session shares its
 * snapshot, else one after the other. The result, and on failure the error
 * (the first KPI in `defs` order that fails, as a serial run would report;
 * queries after it are cancelled), are those of the serial run. */
int kpi__pg_fetch_many(kpi_pg *pg, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *const *defs,
                       size_t n, const kpi_window *w, kpi_series *out, kpi_error *err);

/* Check a snapshot's drill-down lists against their KPIs (the uncovered
 * total and oldest age against uncached_legacy_max_age_days, the mismatch
 * total against routing_mismatch_critical). KPI_ECONTRACT when they differ. */
int kpi__snapshot_check_lists(const kpi_snapshot *snap, kpi_error *err);

/* The statement of what a snapshot did not collect, for the pack's pages and
 * workbook: "CloudWatch not configured: api_error_rate_pct, ...", with
 * `detail` the setting that would collect each group ("(set ...)") and how
 * many of them are gating; "none: ..." when the run collected the whole
 * catalogue, and "not recorded ..." for a format-1 snapshot. Returns how
 * many KPIs were not collected (0 for format 1 too). */
size_t kpi__snapshot_not_collected(char *buf, size_t size, const kpi_snapshot *snap, bool detail);

/* What would make CloudWatch KPI `def` part of runs: "set cloudwatch.queues
 * in the config file or KPI_CW_QUEUES" (a static string). */
const char *kpi__cw_configure_hint(const kpi_config *cfg, const kpi_def *def);

/* Run the query file `name` (relative to the query directory) on the open
 * session, in its read-only transaction, with text parameters `params` and
 * text results. On success `*out` is the libpq PGresult (the caller
 * PQclear()s it) and `sha256` (when not NULL) the SHA-256 of the query text.
 * Errors (timeout, lost connection, file:line:col of a syntax error) name
 * `what` and the file. */
struct pg_result;
int kpi__pg_query_file(struct pg_result **out, char sha256[65], kpi_pg *pg, const kpi_config *cfg,
                       const char *name, const char *what, int nparams, const char *const *params,
                       kpi_error *err);

/* kpi_collect on a PostgreSQL session the caller keeps: `*pg` is used when
 * set, else opened when a Postgres KPI needs one and handed back (the caller
 * closes it), so further queries see the same repeatable-read snapshot. */
int kpi__collect_session(kpi_result **out, kpi_pg **pg, const kpi_catalog *cat, const kpi_config *cfg,
                         const char *const *ids, size_t nids, const kpi_window *w, kpi_error *err);


#endif
