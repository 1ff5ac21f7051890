/*
 * Integration: `kpi silence` and alert.mute_windows with `kpi alert`
 * against the throwaway PostgreSQL and the tests' responder as the
 * receivers (PagerDuty at /v2/enqueue, a webhook at /hook/...).
 *
 *  - a silence from the run's instant (start inclusive) keeps the trigger
 *    from every sink; the run records it (SILENCED line, exit 0, the ledger
 *    names the silence); at its end (exclusive) the breach goes on and the
 *    trigger goes out; recovery sends the resolve;
 *  - an alert sent before the silence still gets its resolve;
 *  - a breach that ends inside the silence sends nothing at all;
 *  - `kpi silence expire` ends it: the next run sends;
 *  - overlapping runs: two `kpi alert` waiting on a third's lock, a silence
 *    added meanwhile (without waiting for the lock): both runs honour it;
 *  - a mute window in Europe/Berlin over one sink: the other sink gets the
 *    trigger, the muted one once the window ends;
 *  - an hourly KPI (alert.use_cadence) held between its reads: a silence
 *    that begins or ends meanwhile applies at once.
 *
 * The data (it_alert.c): one legacy design 10 days uncached at minute 0
 * (uncached_legacy_max_age_days breaches, critical); at minute 20 an
 * artifact covers it (it_alert_fix_breach).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_alert.h"

#define KPI_ID "uncached_legacy_max_age_days"

static const char *const base_config =
	"{\"delivery_deadline_seconds\": 2, \"lock_wait_seconds\": 30,"
	" \"retry\": {\"base_seconds\": 0.5, \"max_seconds\": 30, \"max_attempts\": 12}, " IT_ONLY_UNCACHED ","
	" \"sinks\": {" IT_PD_SINK "}}";

/* kpi silence ARGS... --config --state-dir [--now it_at(minute)]; its
 * result (caller frees). */
static void silence(it_alert *a, it_run_result *r, int minute, const char *const *args)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = "kpi";
	argv[n++] = "silence";
	for (const char *const *p = args; *p && n < 24; p++)
		argv[n++] = *p;
	argv[n++] = "--config";
	argv[n++] = a->config;
	argv[n++] = "--state-dir";
	argv[n++] = a->state;
	if (minute >= 0) {
		argv[n++] = "--now";
		argv[n++] = it_at(minute);
	}
	argv[n] = NULL;
	it_run(r, argv, NULL, 30);
}

/* kpi silence add --kpi KPI_ID --until UNTIL at `minute`: the new id (static). */
static const char *silence_add(it_alert *a, int minute, const char *until)
{
	static char id[64];
	const char *args[] = { "add", "--kpi", KPI_ID, "--until", until, "--by", "alice", "--comment", "DB upgrade CHG-42",
		               NULL };
	it_run_result r;
	silence(a, &r, minute, args);
	if (r.status != 0)
		fail_msg("kpi silence add: exit %d: %s", r.status, r.err);
	assert_int_equal(strlen(r.out), 15); /* s-XXXXXXXXXXXX\n */
	snprintf(id, sizeof(id), "%.14s", r.out);
	it_run_free(&r);
	return id;
}

static size_t enqueued(it_alert *a, const char *action)
{
	json_t *reqs = it_alert_requests(a, "/v2/enqueue"), *q;
	size_t i, n = 0;
	json_array_foreach(reqs, i, q)
		n += !action || strcmp(it_str(json_object_get(q, "json"), "event_action"), action) == 0;
	json_decref(reqs);
	return n;
}

static void run_expect(it_alert *a, int minute, int status, const char *line)
{
	it_run_result r;
	it_alert_run(a, &r, minute, NULL, NULL);
	if (r.status != status)
		fail_msg("minute %d: exit %d, expected %d:\n%s\n%s", minute, r.status, status, r.out, r.err);
	it_assert_line(r.out, line);
	it_assert_no_secrets(a->state, r.out, r.err);
	it_run_free(&r);
}

static void test_silence__kept_from_sinks_until_its_end_then_sent_then_resolved(void **state)
{
	it_alert *a = *state = it_alert_new("silence_life", true, base_config);
	char line[256];
	const char *id = silence_add(a, 0, it_at(10));
	kpi__ledger *l;

	/* start inclusive: silenced at minute 0, recorded, not sent, exit 0 */
	snprintf(line, sizeof(line),
	         "KPI SILENCED - " KPI_ID " 10 d > 7 d (silenced by silence %s until %s, by alice: DB upgrade CHG-42)", id,
	         it_at(10));
	run_expect(a, 0, 0, line);
	assert_int_equal(it_responder_count(a->resp), 0);
	l = it_alert_ledger(a);
	assert_int_equal(l->nrecs, 2); /* the KPI and kpi_source */
	{
		const kpi__alert_rec *rec = kpi__ledger_find(l, KPI_ID);
		assert_non_null(rec);
		assert_int_equal(rec->state, KPI_ALERT_FIRING);
		assert_non_null(rec->silenced_by);
		assert_contains(rec->silenced_by, id);
		assert_int_equal(json_array_size(rec->held), 1);
		assert_string_equal(json_string_value(json_array_get(rec->held, 0)), "pd");
	}
	assert_int_equal(l->nout, 0);
	kpi__ledger_free(l);
	run_expect(a, 5, 0, "KPI OK - no change: 1 row checked, 0 firing, 0 pending, 0 warn, 1 silenced, 0 queued");
	assert_int_equal(it_responder_count(a->resp), 0);

	/* end exclusive: at minute 10 the breach goes on and the trigger goes out */
	run_expect(a, 10, 2, "KPI CRITICAL - " KPI_ID " 10.01 d > 7 d (no longer silenced: sent now)");
	assert_int_equal(enqueued(a, "trigger"), 1);
	l = it_alert_ledger(a);
	assert_null(kpi__ledger_find(l, KPI_ID)->silenced_by);
	assert_int_equal(json_array_size(kpi__ledger_find(l, KPI_ID)->held), 0);
	kpi__ledger_free(l);
	run_expect(a, 15, 2, "KPI CRITICAL - no change: " KPI_ID " 10.01 d > 7 d (firing); 1 row checked, 1 firing");
	assert_int_equal(it_responder_count(a->resp), 1);

	/* recovery: the resolve */
	it_alert_fix_breach(a);
	run_expect(a, 30, 0, "KPI OK - " KPI_ID " 0 d <= 7 d (resolved after 30m)");
	assert_int_equal(enqueued(a, "resolve"), 1);
	assert_int_equal(it_responder_count(a->resp), 2);
}

static void test_silence__resolve_of_an_alert_sent_before_is_still_sent(void **state)
{
	it_alert *a = *state = it_alert_new("silence_resolve", true, base_config);
	json_t *reqs;
	const char *id;

	run_expect(a, 0, 2, "KPI CRITICAL - " KPI_ID " 10 d > 7 d");
	assert_int_equal(enqueued(a, "trigger"), 1);
	id = silence_add(a, 1, "2h");
	run_expect(a, 5, 0, "KPI SILENCED - " KPI_ID " 10 d > 7 d (silenced by silence ");
	(void)id;
	assert_int_equal(it_responder_count(a->resp), 1);
	it_alert_fix_breach(a);
	/* recovered inside the silence: the receiver that got the trigger gets the resolve */
	run_expect(a, 30, 0, "KPI OK - " KPI_ID " 0 d <= 7 d (resolved after 30m)");
	assert_int_equal(enqueued(a, "resolve"), 1);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "dedup_key"),
	                    it_str(json_object_get(json_array_get(reqs, 1), "json"), "dedup_key"));
	json_decref(reqs);
}

static void test_silence__breach_ending_inside_it_sends_nothing_and_expire_ends_it(void **state)
{
	it_alert *a = *state = it_alert_new("silence_expire", true, base_config);
	const char *list[] = { "list", "--format", "json", NULL };
	char id[64], expire_id[64];
	it_run_result r;
	json_t *j;

	snprintf(id, sizeof(id), "%s", silence_add(a, 0, "32m"));
	run_expect(a, 0, 0, "KPI SILENCED - " KPI_ID);
	silence(a, &r, 3, list);
	assert_int_equal(r.status, 0);
	assert_non_null(j = json_loads(r.out, 0, NULL));
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(it_str(json_array_get(j, 0), "id"), id);
	assert_string_equal(it_str(json_array_get(j, 0), "state"), "active");
	assert_string_equal(it_str(json_array_get(j, 0), "created_by"), "alice");
	json_decref(j);
	it_run_free(&r);
	/* the breach ends inside the silence: nobody was told, nobody is */
	it_alert_fix_breach(a);
	run_expect(a, 30, 0, "KPI OK - " KPI_ID " 0 d <= 7 d (resolved after 30m)");
	assert_int_equal(it_responder_count(a->resp), 0);

	/* a second silence, expired by hand: the next breach run sends */
	it_db_exec(a->db, "DELETE FROM export_artifacts");
	snprintf(expire_id, sizeof(expire_id), "%s", silence_add(a, 35, "2h"));
	run_expect(a, 40, 0, "KPI SILENCED - " KPI_ID);
	{
		const char *args[] = { "expire", expire_id, NULL };
		silence(a, &r, 45, args);
		assert_int_equal(r.status, 0);
		it_run_free(&r);
		silence(a, &r, 45, args); /* twice: it has ended */
		assert_int_equal(r.status, 2);
		assert_contains(r.err, "has already ended");
		it_run_free(&r);
	}
	run_expect(a, 45, 2, "KPI CRITICAL - " KPI_ID " 10.03 d > 7 d (no longer silenced: sent now)");
	assert_int_equal(enqueued(a, "trigger"), 1);
	{
		const char *table[] = { "list", NULL };
		silence(a, &r, 46, table);
		assert_int_equal(r.status, 0);
		it_assert_line(r.out, "ID ");
		assert_contains(r.out, expire_id);
		assert_contains(r.out, "expired");
		assert_contains(r.out, "DB upgrade CHG-42");
		it_run_free(&r);
	}
}

static void test_silence__usage_errors_name_what_is_wrong(void **state)
{
	it_alert *a = *state = it_alert_new("silence_usage", false, base_config);
	static const struct {
		const char *args[12];
		const char *msg;
	} cases[] = {
		{ { "add", "--kpi", "nope", "--until", "2h", "--by", "a", "--comment", "c", NULL }, "unknown KPI" },
		{ { "add", "--kpi", KPI_ID, "--until", "2h", "--comment", "c", NULL }, "missing --by" },
		{ { "add", "--kpi", KPI_ID, "--until", "2h", "--by", "a", NULL }, "missing --comment" },
		{ { "add", "--kpi", KPI_ID, "--by", "a", "--comment", "c", NULL }, "missing --until" },
		{ { "add", "--kpi", KPI_ID, "--until", "2026-11-16T09:00:00", "--by", "a", "--comment", "c", NULL },
		  "needs its offset" },
		{ { "add", "--kpi", KPI_ID, "--until", "2026-11-16T07:00:00Z", "--by", "a", "--comment", "c", NULL },
		  "would end before it starts" },
		{ { "add", "--kpi", KPI_ID, "--label", "path=legacy", "--until", "2h", "--by", "a", "--comment", "c", NULL },
		  "has no label 'path'" },
		{ { "add", "--kpi", "export_success_rate", "--label", "path=legcy", "--until", "2h", "--by", "a", "--comment",
		    "c", NULL },
		  "--label 'path=legcy': KPI export_success_rate label 'path' has no value 'legcy' (the catalogue lists: "
		  "legacy, owned)" },
		{ { "list", "--kpi", KPI_ID, NULL }, "--kpi goes with add only" },
		{ { "expire", NULL }, "missing the id" },
		{ { "expire", "s-000000000000", NULL }, "no silence 's-000000000000'" },
		{ { "mute", NULL }, "unknown action 'mute'" },
	};
	(void)a;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		it_run_result r;
		silence(a, &r, 0, cases[i].args);
		if (r.status != 2)
			fail_msg("case %zu: exit %d (%s)", i, r.status, r.err);
		assert_contains(r.err, cases[i].msg);
		it_run_free(&r);
	}
	{ /* a listed value is taken */
		const char *ok[] = { "add", "--kpi", "export_success_rate", "--label", "path=legacy", "--until", "2h", "--by",
			             "a", "--comment", "c", NULL };
		it_run_result r;
		silence(a, &r, 0, ok);
		if (r.status != 0)
			fail_msg("path=legacy: exit %d (%s)", r.status, r.err);
		it_run_free(&r);
	}
}

/* Two kpi alert runs wait for a third's lock (the test holds it); a
 * silence is added meanwhile, without waiting; both runs honour it. */
static void test_silence__overlapping_runs_honour_a_silence_added_while_they_wait(void **state)
{
	it_alert *a = *state = it_alert_new("silence_overlap", true, base_config);
	kpi_error err = KPI_ERROR_INIT;
	char out1[200], out2[200];
	char *text = NULL;
	it_run_result r;
	pid_t p1, p2;
	int fd = -1, s1, s2;
	double t0;

	assert_int_equal(kpi__state_dir_prepare(a->state, &err), 0);
	assert_int_equal(kpi__alert_lock(&fd, a->state, "lock", 1, NULL, NULL, &err), 0);
	snprintf(out1, sizeof(out1), "%s/run1.out", a->root);
	snprintf(out2, sizeof(out2), "%s/run2.out", a->root);
	p1 = it_alert_spawn(a, 0, out1);
	p2 = it_alert_spawn(a, 1, out2);
	sleep(1); /* both wait for the lock */
	t0 = kpi__mono_now();
	silence_add(a, 0, "1h");
	assert_true(kpi__mono_now() - t0 < 10); /* did not wait for the runs' lock */
	{
		const char *args[] = { "list", NULL };
		silence(a, &r, 0, args);
		assert_int_equal(r.status, 0);
		assert_contains(r.out, "active");
		it_run_free(&r);
	}
	close(fd); /* the first run ends */
	s1 = it_alert_wait(p1, 60);
	s2 = it_alert_wait(p2, 60);
	assert_int_equal(s1, 0);
	assert_int_equal(s2, 0);
	assert_int_equal(kpi__read_file(&text, NULL, out1, &err), 0);
	assert_contains(text, "KPI ");
	free(text);
	assert_int_equal(it_responder_count(a->resp), 0);
	{
		kpi__ledger *l = it_alert_ledger(a);
		assert_non_null(kpi__ledger_find(l, KPI_ID)->silenced_by);
		assert_int_equal(l->nout, 0);
		kpi__ledger_free(l);
	}
}

/* A mute window in Europe/Berlin over the PagerDuty sink only: the webhook
 * gets the trigger, PagerDuty once the window has ended. IT_T0 is Monday
 * 2026-11-16 09:00 CET. */
/* With alert.use_cadence the coverage family is read hourly: between two
 * reads its records are held, and a silence that begins or ends meanwhile
 * applies at once, as to a KPI read on every run: the held-back trigger goes
 * out when the silence ends (not at the next read), and a firing alert
 * silenced meanwhile is reported silenced (exit 0). */
static void test_silence__applies_between_the_reads_of_an_hourly_kpi(void **state)
{
	it_alert *a = *state = it_alert_new("silence_cadence", true,
	                                    "{\"use_cadence\": true, \"delivery_deadline_seconds\": 2, " IT_ONLY_UNCACHED ","
	                                    " \"sinks\": {" IT_PD_SINK "}}");
	char line[256];
	const char *id = silence_add(a, 0, it_at(10));

	snprintf(line, sizeof(line),
	         "KPI SILENCED - " KPI_ID " 10 d > 7 d (silenced by silence %s until %s, by alice: DB upgrade CHG-42)", id,
	         it_at(10));
	run_expect(a, 0, 0, line);
	run_expect(a, 5, 0, "KPI HELD - " KPI_ID ": 1 row read 5m ago (cadence 1h, grace 15m)");
	assert_int_equal(it_responder_count(a->resp), 0);
	/* minute 10: the silence is over, the KPI still held (read at 0) */
	run_expect(a, 10, 2, "KPI CRITICAL - " KPI_ID " 10 d > 7 d (no longer silenced: sent now)");
	assert_int_equal(enqueued(a, "trigger"), 1);
	run_expect(a, 15, 2, "KPI CRITICAL - no change: " KPI_ID " 10 d > 7 d (firing)");

	/* a silence added while it fires, still held: silenced from the next run */
	id = silence_add(a, 16, it_at(30));
	snprintf(line, sizeof(line),
	         "KPI SILENCED - " KPI_ID " 10 d > 7 d (silenced by silence %s until %s, by alice: DB upgrade CHG-42)", id,
	         it_at(30));
	run_expect(a, 20, 0, line);
	/* its end: firing again, the trigger not sent twice */
	run_expect(a, 30, 2, "KPI CRITICAL - " KPI_ID " 10 d > 7 d");
	assert_int_equal(enqueued(a, "trigger"), 1);
}

static void test_silence__mute_window_in_berlin_over_one_sink(void **state)
{
	it_alert *a = *state = it_alert_new("silence_mute", true, "{}");
	FILE *f = fopen(a->config, "w");
	json_t *reqs;

	assert_non_null(f);
	fprintf(f,
	        /* every KPI read on every run, as in the other alert tests (it_alert.c):
	         * the test steps through minutes, the coverage family is hourly */
	        "{\"timezone\": \"Europe/Berlin\", \"alert\": {\"use_cadence\": false, \"delivery_deadline_seconds\": 2, " IT_ONLY_UNCACHED ","
	        " \"sinks\": {\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": \"KPI_IT_PD_KEY\", \"base_url\": "
	        "\"%s\", \"timeout_seconds\": 5}, " IT_HOOK_SINK "},"
	        " \"mute_windows\": [{\"name\": \"standup\", \"days\": [\"mon\"], \"start\": \"08:55\", \"end\": \"09:05\","
	        " \"kpis\": [\"" KPI_ID "\"], \"sinks\": [\"pd\"]}]}}\n",
	        a->resp->url);
	assert_int_equal(fclose(f), 0);

	/* 09:00 CET: inside the window for pd; the webhook is told */
	run_expect(a, 0, 2, "KPI CRITICAL - " KPI_ID " 10 d > 7 d");
	assert_int_equal(enqueued(a, NULL), 0);
	reqs = it_alert_requests(a, "/hook/");
	assert_int_equal(json_array_size(reqs), 1);
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "action"), "trigger");
	json_decref(reqs);
	run_expect(a, 4, 2, "KPI CRITICAL - no change");
	assert_int_equal(enqueued(a, NULL), 0);
	/* 09:05 CET: the window has ended (exclusive): PagerDuty gets it now */
	run_expect(a, 5, 2, "KPI CRITICAL - " KPI_ID " 10 d > 7 d (no longer silenced: sent now)");
	assert_int_equal(enqueued(a, "trigger"), 1);
	reqs = it_alert_requests(a, "/hook/");
	assert_int_equal(json_array_size(reqs), 1); /* not twice */
	json_decref(reqs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_silence__kept_from_sinks_until_its_end_then_sent_then_resolved,
		                          it_alert_teardown),
		cmocka_unit_test_teardown(test_silence__resolve_of_an_alert_sent_before_is_still_sent, it_alert_teardown),
		cmocka_unit_test_teardown(test_silence__breach_ending_inside_it_sends_nothing_and_expire_ends_it,
		                          it_alert_teardown),
		cmocka_unit_test_teardown(test_silence__usage_errors_name_what_is_wrong, it_alert_teardown),
		cmocka_unit_test_teardown(test_silence__overlapping_runs_honour_a_silence_added_while_they_wait,
		                          it_alert_teardown),
		cmocka_unit_test_teardown(test_silence__mute_window_in_berlin_over_one_sink, it_alert_teardown),
		cmocka_unit_test_teardown(test_silence__applies_between_the_reads_of_an_hourly_kpi, it_alert_teardown),
	};
	if (!it_pg_wanted("integration_silence"))
		return IT_SKIP;
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integration_silence", tests, NULL, NULL);
}
