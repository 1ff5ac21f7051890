/*
 * The SLO KPIs (source "slo", docs/kpis.md "SLO KPIs") end to end against
 * moto_server on loopback (KPI_TEST_MOTO_URL, started by scripts/test):
 * ALB RequestCount and HTTPCode_Target_5XX_Count seeded with PutMetricData
 * per 5-minute period before T, read back through the CloudWatch source's
 * datapoints, against availability, error budget, burn rates and the three
 * alert pairs worked out by hand, each pair at its edges (both windows
 * over: breach; one over and the other under: ok). Then `kpi alert
 * --dry-run` over the same data: the pages and the ticket it would send.
 * And one run of api_error_rate_pct with the SLO KPIs through a recording
 * responder in front of moto: the hourly counts are asked for once, the
 * week's rows come from the SLO's read of them, every value as before.
 *
 * T = 2026-11-20T00:00:00Z (a whole hour). Objective 99.9 %: the budget is
 * 0.001 of the requests, burn = (errors / requests) / 0.001.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "it_util.h"
#include "it_cw.h"
#include "it_http.h"

#define NOW "2026-11-20T00:00:00Z"
#define P 300
/* every period of the last hour has 1000 requests */
#define LB_BOTH "app/kpi-it-slo-both/1111111111111111"
#define LB_LONG "app/kpi-it-slo-long/2222222222222222"
#define LB_SHORT "app/kpi-it-slo-short/3333333333333333"
#define LB_OLD "app/kpi-it-slo-old/4444444444444444"
#define LB_NONE "app/kpi-it-slo-none/5555555555555555"

static const char *moto;
static int64_t t_now;

/* 12 five-minute periods of [start, start + 1 h): 1000 requests each and
 * err[i] errors (ALB reports a zero count as no datapoint). */
static void put_hour(const char *lb, int64_t start, const double *err)
{
	int64_t ts[12], te[12];
	double rv[12], ev[12];
	size_t ne = 0;
	for (int i = 0; i < 12; i++) {
		ts[i] = start + i * P + 30;
		rv[i] = 1000;
		if (err[i] > 0) {
			te[ne] = ts[i];
			ev[ne++] = err[i];
		}
	}
	it_cw_put("AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb, ts, rv, 12);
	if (ne)
		it_cw_put("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", lb, te, ev, ne);
}

static int seed(void **state)
{
	static const double both[12] = { 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20 };
	static const double lng[12] = { 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 10 };
	static const double shrt[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100 };
	static const double none[12] = { 0 };
	(void)state;
	put_hour(LB_BOTH, t_now - 3600, both);
	put_hour(LB_LONG, t_now - 3600, lng);
	put_hour(LB_SHORT, t_now - 3600, shrt);
	/* two days ago an hour at 2 %, the last hour clean */
	put_hour(LB_OLD, t_now - 2 * 86400, both);
	put_hour(LB_OLD, t_now - 3600, none);
	return 0;
}

static void configure(const char *lb)
{
	it_aws_env(moto);
	setenv("KPI_CW_LOAD_BALANCER", lb, 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "20", 1);
	setenv("KPI_NOW", NOW, 1);
}

/* Every SLO KPI as of T for one load balancer, through kpi_collect over a
 * one-hour window ending at T (as kpi alert reads state KPIs). */
static kpi_result *collect(const char *lb, kpi_catalog **cat)
{
	static const char *const ids[] = { "api_availability_pct", "api_error_budget_remaining_pct", "api_slo_burn_rate",
		                           "api_slo_burn_page_1h", "api_slo_burn_page_6h", "api_slo_burn_ticket_3d" };
	kpi_error err = KPI_ERROR_INIT;
	kpi_config *cfg = NULL;
	kpi_result *res = NULL;
	kpi_window w;

	configure(lb);
	if (kpi_config_load(&cfg, NULL, &err) || kpi_catalog_load(cat, cfg->catalog_path, &err) ||
	    kpi_config_apply(cfg, *cat, &err) || kpi_window_init_range(&w, t_now - 3600, t_now, "UTC", &err) ||
	    kpi_collect(&res, *cat, cfg, ids, 6, &w, &err))
		fail_msg("kpi_collect(SLO KPIs, %s): %s", lb, err.message);
	kpi_config_free(cfg);
	return res;
}

/* The row of `id` whose labels text is `labels` ("load_balancer=...,window=1h"). */
static const kpi_row *row_of(const kpi_result *res, const char *id, const char *labels)
{
	const kpi_series *s = kpi_result_find(res, id);
	char buf[512];
	assert_non_null(s);
	for (size_t i = 0; i < s->nrows; i++)
		if (strcmp(kpi_row_labels_format(buf, sizeof(buf), s, &s->rows[i]), labels) == 0)
			return &s->rows[i];
	fail_msg("%s: no row %s", id, labels);
	return NULL;
}

static void expect(const kpi_result *res, const char *id, const char *labels, double value, const char *status)
{
	const kpi_row *r = row_of(res, id, labels);
	if (isnan(value)) {
		if (r->has_value)
			fail_msg("%s{%s}: expected no value, got %.10g", id, labels, r->value);
	} else if (!r->has_value || fabs(r->value - value) > 1e-6 * (fabs(value) + 1)) {
		fail_msg("%s{%s}: expected %.10g, got %s%.10g", id, labels, value, r->has_value ? "" : "no value ",
		         r->value);
	}
	assert_string_equal(kpi_status_name(r->status), status);
}

#define L(lb) "load_balancer=" lb
#define LW(lb, w) "load_balancer=" lb ",window=" w

static void test_slo__both_windows_over_every_pair_fires(void **state)
{
	kpi_catalog *cat = NULL;
	kpi_result *res;
	(void)state;
	res = collect(LB_BOTH, &cat);
	/* 12 periods x 1000 requests, 20 errors each: every window holds
	 * 2 % errors -> burn 0.02 / 0.001 = 20 */
	expect(res, "api_slo_burn_rate", LW(LB_BOTH, "5m"), 20.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_BOTH, "30m"), 20.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_BOTH, "1h"), 20.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_BOTH, "6h"), 20.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_BOTH, "3d"), 20.0, "ok");
	/* min(20, 20) = 20 above 14.4, 6 and 1 */
	expect(res, "api_slo_burn_page_1h", L(LB_BOTH), 20.0, "breach");
	expect(res, "api_slo_burn_page_6h", L(LB_BOTH), 20.0, "breach");
	expect(res, "api_slo_burn_ticket_3d", L(LB_BOTH), 20.0, "breach");
	/* 28 days: 240 errors of 12000: (1 - 0.02) x 100 = 98 %, below 99.9;
	 * budget (1 - 20) x 100 = -1900 % (spent 20 times over, shown as is) */
	expect(res, "api_availability_pct", L(LB_BOTH), 98.0, "breach");
	expect(res, "api_error_budget_remaining_pct", L(LB_BOTH), -1900.0, "breach");
	assert_true(row_of(res, "api_availability_pct", L(LB_BOTH))->numerator == 11760);
	assert_true(row_of(res, "api_availability_pct", L(LB_BOTH))->denominator == 12000);
	kpi_result_free(res);
	kpi_catalog_free(cat);
}

static void test_slo__long_over_short_under_no_page(void **state)
{
	kpi_catalog *cat = NULL;
	kpi_result *res;
	(void)state;
	res = collect(LB_LONG, &cat);
	/* 11 periods with 30 errors, the last with 10:
	 * 5m: 10/1000 -> 10;  1h: 340/12000 -> 28.333...
	 * 30m: (5 x 30 + 10)/6000 = 160/6000 -> 26.666...;  6h = 1h -> 28.333... */
	expect(res, "api_slo_burn_rate", LW(LB_LONG, "5m"), 10.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_LONG, "1h"), 340.0 / 12.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_LONG, "30m"), 160.0 / 6.0, "ok");
	/* page 1h/5m: 1 h over 14.4, 5 min under -> min 10: no page */
	expect(res, "api_slo_burn_page_1h", L(LB_LONG), 10.0, "ok");
	/* page 6h/30m: min(28.33, 26.67) = 26.67 > 6 -> breach */
	expect(res, "api_slo_burn_page_6h", L(LB_LONG), 160.0 / 6.0, "breach");
	kpi_result_free(res);
	kpi_catalog_free(cat);
}

static void test_slo__short_over_long_under_no_page(void **state)
{
	kpi_catalog *cat = NULL;
	kpi_result *res;
	(void)state;
	res = collect(LB_SHORT, &cat);
	/* only the last period has errors, 100 of 1000:
	 * 5m: 0.1 -> 100;  1h: 100/12000 -> 8.333...;  30m: 100/6000 -> 16.666...;
	 * 6h and 3d: the same hour -> 8.333... */
	expect(res, "api_slo_burn_rate", LW(LB_SHORT, "5m"), 100.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_SHORT, "1h"), 100.0 / 12.0, "ok");
	/* page 1h/5m: 5 min over 14.4, 1 h under -> min 8.33: no page */
	expect(res, "api_slo_burn_page_1h", L(LB_SHORT), 100.0 / 12.0, "ok");
	/* page 6h/30m: min(8.33, 16.67) = 8.33 > 6 -> breach */
	expect(res, "api_slo_burn_page_6h", L(LB_SHORT), 100.0 / 12.0, "breach");
	/* ticket 3d/6h: min(8.33, 8.33) > 1 -> breach */
	expect(res, "api_slo_burn_ticket_3d", L(LB_SHORT), 100.0 / 12.0, "breach");
	/* 28 days: (1 - 100/12000) x 100 = 99.1666...; budget (1 - 8.333) x 100 */
	expect(res, "api_availability_pct", L(LB_SHORT), 100.0 - 100.0 / 120.0, "breach");
	expect(res, "api_error_budget_remaining_pct", L(LB_SHORT), (1.0 - 100.0 / 12.0) * 100.0, "breach");
	kpi_result_free(res);
	kpi_catalog_free(cat);
}

static void test_slo__ticket_long_over_short_under_none(void **state)
{
	kpi_catalog *cat = NULL;
	kpi_result *res;
	(void)state;
	res = collect(LB_OLD, &cat);
	/* 3 d: 240 errors of 24000 requests (an hour at 2 % two days ago, the last
	 * hour clean) -> 0.01 -> 10; 6 h: 0 of 12000 -> 0 */
	expect(res, "api_slo_burn_rate", LW(LB_OLD, "3d"), 10.0, "ok");
	expect(res, "api_slo_burn_rate", LW(LB_OLD, "6h"), 0.0, "ok");
	/* ticket: 3 d over 1, 6 h under -> min 0: none */
	expect(res, "api_slo_burn_ticket_3d", L(LB_OLD), 0.0, "ok");
	expect(res, "api_slo_burn_page_1h", L(LB_OLD), 0.0, "ok");
	/* 28 days: (1 - 240/24000) x 100 = 99 %; budget (1 - 10) x 100 = -900 % */
	expect(res, "api_availability_pct", L(LB_OLD), 99.0, "breach");
	expect(res, "api_error_budget_remaining_pct", L(LB_OLD), -900.0, "breach");
	kpi_result_free(res);
	kpi_catalog_free(cat);
}

static void test_slo__no_requests_is_no_data_never_100(void **state)
{
	kpi_catalog *cat = NULL;
	kpi_result *res;
	(void)state;
	res = collect(LB_NONE, &cat);
	expect(res, "api_availability_pct", L(LB_NONE), NAN, "no_data");
	expect(res, "api_error_budget_remaining_pct", L(LB_NONE), NAN, "no_data");
	expect(res, "api_slo_burn_rate", LW(LB_NONE, "5m"), NAN, "no_data");
	expect(res, "api_slo_burn_page_1h", L(LB_NONE), NAN, "no_data");
	expect(res, "api_slo_burn_ticket_3d", L(LB_NONE), NAN, "no_data");
	kpi_result_free(res);
	kpi_catalog_free(cat);
}

static void test_slo__kpi_alert_pages_and_tickets(void **state)
{
	/* a catalogue of the SLO KPIs only (no database needed by kpi alert) */
	char *cat = it_source_catalog("slo", NULL), catenv[600], direnv[600];
	const char *argv[] = { "kpi", "alert", "--dry-run", NULL };
	const char *env[] = { catenv, direnv, "KPI_NOW=" NOW, NULL };
	it_run_result r;
	(void)state;
	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	/* the state directory beside the catalogue (it_tmp_cleanup removes both) */
	snprintf(direnv, sizeof(direnv), "KPI_STATE_DIR=%.*s/state", (int)(strrchr(cat, '/') - cat), cat);
	/* the short window alone over: the 6 h page and the ticket, not the 1 h page */
	configure(LB_SHORT);
	it_run(&r, argv, env, 60);
	if (r.status != 2)
		fail_msg("kpi alert exited %d: %s\n%s", r.status, r.out, r.err);
	assert_contains(r.out, "KPI CRITICAL - api_slo_burn_page_6h");
	assert_contains(r.out, "api_slo_burn_ticket_3d");
	assert_not_contains(r.out, "api_slo_burn_page_1h");
	it_run_free(&r);
	/* the last hour clean after a bad hour two days ago: nothing */
	configure(LB_OLD);
	it_run(&r, argv, env, 60);
	if (r.status == 3)
		fail_msg("kpi alert exited 3: %s\n%s", r.out, r.err);
	assert_not_contains(r.out, "api_slo_burn_page");
	assert_not_contains(r.out, "api_slo_burn_ticket_3d");
	it_run_free(&r);
	free(cat);
}

/* Output of a shell command (the caller frees); fails the test on a
 * non-zero exit. */
static char *sh(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, cap = 0, n;
	char buf[4096];
	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	if (pclose(f) != 0)
		fail_msg("'%s' failed", cmd);
	if (!out)
		out = calloc(1, 1);
	out[len] = '\0';
	return out;
}

/* `kpi pack` of the SLO KPIs as of T for LB_SHORT (only the last hour has
 * data: 12 x 1000 requests, 100 errors in its last 5 minutes): the SLO page
 * shows the numbers worked out by hand; `kpi render` of its snapshot.json
 * gives the same bytes. */
static void test_slo__pack_slo_page(void **state)
{
	char *cat = it_source_catalog("slo", NULL), catenv[600], dir[600], out[700], again[700], cmd[2400], *text;
	const char *pack[] = { "kpi", "pack", "--week", "2026-W47", "--weeks", "1", "--out", out, "--db", NULL, NULL };
	const char *render[] = { "kpi", "render", "--snapshot", cmd, "--out", again, NULL };
	const char *env[] = { catenv, "KPI_NOW=" NOW, NULL };
	it_run_result r;
	it_db *db;
	(void)state;

	if (!getenv("KPI_TEST_PG") || !*getenv("KPI_TEST_PG")) {
		/* a pack reads the drill-down lists: scripts/test provides the database */
		fprintf(stderr, "slo: the pack test needs KPI_TEST_PG (scripts/test sets it)\n");
		skip();
	}
	db = it_db_create("slo_pack");
	pack[9] = db->conninfo;
	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(cat, '/') - cat), cat);
	snprintf(out, sizeof(out), "%s/reports/2026-W47", dir);
	snprintf(again, sizeof(again), "%s/again/2026-W47", dir);
	configure(LB_SHORT);
	it_run(&r, pack, env, 180);
	if (r.status != 0)
		fail_msg("kpi pack exited %d: %s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	snprintf(cmd, sizeof(cmd), "pdftotext -layout -enc UTF-8 %s/kpi-2026-W47.pdf -", out);
	text = sh(cmd);
	assert_contains(text, "SLO — Availability ≥ 99.9 % over 28 days (api_availability_pct)");
	assert_contains(text, "As of 2026-11-20 00:00 UTC");
	/* 28 days: 100 errors of 12,000 requests: (1 - 100/12000) x 100 =
	 * 99.1666...; burn 8.333 -> budget (1 - 8.333) x 100 = -733.3 %;
	 * allowed 0.1 % of 12,000 = 12 */
	assert_contains(text, LB_SHORT);
	assert_contains(text, "99.167 %");
	assert_contains(text, "−733.3 %");
	assert_contains(text, "100 / 12");
	/* page 1 h: 1 h 100/12000 -> 8.33 under 14.4, 5 min 100/1000 -> 100 over: ok;
	 * page 6 h: 6 h 8.33 over 6, 30 min 100/6000 -> 16.67 over: FIRING;
	 * ticket: 3 d 8.33 and 6 h 8.33 over 1: FIRING */
	assert_contains(text, "ok 8.33× / 100.00× ▲");
	assert_contains(text, "FIRING 8.33× ▲ / 16.67× ▲");
	assert_contains(text, "FIRING 8.33× ▲ / 8.33× ▲");
	assert_contains(text, "Error budget remaining, % of the budget");
	assert_contains(text, "Burn rate of " LB_SHORT);
	free(text);
	/* the snapshot's series: the last hour, 100 of 12000, both pages' and the ticket's marks */
	snprintf(cmd, sizeof(cmd),
	         "jq -c '.slo.objectives[0].services[0] | [.hourly.errors[167], .hourly.requests[167], "
	         "(.hourly.burn_1h[167] * 1000 | round), .hourly.fired[167], .hourly.fired[166], .daily.requests[27], .daily.errors[26]]' "
	         "%s/snapshot.json", out);
	text = sh(cmd);
	/* (the window ending a day before T has no datapoint: no value) */
	assert_string_equal(text, "[100,12000,8333,[\"page_6h\",\"ticket_3d\"],[],12000,null]\n");
	free(text);
	/* again from the snapshot alone: the same bytes */
	snprintf(cmd, sizeof(cmd), "%s/snapshot.json", out);
	it_run(&r, render, env, 180);
	if (r.status != 0)
		fail_msg("kpi render exited %d: %s", r.status, r.err);
	it_run_free(&r);
	snprintf(cmd, sizeof(cmd), "cmp %s/kpi-2026-W47.pdf %s/kpi-2026-W47.pdf && cmp %s/kpi-2026-W47.xlsx "
	         "%s/kpi-2026-W47.xlsx && echo same", out, again, out, again);
	text = sh(cmd);
	assert_string_equal(text, "same\n");
	free(text);
	free(cat);
	it_db_drop(db);
}

/* A catalogue of api_error_rate_pct and the SLO KPIs computed from its
 * counts (caller frees; removed by it_tmp_cleanup). */
static char *error_rate_and_slo_catalog(void)
{
	json_t *doc = json_load_file(KPI_SOURCE_DIR "/templates/catalog.json", 0, NULL), *keep = json_array(), *k;
	char *text, *path;
	size_t i;
	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "kpis"), i, k) {
		if (strcmp(json_string_value(json_object_get(k, "id")), "api_error_rate_pct") == 0 ||
		    strcmp(json_string_value(json_object_get(k, "source")), "slo") == 0)
			json_array_append(keep, k);
	}
	json_object_set_new(doc, "kpis", keep);
	text = json_dumps(doc, JSON_INDENT(1));
	path = it_write_tmp("catalog_error_rate_slo.json", text);
	free(text);
	json_decref(doc);
	return path;
}

/* The JSON of `kpi query all` without its read_at, keys sorted, compact
 * (caller frees). */
static char *query_json(const char *text)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	char *out;
	if (!doc)
		fail_msg("kpi query printed no JSON (%s):\n%s", je.text, text);
	json_object_del(doc, "read_at");
	out = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(doc);
	return out;
}

/* How many GetMetricData requests `kpi query` of `argv` sends through a
 * responder in front of moto, with environment changes `env`; its output
 * in *out (caller frees). Fails the test unless kpi exits 0. */
static int query_requests(char **out, const char *const *argv, const char *const *env)
{
	char script[300];
	it_responder *front;
	it_run_result r;
	json_t *reqs, *q;
	size_t i;
	int gmd = 0;

	snprintf(script, sizeof(script), "{\"default\": {\"proxy\": \"%s\"}}", moto);
	front = it_responder_start(script);
	setenv("AWS_ENDPOINT_URL", front->url, 1);
	it_run(&r, argv, env, 120);
	setenv("AWS_ENDPOINT_URL", moto, 1);
	if (r.status != 0)
		fail_msg("kpi query all exited %d: %s", r.status, r.err);
	reqs = it_responder_requests(front);
	json_array_foreach(reqs, i, q) {
		const char *t = json_string_value(json_object_get(json_object_get(q, "headers"), "x-amz-target"));
		gmd += t && strstr(t, "GetMetricData") != NULL;
	}
	json_decref(reqs);
	*out = strdup(r.out);
	assert_non_null(*out);
	it_run_free(&r);
	it_responder_stop(front);
	return gmd;
}

/* `kpi query all --week 2026-W47 --weeks 2` of api_error_rate_pct and the
 * six SLO KPIs for LB_OLD (an hour at 2 % two days before T, the last hour
 * clean) through a responder recording what goes to moto. The KPI's hourly
 * counts over the two weeks up to T (2026-11-09..11-20) lie inside the 28
 * days of hourly counts the SLO KPIs read as of T (10-23..11-20): the run
 * reads them once. GetMetricData requests: the SLO KPIs' hourly counts as
 * of each week's end (2) and their 5-minute ones (2); before the session
 * kept what it read, api_error_rate_pct asked again for its 264 hours (5).
 * The output is byte for byte the one of the build before that change
 * (tests/fixtures/cloudwatch/slo_error_rate_query.json, read_at left out). */
static void test_slo__error_rate_counts_read_once(void **state)
{
	char *cat = error_rate_and_slo_catalog(), catenv[600], *text, *got, *want;
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W47", "--weeks", "2", "--format", "json", NULL };
	const char *env[] = { catenv, "KPI_NOW=" NOW, NULL };
	const char *kolkata[] = { catenv, "KPI_NOW=" NOW, "KPI_TIMEZONE=Asia/Kolkata", NULL };
	json_t *doc;
	int gmd;
	(void)state;

	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	configure(LB_OLD);
	gmd = query_requests(&text, argv, env);
	got = query_json(text);
	free(text);
	doc = json_load_file(KPI_SOURCE_DIR "/tests/fixtures/cloudwatch/slo_error_rate_query.json", 0, NULL);
	assert_non_null(doc);
	want = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(doc);
	if (strcmp(got, want) != 0) {
		size_t at = 0;
		while (got[at] && got[at] == want[at])
			at++;
		fail_msg("kpi query all differs from before at byte %zu: ...%.200s\nwanted ...%.200s", at,
		         got + (at > 80 ? at - 80 : 0), want + (at > 80 ? at - 80 : 0));
	}
	if (gmd != 4)
		fail_msg("%d GetMetricData requests, wanted 4 (the SLO KPIs' hourly and 5-minute counts per week)", gmd);
	free(got);
	free(want);
	/* weeks starting at 18:30 UTC (Asia/Kolkata): the KPI's hours are not
	 * the SLO's UTC hours, so its own request goes out as before (5) */
	gmd = query_requests(&text, argv, kolkata);
	free(text);
	if (gmd != 5)
		fail_msg("Asia/Kolkata: %d GetMetricData requests, wanted 5 (the KPI's half-past hours asked for)", gmd);
	free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slo__both_windows_over_every_pair_fires),
		cmocka_unit_test(test_slo__long_over_short_under_no_page),
		cmocka_unit_test(test_slo__short_over_long_under_no_page),
		cmocka_unit_test(test_slo__ticket_long_over_short_under_none),
		cmocka_unit_test(test_slo__no_requests_is_no_data_never_100),
		cmocka_unit_test(test_slo__kpi_alert_pages_and_tickets),
		cmocka_unit_test(test_slo__pack_slo_page),
		cmocka_unit_test(test_slo__error_rate_counts_read_once),
	};
	if (!it_moto_wanted("integration_slo"))
		return IT_SKIP;
	moto = getenv("KPI_TEST_MOTO_URL");
	t_now = it_time(NOW);
	it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
	configure(LB_BOTH);
	return cmocka_run_group_tests_name("slo", tests, seed, NULL);
}
