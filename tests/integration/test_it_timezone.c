/*
 * Integration: weeks in a configured time zone, {"timezone": "Europe/Berlin"}
 * (the command gets it from a config file, the library from cfg->timezone).
 *
 * Berlin is UTC+1 (CET) in winter and UTC+2 (CEST) from 2026-03-29 to
 * 2026-10-25 03:00 CEST, when the clocks go back to 02:00 CET: the ISO week
 * 2026-W43 (Monday 10-19 .. Sunday 10-25) is 169 hours long.
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
#define DONE "2026-12-01T00:00:00Z"
#define BERLIN "{\"timezone\": \"Europe/Berlin\"}\n"

static void use_zone(it_db *db, const char *tz)
{
	free(db->cfg->timezone);
	db->cfg->timezone = strdup(tz);
}

/* Two export jobs half an hour either side of Berlin's midnight between
 * Sunday 03-08 and Monday 03-09 (CET, UTC+1):
 *   #1 legacy at 2026-03-08T22:30Z = Sunday 23:30 Berlin -> W10 in both zones
 *   #2 owned  at 2026-03-08T23:30Z = Monday 00:30 Berlin -> W11 in Berlin, W10 in UTC
 * Berlin weeks: W10 = [03-01T23:00Z, 03-08T23:00Z), W11 = [03-08T23:00Z, 03-15T23:00Z). */
static void test_timezone_midnight(void **state)
{
	(void)state;
	it_db *db = it_db_create("timezone_midnight");
	char *cfg = it_write_tmp("berlin.json", BERLIN);
	kpi_window w;

	it_db_exec(db,
		"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at)\n"
		"VALUES (1, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z');\n"
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at) VALUES\n"
		" (1, 1, 'export', 'legacy', 'succeeded', '2026-03-08T22:30:00Z', '2026-03-08T22:31:00Z', '2026-03-08T22:32:00Z'),\n"
		" (2, 1, 'export', 'owned',  'succeeded', '2026-03-08T23:30:00Z', '2026-03-08T23:31:00Z', '2026-03-08T23:32:00Z');\n");

	/* UTC: W10 has both (1/2 each), W11 none. */
	static const it_row utc[] = {
		{ 0, "path=legacy", 50, 1, 2, "ok" },
		{ 0, "path=owned", 50, 1, 2, "ok" },
		{ 1, "path=legacy", NULLV, 0, 0, "no_data" },
		{ 1, "path=owned", NULLV, 0, 0, "no_data" },
	};
	it_check_kpi(db, "adoption_split", "2026-W11", 2, DONE, NULL, utc, N(utc));

	/* Berlin: W10 = #1 only (legacy 1/1, owned 0/1), W11 = #2 only. */
	use_zone(db, "Europe/Berlin");
	it_window(&w, "2026-W11", 2, "Europe/Berlin", DONE);
	assert_true(w.starts[0] == it_time("2026-03-01T23:00:00Z"));
	assert_true(w.starts[1] == it_time("2026-03-08T23:00:00Z"));
	assert_true(w.starts[2] == it_time("2026-03-15T23:00:00Z"));
	static const it_row berlin[] = {
		{ 0, "path=legacy", 100, 1, 1, "ok" },
		{ 0, "path=owned", 0, 0, 1, "ok" },
		{ 1, "path=legacy", 0, 0, 1, "ok" },
		{ 1, "path=owned", 100, 1, 1, "ok" },
	};
	it_check_kpi(db, "adoption_split", "2026-W11", 2, DONE, cfg, berlin, N(berlin));

	/* The same zone from the environment (KPI_TIMEZONE wins over the file). */
	{
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", "2026-W11", "--weeks", "2", "--format",
			               "json", "--db", db->conninfo, NULL };
		const char *env[] = { "KPI_NOW=" DONE, "KPI_TIMEZONE=Europe/Berlin", NULL };
		it_run_result r;
		it_run(&r, argv, env, 30);
		assert_int_equal(r.status, 0);
		it_check_json(r.out, kpi_catalog_find(db->cat, "adoption_split"), &w, berlin, N(berlin));
		it_run_free(&r);
	}
	free(cfg);
	it_tmp_cleanup();
	it_db_drop(db);
}

/*
 * The DST week. Berlin: W42 = [10-11T22:00Z, 10-18T22:00Z),
 * W43 = [10-18T22:00Z, 10-25T23:00Z) (169 h), W44 = [10-25T23:00Z, 11-01T23:00Z).
 * Jobs (export):
 *   #3 owned,  enqueued 10-18T22:00Z (Monday 00:00 CEST, W43's first instant), never started
 *   #4 legacy, enqueued 10-25T22:30Z (Sunday 23:30 CET: still W43, which a
 *      7 x 24 h week would have ended at 22:00Z), started 10-25T23:00Z
 *   #5 owned,  enqueued 10-25T23:00Z (Monday 00:00 CET: W44)
 * Designs for the cohort, as of T = W43's end = 10-25T23:00Z = Monday 10-26 00:00 CET;
 * T - 90 calendar days in Berlin = Tuesday 07-28 00:00 CEST = 07-27T22:00Z
 * (90 x 24 h would give 07-27T23:00Z):
 *   #2 legacy, event 07-27T22:30Z (in), revision 07-01, artifact 07-02 -> covered
 *   #3 legacy, event 07-27T21:59:59Z (out), revision 07-01, no artifact
 */
static const char *const dst_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at) VALUES\n"
	" (1, 't', 's', 'u', 'prod', 'owned', '2026-01-05T00:00:00Z'),\n"
	" (2, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z'),\n"
	" (3, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z');\n"
	"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at) VALUES\n"
	" (3, 1, 'export', 'owned',  'queued',    '2026-10-18T22:00:00Z', NULL, NULL),\n"
	" (4, 1, 'export', 'legacy', 'succeeded', '2026-10-25T22:30:00Z', '2026-10-25T23:00:00Z', '2026-10-25T23:10:00Z'),\n"
	" (5, 1, 'export', 'owned',  'succeeded', '2026-10-25T23:00:00Z', '2026-10-25T23:01:00Z', '2026-10-25T23:02:00Z');\n"
	"INSERT INTO design_events (design_id, at, kind) VALUES\n"
	" (2, '2026-07-27T22:30:00Z', 'viewed'),\n"
	" (3, '2026-07-27T21:59:59Z', 'viewed');\n"
	"INSERT INTO decoration_revisions (design_id, revision, created_at) VALUES\n"
	" (2, 1, '2026-07-01T00:00:00Z'), (3, 1, '2026-07-01T00:00:00Z');\n"
	"INSERT INTO export_artifacts (design_id, revision, source, created_at) VALUES\n"
	" (2, 1, 'cached', '2026-07-02T00:00:00Z');\n";

static void test_timezone_dst_week(void **state)
{
	(void)state;
	it_db *db = it_db_create("timezone_dst_week");
	char *cfg = it_write_tmp("berlin.json", BERLIN);
	kpi_window w;

	it_db_exec(db, dst_sql);
	use_zone(db, "Europe/Berlin");
	it_window(&w, "2026-W44", 3, "Europe/Berlin", DONE);
	assert_true(w.starts[0] == it_time("2026-10-11T22:00:00Z"));
	assert_true(w.starts[1] == it_time("2026-10-18T22:00:00Z"));
	assert_true(w.starts[2] == it_time("2026-10-25T23:00:00Z"));
	assert_true(w.starts[3] == it_time("2026-11-01T23:00:00Z"));
	assert_true(w.starts[2] - w.starts[1] == 169 * 3600);

	/* adoption_split: W42 none; W43 #3 owned + #4 legacy -> 1/2 each; W44 #5 owned -> 0/1, 1/1. */
	static const it_row adoption[] = {
		{ 0, "path=legacy", NULLV, 0, 0, "no_data" },
		{ 0, "path=owned", NULLV, 0, 0, "no_data" },
		{ 1, "path=legacy", 50, 1, 2, "ok" },
		{ 1, "path=owned", 50, 1, 2, "ok" },
		{ 2, "path=legacy", 0, 0, 1, "ok" },
		{ 2, "path=owned", 100, 1, 1, "ok" },
	};
	it_check_kpi(db, "adoption_split", "2026-W44", 3, DONE, cfg, adoption, N(adoption));

	/* Queue as of W43's end T = 10-25T23:00Z: #3 (169 h = 608400 s) and #4
	 * (started at exactly T: 30 min = 1800 s) -> 2, oldest 608400 s; #5 enqueued
	 * at T is not queued yet. No preview job: 0. */
	static const it_row backlog[] = {
		{ 0, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 0, "kind=export", 2, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "queue_backlog", "2026-W43", 1, DONE, cfg, backlog, N(backlog));
	static const it_row oldest[] = {
		{ 0, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 0, "kind=export", 608400, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "queue_oldest_age_seconds", "2026-W43", 1, DONE, cfg, oldest, N(oldest));

	/* active_days in calendar days of the zone: the cohort as of W43's end is
	 * #2 alone (covered) -> 1/1 = 100 % (ok); none uncovered -> 0 d. */
	static const it_row cov[] = { { 0, "", 100, 1, 1, "ok" } };
	it_check_kpi(db, "legacy_coverage_pct", "2026-W43", 1, DONE, cfg, cov, N(cov));
	static const it_row age[] = { { 0, "", 0, 0, NULLV, "ok" } };
	it_check_kpi(db, "uncached_legacy_max_age_days", "2026-W43", 1, DONE, cfg, age, N(age));

	/* In UTC the same week is [10-19T00:00Z, 10-26T00:00Z) and T - 90 d =
	 * 07-28T00:00Z: neither design is active -> empty cohort, null, no_data. */
	use_zone(db, "UTC");
	static const it_row cov_utc[] = { { 0, "", NULLV, 0, 0, "no_data" } };
	it_check_kpi(db, "legacy_coverage_pct", "2026-W43", 1, DONE, NULL, cov_utc, N(cov_utc));
	free(cfg);
	it_tmp_cleanup();
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timezone_midnight),
		cmocka_unit_test(test_timezone_dst_week),
	};
	if (!it_pg_wanted("integration_timezone"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_timezone", tests, NULL, NULL);
}
