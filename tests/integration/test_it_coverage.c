/*
 * Integration: legacy_coverage_pct and uncached_legacy_max_age_days on one
 * hand-built cohort, through kpi_collect and `kpi query --format json`, plus
 * the exact JSON shape of `kpi query legacy_coverage_pct --weeks 4`.
 *
 * Definitions (docs/kpis.md), as of T:
 *   cohort:  provider legacy, created_at < T, a revision created before T, a
 *            design event with at in [T - 90 days, T)
 *   latest revision: the highest revision number created before T
 *   covered: migrated_at < T, or an artifact of the latest revision with
 *            created_at < T and (expired_at null or expired_at > T)
 *   legacy_coverage_pct = covered / cohort x 100 (null + no_data on an empty cohort)
 *   uncached_legacy_max_age_days = max over the uncovered of T - latest
 *            revision's created_at, in days (0 when none); numerator = how many
 *
 * Week ends (UTC): T09 = 03-02, T10 = 03-09, T11 = 03-16, T12 = 03-23,
 * T13 = 03-30 (all 2026, 00:00). T - 90 days: T09 -> 2025-12-02,
 * T10 -> 2025-12-09, T11 -> 2025-12-16, T12 -> 2025-12-23, T13 -> 2025-12-30.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DONE "2026-05-01T00:00:00Z"

/*
 * The designs (all legacy but D10; ev = design events, r = revisions, a = artifacts):
 *  D1  created 01-05; r1 01-05; ev 03-01; a(r1) 01-06, never expires          -> covered always
 *  D2  created 01-05; r1 03-04; ev 03-01; a(r1) 03-04 06:00, expires 03-16 00:00 (== T11)
 *  D3  created 01-05; r1 01-05, r2 03-10 12:00; ev 03-01; a(r1) 01-06; a(r2) 03-20
 *  D4  created 01-05, migrated 03-16 00:00 (== T11); r1 03-02 12:00; ev 03-01; no artifact
 *  D5  created 03-12; r1 03-12; ev 03-12; a(r1) created 03-16 00:00 (== T11)
 *  D6  created 01-05; only revision r1 03-20; ev 03-01; no artifact
 *  D7  created 2025-06-01; r1 2025-06-01; last event 2025-12-01 (inactive); no artifact
 *  D8  created 2025-12-01; r1 2025-12-01; one event at exactly 2025-12-16 00:00 (= T11 - 90 d);
 *      a(r1) 2025-12-02 (pregenerated)
 *  D9  created 01-05; r1 01-05; one event at exactly 03-09 00:00 (= T10); a(r1) 01-06 (migrated)
 *  D10 OWNED; created 01-05; r1 01-05; ev 03-01; no artifact                   -> never in the cohort
 *  D11 created 01-05; r1 03-05; ev 03-01; a(r1) created 03-25 (after T10..T12)
 *  D12 created 03-10 (after T10, after its revision and event!); r1 03-05; ev 03-01; a(r1) 03-06
 *  D13 created 01-05; r1 03-03, r2 03-01 (numbered out of creation order); ev 03-01;
 *      a(r1) 03-03 06:00; a(r2) 03-13
 *  D14 created 01-05; r1 03-02 00:00; ev 03-01; a(r1) 03-02 01:00 expires 03-05;
 *      a(r1) 03-17 expires 2026-03-30T00:00:00.000001 (1 us after T13)
 */
static const char *const cohort_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at, migrated_at) VALUES\n"
	" (1, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (2, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (3, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (4, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', '2026-03-16T00:00:00Z'),\n"
	" (5, 't', 's', 'u', 'prod', 'legacy', '2026-03-12T00:00:00Z', NULL),\n"
	" (6, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (7, 't', 's', 'u', 'prod', 'legacy', '2025-06-01T00:00:00Z', NULL),\n"
	" (8, 't', 's', 'u', 'prod', 'legacy', '2025-12-01T00:00:00Z', NULL),\n"
	" (9, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (10, 't', 's', 'u', 'prod', 'owned', '2026-01-05T00:00:00Z', NULL),\n"
	" (11, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (12, 't', 's', 'u', 'prod', 'legacy', '2026-03-10T00:00:00Z', NULL),\n"
	" (13, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL),\n"
	" (14, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z', NULL);\n"
	"INSERT INTO design_events (design_id, at, kind) VALUES\n"
	" (1, '2026-03-01T00:00:00Z', 'edited'), (2, '2026-03-01T00:00:00Z', 'edited'),\n"
	" (3, '2026-03-01T00:00:00Z', 'edited'), (4, '2026-03-01T00:00:00Z', 'edited'),\n"
	" (5, '2026-03-12T00:00:00Z', 'created'), (6, '2026-03-01T00:00:00Z', 'viewed'),\n"
	" (7, '2025-12-01T00:00:00Z', 'viewed'), (8, '2025-12-16T00:00:00Z', 'viewed'),\n"
	" (9, '2026-03-09T00:00:00Z', 'ordered'), (10, '2026-03-01T00:00:00Z', 'edited'),\n"
	" (11, '2026-03-01T00:00:00Z', 'edited'), (12, '2026-03-01T00:00:00Z', 'edited'),\n"
	" (13, '2026-03-01T00:00:00Z', 'edited'), (14, '2026-03-01T00:00:00Z', 'exported');\n"
	"INSERT INTO decoration_revisions (design_id, revision, created_at) VALUES\n"
	" (1, 1, '2026-01-05T00:00:00Z'), (2, 1, '2026-03-04T00:00:00Z'),\n"
	" (3, 1, '2026-01-05T00:00:00Z'), (3, 2, '2026-03-10T12:00:00Z'),\n"
	" (4, 1, '2026-03-02T12:00:00Z'), (5, 1, '2026-03-12T00:00:00Z'),\n"
	" (6, 1, '2026-03-20T00:00:00Z'), (7, 1, '2025-06-01T00:00:00Z'),\n"
	" (8, 1, '2025-12-01T00:00:00Z'), (9, 1, '2026-01-05T00:00:00Z'),\n"
	" (10, 1, '2026-01-05T00:00:00Z'), (11, 1, '2026-03-05T00:00:00Z'),\n"
	" (12, 1, '2026-03-05T00:00:00Z'), (13, 1, '2026-03-03T00:00:00Z'),\n"
	" (13, 2, '2026-03-01T00:00:00Z'), (14, 1, '2026-03-02T00:00:00Z');\n"
	"INSERT INTO export_artifacts (design_id, revision, source, created_at, expired_at) VALUES\n"
	" (1, 1, 'cached', '2026-01-06T00:00:00Z', NULL),\n"
	" (2, 1, 'cached', '2026-03-04T06:00:00Z', '2026-03-16T00:00:00Z'),\n"
	" (3, 1, 'cached', '2026-01-06T00:00:00Z', NULL),\n"
	" (3, 2, 'cached', '2026-03-20T00:00:00Z', NULL),\n"
	" (5, 1, 'pregenerated', '2026-03-16T00:00:00Z', NULL),\n"
	" (8, 1, 'pregenerated', '2025-12-02T00:00:00Z', NULL),\n"
	" (9, 1, 'migrated', '2026-01-06T00:00:00Z', NULL),\n"
	" (11, 1, 'cached', '2026-03-25T00:00:00Z', NULL),\n"
	" (12, 1, 'cached', '2026-03-06T00:00:00Z', NULL),\n"
	" (13, 1, 'cached', '2026-03-03T06:00:00Z', NULL),\n"
	" (13, 2, 'cached', '2026-03-13T00:00:00Z', NULL),\n"
	" (14, 1, 'cached', '2026-03-02T01:00:00Z', '2026-03-05T00:00:00Z'),\n"
	" (14, 1, 'cached', '2026-03-17T00:00:00Z', '2026-03-30T00:00:00.000001Z');\n";

/*
 * Per week end (c = covered, u = uncovered with T - latest revision's created_at):
 *
 * T09 = 03-02: cohort D1 c, D3 c (r1 latest), D8 c (event 12-16 >= 12-02), D13 u (only r2 exists
 *     before T: 03-02 - 03-01 = 1 d). D4 (r1 03-02 12:00), D14 (r1 == T), D2, D11, D12 have no
 *     revision before T; D9 no event before T; D6, D5 none.
 *     -> 3/4 = 75 %; uncovered 1, max 1 d.
 * T10 = 03-09: D1 c; D2 c (expires 03-16 > T); D3 c (r1 still latest); D4 u 03-09 - 03-02 12:00 = 6.5 d;
 *     D8 c (12-16 >= 12-09); D11 u (artifact only on 03-25) 4 d; D13 u (latest = r2, the highest
 *     number, whose artifact comes 03-13; the r1 artifact does not count) 8 d; D14 u (first
 *     artifact expired 03-05, second not yet) 7 d.
 *     Not in the cohort: D5 (created after T), D6 (revision after T), D7 (inactive), D9 (its only
 *     event is at T, not before), D10 (owned), D12 (created 03-10 > T).
 *     -> 4/8 = 50 %; uncovered 4, max 8 d.
 * T11 = 03-16: D1 c; D2 u (expired_at == T does not cover) 03-16 - 03-04 = 12 d; D3 u (latest r2
 *     03-10 12:00, its artifact not yet) 5.5 d; D4 u (migrated_at == T does not cover) 13.5 d;
 *     D5 u (artifact created_at == T does not cover) 4 d; D8 c (event exactly T - 90 d: in);
 *     D9 c; D11 u 11 d; D12 c; D13 c; D14 u 14 d.
 *     -> 5/11; uncovered 6, max 14 d.
 * T12 = 03-23: D1 c; D2 u 19 d; D3 c; D4 c (migrated 03-16 < T); D5 c; D6 u (its revision 03-20)
 *     3 d; D9 c; D11 u 18 d; D12 c; D13 c; D14 c. D8 out (12-16 < 12-23).
 *     -> 8/11; uncovered 3, max 19 d.
 * T13 = 03-30: D1, D3, D4, D5, D9, D11 (artifact 03-25), D12, D13 c; D14 c (expires 1 us after T);
 *     D2 u 26 d; D6 u 10 d.
 *     -> 9/11; uncovered 2, max 26 d.
 * Statuses: coverage >= 95 -> every week breach; max age <= 7 (warn above 6) -> T09 ok, others breach.
 */
static const it_row coverage_exp[] = {
	{ 0, "", 75, 3, 4, "breach" },
	{ 1, "", 50, 4, 8, "breach" },
	{ 2, "", 100.0 * 5 / 11, 5, 11, "breach" },
	{ 3, "", 100.0 * 8 / 11, 8, 11, "breach" },
	{ 4, "", 100.0 * 9 / 11, 9, 11, "breach" },
};

static const it_row age_exp[] = {
	{ 0, "", 1, 1, NULLV, "ok" },
	{ 1, "", 8, 4, NULLV, "breach" },
	{ 2, "", 14, 6, NULLV, "breach" },
	{ 3, "", 19, 3, NULLV, "breach" },
	{ 4, "", 26, 2, NULLV, "breach" },
};

/*
 * The current week W12 at now = 2026-03-18T12:00:00Z (T = now; T - 90 d = 2025-12-18 12:00):
 *   D1 c; D2 u 03-18 12:00 - 03-04 = 14.5 d; D3 u (r2 03-10 12:00, artifact 03-20) 8 d; D4 c (migrated
 *   03-16 < T); D5 c (artifact 03-16 < T); D9 c; D11 u 13.5 d; D12 c; D13 c; D14 c (artifact of 03-17).
 *   D6 out (revision 03-20 > T), D8 out (event 12-16 < 12-18 12:00).
 *   -> 7/10 = 70 %; uncovered 3, max 14.5 d. The row is partial. W11 as before.
 */
static const it_row coverage_cur[] = {
	{ 0, "", 100.0 * 5 / 11, 5, 11, "breach" },
	{ 1, "", 70, 7, 10, "breach" },
};
static const it_row age_cur[] = {
	{ 0, "", 14, 6, NULLV, "breach" },
	{ 1, "", 14.5, 3, NULLV, "breach" },
};

static void test_legacy_coverage_pct(void **state)
{
	(void)state;
	it_db *db = it_db_create("legacy_coverage_pct");
	it_db_exec(db, cohort_sql);
	it_check_kpi(db, "legacy_coverage_pct", "2026-W13", 5, DONE, NULL, coverage_exp, N(coverage_exp));
	it_check_kpi(db, "legacy_coverage_pct", "2026-W12", 2, "2026-03-18T12:00:00Z", NULL, coverage_cur,
	             N(coverage_cur));

	/* 2025-W30 (T = 2025-07-28): no legacy design exists yet: empty cohort, a
	 * ratio with a zero denominator -> null, no_data (never 0 % or 100 %). */
	static const it_row empty[] = { { 0, "", NULLV, 0, 0, "no_data" } };
	it_check_kpi(db, "legacy_coverage_pct", "2025-W30", 1, DONE, NULL, empty, N(empty));
	it_db_drop(db);
}

static void test_uncached_legacy_max_age_days(void **state)
{
	(void)state;
	it_db *db = it_db_create("uncached_legacy_max_age_days");
	it_db_exec(db, cohort_sql);
	it_check_kpi(db, "uncached_legacy_max_age_days", "2026-W13", 5, DONE, NULL, age_exp, N(age_exp));
	it_check_kpi(db, "uncached_legacy_max_age_days", "2026-W12", 2, "2026-03-18T12:00:00Z", NULL, age_cur,
	             N(age_cur));

	/* No cohort: a max-age is never no_data: 0 d, 0 uncovered -> ok. */
	static const it_row empty[] = { { 0, "", 0, 0, NULLV, "ok" } };
	it_check_kpi(db, "uncached_legacy_max_age_days", "2025-W30", 1, DONE, NULL, empty, N(empty));
	it_db_drop(db);
}

/* The longest window (60 weeks, KPI_MAX_WEEKS: the query's per-design bitmasks
 * hold 60 as-of instants), 2025-W06 .. 2026-W13. Week i ends at
 * T = 2025-02-10 + 7 i days. Before T09 only D7 (event 2025-12-01, uncovered)
 * and D8 (event 2025-12-16, covered) can be active:
 *   i <= 42 (T <= 2025-12-01: D7's event is not before T) -> empty, null, no_data
 *   i = 43, 44 (T = 12-08, 12-15): D7 alone -> 0/1 = 0 % (a value, breach)
 *   i = 45..54 (T = 12-22 .. 2026-02-23): D7 (12-01 >= T - 90 d) and D8 -> 1/2 = 50 %
 *   i = 55..59: W09..W13 as in coverage_exp (D7's event is older than T - 90 d by then). */
static void test_legacy_coverage_pct_60_weeks(void **state)
{
	(void)state;
	it_db *db = it_db_create("legacy_coverage_60_weeks");
	it_row exp[60];

	it_db_exec(db, cohort_sql);
	for (int i = 0; i < 60; i++) {
		it_row r = { i, "", NULLV, 0, 0, "no_data" };
		if (i == 43 || i == 44)
			r = (it_row){ i, "", 0, 0, 1, "breach" };
		else if (i >= 45 && i <= 54)
			r = (it_row){ i, "", 50, 1, 2, "breach" };
		else if (i >= 55)
			r = coverage_exp[i - 55], r.week = i;
		exp[i] = r;
	}
	it_check_kpi(db, "legacy_coverage_pct", "2026-W13", 60, DONE, NULL, exp, 60);
	it_db_drop(db);
}

/* active_days is configurable: with 10 days the cohort as of T11 = 03-16 is the
 * designs with an event in [03-06, 03-16): D5 (03-12, u), D9 (03-09, c) -> 1/2. */
static void test_legacy_coverage_pct_active_days(void **state)
{
	(void)state;
	it_db *db = it_db_create("legacy_coverage_active_days");
	it_db_exec(db, cohort_sql);
	db->cfg->active_days = 10;
	char *cfg = it_write_tmp("active10.json", "{\"active_days\": 10}\n");
	static const it_row exp[] = { { 0, "", 50, 1, 2, "breach" } };
	it_check_kpi(db, "legacy_coverage_pct", "2026-W11", 1, DONE, cfg, exp, N(exp));
	static const it_row age[] = { { 0, "", 4, 1, NULLV, "ok" } }; /* D5: 03-16 - 03-12 = 4 d */
	it_check_kpi(db, "uncached_legacy_max_age_days", "2026-W11", 1, DONE, cfg, age, N(age));
	free(cfg);
	it_tmp_cleanup();
	it_db_drop(db);
}

/* The exact output of `kpi query legacy_coverage_pct --week 2026-W13 --weeks 4
 * --format json`, parsed with jansson: the keys, their order-independent set,
 * the rows oldest first, literal ISO-8601 UTC times. */
static void test_query_json_shape(void **state)
{
	(void)state;
	static const char *const starts[] = { "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z",
		                              "2026-03-16T00:00:00Z", "2026-03-23T00:00:00Z",
		                              "2026-03-30T00:00:00Z" };
	static const double num[] = { 4, 5, 8, 9 }, den[] = { 8, 11, 11, 11 };
	static const char *const row_keys[] = { "period_start", "period_end", "labels", "value",
		                                "numerator", "denominator", "status" };
	it_db *db = it_db_create("query_json_shape");
	const char *argv[] = { "kpi", "query", "legacy_coverage_pct", "--week", "2026-W13", "--weeks", "4",
		               "--format", "json", "--db", db->conninfo, NULL };
	const char *env[] = { "KPI_NOW=" DONE, NULL };
	it_run_result r;
	json_error_t jerr;
	json_t *doc, *rows;

	it_db_exec(db, cohort_sql);
	it_run(&r, argv, env, 30);
	if (r.status != 0)
		fail_msg("kpi query exited %d: %s", r.status, r.err);
	/* one JSON object, then a newline */
	assert_true(strlen(r.out) > 0 && r.out[strlen(r.out) - 1] == '\n');
	doc = json_loads(r.out, 0, &jerr);
	if (!doc)
		fail_msg("not one JSON object (%d:%d: %s):\n%s", jerr.line, jerr.column, jerr.text, r.out);
	assert_true(json_is_object(doc));
	assert_int_equal(json_object_size(doc), 3);
	assert_string_equal(json_string_value(json_object_get(doc, "kpi")), "legacy_coverage_pct");
	assert_string_equal(json_string_value(json_object_get(doc, "unit")), "%");
	rows = json_object_get(doc, "rows");
	assert_true(json_is_array(rows));
	assert_int_equal(json_array_size(rows), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *row = json_array_get(rows, i);
		assert_true(json_is_object(row));
		assert_int_equal(json_object_size(row), 7);
		for (size_t k = 0; k < 7; k++)
			if (!json_object_get(row, row_keys[k]))
				fail_msg("row %zu has no key \"%s\"", i, row_keys[k]);
		assert_string_equal(json_string_value(json_object_get(row, "period_start")), starts[i]);
		assert_string_equal(json_string_value(json_object_get(row, "period_end")), starts[i + 1]);
		assert_true(json_is_object(json_object_get(row, "labels")));
		assert_int_equal(json_object_size(json_object_get(row, "labels")), 0);
		assert_true(json_is_number(json_object_get(row, "value")));
		assert_true(fabs(json_number_value(json_object_get(row, "value")) - 100.0 * num[i] / den[i]) < 1e-9);
		assert_true(json_number_value(json_object_get(row, "numerator")) == num[i]);
		assert_true(json_number_value(json_object_get(row, "denominator")) == den[i]);
		assert_string_equal(json_string_value(json_object_get(row, "status")), "breach");
	}
	json_decref(doc);
	it_run_free(&r);

	/* The current week through the command: --week current at KPI_NOW
	 * 2026-03-18T12:00:00Z gives W11 and the partial W12 ("partial": true). */
	{
		const char *argv2[] = { "kpi", "query", "legacy_coverage_pct", "--week", "current", "--weeks", "2",
			                "--format", "json", "--db", db->conninfo, NULL };
		const char *env2[] = { "KPI_NOW=2026-03-18T12:00:00Z", NULL };
		json_t *last;
		it_run(&r, argv2, env2, 30);
		assert_int_equal(r.status, 0);
		doc = json_loads(r.out, 0, &jerr);
		assert_non_null(doc);
		rows = json_object_get(doc, "rows");
		assert_int_equal(json_array_size(rows), 2);
		assert_null(json_object_get(json_array_get(rows, 0), "partial"));
		last = json_array_get(rows, 1);
		assert_true(json_is_true(json_object_get(last, "partial")));
		assert_string_equal(json_string_value(json_object_get(last, "period_start")), "2026-03-16T00:00:00Z");
		assert_true(json_number_value(json_object_get(last, "value")) == 70);
		assert_true(json_number_value(json_object_get(last, "numerator")) == 7);
		assert_true(json_number_value(json_object_get(last, "denominator")) == 10);
		json_decref(doc);
		it_run_free(&r);
	}
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_coverage_pct),
		cmocka_unit_test(test_uncached_legacy_max_age_days),
		cmocka_unit_test(test_legacy_coverage_pct_60_weeks),
		cmocka_unit_test(test_legacy_coverage_pct_active_days),
		cmocka_unit_test(test_query_json_shape),
	};
	if (!it_pg_wanted("integration_coverage"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_coverage", tests, NULL, NULL);
}
