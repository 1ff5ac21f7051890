/*
 * Integration: outage_drill_success_pct (and the coverage it depends on).
 *
 * docs/kpis.md: over drills with started_at in W, succeeded / (succeeded + failed)
 * x 100 of their legacy export jobs (drill_id set), whenever those finished;
 * queued/running ones ignored. The threshold (= 100) applies only when
 * legacy_coverage_pct as of each drill's started_at met its target (>= 95,
 * warn counts as met); otherwise not_applicable; no cohort at a drill's start:
 * not_applicable. No drill in W, or no finished drill job: null, no_data,
 * which does not block the verdict (missing: ignore).
 *
 * Window W09..W15 of 2026 (UTC): W09 [02-23, 03-02), W10 [03-02, 03-09),
 * W11 [03-09, 03-16), W12 [03-16, 03-23), W13 [03-23, 03-30),
 * W14 [03-30, 04-06), W15 [04-06, 04-13).
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
 * Cohort: 23 legacy designs, created 01-05, r1 01-05, one event 03-04 00:00
 * (so the cohort is empty before 03-04 and 23 designs after it):
 *   G1..G19 (101..119): artifact 01-06, never expires -> always covered
 *   X1 (201): artifact created 03-18                   -> covered from 03-18
 *   X2 (202): artifact 01-06, expires 03-25 00:00      -> covered until 03-25
 *   X3 (203): artifact created 03-11                   -> covered from 03-11
 *   X4 (204): artifact 01-06 expiring 03-26 00:00, and another created 03-27 00:00
 * Coverage as of T (T > 03-04):
 *   [03-04, 03-11]  G + X2 + X4       = 21/23 = 91.30 %  (below 95)
 *   (03-11, 03-18]  + X3              = 22/23 = 95.65 %  (met; warn)
 *   (03-18, 03-25]  + X1              = 23/23 = 100 %    (at T = 03-25 X2's expiry == T: 22/23)
 *   (03-25, 03-26]  - X2              = 22/23            (at T = 03-26 X4's expiry == T: 21/23)
 *   (03-26, 03-27]  - X4              = 21/23 = 91.30 %
 *   (03-27, ...)    + X4's new one    = 22/23 = 95.65 %
 */
static const char *const drills_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at)\n"
	"SELECT g, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z'::timestamptz\n"
	"FROM generate_series(101, 119) g UNION ALL\n"
	"SELECT g, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z'::timestamptz\n"
	"FROM generate_series(201, 204) g;\n"
	"INSERT INTO design_events (design_id, at, kind) SELECT id, '2026-03-04T00:00:00Z', 'edited' FROM designs;\n"
	"INSERT INTO decoration_revisions (design_id, revision, created_at)\n"
	"SELECT id, 1, '2026-01-05T00:00:00Z' FROM designs;\n"
	"INSERT INTO export_artifacts (design_id, revision, source, created_at, expired_at)\n"
	"SELECT g, 1, 'cached', '2026-01-06T00:00:00Z', NULL FROM generate_series(101, 119) g;\n"
	"INSERT INTO export_artifacts (design_id, revision, source, created_at, expired_at) VALUES\n"
	" (201, 1, 'cached', '2026-03-18T00:00:00Z', NULL),\n"
	" (202, 1, 'cached', '2026-01-06T00:00:00Z', '2026-03-25T00:00:00Z'),\n"
	" (203, 1, 'pregenerated', '2026-03-11T00:00:00Z', NULL),\n"
	" (204, 1, 'cached', '2026-01-06T00:00:00Z', '2026-03-26T00:00:00Z'),\n"
	" (204, 1, 'cached', '2026-03-27T00:00:00Z', NULL);\n"
	"INSERT INTO outage_drills (id, name, started_at, ended_at) VALUES\n"
	" (1, 'd1', '2026-02-25T10:00:00Z', '2026-02-25T11:00:00Z'),\n" /* W09, no cohort yet */
	" (2, 'd2', '2026-03-05T10:00:00Z', '2026-03-05T11:00:00Z'),\n" /* W10, 91.30 % */
	" (3, 'd3', '2026-03-12T10:00:00Z', '2026-03-12T11:00:00Z'),\n" /* W11, 95.65 % */
	" (4, 'd4', '2026-03-16T10:00:00Z', '2026-03-16T11:00:00Z'),\n" /* W12, 95.65 % */
	" (5, 'd5', '2026-03-22T10:00:00Z', '2026-03-22T11:00:00Z'),\n" /* W12, 100 % */
	" (6, 'd6', '2026-03-23T00:00:00Z', '2026-03-23T01:00:00Z'),\n" /* W13 (Monday 00:00), 100 % */
	" (7, 'd7', '2026-03-26T10:00:00Z', '2026-03-26T11:00:00Z'),\n" /* W13, 91.30 % */
	" (8, 'd8', '2026-04-07T10:00:00Z', '2026-04-07T11:00:00Z'),\n" /* W15, 95.65 % */
	" (9, 'd9', '2026-02-22T23:59:59Z', '2026-02-23T01:00:00Z');\n" /* W08, outside the window */
	"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id) VALUES\n"
	/* d1: 2 succeeded */
	" (1, 101, 'export', 'legacy', 'succeeded', '2026-02-25T10:01:00Z', '2026-02-25T10:02:00Z', '2026-02-25T10:03:00Z', 1),\n"
	" (2, 102, 'export', 'legacy', 'succeeded', '2026-02-25T10:01:00Z', '2026-02-25T10:02:00Z', '2026-02-25T10:03:00Z', 1),\n"
	/* d2: 3 succeeded, 1 failed */
	" (3, 101, 'export', 'legacy', 'succeeded', '2026-03-05T10:01:00Z', '2026-03-05T10:02:00Z', '2026-03-05T10:03:00Z', 2),\n"
	" (4, 102, 'export', 'legacy', 'succeeded', '2026-03-05T10:01:00Z', '2026-03-05T10:02:00Z', '2026-03-05T10:03:00Z', 2),\n"
	" (5, 103, 'export', 'legacy', 'succeeded', '2026-03-05T10:01:00Z', '2026-03-05T10:02:00Z', '2026-03-05T10:03:00Z', 2),\n"
	" (6, 104, 'export', 'legacy', 'failed',    '2026-03-05T10:01:00Z', '2026-03-05T10:02:00Z', '2026-03-05T10:03:00Z', 2),\n"
	/* d3: 3 succeeded, 1 failed that finished in W13 (counts: whenever it finished);
	 * ignored: running, queued, cancelled, an owned export, a legacy preview, and a
	 * failed legacy export that is not a drill job */
	" (7, 101, 'export', 'legacy', 'succeeded', '2026-03-12T10:01:00Z', '2026-03-12T10:02:00Z', '2026-03-12T10:03:00Z', 3),\n"
	" (8, 102, 'export', 'legacy', 'succeeded', '2026-03-12T10:01:00Z', '2026-03-12T10:02:00Z', '2026-03-12T10:03:00Z', 3),\n"
	" (9, 103, 'export', 'legacy', 'succeeded', '2026-03-12T10:01:00Z', '2026-03-12T10:02:00Z', '2026-03-12T10:03:00Z', 3),\n"
	" (10, 104, 'export', 'legacy', 'failed',   '2026-03-12T10:01:00Z', '2026-03-24T10:02:00Z', '2026-03-24T10:03:00Z', 3),\n"
	" (11, 105, 'export', 'legacy', 'running',  '2026-03-12T10:01:00Z', '2026-03-12T10:02:00Z', NULL, 3),\n"
	" (12, 106, 'export', 'legacy', 'queued',   '2026-03-12T10:01:00Z', NULL, NULL, 3),\n"
	" (13, 107, 'export', 'legacy', 'cancelled', '2026-03-12T10:01:00Z', NULL, '2026-03-12T10:05:00Z', 3),\n"
	" (14, 108, 'export', 'owned',  'failed',   '2026-03-12T10:01:00Z', '2026-03-12T10:02:00Z', '2026-03-12T10:03:00Z', 3),\n"
	" (15, 109, 'preview', 'legacy', 'failed',  '2026-03-12T10:01:00Z', '2026-03-12T10:02:00Z', '2026-03-12T10:03:00Z', 3),\n"
	" (16, 110, 'export', 'legacy', 'failed',   '2026-03-12T10:01:00Z', '2026-03-12T10:02:00Z', '2026-03-12T10:03:00Z', NULL),\n"
	/* d4, d5: 2 succeeded each */
	" (17, 101, 'export', 'legacy', 'succeeded', '2026-03-16T10:01:00Z', '2026-03-16T10:02:00Z', '2026-03-16T10:03:00Z', 4),\n"
	" (18, 102, 'export', 'legacy', 'succeeded', '2026-03-16T10:01:00Z', '2026-03-16T10:02:00Z', '2026-03-16T10:03:00Z', 4),\n"
	" (19, 101, 'export', 'legacy', 'succeeded', '2026-03-22T10:01:00Z', '2026-03-22T10:02:00Z', '2026-03-22T10:03:00Z', 5),\n"
	" (20, 102, 'export', 'legacy', 'succeeded', '2026-03-22T10:01:00Z', '2026-03-22T10:02:00Z', '2026-03-22T10:03:00Z', 5),\n"
	/* d6: 1 succeeded; d7: 1 failed */
	" (21, 101, 'export', 'legacy', 'succeeded', '2026-03-23T00:01:00Z', '2026-03-23T00:02:00Z', '2026-03-23T00:03:00Z', 6),\n"
	" (22, 101, 'export', 'legacy', 'failed',    '2026-03-26T10:01:00Z', '2026-03-26T10:02:00Z', '2026-03-26T10:03:00Z', 7),\n"
	/* d8: nothing finished */
	" (23, 101, 'export', 'legacy', 'queued',    '2026-04-07T10:01:00Z', NULL, NULL, 8),\n"
	" (24, 102, 'export', 'legacy', 'running',   '2026-04-07T10:01:00Z', '2026-04-07T10:02:00Z', NULL, 8),\n"
	/* d9 (outside the window): 1 failed */
	" (25, 101, 'export', 'legacy', 'failed',    '2026-02-23T00:01:00Z', '2026-02-23T00:02:00Z', '2026-02-23T00:03:00Z', 9);\n";

/*
 * W09: d1, no cohort at its start -> 2/2 = 100 %, not_applicable
 * W10: d2 at 91.30 % < 95       -> 3/4 = 75 %, not_applicable (would be breach)
 * W11: d3 at 95.65 % (met)      -> 3/4 = 75 %, breach
 * W12: d4 95.65 %, d5 100 % (both met) -> (2+2)/(2+2) = 100 %, ok
 * W13: d6 100 % (met), d7 91.30 % (not met) -> 1/2 = 50 %, not_applicable
 * W14: no drill                 -> null, 0/0, no_data
 * W15: d8 at 95.65 % (met), no finished job -> null, 0/0, no_data
 */
static const it_row drill_exp[] = {
	{ 0, "", 100, 2, 2, "not_applicable" },
	{ 1, "", 75, 3, 4, "not_applicable" },
	{ 2, "", 75, 3, 4, "breach" },
	{ 3, "", 100, 4, 4, "ok" },
	{ 4, "", 50, 1, 2, "not_applicable" },
	{ 5, "", NULLV, 0, 0, "no_data" },
	{ 6, "", NULLV, 0, 0, "no_data" },
};

static void test_outage_drill_success_pct(void **state)
{
	(void)state;
	it_db *db = it_db_create("outage_drill_success_pct");
	it_db_exec(db, drills_sql);
	it_check_kpi(db, "outage_drill_success_pct", "2026-W15", 7, DONE, NULL, drill_exp, N(drill_exp));

	/* The coverage behind it, as of each week end (T09 = 03-02: no cohort;
	 * T10 = 03-09: 21/23; T11 = 03-16: 22/23 (warn: < 96); T12 = 03-23: 23/23;
	 * T13 = 03-30, T14 = 04-06, T15 = 04-13: 22/23). */
	static const it_row cov[] = {
		{ 0, "", NULLV, 0, 0, "no_data" },
		{ 1, "", 100.0 * 21 / 23, 21, 23, "breach" },
		{ 2, "", 100.0 * 22 / 23, 22, 23, "warn" },
		{ 3, "", 100, 23, 23, "ok" },
		{ 4, "", 100.0 * 22 / 23, 22, 23, "warn" },
		{ 5, "", 100.0 * 22 / 23, 22, 23, "warn" },
		{ 6, "", 100.0 * 22 / 23, 22, 23, "warn" },
	};
	it_check_kpi(db, "legacy_coverage_pct", "2026-W15", 7, DONE, NULL, cov, N(cov));

	/* Verdicts with this KPI alone: only the breach of W11 counts; no_data
	 * (ignore policy) and not_applicable do not block. */
	{
		kpi_window w;
		kpi_result *res;
		kpi_verdict *v = NULL;
		kpi_error err = KPI_ERROR_INIT;
		static const kpi_verdict_kind want[] = { KPI_VERDICT_GO, KPI_VERDICT_GO, KPI_VERDICT_NOGO,
			                                 KPI_VERDICT_GO, KPI_VERDICT_GO, KPI_VERDICT_GO,
			                                 KPI_VERDICT_GO };
		it_window(&w, "2026-W15", 7, "UTC", DONE);
		res = it_collect(db, "outage_drill_success_pct", &w);
		if (kpi_eval_verdicts(&v, res, &err))
			fail_msg("kpi_eval_verdicts: %s", err.message);
		for (int i = 0; i < 7; i++)
			if (v[i].verdict != want[i])
				fail_msg("week %d: verdict %s, expected %s", i, kpi_verdict_name(v[i].verdict),
				         kpi_verdict_name(want[i]));
		assert_int_equal(v[2].nreasons, 1);
		assert_string_equal(v[2].reasons[0].kpi, "outage_drill_success_pct");
		assert_true(v[2].reasons[0].has_value && v[2].reasons[0].value == 75);
		kpi_verdicts_free(v, 7);
		kpi_result_free(res);
	}
	it_db_drop(db);
}

/* The coverage target comes from legacy_coverage_pct's threshold, so a config
 * override moves it: at >= 96, 95.65 % no longer meets it and W11 (d3) and W12
 * (d4) become not_applicable. With no drill W14 stays no_data. (W15 is left
 * out: a drill below target with no finished job is both "not_applicable" and
 * "null, no_data" by docs/kpis.md's wording.) */
static void test_outage_drill_coverage_target_override(void **state)
{
	(void)state;
	it_db *db = it_db_create("outage_drill_target");
	kpi_error err = KPI_ERROR_INIT;
	char *cfg;

	it_db_exec(db, drills_sql);
	cfg = it_write_tmp("target96.json",
	                   "{\"kpis\": {\"legacy_coverage_pct\": {\"threshold\": {\"op\": \">=\", \"target\": 96}}}}\n");
	kpi_config_free(db->cfg);
	if (kpi_config_load(&db->cfg, cfg, &err))
		fail_msg("config: %s", err.message);
	free(db->cfg->conninfo);
	db->cfg->conninfo = strdup(db->conninfo);
	kpi_catalog_free(db->cat);
	if (kpi_catalog_load(&db->cat, db->cfg->catalog_path, &err) || kpi_config_apply(db->cfg, db->cat, &err))
		fail_msg("catalogue: %s", err.message);

	static const it_row exp[] = {
		{ 0, "", 100, 2, 2, "not_applicable" },
		{ 1, "", 75, 3, 4, "not_applicable" },
		{ 2, "", 75, 3, 4, "not_applicable" },
		{ 3, "", 100, 4, 4, "not_applicable" },
		{ 4, "", 50, 1, 2, "not_applicable" },
		{ 5, "", NULLV, 0, 0, "no_data" },
	};
	it_check_kpi(db, "outage_drill_success_pct", "2026-W14", 6, DONE, cfg, exp, N(exp));
	free(cfg);
	it_tmp_cleanup();
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outage_drill_success_pct),
		cmocka_unit_test(test_outage_drill_coverage_target_override),
	};
	if (!it_pg_wanted("integration_drills"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_drills", tests, NULL, NULL);
}
