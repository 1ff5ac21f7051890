/*
 * Integration: `kpi uncovered` (kpi/lists.h), the backfill list of the
 * outage playbook, against the tests' PostgreSQL: on a hand-built cohort
 * whose answer is known (order, ties by id, what covers a design and what
 * does not, --limit below the total keeping the total), and on the demo
 * dataset, where its first age must equal `kpi query
 * uncached_legacy_max_age_days`'s value and its total that KPI's numerator,
 * exactly, for the same instant; its errors (exit 4, 2) on one line; and
 * the session's rules (statement_timeout, read-only, the columns checked).
 *
 * Definitions (docs/kpis.md), as of T:
 *   cohort:  provider legacy, created_at < T, a revision created before T, a
 *            design event with at in [T - 90 days, T)
 *   latest revision: the highest revision number created before T
 *   covered: migrated_at < T, or an artifact of the latest revision with
 *            created_at < T and (expired_at null or expired_at > T)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DONE "2026-05-01T00:00:00Z"
#define NOW_W11 "2026-03-11T12:00:00Z" /* Wednesday of 2026-W11, 2.5 d after T10 */

/*
 * T10 = 2026-03-09T00:00:00Z (the end of 2026-W10); every design is legacy,
 * created 2026-01-05, with an event on 03-01, unless said otherwise:
 *  D1  r1 02-27 00:00; no artifact                          -> uncovered, 10 d
 *  D2  r1 02-01; migrated 03-02 (before T)                   -> covered by migration
 *  D3  r1 02-27 00:00; a(r1) 02-27 06:00, expired 03-05      -> uncovered, 10 d (ties D1: by id, after it)
 *  D4  r1 02-01; a(r1) 02-02, never expires                  -> covered
 *  D5  r1 03-06 00:00; no artifact                           -> uncovered, 3 d
 *  D6  r1 01-10; no artifact; its only event 2025-11-01      -> not active: not in the cohort
 *  D7  OWNED; r1 01-10; no artifact                          -> never in the cohort
 *  D8  r1 03-04 00:00; a(r1) 03-04 01:00 expiring exactly at T (not after it) -> uncovered, 5 d
 *  D9  r1 01-10 with a(r1) 01-11; r2 03-07 12:00, no artifact -> uncovered (latest revision), 1.5 d
 *  D10 r1 02-20 00:00; no artifact; migrated exactly at T (not before it) -> uncovered, 17 d
 * Oldest first: D10 17, D1 10, D3 10, D8 5, D5 3, D9 1.5; 6 in all.
 * As of NOW_W11 (2.5 d later) D10's migration is in the past: D1 12.5,
 * D3 12.5, D8 7.5, D5 5.5, D9 4; 5 in all.
 * D3's rows go in before D1's, so the tie is not decided by insertion order.
 */
static const char *const cohort_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at, migrated_at) VALUES\n"
	" (3, 'acme', 'gold, \"foil\"', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (1, 'acme', 'kraft', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (2, 'acme', 'kraft', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', '2026-03-02T00:00:00Z'),\n"
	" (4, 'acme', 'kraft', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (5, 'globex', 'chalk', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (6, 'globex', 'chalk', 'u', 'prod', 'legacy', '2025-06-01T00:00:00Z', NULL),\n"
	" (7, 'globex', 'chalk', 'u', 'prod', 'owned', '2026-01-05T00:00:00Z', NULL),\n"
	" (8, 'globex', 'chalk', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (9, 'initech', 'classic', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (10, 'initech', 'classic', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', '2026-03-09T00:00:00Z');\n"
	"INSERT INTO design_events (design_id, at, kind) VALUES\n"
	" (3, '2026-03-01T00:00:00Z', 'edited'), (1, '2026-03-01T00:00:00Z', 'edited'),\n"
	" (2, '2026-03-01T00:00:00Z', 'edited'), (4, '2026-03-01T00:00:00Z', 'viewed'),\n"
	" (5, '2026-03-01T00:00:00Z', 'viewed'), (6, '2025-11-01T00:00:00Z', 'viewed'),\n"
	" (7, '2026-03-01T00:00:00Z', 'edited'), (8, '2026-03-01T00:00:00Z', 'ordered'),\n"
	" (9, '2026-03-01T00:00:00Z', 'edited'), (10, '2026-03-01T00:00:00Z', 'edited');\n"
	"INSERT INTO decoration_revisions (design_id, revision, created_at) VALUES\n"
	" (3, 1, '2026-02-27T00:00:00Z'), (1, 1, '2026-02-27T00:00:00Z'), (2, 1, '2026-02-01T00:00:00Z'),\n"
	" (4, 1, '2026-02-01T00:00:00Z'), (5, 1, '2026-03-06T00:00:00Z'), (6, 1, '2026-01-10T00:00:00Z'),\n"
	" (7, 1, '2026-01-10T00:00:00Z'), (8, 1, '2026-03-04T00:00:00Z'), (9, 1, '2026-01-10T00:00:00Z'),\n"
	" (9, 2, '2026-03-07T12:00:00Z'), (10, 1, '2026-02-20T00:00:00Z');\n"
	"INSERT INTO export_artifacts (design_id, revision, source, created_at, expired_at) VALUES\n"
	" (3, 1, 'cached', '2026-02-27T06:00:00Z', '2026-03-05T00:00:00Z'),\n"
	" (4, 1, 'pregenerated', '2026-02-02T00:00:00Z', NULL),\n"
	" (8, 1, 'cached', '2026-03-04T01:00:00Z', '2026-03-09T00:00:00Z'),\n"
	" (9, 1, 'cached', '2026-01-11T00:00:00Z', NULL);\n";

typedef struct want {
	int64_t id;
	const char *tenant, *style;
	int revision;
	const char *revision_at;
	double age;
} want;

static const want w10[] = {
	{ 10, "initech", "classic", 1, "2026-02-20T00:00:00Z", 17 },
	{ 1, "acme", "kraft", 1, "2026-02-27T00:00:00Z", 10 },
	{ 3, "acme", "gold, \"foil\"", 1, "2026-02-27T00:00:00Z", 10 },
	{ 8, "globex", "chalk", 1, "2026-03-04T00:00:00Z", 5 },
	{ 5, "globex", "chalk", 1, "2026-03-06T00:00:00Z", 3 },
	{ 9, "initech", "classic", 2, "2026-03-07T12:00:00Z", 1.5 },
};

static void check_list(const kpi_uncovered_list *l, const want *exp, size_t n, size_t total, double shift)
{
	assert_int_equal(l->total, total);
	assert_int_equal(l->ndesigns, n);
	assert_string_equal(l->query, "pack/uncovered_designs.sql");
	assert_int_equal(strlen(l->sha256), 64);
	for (size_t i = 0; i < n; i++) {
		const kpi_uncovered *u = &l->designs[i];
		if (u->design_id != exp[i].id)
			fail_msg("row %zu is design %lld, expected %lld", i + 1, (long long)u->design_id, (long long)exp[i].id);
		assert_string_equal(u->tenant_id, exp[i].tenant);
		assert_string_equal(u->style_id, exp[i].style);
		assert_int_equal(u->revision, exp[i].revision);
		assert_int_equal(u->revision_at, it_time(exp[i].revision_at));
		if (fabs(u->age_days - (exp[i].age + shift)) > 1e-9)
			fail_msg("design %lld: age %.17g d, expected %.17g", (long long)u->design_id, u->age_days,
			         exp[i].age + shift);
	}
}

/* The library on the hand-built cohort: every design in order, ties by id,
 * the limit cutting the list and keeping the total, a limit out of range. */
static void test_uncovered__hand_built_library(void **state)
{
	kpi_uncovered_list *l = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi_window w;
	it_db *db = it_db_create("uncovered_lib");
	(void)state;

	it_db_exec(db, cohort_sql);
	it_window(&w, "2026-W10", 1, "UTC", DONE);
	if (kpi_uncovered_read(&l, db->cfg, &w, 100, &err))
		fail_msg("kpi_uncovered_read: %s", err.message);
	check_list(l, w10, N(w10), 6, 0);
	assert_int_equal(l->as_of, it_time("2026-03-09T00:00:00Z"));
	assert_false(l->partial);
	assert_int_equal(l->limit, 100);
	assert_int_equal(l->active_days, 90);
	kpi_uncovered_list_free(l);

	/* --limit 2 of 6: the two oldest, and still 6 in all */
	if (kpi_uncovered_read(&l, db->cfg, &w, 2, &err))
		fail_msg("kpi_uncovered_read: %s", err.message);
	check_list(l, w10, 2, 6, 0);
	kpi_uncovered_list_free(l);

	/* as of now in the week in progress: the same designs, 2.5 d older */
	it_window(&w, "current", 1, "UTC", NOW_W11);
	if (kpi_uncovered_read(&l, db->cfg, &w, 100, &err))
		fail_msg("kpi_uncovered_read: %s", err.message);
	check_list(l, w10 + 1, N(w10) - 1, 5, 2.5);
	assert_true(l->partial);
	assert_int_equal(l->as_of, it_time(NOW_W11));
	kpi_uncovered_list_free(l);

	/* before any design: none, total 0 */
	it_window(&w, "2025-W30", 1, "UTC", DONE);
	if (kpi_uncovered_read(&l, db->cfg, &w, 100, &err))
		fail_msg("kpi_uncovered_read: %s", err.message);
	assert_int_equal(l->total, 0);
	assert_int_equal(l->ndesigns, 0);
	assert_null(l->designs);
	kpi_uncovered_list_free(l);

	assert_int_equal(kpi_uncovered_read(&l, db->cfg, &w, 0, &err), KPI_EUSAGE);
	assert_null(l);
	assert_int_equal(kpi_uncovered_read(&l, db->cfg, &w, KPI_UNCOVERED_LIMIT_MAX + 1, &err), KPI_EUSAGE);
	assert_null(l);
	it_db_drop(db);
}

/* `kpi uncovered ... --format json` and `kpi query uncached_legacy_max_age_days
 * ... --format json` at the same instant, parsed: the first age is the
 * KPI's value and the total its numerator, to the last bit. Returns the
 * uncovered document (caller json_decref()s). */
static json_t *check_against_kpi(const char *conninfo, const char *week, const char *now, const char *limit)
{
	const char *uc[] = { "kpi", "uncovered", "--week", week, "--limit", limit, "--format", "json", "--db", conninfo, NULL };
	const char *q[] = { "kpi", "query", "uncached_legacy_max_age_days", "--week", week, "--format", "json", "--db",
		            conninfo, NULL };
	char *uout = NULL, *qout = NULL;
	json_t *u, *k, *row, *designs;
	json_error_t jerr;

	it_run_ok_at(uc, now, &uout, NULL);
	it_run_ok_at(q, now, &qout, NULL);
	if (!(u = json_loads(uout, 0, &jerr)))
		fail_msg("kpi uncovered --format json is not JSON: %s: %s", jerr.text, uout);
	if (!(k = json_loads(qout, 0, &jerr)))
		fail_msg("kpi query --format json is not JSON: %s", jerr.text);
	row = json_array_get(json_object_get(k, "rows"), 0);
	designs = json_object_get(u, "designs");
	assert_non_null(row);
	assert_true(json_is_array(designs));
	assert_true(json_is_integer(json_object_get(u, "total")));
	if ((double)json_integer_value(json_object_get(u, "total")) !=
	    json_number_value(json_object_get(row, "numerator")))
		fail_msg("week %s: kpi uncovered's total %lld, the KPI's numerator %.17g", week,
		         (long long)json_integer_value(json_object_get(u, "total")),
		         json_number_value(json_object_get(row, "numerator")));
	if (json_array_size(designs) == 0) {
		assert_int_equal(json_integer_value(json_object_get(u, "total")), 0);
		assert_true(json_number_value(json_object_get(row, "value")) == 0);
	} else if (json_number_value(json_object_get(json_array_get(designs, 0), "age_days")) !=
	           json_number_value(json_object_get(row, "value"))) {
		fail_msg("week %s: kpi uncovered's first age %.17g d, the KPI's value %.17g", week,
		         json_number_value(json_object_get(json_array_get(designs, 0), "age_days")),
		         json_number_value(json_object_get(row, "value")));
	}
	/* the same instant: the KPI's period end, or now in the week in progress */
	assert_int_equal(it_time(json_string_value(json_object_get(u, "as_of"))),
	                 json_is_true(json_object_get(row, "partial")) ? it_time(now)
	                                                               : it_time(json_string_value(json_object_get(row, "period_end"))));
	assert_int_equal(json_is_true(json_object_get(u, "partial")), json_is_true(json_object_get(row, "partial")));
	assert_int_equal(json_integer_value(json_object_get(u, "listed")), json_array_size(designs));
	assert_int_equal(json_integer_value(json_object_get(u, "limit")), atoi(limit));
	json_decref(k);
	free(uout);
	free(qout);
	return u;
}

static void check_json_ids(json_t *u, const want *exp, size_t n, double shift)
{
	json_t *designs = json_object_get(u, "designs");
	assert_int_equal(json_array_size(designs), n);
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(designs, i);
		assert_int_equal(json_integer_value(json_object_get(d, "design_id")), exp[i].id);
		assert_string_equal(json_string_value(json_object_get(d, "tenant_id")), exp[i].tenant);
		assert_string_equal(json_string_value(json_object_get(d, "style_id")), exp[i].style);
		assert_int_equal(json_integer_value(json_object_get(d, "revision")), exp[i].revision);
		assert_string_equal(json_string_value(json_object_get(d, "revision_at")), exp[i].revision_at);
		assert_true(fabs(json_number_value(json_object_get(d, "age_days")) - (exp[i].age + shift)) < 1e-9);
	}
}

/* The command on the hand-built cohort: JSON, CSV and the table, each
 * with the total when the list is cut, and equal to the KPI. */
static void test_uncovered__hand_built_command(void **state)
{
	it_db *db = it_db_create("uncovered_cli");
	json_t *u;
	char *out = NULL;
	(void)state;

	it_db_exec(db, cohort_sql);
	u = check_against_kpi(db->conninfo, "2026-W10", DONE, "2");
	assert_int_equal(json_integer_value(json_object_get(u, "total")), 6);
	assert_string_equal(json_string_value(json_object_get(u, "week")), "2026-W10");
	check_json_ids(u, w10, 2, 0);
	json_decref(u);
	u = check_against_kpi(db->conninfo, "current", NOW_W11, "100");
	assert_int_equal(json_integer_value(json_object_get(u, "total")), 5);
	assert_string_equal(json_string_value(json_object_get(u, "week")), "2026-W11");
	check_json_ids(u, w10 + 1, N(w10) - 1, 2.5);
	json_decref(u);
	u = check_against_kpi(db->conninfo, "2025-W30", DONE, "100"); /* no cohort: 0, [] */
	json_decref(u);

	{
		const char *argv[] = { "kpi", "uncovered", "--week", "2026-W10", "--limit", "3", "--format", "csv", "--db",
			               db->conninfo, NULL };
		it_run_ok_at(argv, DONE, &out, NULL);
		assert_string_equal(out, "design_id,tenant_id,style_id,revision,revision_at,age_days,as_of,total\r\n"
		                         "10,initech,classic,1,2026-02-20T00:00:00Z,17,2026-03-09T00:00:00Z,6\r\n"
		                         "1,acme,kraft,1,2026-02-27T00:00:00Z,10,2026-03-09T00:00:00Z,6\r\n"
		                         "3,acme,\"gold, \"\"foil\"\"\",1,2026-02-27T00:00:00Z,10,2026-03-09T00:00:00Z,6\r\n");
		free(out);
	}
	{
		/* not a terminal: no colour; the last line says the list is cut */
		const char *argv[] = { "kpi", "uncovered", "--week", "2026-W10", "--limit", "2", "--db", db->conninfo, NULL };
		it_run_ok_at(argv, DONE, &out, NULL);
		assert_string_equal(out, "DESIGN  TENANT   STYLE    REVISION  REVISION CREATED       AGE\n"
		                         "    10  initech  classic         1  2026-02-20T00:00:00Z  17 d\n"
		                         "     1  acme     kraft           1  2026-02-27T00:00:00Z  10 d\n"
		                         "6 uncovered designs as of 2026-03-09T00:00:00Z (the end of 2026-W10): the 2 oldest "
		                         "listed (--limit 2), 4 more not listed\n");
		free(out);
	}
	{
		const char *argv[] = { "kpi", "uncovered", "--week", "current", "--db", db->conninfo, NULL };
		it_run_ok_at(argv, NOW_W11, &out, NULL);
		assert_int_equal(it_count_lines(out), 7);
		assert_non_null(strstr(out, "\n5 uncovered designs as of 2026-03-11T12:00:00Z (2026-W11 is not over: now): "
		                            "all listed\n"));
		assert_null(strchr(out, '\033'));
		free(out);
	}
	{
		const char *argv[] = { "kpi", "uncovered", "--week", "2025-W30", "--db", db->conninfo, NULL };
		it_run_ok_at(argv, DONE, &out, NULL);
		assert_int_equal(strncmp(out, "No uncovered designs as of 2025-07-28T00:00:00Z (the end of 2025-W30)", 69), 0);
		free(out);
	}
	it_db_drop(db);
}

/* The demo dataset: in every week the list and the KPI agree exactly. */
static void test_uncovered__demo_equals_kpi(void **state)
{
	static const char *const weeks[] = { "2026-W36", "2026-W40", "2026-W44", "2026-W46", "current" };
	it_db *db = it_db_create("uncovered_demo");
	kpi_error err = KPI_ERROR_INIT;
	bool cut = false;
	(void)state;

	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	for (size_t i = 0; i < N(weeks); i++) {
		json_t *u = check_against_kpi(db->conninfo, weeks[i], "2026-11-18T10:00:00Z", "100");
		json_t *one = check_against_kpi(db->conninfo, weeks[i], "2026-11-18T10:00:00Z", "1");
		/* --limit 1 keeps the total and the first design */
		assert_int_equal(json_integer_value(json_object_get(one, "total")),
		                 json_integer_value(json_object_get(u, "total")));
		if (json_integer_value(json_object_get(u, "total")) > 1) {
			cut = true;
			assert_int_equal(json_array_size(json_object_get(one, "designs")), 1);
			assert_true(json_equal(json_array_get(json_object_get(one, "designs"), 0),
			                       json_array_get(json_object_get(u, "designs"), 0)));
		}
		json_decref(u);
		json_decref(one);
	}
	assert_true(cut); /* the demo has weeks with several uncovered designs */
	it_db_drop(db);
}

/* One line on stderr, nothing on stdout, the documented exit code. */
static void expect_error(const char *const *argv, int status, const char *needle)
{
	it_run_result r;
	const char *env[] = { "KPI_CONFIG", "KPI_NOW=" DONE, NULL };
	it_run(&r, argv, env, 60);
	if (r.status != status)
		fail_msg("kpi uncovered %s: exit %d, expected %d: %s", argv[2], r.status, status, r.err);
	assert_string_equal(r.out, "");
	assert_int_equal(it_count_lines(r.err), 1);
	if (!strstr(r.err, needle))
		fail_msg("kpi uncovered: stderr lacks '%s': %s", needle, r.err);
	it_run_free(&r);
}

static void test_uncovered__errors(void **state)
{
	(void)state;
	/* nothing listens on port 1: the source cannot be read */
	const char *unreachable[] = { "kpi", "uncovered", "--db", "host=127.0.0.1 port=1 dbname=kpi connect_timeout=5",
		                      NULL };
	expect_error(unreachable, 4, "cannot connect to PostgreSQL");
	/* usage errors: the option and what it takes */
	static const struct {
		const char *opt, *value, *needle;
	} bad[] = {
		{ "--week", "2026-W99", "--week '2026-W99'" },
		{ "--week", "lastweek", "--week 'lastweek'" },
		{ "--limit", "0", "--limit '0': expected a whole number 1..10000" },
		{ "--limit", "10001", "--limit '10001': expected a whole number 1..10000" },
		{ "--limit", "ten", "--limit 'ten'" },
		{ "--format", "xml", "--format 'xml'" },
	};
	for (size_t i = 0; i < N(bad); i++) {
		const char *argv[] = { "kpi", "uncovered", bad[i].opt, bad[i].value, NULL };
		expect_error(argv, 2, bad[i].needle);
	}
	const char *extra[] = { "kpi", "uncovered", "legacy_coverage_pct", NULL };
	expect_error(extra, 2, "legacy_coverage_pct");
}

/* The list is read in kpi's session like every run: statement_timeout
 * (exit 5), a read-only transaction (a query file that writes fails, exit
 * 4, and writes nothing), and the query's columns checked (exit 6). The
 * query file is replaced through KPI_QUERY_DIR. */
static void run_with_query(const char *conninfo, const char *sql, const char *timeout_ms, int status,
                           const char *needle)
{
	char dir[] = "/tmp/kpi-it-uncovered.XXXXXX", path[128], env_dir[160], env_to[64];
	const char *argv[] = { "kpi", "uncovered", "--db", conninfo, NULL };
	const char *env[] = { "KPI_CONFIG", "KPI_NOW=" DONE, env_dir, env_to, NULL };
	it_run_result r;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pack", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/pack/uncovered_designs.sql", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("-- @param $1 as_of timestamptz: T\n-- @param $2 active_days int: days\n-- @param $3 max_rows int: rows\n",
	      f);
	fputs(sql, f);
	fclose(f);
	snprintf(env_dir, sizeof(env_dir), "KPI_QUERY_DIR=%s", dir);
	snprintf(env_to, sizeof(env_to), "KPI_STATEMENT_TIMEOUT_MS=%s", timeout_ms);
	it_run(&r, argv, env, 60);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pack", dir);
	rmdir(path);
	rmdir(dir);
	if (r.status != status || !strstr(r.err, needle))
		fail_msg("kpi uncovered: exit %d, expected %d with '%s': %s", r.status, status, needle, r.err);
	assert_string_equal(r.out, "");
	assert_int_equal(it_count_lines(r.err), 1);
	it_run_free(&r);
}

#define ROW_COLUMNS "1::bigint AS design_id, 't' AS tenant_id, 's' AS style_id, 1 AS revision, 0::bigint AS revision_at, " \
                    "1.0::float8 AS age_days"
#define USES_PARAMS "$1::timestamptz IS NOT NULL AND $2::int > 0 AND $3::int > 0"

static void test_uncovered__session_rules(void **state)
{
	it_db *db = it_db_create("uncovered_session");
	PGresult *res;
	(void)state;

	run_with_query(db->conninfo, "SELECT " ROW_COLUMNS ", 1::bigint AS total, pg_sleep(5) WHERE " USES_PARAMS ";\n",
	               "500", 5, "statement_timeout 500 ms");
	run_with_query(db->conninfo,
	               "WITH w AS (INSERT INTO outage_drills (id, name, started_at, ended_at) VALUES (99, 'x', $1, $1) "
	               "RETURNING id)\nSELECT " ROW_COLUMNS ", 1::bigint AS total FROM w WHERE $2::int > 0 AND $3::int > 0;\n",
	               "60000", 4, "read-only transaction");
	res = PQexec(db->conn, "SELECT count(*) FROM outage_drills");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "0");
	PQclear(res);
	run_with_query(db->conninfo, "SELECT " ROW_COLUMNS " WHERE " USES_PARAMS ";\n", "60000", 6,
	               "pack/uncovered_designs.sql: result has no column 'total'");
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncovered__hand_built_library),
		cmocka_unit_test(test_uncovered__hand_built_command),
		cmocka_unit_test(test_uncovered__demo_equals_kpi),
		cmocka_unit_test(test_uncovered__errors),
		cmocka_unit_test(test_uncovered__session_rules),
	};
	if (!it_pg_wanted("integration_uncovered"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_uncovered", tests, NULL, NULL);
}
