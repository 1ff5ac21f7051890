/*
 * Integration: the per-KPI cadence of `kpi alert` (alert/alert_cadence.c)
 * against the throwaway PostgreSQL. uncached_legacy_max_age_days is read
 * hourly, export_success_rate on every run; the queries the server ran are
 * counted in its log (the test database is set to log_statement = all, so
 * only this test's sessions are logged; the log is PGHOST/pg.log, where
 * scripts/lib.sh's kpi_pg_start writes it). Between two reads the hourly
 * KPI is not queried, its held value keeps its alert firing and shows its
 * age; once read again it resolves; a value older than its cadence and
 * grace (the database unreachable) is missing data, never a current value.
 *
 * The data (it_alert.c): one legacy design 10 days uncached at minute 0;
 * at minute 20 an artifact covers it (it_alert_fix_breach).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_alert.h"

static const char *const cadence_config =
	"{\"use_cadence\": true, \"delivery_deadline_seconds\": 2, \"lock_wait_seconds\": 30,"
	" \"kpis\": {\"legacy_coverage_pct\": {\"enabled\": false}, \"outage_drill_success_pct\": {\"enabled\": false},"
	" \"routing_mismatch_critical\": {\"enabled\": false},"
	" \"uncached_legacy_max_age_days\": {\"cadence\": \"1h\", \"cadence_grace\": \"15m\"}},"
	" \"sinks\": {" IT_PD_SINK "}}";

/* the coverage family's query file (uncached_legacy_max_age_days is one of them) */
#define COVERAGE "-- legacy_coverage.sql:"
#define SUCCESS "-- export_success_rate:"

static const kpi__alert_rec *rec_of(const kpi__ledger *l, const char *id)
{
	for (size_t i = 0; i < l->nrecs; i++)
		if (strcmp(l->recs[i].id, id) == 0)
			return &l->recs[i];
	fail_msg("no ledger record %s", id);
	return NULL;
}

static void test_alert_cadence__hourly_kpi_held_between_reads_then_stale_is_missing_data(void **state)
{
	it_alert *a = *state = it_alert_new("cadence", true, cadence_config);
	it_run_result r;
	kpi__ledger *l;
	it_srvlog log;
	char sql[200];

	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET log_statement = 'all'", a->db->name);
	it_admin_exec(sql);
	it_srvlog_open(&log);

	/* minute 0: both read; the uncached breach fires */
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d");
	assert_null(strstr(r.out, "KPI HELD"));
	it_run_free(&r);
	assert_int_equal(it_srvlog_count(&log, COVERAGE), 1);
	assert_int_equal(it_srvlog_count(&log, SUCCESS), 1);

	/* minutes 5, 10 and (after the fix at 20) 30: the hourly KPI is held,
	 * not queried; its alert stays firing on the value read at minute 0 */
	it_alert_fix_breach(a);
	for (int m = 5, runs = 2; m <= 30; m += m == 10 ? 20 : 5, runs++) {
		char held[200];
		it_alert_run(a, &r, m, NULL, NULL);
		assert_int_equal(r.status, 2);
		it_assert_line(r.out, "KPI CRITICAL - no change: uncached_legacy_max_age_days 10 d > 7 d (firing); "
		                      "2 rows checked, 1 firing");
		snprintf(held, sizeof(held),
		         "KPI HELD - uncached_legacy_max_age_days: 1 row read %dm ago (cadence 1h, grace 15m)"
		         " | uncached_legacy_max_age_days_age=%ds;3600;4500;0",
		         m, m * 60);
		it_assert_line(r.out, held);
		it_run_free(&r);
		assert_int_equal(it_srvlog_count(&log, COVERAGE), 1);
		assert_int_equal(it_srvlog_count(&log, SUCCESS), runs);
	}
	l = it_alert_ledger(a);
	{
		const kpi__alert_rec *u = rec_of(l, "uncached_legacy_max_age_days");
		assert_int_equal(u->last_seen, it_time(it_at(0)));
		assert_true(u->has_value);
		assert_double_equal(u->value, 10.0);
		assert_int_equal(u->state, KPI_ALERT_FIRING);
	}
	kpi__ledger_free(l);

	/* minute 60: a cadence after the last read, read again: resolved */
	it_alert_run(a, &r, 60, NULL, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - uncached_legacy_max_age_days 0 d <= 7 d (resolved after 1h)");
	assert_null(strstr(r.out, "KPI HELD"));
	it_run_free(&r);
	assert_int_equal(it_srvlog_count(&log, COVERAGE), 2);

	/* the database gone: at minute 125 the hourly KPI is due and not read,
	 * within its grace; at minute 140 its value is 80 minutes old, beyond
	 * cadence + grace: missing data (UNKNOWN), its record no_data */
	snprintf(a->conninfo, sizeof(a->conninfo), "dbname=kpi_it_cadence_no_such_db");
	it_alert_run(a, &r, 125, NULL, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI HELD - uncached_legacy_max_age_days: 1 row read 1h 5m ago (cadence 1h, grace 15m): "
	                      "due, not read in this run");
	assert_null(strstr(r.out, "KPI STALE"));
	it_run_free(&r);
	it_alert_run(a, &r, 140, NULL, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - uncached_legacy_max_age_days: its values were read 1h 20m ago, longer than "
	                      "its cadence and grace: missing data");
	it_assert_line(r.out, "KPI STALE - uncached_legacy_max_age_days: 1 row read 1h 20m ago (cadence 1h, grace 15m): "
	                      "older than its cadence and grace, missing data | uncached_legacy_max_age_days_age=4800s;3600;4500;0");
	it_run_free(&r);
	l = it_alert_ledger(a);
	{
		const kpi__alert_rec *u = rec_of(l, "uncached_legacy_max_age_days");
		assert_int_equal(u->last_seen, it_time(it_at(60)));
		assert_int_equal(u->last_status, KPI_STATUS_NO_DATA);
	}
	kpi__ledger_free(l);
	assert_int_equal(it_srvlog_count(&log, COVERAGE), 2);
}

/* alert.use_cadence false: every KPI on every run, the catalogue's hourly
 * ones included. */
static void test_alert_cadence__use_cadence_false_reads_every_run(void **state)
{
	it_alert *a = *state = it_alert_new("cadence_off", true,
	                                    "{\"use_cadence\": false, \"delivery_deadline_seconds\": 2,"
	                                    " \"sinks\": {" IT_PD_SINK "}}");
	it_run_result r;
	it_srvlog log;
	char sql[200];

	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET log_statement = 'all'", a->db->name);
	it_admin_exec(sql);
	it_srvlog_open(&log);
	for (int m = 0; m <= 10; m += 5) {
		it_alert_run(a, &r, m, NULL, NULL);
		assert_int_equal(r.status, 2);
		assert_null(strstr(r.out, "KPI HELD"));
		it_run_free(&r);
	}
	/* legacy_coverage.sql answers the coverage family: one execution a run
	 * for all three, the state KPIs legacy_coverage_pct and
	 * uncached_legacy_max_age_days taking outage_drill_success_pct's trailing
	 * 24 h as their window (their value is as of now either way) */
	assert_int_equal(it_srvlog_count(&log, COVERAGE), 3);
}

/* A firing alert of a held KPI is reminded when its repeat_interval has
 * passed, as on every run, not only at the KPI's next read. */
static void test_alert_cadence__held_firing_alert_is_reminded(void **state)
{
	it_alert *a = *state = it_alert_new("cadence_repeat", true,
	                                    "{\"use_cadence\": true, \"delivery_deadline_seconds\": 2,"
	                                    " \"kpis\": {\"legacy_coverage_pct\": {\"enabled\": false},"
	                                    " \"outage_drill_success_pct\": {\"enabled\": false},"
	                                    " \"routing_mismatch_critical\": {\"enabled\": false},"
	                                    " \"export_success_rate\": {\"enabled\": false},"
	                                    " \"uncached_legacy_max_age_days\": {\"cadence\": \"1h\", \"repeat_interval\": \"10m\"}},"
	                                    " \"sinks\": {" IT_PD_SINK "}}");
	it_run_result r;
	json_t *reqs;

	for (int m = 0; m <= 20; m += 5) {
		it_alert_run(a, &r, m, NULL, NULL);
		assert_int_equal(r.status, 2);
		if (m > 0)
			it_assert_line(r.out, "KPI HELD - uncached_legacy_max_age_days:");
		it_run_free(&r);
	}
	/* the trigger at minute 0, reminders at 10 and 20 (held since 0), each
	 * with the episode's dedupe key */
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(reqs), 3);
	for (size_t i = 0; i < 3; i++) {
		const json_t *body = json_object_get(json_array_get(reqs, i), "json");
		assert_string_equal(it_str(body, "event_action"), "trigger");
		assert_string_equal(it_str(body, "dedup_key"),
		                    it_str(json_object_get(json_array_get(reqs, 0), "json"), "dedup_key"));
	}
	json_decref(reqs);
}

/* A cadence that is not a duration is a config error naming the key. */
static void test_alert_cadence__bad_cadence_is_a_config_error(void **state)
{
	it_alert *a = *state = it_alert_new("cadence_bad", false,
	                                    "{\"use_cadence\": true, \"kpis\": {\"uncached_legacy_max_age_days\": {\"cadence\": \"soon\"}},"
	                                    " \"sinks\": {" IT_PD_SINK "}}");
	it_run_result r;
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3);
	assert_contains(r.out, "alert.kpis.uncached_legacy_max_age_days: alert cadence must be a duration");
	it_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alert_cadence__hourly_kpi_held_between_reads_then_stale_is_missing_data,
		                          it_alert_teardown),
		cmocka_unit_test_teardown(test_alert_cadence__use_cadence_false_reads_every_run, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert_cadence__held_firing_alert_is_reminded, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert_cadence__bad_cadence_is_a_config_error, it_alert_teardown),
	};
	if (!it_pg_wanted("integration_alert_cadence"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_alert_cadence", tests, NULL, NULL);
}
