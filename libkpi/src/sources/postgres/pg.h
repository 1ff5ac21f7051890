/* The PostgreSQL source's internals, private to libkpi (and the unit tests):
 * sessions (pg.c), query files with named parameters and includes (sql.c),
 * the pack's drill-down lists (lists.c) and the source's operations table
 * (source.c). */
#ifndef KPI_SOURCES_POSTGRES_PG_H
#define KPI_SOURCES_POSTGRES_PG_H

#include "sources/source.h"

/* ---- query files (sql.c) ---- */

#define KPI__SQL_MAX_PARAMS 16

/* A declared parameter: $N is params[N - 1]. */
typedef struct kpi__sql_param {
	char name[64];
	char type[16];      /* as declared: "timestamptz", "int", ... */
	unsigned oid;       /* its type's OID */
	int line;           /* the line of its declaration in the query file */
} kpi__sql_param;

/* Where the expanded text's lines come from: from expanded line `line` on,
 * the lines of `file` from `file_line`. */
typedef struct kpi__sql_seg {
	int line;
	char *file;
	int file_line;
} kpi__sql_seg;

/* A ${name} the expanded text holds as $N: on expanded line `line`, the
 * characters from column `col` on stand `delta` columns further right in
 * the file. */
typedef struct kpi__sql_shift {
	int line;
	int col;
	int delta;
} kpi__sql_shift;

typedef struct kpi__sql {
	char *path;                                  /* the query file (query dir + name) */
	char *text;                                  /* its text with every @include expanded */
	char sha256[65];                             /* SHA-256 of `text` */
	kpi__sql_param params[KPI__SQL_MAX_PARAMS];  /* the declared parameters, $1 first */
	size_t nparams;
	kpi__sql_seg *segs;
	size_t nsegs;
	kpi__sql_shift *shifts;
	size_t nshifts;
} kpi__sql;

/* Read query file `name` of `query_dir`: expand its includes, read its
 * parameter declarations, hash the expanded text, check that it uses exactly
 * the parameters it declares. Errors name file:line. */
int kpi__sql_load(kpi__sql *out, const char *query_dir, const char *name, kpi_error *err);
void kpi__sql_release(kpi__sql *q);

/* Index of the parameter called `name`, or -1. */
int kpi__sql_param_index(const kpi__sql *q, const char *name);

/* "file:line:col" of the 1-based character position `pos` of the expanded
 * text, in the file (query or fragment) that line comes from. */
void kpi__sql_position(char *buf, size_t size, const kpi__sql *q, long pos);

/* ---- sessions (pg.c) ---- */

/* Deadlines (docs/configuration.md, "Deadlines"): kpi waits for each answer
 * of the server at most statement_timeout + KPI__PG_MARGIN_S (never past the
 * run's own deadline, kpi__pg_set_deadline); then it asks the server to
 * cancel the query, gives the cancel request at most KPI__PG_CANCEL_S, and
 * closes the connection. The margin covers the way back of an answer the
 * server's own statement_timeout cut short. */
#define KPI__PG_MARGIN_S KPI__SOURCE_WAIT_MARGIN_S
#define KPI__PG_CANCEL_S 2.0

/* What kpi__pg_connect puts before the site's conninfo (which overrides
 * them): libpq's connect_timeout (unless $PGCONNECT_TIMEOUT says
 * otherwise), and TCP keepalives, so a peer that vanished is noticed
 * within about idle + interval x count seconds even between queries. */
#define KPI__PG_CONNECT_TIMEOUT "10"
#define KPI__PG_KEEPALIVES_IDLE "30"
#define KPI__PG_KEEPALIVES_INTERVAL "10"
#define KPI__PG_KEEPALIVES_COUNT "3"

/* An open PostgreSQL session: one read-only, repeatable-read transaction
 * with statement_timeout, application_name=kpi and the configured zone. */
typedef struct kpi_pg kpi_pg;

/* Connect with the configured conninfo (or the PG* environment), as
 * application_name kpi, with the defaults above; `where` gets a
 * secret-free description. The connection is non-blocking (the session's
 * waits have deadlines) and its notices and warnings go to kpi's log
 * (event pg.notice), never to stderr. */
struct pg_conn;
int kpi__pg_connect(struct pg_conn **out, char *where, size_t wsize, const kpi_config *cfg, kpi_error *err);

/* Open a session for a run of a catalogue's KPIs. With `share` also export
 * the transaction's snapshot so that kpi__pg_fetch can run queries on
 * further connections that see exactly the same data. When the server
 * refuses the export (a pooler, an old standby) the session is reopened
 * unshared: same data, one connection. */
int kpi__pg_open(kpi_pg **out, const kpi_config *cfg, const kpi_catalog *cat, bool share, kpi_error *err);

/* End the transaction and disconnect. Accepts NULL. */
void kpi__pg_close(kpi_pg *pg);

/* Wait for nothing past `deadline` (kpi__mono_now() seconds; 0 none) from
 * now on: the run's own deadline (kpi alert). */
void kpi__pg_set_deadline(kpi_pg *pg, double deadline);

/* The session's secret-free description, "host=... port=... dbname=... user=...". */
const char *kpi__pg_where(const kpi_pg *pg);

/* The values of a KPI query's parameters for a window, by the catalogue's
 * "params" (model/params.c): `values[i]` for $i+1. */
int kpi__pg_param_values(char (*values)[64], const kpi__sql *q, const kpi_config *cfg, const kpi_catalog *cat,
                         const kpi_def *def, const kpi_window *w, kpi_error *err);

/* Fill `n` series (a KPI and its window each), on up to cfg->connections
 * connections at once when the session shares its snapshot, else one after
 * the other. The result, and on failure the error (the first KPI in `reqs`
 * order that fails, as a serial run would report; queries after it are
 * cancelled), are those of the serial run. */
int kpi__pg_fetch(kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err);

/* Run query file `name` (relative to the query directory) on the session,
 * in its read-only transaction, with the values of its declared parameters
 * by name (`names[i]` = `values[i]`, as text), text results. On success
 * `*out` is the libpq PGresult (the caller PQclear()s it) and `sha256` (when
 * not NULL) the SHA-256 of the expanded query text. Errors (timeout, lost
 * connection, file:line:col of a syntax error) name `what` and the file. */
struct pg_result;
int kpi__pg_query_file(struct pg_result **out, char sha256[65], kpi_pg *pg, const char *name, const char *what,
                       size_t n, const char *const *names, const char *const *values, kpi_error *err);

/* Run `text` (the query `q`'s text, or a statement around it: EXPLAIN)
 * with q's parameter types and `vals` on the session, in its read-only
 * transaction, text results. `*out` as kpi__pg_query_file. */
int kpi__pg_exec_sql(struct pg_result **out, kpi_pg *pg, const kpi__sql *q, const char *text,
                     const char *const *vals, const char *what, kpi_error *err);

/* ---- a hot standby (standby.c) and recovery conflicts (pg.c) ---- */

/* A KPI query cancelled by a recovery conflict (SQLSTATE 40001 "conflict
 * with recovery") makes kpi__pg_fetch read every KPI again in a new
 * transaction: at most this many times, after min(MAX, BASE x 2^attempt) x
 * rand(0.5..1.5) seconds, and never when that wait would pass the run's
 * deadline (docs/configuration.md, "Reading a hot standby"). */
#define KPI__PG_CONFLICT_RETRIES 3
#define KPI__PG_CONFLICT_BASE_S 0.5
#define KPI__PG_CONFLICT_MAX_S 5.0

/* The session's freshness (kpi/provenance.h), read at every (re)open. */
kpi_source_freshness *kpi__pg_freshness(kpi_pg *pg);

/* Read on the session's connection, before its transaction begins (so the
 * snapshot taken next holds at least what it says), whether the server is
 * a hot standby and, when it is, the primary time its data reflects and
 * the lag; decide against database.max_lag (a warning, event pg.lag, when
 * the KPIs will be missing data). */
int kpi__pg_read_freshness(kpi_pg *pg, kpi_error *err);

/* The pieces of kpi__pg_open (session.c puts them together): a session
 * not yet connected (NULL: out of memory); its connection (a new one,
 * closing what it had: the transaction is rolled back); its read-only
 * transaction and exported snapshot (after a timeout the connection is
 * closed). */
kpi_pg *kpi__pg_session_new(const kpi_config *cfg, const kpi_catalog *cat, bool share);
int kpi__pg_session_connect(kpi_pg *pg, kpi_error *err);
int kpi__pg_session_begin(kpi_pg *pg, kpi_error *err);

/* kpi__pg_fetch's pieces: one attempt, as kpi__pg_fetch says; and the
 * fetch of a standby lagging past database.max_lag: no query runs, every
 * row of every KPI is missing data (no value, incomplete: never ok), so
 * the verdicts and kpi alert see no data, never stale numbers. */
int kpi__pg_fetch_once(kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err);
int kpi__pg_fetch_stale(kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err);

/* How many of the session's queries a recovery conflict cancelled so far. */
int kpi__pg_conflicts(const kpi_pg *pg);

/* Run `sql` (text parameters `vals`, text results) on the session's own
 * connection within its deadline. 0: `*out` is its result, tuples or a
 * command's (the caller PQclear()s); else the error names `what` (a
 * recovery conflict is counted for kpi__pg_fetch's retry). */
int kpi__pg_session_sql(struct pg_result **out, kpi_pg *pg, const char *what, const char *sql, int n,
                        const char *const *vals, kpi_error *err);

/* The run's deadline (kpi__mono_now() seconds, 0 none) and configuration. */
double kpi__pg_run_deadline(const kpi_pg *pg);
const kpi_config *kpi__pg_config(const kpi_pg *pg);
const kpi_catalog *kpi__pg_catalog(const kpi_pg *pg);

/* ---- the KPIs' shared blocks (costs.c) ---- */

/* The session's "schema".pg_stat_statements when it can be read
 * ("" when not; kpi__pg_costs_probe fills it). */
char *kpi__pg_pss(kpi_pg *pg);

/* Find out whether pg_stat_statements is installed and loaded (inside a
 * savepoint of the session's transaction: the view fails without
 * shared_preload_libraries) and record where blocks come from in the
 * session's freshness (`blocks`). */
int kpi__pg_costs_probe(kpi_pg *pg, kpi_error *err);

/* Per-KPI shared blocks of one fetch: the queries' ids (EXPLAIN VERBOSE)
 * and pg_stat_statements' counters before, then after; a KPI whose entry
 * was called exactly once in between gets the difference
 * (kpi_series.has_blocks). Nothing when pg_stat_statements is not usable. */
typedef struct kpi__pg_costs kpi__pg_costs;
int kpi__pg_costs_before(kpi__pg_costs **out, kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err);
int kpi__pg_costs_after(kpi__pg_costs *c, kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err);
void kpi__pg_costs_free(kpi__pg_costs *c);

/* ---- kpi explain --analyze (analyze.c) ---- */

/* Run a KPI's query over `w` under EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
 * in a session's read-only transaction and append to `out` its plan, one
 * line per node: actual time, rows, loops, shared blocks hit and read. */
int kpi__pg_analyze(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                    const kpi_window *w, kpi_error *err);

/* ---- the pack's drill-down lists (lists.c) ---- */

/* Read the snapshot's lists for the last week of `w` (the oldest uncovered
 * legacy designs, the critical routing mismatches, the rollout changes of
 * the window) and record their queries' SHA-256. */
int kpi__pg_lists(kpi_snapshot *snap, kpi_pg *pg, const kpi_window *w, kpi_error *err);

/* The oldest uncovered legacy designs as of `as_of` (queries/pack/
 * uncovered_designs.sql with the cohort's `active_days`, at most `max`
 * rows), in the session's transaction: the pack's list and kpi uncovered's
 * (kpi/lists.h). `*items` (NULL when no row; free with
 * kpi__uncovered_free()) gets `*n` rows, oldest first, `*total` how many
 * are uncovered in all, `sha256` the SHA-256 of the query's text. On
 * failure nothing is left to free. */
int kpi__pg_uncovered(kpi_uncovered **items, size_t *n, size_t *total, char sha256[65], kpi_pg *pg, int64_t as_of,
                      int active_days, int max, kpi_error *err);
void kpi__uncovered_free(kpi_uncovered *items, size_t n);

#endif
