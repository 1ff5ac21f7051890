/*
 * Integration: `kpi alert` against the throwaway PostgreSQL and the tests'
 * HTTP responder as the receiver. A breach fires once, stays quiet, resolves
 * once with the same dedupe key; a receiver that is down gets the trigger
 * late and exactly once; overlapping runs send once; a run killed between
 * sending and recording sends again with the same key; every sink's wire
 * format; --dry-run; --test.
 *
 * The data (it_alert.c): one legacy design 10 days uncached at minute 0
 * (uncached_legacy_max_age_days breaches: > 7 d, critical); at minute 20 an
 * artifact covers it (it_alert_fix_breach) and the value drops to 0.
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

static const char *const base_config =
	"{\"delivery_deadline_seconds\": 2, \"lock_wait_seconds\": 30,"
	" \"retry\": {\"base_seconds\": 0.5, \"max_seconds\": 30, \"max_attempts\": 12}, " IT_ONLY_UNCACHED ","
	" \"sinks\": {" IT_PD_SINK "}}";

static void test_alert__breach_fires_once_then_resolves_once_with_the_same_key(void **state)
{
	it_alert *a = *state = it_alert_new("lifecycle", true, base_config);
	it_run_result r;
	json_t *reqs, *t, *res;
	kpi__ledger *l;
	char key[256];

	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d | uncached_legacy_max_age_days=10;6;7");
	/* and the verdict rule's gating KPIs not measured (CloudWatch not configured) */
	it_assert_line(r.out, "KPI NOT MEASURED - 2 gating KPIs, the go/no-go verdict holds on them: api_error_rate_pct "
	                      "(CloudWatch not configured), api_latency_p95_ms (CloudWatch not configured) | "
	                      "not_measured=2;;;0");
	assert_int_equal(it_count_lines(r.out), 2);
	it_run_free(&r);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(reqs), 1);
	t = json_object_get(json_array_get(reqs, 0), "json");
	assert_string_equal(it_str(t, "event_action"), "trigger");
	assert_string_equal(it_str(t, "routing_key"), IT_PD_KEY);
	assert_string_equal(it_str(t, "payload.severity"), "critical");
	assert_string_equal(it_str(t, "payload.component"), "uncached_legacy_max_age_days");
	assert_string_equal(it_str(t, "payload.timestamp"), it_at(0));
	assert_string_equal(it_str(t, "payload.summary"),
	                    "[critical] Max age of uncached legacy exports: 10 d (threshold <= 7 d)");
	assert_contains(it_str(t, "payload.custom_details.runbook"), "docs/runbook.md#uncached-legacy-max-age-days");
	snprintf(key, sizeof(key), "%s", it_str(t, "dedup_key"));
	assert_string_equal(key, "kpi:uncached_legacy_max_age_days:20261116T080000Z");
	json_decref(reqs);

	/* five more runs in breach: nothing is sent */
	for (int m = 3; m <= 15; m += 3) {
		it_alert_run(a, &r, m, NULL, NULL);
		assert_int_equal(r.status, 2);
		/* the firing alert named as the line that fired it named it (10 d and the minutes since) */
		it_assert_line(r.out, "KPI CRITICAL - no change: uncached_legacy_max_age_days 10");
		assert_contains(r.out, " d > 7 d (firing); 1 row checked, 1 firing, 0 pending, 0 warn, 0 queued | ");
		it_assert_line(r.out, "KPI NOT MEASURED - 2 gating KPIs");
		assert_int_equal(it_count_lines(r.out), 2);
		it_run_free(&r);
	}
	assert_int_equal(it_responder_count(a->resp), 1);
	it_alert_fix_breach(a); /* covered from minute 20 */

	/* recovery: exactly one resolve, with the same dedupe key */
	it_alert_run(a, &r, 30, NULL, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - uncached_legacy_max_age_days 0 d <= 7 d (resolved after 30m)");
	it_run_free(&r);
	it_alert_run(a, &r, 35, NULL, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - no change: 1 row checked, 0 firing");
	it_run_free(&r);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(reqs), 2);
	res = json_object_get(json_array_get(reqs, 1), "json");
	assert_string_equal(it_str(res, "event_action"), "resolve");
	assert_string_equal(it_str(res, "dedup_key"), key);
	json_decref(reqs);

	/* the ledger tells the same story */
	l = it_alert_ledger(a);
	{
		kpi__alert_rec *rec = kpi__ledger_find(l, "uncached_legacy_max_age_days");
		assert_non_null(rec);
		assert_int_equal(rec->state, KPI_ALERT_OK);
		assert_string_equal(rec->dedupe_key, key);
		assert_int_equal(l->nout, 2);
		for (size_t i = 0; i < l->nout; i++) {
			assert_int_equal(l->outbox[i].status, KPI__ENTRY_DELIVERED);
			assert_int_equal(l->outbox[i].attempts, 1);
			assert_string_equal(l->outbox[i].dedupe_key, key);
		}
	}
	kpi__ledger_free(l);
}

/* Every sink's wire format, and the Idempotency-Key. */
static void test_alert__every_sink_gets_its_format(void **state)
{
	it_alert *a = *state = it_alert_new("sinks", true, "{}");
	char cfg[2048], outfile[160];
	it_run_result r;
	json_t *reqs, *slack = NULL, *hook = NULL, *pd = NULL, *cmd;
	const char *idem = NULL;
	size_t i;
	json_t *q;
	char *text;

	snprintf(outfile, sizeof(outfile), "%s/command.out", a->root);
	snprintf(cfg, sizeof(cfg), "%s",
	         "{\"delivery_deadline_seconds\": 5, " IT_ONLY_UNCACHED ", \"runbook_url\": \"https://wiki.example.com/kpi/runbook\","
	         " \"sinks\": {" IT_PD_SINK ","
	         " \"slack\": {\"type\": \"slack\", \"url_env\": \"KPI_IT_SLACK_URL\"},"
	         " \"hook\": {\"type\": \"webhook\", \"url_env\": \"KPI_IT_HOOK_URL\"},"
	         " \"cmd\": {\"type\": \"command\", \"argv\": [\"/usr/bin/tee\", \"-a\", \"%ROOT%/command.out\"], \"timeout_seconds\": 5}}}");
	it_alert_config(a, cfg);
	{
		char slack_env[200];
		const char *env[] = { slack_env, NULL };
		snprintf(slack_env, sizeof(slack_env), "KPI_IT_SLACK_URL=%s/slack/%s", a->resp->url, IT_HOOK_TOKEN);
		it_alert_run(a, &r, 0, NULL, env);
	}
	assert_int_equal(r.status, 2);
	it_assert_no_secrets(a->state, r.out, r.err);
	it_run_free(&r);
	reqs = it_alert_requests(a, NULL);
	assert_int_equal(json_array_size(reqs), 3);
	json_array_foreach(reqs, i, q) {
		const char *p = it_str(q, "path");
		if (strncmp(p, "/slack/", 7) == 0)
			slack = json_object_get(q, "json");
		else if (strncmp(p, "/hook/", 6) == 0) {
			hook = json_object_get(q, "json");
			idem = it_str(q, "headers.idempotency-key");
		} else if (strcmp(p, "/v2/enqueue") == 0)
			pd = json_object_get(q, "json");
	}
	assert_non_null(slack);
	assert_non_null(hook);
	assert_non_null(pd);
	/* Slack: text + a mrkdwn block */
	assert_contains(it_str(slack, "text"), "Max age of uncached legacy exports: 10 d (threshold <= 7 d)");
	assert_string_equal(it_str(json_array_get(json_object_get(slack, "blocks"), 0), "text.type"), "mrkdwn");
	assert_contains(it_str(json_array_get(json_object_get(slack, "blocks"), 0), "text.text"),
	                "Runbook: https://wiki.example.com/kpi/runbook#uncached-legacy-max-age-days");
	/* the webhook: the notification itself, keyed by its id */
	assert_string_equal(it_str(hook, "schema"), "kpi.alert/1");
	assert_string_equal(it_str(hook, "action"), "trigger");
	assert_string_equal(it_str(hook, "dedupe_key"), "kpi:uncached_legacy_max_age_days:20261116T080000Z");
	assert_non_null(idem);
	assert_string_equal(idem, it_str(hook, "id"));
	assert_double_equal(json_number_value(json_object_get(hook, "value")), 10.0);
	assert_string_equal(it_str(hook, "threshold"), "<= 7 d");
	assert_string_equal(it_str(hook, "since"), it_at(0));
	/* PagerDuty links an absolute runbook */
	assert_string_equal(it_str(json_array_get(json_object_get(pd, "links"), 0), "href"),
	                    "https://wiki.example.com/kpi/runbook#uncached-legacy-max-age-days");
	/* the command got the same JSON on stdin, as one line with its newline
	 * (tee -a appends: a JSON Lines file) */
	text = NULL;
	assert_int_equal(kpi__read_file(&text, NULL, outfile, NULL), 0);
	assert_int_equal(it_count_lines(text), 1);
	assert_true(strlen(text) > 2 && text[strlen(text) - 1] == '\n' && text[strlen(text) - 2] == '}');
	cmd = json_loads(text, 0, NULL);
	assert_non_null(cmd);
	assert_string_equal(it_str(cmd, "id"), idem);
	assert_string_equal(it_str(cmd, "kpi"), "uncached_legacy_max_age_days");
	json_decref(cmd);
	free(text);
	json_decref(reqs);
}

/* The receiver answers 503 for three runs, then 202: the trigger arrives
 * once, late; the ledger holds every attempt. */
static void test_alert__receiver_down_for_three_runs_gets_the_trigger_once_late(void **state)
{
	it_alert *a = *state = it_alert_new("down", true, base_config);
	it_run_result r;
	kpi__ledger *l;
	json_t *reqs, *q;
	size_t failed, i;

	it_responder_script(a->resp, "{\"default\": {\"status\": 503, \"body\": \"service unavailable\"}}");
	for (int run = 0; run < 3; run++) {
		/* an hour apart: past any backoff, within the 4 h repeat interval */
		it_alert_run(a, &r, run * 60, NULL, NULL);
		assert_int_equal(r.status, 2);
		if (run == 0)
			it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days");
		it_run_free(&r);
		l = it_alert_ledger(a);
		assert_int_equal(l->nout, 1);
		assert_int_equal(l->outbox[0].status, KPI__ENTRY_PENDING);
		assert_int_equal((size_t)l->outbox[0].attempts, it_responder_count(a->resp));
		assert_contains(l->outbox[0].last_error, "HTTP 503: service unavailable");
		assert_true(l->outbox[0].next_attempt > (int64_t)IT_T0 + run * 3600);
		kpi__ledger_free(l);
	}
	failed = it_responder_count(a->resp);
	assert_true(failed >= 3);
	it_responder_script(a->resp, "{\"default\": {\"status\": 202, \"body\": \"{}\"}}");
	it_alert_run(a, &r, 180, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - no change");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), failed + 1);
	/* and never again */
	it_alert_run(a, &r, 190, NULL, NULL);
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), failed + 1);
	reqs = it_alert_requests(a, "/v2/enqueue");
	json_array_foreach(reqs, i, q) {
		assert_string_equal(it_str(json_object_get(q, "json"), "event_action"), "trigger");
		assert_string_equal(it_str(json_object_get(q, "json"), "dedup_key"),
		                    "kpi:uncached_legacy_max_age_days:20261116T080000Z");
	}
	json_decref(reqs);
	l = it_alert_ledger(a);
	assert_int_equal(l->nout, 1);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_DELIVERED);
	assert_int_equal((size_t)l->outbox[0].attempts, failed + 1);
	assert_int_equal(json_array_size(l->outbox[0].history), failed + 1);
	assert_contains(json_string_value(json_object_get(json_array_get(l->outbox[0].history, failed), "outcome")),
	                "delivered");
	kpi__ledger_free(l);
}

/* Nobody listens at all (connection refused) for three runs, then the
 * receiver is there: delivered once. */
static void test_alert__connection_refused_then_up_delivers_once(void **state)
{
	it_alert *a = *state = it_alert_new("refused", true, base_config);
	int port = it_free_port(); /* has no listener */
	char cfg[1024];
	it_run_result r;
	kpi__ledger *l;

	snprintf(cfg, sizeof(cfg),
	         "{\"delivery_deadline_seconds\": 1, \"retry\": {\"base_seconds\": 0.3}, " IT_ONLY_UNCACHED ","
	         " \"sinks\": {\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": \"KPI_IT_PD_KEY\","
	         " \"base_url\": \"http://127.0.0.1:%d\"}}}",
	         port);
	it_alert_config(a, cfg);
	for (int run = 0; run < 3; run++) {
		it_alert_run(a, &r, run * 60, NULL, NULL);
		assert_int_equal(r.status, 2);
		it_run_free(&r);
	}
	l = it_alert_ledger(a);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_PENDING);
	assert_true(l->outbox[0].attempts >= 3);
	assert_contains(l->outbox[0].last_error, "sink 'pd' (pagerduty)");
	kpi__ledger_free(l);
	it_alert_config(a, base_config);
	it_alert_run(a, &r, 180, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 1);
	l = it_alert_ledger(a);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_DELIVERED);
	kpi__ledger_free(l);
}

/* Two runs started at the same moment: one trigger (the second waits for
 * the lock, then finds the alert firing and the outbox delivered). */
static void test_alert__two_runs_at_the_same_moment_send_one_trigger(void **state)
{
	it_alert *a = *state = it_alert_new("concurrent", true, base_config);
	char o1[160], o2[160];
	pid_t p1, p2;
	int s1, s2;
	kpi__ledger *l;

	/* a slow receiver keeps the first run inside its lock for a while */
	it_responder_script(a->resp, "{\"default\": {\"status\": 202, \"delay\": 0.5, \"body\": \"{}\"}}");
	snprintf(o1, sizeof(o1), "%s/run1.out", a->root);
	snprintf(o2, sizeof(o2), "%s/run2.out", a->root);
	p1 = it_alert_spawn(a, 0, o1);
	p2 = it_alert_spawn(a, 0, o2);
	s1 = it_alert_wait(p1, 60);
	s2 = it_alert_wait(p2, 60);
	assert_int_equal(s1, 2);
	assert_int_equal(s2, 2);
	assert_int_equal(it_responder_count(a->resp), 1);
	l = it_alert_ledger(a);
	assert_int_equal(l->nout, 1);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_DELIVERED);
	assert_true(l->seq >= 3); /* both runs saved */
	kpi__ledger_free(l);
}

/* SIGKILL after the receiver got the request and before kpi recorded the
 * answer: the ledger is intact and the next run sends again, same keys. */
static void test_alert__killed_between_sending_and_recording_sends_again_same_key(void **state)
{
	it_alert *a = *state = it_alert_new("killed", true,
	                           "{\"delivery_deadline_seconds\": 20, " IT_ONLY_UNCACHED ", \"sinks\": {" IT_PD_SINK ","
	                           " \"hook\": {\"type\": \"webhook\", \"url_env\": \"KPI_IT_HOOK_URL\", \"timeout_seconds\": 15}}}");
	char out[160];
	pid_t pid;
	int status;
	kpi__ledger *l;
	it_run_result r;
	json_t *reqs;

	/* the webhook records the request, then takes 10 s to answer */
	it_responder_script(a->resp, "{\"rules\": [{\"match\": {\"path_prefix\": \"/hook/\"},"
	                             " \"responses\": [{\"delay\": 10, \"status\": 200}, {\"status\": 200}]}],"
	                             " \"default\": {\"status\": 202, \"body\": \"{}\"}}");
	snprintf(out, sizeof(out), "%s/killed.out", a->root);
	pid = it_alert_spawn(a, 0, out);
	it_alert_wait_requests(a, 2); /* PagerDuty answered, the webhook is waiting */
	kill(pid, SIGKILL);
	status = it_alert_wait(pid, 10);
	assert_int_equal(status, 128 + SIGKILL);

	l = it_alert_ledger(a); /* parses: intact */
	assert_int_equal(l->nout, 2);
	for (size_t i = 0; i < l->nout; i++) {
		if (strcmp(l->outbox[i].sink, "pd") == 0)
			assert_int_equal(l->outbox[i].status, KPI__ENTRY_DELIVERED);
		else
			assert_int_equal(l->outbox[i].status, KPI__ENTRY_PENDING);
	}
	kpi__ledger_free(l);

	it_alert_run(a, &r, 5, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	reqs = it_alert_requests(a, "/hook/");
	assert_int_equal(json_array_size(reqs), 2);
	assert_string_equal(it_str(json_array_get(reqs, 0), "headers.idempotency-key"),
	                    it_str(json_array_get(reqs, 1), "headers.idempotency-key"));
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "dedupe_key"),
	                    it_str(json_object_get(json_array_get(reqs, 1), "json"), "dedupe_key"));
	json_decref(reqs);
	assert_int_equal(json_array_size(reqs = it_alert_requests(a, "/v2/enqueue")), 1);
	json_decref(reqs);
	l = it_alert_ledger(a);
	for (size_t i = 0; i < l->nout; i++)
		assert_int_equal(l->outbox[i].status, KPI__ENTRY_DELIVERED);
	kpi__ledger_free(l);
}

/* Amazon SNS Publish, query protocol, signed by libcurl (service sns, the
 * topic's region), against the responder playing the endpoint. */
static void test_alert__sns_sink_publishes_a_signed_form_request(void **state)
{
	it_alert *a = *state = it_alert_new("sns", true,
	                                    "{\"delivery_deadline_seconds\": 2, " IT_ONLY_UNCACHED ", \"sinks\": {"
	                                    " \"sns\": {\"type\": \"sns\", \"topic_arn\": "
	                                    "\"arn:aws:sns:us-east-1:123456789012:kpi-alerts\", \"endpoint\": \"%URL%\"}}}");
	char home[160];
	const char *env[] = { "AWS_ACCESS_KEY_ID=" IT_ALERT_AWS_KEY_ID, "AWS_SECRET_ACCESS_KEY=" IT_ALERT_AWS_SECRET,
		              "AWS_REGION=eu-west-1", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
		              "AWS_ENDPOINT_URL_SNS", home, NULL };
	it_run_result r;
	json_t *reqs, *q;
	const char *body, *auth;
	kpi__ledger *l;

	snprintf(home, sizeof(home), "HOME=%s", a->root); /* no ~/.aws of the developer */
	it_responder_script(a->resp,
	                    "{\"default\": {\"status\": 200, \"headers\": {\"Content-Type\": \"text/xml\"}, \"body\": "
	                    "\"<PublishResponse xmlns=\\\"http://sns.amazonaws.com/doc/2010-03-31/\\\"><PublishResult>"
	                    "<MessageId>9a1b-42</MessageId></PublishResult></PublishResponse>\"}}");
	it_alert_run(a, &r, 0, NULL, env);
	assert_int_equal(r.status, 2);
	it_assert_no_secrets(a->state, r.out, r.err);
	assert_contains(r.err, "MessageId 9a1b-42");
	it_run_free(&r);
	reqs = it_alert_requests(a, NULL);
	assert_int_equal(json_array_size(reqs), 1);
	q = json_array_get(reqs, 0);
	assert_string_equal(it_str(q, "method"), "POST");
	assert_string_equal(it_str(q, "path"), "/");
	assert_contains(it_str(q, "headers.content-type"), "application/x-www-form-urlencoded");
	auth = it_str(q, "headers.authorization");
	assert_non_null(auth);
	assert_contains(auth, "AWS4-HMAC-SHA256 Credential=" IT_ALERT_AWS_KEY_ID "/");
	assert_contains(auth, "/us-east-1/sns/aws4_request"); /* the topic's region, not AWS_REGION */
	body = it_str(q, "body");
	assert_contains(body, "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Akpi-alerts");
	assert_contains(body, "&Subject=%5Bcritical%5D+Max+age+of+uncached+legacy+exports");
	assert_contains(body, "&Message=%7B%22schema%22%3A%22kpi.alert%2F1%22");
	json_decref(reqs);
	l = it_alert_ledger(a);
	assert_int_equal(l->outbox[0].status, KPI__ENTRY_DELIVERED);
	kpi__ledger_free(l);

	/* refused credentials are not retried; the secret stays out of it */
	it_responder_script(a->resp,
	                    "{\"default\": {\"status\": 403, \"body\": \"<ErrorResponse><Error><Type>Sender</Type>"
	                    "<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match"
	                    "</Message></Error></ErrorResponse>\"}}");
	it_alert_fix_breach(a);
	it_alert_run(a, &r, 30, NULL, env);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - delivery of resolve kpi:uncached_legacy_max_age_days:20261116T080000Z to sink "
	                      "'sns' failed terminally after 1 attempt: sink 'sns' (sns) (us-east-1 ");
	assert_contains(r.out, "authentication failed: HTTP 403 SignatureDoesNotMatch");
	it_assert_no_secrets(a->state, r.out, r.err);
	it_run_free(&r);
	/* without credentials it is a configuration error before anything runs */
	{
		const char *none[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", home, NULL };
		it_alert_run(a, &r, 35, NULL, none);
		assert_int_equal(r.status, 3);
		it_assert_line(r.out, "KPI UNKNOWN - ");
		assert_contains(r.out, "sink 'sns' (sns): ");
		it_run_free(&r);
	}
}

static void test_alert__dry_run_changes_nothing_and_sends_nothing(void **state)
{
	it_alert *a = *state = it_alert_new("dryrun", true, base_config);
	it_run_result r;
	const char *dry[] = { "--dry-run", NULL };
	char path[200];

	it_alert_run(a, &r, 0, dry, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d");
	it_assert_line(r.out, "DRY-RUN would send trigger to sink 'pd' (pagerduty): [critical] Max age of uncached legacy exports");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 0);
	assert_int_equal(access(a->state, F_OK), -1); /* not even created */
	/* with a ledger, a dry run leaves it byte for byte */
	it_alert_run(a, &r, 0, NULL, NULL);
	it_run_free(&r);
	snprintf(path, sizeof(path), "%s/ledger.json", a->state);
	{
		char *before = NULL, *after = NULL;
		assert_int_equal(kpi__read_file(&before, NULL, path, NULL), 0);
		it_alert_fix_breach(a);
		it_alert_run(a, &r, 30, dry, NULL);
		assert_int_equal(r.status, 0);
		it_assert_line(r.out, "KPI OK - uncached_legacy_max_age_days 0 d <= 7 d (resolved after 30m)");
		it_assert_line(r.out, "DRY-RUN would send resolve to sink 'pd'");
		it_run_free(&r);
		assert_int_equal(kpi__read_file(&after, NULL, path, NULL), 0);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
	assert_int_equal(it_responder_count(a->resp), 1);
}

static void test_alert__test_sends_a_marked_notification_and_resolves_it(void **state)
{
	it_alert *a = *state = it_alert_new("testsink", false, base_config);
	it_run_result r;
	const char *test[] = { "--test", "pd", NULL }, *bad[] = { "--test", "nope", NULL };
	json_t *reqs;

	it_alert_run(a, &r, 0, test, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - test notification delivered to sink 'pd' (HTTP 202");
	it_run_free(&r);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(reqs), 2);
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "event_action"), "trigger");
	assert_contains(it_str(json_object_get(json_array_get(reqs, 0), "json"), "payload.summary"), "[TEST]");
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "payload.severity"), "info");
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 1), "json"), "event_action"), "resolve");
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "dedup_key"),
	                    it_str(json_object_get(json_array_get(reqs, 1), "json"), "dedup_key"));
	json_decref(reqs);
	assert_int_equal(access(a->state, F_OK), -1); /* no ledger involved */
	it_alert_run(a, &r, 0, bad, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - no sink named 'nope'");
	it_run_free(&r);
	it_responder_script(a->resp, "{\"default\": {\"status\": 400, \"body\": \"{\\\"status\\\":\\\"invalid event\\\"}\"}}");
	it_alert_run(a, &r, 0, test, NULL);
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - test notification not accepted: sink 'pd' (pagerduty): HTTP 400");
	it_run_free(&r);
}

/* The receiver got `n` requests, the last a notification of `action` with
 * dedupe key `key`. */
static void assert_last_request(it_alert *a, size_t n, const char *action, const char *key)
{
	json_t *reqs = it_alert_requests(a, NULL), *last;
	assert_int_equal(json_array_size(reqs), n);
	last = json_object_get(json_array_get(reqs, n - 1), "json");
	assert_string_equal(it_str(last, "action"), action);
	assert_string_equal(it_str(last, "dedupe_key"), key);
	assert_string_equal(it_str(last, "since"), it_at(0));
	json_decref(reqs);
}

/* The command sink's output file has `n` lines, the last of `action` with
 * dedupe key `key`. */
static void assert_last_command(const char *path, int n, const char *action, const char *key)
{
	char *text = NULL, *last;
	json_t *j;
	assert_int_equal(kpi__read_file(&text, NULL, path, NULL), 0);
	assert_int_equal(it_count_lines(text), n);
	text[strlen(text) - 1] = '\0';
	last = strrchr(text, '\n') ? strrchr(text, '\n') + 1 : text;
	assert_non_null(j = json_loads(last, 0, NULL));
	assert_string_equal(it_str(j, "action"), action);
	assert_string_equal(it_str(j, "dedupe_key"), key);
	json_decref(j);
	free(text);
}

/* A firing alert reaches every sink configured while it fires, once: fired
 * with no sink at all, the webhook added later gets the trigger at the next
 * run, a command sink added after that gets it too (and the webhook not
 * again); the resolve goes to both. */
static void test_alert__sink_added_while_firing_gets_the_trigger_once_then_the_resolve(void **state)
{
	it_alert *a = *state = it_alert_new("latesink", true,
	                                    "{\"delivery_deadline_seconds\": 5, " IT_ONLY_UNCACHED ", \"sinks\": {}}");
	const char *key = "kpi:uncached_legacy_max_age_days:20261116T080000Z";
	char outfile[160];
	it_run_result r;
	kpi__ledger *l;
	kpi__alert_rec *rec;

	snprintf(outfile, sizeof(outfile), "%s/command.out", a->root);
	/* fired with no sink: nothing is sent, nothing is lost */
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d | ");
	assert_contains(r.err, "is not delivered; it goes to the sinks configured later while the alert fires");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 0);

	/* a webhook configured while it fires: the trigger, once */
	it_alert_config(a, "{\"delivery_deadline_seconds\": 5, " IT_ONLY_UNCACHED ", \"sinks\": {" IT_HOOK_SINK "}}");
	it_alert_run(a, &r, 3, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d (firing; trigger sent now to sink "
	                      "'hook', which had not had it) | ");
	it_run_free(&r);
	it_alert_run(a, &r, 6, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - no change: uncached_legacy_max_age_days 10");
	it_run_free(&r);
	assert_last_request(a, 1, "trigger", key);

	/* a second sink, a command, added later: it gets the trigger, the webhook not again */
	it_alert_config(a, "{\"delivery_deadline_seconds\": 5, " IT_ONLY_UNCACHED ", \"sinks\": {" IT_HOOK_SINK ","
	                   " \"cmd\": {\"type\": \"command\", \"argv\": [\"/usr/bin/tee\", \"-a\", \"%ROOT%/command.out\"],"
	                   " \"timeout_seconds\": 5}}}");
	it_alert_run(a, &r, 9, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10.01 d > 7 d (firing; trigger sent now to sink "
	                      "'cmd', which had not had it) | ");
	it_run_free(&r);
	it_alert_run(a, &r, 12, NULL, NULL);
	it_run_free(&r);
	assert_last_request(a, 1, "trigger", key);
	assert_last_command(outfile, 1, "trigger", key);
	l = it_alert_ledger(a);
	rec = kpi__ledger_find(l, "uncached_legacy_max_age_days");
	assert_non_null(rec);
	assert_int_equal(json_array_size(rec->sent), 2);
	kpi__ledger_free(l);

	/* recovery: the resolve goes to both sinks that had the trigger */
	it_alert_fix_breach(a);
	it_alert_run(a, &r, 30, NULL, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - uncached_legacy_max_age_days 0 d <= 7 d (resolved after 30m)");
	it_run_free(&r);
	assert_last_request(a, 2, "resolve", key);
	assert_last_command(outfile, 2, "resolve", key);
	l = it_alert_ledger(a);
	assert_null(kpi__ledger_find(l, "uncached_legacy_max_age_days")->sent);
	kpi__ledger_free(l);
}

/* Before the rollout (no legacy design yet): legacy_coverage_pct, gating
 * with missing data blocking, has no cohort and no value. Named in a NO
 * DATA line, kept in the ledger; not paged (exit 0, nothing sent). */
static void test_alert__empty_cohort_is_named_no_data_and_pages_nobody(void **state)
{
	it_alert *a = *state = it_alert_new(
	        "nocohort", true,
	        "{\"delivery_deadline_seconds\": 5, \"kpis\": {\"export_success_rate\": {\"enabled\": false},"
	        " \"outage_drill_success_pct\": {\"enabled\": false}, \"routing_mismatch_critical\": {\"enabled\": false},"
	        " \"uncached_legacy_max_age_days\": {\"enabled\": false}}, \"sinks\": {" IT_PD_SINK "}}");
	it_run_result r;
	kpi__ledger *l;

	it_alert_run_at(a, &r, "2020-01-06T12:00:00Z", NULL, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - no change: 1 row checked, 0 firing");
	it_assert_line(r.out, "KPI NO DATA - 1 gating row without data, not judged: legacy_coverage_pct (no value as of "
	                      "now) | no_data=1;;;0");
	assert_contains(r.err, "\"event\":\"alert.no_data\"");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 0);
	l = it_alert_ledger(a);
	assert_int_equal(json_array_size(l->no_data), 1);
	assert_string_equal(it_str(json_array_get(l->no_data, 0), "id"), "legacy_coverage_pct");
	kpi__ledger_free(l);
	/* with a cohort (its one design uncovered: a breach, pending): no
	 * line, the ledger's list emptied */
	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 1);
	it_assert_line(r.out, "KPI WARNING - legacy_coverage_pct ");
	assert_null(strstr(r.out, "NO DATA"));
	it_run_free(&r);
	l = it_alert_ledger(a);
	assert_int_equal(json_array_size(l->no_data), 0);
	kpi__ledger_free(l);
}

/* A ledger written before "sent_to" (a kpi before it): where a firing
 * alert's trigger went is taken from the outbox. Fired to 'pd'; the
 * ledger loses its sent_to; a webhook added then gets the trigger, 'pd' not
 * again; the resolve goes to both. */
static void test_alert__ledger_without_sent_to_takes_it_from_the_outbox(void **state)
{
	it_alert *a = *state = it_alert_new("oldledger", true, base_config);
	const char *key = "kpi:uncached_legacy_max_age_days:20261116T080000Z";
	char path[200];
	it_run_result r;
	kpi__ledger *l;
	kpi__alert_rec *rec;
	json_t *pd;

	it_alert_run(a, &r, 0, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	l = it_alert_ledger(a);
	rec = kpi__ledger_find(l, "uncached_legacy_max_age_days");
	assert_non_null(rec);
	json_decref(rec->sent);
	rec->sent = NULL; /* as an older kpi wrote it */
	snprintf(path, sizeof(path), "%s/ledger.json", a->state);
	assert_int_equal(kpi__ledger_save(path, l, IT_T0, NULL), 0);
	kpi__ledger_free(l);

	it_alert_config(a, "{\"delivery_deadline_seconds\": 5, " IT_ONLY_UNCACHED ", \"sinks\": {" IT_PD_SINK ", "
	                   IT_HOOK_SINK "}}");
	it_alert_run(a, &r, 3, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d (firing; trigger sent now to sink "
	                      "'hook', which had not had it) | ");
	it_run_free(&r);
	assert_last_request(a, 2, "trigger", key); /* pd's trigger at minute 0, the hook's now */
	pd = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(pd), 1);
	json_decref(pd);
	it_alert_fix_breach(a);
	it_alert_run(a, &r, 30, NULL, NULL);
	assert_int_equal(r.status, 0);
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alert__breach_fires_once_then_resolves_once_with_the_same_key, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__every_sink_gets_its_format, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__receiver_down_for_three_runs_gets_the_trigger_once_late, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__connection_refused_then_up_delivers_once, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__two_runs_at_the_same_moment_send_one_trigger, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__killed_between_sending_and_recording_sends_again_same_key, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__sns_sink_publishes_a_signed_form_request, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__dry_run_changes_nothing_and_sends_nothing, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__test_sends_a_marked_notification_and_resolves_it, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__sink_added_while_firing_gets_the_trigger_once_then_the_resolve,
		                          it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__empty_cohort_is_named_no_data_and_pages_nobody, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert__ledger_without_sent_to_takes_it_from_the_outbox, it_alert_teardown),
	};
	if (!it_pg_wanted("integration_alert"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_alert", tests, NULL, NULL);
}
