/*
 * Integration: `kpi alert --require-delivery` (what the packaged
 * kpi-alert.service runs) against the throwaway PostgreSQL and the tests'
 * responder as the PagerDuty receiver. A run that would page nobody exits 3
 * with a line saying why; without the option the exit codes are the
 * alerts', as before.
 *
 *  - no sink configured: every run with the option is UNKNOWN, also with
 *    nothing firing; the same runs without it exit 2 (firing) and 0;
 *  - the receiver answers 503: the trigger waits in the outbox (exit 2)
 *    until 10 minutes after the alert fired, then UNKNOWN naming the sink,
 *    its attempts and last answer, never a secret; the receiver back: the
 *    trigger is delivered, exit 2 again;
 *  - a firing alert silenced while its trigger still waits is held on
 *    purpose, not undelivered.
 *
 * The data (it_alert.c): one legacy design 10 days uncached at minute 0
 * (uncached_legacy_max_age_days breaches, critical); at minute 20 an
 * artifact covers it (it_alert_fix_breach).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_alert.h"

#define KPI_ID "uncached_legacy_max_age_days"
#define NO_SINKS_LINE                                                                                          \
	"KPI UNKNOWN - no sinks configured (alert.sinks): an alert that fires would reach nobody; configure one " \
	"(docs/deploy.md) and check it with kpi alert --test SINK\n"

static const char *const require[] = { "--require-delivery", NULL };

/* PagerDuty at the responder; retries due again at the next run, far from
 * the terminal failure */
static const char *const pd_config =
	"{\"delivery_deadline_seconds\": 1, \"lock_wait_seconds\": 30,"
	" \"retry\": {\"base_seconds\": 0.2, \"max_seconds\": 1, \"max_attempts\": 100}, " IT_ONLY_UNCACHED ","
	" \"sinks\": {" IT_PD_SINK "}}";

/* A run at `minute` (with --require-delivery when `req`) that exits
 * `status`; its result (caller frees). */
static void run_expect(it_alert *a, it_run_result *r, int minute, bool req, int status)
{
	it_alert_run(a, r, minute, req ? require : NULL, NULL);
	if (r->status != status)
		fail_msg("minute %d%s: exit %d, expected %d:\n%s\n%s", minute, req ? " --require-delivery" : "", r->status,
		         status, r->out, r->err);
	it_assert_no_secrets(a->state, r->out, r->err);
}

static void test_delivery__no_sinks_is_unknown_with_the_option_even_with_nothing_firing(void **state)
{
	it_alert *a = *state = it_alert_new("req_nosinks", true, "{" IT_ONLY_UNCACHED "}");
	it_run_result r;
	kpi__ledger *l;

	/* without the option: as before, the alert's exit code (Nagios notifies from it) */
	run_expect(a, &r, 0, false, 2);
	it_assert_line(r.out, "KPI CRITICAL - " KPI_ID " 10 d > 7 d | ");
	assert_null(strstr(r.out, "KPI UNKNOWN"));
	assert_contains(r.err, "\"event\":\"alert.no_sinks\"");
	it_run_free(&r);

	/* with it: UNKNOWN first, evaluation and ledger as without */
	run_expect(a, &r, 5, true, 3);
	assert_true(strncmp(r.out, NO_SINKS_LINE, strlen(NO_SINKS_LINE)) == 0);
	assert_contains(r.err, "\"event\":\"alert.undelivered\"");
	it_run_free(&r);
	l = it_alert_ledger(a);
	assert_int_equal(kpi__ledger_find(l, KPI_ID)->state, KPI_ALERT_FIRING);
	kpi__ledger_free(l);

	/* resolved, nothing fires: still UNKNOWN with the option, OK without */
	it_alert_fix_breach(a);
	run_expect(a, &r, 30, true, 3);
	assert_true(strncmp(r.out, NO_SINKS_LINE, strlen(NO_SINKS_LINE)) == 0);
	it_assert_line(r.out, "KPI OK - " KPI_ID " 0 d <= 7 d (resolved after 30m)");
	it_run_free(&r);
	run_expect(a, &r, 35, false, 0);
	it_assert_line(r.out, "KPI OK - no change: 1 row checked, 0 firing");
	it_run_free(&r);
	run_expect(a, &r, 40, true, 3);
	assert_string_equal(r.out, NO_SINKS_LINE "KPI NOT MEASURED - 2 gating KPIs, the go/no-go verdict holds on them: "
	                           "api_error_rate_pct (CloudWatch not configured), api_latency_p95_ms (CloudWatch not "
	                           "configured) | not_measured=2;;;0\n");
	it_run_free(&r);
}

static void test_delivery__trigger_undelivered_for_10_minutes_is_unknown_until_delivered(void **state)
{
	it_alert *a = *state = it_alert_new("req_undelivered", true, pd_config);
	const char *head = "KPI UNKNOWN - critical alert " KPI_ID " firing since 2026-11-16T08:00:00Z has reached no "
	                   "sink for 10m: 'pd' (pagerduty) pending after ";
	it_run_result r;
	kpi__ledger *l;
	char tail[64];

	it_responder_script(a->resp, "{\"default\": {\"status\": 503, \"body\": \"service unavailable\"}}");
	/* fired, the trigger waits: an answer, not yet a lost page */
	run_expect(a, &r, 0, true, 2);
	it_assert_line(r.out, "KPI CRITICAL - " KPI_ID " 10 d > 7 d | ");
	it_run_free(&r);
	run_expect(a, &r, 5, true, 2);
	it_assert_line(r.out, "KPI CRITICAL - no change: " KPI_ID " 10");
	assert_contains(r.out, ", 1 queued | ");
	it_run_free(&r);

	/* 10 minutes after it fired, delivered nowhere: UNKNOWN, the sink named */
	run_expect(a, &r, 10, true, 3);
	it_assert_line(r.out, head);
	l = it_alert_ledger(a);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_PENDING);
	snprintf(tail, sizeof(tail), "%d attempts (last: HTTP 503: service unavailable)\n", l->outbox[0].attempts);
	kpi__ledger_free(l);
	assert_contains(r.out, tail);
	assert_int_equal(it_count_lines(r.out), 2); /* and the NOT MEASURED line */
	assert_contains(r.err, "\"event\":\"alert.undelivered\"");
	it_run_free(&r);
	/* the same run without the option: exit 2 as before */
	run_expect(a, &r, 11, false, 2);
	assert_null(strstr(r.out, "KPI UNKNOWN"));
	it_run_free(&r);

	/* the receiver is back: delivered, the critical alert's exit 2 again */
	it_responder_script(a->resp, "{\"default\": {\"status\": 202, \"body\": \"{}\"}}");
	run_expect(a, &r, 15, true, 2);
	it_assert_line(r.out, "KPI CRITICAL - no change: " KPI_ID " 10");
	assert_contains(r.out, ", 0 queued | ");
	it_run_free(&r);
	l = it_alert_ledger(a);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_DELIVERED);
	kpi__ledger_free(l);
	run_expect(a, &r, 20, true, 2);
	it_run_free(&r);
}

/* A command sink that keeps failing (`false`), and the alert silenced with
 * its trigger still waiting: held on purpose, not reported. */
static void test_delivery__silenced_alert_is_not_undelivered(void **state)
{
	it_alert *a = *state = it_alert_new(
	        "req_silenced", true,
	        "{\"delivery_deadline_seconds\": 1, \"retry\": {\"base_seconds\": 0.2, \"max_seconds\": 1,"
	        " \"max_attempts\": 100}, " IT_ONLY_UNCACHED ", \"sinks\": {\"cmd\": {\"type\": \"command\","
	        " \"argv\": [\"false\"], \"timeout_seconds\": 5}}}");
	const char *add[] = { "kpi", "silence", "add", "--kpi", KPI_ID, "--until", "2h", "--by", "alice", "--comment",
		              "known, CHG-7", "--config", a->config, "--state-dir", a->state, "--now", it_at(12), NULL };
	it_run_result r;

	run_expect(a, &r, 0, true, 2);
	it_run_free(&r);
	run_expect(a, &r, 11, true, 3);
	it_assert_line(r.out, "KPI UNKNOWN - critical alert " KPI_ID " firing since 2026-11-16T08:00:00Z has reached "
	                      "no sink for 11m: 'cmd' (command) pending after ");
	assert_contains(r.out, " attempts (last: 'false' exited 1)");
	it_run_free(&r);

	it_run(&r, add, NULL, 30);
	assert_int_equal(r.status, 0);
	it_run_free(&r);
	run_expect(a, &r, 12, true, 0);
	assert_null(strstr(r.out, "KPI UNKNOWN"));
	it_assert_line(r.out, "KPI SILENCED - " KPI_ID " 10");
	it_run_free(&r);
	run_expect(a, &r, 20, true, 0);
	it_assert_line(r.out, "KPI OK - no change: 1 row checked, 0 firing");
	it_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_delivery__no_sinks_is_unknown_with_the_option_even_with_nothing_firing,
		                          it_alert_teardown),
		cmocka_unit_test_teardown(test_delivery__trigger_undelivered_for_10_minutes_is_unknown_until_delivered,
		                          it_alert_teardown),
		cmocka_unit_test_teardown(test_delivery__silenced_alert_is_not_undelivered, it_alert_teardown),
	};
	if (!it_pg_wanted("integration_alert_delivery"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_alert_delivery", tests, NULL, NULL);
}
