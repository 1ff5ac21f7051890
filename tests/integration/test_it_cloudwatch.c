/*
 * The CloudWatch KPIs against a real CloudWatch-compatible endpoint:
 * moto_server on loopback (started by scripts/test, KPI_TEST_MOTO_URL),
 * seeded with PutMetricData, read back by the library (kpi_collect) and by
 * `kpi query --format json`, against hand-computed weekly values; kpi
 * publish round-tripping through moto (read back with GetMetricData) and
 * its textfile passing promtool; signatures checked with moto's IAM auth on.
 *
 * moto has no percentiles (p95 answers HTTP 500) and no metric math: those
 * paths are in test_it_cw_faults.c against recorded answers.
 *
 * Weeks (UTC): W40 = 2026-09-28, W41 = 10-05, W42 = 10-12, W43 = 10-19.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it_util.h"
#include "it_cw.h"
#include "net/aws.h"

#define W40 1790553600LL
#define W41 (W40 + 604800)
#define W42 (W41 + 604800)
#define W43 (W42 + 604800)
#define H 3600
#define LB "app/kpi-it/50dc6c495c0c9188"
#define NOW "2026-11-20T00:00:00Z"

static const char *moto;

static void put1(const char *ns, const char *metric, const char *dim, const char *val, int64_t t, double v)
{
	it_cw_put(ns, metric, dim, val, &t, &v, 1);
}

static int seed(void **state)
{
	int64_t ts[200];
	double v[200];
	size_t n = 0;
	(void)state;
	/* Load balancer. W40: 4000 requests, 40 errors (1.0 %, at the threshold);
	 * W41: 2000 / 50 (2.5 %); W42: 700 requests at its very first second,
	 * none failed; W43: nothing. */
	put1("AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, W40 + 600, 1000);
	put1("AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, W40 + 86400 + 13 * H, 2000);
	put1("AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, W40 + 86400 + 13 * H + 60, 500);
	put1("AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, W41 - 1, 500);
	put1("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB, W40 + 86400 + 13 * H + 300, 30);
	put1("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB, W41 - 30, 10);
	put1("AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, W41 + 2 * 86400 + 10 * H, 2000);
	put1("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB, W41 + 2 * 86400 + 10 * H + 1800, 50);
	put1("AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, W42, 700);

	/* Queues in W41: exports every hour (h % 50) with a spike of 420, then
	 * 421 half an hour later (hourly Maximum 421); previews every hour but
	 * one (a gap); oldest age of exports 60 * (h % 10), previews none. */
	for (int h = 0; h < 168; h++) {
		ts[n] = W41 + h * H + 120;
		v[n++] = h % 50;
	}
	it_cw_put("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "kpi-it-exports", ts, v, n);
	put1("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "kpi-it-exports", W41 + 3 * 86400 + 12 * H, 420);
	put1("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "kpi-it-exports",
	     W41 + 3 * 86400 + 12 * H + 1800, 421);
	n = 0;
	for (int h = 0; h < 168; h++) {
		if (h == 100)
			continue;
		ts[n] = W41 + h * H;
		v[n++] = 3;
	}
	it_cw_put("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "kpi-it-previews", ts, v, n);
	n = 0;
	for (int h = 0; h < 168; h++) {
		ts[n] = W41 + h * H + 59;
		v[n++] = 60 * (h % 10);
	}
	it_cw_put("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "kpi-it-exports", ts, v, n);
	return 0;
}

static void configure(void)
{
	it_aws_env(moto);
	setenv("KPI_CW_LOAD_BALANCER", LB, 1);
	setenv("KPI_CW_QUEUES", "kpi-it-exports, kpi-it-previews", 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "20", 1);
}

static kpi_result *collect(const char *id, const kpi_window *w, kpi_config **cfg, kpi_catalog **cat)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_result *res = NULL;
	const char *ids[1] = { id };
	if (kpi_config_load(cfg, NULL, &err) || kpi_catalog_load(cat, (*cfg)->catalog_path, &err) ||
	    kpi_collect(&res, *cat, *cfg, ids, 1, w, &err))
		fail_msg("kpi_collect(%s): %s", id, err.message);
	return res;
}

static void run_query(it_run_result *run, const char *id, const char *week, const char *weeks)
{
	const char *argv[] = { "kpi", "query", id, "--week", week, "--weeks", weeks, "--format", "json", NULL };
	const char *env[] = { "KPI_NOW=" NOW, NULL };
	it_run(run, argv, env, 60);
}

static void check_both(const char *id, const char *week, int nweeks, const it_row *exp, size_t n)
{
	kpi_window w;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_result *res;
	it_run_result run;
	char nb[8];

	configure();
	it_window(&w, week, nweeks, "UTC", NOW);
	res = collect(id, &w, &cfg, &cat);
	it_check_series(&res->series[0], &w, exp, n);
	kpi_result_free(res);
	snprintf(nb, sizeof(nb), "%d", nweeks);
	run_query(&run, id, week, nb);
	if (run.status != 0)
		fail_msg("kpi query %s exited %d: %s", id, run.status, run.err);
	it_check_json(run.out, kpi_catalog_find(cat, id), &w, exp, n);
	it_run_free(&run);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_cloudwatch__error_rate_weekly_from_two_sums(void **state)
{
	static const it_row exp[] = {
		{ 0, "load_balancer=" LB, 1.0, 40, 4000, "ok" },
		{ 1, "load_balancer=" LB, 2.5, 50, 2000, "breach" },
		{ 2, "load_balancer=" LB, 0.0, 0, 700, "ok" },
		{ 3, "load_balancer=" LB, NULLV, 0, 0, "no_data" },
	};
	(void)state;
	check_both("api_error_rate_pct", "2026-W43", 4, exp, 4);
}

static void test_cloudwatch__sqs_oldest_age_weekly_max(void **state)
{
	static const it_row exp[] = {
		{ 0, "queue=kpi-it-exports", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "queue=kpi-it-previews", NULLV, NULLV, NULLV, "no_data" },
		{ 1, "queue=kpi-it-exports", 540, NULLV, NULLV, "ok" },
		{ 1, "queue=kpi-it-previews", NULLV, NULLV, NULLV, "no_data" },
	};
	(void)state;
	check_both("sqs_oldest_message_age_seconds", "2026-W41", 2, exp, 4);
}

static void test_cloudwatch__sqs_depth_max_and_a_gap_is_incomplete(void **state)
{
	static const it_row exp[] = {
		{ 0, "queue=kpi-it-exports", NULLV, NULLV, NULLV, "no_data" },
		{ 0, "queue=kpi-it-previews", NULLV, NULLV, NULLV, "no_data" },
		{ 1, "queue=kpi-it-exports", 421, NULLV, NULLV, "ok" },
		/* one hour missing: the value is what is known, never healthy */
		{ 1, "queue=kpi-it-previews", 3, NULLV, NULLV, "no_data" },
	};
	kpi_window w;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_result *res;
	it_run_result run;
	json_t *doc, *rows;
	(void)state;
	configure();
	it_window(&w, "2026-W41", 2, "UTC", NOW);
	res = collect("sqs_queue_depth", &w, &cfg, &cat);
	it_check_series(&res->series[0], &w, exp, 4);
	assert_false(res->series[0].rows[0].incomplete); /* no data at all is no gap */
	assert_false(res->series[0].rows[2].incomplete);
	assert_true(res->series[0].rows[3].incomplete);
	kpi_result_free(res);
	run_query(&run, "sqs_queue_depth", "2026-W41", "2");
	assert_int_equal(run.status, 0);
	doc = json_loads(run.out, 0, NULL);
	assert_non_null(doc);
	rows = json_object_get(doc, "rows");
	assert_int_equal(json_array_size(rows), 4);
	assert_true(json_is_true(json_object_get(json_array_get(rows, 3), "incomplete")));
	assert_null(json_object_get(json_array_get(rows, 2), "incomplete"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 3), "status")), "no_data");
	json_decref(doc);
	it_run_free(&run);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_cloudwatch__not_configured_by_name_is_an_error(void **state)
{
	it_run_result run;
	const char *argv[] = { "kpi", "query", "api_error_rate_pct", "--week", "2026-W41", NULL };
	const char *env[] = { "KPI_CW_LOAD_BALANCER", "KPI_NOW=" NOW, NULL };
	const char *largv[] = { "kpi", "list", NULL };
	(void)state;
	configure();
	it_run(&run, argv, env, 30);
	assert_int_equal(run.status, 3);
	assert_contains(run.err, "api_error_rate_pct");
	assert_contains(run.err, "KPI_CW_LOAD_BALANCER");
	assert_int_equal(it_count_lines(run.err), 1);
	it_run_free(&run);
	it_run(&run, largv, env, 30);
	assert_int_equal(run.status, 0);
	assert_contains(run.out, "cloudwatch* API error rate");
	assert_contains(run.out, "not configured");
	it_run_free(&run);
}

static char *read_text(const char *path)
{
	char *t = NULL;
	assert_int_equal(kpi__read_file(&t, NULL, path, NULL), 0);
	return t;
}

static int promtool(const char *path)
{
	char cmd[600];
	int st;
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' >&2", path);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cloudwatch__publish_round_trips_and_textfile_passes_promtool(void **state)
{
	static const char *const no_p95[] = { "api_latency_p95_ms", NULL };
	char *cat = it_cw_catalog(no_p95), *prom, *text, catenv[600], promarg[600];
	const char *env[] = { catenv, "KPI_NOW=2026-10-13T06:00:00Z", NULL };
	const char *argv[] = { "kpi", "publish", "--week", "last", "--cloudwatch", "--namespace", "KPI-IT",
		               "--prom-textfile", promarg, NULL };
	const char *badenv[] = { catenv, "KPI_NOW=2026-10-13T07:00:00Z", "AWS_ENDPOINT_URL=http://127.0.0.1:9",
		                 "KPI_CW_DEADLINE_SECONDS=1", "KPI_CW_RETRY_BASE_SECONDS=0.05", NULL };
	it_run_result run;
	double *v;
	bool *p;
	(void)state;
	configure();
	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	prom = it_write_tmp("kpi.prom", "");
	unlink(prom);
	snprintf(promarg, sizeof(promarg), "%s", prom);
	it_run(&run, argv, env, 60);
	if (run.status != 0)
		fail_msg("kpi publish exited %d: %s", run.status, run.err);
	it_run_free(&run);

	/* read back what was published, at the week's end (as-of time) */
	it_cw_get("KPI-IT", "api_error_rate_pct", "load_balancer", LB, "Maximum", W42 - H, W42 + H, H, &v, &p);
	assert_true(p[1]);
	assert_double_equal(v[1], 2.5);
	free(v);
	free(p);
	it_cw_get("KPI-IT", "api_error_rate_pct_status", "load_balancer", LB, "Maximum", W42 - H, W42 + H, H, &v, &p);
	assert_true(p[1]);
	assert_double_equal(v[1], 1.0); /* breach */
	free(v);
	free(p);
	it_cw_get("KPI-IT", "sqs_queue_depth", "queue", "kpi-it-exports", "Maximum", W42 - H, W42 + H, H, &v, &p);
	assert_true(p[1]);
	assert_double_equal(v[1], 421);
	free(v);
	free(p);
	/* the incomplete previews row has no value to publish: nothing sent */
	it_cw_get("KPI-IT", "sqs_queue_depth", "queue", "kpi-it-previews", "Maximum", W42 - H, W42 + H, H, &v, &p);
	assert_false(p[0] || p[1]);
	free(v);
	free(p);

	text = read_text(prom);
	/* Prometheus names: the % KPI as a ratio (2.5 % -> 0.025) */
	assert_contains(text, "# TYPE kpi_api_error_ratio gauge\n");
	assert_contains(text, "kpi_api_error_ratio{load_balancer=\"" LB "\"} 0.025\n");
	assert_contains(text, "kpi_status{kpi=\"api_error_rate_pct\",load_balancer=\"" LB "\",status=\"breach\"} 1\n");
	assert_contains(text, "kpi_status{kpi=\"api_error_rate_pct\",load_balancer=\"" LB "\",status=\"ok\"} 0\n");
	assert_contains(text, "kpi_api_error_ratio_threshold 0.01\n");
	assert_contains(text, "kpi_status{kpi=\"sqs_queue_depth\",queue=\"kpi-it-previews\",status=\"no_data\"} 1\n");
	assert_contains(text, "kpi_sqs_queue_depth{queue=\"kpi-it-exports\"} 421\n");
	assert_not_contains(text, "kpi_sqs_queue_depth{queue=\"kpi-it-previews\"}");
	assert_contains(text, "kpi_rows{kpi=\"sqs_queue_depth\",status=\"no_data\"} 1\n");
	assert_contains(text, "kpi_source_errors_total 0\n");
	assert_contains(text, "kpi_last_success_timestamp_seconds 1791871200\n");
	assert_contains(text, "# TYPE kpi_run_duration_seconds gauge\n");
	free(text);
	assert_int_equal(promtool(prom), 0);

	/* a source that cannot be read: exit non-zero, the textfile still
	 * written, without KPI values, errors counted, last success kept */
	it_run(&run, argv, badenv, 60);
	assert_true(run.status == 4 || run.status == 5);
	assert_contains(run.err, "CloudWatch GetMetricData");
	it_run_free(&run);
	text = read_text(prom);
	assert_not_contains(text, "kpi_api_error_ratio{");
	assert_not_contains(text, "kpi_sqs_queue_depth{");
	assert_contains(text, "kpi_source_errors_total 1\n");
	assert_contains(text, "kpi_last_run_success 0\n");
	assert_contains(text, "kpi_last_success_timestamp_seconds 1791871200\n");
	free(text);
	assert_int_equal(promtool(prom), 0);
	unlink(prom);
	free(prom);
	free(cat);
}

/* ---- signatures, with moto's IAM auth on ---- */

static void test_cloudwatch__signature_checked_with_auth_on(void **state)
{
	char id[128], secret[128], idenv[160], secenv[160];
	const char *good[] = { idenv, secenv, "KPI_NOW=" NOW, NULL };
	const char *bad[] = { idenv, "AWS_SECRET_ACCESS_KEY=wrong-secret-xyz", "KPI_NOW=" NOW, NULL };
	const char *argv[] = { "kpi", "query", "api_error_rate_pct", "--week", "2026-W41", "--format", "json", NULL };
	it_run_result run;
	(void)state;
	configure();
	it_moto_iam_key(id, sizeof(id), secret, sizeof(secret));
	snprintf(idenv, sizeof(idenv), "AWS_ACCESS_KEY_ID=%s", id);
	snprintf(secenv, sizeof(secenv), "AWS_SECRET_ACCESS_KEY=%s", secret);
	it_moto_api(moto, "/moto-api/reset-auth", "0");
	it_run(&run, argv, good, 60);
	if (run.status != 0) {
		it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
		fail_msg("signed with the right secret, kpi query exited %d: %s", run.status, run.err);
	}
	assert_contains(run.out, "\"value\":2.5");
	it_run_free(&run);
	it_run(&run, argv, bad, 60);
	it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
	assert_int_equal(run.status, 4);
	assert_contains(run.err, "authentication failed");
	assert_contains(run.err, "SignatureDoesNotMatch");
	assert_contains(run.err, "credentials from the environment (AWS_ACCESS_KEY_ID)");
	assert_not_contains(run.err, "wrong-secret-xyz");
	assert_int_equal(it_count_lines(run.err), 1);
	it_run_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cloudwatch__error_rate_weekly_from_two_sums),
		cmocka_unit_test(test_cloudwatch__sqs_oldest_age_weekly_max),
		cmocka_unit_test(test_cloudwatch__sqs_depth_max_and_a_gap_is_incomplete),
		cmocka_unit_test(test_cloudwatch__not_configured_by_name_is_an_error),
		cmocka_unit_test(test_cloudwatch__publish_round_trips_and_textfile_passes_promtool),
		cmocka_unit_test(test_cloudwatch__signature_checked_with_auth_on),
	};
	if (!it_moto_wanted("integration_cloudwatch"))
		return IT_SKIP;
	moto = getenv("KPI_TEST_MOTO_URL");
	/* This is the only suite on moto (RESOURCE_LOCK): start from nothing,
	 * auth off (a second pass of scripts/test reuses the server). */
	it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
	it_moto_api(moto, "/moto-api/reset", "");
	configure();
	return cmocka_run_group_tests_name("cloudwatch", tests, seed, NULL);
}
