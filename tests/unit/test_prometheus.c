/*
 * The Prometheus source's pure parts (sources/prometheus/prom.h): the range
 * placeholders, the parser of the HTTP API's answers (vector and matrix,
 * warnings, error answers, every malformed shape), the query files, and the
 * settings (URL checks, credentials from the environment only, the
 * environment winning over the file), with no server.
 */
#include "unit.h"
#include "sources/prometheus/prom.h"
#include <sys/stat.h>
#include <unistd.h>

/* ---- placeholders ---- */

static char *expand(const char *expr, int64_t range, int want_rc, kpi_error *err)
{
	kpi_buf b = KPI_BUF_INIT;
	int rc = kpi__prom_expand(&b, expr, range, err);
	assert_int_equal(rc, want_rc);
	if (rc) {
		kpi_buf_release(&b);
		return NULL;
	}
	return b.data ? b.data : strdup("");
}

static void test_prom_expand__range_and_seconds(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	char *s;
	(void)state;
	s = expand("sum(increase(x_total[$__range]))", 604800, 0, &err);
	assert_string_equal(s, "sum(increase(x_total[604800s]))");
	free(s);
	/* a DST week of 169 hours, both placeholders, twice */
	s = expand("rate(a[$__range]) * $__range_s / increase(b[$__range]) + $__range_s", 608400, 0, &err);
	assert_string_equal(s, "rate(a[608400s]) * 608400 / increase(b[608400s]) + 608400");
	free(s);
	/* the last word of the text, and nothing to expand */
	s = expand("x[$__range]", 60, 0, &err);
	assert_string_equal(s, "x[60s]");
	free(s);
	s = expand("up", 60, 0, &err);
	assert_string_equal(s, "up");
	free(s);
	/* a regular expression's $ stays as it is */
	s = expand("sum(increase(http_requests_total{path=~\"/api/.*$\", code=~\"5..$\"}[$__range]))", 3600, 0, &err);
	assert_string_equal(s, "sum(increase(http_requests_total{path=~\"/api/.*$\", code=~\"5..$\"}[3600s]))");
	free(s);
}

static void test_prom_expand__unknown_placeholders_refused(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_null(expand("rate(x[$__interval])", 60, KPI_ECONFIG, &err));
	assert_contains(err.message, "unknown placeholder '$__interval'");
	assert_contains(err.message, "$__range and $__range_s");
	/* no prefix match: $__rangex is not $__range followed by x */
	assert_null(expand("x[$__rangex]", 60, KPI_ECONFIG, &err));
	assert_contains(err.message, "'$__rangex'");
	assert_null(expand("x[$__]", 60, KPI_ECONFIG, &err));
	/* checking only */
	assert_int_equal(kpi__prom_expand(NULL, "x[$__range]", 1, &err), 0);
	assert_int_equal(kpi__prom_expand(NULL, "x[$__rate_interval]", 1, &err), KPI_ECONFIG);
}

static void test_prom_form_escape(void **state)
{
	kpi_buf b = KPI_BUF_INIT;
	(void)state;
	assert_int_equal(kpi__prom_form_escape(&b, "sum by (service) (x{code=~\"5..\"}[1s])&a=b+c/é~"), 0);
	assert_string_equal(b.data, "sum%20by%20%28service%29%20%28x%7Bcode%3D~%225..%22%7D%5B1s%5D%29%26a%3Db%2Bc%2F%C3%A9~");
	kpi_buf_release(&b);
}

/* ---- answers ---- */

static const char *const service[] = { "service" };

static int parse(kpi__prom_answer *a, const char *body, bool matrix, const char *const *labels, size_t nlabels,
                 kpi_error *err)
{
	return kpi__prom_answer_parse(a, body, strlen(body), matrix, labels, nlabels, err);
}

static void test_prom_answer__vector(void **state)
{
	static const char body[] =
	        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	        "{\"metric\":{\"service\":\"checkout\",\"env\":\"prod\"},\"value\":[1794178800,\"300\"]},"
	        "{\"metric\":{\"service\":\"search\"},\"value\":[1794178800.000,\"2.5e-1\"]}]}}";
	kpi__prom_answer a;
	kpi_error err = KPI_ERROR_INIT;
	char *checkout[] = { (char *)"checkout" }, *search[] = { (char *)"search" }, *other[] = { (char *)"x" };
	(void)state;
	assert_int_equal(parse(&a, body, false, service, 1, &err), 0);
	assert_int_equal(a.nseries, 2);
	assert_int_equal(a.nwarnings, 0);
	assert_null(a.warning);
	assert_string_equal(a.series[0].labels[0], "checkout");
	assert_int_equal(a.series[0].n, 1);
	assert_double_equal(a.series[0].t[0], 1794178800.0);
	assert_double_equal(a.series[0].v[0], 300.0);
	assert_double_equal(a.series[1].v[0], 0.25);
	assert_int_equal(kpi__prom_answer_find(&a, search), 1);
	assert_int_equal(kpi__prom_answer_find(&a, checkout), 0);
	assert_int_equal(kpi__prom_answer_find(&a, other), -1);
	kpi__prom_answer_release(&a);
	/* an empty result is an answer: no series */
	assert_int_equal(parse(&a, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", false,
	                       service, 1, &err),
	                 0);
	assert_int_equal(a.nseries, 0);
	kpi__prom_answer_release(&a);
}

static void test_prom_answer__matrix_and_warnings(void **state)
{
	static const char body[] =
	        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	        "{\"metric\":{\"service\":\"checkout\"},\"values\":[[1794312000,\"1\"],[1794312060,\"2\"],[1794312120,\"0\"]]}]},"
	        "\"warnings\":[\"remote read: partial data from store eu-1\", \"second\"]}";
	kpi__prom_answer a;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(parse(&a, body, true, service, 1, &err), 0);
	assert_int_equal(a.nseries, 1);
	assert_int_equal(a.series[0].n, 3);
	assert_double_equal(a.series[0].t[2], 1794312120.0);
	assert_double_equal(a.series[0].v[1], 2.0);
	assert_int_equal(a.nwarnings, 2);
	assert_string_equal(a.warning, "remote read: partial data from store eu-1");
	kpi__prom_answer_release(&a);
}

static void test_prom_answer__no_labels(void **state)
{
	kpi__prom_answer a;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(parse(&a, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	                           "{\"metric\":{},\"value\":[1,\"7\"]}]}}",
	                       false, NULL, 0, &err),
	                 0);
	assert_int_equal(a.nseries, 1);
	assert_double_equal(a.series[0].v[0], 7.0);
	kpi__prom_answer_release(&a);
	/* a KPI without labels takes one series, not a sum of several */
	assert_int_equal(parse(&a, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	                           "{\"metric\":{\"a\":\"1\"},\"value\":[1,\"7\"]},{\"metric\":{\"a\":\"2\"},\"value\":[1,\"8\"]}]}}",
	                       false, NULL, 0, &err),
	                 KPI_ECONTRACT);
	assert_contains(err.message, "one series per label set");
}

static void test_prom_answer__malformed(void **state)
{
	static const struct {
		const char *body;
		bool matrix;
		int rc;
		const char *msg;
	} cases[] = {
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[oops", false, KPI_EDATA, "not JSON" },
		{ "", false, KPI_EDATA, "not JSON" },
		{ "<html>502 Bad Gateway</html>", false, KPI_EDATA, "not JSON" },
		{ "{\"data\":{}}", false, KPI_EDATA, "no \"status\": \"success\"" },
		{ "{\"status\":\"success\"}", false, KPI_EDATA, "no data.resultType" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", false, KPI_EDATA,
		  "resultType \"matrix\", expected \"vector\"" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", true, KPI_EDATA,
		  "resultType \"vector\", expected \"matrix\"" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}", false, KPI_EDATA,
		  "must return an instant vector" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}", false, KPI_EDATA,
		  "not an array" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,\"2\"]}]}}", false,
		  KPI_EDATA, "without \"metric\"" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"}}]}}",
		  false, KPI_EDATA, "has no \"value\"" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1,\"NaN\"]}]}}",
		  false, KPI_EDATA, "the value 'NaN' of {service=\"a\"} is not a finite number" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1,\"+Inf\"]}]}}",
		  false, KPI_EDATA, "'+Inf'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1,\"-Inf\"]}]}}",
		  false, KPI_EDATA, "'-Inf'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1,\"12abc\"]}]}}",
		  false, KPI_EDATA, "'12abc'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1,2]}]}}",
		  false, KPI_EDATA, "not [time, \"value\"]" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[\"1\",\"2\"]}]}}",
		  false, KPI_EDATA, "not [time, \"value\"]" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"values\":[[1,\"2\"],[2]]}]}}",
		  true, KPI_EDATA, "not [time, \"value\"]" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"histogram\":[1,{\"count\":\"2\"}]}]}}",
		  false, KPI_EDATA, "native histogram" },
		{ "{\"status\":\"success\",\"warnings\":\"x\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", false,
		  KPI_EDATA, "\"warnings\" is not an array" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"job\":\"a\"},"
		  "\"value\":[1,\"2\"]}]}}",
		  false, KPI_ECONTRACT, "has no label 'service'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"\"},"
		  "\"value\":[1,\"2\"]}]}}",
		  false, KPI_ECONTRACT, "has no label 'service'" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
		  "{\"metric\":{\"service\":\"a\",\"code\":\"500\"},\"value\":[1,\"2\"]},"
		  "{\"metric\":{\"service\":\"a\",\"code\":\"503\"},\"value\":[1,\"3\"]}]}}",
		  false, KPI_ECONTRACT, "the same label values as {service=\"a\", code=\"503\"}" },
		{ "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:10: parse error: unexpected \\\"}\\\"\"}",
		  false, KPI_ESOURCE, "status \"error\": bad_data: 1:10: parse error: unexpected \"}\"" },
		{ "{\"status\":\"error\"}", false, KPI_ESOURCE, "(no error text)" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi__prom_answer a;
		kpi_error err = KPI_ERROR_INIT;
		int rc = parse(&a, cases[i].body, cases[i].matrix, service, 1, &err);
		if (rc != cases[i].rc)
			fail_msg("case %zu (%s): rc %d, expected %d: %s", i, cases[i].body, rc, cases[i].rc, err.message);
		assert_contains(err.message, cases[i].msg);
		assert_int_equal(a.nseries, 0); /* released */
		assert_null(a.series);
	}
}

/* ---- samples checked before use ---- */

static void test_prom_series_check__times_and_values(void **state)
{
	static const struct {
		double t, v;
		int step;
		const char *msg; /* NULL: fine */
	} cases[] = {
		{ 1794178800, 3, 0, NULL },
		{ 1794178800.0004, 3, 0, NULL },
		{ 1794178800, 0, 0, NULL },
		{ 1794178800, 1e15, 0, NULL },
		{ 1794178800, -3, 0, "the sample of service=a at 2026-11-08T23:00:00Z is -3: negative" },
		{ 1794178800, 1e308, 0, "is 1e+308: above 1e+15, more than a week can hold" },
		{ 1794000000, 3, 0, "the sample of service=a at 2026-11-06T21:20:00Z (value 3), not at the time asked" },
		{ 1e300, 3, 0, "the sample of service=a at 1e+300 (value 3), not at the time asked" },
		{ -1e300, 3, 0, "at -1e+300 (value 3), not at the time asked" },
		{ 1794178800 + 120, 3, 60, NULL },
		{ 1794178800 + 90, 3, 60, "at 2026-11-08T23:01:30Z (value 3), not at the end of a requested 60-s period" },
		{ 1794178800 + 3600, 3, 60, "not at the end of a requested 60-s period" },
		{ 1e300, 3, 60, "at 1e+300 (value 3), not at the end of a requested 60-s period" },
	};
	kpi_label_def lab = { (char *)"service", NULL, 0 };
	char *labels[] = { (char *)"a" };
	kpi_def d;
	kpi__prom_spec sp;
	(void)state;
	memset(&d, 0, sizeof(d));
	memset(&sp, 0, sizeof(sp));
	d.id = (char *)"t";
	d.labels = &lab;
	d.nlabels = 1;
	sp.def = &d;
	sp.bounds = (kpi__bounds)KPI__BOUNDS_INIT;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double t = cases[i].t, v = cases[i].v;
		kpi__prom_series se = { labels, &t, &v, 1 };
		kpi_error err = KPI_ERROR_INIT;
		int rc = kpi__prom_series_check(&se, &sp, 1794178800, 1794178800 + 600, cases[i].step, "KPI t: the query",
		                                 "http://prom:9090", &err);
		if (!cases[i].msg) {
			if (rc)
				fail_msg("case %zu: %s", i, err.message);
			continue;
		}
		if (rc != KPI_EDATA || !strstr(err.message, cases[i].msg))
			fail_msg("case %zu: rc %d: %s", i, rc, err.message);
		assert_contains(err.message, "KPI t: the query: Prometheus (http://prom:9090): malformed answer: ");
	}
	{
		/* a range: in order, once per step */
		double t[3] = { 1794178800 + 60, 1794178800 + 60, 1794178800 + 180 }, v[3] = { 1, 2, 3 };
		kpi__prom_series se = { labels, t, v, 3 };
		kpi_error err = KPI_ERROR_INIT;
		assert_int_equal(kpi__prom_series_check(&se, &sp, 1794178800, 1794178800 + 600, 60, "q", "u", &err),
		                 KPI_EDATA);
		assert_contains(err.message, "the samples of service=a repeat or go back in time at 2026-11-08T23:01:00Z");
		t[1] = 1794178800 + 120;
		assert_int_equal(kpi__prom_series_check(&se, &sp, 1794178800, 1794178800 + 600, 60, "q", "u", &err), 0);
	}
	{
		/* a query file's bounds: a gauge that may go below zero */
		double t = 1794178800, v = -40;
		kpi__prom_series se = { labels, &t, &v, 1 };
		kpi_error err = KPI_ERROR_INIT;
		sp.bounds.lo = -273.15;
		sp.bounds.hi = INFINITY;
		assert_int_equal(kpi__prom_series_check(&se, &sp, 1794178800, 1794178800, 0, "q", "u", &err), 0);
		v = -300;
		assert_int_equal(kpi__prom_series_check(&se, &sp, 1794178800, 1794178800, 0, "q", "u", &err), KPI_EDATA);
		assert_contains(err.message, "is -300: below the query file's bound -273.15");
	}
}

static void test_prom_error_text(void **state)
{
	char buf[128];
	static const char body[] = "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query timed out\"}";
	(void)state;
	assert_string_equal(kpi__prom_error_text(buf, sizeof(buf), body, strlen(body)), "execution: query timed out");
	assert_string_equal(kpi__prom_error_text(buf, sizeof(buf), "Bad Gateway", 11), "");
	assert_string_equal(kpi__prom_error_text(buf, sizeof(buf), NULL, 0), "");
}

/* ---- query files and settings ---- */

/* A config loaded with exactly this environment (and the source tree's data). */
static int load(kpi_config **cfg, const char *path, const char *const *env, kpi_error *err)
{
	const char *envp[16];
	size_t n = 0;
	int rc;
	envp[n++] = "KPI_DATADIR=" KPI_SOURCE_DIR;
	for (const char *const *e = env; e && *e && n < 15; e++)
		envp[n++] = *e;
	envp[n] = NULL;
	rc = kpi_config_load_env(cfg, path, envp, err);
	if (rc == 0 && (rc = kpi_sources_check(*cfg, NULL, err))) {
		kpi_config_free(*cfg);
		*cfg = NULL;
	}
	return rc;
}

static char tmpdir[64];

static const char *tmp_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/kpi-promunit.XXXXXX");
		assert_non_null(mkdtemp(tmpdir));
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_prom_spec__shipped_variants_load(void **state)
{
	const char *env[] = { "KPI_PROM_URL=http://127.0.0.1:9", NULL };
	const char *ids[] = { "api_error_rate_pct", "api_latency_p95_ms" };
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(load(&cfg, NULL, env, &err), 0);
	assert_int_equal(kpi_catalog_load(&cat, cfg->catalog_path, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		kpi_def *d = (kpi_def *)kpi_catalog_find(cat, ids[i]);
		kpi__prom_spec sp;
		kpi_alarm_rule rule;
		assert_string_equal(d->source, "cloudwatch"); /* the default */
		if (kpi__catalog_select_variant(cat, d, "prometheus", &err))
			fail_msg("%s: %s", ids[i], err.message);
		assert_string_equal(d->source, "prometheus");
		assert_int_equal(d->nlabels, 1);
		assert_string_equal(d->labels[0].name, "service");
		assert_true(d->gating);
		assert_int_equal(d->missing, KPI_MISSING_BLOCK);
		if (kpi__prom_spec_load(&sp, cfg, d, &err))
			fail_msg("%s: %s", ids[i], err.message);
		assert_string_equal(sp.result_labels[0], "service");
		assert_int_equal(strlen(sp.sha256), 64);
		assert_int_equal(kpi_alarm_rule_of(&rule, d, &err), 0);
		assert_int_equal(rule.period_seconds, 60);
		assert_int_equal(rule.datapoints_to_alarm, 5);
		assert_int_equal(rule.evaluation_periods, 5);
		if (i == 0) {
			assert_int_equal(sp.kind, KPI__PROM_RATIO);
			assert_int_equal(sp.nexpr, 2);
			assert_true(sp.zero_numerator);
			assert_contains(sp.expr[KPI__PROM_NUMERATOR], "code=~\"5..\"");
			assert_string_equal(kpi__prom_expr_name(&sp, 1), "denominator");
			assert_double_equal(sp.scale, 1);
		} else {
			assert_int_equal(sp.kind, KPI__PROM_PLAIN);
			assert_int_equal(sp.nexpr, 1);
			assert_contains(sp.expr[KPI__PROM_VALUE], "histogram_quantile(0.95");
			assert_double_equal(sp.scale, 1000);
		}
		assert_true(kpi_source_configured(cfg, d, NULL));
		kpi__prom_spec_release(&sp);
	}
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_prom_spec__bad_query_files(void **state)
{
	static const struct {
		const char *json;
		const char *at;  /* where in the file the error points (NULL: the file only) */
		const char *msg;
	} cases[] = {
		{ "[]", "[]", "a Prometheus query file is a JSON object" },
		{ "{\"labels\": {\"service\": \"service\"}}", "{", "needs \"value\", or \"numerator\" and \"denominator\"" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": \"x\", \"numerator\": \"y\"}", "{", "either \"value\"" },
		{ "{\"labels\": {\"service\": \"service\"}, \"numerator\": \"x\"}", "{", "'denominator' must be a PromQL" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": 3}", "3}", "'value' must be a PromQL" },
		{ "{\"labels\": {\"service\": \"service\"},\n \"value\": \"rate(x[$__interval])\"}", "\"rate(",
		  "value: unknown placeholder '$__interval'" },
		{ "{\"value\": \"x\"}", "{", "labels.service must name the label" },
		{ "{\"labels\": {\"svc\": \"service\"}, \"value\": \"x\"}", "{\"svc", "labels.service must name" },
		{ "{\"labels\": {\"service\": \"service\", \"env\": \"env\"}, \"value\": \"x\"}", "\"env\"}", "has no label 'env'" },
		{ "{\"labels\": [\"service\"], \"value\": \"x\"}", "[\"service\"]", "labels must be an object" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": \"x\", \"scale\": 0}", "0}", "scale must be a non-zero" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": \"x\", \"absent_numerator\": \"zero\"}", "\"zero\"",
		  "absent_numerator must be" },
		{ "{\"labels\": {\"service\": \"service\"}, \"numerator\": \"x\", \"denominator\": \"y\", \"absent_numerator\": "
		  "\"0\"}",
		  "\"0\"", "absent_numerator must be" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": \"x\", \"step\": \"1m\"}", "\"1m\"", "unknown key 'step'" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": \"x\", \"bounds\": 5}", "5}", "bounds must be [min, max]" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": \"x\", \"bounds\": [3, -3]}", "[3, -3]",
		  "min is above max" },
		{ "{\"labels\": {\"service\": \"service\"}, \"value\": \"x\", \"bounds\": [null, \"big\"]}", "\"big\"",
		  "a bound must be a number or null" },
	};
	kpi_config *cfg = NULL;
	kpi_label_def lab = { (char *)"service", NULL, 0 };
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(load(&cfg, NULL, NULL, &err), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = tmp_file("q.json", cases[i].json);
		kpi_def d;
		kpi__prom_spec sp;
		memset(&d, 0, sizeof(d));
		d.id = (char *)"t";
		d.query = (char *)path;
		d.labels = &lab;
		d.nlabels = 1;
		if (kpi__prom_spec_load(&sp, cfg, &d, &err) != KPI_ECONFIG)
			fail_msg("case %zu loaded: %s", i, cases[i].json);
		if (cases[i].at)
			assert_error_at(&err, path, cases[i].at, 0);
		assert_contains(err.message, cases[i].msg);
		unlink(path);
	}
	{
		/* a missing file names the KPI */
		kpi_def d;
		kpi__prom_spec sp;
		memset(&d, 0, sizeof(d));
		d.id = (char *)"t";
		d.query = (char *)"/nonexistent/q.json";
		assert_int_equal(kpi__prom_spec_load(&sp, cfg, &d, &err), KPI_ENOTFOUND);
		assert_contains(err.message, "KPI t: ");
		assert_contains(err.message, "/nonexistent/q.json");
	}
	kpi_config_free(cfg);
}

static void test_prom_settings__defaults_environment_and_file(void **state)
{
	const char *env[] = { "KPI_PROM_URL=https://obs.example.com/prometheus//", "KPI_PROM_DEADLINE_SECONDS=2.5",
		              "KPI_PROM_RETRY_BASE_SECONDS=0.05", "KPI_PROM_MAX_RESPONSE_BYTES=4096", NULL };
	kpi_config *cfg = NULL;
	kpi__prom_settings s;
	kpi_error err = KPI_ERROR_INIT;
	const char *path;
	(void)state;
	/* nothing set: not configured, the defaults */
	assert_int_equal(load(&cfg, NULL, NULL, &err), 0);
	assert_int_equal(kpi__prom_settings_load(&s, cfg, &err), 0);
	assert_null(s.url);
	assert_double_equal(s.deadline_s, 60);
	assert_double_equal(s.base_s, 0.5);
	assert_double_equal(s.max_s, 10);
	assert_int_equal(s.timeout_ms, 30000);
	assert_int_equal(s.max_response, 16777216);
	assert_string_equal(kpi__prom_auth_name(&s), "none");
	kpi__prom_settings_release(&s);
	kpi_config_free(cfg);
	/* the environment; the URL loses its trailing slashes */
	assert_int_equal(load(&cfg, NULL, env, &err), 0);
	assert_int_equal(kpi__prom_settings_load(&s, cfg, &err), 0);
	assert_string_equal(s.url, "https://obs.example.com/prometheus");
	assert_double_equal(s.deadline_s, 2.5);
	assert_double_equal(s.base_s, 0.05);
	assert_int_equal(s.max_response, 4096);
	kpi__prom_settings_release(&s);
	kpi_config_free(cfg);
	/* the file, and the environment winning over it */
	path = tmp_file("c.json", "{\"prometheus\": {\"url\": \"http://prom:9090\", \"deadline_seconds\": 7,"
	                          " \"request_timeout_seconds\": 1.5, \"retry_max_seconds\": 2}}");
	assert_int_equal(load(&cfg, path, NULL, &err), 0);
	assert_int_equal(kpi__prom_settings_load(&s, cfg, &err), 0);
	assert_string_equal(s.url, "http://prom:9090");
	assert_double_equal(s.deadline_s, 7);
	assert_double_equal(s.max_s, 2);
	assert_int_equal(s.timeout_ms, 1500);
	kpi__prom_settings_release(&s);
	kpi_config_free(cfg);
	assert_int_equal(load(&cfg, path, env, &err), 0);
	assert_int_equal(kpi__prom_settings_load(&s, cfg, &err), 0);
	assert_string_equal(s.url, "https://obs.example.com/prometheus");
	assert_double_equal(s.deadline_s, 2.5);
	assert_double_equal(s.max_s, 2);
	kpi__prom_settings_release(&s);
	kpi_config_free(cfg);
	unlink(path);
}

static void test_prom_settings__credentials_from_the_environment_only(void **state)
{
	const char *bearer[] = { "KPI_PROM_URL=http://prom:9090", "KPI_PROM_BEARER_TOKEN=tok-canary-4711", NULL };
	const char *basic[] = { "KPI_PROM_URL=http://prom:9090", "KPI_PROM_USERNAME=user", "KPI_PROM_PASSWORD=pass", NULL };
	const char *both[] = { "KPI_PROM_BEARER_TOKEN=t", "KPI_PROM_USERNAME=u", "KPI_PROM_PASSWORD=p", NULL };
	const char *half[] = { "KPI_PROM_USERNAME=u", NULL };
	const char *colon[] = { "KPI_PROM_USERNAME=a:b", "KPI_PROM_PASSWORD=p", NULL };
	const char *crlf[] = { "KPI_PROM_BEARER_TOKEN=abc\r\nX-Evil: 1", NULL };
	kpi_config *cfg = NULL;
	kpi__prom_settings s;
	kpi_error err = KPI_ERROR_INIT;
	char *h = NULL;
	const char *path;
	(void)state;
	assert_int_equal(load(&cfg, NULL, bearer, &err), 0);
	assert_int_equal(kpi__prom_settings_load(&s, cfg, &err), 0);
	assert_int_equal(kpi__prom_auth_header(&h, &s, &err), 0);
	assert_string_equal(h, "Authorization: Bearer tok-canary-4711");
	assert_string_equal(kpi__prom_auth_name(&s), "bearer token from KPI_PROM_BEARER_TOKEN");
	kpi__prom_wipe_free(h);
	kpi__prom_settings_release(&s);
	kpi_config_free(cfg);
	assert_int_equal(load(&cfg, NULL, basic, &err), 0);
	assert_int_equal(kpi__prom_settings_load(&s, cfg, &err), 0);
	assert_int_equal(kpi__prom_auth_header(&h, &s, &err), 0);
	assert_string_equal(h, "Authorization: Basic dXNlcjpwYXNz"); /* base64("user:pass") */
	assert_string_equal(kpi__prom_auth_name(&s), "basic auth from KPI_PROM_USERNAME and KPI_PROM_PASSWORD");
	kpi__prom_wipe_free(h);
	kpi__prom_settings_release(&s);
	kpi_config_free(cfg);
	assert_int_equal(load(&cfg, NULL, both, &err), KPI_ECONFIG);
	assert_contains(err.message, "not both");
	assert_int_equal(load(&cfg, NULL, half, &err), KPI_ECONFIG);
	assert_contains(err.message, "needs both KPI_PROM_USERNAME and KPI_PROM_PASSWORD");
	assert_int_equal(load(&cfg, NULL, colon, &err), KPI_ECONFIG);
	assert_contains(err.message, "must not contain ':'");
	assert_int_equal(load(&cfg, NULL, crlf, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPI_PROM_BEARER_TOKEN holds a line break");
	assert_not_contains(err.message, "abc");
	/* never in the file, and the value is not quoted */
	path = tmp_file("c.json", "{\"prometheus\": {\"url\": \"http://prom:9090\",\n \"bearer_token\": \"file-canary-99\"}}");
	assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "prometheus.bearer_token: credentials are read from the environment only");
	assert_not_contains(err.message, "file-canary-99");
	path = tmp_file("c.json", "{\"prometheus\": {\"url\": \"http://prom:9090\", \"password\": \"file-canary-99\"}}");
	assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "prometheus.password");
	assert_not_contains(err.message, "file-canary-99");
	unlink(path);
}

static void test_prom_settings__bad_urls_never_quoted_when_they_may_hold_secrets(void **state)
{
	static const struct {
		const char *url;
		const char *msg;
		bool quoted;
	} cases[] = {
		{ "http://admin:url-canary-1@prom:9090", "must not hold credentials", false },
		{ "https://token-canary-2@prom", "must not hold credentials", false },
		{ "http://prom:9090/?token=qs-canary-3", "without a query string", false },
		{ "http://prom:9090/#x", "without a query string", false },
		{ "ftp://prom", "must be an http:// or https:// URL", false },
		{ "prom:9090", "must be an http:// or https:// URL", false },
		{ "http:///api", "has no host", true },
		{ "http://prom 9090", "blanks or control characters", false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char var[200], json[300], at[200];
		const char *env[] = { var, NULL }, *path;
		kpi_config *cfg = NULL;
		kpi_error err = KPI_ERROR_INIT;
		snprintf(var, sizeof(var), "KPI_PROM_URL=%s", cases[i].url);
		assert_int_equal(load(&cfg, NULL, env, &err), KPI_ECONFIG);
		assert_contains(err.message, "environment KPI_PROM_URL");
		assert_contains(err.message, cases[i].msg);
		if (!cases[i].quoted)
			assert_not_contains(err.message, cases[i].url);
		assert_not_contains(err.message, "canary");
		snprintf(json, sizeof(json), "{\"prometheus\":\n  {\"url\": \"%s\"}}", cases[i].url);
		path = tmp_file("c.json", json);
		assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
		snprintf(at, sizeof(at), "\"%s\"", cases[i].url);
		assert_error_at(&err, path, at, 0);
		assert_contains(err.message, cases[i].msg);
		assert_not_contains(err.message, "canary");
		unlink(path);
	}
}

static void test_prom_settings__file_errors_at_their_position(void **state)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	const char *path;
	const char *env[] = { "KPI_PROM_DEADLINE_SECONDS=soon", NULL };
	(void)state;
	path = tmp_file("c.json", "{\"prometheus\": {\"url\": \"http://p\",\n \"deadline_seconds\": -1}}");
	assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "-1", 0);
	assert_contains(err.message, "prometheus.deadline_seconds must be a number");
	path = tmp_file("c.json", "{\"prometheus\": {\"url\": \"http://p\", \"headers\": {}}}");
	assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "prometheus.headers: credentials are read from the environment only");
	path = tmp_file("c.json", "{\"prometheus\": {\"url\": \"http://p\", \"step\": 60}}");
	assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "60", 0);
	assert_contains(err.message, "unknown key 'step' in prometheus");
	path = tmp_file("c.json", "{\"prometheus\": \"http://p\"}");
	assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "unknown key 'prometheus'"); /* not an object: not a source's section */
	path = tmp_file("c.json", "{\"prometheus\": {\"url\": 9090}}");
	assert_int_equal(load(&cfg, path, NULL, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "9090", 0);
	assert_int_equal(load(&cfg, NULL, env, &err), KPI_ECONFIG);
	assert_contains(err.message, "environment KPI_PROM_DEADLINE_SECONDS='soon'");
	unlink(path);
}

static int cleanup(void **state)
{
	(void)state;
	if (tmpdir[0])
		rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_expand__range_and_seconds),
		cmocka_unit_test(test_prom_expand__unknown_placeholders_refused),
		cmocka_unit_test(test_prom_form_escape),
		cmocka_unit_test(test_prom_answer__vector),
		cmocka_unit_test(test_prom_answer__matrix_and_warnings),
		cmocka_unit_test(test_prom_answer__no_labels),
		cmocka_unit_test(test_prom_answer__malformed),
		cmocka_unit_test(test_prom_series_check__times_and_values),
		cmocka_unit_test(test_prom_error_text),
		cmocka_unit_test(test_prom_spec__shipped_variants_load),
		cmocka_unit_test(test_prom_spec__bad_query_files),
		cmocka_unit_test(test_prom_settings__defaults_environment_and_file),
		cmocka_unit_test(test_prom_settings__credentials_from_the_environment_only),
		cmocka_unit_test(test_prom_settings__bad_urls_never_quoted_when_they_may_hold_secrets),
		cmocka_unit_test(test_prom_settings__file_errors_at_their_position),
	};
	return cmocka_run_group_tests_name("prometheus", tests, NULL, cleanup);
}
