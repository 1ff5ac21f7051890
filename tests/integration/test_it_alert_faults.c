/*
 * Integration: `kpi alert` when things go wrong. The database down (exit 3,
 * the "kpi cannot read its data" alert after N runs, resolved when it is
 * back); a malformed, tampered or newer ledger; an unusable state
 * directory; a missing secret variable; a hanging receiver (the run ends at
 * its deadline: measured); non-retryable answers and too many attempts
 * (terminal failures reported in the exit code, the log and through the
 * other sinks; --replay); no secret in any output, log or the state dir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it_alert.h"

static const char *const two_sinks =
	"{\"delivery_deadline_seconds\": 2, \"source_failures_before_alert\": 3,"
	" \"retry\": {\"base_seconds\": 0.3, \"max_seconds\": 30, \"max_attempts\": 12}, " IT_ONLY_UNCACHED ","
	" \"sinks\": {" IT_PD_SINK ", " IT_HOOK_SINK "}}";

static size_t count_action(it_alert *a, const char *path, const char *action)
{
	json_t *reqs = it_alert_requests(a, path), *q;
	size_t n = 0, i;
	json_array_foreach(reqs, i, q)
		if (it_str(json_object_get(q, "json"), "event_action") &&
		    strcmp(it_str(json_object_get(q, "json"), "event_action"), action) == 0)
			n++;
	json_decref(reqs);
	return n;
}

/* The database is down: UNKNOWN every run, the blind-monitor alert on the
 * third failed run (once), resolved when the database is back. */
static void test_alert__database_down_alerts_after_n_runs_and_resolves(void **state)
{
	it_alert *a = *state = it_alert_new("dbdown", false, two_sinks);
	it_run_result r;
	char good[256], key[256];
	json_t *reqs, *t;

	snprintf(good, sizeof(good), "%s", a->conninfo);
	/* a socket directory with no server behind it */
	snprintf(a->conninfo, sizeof(a->conninfo), "host=%s/no-server dbname=x connect_timeout=2", a->root);
	for (int run = 1; run <= 4; run++) {
		it_alert_run(a, &r, run * 5, NULL, NULL);
		assert_int_equal(r.status, 3);
		if (run < 3) {
			char want[160];
			snprintf(want, sizeof(want), "KPI UNKNOWN - cannot read the data (failed run %d in a row; the 'kpi "
			                             "cannot read its data' alert fires at 3): cannot connect to PostgreSQL", run);
			it_assert_line(r.out, want);
		} else {
			it_assert_line(r.out, "KPI UNKNOWN - cannot read the data (the 'kpi cannot read its data' alert is "
			                      "firing): cannot connect to PostgreSQL");
		}
		if (run == 3)
			it_assert_line(r.out, "KPI CRITICAL - kpi_source (cannot read its data, 3 failed runs in a row:");
		assert_true(r.seconds < 10);
		it_assert_no_secrets(a->state, r.out, r.err);
		it_run_free(&r);
		assert_int_equal(count_action(a, "/v2/enqueue", "trigger"), run >= 3 ? 1 : 0);
	}
	reqs = it_alert_requests(a, "/v2/enqueue");
	t = json_object_get(json_array_get(reqs, 0), "json");
	assert_string_equal(it_str(t, "payload.severity"), "critical");
	assert_contains(it_str(t, "payload.summary"), "[critical] kpi cannot read its data: cannot connect to PostgreSQL");
	snprintf(key, sizeof(key), "%s", it_str(t, "dedup_key"));
	assert_string_equal(key, "kpi:kpi_source:20261116T080500Z"); /* the episode began with the first failure */
	json_decref(reqs);
	reqs = it_alert_requests(a, "/hook/");
	assert_int_equal(json_array_size(reqs), 1); /* every sink hears of it */
	json_decref(reqs);

	/* the database is back */
	snprintf(a->conninfo, sizeof(a->conninfo), "%s", good);
	it_alert_run(a, &r, 30, NULL, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - kpi_source (data readable again)");
	it_run_free(&r);
	assert_int_equal(count_action(a, "/v2/enqueue", "resolve"), 1);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 1), "json"), "dedup_key"), key);
	json_decref(reqs);
}

static char *ledger_path(it_alert *a)
{
	static char p[200];
	snprintf(p, sizeof(p), "%s/ledger.json", a->state);
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static size_t count_corrupt_files(it_alert *a, char *first, size_t size)
{
	char pat[256];
	glob_t g;
	size_t n;
	snprintf(pat, sizeof(pat), "%s/ledger.json.corrupt-*", a->state);
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	n = g.gl_pathc;
	if (n && first)
		snprintf(first, size, "%s", g.gl_pathv[0]);
	globfree(&g);
	return n;
}

/* A malformed ledger is moved aside (timestamped), reported (exit 3, log,
 * a notice through the sinks) and rebuilt; never silently reset. */
static void test_alert__malformed_ledger_is_moved_aside_reported_and_rebuilt(void **state)
{
	it_alert *a = *state = it_alert_new("corrupt", true, two_sinks);
	it_run_result r;
	char aside[512], *text = NULL;
	json_t *reqs;
	size_t i, notices = 0;
	json_t *q;

	mkdir(a->state, 0700);
	write_file(ledger_path(a), "{\"format\": \"kpi-alert-ledger\", \"version\": 1, \"body\": {\"alerts\": [");
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - ledger '");
	assert_contains(r.out, "was corrupted (not valid JSON (");
	assert_contains(r.out, "moved aside to '");
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d");
	assert_contains(r.err, "\"event\":\"alert.ledger.corrupt\"");
	it_run_free(&r);
	assert_int_equal(count_corrupt_files(a, aside, sizeof(aside)), 1);
	assert_int_equal(kpi__read_file(&text, NULL, aside, NULL), 0);
	assert_string_equal(text, "{\"format\": \"kpi-alert-ledger\", \"version\": 1, \"body\": {\"alerts\": [");
	free(text);
	kpi__ledger_free(it_alert_ledger(a)); /* rebuilt and valid */
	/* the notice went out through both sinks */
	reqs = it_alert_requests(a, NULL);
	json_array_foreach(reqs, i, q) {
		const char *s = it_str(json_object_get(q, "json"), "payload.summary");
		if (!s)
			s = it_str(json_object_get(q, "json"), "summary");
		if (s && strstr(s, "kpi alert ledger corrupted and rebuilt"))
			notices++;
	}
	assert_int_equal(notices, 2);
	json_decref(reqs);

	/* the next run is normal again: nothing new to report or send */
	i = it_responder_count(a->resp);
	it_alert_run(a, &r, 5, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - no change");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), i);
}

/* One changed byte in a valid ledger: the checksum catches it. */
static void test_alert__tampered_ledger_fails_its_checksum(void **state)
{
	it_alert *a = *state = it_alert_new("tampered", true, two_sinks);
	it_run_result r;
	char *text = NULL, *p;

	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	assert_int_equal(kpi__read_file(&text, NULL, ledger_path(a), NULL), 0);
	p = strstr(text, "\"state\": \"firing\"");
	assert_non_null(p);
	memcpy(p, "\"state\": \"ok\"    ", strlen("\"state\": \"firing\""));
	write_file(ledger_path(a), text);
	free(text);
	it_alert_run(a, &r, 5, NULL, NULL);
	assert_int_equal(r.status, 3);
	assert_contains(r.out, "checksum mismatch");
	it_run_free(&r);
	assert_int_equal(count_corrupt_files(a, NULL, 0), 1);
	/* rebuilt: the breach triggers again (a new episode, a new key) rather than being lost */
	assert_int_equal(count_action(a, "/v2/enqueue", "trigger"), 3); /* first, the notice, the new one */
}

/* A ledger from a newer kpi is not ours to rebuild: exit 3, left in place. */
static void test_alert__newer_ledger_version_is_left_alone(void **state)
{
	it_alert *a = *state = it_alert_new("newer", true, two_sinks);
	it_run_result r;
	char *text = NULL;
	const char *newer = "{\"format\": \"kpi-alert-ledger\", \"version\": 9, \"sha256\": \"x\", \"body\": {}}\n";

	mkdir(a->state, 0700);
	write_file(ledger_path(a), newer);
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - ledger '");
	assert_contains(r.out, "format version 9 is newer than this kpi understands (1)");
	it_run_free(&r);
	assert_int_equal(kpi__read_file(&text, NULL, ledger_path(a), NULL), 0);
	assert_string_equal(text, newer);
	free(text);
	assert_int_equal(count_corrupt_files(a, NULL, 0), 0);
	assert_int_equal(it_responder_count(a->resp), 0);
}

static void test_alert__unusable_state_dir_is_a_clear_unknown(void **state)
{
	it_alert *a = *state = it_alert_new("statedir", true, two_sinks);
	it_run_result r;
	char file[200];

	/* a path below a regular file: no one can create it, root included */
	snprintf(file, sizeof(file), "%s/not-a-dir", a->root);
	write_file(file, "x");
	snprintf(a->state, sizeof(a->state), "%s/not-a-dir/state", a->root);
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - state directory '");
	assert_contains(r.out, "is not usable: cannot create '");
	assert_contains(r.out, "Not a directory");
	assert_int_equal(it_count_lines(r.out), 1);
	assert_contains(r.err, "\"level\":\"error\"");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 0);
	if (geteuid() != 0) {
		/* without root, a directory we may not write */
		snprintf(a->state, sizeof(a->state), "%s/ro", a->root);
		mkdir(a->state, 0500);
		it_alert_run(a, &r, 0, NULL, NULL);
		assert_int_equal(r.status, 3);
		assert_contains(r.out, "is not usable");
		it_run_free(&r);
		chmod(a->state, 0700);
	}
}

static void test_alert__missing_secret_variable_names_it(void **state)
{
	it_alert *a = *state = it_alert_new("nosecret", true, two_sinks);
	it_run_result r;
	const char *env[] = { "KPI_IT_PD_KEY", NULL };

	it_alert_run(a, &r, 0, NULL, env);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - ");
	assert_contains(r.out, "sink 'pd': environment variable KPI_IT_PD_KEY is not set");
	assert_contains(r.out, "config.json:"); /* where it is configured */
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 0);
	assert_int_equal(access(a->state, F_OK), -1);
}

/* A receiver that never answers: the run ends at its delivery deadline. */
static void test_alert__hanging_receiver_ends_the_run_at_the_deadline(void **state)
{
	it_alert *a = *state = it_alert_new("hang", true,
	                           "{\"delivery_deadline_seconds\": 2, " IT_ONLY_UNCACHED ","
	                           " \"sinks\": {\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": \"KPI_IT_PD_KEY\","
	                           " \"base_url\": \"%URL%\", \"timeout_seconds\": 60}}}");
	it_run_result r;
	kpi__ledger *l;

	it_responder_script(a->resp, "{\"default\": {\"hang\": true}}");
	it_alert_run(a, &r, 0, NULL, NULL);
	print_message("hanging receiver: the run took %.2f s (deadline 2 s)\n", r.seconds);
	/* the deadline, plus start-up and evaluation; far from the 60 s timeout */
	assert_true(r.seconds >= 1.9);
	assert_true(r.seconds < 6.0);
	assert_int_equal(r.status, 2); /* firing; the trigger waits in the outbox */
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days");
	assert_contains(r.err, "\"event\":\"alert.outbox.pending\"");
	it_run_free(&r);
	l = it_alert_ledger(a);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_PENDING);
	assert_contains(l->outbox[0].last_error, "no complete answer within");
	kpi__ledger_free(l);
}

/* Two sinks failing for good give the third two notices: each its own id
 * and Idempotency-Key (the key is one per message; receivers that honour it
 * dropped the second notice when both carried the run's notice key). */
static void test_alert__each_notice_has_its_own_idempotency_key(void **state)
{
	it_alert *a = *state = it_alert_new("notices", true,
	                           "{\"delivery_deadline_seconds\": 2, " IT_ONLY_UNCACHED ","
	                           " \"sinks\": {" IT_PD_SINK ", \"pd2\": {\"type\": \"pagerduty\","
	                           " \"routing_key_env\": \"KPI_IT_PD_KEY\", \"base_url\": \"%URL%\","
	                           " \"timeout_seconds\": 5}, " IT_HOOK_SINK "}}");
	it_run_result r;
	json_t *reqs, *notices = json_array();
	size_t i;
	json_t *q;

	it_responder_script(a->resp, "{\"rules\": [{\"match\": {\"path\": \"/v2/enqueue\"},"
	                             " \"responses\": [{\"status\": 400, \"body\": \"invalid event\"}]}],"
	                             " \"default\": {\"status\": 202}}");
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3);
	it_run_free(&r);
	reqs = it_alert_requests(a, "/hook/");
	json_array_foreach(reqs, i, q)
		if (strcmp(it_str(json_object_get(q, "json"), "action"), "notice") == 0)
			json_array_append(notices, q);
	assert_int_equal(json_array_size(notices), 2);
	{
		json_t *n0 = json_array_get(notices, 0), *n1 = json_array_get(notices, 1);
		const char *id0 = it_str(json_object_get(n0, "json"), "id"), *id1 = it_str(json_object_get(n1, "json"), "id");
		const char *k0 = it_str(json_object_get(n0, "headers"), "idempotency-key");
		const char *k1 = it_str(json_object_get(n1, "headers"), "idempotency-key");
		assert_string_not_equal(id0, id1);
		assert_string_not_equal(k0, k1);
		/* each names the sink whose delivery failed */
		assert_true((strstr(it_str(json_object_get(n0, "json"), "body"), "'pd'") &&
		             strstr(it_str(json_object_get(n1, "json"), "body"), "'pd2'")) ||
		            (strstr(it_str(json_object_get(n0, "json"), "body"), "'pd2'") &&
		             strstr(it_str(json_object_get(n1, "json"), "body"), "'pd'")));
	}
	json_decref(notices);
	json_decref(reqs);
}

/* 4xx is not retried: terminal at once, reported in the exit code, the log
 * and through the other sink, and nothing of it leaks a secret even when
 * the receiver echoes one; --replay requeues it. */
static void test_alert__non_retryable_answer_is_terminal_reported_and_replayable(void **state)
{
	it_alert *a = *state = it_alert_new("terminal", true, two_sinks);
	it_run_result r;
	const char *replay[] = { "--replay", NULL };
	char script[512];
	kpi__ledger *l;
	json_t *reqs;

	/* PagerDuty rejects the event and quotes the routing key back */
	snprintf(script, sizeof(script),
	         "{\"rules\": [{\"match\": {\"path\": \"/v2/enqueue\"}, \"responses\": [{\"status\": 400,"
	         " \"body\": \"{\\\"status\\\":\\\"invalid event\\\",\\\"errors\\\":[\\\"bad routing key %s\\\"]}\"}]}],"
	         " \"default\": {\"status\": 200}}",
	         IT_PD_KEY);
	it_responder_script(a->resp, script);
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - delivery of trigger kpi:uncached_legacy_max_age_days:20261116T080000Z to "
	                      "sink 'pd' failed terminally after 1 attempt: sink 'pd' (pagerduty): HTTP 400:");
	assert_contains(r.out, "[redacted]");
	assert_contains(r.out, "(not retryable)");
	assert_contains(r.err, "\"event\":\"alert.delivery.failed\"");
	it_assert_no_secrets(a->state, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(count_action(a, "/v2/enqueue", "trigger"), 1);
	/* the webhook got the trigger and the notice of the failure */
	reqs = it_alert_requests(a, "/hook/");
	assert_int_equal(json_array_size(reqs), 2);
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 1), "json"), "action"), "notice");
	assert_contains(it_str(json_object_get(json_array_get(reqs, 1), "json"), "summary"),
	                "kpi alert could not deliver a notification");
	json_decref(reqs);

	/* the next run does not retry it, and reports nothing new */
	it_alert_run(a, &r, 5, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	assert_int_equal(count_action(a, "/v2/enqueue", "trigger"), 1);

	/* fixed at the receiver; --replay requeues with a fresh attempt counter */
	it_responder_script(a->resp, "{\"default\": {\"status\": 202}}");
	it_alert_run(a, &r, 10, replay, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	assert_int_equal(count_action(a, "/v2/enqueue", "trigger"), 2);
	l = it_alert_ledger(a);
	for (size_t i = 0; i < l->nout; i++)
		if (strcmp(l->outbox[i].sink, "pd") == 0) {
			assert_int_equal(l->outbox[i].status, KPI__ENTRY_DELIVERED);
			assert_int_equal(l->outbox[i].attempts, 1);
			assert_int_equal(json_array_size(l->outbox[i].history), 3); /* failed, requeued, delivered */
		}
	kpi__ledger_free(l);
}

/* Retryable failures stop after max_attempts: a terminal failure. */
static void test_alert__max_attempts_then_terminal(void **state)
{
	it_alert *a = *state = it_alert_new("attempts", true,
	                           "{\"delivery_deadline_seconds\": 1, \"retry\": {\"base_seconds\": 0.2, \"max_attempts\": 3}, "
	                           IT_ONLY_UNCACHED ", \"sinks\": {" IT_PD_SINK ", " IT_HOOK_SINK "}}");
	it_run_result r;
	int terminal_run = -1;
	kpi__ledger *l;

	it_responder_script(a->resp, "{\"rules\": [{\"match\": {\"path\": \"/v2/enqueue\"},"
	                             " \"responses\": [{\"status\": 503}]}], \"default\": {\"status\": 200}}");
	for (int run = 0; run < 4 && terminal_run < 0; run++) {
		it_alert_run(a, &r, run * 60, NULL, NULL);
		if (r.status == 3) {
			terminal_run = run;
			assert_contains(r.out, "failed terminally after 3 attempts");
		} else {
			assert_int_equal(r.status, 2);
		}
		it_run_free(&r);
	}
	assert_true(terminal_run >= 0);
	assert_int_equal(count_action(a, "/v2/enqueue", "trigger"), 3);
	l = it_alert_ledger(a);
	for (size_t i = 0; i < l->nout; i++)
		if (strcmp(l->outbox[i].sink, "pd") == 0) {
			assert_int_equal(l->outbox[i].status, KPI__ENTRY_FAILED);
			assert_int_equal(l->outbox[i].attempts, 3);
		}
	kpi__ledger_free(l);
}

/* The command sink: exit 0 delivers; a failing command is retried; one
 * that cannot be run is terminal. No shell is involved. */
static void test_alert__command_sink_exit_status_decides(void **state)
{
	it_alert *a = *state = it_alert_new("command", true, "{}");
	char cfg[1024], flag[200];
	it_run_result r;
	kpi__ledger *l;

	/* fails while the flag file is absent (test -e), then delivers */
	snprintf(flag, sizeof(flag), "%s/flag", a->root);
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery_deadline_seconds\": 0.5, " IT_ONLY_UNCACHED ", \"sinks\": {"
	         " \"cmd\": {\"type\": \"command\", \"argv\": [\"test\", \"-e\", \"%s\"], \"timeout_seconds\": 5},"
	         " \"missing\": {\"type\": \"command\", \"argv\": [\"/nonexistent/notify-me\"]}}}",
	         flag);
	it_alert_config(a, cfg);
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3); /* the missing program is terminal at once */
	assert_contains(r.out, "sink 'missing' (command): cannot run '/nonexistent/notify-me'");
	it_run_free(&r);
	l = it_alert_ledger(a);
	for (size_t i = 0; i < l->nout; i++)
		if (strcmp(l->outbox[i].sink, "cmd") == 0 && strcmp(l->outbox[i].action, "trigger") == 0) {
			assert_int_equal(l->outbox[i].status, KPI__ENTRY_PENDING);
			assert_contains(l->outbox[i].last_error, "'test' exited 1");
		}
	kpi__ledger_free(l);
	write_file(flag, "");
	it_alert_run(a, &r, 60, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	l = it_alert_ledger(a);
	for (size_t i = 0; i < l->nout; i++)
		if (strcmp(l->outbox[i].sink, "cmd") == 0)
			assert_int_equal(l->outbox[i].status, KPI__ENTRY_DELIVERED);
	kpi__ledger_free(l);
}

/* Another run holding the lock too long: this one waits lock_wait_seconds,
 * then exits 3 naming the holder, having sent nothing. */
static void test_alert__lock_held_too_long_is_unknown_after_the_wait(void **state)
{
	it_alert *a = *state = it_alert_new("locked", true,
	                                    "{\"lock_wait_seconds\": 1, " IT_ONLY_UNCACHED ", \"sinks\": {" IT_PD_SINK "}}");
	kpi_error err = KPI_ERROR_INIT;
	it_run_result r;
	int fd = -1;

	mkdir(a->state, 0700);
	assert_int_equal(kpi__alert_lock(&fd, a->state, "lock", 1, NULL, NULL, &err), 0);
	it_alert_run(a, &r, 0, NULL, NULL);
	close(fd);
	print_message("a run waiting for a held lock (lock_wait_seconds 1) gave up after %.2f s\n", r.seconds);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - another kpi alert run (pid ");
	assert_contains(r.out, "gave up after 1 s (alert.lock_wait_seconds)");
	assert_true(r.seconds >= 0.95 && r.seconds < 5);
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 0);
	/* released: the next run goes through */
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 1);
}

/* A run that cannot start (usage or config error) is a Nagios plugin's
 * UNKNOWN: exit 3, one line "KPI UNKNOWN - <what is wrong>" on stdout, and
 * on stderr log lines like every other (JSON, with the run id; text with
 * --log-format text) saying the same. */
static void expect_cannot_start(const it_run_result *r, const char *event, const char *must)
{
	json_t *line;
	char want[1200];
	if (r->status != 3)
		fail_msg("exit %d, expected 3 (UNKNOWN); stdout: %s stderr: %s", r->status, r->out, r->err);
	snprintf(want, sizeof(want), "KPI UNKNOWN - ");
	if (strncmp(r->out, want, strlen(want)) != 0 || it_count_lines(r->out) != 1 || !strstr(r->out, must))
		fail_msg("stdout must be one line 'KPI UNKNOWN - ...%s...', got: '%s'", must, r->out);
	if (it_count_lines(r->err) != 1)
		fail_msg("stderr: expected one log line, got:\n%s", r->err);
	line = json_loads(r->err, JSON_DISABLE_EOF_CHECK, NULL);
	if (!line)
		fail_msg("stderr is not a JSON log line: %s", r->err);
	assert_string_equal(it_str(line, "level"), "error");
	assert_string_equal(it_str(line, "event"), event);
	assert_int_equal(strlen(it_str(line, "run_id")), 16);
	assert_non_null(it_str(line, "ts"));
	assert_contains(it_str(line, "msg"), must);
	/* the same words on both */
	assert_contains(r->out + strlen(want), it_str(line, "msg"));
	json_decref(line);
}

/* Run kpi alert with `extra` options and `env`, and check it cannot start;
 * nothing of a secret ("s3cr3t") may show. */
static void alert_cannot_start(it_alert *a, const char *const *extra, const char *const *env, const char *event,
                               const char *must)
{
	it_run_result r;
	it_alert_run(a, &r, 0, extra, env);
	expect_cannot_start(&r, event, must);
	assert_not_contains(r.out, "s3cr3t");
	assert_not_contains(r.err, "s3cr3t");
	it_run_free(&r);
}

static void test_alert__usage_errors_are_unknown(void **state)
{
	it_alert *a = *state = it_alert_new("usage", false, two_sinks);
	it_run_result r;
	const char *bad_now[] = { "--now", "yesterday", NULL }, *bad_opt[] = { "--frobnicate", NULL };
	const char *bad_fmt[] = { "--log-format", "xml", NULL }, *no_arg[] = { "--state-dir", NULL };
	const char *text_fmt[] = { "--log-format", "text", "--frobnicate", NULL };
	const char *help_argv[] = { "kpi", "alert", "--help", NULL }, *pos_argv[] = { "kpi", "alert", "extra", NULL };
	const char *bad_now_env[] = { "KPI_NOW=soon", NULL }, *plain_argv[] = { "kpi", "alert", NULL };
	it_run(&r, help_argv, NULL, 10);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "usage: kpi alert [--config FILE] [--state-dir DIR] [--dry-run] [--now TIME] [--test SINK]");
	assert_contains(r.out, "exits 0 ok, 1 warning");
	assert_contains(r.out, "--replay");
	assert_string_equal(r.err, "");
	it_run_free(&r);
	it_run(&r, pos_argv, NULL, 10);
	expect_cannot_start(&r, "alert.usage", "unexpected argument 'extra' (see kpi alert --help)");
	it_run_free(&r);
	alert_cannot_start(a, bad_now, NULL, "alert.usage", "--now 'yesterday': malformed time");
	it_run(&r, plain_argv, bad_now_env, 10);
	expect_cannot_start(&r, "alert.usage", "KPI_NOW: malformed time 'soon'");
	it_run_free(&r);
	alert_cannot_start(a, bad_opt, NULL, "alert.usage", "unknown option '--frobnicate' (see kpi alert --help)");
	alert_cannot_start(a, no_arg, NULL, "alert.usage", "option '--state-dir' needs an argument DIR");
	alert_cannot_start(a, bad_fmt, NULL, "alert.usage", "--log-format 'xml': expected json or text");
	/* --log-format text was read before the bad option: a text log line */
	it_alert_run(a, &r, 0, text_fmt, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - unknown option '--frobnicate'");
	assert_int_equal(it_count_lines(r.err), 1);
	assert_contains(r.err, " error run=");
	assert_contains(r.err, "alert.usage: unknown option '--frobnicate'");
	it_run_free(&r);
	it_alert_config(a, "{\"sinks\": {\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": \"KPI_IT_PD_KEY\","
	                   " \"routing_key\": \"" IT_PD_KEY "\"}}}");
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 3);
	assert_contains(r.out, "would put a secret in the config file");
	it_assert_no_secrets(NULL, r.out, r.err);
	it_run_free(&r);
}

/* Config errors before the run: the config file missing or invalid, the
 * catalogue missing, --db that libpq cannot parse (its password never
 * shown). */
static void test_alert__config_errors_are_unknown_with_json_logs(void **state)
{
	it_alert *a = *state = it_alert_new("config_errors", false, two_sinks);
	char *bad = it_write_tmp("kpi-bad.json", "{\n  \"timezone\": \"UTC\",\n  \"active_days\": \"ninety\"\n}\n");
	char where[600];
	const char *missing[] = { "--config", "/nonexistent/kpi.json", NULL };
	const char *invalid[] = { "--config", bad, NULL };
	const char *db[] = { "--db", "host=/tmp password=s3cr3t-db-pw 'unterminated", NULL };
	const char *no_catalog[] = { "KPI_CATALOG=/nonexistent/catalog.json", NULL };
	alert_cannot_start(a, missing, NULL, "alert.config.invalid",
	                   "config: cannot open '/nonexistent/kpi.json': No such file");
	snprintf(where, sizeof(where), "%s:3:18: active_days must be a whole number", bad);
	alert_cannot_start(a, invalid, NULL, "alert.config.invalid", where);
	alert_cannot_start(a, NULL, no_catalog, "alert.config.invalid",
	                   "catalogue: cannot open '/nonexistent/catalog.json'");
	alert_cannot_start(a, db, NULL, "alert.config.invalid", "--db: conninfo cannot be parsed by libpq");
	assert_int_equal(it_responder_count(a->resp), 0);
	free(bad);
}

/* A config error found once the run has started (the "alert" section, a
 * sink's secret variable not set) is logged as alert.run.failed, not as
 * alert.config.invalid: the runbook's Exit codes names each event as the
 * code logs it (it once said alert.usage or alert.config.invalid only). */
static void test_alert__events_of_a_run_that_cannot_work_as_documented(void **state)
{
	it_alert *a = *state = it_alert_new("cannot_work", false, two_sinks);
	const char *env[] = { "KPI_IT_PD_KEY", NULL };
	char *runbook = NULL, *section;
	const char *ev[] = { "`alert.usage`", "`alert.config.invalid`", "`alert.run.failed`", NULL };

	alert_cannot_start(a, NULL, env, "alert.run.failed", "sink 'pd': environment variable KPI_IT_PD_KEY is not set");
	assert_int_equal(kpi__read_file(&runbook, NULL, KPI_SOURCE_DIR "/docs/runbook.md", NULL), 0);
	section = strstr(runbook, "\n## Exit codes\n");
	assert_non_null(section);
	*strstr(section + 1, "\n## ") = '\0';
	for (const char *const *e = ev; *e; e++)
		if (!strstr(section, *e))
			fail_msg("docs/runbook.md's Exit codes does not name %s, a run that cannot do its work logs it", *e);
	free(runbook);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alert__database_down_alerts_after_n_runs_and_resolves, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__malformed_ledger_is_moved_aside_reported_and_rebuilt, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__tampered_ledger_fails_its_checksum, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__newer_ledger_version_is_left_alone, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__unusable_state_dir_is_a_clear_unknown, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__missing_secret_variable_names_it, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__hanging_receiver_ends_the_run_at_the_deadline, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__non_retryable_answer_is_terminal_reported_and_replayable, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__each_notice_has_its_own_idempotency_key, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__max_attempts_then_terminal, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__command_sink_exit_status_decides, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__lock_held_too_long_is_unknown_after_the_wait, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__usage_errors_are_unknown, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__config_errors_are_unknown_with_json_logs, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__events_of_a_run_that_cannot_work_as_documented, it_alert_teardown),
	};
	if (!it_pg_wanted("integration_alert_faults"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_alert_faults", tests, NULL, NULL);
}
