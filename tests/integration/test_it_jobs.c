/*
 * Integration: the job KPIs (adoption_split, export_success_rate,
 * job_latency_seconds, queue_backlog, queue_oldest_age_seconds) against the
 * throwaway PostgreSQL, each on a hand-built dataset in a database of its
 * own, checked through kpi_collect and through `kpi query --format json`.
 *
 * Calendar used throughout (UTC, ISO weeks of 2026):
 *   W09 = [02-23, 03-02)   W10 = [03-02, 03-09)   W11 = [03-09, 03-16)
 *   W12 = [03-16, 03-23)   W13 = [03-23, 03-30)
 * The window is W10..W12 (--week 2026-W12 --weeks 3): week index 0, 1, 2.
 * As-of instants of the state KPIs: T10 = 03-09 00:00, T11 = 03-16 00:00,
 * T12 = 03-23 00:00.
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
#define DONE "2026-05-01T00:00:00Z" /* "now" well after the window: complete weeks */

static const char *const base_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at)\n"
	"VALUES (1, 't1', 's1', 'u1', 'prod', 'owned', '2026-01-05T00:00:00Z');\n"
	"INSERT INTO outage_drills (id, name, started_at, ended_at)\n"
	"VALUES (1, 'drill', '2026-03-04T10:00:00Z', '2026-03-04T11:00:00Z');\n";

/* ------------------------------------------------------------------------ */
/* adoption_split: % of export jobs enqueued in W on each path.             */

static void test_adoption_split(void **state)
{
	(void)state;
	it_db *db = it_db_create("adoption_split");
	it_db_exec(db, base_sql);
	it_db_exec(db,
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id) VALUES\n"
		/* W10: legacy 3 (one at exactly the window's first instant, one a drill job:
		 * drills are real traffic), owned 1 (the last microsecond of W10) */
		" (1, 1, 'export', 'legacy', 'succeeded', '2026-03-02T00:00:00Z', '2026-03-02T00:01:00Z', '2026-03-02T00:02:00Z', NULL),\n"
		" (2, 1, 'export', 'legacy', 'failed',    '2026-03-04T10:01:00Z', '2026-03-04T10:02:00Z', '2026-03-04T10:03:00Z', 1),\n"
		" (3, 1, 'export', 'legacy', 'queued',    '2026-03-05T12:00:00Z', NULL, NULL, NULL),\n"
		" (4, 1, 'export', 'owned',  'succeeded', '2026-03-08T23:59:59.999999Z', '2026-03-09T00:00:00Z', '2026-03-09T00:01:00Z', NULL),\n"
		/* not counted: a preview job (W10), an export job 1 s before the window (W09) */
		" (5, 1, 'preview', 'legacy', 'succeeded', '2026-03-05T12:00:00Z', '2026-03-05T12:01:00Z', '2026-03-05T12:02:00Z', NULL),\n"
		" (6, 1, 'export', 'legacy', 'succeeded', '2026-03-01T23:59:59Z', '2026-03-02T00:01:00Z', '2026-03-02T00:02:00Z', NULL),\n"
		/* W11: only a preview job: no export job at all */
		" (7, 1, 'preview', 'owned', 'succeeded', '2026-03-10T12:00:00Z', '2026-03-10T12:01:00Z', '2026-03-10T12:02:00Z', NULL),\n"
		/* W12: owned 2 (one at exactly Monday 00:00, which belongs to W12; any
		 * status counts, cancelled too), legacy none; one job at exactly the
		 * window's end (W13) is not counted */
		" (8, 1, 'export', 'owned',  'succeeded', '2026-03-16T00:00:00Z', '2026-03-16T00:01:00Z', '2026-03-16T00:02:00Z', NULL),\n"
		" (9, 1, 'export', 'owned',  'cancelled', '2026-03-20T12:00:00Z', NULL, '2026-03-20T13:00:00Z', NULL),\n"
		" (10, 1, 'export', 'legacy', 'queued',   '2026-03-23T00:00:00Z', NULL, NULL, NULL);\n");

	/* W10: legacy 3/4 = 75 %, owned 1/4 = 25 %.
	 * W11: 0 export jobs: both 0/0 -> null, no_data.
	 * W12: legacy 0/2 = 0 % (a value: informational KPI -> ok), owned 2/2 = 100 %. */
	static const it_row exp[] = {
		{ 0, "path=legacy", 75, 3, 4, "ok" },
		{ 0, "path=owned", 25, 1, 4, "ok" },
		{ 1, "path=legacy", NULLV, 0, 0, "no_data" },
		{ 1, "path=owned", NULLV, 0, 0, "no_data" },
		{ 2, "path=legacy", 0, 0, 2, "ok" },
		{ 2, "path=owned", 100, 2, 2, "ok" },
	};
	it_check_kpi(db, "adoption_split", "2026-W12", 3, DONE, NULL, exp, N(exp));
	it_db_drop(db);
}

/* ------------------------------------------------------------------------ */
/* export_success_rate: succeeded / (succeeded + failed) x 100 over non-drill */
/* export jobs with finished_at in W. Threshold >= 99, warn margin 0.5.     */

static void test_export_success_rate(void **state)
{
	(void)state;
	it_db *db = it_db_create("export_success_rate");
	it_db_exec(db, base_sql);
	it_db_exec(db,
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id) VALUES\n"
		/* W10 legacy: 3 succeeded (one in W10's last microsecond) + 1 failed */
		" (1, 1, 'export', 'legacy', 'succeeded', '2026-03-03T11:00:00Z', '2026-03-03T11:01:00Z', '2026-03-03T12:00:00Z', NULL),\n"
		" (2, 1, 'export', 'legacy', 'succeeded', '2026-03-04T11:00:00Z', '2026-03-04T11:01:00Z', '2026-03-04T12:00:00Z', NULL),\n"
		" (3, 1, 'export', 'legacy', 'succeeded', '2026-03-08T23:00:00Z', '2026-03-08T23:01:00Z', '2026-03-08T23:59:59.999999Z', NULL),\n"
		" (4, 1, 'export', 'legacy', 'failed',    '2026-03-05T11:00:00Z', '2026-03-05T11:01:00Z', '2026-03-05T12:00:00Z', NULL),\n"
		/* excluded: a failed drill job, a cancelled job, a failed preview, a
		 * failed export that finished 1 s before the window */
		" (5, 1, 'export', 'legacy', 'failed',    '2026-03-04T10:01:00Z', '2026-03-04T10:02:00Z', '2026-03-04T10:30:00Z', 1),\n"
		" (6, 1, 'export', 'legacy', 'cancelled', '2026-03-05T11:00:00Z', NULL, '2026-03-05T12:00:00Z', NULL),\n"
		" (7, 1, 'preview', 'legacy', 'failed',   '2026-03-05T11:00:00Z', '2026-03-05T11:01:00Z', '2026-03-05T12:00:00Z', NULL),\n"
		" (8, 1, 'export', 'legacy', 'failed',    '2026-03-01T23:00:00Z', '2026-03-01T23:01:00Z', '2026-03-01T23:59:59Z', NULL),\n"
		/* W10 owned: 1 failed (+ 199 succeeded below) */
		" (9, 1, 'export', 'owned',  'failed',    '2026-03-06T11:00:00Z', '2026-03-06T11:01:00Z', '2026-03-06T12:00:00Z', NULL),\n"
		/* W11 legacy: enqueued in W10, finished at exactly Monday 00:00 of W11 */
		" (10, 1, 'export', 'legacy', 'succeeded', '2026-03-08T23:00:00Z', '2026-03-08T23:30:00Z', '2026-03-09T00:00:00Z', NULL),\n"
		/* W11 owned: nothing finished (running, queued) */
		" (11, 1, 'export', 'owned',  'running',   '2026-03-10T11:00:00Z', '2026-03-10T11:01:00Z', NULL, NULL),\n"
		" (12, 1, 'export', 'owned',  'queued',    '2026-03-10T11:00:00Z', NULL, NULL, NULL),\n"
		/* W12 owned: only a failed drill job (excluded); W13: a failed legacy job */
		" (13, 1, 'export', 'owned',  'failed',    '2026-03-17T11:00:00Z', '2026-03-17T11:01:00Z', '2026-03-17T12:00:00Z', 1),\n"
		" (14, 1, 'export', 'legacy', 'failed',    '2026-03-22T23:00:00Z', '2026-03-22T23:01:00Z', '2026-03-23T00:00:00Z', NULL);\n"
		/* W10 owned: 199 succeeded */
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at)\n"
		"SELECT g, 1, 'export', 'owned', 'succeeded', '2026-03-06T11:00:00Z', '2026-03-06T11:01:00Z', '2026-03-06T12:00:00Z'\n"
		"FROM generate_series(1000, 1198) g;\n"
		/* W12 legacy: 397 succeeded + 3 failed */
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at)\n"
		"SELECT g, 1, 'export', 'legacy', CASE WHEN g < 2397 THEN 'succeeded' ELSE 'failed' END,\n"
		"       '2026-03-18T11:00:00Z', '2026-03-18T11:01:00Z', '2026-03-18T12:00:00Z'\n"
		"FROM generate_series(2000, 2399) g;\n");

	/* W10 legacy: 3/4 = 75 %     -> breach (< 99)
	 * W10 owned: 199/200 = 99.5 % -> ok (>= 99 and not within 0.5 of it: 99.5 is not < 99.5)
	 * W11 legacy: 1/1 = 100 %    -> ok
	 * W11 owned: 0/0             -> null, no_data
	 * W12 legacy: 397/400 = 99.25 % -> warn (99 <= v < 99.5)
	 * W12 owned: 0/0 (the drill job does not count) -> null, no_data */
	static const it_row exp[] = {
		{ 0, "path=legacy", 75, 3, 4, "breach" },
		{ 0, "path=owned", 99.5, 199, 200, "ok" },
		{ 1, "path=legacy", 100, 1, 1, "ok" },
		{ 1, "path=owned", NULLV, 0, 0, "no_data" },
		{ 2, "path=legacy", 99.25, 397, 400, "warn" },
		{ 2, "path=owned", NULLV, 0, 0, "no_data" },
	};
	it_check_kpi(db, "export_success_rate", "2026-W12", 3, DONE, NULL, exp, N(exp));
	it_db_drop(db);
}

/* ------------------------------------------------------------------------ */
/* job_latency_seconds: percentile_cont of finished_at - enqueued_at over   */
/* non-drill succeeded jobs with finished_at in W, by kind, path, stat.     */
/* percentile_cont(p) over n sorted values x[0..n-1]: position h = p (n-1), */
/* value x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).          */

static void test_job_latency_seconds(void **state)
{
	(void)state;
	it_db *db = it_db_create("job_latency_seconds");
	it_db_exec(db, base_sql);
	it_db_exec(db,
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id) VALUES\n"
		/* W10 export/legacy: 3600 s (finished at exactly W10's Monday 00:00), 10, 20, 30, 40 s */
		" (1, 1, 'export', 'legacy', 'succeeded', '2026-03-01T23:00:00Z', '2026-03-01T23:00:01Z', '2026-03-02T00:00:00Z', NULL),\n"
		" (2, 1, 'export', 'legacy', 'succeeded', '2026-03-03T10:00:00Z', NULL, '2026-03-03T10:00:10Z', NULL),\n"
		" (3, 1, 'export', 'legacy', 'succeeded', '2026-03-03T11:00:00Z', NULL, '2026-03-03T11:00:20Z', NULL),\n"
		" (4, 1, 'export', 'legacy', 'succeeded', '2026-03-04T11:00:00Z', NULL, '2026-03-04T11:00:30Z', NULL),\n"
		" (5, 1, 'export', 'legacy', 'succeeded', '2026-03-05T11:00:00Z', NULL, '2026-03-05T11:00:40Z', NULL),\n"
		/* excluded from W10: failed (1000 s), drill job (5000 s), still running */
		" (6, 1, 'export', 'legacy', 'failed',    '2026-03-05T12:00:00Z', NULL, '2026-03-05T12:16:40Z', NULL),\n"
		" (7, 1, 'export', 'legacy', 'succeeded', '2026-03-04T10:00:00Z', NULL, '2026-03-04T11:23:20Z', 1),\n"
		" (8, 1, 'export', 'legacy', 'running',   '2026-03-05T12:00:00Z', '2026-03-05T12:00:01Z', NULL, NULL),\n"
		/* W10 preview/owned: 5 s */
		" (9, 1, 'preview', 'owned', 'succeeded', '2026-03-04T09:00:00Z', NULL, '2026-03-04T09:00:05Z', NULL),\n"
		/* W11 export/legacy: 60 s, finished at exactly W11's Monday 00:00 */
		" (10, 1, 'export', 'legacy', 'succeeded', '2026-03-08T23:59:00Z', NULL, '2026-03-09T00:00:00Z', NULL),\n"
		/* W11 export/owned: 0.5 s and 2.5 s */
		" (11, 1, 'export', 'owned', 'succeeded', '2026-03-10T12:00:00Z', NULL, '2026-03-10T12:00:00.5Z', NULL),\n"
		" (12, 1, 'export', 'owned', 'succeeded', '2026-03-11T12:00:00Z', NULL, '2026-03-11T12:00:02.5Z', NULL),\n"
		/* W11 preview/legacy: 4, 1, 2 s (inserted unsorted) */
		" (13, 1, 'preview', 'legacy', 'succeeded', '2026-03-12T12:00:00Z', NULL, '2026-03-12T12:00:04Z', NULL),\n"
		" (14, 1, 'preview', 'legacy', 'succeeded', '2026-03-12T13:00:00Z', NULL, '2026-03-12T13:00:01Z', NULL),\n"
		" (15, 1, 'preview', 'legacy', 'succeeded', '2026-03-12T14:00:00Z', NULL, '2026-03-12T14:00:02Z', NULL),\n"
		/* W12: nothing succeeded (a cancelled and a failed job); W13: a succeeded one */
		" (16, 1, 'export', 'owned', 'cancelled', '2026-03-17T12:00:00Z', NULL, '2026-03-17T12:00:09Z', NULL),\n"
		" (17, 1, 'preview', 'owned', 'failed',   '2026-03-17T12:00:00Z', NULL, '2026-03-17T12:00:09Z', NULL),\n"
		" (18, 1, 'preview', 'owned', 'succeeded', '2026-03-22T23:59:00Z', NULL, '2026-03-23T00:00:00Z', NULL);\n");

	/* W10 export/legacy, sorted 10, 20, 30, 40, 3600 (n = 5):
	 *   p50: h = 2    -> 30
	 *   p95: h = 3.8  -> 40 + 0.8 x 3560  = 2888
	 *   p99: h = 3.96 -> 40 + 0.96 x 3560 = 3457.6
	 * W10 preview/owned: 5 (one value: every percentile is it)
	 * W11 export/legacy: 60
	 * W11 export/owned, 0.5, 2.5: p50 1.5, p95 0.5 + 0.95 x 2 = 2.4, p99 0.5 + 0.99 x 2 = 2.48
	 * W11 preview/legacy, sorted 1, 2, 4 (n = 3):
	 *   p50: h = 1 -> 2;  p95: h = 1.9 -> 2 + 0.9 x 2 = 3.8;  p99: h = 1.98 -> 2 + 0.98 x 2 = 3.96
	 * Every other (week, kind, path): no job -> null, no_data. No numerator/denominator. */
	static const it_row exp[] = {
		{ 0, "kind=preview,path=legacy,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=preview,path=legacy,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=preview,path=legacy,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=preview,path=owned,stat=p50", 5, NULLV, NULLV, "ok" },
		{ 0, "kind=preview,path=owned,stat=p95", 5, NULLV, NULLV, "ok" },
		{ 0, "kind=preview,path=owned,stat=p99", 5, NULLV, NULLV, "ok" },
		{ 0, "kind=export,path=legacy,stat=p50", 30, NULLV, NULLV, "ok" },
		{ 0, "kind=export,path=legacy,stat=p95", 2888, NULLV, NULLV, "ok" },
		{ 0, "kind=export,path=legacy,stat=p99", 3457.6, NULLV, NULLV, "ok" },
		{ 0, "kind=export,path=owned,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=export,path=owned,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=export,path=owned,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 1, "kind=preview,path=legacy,stat=p50", 2, NULLV, NULLV, "ok" },
		{ 1, "kind=preview,path=legacy,stat=p95", 3.8, NULLV, NULLV, "ok" },
		{ 1, "kind=preview,path=legacy,stat=p99", 3.96, NULLV, NULLV, "ok" },
		{ 1, "kind=preview,path=owned,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 1, "kind=preview,path=owned,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 1, "kind=preview,path=owned,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 1, "kind=export,path=legacy,stat=p50", 60, NULLV, NULLV, "ok" },
		{ 1, "kind=export,path=legacy,stat=p95", 60, NULLV, NULLV, "ok" },
		{ 1, "kind=export,path=legacy,stat=p99", 60, NULLV, NULLV, "ok" },
		{ 1, "kind=export,path=owned,stat=p50", 1.5, NULLV, NULLV, "ok" },
		{ 1, "kind=export,path=owned,stat=p95", 2.4, NULLV, NULLV, "ok" },
		{ 1, "kind=export,path=owned,stat=p99", 2.48, NULLV, NULLV, "ok" },
		{ 2, "kind=preview,path=legacy,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=preview,path=legacy,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=preview,path=legacy,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=preview,path=owned,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=preview,path=owned,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=preview,path=owned,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=export,path=legacy,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=export,path=legacy,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=export,path=legacy,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=export,path=owned,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=export,path=owned,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 2, "kind=export,path=owned,stat=p99", NULLV, NULLV, NULLV, "no_data" },
	};
	it_check_kpi(db, "job_latency_seconds", "2026-W12", 3, DONE, NULL, exp, N(exp));
	it_db_drop(db);
}

/* job_latency_seconds with latencies of a day and more: the query takes   */
/* the seconds of a latency under a day from date_part's float8 and of one  */
/* of a day or more (an interval with a days part) from extract's numeric   */
/* (queries/job_latency_seconds.sql); both branches, and the boundary.      */

static void test_job_latency_seconds_days(void **state)
{
	(void)state;
	it_db *db = it_db_create("job_latency_seconds_days");
	it_db_exec(db, base_sql);
	it_db_exec(db,
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id) VALUES\n"
		/* W10 export/owned: 0.25 s, 1 day 0.5 s, 3 days 2 h (inserted unsorted) */
		" (1, 1, 'export', 'owned', 'succeeded', '2026-03-01T00:00:00Z', NULL, '2026-03-04T02:00:00Z', NULL),\n"
		" (2, 1, 'export', 'owned', 'succeeded', '2026-03-03T10:00:00Z', NULL, '2026-03-03T10:00:00.25Z', NULL),\n"
		" (3, 1, 'export', 'owned', 'succeeded', '2026-03-04T10:00:00Z', NULL, '2026-03-05T10:00:00.5Z', NULL),\n"
		/* W10 preview/legacy: exactly one day, and one microsecond less */
		" (4, 1, 'preview', 'legacy', 'succeeded', '2026-03-03T12:00:00Z', NULL, '2026-03-04T12:00:00Z', NULL),\n"
		" (5, 1, 'preview', 'legacy', 'succeeded', '2026-03-03T12:00:00.000001Z', NULL, '2026-03-04T12:00:00Z', NULL);\n");

	/* W10 export/owned, sorted 0.25, 86400.5, 266400 (n = 3):
	 *   p50: h = 1    -> 86400.5
	 *   p95: h = 1.9  -> 86400.5 + 0.9 x 179999.5  = 248400.05
	 *   p99: h = 1.98 -> 86400.5 + 0.98 x 179999.5 = 262800.01
	 * W10 preview/legacy, sorted 86399.999999, 86400 (n = 2):
	 *   p50: h = 0.5  -> 86399.9999995
	 *   p95: h = 0.95 -> 86399.99999995
	 *   p99: h = 0.99 -> 86399.99999999 */
	static const it_row exp[] = {
		{ 0, "kind=preview,path=legacy,stat=p50", 86399.9999995, NULLV, NULLV, "ok" },
		{ 0, "kind=preview,path=legacy,stat=p95", 86399.99999995, NULLV, NULLV, "ok" },
		{ 0, "kind=preview,path=legacy,stat=p99", 86399.99999999, NULLV, NULLV, "ok" },
		{ 0, "kind=preview,path=owned,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=preview,path=owned,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=preview,path=owned,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=export,path=legacy,stat=p50", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=export,path=legacy,stat=p95", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=export,path=legacy,stat=p99", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "kind=export,path=owned,stat=p50", 86400.5, NULLV, NULLV, "ok" },
		{ 0, "kind=export,path=owned,stat=p95", 248400.05, NULLV, NULLV, "ok" },
		{ 0, "kind=export,path=owned,stat=p99", 262800.01, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "job_latency_seconds", "2026-W10", 1, DONE, NULL, exp, N(exp));
	it_db_drop(db);
}

/* job_latency_seconds against percentile_cont itself, bit for bit. The     */
/* query reads the values at the wanted ranks only, from brackets around a  */
/* sample (jobs finished in a 49.04 s slice every 2452 s of the period),    */
/* and falls back to percentile_cont when a rank is outside them. Cases:    */
/* W10 export/legacy: 30000 jobs, 1000 distinct latencies (ties), and 6000  */
/* slow ones finished between two sample slices (Monday 06:50-07:25; slices */
/* at 06:48:40 and 07:29:32): the sample misses them, the median is outside */
/* its bracket and the group falls back; W10 preview/owned: 1 job;          */
/* preview/legacy: 2 equal ones; export/owned: 101 jobs, 10 latencies,      */
/* p (n - 1) whole for every p; W11 preview/legacy: 20000 jobs, 19800 of    */
/* them at exactly 2.5 s (ties across every bracket bound); W11             */
/* preview/owned: 5000 distinct irregular latencies (interpolated between   */
/* different neighbours); W11 export/owned: around a day (both seconds      */
/* paths) and negative latencies; the other (week, kind, path): none        */
/* (null); W12: no job at all.                                              */

static const char *const lat_kinds[] = { "preview", "export" };
static const char *const lat_paths[] = { "legacy", "owned" };
static const char *const lat_stats[] = { "p50", "p95", "p99" };

/* percentile_cont(p50, p95, p99) of one week and (kind, path) as the test
 * database computes it; false when it is null (no job). */
static bool lat_reference(it_db *db, const char *from, const char *to, const char *kind, const char *path,
                          double out[3])
{
	const char *params[4] = { kind, path, from, to };
	PGresult *r = PQexecParams(db->conn,
		"SELECT x[1]::text, x[2]::text, x[3]::text\n"
		"FROM (SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[]) WITHIN GROUP (ORDER BY\n"
		"                 CASE WHEN d >= interval '0' AND d < interval '1 day' THEN date_part('epoch', d)\n"
		"                      ELSE extract(epoch FROM d)::float8 END) AS x\n"
		"      FROM (SELECT finished_at - enqueued_at AS d FROM jobs\n"
		"            WHERE status = 'succeeded' AND drill_id IS NULL AND kind = $1 AND path = $2\n"
		"              AND finished_at >= $3::timestamptz AND finished_at < $4::timestamptz) j) a",
		4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fail_msg("reference percentile_cont: %s", PQresultErrorMessage(r));
	}
	bool has = !PQgetisnull(r, 0, 0);
	for (int i = 0; i < 3 && has; i++)
		out[i] = strtod(PQgetvalue(r, 0, i), NULL);
	PQclear(r);
	return has;
}

static void test_job_latency_seconds_exact(void **state)
{
	(void)state;
	it_db *db = it_db_create("job_latency_seconds_exact");
	it_db_exec(db, base_sql);
	it_db_exec(db,
		"SET extra_float_digits = 3;\n"
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, finished_at)\n"
		/* W10 export/legacy: one every 20 s from Monday 00:00:07, 10.000 .. 10.999 s */
		"SELECT g, 1, 'export', 'legacy', 'succeeded',\n"
		"       f - (10 + (g * 7919 % 1000) / 1000.0) * interval '1 second', f\n"
		"FROM generate_series(1, 30000) g,\n"
		"     LATERAL (SELECT timestamptz '2026-03-02T00:00:07Z' + (g - 1) * interval '20 seconds') t (f)\n"
		/* W10 export/legacy: 6000 slow ones (5000 .. 5049 s) finished 06:50:00 .. 07:25:00 */
		"UNION ALL\n"
		"SELECT 100000 + g, 1, 'export', 'legacy', 'succeeded',\n"
		"       f - (5000 + g % 50) * interval '1 second', f\n"
		"FROM generate_series(1, 6000) g,\n"
		"     LATERAL (SELECT timestamptz '2026-03-02T06:50:00Z' + g * interval '0.35 seconds') t (f)\n"
		/* W10 preview/owned: 1 job; preview/legacy: 2 equal ones */
		"UNION ALL SELECT 200001, 1, 'preview', 'owned', 'succeeded', '2026-03-04T09:00:00Z', '2026-03-04T09:00:03.25Z'\n"
		"UNION ALL SELECT 200002, 1, 'preview', 'legacy', 'succeeded', '2026-03-04T09:00:00Z', '2026-03-04T09:00:07.5Z'\n"
		"UNION ALL SELECT 200003, 1, 'preview', 'legacy', 'succeeded', '2026-03-05T09:00:00Z', '2026-03-05T09:00:07.5Z'\n"
		/* W10 export/owned: 101 jobs, 0.1 .. 1.0 s */
		"UNION ALL\n"
		"SELECT 300000 + g, 1, 'export', 'owned', 'succeeded',\n"
		"       f - (1 + g % 10) * interval '0.1 seconds', f\n"
		"FROM generate_series(0, 100) g,\n"
		"     LATERAL (SELECT timestamptz '2026-03-03T00:00:00Z' + g * interval '1 hour') t (f)\n"
		/* W11 preview/legacy: 20000 jobs, 100 at 1 s, 19800 at 2.5 s, 100 at 4 s */
		"UNION ALL\n"
		"SELECT 400000 + g, 1, 'preview', 'legacy', 'succeeded',\n"
		"       f - CASE WHEN g <= 100 THEN 1 WHEN g > 19900 THEN 4 ELSE 2.5 END * interval '1 second', f\n"
		"FROM generate_series(1, 20000) g,\n"
		"     LATERAL (SELECT timestamptz '2026-03-09T00:00:00Z' + g * interval '30 seconds') t (f)\n"
		/* W11 preview/owned: 5000 irregular latencies, 0.1 .. 13.8 s to the microsecond */
		"UNION ALL\n"
		"SELECT 600000 + g, 1, 'preview', 'owned', 'succeeded',\n"
		"       f - (100000 + g::bigint * 7919 % 100003 * 137) * interval '1 microsecond', f\n"
		"FROM generate_series(1, 5000) g,\n"
		"     LATERAL (SELECT timestamptz '2026-03-09T00:00:00Z' + g * interval '2 minutes') t (f)\n"
		/* W11 export/owned: 86399.5, 86400, 86400.5 s, and -1 s (finished before enqueued) */
		"UNION ALL\n"
		"SELECT 500000 + g, 1, 'export', 'owned', 'succeeded',\n"
		"       f - CASE WHEN g % 7 = 0 THEN -1 ELSE 86399.5 + (g % 3) * 0.5 END * interval '1 second', f\n"
		"FROM generate_series(1, 3000) g,\n"
		"     LATERAL (SELECT timestamptz '2026-03-10T00:00:00Z' + g * interval '2 minutes') t (f);\n"
		/* not counted: failed, a drill job, W13 */
		"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, finished_at, drill_id) VALUES\n"
		" (900001, 1, 'export', 'legacy', 'failed', '2026-03-04T10:00:00Z', '2026-03-04T12:00:00Z', NULL),\n"
		" (900002, 1, 'export', 'legacy', 'succeeded', '2026-03-04T10:00:00Z', '2026-03-04T12:00:00Z', 1),\n"
		" (900003, 1, 'export', 'legacy', 'succeeded', '2026-03-23T10:00:00Z', '2026-03-23T12:00:00Z', NULL);\n"
		"ANALYZE jobs;\n");

	static const char *const weeks[4] = { "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z",
	                                      "2026-03-23T00:00:00Z" };
	it_row exp[3 * 2 * 2 * 3];
	size_t n = 0;
	int nvalues = 0;
	for (int w = 0; w < 3; w++)
		for (int k = 0; k < 2; k++)
			for (int p = 0; p < 2; p++) {
				double v[3];
				bool has = lat_reference(db, weeks[w], weeks[w + 1], lat_kinds[k], lat_paths[p], v);
				for (int s = 0; s < 3; s++) {
					char *labels = malloc(64);
					assert_non_null(labels);
					snprintf(labels, 64, "kind=%s,path=%s,stat=%s", lat_kinds[k], lat_paths[p], lat_stats[s]);
					exp[n++] = (it_row){ w, labels, has ? v[s] : NULLV, NULLV, NULLV, has ? "ok" : "no_data" };
					nvalues += has;
				}
			}
	assert_int_equal(nvalues, 7 * 3); /* the seven groups above with jobs */
	it_check_kpi(db, "job_latency_seconds", "2026-W12", 3, DONE, NULL, exp, n);

	/* it_check_kpi allows 1e-9 relative: here every value must be the same double */
	kpi_window win;
	it_window(&win, "2026-W12", 3, db->cfg->timezone, DONE);
	kpi_result *res = it_collect(db, "job_latency_seconds", &win);
	const kpi_series *s = kpi_result_find(res, "job_latency_seconds");
	assert_non_null(s);
	assert_int_equal(s->nrows, n);
	for (size_t i = 0; i < n; i++) {
		if (isnan(exp[i].value)) {
			assert_false(s->rows[i].has_value);
			continue;
		}
		assert_true(s->rows[i].has_value);
		if (memcmp(&s->rows[i].value, &exp[i].value, sizeof(double)) != 0)
			fail_msg("row %zu (week %d, %s): %.17g, percentile_cont %.17g", i, exp[i].week, exp[i].labels,
			         s->rows[i].value, exp[i].value);
	}
	kpi_result_free(res);
	for (size_t i = 0; i < n; i++)
		free((char *)exp[i].labels);
	it_db_drop(db);
}

/* ------------------------------------------------------------------------ */
/* Queue KPIs, as of T: queued = enqueued_at < T and (started_at null or    */
/* >= T) and (finished_at null or >= T). Drill jobs count.                  */

static const char *const queue_sql =
	"INSERT INTO outage_drills (id, name, started_at, ended_at)\n"
	"VALUES (2, 'drill 2', '2026-03-22T17:00:00Z', '2026-03-22T19:00:00Z');\n"
	"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id) VALUES\n"
	/* A: export, started at exactly T10: still queued as of T10 */
	" (1, 1, 'export', 'legacy', 'succeeded', '2026-03-08T20:00:00Z', '2026-03-09T00:00:00Z', '2026-03-09T00:05:00Z', NULL),\n"
	/* B: export, enqueued at exactly T10 (not before it), never started */
	" (2, 1, 'export', 'owned', 'queued', '2026-03-09T00:00:00Z', NULL, NULL, NULL),\n"
	/* C: preview, started before T11: never queued at a week end */
	" (3, 1, 'preview', 'legacy', 'succeeded', '2026-03-15T12:00:00Z', '2026-03-15T12:01:00Z', '2026-03-15T12:02:00Z', NULL),\n"
	/* D: preview, never started, cancelled (finished) after T11 */
	" (4, 1, 'preview', 'owned', 'cancelled', '2026-03-15T23:00:00Z', NULL, '2026-03-16T01:00:00Z', NULL),\n"
	/* E: export drill job, queued across T12 */
	" (5, 1, 'export', 'legacy', 'queued', '2026-03-22T18:00:00Z', NULL, NULL, 2),\n"
	/* F: export, enqueued at exactly T12, started at 2026-03-25T12:00 */
	" (6, 1, 'export', 'owned', 'running', '2026-03-23T00:00:00Z', '2026-03-25T12:00:00Z', NULL, NULL),\n"
	/* G: preview, long done */
	" (7, 1, 'preview', 'owned', 'succeeded', '2026-02-01T00:00:00Z', '2026-02-01T00:01:00Z', '2026-02-01T00:02:00Z', NULL),\n"
	/* H: preview, enqueued before the window, started in W11 */
	" (8, 1, 'preview', 'legacy', 'succeeded', '2026-03-01T00:00:00Z', '2026-03-12T00:00:00Z', '2026-03-12T00:01:00Z', NULL),\n"
	/* I: preview, enqueued late in W10, started in W11 */
	" (9, 1, 'preview', 'owned', 'succeeded', '2026-03-08T23:00:00Z', '2026-03-10T00:00:00Z', '2026-03-10T00:01:00Z', NULL),\n"
	/* J: export, enqueued in W13 after 12:00 on 03-25 */
	" (10, 1, 'export', 'legacy', 'queued', '2026-03-25T13:00:00Z', NULL, NULL, NULL),\n"
	/* K: export, never started, cancelled at exactly T10: still queued as of T10 */
	" (11, 1, 'export', 'owned', 'cancelled', '2026-03-02T10:00:00Z', NULL, '2026-03-09T00:00:00Z', NULL);\n";

/* Queued as of
 *   T10 = 03-09 00:00: export A (started == T), K (finished == T) -> 2; B (enqueued == T) is not.
 *                      preview H (enqueued 03-01, starts 03-12), I (starts 03-10) -> 2.
 *   T11 = 03-16 00:00: export B -> 1 (A started, K finished before T11).
 *                      preview D (finished 03-16 01:00 >= T11) -> 1; C started before.
 *   T12 = 03-23 00:00: export B, E (drill job) -> 2; F enqueued == T12 is not.
 *                      preview none -> 0.
 * Oldest age (T - enqueued_at):
 *   T10 export: A 4 h = 14400 s, K 6 d 14 h = 158 h = 568800 s -> 568800
 *   T10 preview: H 8 d = 691200 s, I 1 h -> 691200
 *   T11 export: B 7 d = 604800;  preview: D 1 h = 3600
 *   T12 export: B 14 d = 1209600, E 6 h -> 1209600;  preview: none -> 0 */
static void test_queue_backlog(void **state)
{
	(void)state;
	it_db *db = it_db_create("queue_backlog");
	it_db_exec(db, base_sql);
	it_db_exec(db, queue_sql);
	static const it_row exp[] = {
		{ 0, "kind=preview", 2, NULLV, NULLV, "ok" },
		{ 0, "kind=export", 2, NULLV, NULLV, "ok" },
		{ 1, "kind=preview", 1, NULLV, NULLV, "ok" },
		{ 1, "kind=export", 1, NULLV, NULLV, "ok" },
		{ 2, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 2, "kind=export", 2, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "queue_backlog", "2026-W12", 3, DONE, NULL, exp, N(exp));

	/* The current week W13, evaluated at now = 2026-03-25T12:00:00Z (T = now, row
	 * partial), with the complete W12 before it:
	 *   export B (enqueued 03-09), E (03-22 18:00), F (03-23 00:00, starts at
	 *   exactly now: still queued) -> 3; J (enqueued 13:00, after now) is not.
	 *   preview: 0. */
	static const it_row cur[] = {
		{ 0, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 0, "kind=export", 2, NULLV, NULLV, "ok" },
		{ 1, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 1, "kind=export", 3, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "queue_backlog", "2026-W13", 2, "2026-03-25T12:00:00Z", NULL, cur, N(cur));
	it_check_kpi(db, "queue_backlog", "current", 2, "2026-03-25T12:00:00Z", NULL, cur, N(cur));
	it_db_drop(db);
}

static void test_queue_oldest_age_seconds(void **state)
{
	(void)state;
	it_db *db = it_db_create("queue_oldest_age_seconds");
	it_db_exec(db, base_sql);
	it_db_exec(db, queue_sql);
	static const it_row exp[] = {
		{ 0, "kind=preview", 691200, NULLV, NULLV, "ok" },
		{ 0, "kind=export", 568800, NULLV, NULLV, "ok" },
		{ 1, "kind=preview", 3600, NULLV, NULLV, "ok" },
		{ 1, "kind=export", 604800, NULLV, NULLV, "ok" },
		{ 2, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 2, "kind=export", 1209600, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "queue_oldest_age_seconds", "2026-W12", 3, DONE, NULL, exp, N(exp));

	/* Current week at now = 2026-03-25T12:00:00Z: export B 16.5 d = 1425600 s,
	 * E 2 d 18 h = 237600 s, F 2.5 d = 216000 s -> 1425600; preview none -> 0. */
	static const it_row cur[] = {
		{ 0, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 0, "kind=export", 1209600, NULLV, NULLV, "ok" },
		{ 1, "kind=preview", 0, NULLV, NULLV, "ok" },
		{ 1, "kind=export", 1425600, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "queue_oldest_age_seconds", "2026-W13", 2, "2026-03-25T12:00:00Z", NULL, cur, N(cur));
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adoption_split),
		cmocka_unit_test(test_export_success_rate),
		cmocka_unit_test(test_job_latency_seconds),
		cmocka_unit_test(test_job_latency_seconds_days),
		cmocka_unit_test(test_job_latency_seconds_exact),
		cmocka_unit_test(test_queue_backlog),
		cmocka_unit_test(test_queue_oldest_age_seconds),
	};
	if (!it_pg_wanted("integration_jobs"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_jobs", tests, NULL, NULL);
}
