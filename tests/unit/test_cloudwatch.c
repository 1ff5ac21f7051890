/*
 * The CloudWatch client's pure parts (cloudwatch.c via cw.h): the batching
 * plan (query and datapoint limits, range splitting, period rules by age),
 * request bodies, response parsing across NextToken pages with PartialData,
 * malformed answers (recorded in tests/fixtures/cloudwatch/), query files and
 * settings.
 */
#include "unit.h"
#include "sources/cloudwatch/cw.h"
#include <sys/stat.h>
#include <unistd.h>

#define CW_FIXTURES KPI_SOURCE_DIR "/tests/fixtures/cloudwatch/"
#define T0 1793577600 /* 2026-11-02T00:00:00Z, a Monday */
#define NOW (T0 + 7 * 86400)

static kpi__cw_metric req = { KPI__CW_DENOMINATOR, (char *)"AWS/ApplicationELB", (char *)"RequestCount",
	                      (char *)"Sum", true, KPI__BOUNDS_INIT };
static kpi__cw_metric err5 = { KPI__CW_NUMERATOR, (char *)"AWS/ApplicationELB", (char *)"HTTPCode_Target_5XX_Count",
	                       (char *)"Sum", true, KPI__BOUNDS_INIT };

static void units_init(kpi__cw_unit *u, size_t n, int64_t t0, int64_t t1, int period)
{
	kpi_error err = KPI_ERROR_INIT;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(kpi__cw_unit_init(&u[i], "api_error_rate_pct", i % 2 ? &err5 : &req, "LoadBalancer",
		                                   "app/web/1", t0, t1, period, &err),
		                 0);
}

static void units_release(kpi__cw_unit *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kpi__cw_unit_release(&u[i]);
}

/* Every unit's every slot is asked exactly once, and no call breaks a limit. */
static void check_plan(const kpi__cw_call *calls, size_t ncalls, const kpi__cw_unit *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t covered = 0;
		for (size_t c = 0; c < ncalls; c++)
			for (size_t k = 0; k < calls[c].nunits; k++)
				if (calls[c].units[k] == i)
					covered += (calls[c].t1 - calls[c].t0) / u[i].period;
		assert_int_equal(covered, (int64_t)u[i].n);
	}
	for (size_t c = 0; c < ncalls; c++) {
		size_t pts = 0;
		assert_true(calls[c].nunits >= 1 && calls[c].nunits <= KPI__CW_MAX_QUERIES);
		for (size_t k = 0; k < calls[c].nunits; k++)
			pts += (size_t)((calls[c].t1 - calls[c].t0) / u[calls[c].units[k]].period);
		assert_true(pts <= KPI__CW_MAX_DATAPOINTS);
	}
}

static void test_cw_plan__1000_series_12_weeks_hourly_in_20_calls(void **state)
{
	static kpi__cw_unit u[1000];
	kpi__cw_call *calls = NULL;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	units_init(u, 1000, T0 - 11 * 7 * 86400, T0 + 7 * 86400, 3600);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 1000, NOW, &err), 0);
	/* 2016 datapoints each: 50 per call = 100,800 */
	assert_int_equal(n, 20);
	assert_int_equal(calls[0].nunits, 50);
	check_plan(calls, n, u, 1000);
	kpi__cw_plan_free(calls, n);
	units_release(u, 1000);
}

static void test_cw_plan__many_small_series_capped_at_500_queries(void **state)
{
	static kpi__cw_unit u[1200];
	kpi__cw_call *calls = NULL;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	units_init(u, 1200, T0, T0 + 7 * 86400, 604800);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 1200, NOW, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(calls[0].nunits, 500);
	assert_int_equal(calls[2].nunits, 200);
	check_plan(calls, n, u, 1200);
	kpi__cw_plan_free(calls, n);
	units_release(u, 1200);
}

static void test_cw_plan__long_range_split_on_period_boundaries(void **state)
{
	kpi__cw_unit u[3];
	kpi__cw_call *calls = NULL;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	/* 14 days of 1-minute data = 20160 points each; 3 queries: 33600 a call */
	units_init(u, 3, NOW - 14 * 86400, NOW, 60);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 3, NOW + 60, &err), 0);
	assert_int_equal(n, 1);
	kpi__cw_plan_free(calls, n);
	units_release(u, 3);
	/* one query over 100 days of hourly data fits; over 12 years it does not */
	units_init(u, 1, T0 - 12 * 365 * 86400LL, T0, 3600);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 1, NOW, &err), 0);
	assert_true(n >= 2);
	for (size_t c = 0; c < n; c++) {
		assert_int_equal((calls[c].t0 - u[0].t0) % 3600, 0);
		if (c)
			assert_int_equal(calls[c].t0, calls[c - 1].t1);
	}
	assert_int_equal(calls[n - 1].t1, T0);
	check_plan(calls, n, u, 1);
	kpi__cw_plan_free(calls, n);
	units_release(u, 1);
}

static void test_cw_plan__different_ranges_do_not_share_calls(void **state)
{
	kpi__cw_unit u[3];
	kpi__cw_call *calls = NULL;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	units_init(u, 2, T0, T0 + 604800, 3600);
	units_init(u + 2, 1, T0, T0 + 608400, 608400); /* a 169-h week */
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 3, NOW + 86400, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(calls[0].nunits, 2);
	assert_int_equal(calls[1].nunits, 1);
	assert_int_equal(calls[1].t1, T0 + 608400);
	kpi__cw_plan_free(calls, n);
	units_release(u, 3);
}

static void test_cw_plan__period_rules_by_age(void **state)
{
	kpi__cw_unit u[1];
	kpi__cw_call *calls = NULL;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__cw_granularity(NOW - 14 * 86400, NOW), 60);
	assert_int_equal(kpi__cw_granularity(NOW - 15 * 86400, NOW), 300);
	assert_int_equal(kpi__cw_granularity(NOW - 62 * 86400, NOW), 300);
	assert_int_equal(kpi__cw_granularity(NOW - 64 * 86400, NOW), 3600);
	assert_int_equal(kpi__cw_granularity(NOW + 600, NOW), 60);
	/* 1-minute data 20 days ago: needs a multiple of 300 */
	units_init(u, 1, T0 - 20 * 86400, T0 - 20 * 86400 + 3600, 60);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 1, T0, &err), KPI_EUSAGE);
	assert_contains(err.message, "multiple of 300 s");
	assert_contains(err.message, "api_error_rate_pct");
	units_release(u, 1);
	/* 5-minute data 70 days ago: needs a multiple of 3600 */
	units_init(u, 1, T0 - 70 * 86400, T0 - 70 * 86400 + 3600, 300);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 1, T0, &err), KPI_EUSAGE);
	assert_contains(err.message, "multiple of 3600 s");
	units_release(u, 1);
	/* hourly periods starting on the half hour 70 days ago would be shifted */
	units_init(u, 1, T0 - 70 * 86400 + 1800, T0 - 70 * 86400 + 1800 + 7200, 3600);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 1, T0, &err), KPI_EUSAGE);
	assert_contains(err.message, "rounded down");
	units_release(u, 1);
	/* weekly periods are multiples of 3600 at any age */
	units_init(u, 1, T0 - 400 * 86400, T0 - 400 * 86400 + 601200, 601200);
	assert_int_equal(kpi__cw_plan(&calls, &n, u, 1, T0, &err), 0);
	kpi__cw_plan_free(calls, n);
	units_release(u, 1);
}

static void test_cw_request_body__json_shape_and_next_token(void **state)
{
	kpi__cw_unit u[2];
	size_t idx[2] = { 0, 1 };
	kpi__cw_call call = { T0, T0 + 7200, idx, 2 };
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	json_t *doc, *q;
	(void)state;
	units_init(u, 2, T0, T0 + 7200, 3600);
	assert_int_equal(kpi__cw_request_body(&b, &call, u, "tok-1", false, &err), 0);
	doc = json_loads(b.data, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "StartTime")), T0);
	assert_int_equal(json_integer_value(json_object_get(doc, "EndTime")), T0 + 7200);
	assert_string_equal(json_string_value(json_object_get(doc, "ScanBy")), "TimestampAscending");
	assert_string_equal(json_string_value(json_object_get(doc, "NextToken")), "tok-1");
	assert_int_equal(json_array_size(json_object_get(doc, "MetricDataQueries")), 2);
	q = json_array_get(json_object_get(doc, "MetricDataQueries"), 1);
	assert_string_equal(json_string_value(json_object_get(q, "Id")), "q1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(q, "MetricStat"), "Metric"),
	                                                      "MetricName")),
	                    "HTTPCode_Target_5XX_Count");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(q, "MetricStat"), "Period")), 3600);
	assert_string_equal(json_string_value(json_object_get(json_object_get(q, "MetricStat"), "Stat")), "Sum");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(json_object_get(json_object_get(q, "MetricStat"), "Metric"), "Dimensions"), 0),
	                "Value")),
	        "app/web/1");
	json_decref(doc);
	b.len = 0;
	assert_int_equal(kpi__cw_request_body(&b, &call, u, NULL, false, &err), 0);
	assert_not_contains(b.data, "NextToken");
	kpi_buf_release(&b);
	units_release(u, 2);
}

static int apply_file(kpi__cw_unit *u, const kpi__cw_call *call, const char *name, char **tok, kpi_error *err)
{
	char path[512];
	char *text;
	int rc;
	snprintf(path, sizeof(path), CW_FIXTURES "%s", name);
	text = slurp(path);
	assert_non_null(text);
	rc = kpi__cw_response_apply(u, call, text, strlen(text), tok, err);
	free(text);
	return rc;
}

static void test_cw_response__pages_merge_and_partial_data(void **state)
{
	kpi__cw_unit u[2];
	size_t idx[2] = { 0, 1 };
	kpi__cw_call call = { T0, T0 + 4 * 3600, idx, 2 };
	kpi_error err = KPI_ERROR_INIT;
	char *tok = NULL;
	(void)state;
	units_init(u, 2, T0, T0 + 4 * 3600, 3600);
	assert_int_equal(apply_file(u, &call, "page1.json", &tok, &err), 0);
	assert_string_equal(tok, "token-2");
	free(tok);
	assert_true(u[0].flags[0] & KPI__CW_PARTIAL); /* until the next page arrives */
	assert_int_equal(apply_file(u, &call, "page2.json", &tok, &err), 0);
	assert_null(tok);
	assert_double_equal(u[0].values[0], 100);
	assert_double_equal(u[0].values[1], 200);
	assert_double_equal(u[0].values[2], 300);
	assert_int_equal(u[0].flags[3] & KPI__CW_PRESENT, 0);
	assert_true(u[1].flags[1] & KPI__CW_PRESENT);
	assert_false(u[1].flags[0] & KPI__CW_PRESENT);
	assert_double_equal(u[1].values[1], 3);
	/* results counted per unit across pages: q0 on both, q1 on the first */
	assert_int_equal(u[0].results, 2);
	assert_int_equal(u[1].results, 1);
	units_release(u, 2);
	/* a query no page answered: kpi__cw_run() sees results 0 and says so */
	units_init(u, 2, T0, T0 + 4 * 3600, 3600);
	assert_int_equal(apply_file(u, &call, "missing_result.json", &tok, &err), 0);
	assert_int_equal(u[0].results, 1);
	assert_int_equal(u[1].results, 0);
	units_release(u, 2);
	/* PartialData on the last page stays */
	units_init(u, 2, T0, T0 + 4 * 3600, 3600);
	assert_int_equal(apply_file(u, &call, "partial_last.json", &tok, &err), 0);
	assert_null(tok);
	assert_true(u[0].flags[2] & KPI__CW_PARTIAL);
	assert_false(u[1].flags[2] & KPI__CW_PARTIAL);
	units_release(u, 2);
}

static void test_cw_response__malformed_answers_name_the_kpi(void **state)
{
	static const struct {
		const char *file;
		int code;
		const char *msg;
	} cases[] = {
		{ "truncated.json", KPI_EDATA, "not JSON" },
		{ "wrong_shape.json", KPI_EDATA, "no MetricDataResults" },
		{ "unpaired.json", KPI_EDATA, "do not pair up" },
		{ "off_period.json", KPI_EDATA, "not at the start" },
		{ "unknown_id.json", KPI_EDATA, "not asked" },
		{ "internal_error.json", KPI_ESOURCE, "InternalError" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi__cw_unit u[1];
		size_t idx[1] = { 0 };
		kpi__cw_call call = { T0, T0 + 4 * 3600, idx, 1 };
		kpi_error err = KPI_ERROR_INIT;
		char *tok = NULL;
		units_init(u, 1, T0, T0 + 4 * 3600, 3600);
		assert_int_equal(apply_file(u, &call, cases[i].file, &tok, &err), cases[i].code);
		assert_contains(err.message, "api_error_rate_pct");
		assert_contains(err.message, cases[i].msg);
		assert_null(tok);
		units_release(u, 1);
	}
}

/* One answer for the two units of `call` (q0 RequestCount, q1 5xx) over
 * [T0, T0 + 4 h) hourly: `q0` and `q1` are the inside of each result,
 * after its Id. */
static int apply_two(const char *q0, const char *q1, kpi_error *err)
{
	kpi__cw_unit u[2];
	size_t idx[2] = { 0, 1 };
	kpi__cw_call call = { T0, T0 + 4 * 3600, idx, 2 };
	char body[1024], *tok = NULL;
	int rc;
	units_init(u, 2, T0, T0 + 4 * 3600, 3600);
	snprintf(body, sizeof(body), "{\"MetricDataResults\": [{\"Id\": \"q0\", %s}%s%s]}", q0, q1 ? ", " : "",
	         q1 ? q1 : "");
	rc = kpi__cw_response_apply(u, &call, body, strlen(body), &tok, err);
	free(tok);
	units_release(u, 2);
	return rc;
}

static void test_cw_response__impossible_datapoints_are_malformed(void **state)
{
	static const struct {
		const char *q0, *q1, *msg;
	} cases[] = {
		{ "\"Timestamps\": [1793577600], \"Values\": [-1]", NULL,
		  "RequestCount (AWS/ApplicationELB, Sum, LoadBalancer=app/web/1): the datapoint at 2026-11-02T00:00:00Z is "
		  "-1: negative" },
		{ "\"Timestamps\": [1793577600], \"Values\": [1e308]", NULL,
		  "the datapoint at 2026-11-02T00:00:00Z is 1e+308: above 1e+15, more than a week can hold" },
		{ "\"Timestamps\": [1e300], \"Values\": [1]", NULL,
		  "a datapoint at 1e+300 (value 1): not a whole second of a time kpi can represent" },
		{ "\"Timestamps\": [-1e300], \"Values\": [1]", NULL, "a datapoint at -1e+300 (value 1): not a whole second" },
		{ "\"Timestamps\": [9.3e18], \"Values\": [1]", NULL, "a datapoint at 9.3e+18 (value 1): not a whole second" },
		{ "\"Timestamps\": [1793577600.25], \"Values\": [1]", NULL, "a datapoint at 1793577600.25 (value 1)" },
		{ "\"Timestamps\": [1793563200], \"Values\": [1]", NULL,
		  "a datapoint at 2026-11-01T20:00:00Z (value 1), outside the requested "
		  "2026-11-02T00:00:00Z..2026-11-02T04:00:00Z" },
		{ "\"Timestamps\": [1793592000], \"Values\": [1]", NULL, "outside the requested" },
		{ "\"Timestamps\": [1793577660], \"Values\": [1]", NULL, "not at the start of a requested 3600-s period" },
		{ "\"Timestamps\": [1793577600, 1793577600], \"Values\": [1, 2]", NULL,
		  "two datapoints at 2026-11-02T00:00:00Z" },
		{ "\"Timestamps\": [1793577600], \"Values\": [\"NaN\"]", NULL,
		  "the datapoint at 2026-11-02T00:00:00Z has a value that is not a number" },
		{ "\"Timestamps\": [\"2026-11-02\"], \"Values\": [1]", NULL, "a timestamp that is not a number" },
		{ "\"Timestamps\": [], \"Values\": []", "{\"Id\": \"q0\", \"Timestamps\": [], \"Values\": []}",
		  "RequestCount (AWS/ApplicationELB, Sum, LoadBalancer=app/web/1): two results for its query q0 in one answer" },
		{ "\"Timestamps\": [], \"Values\": []", "{\"Id\": \"q2\", \"Timestamps\": [], \"Values\": []}",
		  "a result for query 'q2', which was not asked" },
		{ "\"Timestamps\": [], \"Values\": []", "{\"Id\": \"q1\", \"Timestamps\": [1793577600], \"Values\": [-3]}",
		  "HTTPCode_Target_5XX_Count (AWS/ApplicationELB, Sum, LoadBalancer=app/web/1): the datapoint at "
		  "2026-11-02T00:00:00Z is -3: negative" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi_error err = KPI_ERROR_INIT;
		if (apply_two(cases[i].q0, cases[i].q1, &err) != KPI_EDATA || !strstr(err.message, cases[i].msg))
			fail_msg("case %zu: %s", i, err.message);
		assert_contains(err.message, "KPI api_error_rate_pct: malformed CloudWatch GetMetricData answer: ");
	}
	/* the edges that are fine: 0, the bound itself, the last period */
	{
		kpi_error err = KPI_ERROR_INIT;
		assert_int_equal(apply_two("\"Timestamps\": [1793577600, 1793588400], \"Values\": [0, 1e15]",
		                           "{\"Id\": \"q1\", \"Timestamps\": [], \"Values\": []}", &err),
		                 0);
	}
}

static void test_cw_answer__bounds_seconds_and_times(void **state)
{
	kpi__bounds dflt = KPI__BOUNDS_INIT, open = { -INFINITY, INFINITY };
	char buf[96];
	int64_t s = 7;
	(void)state;
	assert_null(kpi__bounds_check(&dflt, 0, buf, sizeof(buf)));
	assert_null(kpi__bounds_check(&dflt, 1e15, buf, sizeof(buf)));
	assert_string_equal(kpi__bounds_check(&dflt, -0.5, buf, sizeof(buf)), "negative");
	assert_string_equal(kpi__bounds_check(&dflt, 1.5e15, buf, sizeof(buf)), "above 1e+15, more than a week can hold");
	assert_string_equal(kpi__bounds_check(&dflt, NAN, buf, sizeof(buf)), "not a finite number");
	assert_string_equal(kpi__bounds_check(&open, INFINITY, buf, sizeof(buf)), "not a finite number");
	assert_null(kpi__bounds_check(&open, -1e300, buf, sizeof(buf)));
	/* only whole seconds well inside int64 are converted */
	assert_false(kpi__answer_seconds(&s, 1e300));
	assert_false(kpi__answer_seconds(&s, -1e300));
	assert_false(kpi__answer_seconds(&s, 9.3e18));
	assert_false(kpi__answer_seconds(&s, 4611686018427387904.0));
	assert_false(kpi__answer_seconds(&s, NAN));
	assert_false(kpi__answer_seconds(&s, INFINITY));
	assert_false(kpi__answer_seconds(&s, 0.5));
	assert_int_equal(s, 7);
	assert_true(kpi__answer_seconds(&s, -86400));
	assert_int_equal(s, -86400);
	assert_true(kpi__answer_seconds(&s, 4611686018427387904.0 - 1024));
	assert_string_equal(kpi__answer_time(buf, sizeof(buf), 1793577600), "2026-11-02T00:00:00Z");
	assert_string_equal(kpi__answer_time(buf, sizeof(buf), 1e300), "1e+300");
	assert_string_equal(kpi__answer_time(buf, sizeof(buf), 1e17), "1e+17");
	assert_string_equal(kpi__answer_time(buf, sizeof(buf), 1.5), "1.5");
	/* a numerator above its denominator, beyond rounding */
	assert_false(kpi__answer_ratio_exceeds(3, 3));
	assert_false(kpi__answer_ratio_exceeds(0.1 + 0.2, 0.3));
	assert_true(kpi__answer_ratio_exceeds(4, 3));
	assert_true(kpi__answer_ratio_exceeds(1, 0));
}

/* ---- query files and settings ---- */

static kpi_config *config(void)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	unsetenv("KPI_CONFIG");
	setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), 0);
	return cfg;
}

static void test_cw_spec__shipped_query_files_load(void **state)
{
	kpi_config *cfg = config();
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	size_t ncw = 0;
	(void)state;
	assert_int_equal(kpi_catalog_load(&cat, cfg->catalog_path, &err), 0);
	for (size_t i = 0; i < cat->nkpis; i++) {
		kpi__cw_spec spec;
		kpi_alarm_rule rule;
		if (strcmp(cat->kpis[i].source, "cloudwatch") != 0)
			continue;
		ncw++;
		if (kpi__cw_spec_load(&spec, cfg, &cat->kpis[i], &err))
			fail_msg("%s: %s", cat->kpis[i].id, err.message);
		if (strcmp(cat->kpis[i].id, "api_latency_p95_ms") == 0) {
			assert_int_equal(spec.combine, KPI__CW_PERCENTILE);
			assert_string_equal(spec.metrics[0].stat, "p95");
			assert_double_equal(spec.scale, 1000);
		}
		if (strcmp(cat->kpis[i].id, "api_error_rate_pct") == 0) {
			assert_int_equal(spec.combine, KPI__CW_RATIO_PCT);
			assert_int_equal(kpi_alarm_rule_of(&rule, &cat->kpis[i], &err), 0);
			assert_int_equal(rule.datapoints_to_alarm, 5);
			assert_int_equal(rule.evaluation_periods, 5);
			assert_int_equal(rule.period_seconds, 60);
		}
		assert_int_equal(strlen(spec.sha256), 64);
		kpi__cw_spec_release(&spec);
	}
	assert_int_equal(ncw, 6); /* 4 API/SQS, 2 host (test_cw_discover.c) */
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_cw_spec__bad_query_files(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} cases[] = {
		{ "[]", "JSON object" },
		{ "{\"dimension\": \"X\", \"values_from\": \"hosts\", \"value\": \"max\", \"metrics\": []}", "values_from" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"avg\", \"metrics\": []}", "value must be" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"max\", \"metrics\": [{\"namespace\": \"N\", "
		  "\"metric\": \"M\", \"stat\": \"p95\"}]}",
		  "cannot be combined" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"percentile\", \"metrics\": [{\"namespace\": "
		  "\"N\", \"metric\": \"M\", \"stat\": \"Maximum\"}]}",
		  "needs a pNN" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"ratio_pct\", \"metrics\": [{\"namespace\": "
		  "\"N\", \"metric\": \"M\", \"stat\": \"Sum\"}]}",
		  "numerator and one denominator" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"max\", \"metrics\": [{\"namespace\": \"N\", "
		  "\"metric\": \"M\", \"stat\": \"Median\"}]}",
		  "stat must be" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"max\", \"extra\": 1, \"metrics\": []}",
		  "unknown key 'extra'" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"max\", \"metrics\": [{\"namespace\": \"N\", "
		  "\"metric\": \"M\", \"stat\": \"Maximum\", \"bounds\": [1]}]}",
		  "bounds must be [min, max]" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"max\", \"metrics\": [{\"namespace\": \"N\", "
		  "\"metric\": \"M\", \"stat\": \"Maximum\", \"bounds\": [2, 1]}]}",
		  "min is above max" },
		{ "{\"dimension\": \"X\", \"values_from\": \"queues\", \"value\": \"max\", \"metrics\": [{\"namespace\": \"N\", "
		  "\"metric\": \"M\", \"stat\": \"Maximum\", \"bounds\": [\"low\", null]}]}",
		  "a bound must be a number or null" },
	};
	kpi_config *cfg = config();
	kpi_label_def lab = { (char *)"queue", NULL, 0 };
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[] = "/tmp/kpi-cwspec.XXXXXX", path[64];
		kpi_def d;
		kpi__cw_spec spec;
		kpi_error err = KPI_ERROR_INIT;
		FILE *f;
		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/q.json", dir);
		f = fopen(path, "w");
		fputs(cases[i].json, f);
		fclose(f);
		memset(&d, 0, sizeof(d));
		d.id = (char *)"t";
		d.query = path;
		d.labels = &lab;
		d.nlabels = 1;
		assert_int_equal(kpi__cw_spec_load(&spec, cfg, &d, &err), KPI_ECONFIG);
		assert_contains(err.message, "q.json");
		assert_contains(err.message, cases[i].msg);
		unlink(path);
		rmdir(dir);
	}
	kpi_config_free(cfg);
}

/* Load a config and check its sources' settings, as the tools do. */
static int load_checked(kpi_config **cfg, const char *path, kpi_error *err)
{
	int rc = kpi_config_load(cfg, path, err);
	if (rc == 0 && (rc = kpi_sources_check(*cfg, NULL, err))) {
		kpi_config_free(*cfg);
		*cfg = NULL;
	}
	return rc;
}

static void test_cw_settings__environment_overrides_and_queue_lists(void **state)
{
	kpi_config *cfg;
	kpi__cw_settings s;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("KPI_CW_LOAD_BALANCER", "app/web/50dc6c495c0c9188", 1);
	setenv("KPI_CW_QUEUES", " exports , previews,,", 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "2.5", 1);
	cfg = config(); /* the environment as the config was loaded */
	assert_int_equal(kpi__cw_settings_load(&s, cfg, &err), 0);
	assert_string_equal(s.load_balancer, "app/web/50dc6c495c0c9188");
	assert_int_equal(s.nqueues, 2);
	assert_string_equal(s.queues[0], "exports");
	assert_string_equal(s.queues[1], "previews");
	assert_double_equal(s.retry.deadline_s, 2.5);
	assert_int_equal(s.retry.max_response, (size_t)64 << 20); /* the default cap */
	kpi__cw_settings_release(&s);
	setenv("KPI_CW_QUEUES", "a,b,a", 1);
	assert_int_equal(kpi__cw_settings_load(&s, cfg, &err), 0); /* a copy: later changes do not count */
	kpi__cw_settings_release(&s);
	kpi_config_free(cfg);
	assert_int_equal(load_checked(&cfg, NULL, &err), KPI_ECONFIG); /* checked when a run is set up */
	assert_contains(err.message, "'a' is listed twice");
	setenv("KPI_CW_QUEUES", "a", 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "soon", 1);
	assert_int_equal(load_checked(&cfg, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPI_CW_DEADLINE_SECONDS");
	/* the answer size cap */
	setenv("KPI_CW_DEADLINE_SECONDS", "2.5", 1);
	setenv("KPI_CW_MAX_RESPONSE_BYTES", "1048576", 1);
	cfg = config();
	assert_int_equal(kpi__cw_settings_load(&s, cfg, &err), 0);
	assert_int_equal(s.retry.max_response, 1048576);
	kpi__cw_settings_release(&s);
	kpi_config_free(cfg);
	setenv("KPI_CW_MAX_RESPONSE_BYTES", "12", 1);
	assert_int_equal(load_checked(&cfg, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPI_CW_MAX_RESPONSE_BYTES");
	unsetenv("KPI_CW_MAX_RESPONSE_BYTES");
	unsetenv("KPI_CW_LOAD_BALANCER");
	unsetenv("KPI_CW_QUEUES");
	unsetenv("KPI_CW_DEADLINE_SECONDS");
}

static void test_cw_settings__config_file_positions(void **state)
{
	char dir[] = "/tmp/kpi-cwcfg.XXXXXX", path[64];
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.json", dir);
	f = fopen(path, "w");
	fputs("{\n  \"cloudwatch\": {\n    \"load_balancer\": \"app/x/1\",\n    \"queues\": [\"q1\", 7]\n  }\n}\n", f);
	fclose(f);
	assert_int_equal(load_checked(&cfg, path, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "7]", 0);
	f = fopen(path, "w");
	fputs("{\"cloudwatch\": {\"load_balancer\": \"app/x/1\", \"deadline_seconds\": -1}}", f);
	fclose(f);
	assert_int_equal(load_checked(&cfg, path, &err), KPI_ECONFIG);
	assert_contains(err.message, "deadline_seconds");
	f = fopen(path, "w");
	fputs("{\"cloudwatch\": {\"load_balancer\": \"app/x/1\", \"queues\": [\"q1\"], \"region\": \"eu-west-1\"}}", f);
	fclose(f);
	assert_int_equal(load_checked(&cfg, path, &err), 0);
	kpi_config_free(cfg);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cw_plan__1000_series_12_weeks_hourly_in_20_calls),
		cmocka_unit_test(test_cw_plan__many_small_series_capped_at_500_queries),
		cmocka_unit_test(test_cw_plan__long_range_split_on_period_boundaries),
		cmocka_unit_test(test_cw_plan__different_ranges_do_not_share_calls),
		cmocka_unit_test(test_cw_plan__period_rules_by_age),
		cmocka_unit_test(test_cw_request_body__json_shape_and_next_token),
		cmocka_unit_test(test_cw_response__pages_merge_and_partial_data),
		cmocka_unit_test(test_cw_response__malformed_answers_name_the_kpi),
		cmocka_unit_test(test_cw_response__impossible_datapoints_are_malformed),
		cmocka_unit_test(test_cw_answer__bounds_seconds_and_times),
		cmocka_unit_test(test_cw_spec__shipped_query_files_load),
		cmocka_unit_test(test_cw_spec__bad_query_files),
		cmocka_unit_test(test_cw_settings__environment_overrides_and_queue_lists),
		cmocka_unit_test(test_cw_settings__config_file_positions),
	};
	return cmocka_run_group_tests_name("cloudwatch", tests, NULL, NULL);
}
