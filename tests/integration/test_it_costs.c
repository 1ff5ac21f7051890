/*
 * Integration: costs attributed, on the demo dataset in the throwaway
 * PostgreSQL. `kpi explain KPI --analyze` runs the query under EXPLAIN
 * (ANALYZE, BUFFERS, FORMAT JSON) in kpi's read-only transaction and prints
 * a line per plan node; kpi alert logs each KPI's query time (alert.evaluated)
 * and `kpi publish --prom-textfile` exports it as kpi_query_seconds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_util.h"
#include "asserts.h"

static it_db *demo_db(const char *name)
{
	it_db *db = it_db_create(name);
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	return db;
}

static void test_costs__explain_analyze_prints_each_plan_node(void **state)
{
	it_db *db = *state = demo_db("costs_explain");
	char dbarg[128];
	const char *argv[] = { "kpi", "explain", "legacy_coverage_pct", "--week", "2026-W46", "--weeks", "4",
		               "--analyze", "--db", dbarg, NULL };
	const char *cw[] = { "kpi", "explain", "api_error_rate_pct", "--analyze", "--db", dbarg, NULL };
	it_run_result r;
	const char *p;
	double plan_ms = -1, exec_ms = -1, hit = -1, rd = -1;
	int nodes = 0;

	snprintf(dbarg, sizeof(dbarg), "%s", db->conninfo);
	it_run(&r, argv, (const char *[]){ "KPI_NOW=2026-11-20T00:00:00Z", NULL }, 120);
	if (r.status != 0)
		fail_msg("kpi explain --analyze exited %d: %s", r.status, r.err);
	/* what explain prints without --analyze comes first, unchanged */
	assert_contains(r.out, "-- query file: ");
	/* the file answers the coverage family: explain names the others */
	assert_contains(r.out, "\n-- shared with: uncached_legacy_max_age_days, outage_drill_success_pct (the same "
	                       "query file: a run reading them for the same window runs it once; with a kpi column "
	                       "each KPI takes the rows that name it)\n");
	assert_contains(r.out, "-- EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) on ");
	assert_contains(r.out, "in kpi's read-only transaction");
	p = strstr(r.out, "   time (ms)         rows   loops   shared hit  shared read  node\n");
	assert_non_null(p);
	/* a node per line, the reads of the cohort's tables among them */
	{
		const char *end = strstr(p, "\n-- planning");
		assert_non_null(end);
		for (const char *c = p + 1; c < end; c++)
			nodes += *c == '\n';
	}
	assert_true(nodes >= 3);
	assert_contains(p, " on design_events");
	assert_contains(p, " on designs");
	p = strstr(r.out, "-- planning ");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "-- planning %lf ms, execution %lf ms; shared blocks hit %lf, read %lf", &plan_ms,
	                        &exec_ms, &hit, &rd),
	                 4);
	assert_true(plan_ms > 0 && exec_ms > 0);
	assert_true(hit + rd > 0); /* it read the tables */
	it_run_free(&r);

	/* a source without a profiler: a usage error naming it */
	it_run(&r, cw, NULL, 60);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "--analyze needs a source with a query profiler");
	it_run_free(&r);
}

/* Each KPI's query time: in kpi alert's JSON log line alert.evaluated
 * (with what it read and held), and in the Prometheus textfile of kpi
 * publish. */
static void test_costs__query_seconds_in_logs_and_textfile(void **state)
{
	it_db *db = *state = demo_db("costs_logs");
	char dbarg[128], prom[256], *text = NULL, *cfg, statedir[64];
	const char *alert[] = { "kpi", "alert", "--dry-run", "--config", NULL, "--state-dir", statedir, "--db", dbarg,
		                NULL };
	const char *publish[] = { "kpi", "publish", "--week", "2026-W46", "--prom-textfile", prom, "--db", dbarg, NULL };
	const char *env[] = { "KPI_NOW=2026-11-20T00:00:00Z", NULL };
	static const char *const ids[] = { "adoption_split", "legacy_coverage_pct", "uncached_legacy_max_age_days",
		                           "routing_mismatch_rate" };
	static const char *const alerting[] = { "export_success_rate", "legacy_coverage_pct",
		                                "uncached_legacy_max_age_days", "outage_drill_success_pct",
		                                "routing_mismatch_critical" };
	it_run_result r;
	FILE *f;
	long len;
	int logged = 0;

	snprintf(dbarg, sizeof(dbarg), "%s", db->conninfo);
	snprintf(statedir, sizeof(statedir), "/tmp/kpi-it-costs-state.XXXXXX");
	assert_non_null(mkdtemp(statedir));
	alert[4] = cfg = it_write_tmp("kpi-costs.json", "{\"alert\": {\"sinks\": {}}}\n");
	it_run(&r, alert, env, 120);
	if (r.status != 0)
		fail_msg("kpi alert --dry-run exited %d: %s", r.status, r.err);
	for (char *line = strtok(r.err, "\n"); line; line = strtok(NULL, "\n")) {
		json_t *o = json_loads(line, 0, NULL), *secs;
		if (o && json_is_string(json_object_get(o, "event")) &&
		    strcmp(json_string_value(json_object_get(o, "event")), "alert.evaluated") == 0) {
			assert_true(json_is_string(json_object_get(o, "run_id")));
			assert_int_equal(json_array_size(json_object_get(o, "read")), 5);
			assert_int_equal(json_array_size(json_object_get(o, "held")), 0);
			secs = json_object_get(o, "query_seconds");
			assert_int_equal(json_object_size(secs), 5);
			for (size_t i = 0; i < sizeof(alerting) / sizeof(alerting[0]); i++)
				assert_true(json_number_value(json_object_get(secs, alerting[i])) > 0);
			logged++;
		}
		json_decref(o);
	}
	assert_int_equal(logged, 1);
	it_run_free(&r);
	rmdir(statedir);
	free(cfg);

	snprintf(prom, sizeof(prom), "/tmp/kpi-it-costs-%d.prom", (int)getpid());
	it_run(&r, publish, env, 120);
	if (r.status != 0)
		fail_msg("kpi publish exited %d: %s", r.status, r.err);
	it_run_free(&r);
	f = fopen(prom, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(prom);
	assert_contains(text, "# TYPE kpi_query_seconds gauge\n");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char want[128];
		const char *p;
		double v = -1;
		snprintf(want, sizeof(want), "\nkpi_query_seconds{kpi=\"%s\"} ", ids[i]);
		p = strstr(text, want);
		if (!p)
			fail_msg("no %s in the textfile:\n%s", want + 1, text);
		assert_int_equal(sscanf(p + strlen(want), "%lf", &v), 1);
		assert_true(v > 0 && v < 120);
	}
	free(text);
	it_tmp_cleanup();
}

static int teardown(void **state)
{
	it_db_drop(*state);
	*state = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_costs__explain_analyze_prints_each_plan_node, teardown),
		cmocka_unit_test_teardown(test_costs__query_seconds_in_logs_and_textfile, teardown),
	};
	if (!it_pg_wanted("integration_costs"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_costs", tests, NULL, NULL);
}
