/*
 * The CloudWatch client against the tests' HTTP responder on loopback,
 * answering with recorded GetMetricData bodies (tests/fixtures/cloudwatch/)
 * and injected faults — what moto cannot do: throttling then success,
 * NextToken pages, 5xx until the deadline (bounded time), expired
 * credentials, signature errors, malformed and truncated bodies, PartialData,
 * weekly p95 over a DST week, per-minute datapoints for an M-of-N alarm, and
 * what the requests look like on the wire (signed, no secret).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "it_util.h"
#include "it_http.h"
#include "it_cw.h"

#define FIX KPI_SOURCE_DIR "/tests/fixtures/cloudwatch/"
#define NOW "2026-11-20T00:00:00Z"
#define LB "app/faults/1"
#define X16 "xxxxxxxxxxxxxxxx"
#define X128 X16 X16 X16 X16 X16 X16 X16 X16

static it_responder *resp;

static void setup_env(void)
{
	it_aws_env(resp->url);
	setenv("KPI_CW_LOAD_BALANCER", LB, 1);
	setenv("KPI_CW_RETRY_BASE_SECONDS", "0.05", 1);
	setenv("KPI_CW_RETRY_MAX_SECONDS", "0.2", 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "10", 1);
	unsetenv("KPI_TIMEZONE");
}

static void script(const char *json)
{
	it_responder_script(resp, json);
	it_responder_clear(resp);
}

static void query(it_run_result *run, const char *id, const char *week, const char *weeks, const char *const *env)
{
	const char *argv[] = { "kpi", "query", id, "--week", week, "--weeks", weeks, "--format", "json", NULL };
	it_run(run, argv, env, 60);
}

static const char *const now_env[] = { "KPI_NOW=" NOW, NULL };

/* Script an answer of seven one-minute datapoints from `from` on: 1000
 * requests a minute and the 5xx counts `errors` ("5,20,30,25,40,15,11"). */
static void script_minutes(int64_t from, const char *errors)
{
	char body[2048], scr[2600], *enc;
	json_t *b;
	snprintf(body, sizeof(body),
	         "{\"MetricDataResults\": [{\"Id\": \"q0\", \"Timestamps\": [%lld,%lld,%lld,%lld,%lld,%lld,%lld], "
	         "\"Values\": [1000,1000,1000,1000,1000,1000,1000], \"StatusCode\": \"Complete\"},"
	         "{\"Id\": \"q1\", \"Timestamps\": [%lld,%lld,%lld,%lld,%lld,%lld,%lld], "
	         "\"Values\": [%s], \"StatusCode\": \"Complete\"}]}",
	         (long long)from, (long long)from + 60, (long long)from + 120, (long long)from + 180,
	         (long long)from + 240, (long long)from + 300, (long long)from + 360, (long long)from,
	         (long long)from + 60, (long long)from + 120, (long long)from + 180, (long long)from + 240,
	         (long long)from + 300, (long long)from + 360, errors);
	b = json_string(body);
	enc = json_dumps(b, JSON_ENCODE_ANY);
	snprintf(scr, sizeof(scr), "{\"default\": {\"body\": %s}}", enc);
	free(enc);
	json_decref(b);
	script(scr);
}


static void test_cw_faults__throttling_then_success_and_next_token(void **state)
{
	static const it_row exp[] = { { 0, "load_balancer=" LB, 0.5, 3, 600, "ok" } };
	kpi_window w;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	it_run_result run;
	json_t *reqs;
	(void)state;
	setup_env();
	script("{\"rules\": ["
	       " {\"match\": {\"body\": \"token-2\"}, \"responses\": [{\"body_file\": \"" FIX "page2.json\"}]},"
	       " {\"match\": {\"path\": \"/\"}, \"responses\": ["
	       "   {\"status\": 400, \"headers\": {\"x-amzn-query-error\": \"Throttling;Sender\"},"
	       "    \"body\": \"{\\\"__type\\\": \\\"com.amazonaws.cloudwatch#Throttling\\\", \\\"message\\\": \\\"Rate exceeded\\\"}\"},"
	       "   {\"status\": 429, \"body\": \"{\\\"__type\\\": \\\"#ThrottlingException\\\"}\"},"
	       "   {\"body_file\": \"" FIX "page1.json\"}]}"
	       "]}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", now_env);
	if (run.status != 0)
		fail_msg("kpi query exited %d: %s", run.status, run.err);
	it_window(&w, "2026-W45", 1, "UTC", NOW);
	assert_int_equal(kpi_catalog_load(&cat, KPI_SOURCE_DIR "/templates/catalog.json", &err), 0);
	it_check_json(run.out, kpi_catalog_find(cat, "api_error_rate_pct"), &w, exp, 1);
	assert_contains(run.err, "aws.retry");
	assert_contains(run.err, "Throttling");
	/* the retry names its call once: "CloudWatch GetMetricData (KPI ...) (where): HTTP 400 ..." */
	assert_contains(run.err, "\"msg\":\"CloudWatch GetMetricData (KPI api_error_rate_pct) (");
	assert_not_contains(run.err, "(KPI api_error_rate_pct): CloudWatch GetMetricData");
	assert_not_contains(run.err, IT_AWS_SECRET);
	it_run_free(&run);

	reqs = it_responder_requests(resp);
	assert_int_equal(json_array_size(reqs), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *h = json_object_get(json_array_get(reqs, i), "headers");
		const char *auth = json_string_value(json_object_get(h, "authorization"));
		assert_string_equal(json_string_value(json_object_get(h, "x-amz-target")),
		                    "GraniteServiceVersion20100801.GetMetricData");
		assert_string_equal(json_string_value(json_object_get(h, "content-type")), "application/x-amz-json-1.0");
		assert_non_null(json_object_get(h, "x-amz-date"));
		assert_contains(auth, "Credential=" IT_AWS_KEY "/");
		assert_contains(auth, "/us-east-1/monitoring/aws4_request");
		assert_not_contains(auth, IT_AWS_SECRET);
		assert_null(json_object_get(h, "x-amz-security-token"));
	}
	assert_not_contains(json_string_value(json_object_get(json_array_get(reqs, 2), "body")), "NextToken");
	assert_contains(json_string_value(json_object_get(json_array_get(reqs, 3), "body")), "\"NextToken\":\"token-2\"");
	json_decref(reqs);
	kpi_catalog_free(cat);
}

static void test_cw_faults__5xx_until_the_deadline_in_bounded_time(void **state)
{
	const char *env[] = { "KPI_NOW=" NOW, "KPI_CW_DEADLINE_SECONDS=1.5", NULL };
	it_run_result run;
	(void)state;
	setup_env();
	script("{\"default\": {\"status\": 503, \"body\": \"Service Unavailable\"}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", env);
	assert_int_equal(run.status, 5);
	assert_true(run.seconds < 6);
	assert_contains(run.err, "kpi: CloudWatch GetMetricData (KPI api_error_rate_pct): gave up after");
	assert_contains(run.err, "HTTP 503");
	assert_true(it_responder_count(resp) >= 3);
	it_run_free(&run);
}

static void test_cw_faults__expired_token_fails_at_once_naming_the_source(void **state)
{
	const char *env[] = { "KPI_NOW=" NOW, "AWS_SESSION_TOKEN=session-token-secret", NULL };
	it_run_result run;
	json_t *reqs;
	(void)state;
	setup_env();
	script("{\"default\": {\"status\": 400, \"body\": \"{\\\"__type\\\": "
	       "\\\"com.amazon.coral.service#ExpiredTokenException\\\", \\\"message\\\": \\\"The security token "
	       "included in the request is expired\\\"}\"}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", env);
	assert_int_equal(run.status, 4);
	assert_int_equal(it_responder_count(resp), 1);
	assert_contains(run.err, "authentication failed");
	assert_contains(run.err, "ExpiredTokenException");
	assert_contains(run.err, "credentials from the environment (AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN)");
	assert_not_contains(run.err, "session-token-secret");
	assert_not_contains(run.err, IT_AWS_SECRET);
	assert_int_equal(it_count_lines(run.err), 1);
	reqs = it_responder_requests(resp);
	/* the token travels signed, as its own header */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(reqs, 0), "headers"),
	                                                      "x-amz-security-token")),
	                    "session-token-secret");
	assert_contains(json_string_value(json_object_get(json_object_get(json_array_get(reqs, 0), "headers"),
	                                                  "authorization")),
	                "x-amz-security-token");
	json_decref(reqs);
	it_run_free(&run);
}

static void test_cw_faults__moto_style_xml_signature_error_and_profile_source(void **state)
{
	char *creds = it_write_tmp("credentials", "[ops]\naws_access_key_id = AKIAPROFILEKEY\n"
	                                          "aws_secret_access_key = profile-secret\n");
	char credenv[600];
	const char *env[] = { "KPI_NOW=" NOW, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE=ops", credenv,
		              NULL };
	it_run_result run;
	(void)state;
	setup_env();
	snprintf(credenv, sizeof(credenv), "AWS_SHARED_CREDENTIALS_FILE=%s", creds);
	script("{\"default\": {\"status\": 403, \"headers\": {\"Content-Type\": \"text/xml\"}, \"body\": "
	       "\"<?xml version=\\\"1.0\\\"?><ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
	       "<Message>The request signature we calculated does not match the signature you provided.</Message>"
	       "</Error></ErrorResponse>\"}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", env);
	assert_int_equal(run.status, 4);
	assert_int_equal(it_responder_count(resp), 1);
	assert_contains(run.err, "SignatureDoesNotMatch");
	assert_contains(run.err, "credentials from profile 'ops' in ");
	assert_contains(run.err, creds);
	assert_not_contains(run.err, "profile-secret");
	it_run_free(&run);
	free(creds);
}

static void test_cw_faults__malformed_json_names_the_kpi(void **state)
{
	it_run_result run;
	(void)state;
	setup_env();
	script("{\"default\": {\"status\": 200, \"body\": \"{\\\"MetricDataResults\\\": [oops\"}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", now_env);
	assert_int_equal(run.status, 8);
	assert_contains(run.err, "KPI api_error_rate_pct: malformed CloudWatch GetMetricData answer: not JSON");
	assert_int_equal(it_count_lines(run.err), 1);
	it_run_free(&run);
	script("{\"default\": {\"status\": 200, \"body\": \"{\\\"Results\\\": []}\"}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", now_env);
	assert_int_equal(run.status, 8);
	assert_contains(run.err, "no MetricDataResults");
	it_run_free(&run);
}

/* Answers that cannot be true: exit 8 at once (one request, no retry), one
 * line naming the KPI, the metric and the first bad datapoint; no value. */
static void test_cw_faults__impossible_answers_are_malformed_at_once(void **state)
{
	static const struct {
		const char *file, *what;
	} cases[] = {
		{ "negative_5xx.json", "HTTPCode_Target_5XX_Count (AWS/ApplicationELB, Sum, LoadBalancer=" LB "): the "
		                       "datapoint at 2026-11-02T01:00:00Z is -15: negative" },
		{ "missing_result.json", "HTTPCode_Target_5XX_Count (AWS/ApplicationELB, Sum, LoadBalancer=" LB "): no result "
		                         "for its query q1 of the request for 2026-11-02T00:00:00Z..2026-11-09T00:00:00Z" },
		{ "huge_count.json", "RequestCount (AWS/ApplicationELB, Sum, LoadBalancer=" LB "): the datapoint at "
		                     "2026-11-02T00:00:00Z is 1e+308: above 1e+15, more than a week can hold" },
		{ "huge_timestamp.json", "RequestCount (AWS/ApplicationELB, Sum, LoadBalancer=" LB "): a datapoint at 1e+300 "
		                         "(value 100): not a whole second of a time kpi can represent" },
		{ "fractional_timestamp.json", "a datapoint at 1793577600.5 (value 100): not a whole second" },
		{ "outside_range.json", "a datapoint at 2023-11-14T22:13:20Z (value 100), outside the requested "
		                        "2026-11-02T00:00:00Z..2026-11-09T00:00:00Z" },
		{ "off_period.json", "a datapoint at 2026-11-02T00:05:00Z (value 1), not at the start of a requested 3600-s "
		                     "period" },
		{ "duplicate_id.json", "HTTPCode_Target_5XX_Count (AWS/ApplicationELB, Sum, LoadBalancer=" LB "): two results "
		                       "for its query q1 in one answer" },
		{ "unknown_id.json", "a result for query 'q7', which was not asked" },
		{ "nan_value.json", "the datapoint at 2026-11-02T00:00:00Z has a value that is not a number" },
		{ "more_errors_than_requests.json", "HTTPCode_Target_5XX_Count (AWS/ApplicationELB, Sum, LoadBalancer=" LB
		                                    "): the week 2026-11-02T00:00:00Z..2026-11-09T00:00:00Z counts 30, more "
		                                    "than the 12 of RequestCount; first at the datapoint at "
		                                    "2026-11-02T01:00:00Z (30 against 2)" },
	};
	char scr[600];
	it_run_result run;
	(void)state;
	setup_env();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(scr, sizeof(scr), "{\"default\": {\"body_file\": \"" FIX "%s\"}}", cases[i].file);
		script(scr);
		query(&run, "api_error_rate_pct", "2026-W45", "1", now_env);
		if (run.status != 8 || !strstr(run.err, cases[i].what))
			fail_msg("%s: kpi query exited %d: %s", cases[i].file, run.status, run.err);
		assert_contains(run.err, "kpi: KPI api_error_rate_pct: malformed CloudWatch GetMetricData answer: ");
		assert_int_equal(it_count_lines(run.err), 1);
		assert_string_equal(run.out, "");
		assert_int_equal(it_responder_count(resp), 1); /* not retried */
		assert_true(run.seconds < 5);
		it_run_free(&run);
	}
}

/* An answer above the size cap: exit 8 at once, whether its size is
 * announced (200 MB, refused before reading) or not (chunked). */
static void test_cw_faults__answer_above_the_size_cap_at_once(void **state)
{
	const char *env[] = { "KPI_NOW=" NOW, "KPI_CW_MAX_RESPONSE_BYTES=65536", NULL };
	it_run_result run;
	(void)state;
	setup_env();
	/* 128 bytes x 1638400 = 200 MiB */
	script("{\"default\": {\"body\": \"" X128 "\", \"repeat\": 1638400}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", now_env);
	assert_int_equal(run.status, 8);
	assert_string_equal(run.err, "kpi: KPI api_error_rate_pct: malformed CloudWatch GetMetricData answer: larger than "
	                             "67108864 bytes (the cap: cloudwatch.max_response_bytes or "
	                             "KPI_CW_MAX_RESPONSE_BYTES)\n");
	assert_int_equal(it_responder_count(resp), 1);
	assert_true(run.seconds < 5);
	it_run_free(&run);
	script("{\"default\": {\"body\": \"" X128 "\", \"repeat\": 1638400, \"chunked\": true}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", env);
	assert_int_equal(run.status, 8);
	assert_contains(run.err, "malformed CloudWatch GetMetricData answer: larger than 65536 bytes");
	assert_int_equal(it_responder_count(resp), 1);
	assert_true(run.seconds < 5);
	it_run_free(&run);
}

/* The pack and publish refuse a malformed answer the same way: exit 8, no
 * pack, no value published (the textfile says the run failed). */
static void test_cw_faults__pack_and_publish_refuse_a_malformed_answer(void **state)
{
	static const char *const others[] = { "api_latency_p95_ms", "sqs_queue_depth", "sqs_oldest_message_age_seconds",
		                              NULL };
	char *cat = it_cw_catalog(others), *prom = it_write_tmp("kpi.prom", ""), catenv[600], out[600], *text = NULL;
	const char *env[] = { catenv, "KPI_NOW=" NOW, NULL };
	const char *pack[] = { "kpi", "pack", "--week", "2026-W45", "--weeks", "1", "--out", out, NULL };
	const char *publish[] = { "kpi", "publish", "--week", "2026-W45", "--prom-textfile", prom, NULL };
	const char *files[] = { "negative_5xx.json", "huge_count.json", "missing_result.json" };
	char scr[600];
	struct stat st;
	it_run_result run;
	(void)state;
	setup_env();
	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(out, sizeof(out), "%s.pack", prom);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(scr, sizeof(scr), "{\"default\": {\"body_file\": \"" FIX "%s\"}}", files[i]);
		script(scr);
		it_run(&run, pack, env, 60);
		if (run.status != 8)
			fail_msg("%s: kpi pack exited %d: %s", files[i], run.status, run.err);
		assert_contains(run.err, "KPI api_error_rate_pct: malformed CloudWatch GetMetricData answer: ");
		assert_string_equal(run.out, "");
		assert_int_equal(it_responder_count(resp), 1);
		it_run_free(&run);
		it_responder_clear(resp);
		it_run(&run, publish, env, 60);
		if (run.status != 8)
			fail_msg("%s: kpi publish exited %d: %s", files[i], run.status, run.err);
		assert_contains(run.err, "KPI api_error_rate_pct: malformed CloudWatch GetMetricData answer: ");
		assert_int_equal(it_responder_count(resp), 1);
		it_run_free(&run);
		assert_int_equal(kpi__read_file(&text, NULL, prom, NULL), 0);
		assert_not_contains(text, "kpi_api_error_ratio{");
		assert_contains(text, "kpi_last_run_success 0\n");
		free(text);
		text = NULL;
	}
	{
		char pdf[700];
		snprintf(pdf, sizeof(pdf), "%s/kpi-2026-W45.pdf", out);
		assert_true(stat(pdf, &st) != 0);
	}
	free(prom);
	free(cat);
}

/* kpi alert: a malformed answer is a source failure (the blind monitor),
 * never a value. */
static void test_cw_faults__alert_takes_a_malformed_answer_as_a_source_failure(void **state)
{
	static const char *const others[] = { "api_latency_p95_ms", "sqs_queue_depth", "sqs_oldest_message_age_seconds",
		                              NULL };
	/* half an hour ago, on a minute: recent enough for 1-minute data */
	int64_t t = ((int64_t)time(NULL) - 1800) / 60 * 60, from = t - 7 * 60;
	char *cat = it_cw_catalog(others), *notified = it_write_tmp("notified", ""), *cfg, catenv[600], text[1200],
	     now[32], *got = NULL;
	const char *env[] = { catenv, "KPI_NOW", NULL };
	const char *argv[] = { "kpi", "alert", "--config", NULL, "--state-dir", NULL, "--now", now, "--log-format",
		               "text", NULL };
	char state_dir[700];
	it_run_result run;
	(void)state;
	setup_env();
	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(text, sizeof(text),
	         "{\"alert\": {\"source_failures_before_alert\": 1, \"sinks\": {\"file\": {\"type\": \"command\","
	         " \"argv\": [\"sh\", \"-c\", \"cat >> '%s'\"]}}}}",
	         notified);
	cfg = it_write_tmp("alert.json", text);
	snprintf(state_dir, sizeof(state_dir), "%s.state", cfg);
	argv[3] = cfg;
	argv[5] = state_dir;
	kpi_time_format(now, sizeof(now), t);
	/* 5xx counts 5, 20, -30, ...: the third negative */
	script_minutes(from, "5,20,-30,25,40,15,11");
	it_run(&run, argv, env, 60);
	if (run.status != 3)
		fail_msg("kpi alert exited %d: %s\n%s", run.status, run.out, run.err);
	assert_contains(run.out, "KPI UNKNOWN - cannot read the data");
	assert_contains(run.out, "KPI CRITICAL - kpi_source (cannot read its data, 1 failed run in a row: KPI "
	                         "api_error_rate_pct: malformed CloudWatch GetMetricData answer: "
	                         "HTTPCode_Target_5XX_Count (AWS/ApplicationELB, Sum, LoadBalancer=" LB "): the datapoint "
	                         "at ");
	assert_contains(run.out, "is -30: negative)");
	assert_not_contains(run.out, "api_error_rate_pct[");
	assert_contains(run.err, "alert.source.error");
	it_run_free(&run);
	assert_int_equal(kpi__read_file(&got, NULL, notified, NULL), 0);
	assert_contains(got, "\"kpi\":\"kpi_source\"");
	assert_contains(got, "malformed CloudWatch GetMetricData answer");
	assert_not_contains(got, "\"kpi\":\"api_error_rate_pct\"");
	free(got);
	/* more 5xx answers than requests in a minute: the same */
	script_minutes(from, "5,20,2000,25,40,15,11");
	it_run(&run, argv, env, 60);
	if (run.status != 3)
		fail_msg("kpi alert exited %d: %s\n%s", run.status, run.out, run.err);
	assert_contains(run.out, "KPI UNKNOWN - cannot read the data");
	assert_contains(run.out, "HTTPCode_Target_5XX_Count (AWS/ApplicationELB, Sum, LoadBalancer=" LB "): the period at ");
	assert_contains(run.out, "counts 2000, more than the 1000 of RequestCount");
	assert_not_contains(run.out, "api_error_rate_pct[");
	it_run_free(&run);
	free(cfg);
	free(notified);
	free(cat);
}

/* Nobody listening at the endpoint: retried to the deadline, then the
 * source is unreachable (exit 4), said once, naming the endpoint. */
static void test_cw_faults__refused_until_the_deadline_is_unreachable(void **state)
{
	const char *env[] = { "KPI_NOW=" NOW, "KPI_CW_DEADLINE_SECONDS=1", NULL };
	char url[64], want[128];
	it_run_result run;
	(void)state;
	setup_env();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", it_free_port());
	setenv("AWS_ENDPOINT_URL", url, 1);
	query(&run, "api_error_rate_pct", "2026-W45", "1", env);
	assert_int_equal(run.status, 4);
	assert_true(run.seconds < 6);
	snprintf(want, sizeof(want), "kpi: CloudWatch GetMetricData (KPI api_error_rate_pct): %s cannot be reached: ", url);
	assert_contains(run.err, want);
	assert_contains(run.err, ", deadline 1 s)\n");
	assert_null(strstr(strstr(run.err, want) + strlen(want), "CloudWatch GetMetricData")); /* said once */
	it_run_free(&run);
	setenv("AWS_ENDPOINT_URL", resp->url, 1);
}

static void test_cw_faults__truncated_body_retried_then_fails(void **state)
{
	const char *env[] = { "KPI_NOW=" NOW, "KPI_CW_DEADLINE_SECONDS=1", NULL };
	it_run_result run;
	(void)state;
	setup_env();
	script("{\"default\": {\"status\": 200, \"body_file\": \"" FIX "page2.json\", \"truncate\": true}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", env);
	assert_int_equal(run.status, 5);
	assert_true(run.seconds < 6);
	assert_contains(run.err, "CloudWatch GetMetricData (KPI api_error_rate_pct)");
	assert_true(it_responder_count(resp) >= 2);
	it_run_free(&run);
}

static void test_cw_faults__partial_data_is_incomplete_never_healthy(void **state)
{
	it_run_result run;
	json_t *doc, *row;
	(void)state;
	setup_env();
	script("{\"default\": {\"body_file\": \"" FIX "partial_last.json\"}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", now_env);
	assert_int_equal(run.status, 0);
	doc = json_loads(run.out, 0, NULL);
	assert_non_null(doc);
	row = json_array_get(json_object_get(doc, "rows"), 0);
	assert_true(json_is_true(json_object_get(row, "incomplete")));
	assert_string_equal(json_string_value(json_object_get(row, "status")), "no_data"); /* 0 % so far */
	assert_int_equal(json_number_value(json_object_get(row, "value")), 0);
	json_decref(doc);
	it_run_free(&run);
	script("{\"default\": {\"body_file\": \"" FIX "internal_error.json\"}}");
	query(&run, "api_error_rate_pct", "2026-W45", "1", now_env);
	assert_int_equal(run.status, 4);
	assert_contains(run.err, "CloudWatch answered InternalError");
	it_run_free(&run);
}

static void test_cw_faults__weekly_p95_per_week_across_dst(void **state)
{
	static const it_row exp[] = {
		{ 0, "load_balancer=" LB, 420, NULLV, NULLV, "ok" },
		{ 1, "load_balancer=" LB, 300, NULLV, NULLV, "ok" },
		{ 2, "load_balancer=" LB, 610, NULLV, NULLV, "breach" },
	};
	const char *env[] = { "KPI_NOW=" NOW, "KPI_TIMEZONE=Europe/Berlin", NULL };
	kpi_window w;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	it_run_result run;
	json_t *reqs;
	(void)state;
	setup_env();
	script("{\"rules\": ["
	       " {\"match\": {\"body\": \"\\\"Period\\\":608400\"}, \"responses\": [{\"body_file\": \"" FIX "p95_dst_week.json\"}]},"
	       " {\"match\": {\"body\": \"\\\"Period\\\":604800\"}, \"responses\": [{\"body_file\": \"" FIX "p95_weeks.json\"}]}"
	       "], \"default\": {\"status\": 500, \"body\": \"unexpected request\"}}");
	query(&run, "api_latency_p95_ms", "2026-W45", "3", env);
	if (run.status != 0)
		fail_msg("kpi query exited %d: %s", run.status, run.err);
	it_window(&w, "2026-W45", 3, "Europe/Berlin", NOW);
	assert_int_equal(kpi_catalog_load(&cat, KPI_SOURCE_DIR "/templates/catalog.json", &err), 0);
	it_check_json(run.out, kpi_catalog_find(cat, "api_latency_p95_ms"), &w, exp, 3);
	kpi_catalog_free(cat);
	it_run_free(&run);
	/* two calls: the 169-hour week alone, the two ordinary weeks together */
	reqs = it_responder_requests(resp);
	assert_int_equal(json_array_size(reqs), 2);
	assert_contains(json_string_value(json_object_get(json_array_get(reqs, 0), "body")), "\"Stat\":\"p95\"");
	assert_contains(json_string_value(json_object_get(json_array_get(reqs, 0), "body")), "\"StartTime\":1792360800");
	json_decref(reqs);
}

static void test_cw_faults__minute_datapoints_feed_an_m_of_n_alarm(void **state)
{
	int64_t now = (int64_t)time(NULL), to = now - now % 60, from = to - 7 * 60;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_datapoint_set *set = NULL;
	kpi_alarm_rule rule;
	kpi_error err = KPI_ERROR_INIT;
	const kpi_def *d;
	(void)state;
	setup_env();
	/* requests 1000 a minute; errors 5, 20, 30, 25, 40, 15, 11 (%: 0.5, 2, 3, 2.5, 4, 1.5, 1.1) */
	script_minutes(from, "5,20,30,25,40,15,11");
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), 0);
	assert_int_equal(kpi_catalog_load(&cat, cfg->catalog_path, &err), 0);
	d = kpi_catalog_find(cat, "api_error_rate_pct");
	if (kpi_source_datapoints(&set, cfg, d, from, to, 60, &err))
		fail_msg("kpi_source_datapoints: %s", err.message);
	assert_int_equal(set->nsets, 1);
	assert_string_equal(set->sets[0].labels[0], LB);
	assert_int_equal(set->sets[0].n, 7);
	assert_true(set->sets[0].present[0]);
	assert_double_equal(set->sets[0].values[1], 2.0);
	assert_double_equal(set->sets[0].values[6], 11.0 / 1000.0 * 100.0);
	assert_int_equal(kpi_alarm_rule_of(&rule, d, &err), 0);
	/* the last five minutes are all above 1 %: 5 of 5 -> ALARM */
	assert_int_equal(kpi_alarm_eval(&rule, set->sets[0].values, set->sets[0].present, set->sets[0].n, KPI_ALARM_OK),
	                 KPI_ALARM_ALARM);
	/* with the first of the last five at 0.5 % it would not be */
	set->sets[0].values[2] = 0.5;
	assert_int_equal(kpi_alarm_eval(&rule, set->sets[0].values, set->sets[0].present, set->sets[0].n, KPI_ALARM_ALARM),
	                 KPI_ALARM_OK);
	kpi_datapoint_set_free(set);
	/* a period unfit for the data's age is refused before any request */
	it_responder_clear(resp);
	assert_int_equal(kpi_source_datapoints(&set, cfg, d, from - 30 * 86400, from - 30 * 86400 + 600, 60, &err),
	                 KPI_EUSAGE);
	assert_contains(err.message, "multiple of 300 s");
	assert_int_equal(it_responder_count(resp), 0);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_cw_faults__explain_prints_the_request_without_secrets(void **state)
{
	const char *argv[] = { "kpi", "explain", "api_error_rate_pct", "--week", "2026-W45", NULL };
	const char *env[] = { "KPI_NOW=" NOW, "AWS_SESSION_TOKEN=session-token-secret", NULL };
	it_run_result run;
	(void)state;
	setup_env();
	it_responder_clear(resp);
	it_run(&run, argv, env, 30);
	assert_int_equal(run.status, 0);
	assert_contains(run.out, "aws:amz:us-east-1:monitoring");
	assert_contains(run.out, "credentials from the environment");
	assert_contains(run.out, "\"MetricName\": \"HTTPCode_Target_5XX_Count\"");
	assert_contains(run.out, "\"Period\": 3600");
	assert_contains(run.out, "\"StartTime\": 1793577600");
	assert_not_contains(run.out, IT_AWS_SECRET);
	assert_not_contains(run.out, "session-token-secret");
	assert_int_equal(it_responder_count(resp), 0); /* sends nothing */
	it_run_free(&run);
}

static void test_cw_faults__publish_usage(void **state)
{
	const char *none[] = { "kpi", "publish", NULL };
	const char *help[] = { "kpi", "publish", "--help", NULL };
	const char *bad[] = { "kpi", "publish", "--prom-textfile", NULL };
	const char *unknown[] = { "kpi", "publish", "--cloudwatch", "--bogus", NULL };
	it_run_result run;
	(void)state;
	it_run(&run, none, NULL, 30);
	assert_int_equal(run.status, 2);
	assert_contains(run.err, "nothing to publish");
	it_run_free(&run);
	it_run(&run, help, NULL, 30);
	assert_int_equal(run.status, 0);
	assert_contains(run.out, "usage: kpi publish");
	assert_contains(run.out, "--prom-textfile PATH");
	assert_contains(run.out, "kpi_source_errors_total");
	it_run_free(&run);
	it_run(&run, bad, NULL, 30);
	assert_int_equal(run.status, 2);
	it_run_free(&run);
	it_run(&run, unknown, NULL, 30);
	assert_int_equal(run.status, 2);
	assert_contains(run.err, "unknown option '--bogus'");
	it_run_free(&run);
}

static int start(void **state)
{
	(void)state;
	resp = it_responder_start(NULL);
	return 0;
}

static int stop(void **state)
{
	(void)state;
	it_responder_stop(resp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cw_faults__throttling_then_success_and_next_token),
		cmocka_unit_test(test_cw_faults__5xx_until_the_deadline_in_bounded_time),
		cmocka_unit_test(test_cw_faults__refused_until_the_deadline_is_unreachable),
		cmocka_unit_test(test_cw_faults__expired_token_fails_at_once_naming_the_source),
		cmocka_unit_test(test_cw_faults__moto_style_xml_signature_error_and_profile_source),
		cmocka_unit_test(test_cw_faults__malformed_json_names_the_kpi),
		cmocka_unit_test(test_cw_faults__impossible_answers_are_malformed_at_once),
		cmocka_unit_test(test_cw_faults__answer_above_the_size_cap_at_once),
		cmocka_unit_test(test_cw_faults__pack_and_publish_refuse_a_malformed_answer),
		cmocka_unit_test(test_cw_faults__alert_takes_a_malformed_answer_as_a_source_failure),
		cmocka_unit_test(test_cw_faults__truncated_body_retried_then_fails),
		cmocka_unit_test(test_cw_faults__partial_data_is_incomplete_never_healthy),
		cmocka_unit_test(test_cw_faults__weekly_p95_per_week_across_dst),
		cmocka_unit_test(test_cw_faults__minute_datapoints_feed_an_m_of_n_alarm),
		cmocka_unit_test(test_cw_faults__explain_prints_the_request_without_secrets),
		cmocka_unit_test(test_cw_faults__publish_usage),
	};
	/* Needs only python3 (the responder): always runs. */
	it_cw_clean_env();
	return cmocka_run_group_tests_name("cw_faults", tests, start, stop);
}
