/*
 * Helpers of the integration tests: a database of their own on the
 * throwaway PostgreSQL started by scripts/test, the library's view of a KPI
 * (kpi_collect) and the command's view (kpi query --format json), both
 * checked against the same table of hand-computed rows.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>.
 */
#ifndef KPI_IT_UTIL_H
#define KPI_IT_UTIL_H

#include <math.h>
#include <stdbool.h>
#include <libpq-fe.h>
#include <jansson.h>
#include "kpi/kpi.h"

/* Exit code ctest counts as "skipped" (SKIP_RETURN_CODE in CMakeLists.txt). */
#define IT_SKIP 77

/* Call first in main(): returns true when the tests must run (KPI_TEST_PG is
 * set). When it is not set, prints why and the caller returns IT_SKIP. Also
 * clears the KPI_* environment a developer may have set, so the defaults
 * apply. */
bool it_pg_wanted(const char *suite);

/* A database of one test: kpi_it_<name>, created fresh (dropped first when a
 * previous run left it), with the reference schema (kpi_seed), a read-write
 * connection for the test's inserts, and the configuration and catalogue the
 * library runs with (conninfo "dbname=kpi_it_<name>", zone UTC). */
typedef struct it_db {
	char name[64];
	char conninfo[96];
	PGconn *conn;
	kpi_config *cfg;
	kpi_catalog *cat;
} it_db;

/* Create the database; fails the test on any error. Free with it_db_drop(). */
it_db *it_db_create(const char *name);
/* Run SQL (several statements allowed) on the test database; fails the test
 * with the server's message on error. */
void it_db_exec(it_db *db, const char *sql);
/* Run SQL on the server's default database (PGDATABASE) as the admin. */
void it_admin_exec(const char *sql);
/* Disconnect and drop the database. Accepts NULL. */
void it_db_drop(it_db *db);

/* An expected row. `week` is the index in the window (0 = oldest); labels as
 * kpi_row_labels_format prints them ("kind=export,path=legacy", "" for none);
 * NAN for a null value / numerator / denominator. */
typedef struct it_row {
	int week;
	const char *labels;
	double value;
	double num;
	double den;
	const char *status;
} it_row;

#define NULLV NAN

/* Instant of an ISO-8601 text ("2026-03-09T00:00:00Z"); fails the test when malformed. */
int64_t it_time(const char *iso);

/* Window of `nweeks` ISO weeks ending with `week`, in `tz`, evaluated at `now`. */
void it_window(kpi_window *w, const char *week, int nweeks, const char *tz, const char *now);

/* kpi_collect of one KPI over the window; fails the test on error. */
kpi_result *it_collect(it_db *db, const char *kpi, const kpi_window *w);

/* Check a series against the expected rows: exactly `n` rows (one per week
 * and label value, so `exp` lists them all), oldest week first, labels in the
 * catalogue's order, period bounds from the window, partial flag only on the
 * last week of a partial window, and every value/numerator/denominator/status. */
void it_check_series(const kpi_series *s, const kpi_window *w, const it_row *exp, size_t n);

/* The same check on the JSON printed by `kpi query KPI --format json`: keys
 * exactly {"kpi","unit","rows"}, each row exactly {period_start, period_end,
 * labels, value, numerator, denominator, status} (+ "partial": true on a
 * partial week), ISO-8601 UTC times. */
void it_check_json(const char *json, const kpi_def *def, const kpi_window *w, const it_row *exp, size_t n);

/* Both views of one KPI: kpi_collect over the window and `kpi query KPI
 * --week WEEK --weeks N --format json --db ... [--config cfgfile]` with
 * KPI_NOW=now, each checked against `exp`. `config` may be NULL; the
 * library uses db->cfg, whose timezone the caller sets to match. */
void it_check_kpi(it_db *db, const char *kpi, const char *week, int nweeks, const char *now,
                  const char *config, const it_row *exp, size_t n);

/* The same without a database: the library configured by `config` alone
 * (its catalogue, sources and zone) and `kpi query ... --config config`. */
void it_check_kpi_config(const char *config, const char *kpi, const char *week, int nweeks, const char *now,
                         const it_row *exp, size_t n);

/* How many times `needle` occurs in `text`. */
int it_count(const char *text, const char *needle);

/* Outcome of running the kpi command. */
typedef struct it_run_result {
	int status;       /* exit code, or 128 + signal when killed */
	bool timed_out;
	char *out;        /* stdout, NUL-terminated */
	char *err;        /* stderr, NUL-terminated */
	double seconds;
} it_run_result;

/* Run KPI_BINARY with argv (argv[0] is ignored: the binary) and environment
 * changes `env` ("NAME=value" sets, "NAME" unsets; NULL-terminated, may be
 * NULL), killing it after `timeout_s`. Free with it_run_free(). */
void it_run(it_run_result *r, const char *const *argv, const char *const *env, int timeout_s);
void it_run_free(it_run_result *r);
/* it_run() with KPI_NOW=`now` and KPI_CONFIG unset, 180 s; fails the test
 * unless kpi exits 0. Its stdout and stderr are copied to *out and *errout
 * (each may be NULL), for the caller to free. */
void it_run_ok_at(const char *const *argv, const char *now, char **out, char **errout);

/* Number of lines of a text ("a\n" is 1, "a\nb" is 2, "" is 0). */
int it_count_lines(const char *s);

/* The throwaway server's log (PGHOST/pg.log, where scripts/lib.sh's
 * kpi_pg_start writes it) and where a test's part of it begins: with a
 * test database set to log_statement = all, a test counts the statements
 * kpi ran there. */
typedef struct it_srvlog {
	char path[512];
	long start;
} it_srvlog;
void it_srvlog_open(it_srvlog *s);
/* How many statements the server logged since it_srvlog_open whose text
 * begins with `head` (a query file's first comment line). */
int it_srvlog_count(const it_srvlog *s, const char *head);
/* The place (1 for the first) of the first such statement among kpi's
 * query texts (those beginning with "-- ") that the same server process,
 * i.e. the same connection, executed since it_srvlog_open; 0 when none. */
int it_srvlog_rank(const it_srvlog *s, const char *head);

/* Write `text` to a new file in a fresh temporary directory; returns the
 * path (caller frees; the directory is removed by it_tmp_cleanup). */
char *it_write_tmp(const char *basename, const char *text);
void it_tmp_cleanup(void);

/* A catalogue of `n` flow KPIs fixture_0, fixture_1, ... over the fixture
 * queries `files` (of the fixtures' query directory, KPI_QUERY_DIR), count,
 * no labels, not gating; `threshold` is the JSON members of each
 * threshold (and alert) ("\"threshold\": {...}, \"alert\": {}"), NULL for
 * none. Returns its path (caller frees; it_tmp_cleanup removes it). */
char *it_fixture_catalog(const char *const *files, size_t n, const char *threshold);

#endif
