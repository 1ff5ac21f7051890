/*
 * Integration: the Prometheus source against a real Prometheus server (the
 * Debian package `prometheus`, 2.42, installed by scripts/lib.sh), started
 * by this test on loopback with a TSDB built from OpenMetrics text of known
 * counters and histograms (promtool tsdb create-blocks-from openmetrics),
 * its data in a temp dir, stopped by its pid. Checked against hand-computed
 * figures: the Prometheus variants of api_error_rate_pct and
 * api_latency_p95_ms through `kpi query` and kpi_collect (weeks of the
 * Europe/Berlin zone, one of them the 169-hour week of the end of DST),
 * `kpi explain`, `kpi pack`, `kpi alert` on an M-of-N alarm rule
 * (query_range), credentials that never show, and faults through the tests'
 * responder put in front of the server (retries, bad PromQL, warnings,
 * malformed answers, timeouts).
 *
 * Prometheus is not optional here: when it cannot be started the test
 * fails (it is a Debian package the scripts install), it never skips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_util.h"
#include "it_http.h"
#include "it_prom.h"
#include "asserts.h"
#include "net/http.h"

/* The reporting weeks 2026-W42..W45 in Europe/Berlin, [T[i], T[i+1]):
 *   W42 2026-10-12 00:00 CEST = 10-11T22:00Z, 604800 s
 *   W43 2026-10-19 00:00 CEST = 10-18T22:00Z, 608400 s (169 h: DST ends 10-25)
 *   W44 2026-10-26 00:00 CET  = 10-25T23:00Z, 604800 s
 *   W45 2026-11-02 00:00 CET  = 11-01T23:00Z, 604800 s, ending 11-08T23:00Z */
static const int64_t T[5] = { 1791756000, 1792360800, 1792969200, 1793574000, 1794178800 };
#define NOW "2026-11-20T00:00:00Z"  /* after W45: all four weeks complete */
#define TZ "Europe/Berlin"

/* The alarm minutes: samples every minute from A0 = 2026-11-10T11:53:00Z to
 * 12:00 (ALERT_NOW), so the seven one-minute periods before 12:00 each hold
 * exactly their two end samples. */
#define A0 1794311580
#define ALERT_NOW "2026-11-10T12:00:00Z"

#define CANARY "prom-canary-7f3e9d1c-token"
#define CANARY_PW "prom-canary-pw-51ab"

static it_prom server;           /* started and stopped by pid (it_prom.c) */
static const char *dir;          /* its temp dir: tsdb/, data.om, prometheus.yml, configs, log */
static const char *prom_url;
static char config[128];         /* the config selecting the Prometheus variants */
static it_responder *resp;

/* ---- the data set ----
 *
 * Samples lie on each week's boundaries T[i] and at its middle; a counter
 * grows linearly within a week. Prometheus 2.x range selectors are closed
 * at both ends, so the range [T[i], T[i+1]] of week i holds its two
 * boundary samples: increase() = last - first with no extrapolation
 * (durationToStart = durationToEnd = 0, factor exactly 1), so every weekly
 * increase below is exact. (Under the left-open ranges of Prometheus 3 the
 * first sample would be the middle one, half a week from the start, and
 * increase() would extrapolate that half week along the same straight line:
 * the same figures, up to rounding.) A series that starts at T[i] with a
 * sample at T[i] only in week i-1's range has one sample there: no result,
 * so that week has no value for it. */

typedef struct counter {
	const char *labels;
	int first;           /* first week with samples */
	double base;         /* value at T[first] */
	double inc[4];       /* increase over each week */
	double minute[7];    /* increase in each alarm minute ending A0+60 .. A0+420 */
} counter;

/*
 * http_requests_total. Per week (denominator = all codes, numerator = 5xx):
 *   checkout  W42: 9900 + 100 = 10000 requests, 100 5xx -> 1.0 %  (ok: <= 1 % holds)
 *             W43: 19700 + 300 = 20000, 300 -> 1.5 %            (breach; the 169-hour week)
 *             W44: flat, 0 and 0 -> no value, no_data            (no requests: never 0 %)
 *             W45: 7980 + 20 = 8000, 20 -> 0.25 %                (ok)
 *   search    W42: no series yet (starts at T[1])               -> null, no_data
 *             W43: 5000 requests, no 5xx series yet -> 0 / 5000 = 0 % (absent_numerator zero)
 *             W44: 3970 + 30 = 4000, 30 (its 5xx series starts at T[2]) -> 0.75 %
 *             W45: 5910 + 90 = 6000, 90 -> 1.5 %                 (breach)
 * Alarm minutes: checkout 1000 requests a minute with 5, 20, 30, 25, 40,
 * 15, 11 errors (0.5, 2, 3, 2.5, 4, 1.5, 1.1 %: the last five above 1 %,
 * ALARM); search 1000 a minute with 1 error (0.1 %, OK).
 */
static const counter counters[] = {
	{ "service=\"checkout\",code=\"200\"", 0, 50000, { 9900, 19700, 0, 7980 }, { 995, 980, 970, 975, 960, 985, 989 } },
	{ "service=\"checkout\",code=\"500\"", 0, 500, { 100, 300, 0, 20 }, { 5, 20, 30, 25, 40, 15, 11 } },
	{ "service=\"search\",code=\"200\"", 1, 0, { 0, 5000, 3970, 5910 }, { 999, 999, 999, 999, 999, 999, 999 } },
	{ "service=\"search\",code=\"500\"", 2, 0, { 0, 0, 30, 90 }, { 1, 1, 1, 1, 1, 1, 1 } },
};

/*
 * http_request_duration_seconds, buckets le = 0.1, 0.25, 0.5, 1, +Inf
 * (cumulative increases per week). histogram_quantile(0.95): rank = 0.95 x
 * count; the first bucket whose cumulative count >= rank holds it; value =
 * lower bound + (upper - lower) x (rank - count below) / count in bucket;
 * in the +Inf bucket, the highest finite bound.
 *   checkout W42: 500, 900, 1000, 1000, 1000: rank 950 in (0.25, 0.5]:
 *                 0.25 + 0.25 x 50/100 = 0.375 s = 375 ms (ok)
 *            W43: 200, 600, 1600, 2000, 2000: rank 1900 in (0.5, 1]:
 *                 0.5 + 0.5 x 300/400 = 0.875 s = 875 ms (breach)
 *            W44: no observations: left out by the query's "and ... > 0" -> no_data
 *            W45: 100, 300, 380, 400, 400: rank 380 in (0.25, 0.5]:
 *                 0.25 + 0.25 x 80/80 = 0.5 s = 500 ms (ok: <= 500 holds)
 *   search   W42: no series yet -> no_data
 *            W43: 95, 100, 100, 100, 100: rank 95 in (0, 0.1]: 0.1 x 95/95 = 100 ms (ok)
 *            W44: 0, 20, 100, 180, 200: rank 190 > 180: the +Inf bucket -> 1 s = 1000 ms (breach)
 *            W45: 100, 500, 940, 980, 1000: rank 950 in (0.5, 1]:
 *                 0.5 + 0.5 x 10/40 = 0.625 s = 625 ms (breach)
 * No histogram samples in the alarm minutes: the p95 alarm has no datapoints.
 */
typedef struct histogram {
	const char *service;
	int first;
	double base[5];
	double inc[4][5];
} histogram;

static const char *const le[5] = { "0.1", "0.25", "0.5", "1", "+Inf" };

static const histogram histograms[] = {
	{ "checkout", 0, { 5000, 9000, 9800, 9900, 10000 },
	  { { 500, 900, 1000, 1000, 1000 }, { 200, 600, 1600, 2000, 2000 }, { 0, 0, 0, 0, 0 }, { 100, 300, 380, 400, 400 } } },
	{ "search", 1, { 0, 0, 0, 0, 0 },
	  { { 0, 0, 0, 0, 0 }, { 95, 100, 100, 100, 100 }, { 0, 20, 100, 180, 200 }, { 100, 500, 940, 980, 1000 } } },
};

static const it_row error_rows[] = {
	{ 0, "service=checkout", 1.0, 100, 10000, "ok" },
	{ 0, "service=search", NULLV, NULLV, NULLV, "no_data" },
	{ 1, "service=checkout", 1.5, 300, 20000, "breach" },
	{ 1, "service=search", 0, 0, 5000, "ok" },
	{ 2, "service=checkout", NULLV, 0, 0, "no_data" },
	{ 2, "service=search", 0.75, 30, 4000, "ok" },
	{ 3, "service=checkout", 0.25, 20, 8000, "ok" },
	{ 3, "service=search", 1.5, 90, 6000, "breach" },
};

static const it_row p95_rows[] = {
	{ 0, "service=checkout", 375, NULLV, NULLV, "ok" },
	{ 0, "service=search", NULLV, NULLV, NULLV, "no_data" },
	{ 1, "service=checkout", 875, NULLV, NULLV, "breach" },
	{ 1, "service=search", 100, NULLV, NULLV, "ok" },
	{ 2, "service=checkout", NULLV, NULLV, NULLV, "no_data" },
	{ 2, "service=search", 1000, NULLV, NULLV, "breach" },
	{ 3, "service=checkout", 500, NULLV, NULLV, "ok" },
	{ 3, "service=search", 625, NULLV, NULLV, "breach" },
};

static void om_sample(FILE *f, const char *name, const char *labels, double v, int64_t t)
{
	fprintf(f, "%s{%s} %.17g %lld\n", name, labels, v, (long long)t);
}

static void write_openmetrics(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# HELP http_requests Requests by service and status code.\n# TYPE http_requests counter\n");
	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		const counter *k = &counters[c];
		double v = k->base;
		for (int i = k->first; i < 4; i++) {
			if (i == k->first)
				om_sample(f, "http_requests_total", k->labels, v, T[i]);
			om_sample(f, "http_requests_total", k->labels, v + k->inc[i] / 2, (T[i] + T[i + 1]) / 2);
			v += k->inc[i];
			om_sample(f, "http_requests_total", k->labels, v, T[i + 1]);
		}
		om_sample(f, "http_requests_total", k->labels, v, A0);
		for (int m = 0; m < 7; m++) {
			v += k->minute[m];
			om_sample(f, "http_requests_total", k->labels, v, A0 + 60 * (m + 1));
		}
	}
	fprintf(f, "# HELP http_request_duration_seconds Request duration.\n"
	           "# TYPE http_request_duration_seconds histogram\n");
	for (size_t h = 0; h < sizeof(histograms) / sizeof(histograms[0]); h++) {
		const histogram *x = &histograms[h];
		double v[5];
		memcpy(v, x->base, sizeof(v));
		for (int i = x->first; i < 4; i++) {
			/* the week's start (first week only), middle and end */
			for (int step = i == x->first ? 0 : 1; step <= 2; step++) {
				int64_t t = step == 0 ? T[i] : step == 1 ? (T[i] + T[i + 1]) / 2 : T[i + 1];
				double frac = step / 2.0;
				char lab[96];
				for (int b = 0; b < 5; b++) {
					snprintf(lab, sizeof(lab), "service=\"%s\",le=\"%s\"", x->service, le[b]);
					om_sample(f, "http_request_duration_seconds_bucket", lab, v[b] + x->inc[i][b] * frac, t);
				}
				snprintf(lab, sizeof(lab), "service=\"%s\"", x->service);
				om_sample(f, "http_request_duration_seconds_count", lab, v[4] + x->inc[i][4] * frac, t);
				om_sample(f, "http_request_duration_seconds_sum", lab, (v[4] + x->inc[i][4] * frac) * 0.25, t);
			}
			for (int b = 0; b < 5; b++)
				v[b] += x->inc[i][b];
		}
	}
	fprintf(f, "# EOF\n");
	fclose(f);
}

/* ---- the server (it_prom.c) ---- */

static void write_text(const char *path, const char *text)
{
	it_write_text(path, text);
}

static char *slurp_file(const char *path)
{
	return it_slurp(path);
}

static int start_prometheus(void **state)
{
	char cfgtext[1024];
	(void)state;
	it_prom_start(&server, write_openmetrics, NULL);
	dir = server.dir;
	prom_url = server.url;
	snprintf(config, sizeof(config), "%s/config.json", dir);
	snprintf(cfgtext, sizeof(cfgtext),
	         "{\"timezone\": \"" TZ "\",\n \"prometheus\": {\"url\": \"%s\", \"deadline_seconds\": 20},\n"
	         " \"kpis\": {\"api_error_rate_pct\": {\"variant\": \"prometheus\"},\n"
	         "          \"api_latency_p95_ms\": {\"variant\": \"prometheus\"}}}\n",
	         prom_url);
	write_text(config, cfgtext);
	resp = it_responder_start(NULL);
	return 0;
}

static int stop_prometheus(void **state)
{
	(void)state;
	it_responder_stop(resp);
	it_prom_stop(&server);
	return 0;
}

/* ---- helpers ---- */

static void query(it_run_result *r, const char *kpi, const char *week, const char *weeks, const char *cfg,
                  const char *const *env)
{
	const char *argv[] = { "kpi", "query", kpi, "--week", week, "--weeks", weeks, "--format", "json", "--config",
		               cfg, NULL };
	it_run(r, argv, env, 120);
}

static const char *const now_env[] = { "KPI_NOW=" NOW, NULL };

static kpi_catalog *catalog(void)
{
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	assert_int_equal(kpi_catalog_load(&cat, KPI_SOURCE_DIR "/templates/catalog.json", &err), 0);
	return cat;
}

/* The definition of a KPI's Prometheus variant (for it_check_json). */
static kpi_catalog *variant_catalog(void)
{
	kpi_catalog *cat = catalog();
	kpi_error err = KPI_ERROR_INIT;
	assert_int_equal(kpi__catalog_select_variant(cat, (kpi_def *)kpi_catalog_find(cat, "api_error_rate_pct"),
	                                             "prometheus", &err),
	                 0);
	assert_int_equal(kpi__catalog_select_variant(cat, (kpi_def *)kpi_catalog_find(cat, "api_latency_p95_ms"),
	                                             "prometheus", &err),
	                 0);
	return cat;
}

static void check_query(const char *kpi, const char *cfg, const it_row *exp, size_t n, const char *const *env)
{
	kpi_window w;
	kpi_catalog *cat = variant_catalog();
	it_run_result r;
	query(&r, kpi, "2026-W45", "4", cfg, env ? env : now_env);
	if (r.status != 0)
		fail_msg("kpi query %s exited %d: %s", kpi, r.status, r.err);
	it_window(&w, "2026-W45", 4, TZ, NOW);
	it_check_json(r.out, kpi_catalog_find(cat, kpi), &w, exp, n);
	it_run_free(&r);
	kpi_catalog_free(cat);
}

/* A copy of `cfg` text pointing at the responder instead of the server. */
static const char *responder_config(void)
{
	static char path[128];
	char text[1024];
	snprintf(path, sizeof(path), "%s/via-responder.json", dir);
	snprintf(text, sizeof(text),
	         "{\"timezone\": \"" TZ "\",\n \"prometheus\": {\"url\": \"%s\", \"deadline_seconds\": 10,"
	         " \"retry_base_seconds\": 0.05, \"retry_max_seconds\": 0.2},\n"
	         " \"kpis\": {\"api_error_rate_pct\": {\"variant\": \"prometheus\"},\n"
	         "          \"api_latency_p95_ms\": {\"variant\": \"prometheus\"}}}\n",
	         resp->url);
	write_text(path, text);
	return path;
}

static void script(const char *json)
{
	it_responder_script(resp, json);
	it_responder_clear(resp);
}

/* A responder script whose default passes everything on to the server. */
static void script_proxy(const char *rules)
{
	char s[8192];
	snprintf(s, sizeof(s), "{\"rules\": [%s], \"default\": {\"proxy\": \"%s\"}}", rules ? rules : "", prom_url);
	script(s);
}

/* ---- the tests ---- */

static void test_prom__week_boundaries_are_the_zones(void **state)
{
	kpi_window w;
	(void)state;
	it_window(&w, "2026-W45", 4, TZ, NOW);
	for (int i = 0; i <= 4; i++)
		assert_int_equal(w.starts[i], T[i]);
	assert_int_equal(w.starts[2] - w.starts[1], 169 * 3600);
}

static void test_prom__error_rate_weekly_rows(void **state)
{
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_result *res = NULL;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	const char *ids[] = { "api_error_rate_pct" };
	(void)state;
	/* the command's view */
	check_query("api_error_rate_pct", config, error_rows, 8, NULL);
	/* the library's, through the same config */
	setenv("KPI_NOW", NOW, 1);
	assert_int_equal(kpi_config_load(&cfg, config, &err), 0);
	unsetenv("KPI_NOW");
	assert_int_equal(kpi_catalog_load(&cat, cfg->catalog_path, &err), 0);
	assert_int_equal(kpi_config_apply(cfg, cat, &err), 0);
	assert_int_equal(kpi_sources_check(cfg, cat, &err), 0);
	it_window(&w, "2026-W45", 4, TZ, NOW);
	if (kpi_collect(&res, cat, cfg, ids, 1, &w, &err))
		fail_msg("kpi_collect: %s", err.message);
	it_check_series(&res->series[0], &w, error_rows, 8);
	assert_string_equal(res->series[0].def->source, "prometheus");
	for (size_t i = 0; i < res->series[0].nrows; i++)
		assert_false(res->series[0].rows[i].incomplete);
	kpi_result_free(res);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_prom__error_rate_warn_margin_from_the_config(void **state)
{
	/* the same rows with the config's warn_margin 0.5 on top of the
	 * variant: 1.0 % and 0.75 % are within 0.5 of the 1 % target */
	static const it_row warn_rows[] = {
		{ 0, "service=checkout", 1.0, 100, 10000, "warn" },
		{ 0, "service=search", NULLV, NULLV, NULLV, "no_data" },
		{ 1, "service=checkout", 1.5, 300, 20000, "breach" },
		{ 1, "service=search", 0, 0, 5000, "ok" },
		{ 2, "service=checkout", NULLV, 0, 0, "no_data" },
		{ 2, "service=search", 0.75, 30, 4000, "warn" },
		{ 3, "service=checkout", 0.25, 20, 8000, "ok" },
		{ 3, "service=search", 1.5, 90, 6000, "breach" },
	};
	char path[128], text[1024];
	(void)state;
	snprintf(path, sizeof(path), "%s/warn.json", dir);
	snprintf(text, sizeof(text),
	         "{\"timezone\": \"" TZ "\", \"prometheus\": {\"url\": \"%s\"},\n"
	         " \"kpis\": {\"api_error_rate_pct\": {\"variant\": \"prometheus\","
	         " \"threshold\": {\"op\": \"<=\", \"target\": 1, \"warn_margin\": 0.5}}}}\n",
	         prom_url);
	write_text(path, text);
	check_query("api_error_rate_pct", path, warn_rows, 8, NULL);
}

static void test_prom__latency_p95_weekly_rows(void **state)
{
	(void)state;
	check_query("api_latency_p95_ms", config, p95_rows, 8, NULL);
}

static void test_prom__explain_prints_every_request_and_no_secret(void **state)
{
	const char *argv[] = { "kpi", "explain", "api_error_rate_pct", "--week", "2026-W45", "--weeks", "4", "--config",
		               NULL, NULL };
	const char *env[] = { "KPI_NOW=" NOW, "KPI_PROM_BEARER_TOKEN=" CANARY, NULL };
	const char *cfg = responder_config();
	char *text, sha[65], want[200];
	size_t len;
	it_run_result r;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	argv[8] = cfg;
	script("{}");
	it_run(&r, argv, env, 60);
	if (r.status != 0)
		fail_msg("kpi explain exited %d: %s", r.status, r.err);
	assert_int_equal(kpi__read_file(&text, &len, KPI_SOURCE_DIR "/queries/prometheus/api_error_rate_pct.json", &err), 0);
	kpi_sha256_hex(sha, text, len);
	free(text);
	assert_contains(r.out, "-- query file: " KPI_SOURCE_DIR "/queries/prometheus/api_error_rate_pct.json\n");
	snprintf(want, sizeof(want), "-- sha256: %s\n", sha);
	assert_contains(r.out, want);
	snprintf(want, sizeof(want), "-- endpoint: POST %s/api/v1/query", resp->url);
	assert_contains(r.out, want);
	assert_contains(r.out, "auth: bearer token from KPI_PROM_BEARER_TOKEN");
	assert_contains(r.out, "-- 8 requests");
	/* the DST week: its own length, evaluated at its end */
	assert_contains(r.out, "-- week 2026-10-18T22:00:00Z .. 2026-10-25T23:00:00Z: time=1792969200 "
	                       "(2026-10-25T23:00:00Z), $__range=608400s\n-- numerator:\n"
	                       "sum by (service) (increase(http_requests_total{code=~\"5..\"}[608400s]))\n"
	                       "-- denominator:\nsum by (service) (increase(http_requests_total[608400s]))\n");
	assert_contains(r.out, "time=1794178800 (2026-11-08T23:00:00Z), $__range=604800s");
	assert_not_contains(r.out, CANARY);
	assert_not_contains(r.err, CANARY);
	assert_int_equal(it_responder_count(resp), 0); /* sends nothing */
	it_run_free(&r);
}

static void test_prom__credentials_travel_in_one_header_and_nowhere_else(void **state)
{
	const char *bearer[] = { "KPI_NOW=" NOW, "KPI_PROM_BEARER_TOKEN=" CANARY, NULL };
	const char *basic[] = { "KPI_NOW=" NOW, "KPI_PROM_USERNAME=kpi-reader", "KPI_PROM_PASSWORD=" CANARY_PW, NULL };
	const char *cfg = responder_config();
	it_run_result r;
	json_t *reqs, *first;
	const char *body;
	(void)state;
	script_proxy(NULL);
	query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, bearer);
	if (r.status != 0)
		fail_msg("kpi query exited %d: %s", r.status, r.err);
	assert_not_contains(r.out, CANARY);
	assert_not_contains(r.err, CANARY);
	it_run_free(&r);
	reqs = it_responder_requests(resp);
	assert_int_equal(json_array_size(reqs), 2); /* one week: numerator, denominator */
	first = json_array_get(reqs, 0);
	assert_string_equal(json_string_value(json_object_get(first, "method")), "POST");
	assert_string_equal(json_string_value(json_object_get(first, "path")), "/api/v1/query");
	assert_string_equal(json_string_value(json_object_get(json_object_get(first, "headers"), "authorization")),
	                    "Bearer " CANARY);
	assert_string_equal(json_string_value(json_object_get(json_object_get(first, "headers"), "content-type")),
	                    "application/x-www-form-urlencoded");
	body = json_string_value(json_object_get(first, "body"));
	assert_contains(body, "query=sum%20by%20%28service%29%20%28increase%28http_requests_total%7Bcode%3D~%225..%22%7D"
	                      "%5B604800s%5D%29%29");
	assert_contains(body, "&time=1794178800");
	json_decref(reqs);

	script_proxy(NULL);
	query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, basic);
	if (r.status != 0)
		fail_msg("kpi query exited %d: %s", r.status, r.err);
	assert_not_contains(r.out, CANARY_PW);
	assert_not_contains(r.err, CANARY_PW);
	it_run_free(&r);
	reqs = it_responder_requests(resp);
	/* base64("kpi-reader:prom-canary-pw-51ab") */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(reqs, 0), "headers"),
	                                                      "authorization")),
	                    "Basic a3BpLXJlYWRlcjpwcm9tLWNhbmFyeS1wdy01MWFi");
	json_decref(reqs);

	/* a 401 fails at once, naming the kind of credentials, not them */
	script("{\"default\": {\"status\": 401, \"body\": \"Unauthorized\"}}");
	query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, bearer);
	assert_int_equal(r.status, 4);
	assert_contains(r.err, "authentication failed: HTTP 401");
	assert_contains(r.err, "(auth: bearer token from KPI_PROM_BEARER_TOKEN)");
	assert_not_contains(r.err, CANARY);
	assert_int_equal(it_count_lines(r.err), 1);
	assert_int_equal(it_responder_count(resp), 1);
	it_run_free(&r);
	/* a proxy that echoes the header back is redacted (core/redact.c) */
	script("{\"default\": {\"status\": 400, \"body\": \"bad header Authorization: Bearer " CANARY "\"}}");
	query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, bearer);
	assert_int_equal(r.status, 4);
	assert_not_contains(r.err, CANARY);
	assert_contains(r.err, "Bearer [redacted]");
	it_run_free(&r);
}

static void test_prom__503_then_success_is_retried(void **state)
{
	const char *cfg = responder_config();
	char rules[512];
	kpi_window w;
	kpi_catalog *cat = variant_catalog();
	it_run_result r;
	(void)state;
	snprintf(rules, sizeof(rules),
	         "{\"match\": {\"path\": \"/api/v1/query\"}, \"responses\": [{\"status\": 503, \"body\": "
	         "\"{\\\"status\\\":\\\"error\\\",\\\"errorType\\\":\\\"unavailable\\\",\\\"error\\\":\\\"overloaded\\\"}\"},"
	         " {\"status\": 429, \"body\": \"slow down\"}, {\"proxy\": \"%s\"}]}",
	         prom_url);
	script_proxy(rules);
	query(&r, "api_error_rate_pct", "2026-W45", "4", cfg, now_env);
	if (r.status != 0)
		fail_msg("kpi query exited %d: %s", r.status, r.err);
	it_window(&w, "2026-W45", 4, TZ, NOW);
	it_check_json(r.out, kpi_catalog_find(cat, "api_error_rate_pct"), &w, error_rows, 8);
	assert_contains(r.err, "prometheus.retry");
	assert_contains(r.err, "HTTP 503: unavailable: overloaded");
	assert_contains(r.err, "HTTP 429: slow down");
	assert_int_equal(it_responder_count(resp), 8 + 2);
	it_run_free(&r);
	kpi_catalog_free(cat);
}

static void test_prom__bad_promql_names_the_kpi_and_the_query_file(void **state)
{
	char qdir[160], file[220], env_q[200];
	const char *env[] = { "KPI_NOW=" NOW, env_q, NULL };
	it_run_result r;
	(void)state;
	/* the real server parses the PromQL: a missing parenthesis */
	snprintf(qdir, sizeof(qdir), "%s/queries", dir);
	snprintf(file, sizeof(file), "%s/prometheus", qdir);
	mkdir(qdir, 0700);
	mkdir(file, 0700);
	snprintf(file, sizeof(file), "%s/prometheus/api_error_rate_pct.json", qdir);
	write_text(file, "{\"labels\": {\"service\": \"service\"},\n"
	                 " \"numerator\": \"sum by (service) (increase(http_requests_total{code=~\\\"5..\\\"}[$__range])\",\n"
	                 " \"denominator\": \"sum by (service) (increase(http_requests_total[$__range]))\"}\n");
	snprintf(env_q, sizeof(env_q), "KPI_QUERY_DIR=%s", qdir);
	query(&r, "api_error_rate_pct", "2026-W45", "2", config, env);
	assert_int_equal(r.status, 4);
	assert_string_equal(r.out, "");
	assert_int_equal(it_count_lines(r.err), 1);
	assert_contains(r.err, "kpi: KPI api_error_rate_pct: the numerator query of ");
	assert_contains(r.err, file);
	assert_contains(r.err, " at 2026-11-01T23:00:00Z (range 604800s): Prometheus (");
	assert_contains(r.err, "answered HTTP 400: bad_data: ");
	assert_contains(r.err, "parse error");
	it_run_free(&r);
}

/* An instant-vector answer of one week (W45's end) for the responder. */
static const char *answer(const char *extra, const char *checkout, const char *search)
{
	static char buf[2][1024];
	static int k;
	char *b = buf[k++ % 2];
	json_t *s;
	char *enc, body[800];
	snprintf(body, sizeof(body),
	         "{\"status\":\"success\"%s,\"data\":{\"resultType\":\"vector\",\"result\":["
	         "{\"metric\":{\"service\":\"checkout\"},\"value\":[1794178800,\"%s\"]},"
	         "{\"metric\":{\"service\":\"search\"},\"value\":[1794178800,\"%s\"]}]}}",
	         extra, checkout, search);
	s = json_string(body);
	enc = json_dumps(s, JSON_ENCODE_ANY);
	snprintf(b, sizeof(buf[0]), "%s", enc);
	free(enc);
	json_decref(s);
	return b;
}

#define NUMERATOR_BODY "code%3D~%225..%22"

static void test_prom__warnings_mark_the_week_incomplete(void **state)
{
	const char *cfg = responder_config();
	char scr[4096];
	it_run_result r;
	json_t *doc, *rows;
	(void)state;
	/* W45's figures (20 / 8000, 90 / 6000), the numerator's answer with a warning */
	snprintf(scr, sizeof(scr),
	         "{\"rules\": [{\"match\": {\"body\": \"%s\"}, \"responses\": [{\"body\": %s}]}],"
	         " \"default\": {\"body\": %s}}",
	         NUMERATOR_BODY, answer(",\"warnings\":[\"remote read: partial data: store eu-1 unreachable\"]", "20", "90"),
	         answer("", "8000", "6000"));
	script(scr);
	query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, now_env);
	if (r.status != 0)
		fail_msg("kpi query exited %d: %s", r.status, r.err);
	assert_contains(r.err, "prometheus.warnings");
	assert_contains(r.err, "store eu-1 unreachable");
	doc = json_loads(r.out, 0, NULL);
	assert_non_null(doc);
	rows = json_object_get(doc, "rows");
	assert_int_equal(json_array_size(rows), 2);
	/* checkout: 0.25 % would be ok, but the answer is partial: no_data */
	assert_true(json_is_true(json_object_get(json_array_get(rows, 0), "incomplete")));
	assert_double_equal(json_number_value(json_object_get(json_array_get(rows, 0), "value")), 0.25);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "status")), "no_data");
	/* search: 1.5 % breaches already on what is known */
	assert_true(json_is_true(json_object_get(json_array_get(rows, 1), "incomplete")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "status")), "breach");
	json_decref(doc);
	it_run_free(&r);
}

static void test_prom__malformed_answers_fail_with_exit_8(void **state)
{
	static const struct {
		const char *body;
		const char *msg;
	} cases[] = {
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[oops", "malformed answer: not JSON" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
		  "malformed answer: resultType \"matrix\", expected \"vector\"" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1794178800,\"NaN\"]}]}}",
		  "the value 'NaN' of {service=\"a\"} is not a finite number" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1794178800,\"-3\"]}]}}",
		  "malformed answer: the sample of service=a at 2026-11-08T23:00:00Z is -3: negative" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1794000000,\"3\"]}]}}",
		  "malformed answer: the sample of service=a at 2026-11-06T21:20:00Z (value 3), not at the time asked" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1e300,\"3\"]}]}}",
		  "malformed answer: the sample of service=a at 1e+300 (value 3), not at the time asked" },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"service\":\"a\"},"
		  "\"value\":[1794178800,\"1e308\"]}]}}",
		  "malformed answer: the sample of service=a at 2026-11-08T23:00:00Z is 1e+308: above 1e+15, more than a week "
		  "can hold" },
	};
	const char *cfg = responder_config();
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char scr[2048];
		json_t *s = json_string(cases[i].body);
		char *enc = json_dumps(s, JSON_ENCODE_ANY);
		it_run_result r;
		snprintf(scr, sizeof(scr), "{\"default\": {\"body\": %s}}", enc);
		free(enc);
		json_decref(s);
		script(scr);
		query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, now_env);
		if (r.status != 8)
			fail_msg("case %zu: exit %d, expected 8: %s", i, r.status, r.err);
		assert_contains(r.err, "kpi: KPI api_error_rate_pct: the numerator query of ");
		assert_contains(r.err, cases[i].msg);
		assert_int_equal(it_count_lines(r.err), 1);
		assert_string_equal(r.out, "");
		assert_int_equal(it_responder_count(resp), 1); /* not retried */
		it_run_free(&r);
	}
	/* more errors than requests: the numerator above its denominator */
	{
		char scr[4096];
		it_run_result r;
		snprintf(scr, sizeof(scr),
		         "{\"rules\": [{\"match\": {\"body\": \"%s\"}, \"responses\": [{\"body\": %s}]}],"
		         " \"default\": {\"body\": %s}}",
		         NUMERATOR_BODY, answer("", "20", "90"), answer("", "8000", "60"));
		script(scr);
		query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, now_env);
		if (r.status != 8)
			fail_msg("numerator above denominator: exit %d: %s", r.status, r.err);
		assert_contains(r.err, "kpi: KPI api_error_rate_pct: the week 2026-11-01T23:00:00Z..2026-11-08T23:00:00Z, "
		                       "service=search: malformed Prometheus answer: the numerator query of ");
		assert_contains(r.err, "gives 90, more than the 60 of the denominator query");
		assert_string_equal(r.out, "");
		it_run_free(&r);
	}
	/* an answer above the size cap: at once, whether announced or not */
	{
		const char *env[] = { "KPI_NOW=" NOW, "KPI_PROM_MAX_RESPONSE_BYTES=65536", NULL };
		it_run_result r;
		script("{\"default\": {\"body\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"repeat\": 6553600}}");
		query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, now_env);
		assert_int_equal(r.status, 8);
		assert_contains(r.err, "malformed answer: larger than 16777216 bytes (the cap: prometheus.max_response_bytes or "
		                       "KPI_PROM_MAX_RESPONSE_BYTES)");
		assert_int_equal(it_responder_count(resp), 1);
		assert_true(r.seconds < 5);
		it_run_free(&r);
		script("{\"default\": {\"body\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"repeat\": 6553600, \"chunked\": true}}");
		query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, env);
		assert_int_equal(r.status, 8);
		assert_contains(r.err, "malformed answer: larger than 65536 bytes");
		assert_int_equal(it_responder_count(resp), 1);
		assert_true(r.seconds < 5);
		it_run_free(&r);
	}
	/* a series without the named label breaks the contract (exit 6) */
	script("{\"default\": {\"body\": \"{\\\"status\\\":\\\"success\\\",\\\"data\\\":{\\\"resultType\\\":\\\"vector\\\","
	       "\\\"result\\\":[{\\\"metric\\\":{\\\"job\\\":\\\"api\\\"},\\\"value\\\":[1794178800,\\\"1\\\"]}]}}\"}}");
	{
		it_run_result r;
		query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, now_env);
		assert_int_equal(r.status, 6);
		assert_contains(r.err, "has no label 'service'");
		it_run_free(&r);
	}
	/* status "error" in a 200 answer fails the run (exit 4) */
	script("{\"default\": {\"body\": \"{\\\"status\\\":\\\"error\\\",\\\"errorType\\\":\\\"internal\\\","
	       "\\\"error\\\":\\\"storage broke\\\"}\"}}");
	{
		it_run_result r;
		query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, now_env);
		assert_int_equal(r.status, 4);
		assert_contains(r.err, "Prometheus answered status \"error\": internal: storage broke");
		it_run_free(&r);
	}
}

/* kpi pack and kpi publish refuse a malformed answer as kpi query does:
 * exit 8, no pack, no value published (the textfile says the run failed). */
static void test_prom__pack_and_publish_refuse_a_malformed_answer(void **state)
{
	const char *cfg = responder_config();
	char cat[160], catenv[200], prom[160], out[160], pdf[200], scr[4096];
	const char *env[] = { "KPI_NOW=" NOW, catenv, NULL };
	const char *publish[] = { "kpi", "publish", "--week", "2026-W45", "--prom-textfile", prom, "--config", cfg, NULL };
	const char *pack[] = { "kpi", "pack", "--week", "2026-W45", "--weeks", "1", "--out", out, "--config", cfg, NULL };
	json_t *doc, *keep = json_array(), *k;
	struct stat st;
	it_run_result r;
	char *text;
	size_t i;
	(void)state;
	/* a catalogue of the two API KPIs alone: no database needed */
	doc = json_load_file(KPI_SOURCE_DIR "/templates/catalog.json", 0, NULL);
	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "kpis"), i, k)
		if (strncmp(json_string_value(json_object_get(k, "id")), "api_", 4) == 0)
			json_array_append(keep, k);
	json_object_set_new(doc, "kpis", keep);
	snprintf(cat, sizeof(cat), "%s/catalog-api.json", dir);
	assert_int_equal(json_dump_file(doc, cat, JSON_INDENT(1)), 0);
	json_decref(doc);
	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(prom, sizeof(prom), "%s/refused.prom", dir);
	snprintf(out, sizeof(out), "%s/refused-pack", dir);
	/* search: 90 errors in 60 requests */
	snprintf(scr, sizeof(scr),
	         "{\"rules\": [{\"match\": {\"body\": \"%s\"}, \"responses\": [{\"body\": %s}]}],"
	         " \"default\": {\"body\": %s}}",
	         NUMERATOR_BODY, answer("", "20", "90"), answer("", "8000", "60"));
	script(scr);
	it_run(&r, publish, env, 120);
	if (r.status != 8)
		fail_msg("kpi publish exited %d: %s", r.status, r.err);
	assert_contains(r.err, "malformed Prometheus answer: the numerator query of ");
	it_run_free(&r);
	text = slurp_file(prom);
	assert_not_contains(text, "kpi_api_error_ratio{");
	assert_contains(text, "kpi_last_run_success 0\n");
	free(text);
	it_run(&r, pack, env, 120);
	if (r.status != 8)
		fail_msg("kpi pack exited %d: %s", r.status, r.err);
	assert_contains(r.err, "malformed Prometheus answer: the numerator query of ");
	assert_string_equal(r.out, "");
	it_run_free(&r);
	snprintf(pdf, sizeof(pdf), "%s/kpi-2026-W45.pdf", out);
	assert_true(stat(pdf, &st) != 0);
}

/* Standard error holds one error line ("kpi: ...", after the retries' log
 * lines), naming `what` once: the cause quoted without the request again. */
static void assert_error_names_once(const char *err, const char *what)
{
	const char *line = strncmp(err, "kpi: ", 5) == 0 ? err : strstr(err, "\nkpi: "), *first;
	char *copy;
	if (!line)
		fail_msg("no error line in: %s", err);
	line += *line == '\n';
	if (strstr(line + 1, "\nkpi: "))
		fail_msg("more than one error line in: %s", err);
	copy = strndup(line, strcspn(line, "\n"));
	if (!(first = strstr(copy, what)) || strstr(first + 1, what))
		fail_msg("the error line should name '%s' once: %s", what, copy);
	free(copy);
}

static void test_prom__timeouts_and_outages_until_the_deadline(void **state)
{
	const char *env[] = { "KPI_NOW=" NOW, "KPI_PROM_DEADLINE_SECONDS=2", "KPI_PROM_REQUEST_TIMEOUT_SECONDS=0.5", NULL };
	const char *cfg = responder_config();
	char refused[128], text[512];
	it_run_result r;
	(void)state;
	/* the server never answers: each attempt times out, retried to the deadline */
	script("{\"default\": {\"hang\": true}}");
	query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, env);
	assert_int_equal(r.status, 5);
	assert_true(r.seconds < 8);
	assert_contains(r.err, "kpi: KPI api_error_rate_pct: the numerator query of ");
	assert_contains(r.err, "gave up after");
	assert_contains(r.err, "(deadline 2 s)");
	assert_contains(r.err, "no complete answer within");
	assert_error_names_once(r.err, "KPI api_error_rate_pct");
	assert_true(it_responder_count(resp) >= 2);
	it_run_free(&r);
	/* 503 every time */
	script("{\"default\": {\"status\": 503, \"body\": \"Service Unavailable\"}}");
	query(&r, "api_error_rate_pct", "2026-W45", "1", cfg, env);
	assert_int_equal(r.status, 5);
	assert_contains(r.err, "HTTP 503: Service Unavailable");
	assert_true(it_responder_count(resp) >= 3);
	it_run_free(&r);
	/* nobody listening: retried to the deadline as CloudWatch does, then
	 * unreachable (exit 4, kpi --help's "source"), one line naming the URL */
	{
		char url[64], want[128];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d", it_free_port());
		snprintf(refused, sizeof(refused), "%s/refused.json", dir);
		snprintf(text, sizeof(text), "{\"prometheus\": {\"url\": \"%s\"}, \"kpis\": "
		                             "{\"api_error_rate_pct\": {\"variant\": \"prometheus\"}}}", url);
		write_text(refused, text);
		query(&r, "api_error_rate_pct", "2026-W45", "1", refused, env);
		assert_int_equal(r.status, 4);
		assert_true(r.seconds < 8);
		assert_contains(r.err, "kpi: KPI api_error_rate_pct: the numerator query of ");
		snprintf(want, sizeof(want), ": Prometheus (%s) cannot be reached: ", url);
		assert_contains(r.err, want);
		assert_contains(r.err, ", deadline 2 s)\n");
		assert_error_names_once(r.err, "KPI api_error_rate_pct");
		it_run_free(&r);
	}
}

static void test_prom__not_configured_without_a_url(void **state)
{
	char path[128];
	const char *list[] = { "kpi", "list", "--config", path, NULL };
	it_run_result r;
	(void)state;
	snprintf(path, sizeof(path), "%s/nourl.json", dir);
	write_text(path, "{\"kpis\": {\"api_error_rate_pct\": {\"variant\": \"prometheus\"}}}");
	query(&r, "api_error_rate_pct", "2026-W45", "1", path, now_env);
	assert_int_equal(r.status, 3);
	assert_contains(r.err, "KPI api_error_rate_pct: Prometheus is not configured: set prometheus.url in the config "
	                       "file or KPI_PROM_URL");
	it_run_free(&r);
	it_run(&r, list, now_env, 60);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "prometheus*");
	it_run_free(&r);
}

/* An alert config at `path` where only the Prometheus KPIs alert (the
 * Postgres ones are off), into the one sink 'file' (a command: true). */
static void write_alert_config(const char *path)
{
	char text[1600];
	snprintf(text, sizeof(text),
	         "{\"timezone\": \"" TZ "\", \"prometheus\": {\"url\": \"%s\"},\n"
	         " \"kpis\": {\"api_error_rate_pct\": {\"variant\": \"prometheus\"},"
	         " \"api_latency_p95_ms\": {\"variant\": \"prometheus\"}},\n"
	         " \"alert\": {\"kpis\": {\"legacy_coverage_pct\": {\"enabled\": false}, \"export_success_rate\": {\"enabled\": "
	         "false}, \"outage_drill_success_pct\": {\"enabled\": false}, \"routing_mismatch_critical\": {\"enabled\": false},"
	         " \"uncached_legacy_max_age_days\": {\"enabled\": false}},\n"
	         "  \"sinks\": {\"file\": {\"type\": \"command\", \"argv\": [\"true\"]}}}}\n",
	         prom_url);
	write_text(path, text);
}

static void test_prom__alarm_rule_through_query_range(void **state)
{
	char path[160], state_dir[128];
	const char *argv[] = { "kpi", "alert", "--config", path, "--now", ALERT_NOW, "--state-dir", state_dir,
		               "--dry-run", NULL };
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_datapoint_set *set = NULL;
	kpi_error err = KPI_ERROR_INIT;
	const kpi_def *d;
	it_run_result r;
	/* per minute, oldest first: checkout (errors / 1000 requests) and search (1 / 1000) */
	static const double checkout[7] = { 0.5, 2, 3, 2.5, 4, 1.5, 1.1 };
	(void)state;
	/* the library: seven one-minute datapoints before 12:00 */
	assert_int_equal(kpi_config_load(&cfg, config, &err), 0);
	assert_int_equal(kpi_catalog_load(&cat, cfg->catalog_path, &err), 0);
	assert_int_equal(kpi_config_apply(cfg, cat, &err), 0);
	d = kpi_catalog_find(cat, "api_error_rate_pct");
	if (kpi_source_datapoints(&set, cfg, d, A0, A0 + 420, 60, &err))
		fail_msg("kpi_source_datapoints: %s", err.message);
	assert_int_equal(set->nsets, 2);
	assert_string_equal(set->sets[0].labels[0], "checkout");
	assert_string_equal(set->sets[1].labels[0], "search");
	for (size_t i = 0; i < 7; i++) {
		assert_true(set->sets[0].present[i]);
		assert_true(fabs(set->sets[0].values[i] - checkout[i]) < 1e-9);
		assert_true(fabs(set->sets[1].values[i] - 0.1) < 1e-9);
		/* the counts the SLO KPIs sum over windows: errors and requests of
		 * the minute (checkout: checkout[i] x 10 errors of 1000; search 1 of 1000) */
		assert_true(fabs(set->sets[0].numerator[i] - checkout[i] * 10) < 1e-6);
		assert_true(fabs(set->sets[0].denominator[i] - 1000) < 1e-6);
		assert_true(fabs(set->sets[1].numerator[i] - 1) < 1e-6);
		assert_true(fabs(set->sets[1].denominator[i] - 1000) < 1e-6);
	}
	assert_false(set->sets[0].incomplete);
	kpi_datapoint_set_free(set);
	/* the p95 has no histogram samples in those minutes: no label sets */
	if (kpi_source_datapoints(&set, cfg, kpi_catalog_find(cat, "api_latency_p95_ms"), A0, A0 + 420, 60, &err))
		fail_msg("kpi_source_datapoints: %s", err.message);
	assert_int_equal(set->nsets, 0);
	kpi_datapoint_set_free(set);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);

	/* the command: only the Prometheus KPIs alert (the Postgres ones are off) */
	snprintf(state_dir, sizeof(state_dir), "%s/alert-state", dir);
	snprintf(path, sizeof(path), "%s/alert.json", dir);
	write_alert_config(path);
	it_run(&r, argv, NULL, 60);
	if (r.status != 2)
		fail_msg("kpi alert exited %d, expected 2:\n%s\n%s", r.status, r.out, r.err);
	/* 2.5, 4, 1.5, 1.1 and 3 %: 5 of the last 5 above 1 % */
	assert_contains(r.out, "KPI CRITICAL - api_error_rate_pct[service=checkout] 1.1% > 1%");
	assert_contains(r.out, "DRY-RUN would send trigger to sink 'file'");
	assert_not_contains(r.out, "service=search");
	/* the p95 answered no series in those minutes: named, not OK by silence */
	assert_contains(r.out, "KPI NO DATA - 1 gating row without data, not judged: api_latency_p95_ms (no series "
	                       "answered) | no_data=1;;;0");
	it_run_free(&r);
}

/* A gating `block` KPI read from a Prometheus that answers no series at all
 * (a week before the data): no row holds "no data", yet the run must not
 * say a plain OK. Both API KPIs are named in the NO DATA line, logged
 * (alert.no_data and the source's prometheus.series.none) and in the
 * ledger; the exit code stays 0 (docs/runbook.md, "Gating rows without
 * data"). */
static void test_prom__alert_names_a_gating_kpi_that_answered_no_series(void **state)
{
	char path[160], state_dir[128], ledger[200];
	const char *argv[] = { "kpi", "alert", "--config", path, "--now", "2026-10-01T12:00:00Z", "--state-dir",
		               state_dir, "--log-format", "json", NULL };
	it_run_result r;
	char *l;
	(void)state;
	snprintf(state_dir, sizeof(state_dir), "%s/alert-state-empty", dir);
	snprintf(path, sizeof(path), "%s/alert-empty.json", dir);
	snprintf(ledger, sizeof(ledger), "%s/ledger.json", state_dir);
	write_alert_config(path);
	it_run(&r, argv, NULL, 60);
	if (r.status != 0)
		fail_msg("kpi alert exited %d, expected 0:\n%s\n%s", r.status, r.out, r.err);
	assert_contains(r.out, "KPI NO DATA - 2 gating rows without data, not judged: api_error_rate_pct (no series "
	                       "answered), api_latency_p95_ms (no series answered) | no_data=2;;;0");
	assert_contains(r.err, "\"event\":\"alert.no_data\"");
	assert_contains(r.err, "gating KPI api_error_rate_pct has no data (no series answered)");
	assert_contains(r.err, "\"event\":\"prometheus.series.none\"");
	assert_contains(r.err, "KPI api_latency_p95_ms: no series: the ");
	it_run_free(&r);
	l = slurp_file(ledger);
	assert_non_null(l);
	assert_contains(l, "no_data");
	assert_contains(l, "no series answered");
	free(l);
}

static void test_prom__pack_shows_the_prometheus_rows(void **state)
{
	char out[160], path[200], cmd[600];
	const char *argv[] = { "kpi", "pack", "--week", "2026-W45", "--weeks", "4", "--out", out, "--db", NULL, "--config",
		               config, NULL };
	const char *env[] = { "KPI_NOW=" NOW, "KPI_PROM_BEARER_TOKEN=" CANARY, NULL };
	it_db *db;
	it_run_result r;
	json_t *snap, *series, *e = NULL, *p = NULL, *src, *v;
	char *text;
	size_t i;
	struct stat st;
	(void)state;
	if (!getenv("KPI_TEST_PG") || !*getenv("KPI_TEST_PG")) {
		/* a pack reads the Postgres KPIs too: scripts/test provides the database */
		fprintf(stderr, "prometheus: the pack test needs KPI_TEST_PG (scripts/test sets it)\n");
		skip();
	}
	db = it_db_create("prom_pack");
	argv[9] = db->conninfo;
	snprintf(out, sizeof(out), "%s/pack", dir);
	it_run(&r, argv, env, 240);
	if (r.status != 0)
		fail_msg("kpi pack exited %d: %s", r.status, r.err);
	snprintf(path, sizeof(path), "%s/kpi-2026-W45.pdf\n%s/kpi-2026-W45.xlsx\n", out, out);
	assert_string_equal(r.out, path);
	assert_not_contains(r.err, CANARY);
	it_run_free(&r);
	snprintf(path, sizeof(path), "%s/kpi-2026-W45.pdf", out);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 10000);
	snprintf(path, sizeof(path), "%s/kpi-2026-W45.xlsx", out);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 5000);

	snprintf(path, sizeof(path), "%s/snapshot.json", out);
	text = slurp_file(path);
	assert_not_contains(text, CANARY);
	snap = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(snap);
	/* provenance: the server's URL, nothing else */
	json_array_foreach(json_object_get(snap, "sources"), i, src)
		if (strcmp(json_string_value(json_object_get(src, "kind")), "prometheus") == 0)
			p = src;
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "where")), prom_url);
	p = NULL;
	json_array_foreach(json_object_get(snap, "series"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "kpi")), "api_error_rate_pct") == 0)
			e = v;
		if (strcmp(json_string_value(json_object_get(v, "kpi")), "api_latency_p95_ms") == 0)
			p = v;
	}
	assert_non_null(e);
	assert_non_null(p);
	series = json_object_get(e, "rows");
	assert_int_equal(json_array_size(series), 8);
	for (i = 0; i < 8; i++) {
		json_t *row = json_array_get(series, i);
		const it_row *x = &error_rows[i];
		char lab[64];
		snprintf(lab, sizeof(lab), "service=%s",
		         json_string_value(json_object_get(json_object_get(row, "labels"), "service")));
		assert_string_equal(lab, x->labels);
		assert_string_equal(json_string_value(json_object_get(row, "status")), x->status);
		if (isnan(x->value))
			assert_true(json_is_null(json_object_get(row, "value")));
		else
			assert_true(fabs(json_number_value(json_object_get(row, "value")) - x->value) < 1e-9);
		if (isnan(x->den))
			assert_true(json_is_null(json_object_get(row, "denominator")));
		else
			assert_true(fabs(json_number_value(json_object_get(row, "denominator")) - x->den) < 1e-9);
	}
	series = json_object_get(p, "rows");
	assert_int_equal(json_array_size(series), 8);
	for (i = 0; i < 8; i++) {
		json_t *row = json_array_get(series, i);
		assert_string_equal(json_string_value(json_object_get(row, "status")), p95_rows[i].status);
	}
	/* the catalogue copy has the variant's source and query file */
	json_array_foreach(json_object_get(json_object_get(snap, "catalog"), "kpis"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), "api_error_rate_pct") == 0) {
			assert_string_equal(json_string_value(json_object_get(v, "source")), "prometheus");
			assert_string_equal(json_string_value(json_object_get(v, "query")), "prometheus/api_error_rate_pct.json");
		}
	/* W45: search at 1.5 % (and 625 ms) is a gating breach: NO-GO */
	v = json_array_get(json_object_get(snap, "verdicts"), 3);
	assert_string_equal(json_string_value(json_object_get(v, "week")), "2026-W45");
	assert_string_equal(json_string_value(json_object_get(v, "verdict")), "NO-GO");
	text = json_dumps(json_object_get(v, "reasons"), 0);
	assert_contains(text, "\"kpi\": \"api_error_rate_pct\"");
	free(text);
	json_decref(snap);
	/* the cover renders (the pack is kept for a look when KPI_IT_KEEP names a directory) */
	snprintf(cmd, sizeof(cmd), "pdftoppm -r 50 -png -f 1 -l 1 -singlefile '%s/kpi-2026-W45.pdf' '%s/cover'", out, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/cover.png", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 1000);
	if (getenv("KPI_IT_KEEP")) {
		snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s/'", out, getenv("KPI_IT_KEEP"));
		if (system(cmd) != 0)
			fprintf(stderr, "warning: could not keep the pack\n");
	}
	it_db_drop(db);
}

static void clean_env(void)
{
	static const char *const vars[] = { "KPI_CONFIG", "KPI_TIMEZONE", "KPI_NOW", "KPI_CATALOG", "KPI_QUERY_DIR",
		                            "KPI_PROM_URL", "KPI_PROM_BEARER_TOKEN", "KPI_PROM_USERNAME",
		                            "KPI_PROM_PASSWORD", "KPI_PROM_DEADLINE_SECONDS", "KPI_PROM_RETRY_BASE_SECONDS",
		                            "KPI_PROM_RETRY_MAX_SECONDS", "KPI_PROM_REQUEST_TIMEOUT_SECONDS",
		                            "KPI_PROM_MAX_RESPONSE_BYTES", "KPI_CW_LOAD_BALANCER", "KPI_CW_QUEUES",
		                            NULL };
	for (const char *const *v = vars; *v; v++)
		unsetenv(*v);
	if (!getenv("KPI_DATADIR"))
		setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	atexit(it_tmp_cleanup);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom__week_boundaries_are_the_zones),
		cmocka_unit_test(test_prom__error_rate_weekly_rows),
		cmocka_unit_test(test_prom__error_rate_warn_margin_from_the_config),
		cmocka_unit_test(test_prom__latency_p95_weekly_rows),
		cmocka_unit_test(test_prom__explain_prints_every_request_and_no_secret),
		cmocka_unit_test(test_prom__credentials_travel_in_one_header_and_nowhere_else),
		cmocka_unit_test(test_prom__503_then_success_is_retried),
		cmocka_unit_test(test_prom__bad_promql_names_the_kpi_and_the_query_file),
		cmocka_unit_test(test_prom__warnings_mark_the_week_incomplete),
		cmocka_unit_test(test_prom__malformed_answers_fail_with_exit_8),
		cmocka_unit_test(test_prom__pack_and_publish_refuse_a_malformed_answer),
		cmocka_unit_test(test_prom__timeouts_and_outages_until_the_deadline),
		cmocka_unit_test(test_prom__not_configured_without_a_url),
		cmocka_unit_test(test_prom__alarm_rule_through_query_range),
		cmocka_unit_test(test_prom__alert_names_a_gating_kpi_that_answered_no_series),
		cmocka_unit_test(test_prom__pack_shows_the_prometheus_rows),
	};
	clean_env();
	return cmocka_run_group_tests_name("prometheus", tests, start_prometheus, stop_prometheus);
}
