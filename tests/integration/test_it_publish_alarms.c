/*
 * kpi publish --alarms/--dashboard against moto_server (scripts/test), and
 * the threshold defined once: with the CloudWatch KPIs of the shipped
 * catalogue and 0.5 % API errors seeded around "now", one change of
 * api_error_rate_pct's threshold in the config (<= 1 % -> <= 0.2 %) changes
 * alike the KPI's status and the week's verdict (kpi query, kpi pack's
 * snapshot, the Prometheus textfile), kpi alert's decision, the exported
 * Prometheus rule and the CloudWatch alarm (updated in place, same name).
 * --prune deletes kpi's alarms of KPIs that no longer alert, and no alarm
 * kpi did not make or made for another namespace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it_util.h"
#include "it_cw.h"
#include "core/internal.h"
#include "kpi/seed.h"

#define LB "app/kpi-it-alarms/50dc6c495c0c9188"
#define NS "KPI-IT-ALARMS"
#define ALARM "kpi-api_error_rate_pct-" LB
#define TOPIC "arn:aws:sns:us-east-1:123456789012:kpi-it-alarms"

static const char *moto;
static it_db *db;
static char *catalog, *state_dir;
static int64_t t0;
static char now_env[64], now_iso[32];

/* A signed CloudWatch JSON call from the test; the parsed answer. */
static json_t *cw_call(const char *action, const char *body)
{
	kpi__aws aws;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char target[128];
	json_t *out;
	snprintf(target, sizeof(target), "GraniteServiceVersion20100801.%s", action);
	assert_int_equal(aws_resolve_env(&aws, &kpi__aws_cloudwatch, NULL, &err), 0);
	if (kpi__aws_call(&resp, &aws, "application/x-amz-json-1.0", target, body, strlen(body), action, NULL, NULL, &err))
		fail_msg("%s: %s", action, err.message);
	out = json_loads(resp.body.data && resp.body.len ? resp.body.data : "{}", 0, NULL);
	assert_non_null(out);
	kpi__http_resp_release(&resp);
	kpi__aws_release(&aws);
	return out;
}

/* The alarms named kpi-... (an array, owned by the caller through *doc). */
static json_t *alarms(json_t **doc)
{
	*doc = cw_call("DescribeAlarms", "{\"AlarmNamePrefix\": \"kpi-\"}");
	return json_object_get(*doc, "MetricAlarms");
}

static const json_t *alarm_named(const json_t *list, const char *name)
{
	size_t i;
	json_t *a;
	json_array_foreach(list, i, a)
		if (strcmp(json_string_value(json_object_get(a, "AlarmName")), name) == 0)
			return a;
	return NULL;
}

static void put_minutes(int64_t t, int m0, int m1, double req, double err5xx)
{
	it_cw_put_alb_minutes(LB, t, m0, m1, req, err5xx);
}

/* A fresh directory (removed in teardown). */
static char *tmp_dir(void)
{
	char *d = strdup("/tmp/kpi-it-alarms.XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_rf(const char *d)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	static const char *const without[] = { "api_latency_p95_ms", NULL };
	int64_t week0;
	(void)state;
	moto = getenv("KPI_TEST_MOTO_URL");
	it_moto_api(moto, "/moto-api/reset", "");
	it_aws_env(moto);
	/* half an hour ago on a minute, at least 10 minutes into its ISO week
	 * (UTC), so the week so far holds every seeded minute */
	t0 = ((int64_t)time(NULL) - 1800) / 60 * 60;
	week0 = t0 - (t0 - 345600) % 604800;
	if (t0 - week0 < 600)
		t0 -= 1200;
	/* 0.5 % errors in each of the 7 minutes around t0 */
	put_minutes(t0, -5, 2, 1000, 5);
	kpi_time_format(now_iso, sizeof(now_iso), t0 + 120);
	snprintf(now_env, sizeof(now_env), "KPI_NOW=%s", now_iso);
	catalog = it_cw_catalog(without);
	/* the pack's drill-down lists read the reference schema: empty here */
	db = it_db_create("publish_alarms");
	{
		kpi_error err = KPI_ERROR_INIT;
		if (kpi_seed(db->cfg, "demo", 1, true, &err))
			fail_msg("kpi_seed: %s", err.message);
	}
	state_dir = tmp_dir();
	setenv("KPI_CATALOG", catalog, 1);
	setenv("KPI_CW_LOAD_BALANCER", LB, 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "20", 1);
	setenv("KPI_PUBLISH_ALARM_TOPIC_ARN", TOPIC, 1);
	unsetenv("KPI_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(catalog);
	rm_rf(state_dir);
	free(state_dir);
	it_db_drop(db);
	it_tmp_cleanup();
	return 0;
}

static char *config(const char *name, const char *text)
{
	return it_write_tmp(name, text);
}

/* kpi ARGS... --config CFG at now (args NULL-terminated); exits `want`;
 * the result freed by the caller. */
static void kpi(it_run_result *r, const char *cfg, int want, const char *const *args)
{
	const char *argv[16] = { "kpi" };
	const char *env[] = { now_env, NULL };
	size_t n = 1;
	for (; args[n - 1] && n < 13; n++)
		argv[n] = args[n - 1];
	argv[n++] = "--config";
	argv[n] = cfg;
	it_run(r, argv, env, 120);
	if (r->status != want)
		fail_msg("kpi %s %s exited %d, expected %d: %s%s", args[0], args[1] ? args[1] : "", r->status, want, r->out,
		         r->err);
}

/* Everything that derives from the threshold, under one config. */
typedef struct seen {
	char status[32];      /* kpi query's status of the row */
	char verdict[16];     /* the pack's (snapshot.json) */
	char prom_verdict[16];/* kpi_verdict{verdict=...} 1 in the textfile */
	int alert_exit;       /* kpi alert --dry-run: 0 OK, 2 CRITICAL */
	char expr[128];       /* the exported rule's */
	double threshold;     /* the CloudWatch alarm's */
	size_t nalarms;       /* kpi-... alarms */
} seen;

static void observe(seen *s, const char *cfg)
{
	it_run_result r;
	json_t *doc, *list;
	const json_t *a;
	char *prom = it_write_tmp("kpi.prom", ""), *rules = it_write_tmp("kpi-rules.yml", "");
	char *text = NULL, *pack = tmp_dir(), path[1024];
	const char *p;
	int alert_want;

	memset(s, 0, sizeof(*s));
	/* the status, as every output evaluates it */
	kpi(&r, cfg, 0, (const char *const[]){ "query", "api_error_rate_pct", "--week", "current", "--format", "json", NULL });
	assert_non_null(doc = json_loads(r.out, 0, NULL));
	/* one KPI: {"kpi", "unit", "rows": [one row of the week]} */
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), 1);
	snprintf(s->status, sizeof(s->status), "%s",
	         json_string_value(json_object_get(json_array_get(json_object_get(doc, "rows"), 0), "status")));
	json_decref(doc);
	it_run_free(&r);

	/* the pack's verdict (snapshot.json of the pack directory) */
	kpi(&r, cfg, 0, (const char *const[]){ "pack", "--week", "current", "--out", pack, "--quiet", "--db", db->conninfo, NULL });
	it_run_free(&r);
	{
		char cmd[1200];
		FILE *f;
		snprintf(cmd, sizeof(cmd), "find '%s' -name snapshot.json | head -1", pack);
		assert_non_null(f = popen(cmd, "r"));
		assert_non_null(fgets(path, sizeof(path), f));
		pclose(f);
		path[strcspn(path, "\n")] = '\0';
	}
	assert_int_equal(kpi__read_file(&text, NULL, path, NULL), 0);
	assert_non_null(doc = json_loads(text, 0, NULL));
	{
		size_t i;
		json_t *v, *verdicts = json_object_get(doc, "verdicts");
		json_array_foreach(verdicts, i, v)
			snprintf(s->verdict, sizeof(s->verdict), "%s", json_string_value(json_object_get(v, "verdict")));
	}
	json_decref(doc);
	free(text);
	text = NULL;

	/* the textfile, the alarm and the dashboard, in one publication */
	unlink(prom);
	kpi(&r, cfg, 0, (const char *const[]){ "publish", "--alarms", "--dashboard", "--namespace", NS, "--prom-textfile", prom, NULL });
	it_run_free(&r);
	assert_int_equal(kpi__read_file(&text, NULL, prom, NULL), 0);
	for (const char *v = strstr(text, "\nkpi_verdict{verdict=\""); v; v = strstr(v + 1, "\nkpi_verdict{verdict=\"")) {
		const char *q = v + strlen("\nkpi_verdict{verdict=\"");
		if (strncmp(strchr(q, '}'), "} 1\n", 4) == 0)
			snprintf(s->prom_verdict, sizeof(s->prom_verdict), "%.*s", (int)(strchr(q, '"') - q), q);
	}
	free(text);
	text = NULL;

	/* kpi alert's decision (dry run: evaluated, nothing sent) */
	alert_want = strcmp(s->status, "breach") == 0 ? 2 : 0;
	{
		const char *argv[] = { "kpi", "alert", "--dry-run", "--now", now_iso, "--state-dir", state_dir, "--config",
			               cfg, NULL };
		const char *env[] = { now_env, NULL };
		it_run(&r, argv, env, 120);
		s->alert_exit = r.status;
		if (r.status != 0 && r.status != 2)
			fail_msg("kpi alert exited %d: %s%s", r.status, r.out, r.err);
		(void)alert_want;
		it_run_free(&r);
	}

	/* the exported rule */
	kpi(&r, cfg, 0, (const char *const[]){ "export", "prometheus-rules", "--out", rules, NULL });
	it_run_free(&r);
	assert_int_equal(kpi__read_file(&text, NULL, rules, NULL), 0);
	assert_non_null(p = strstr(text, "expr: kpi_api_error_ratio"));
	snprintf(s->expr, sizeof(s->expr), "%.*s", (int)strcspn(p + 6, "\n"), p + 6);
	free(text);

	/* the alarm */
	list = alarms(&doc);
	s->nalarms = json_array_size(list);
	assert_non_null(a = alarm_named(list, ALARM));
	s->threshold = json_number_value(json_object_get(a, "Threshold"));
	assert_string_equal(json_string_value(json_object_get(a, "ComparisonOperator")), "GreaterThanThreshold");
	assert_int_equal(json_integer_value(json_object_get(a, "EvaluationPeriods")), 5);
	assert_int_equal(json_integer_value(json_object_get(a, "DatapointsToAlarm")), 5);
	assert_int_equal(json_integer_value(json_object_get(a, "Period")), 60);
	assert_string_equal(json_string_value(json_object_get(a, "TreatMissingData")), "missing");
	assert_string_equal(json_string_value(json_object_get(a, "Namespace")), NS);
	assert_string_equal(json_string_value(json_object_get(a, "MetricName")), "api_error_rate_pct");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "AlarmActions"), 0)), TOPIC);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "OKActions"), 0)), TOPIC);
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(json_object_get(a, "Dimensions"), 0), "Value")), LB);
	json_decref(doc);
	free(prom);
	free(rules);
	rm_rf(pack);
	free(pack);
}

static void test_publish_alarms__one_threshold_change_moves_every_output(void **state)
{
	char *before = config("before.json", "{}");
	char *after = config("after.json",
	                     "{\"kpis\": {\"api_error_rate_pct\": {\"threshold\": {\"op\": \"<=\", \"target\": 0.2}}}}");
	seen a, b;
	json_t *dash, *body;
	(void)state;

	observe(&a, before);
	assert_string_equal(a.status, "ok");
	assert_string_equal(a.verdict, "GO");
	assert_string_equal(a.prom_verdict, "GO");
	assert_int_equal(a.alert_exit, 0);
	assert_string_equal(a.expr, "kpi_api_error_ratio > 0.01");
	assert_true(a.threshold == 1);

	observe(&b, after);
	assert_string_equal(b.status, "breach");
	assert_string_equal(b.verdict, "NO-GO");
	assert_string_equal(b.prom_verdict, "NO-GO");
	assert_int_equal(b.alert_exit, 2);
	assert_string_equal(b.expr, "kpi_api_error_ratio > 0.002");
	assert_true(b.threshold == 0.2);
	/* updated in place: the same one alarm */
	assert_int_equal(a.nalarms, 1);
	assert_int_equal(b.nalarms, 1);

	/* the dashboard: the verdict, and the threshold as an annotation */
	dash = cw_call("GetDashboard", "{\"DashboardName\": \"kpi-" NS "\"}");
	assert_non_null(body = json_loads(json_string_value(json_object_get(dash, "DashboardBody")), 0, NULL));
	{
		json_t *w = json_object_get(body, "widgets"), *text = json_array_get(w, 0), *m = NULL;
		size_t i;
		json_t *x;
		assert_string_equal(json_string_value(json_object_get(text, "type")), "text");
		assert_contains(json_string_value(json_object_get(json_object_get(text, "properties"), "markdown")),
		                ": NO-GO\n- api_error_rate_pct {load_balancer=" LB "}: breach");
		json_array_foreach(w, i, x)
			if (i > 0 && strcmp(json_string_value(json_object_get(json_object_get(x, "properties"), "title")),
			                    "API error rate (load balancer 5xx)") == 0)
				m = x;
		if (!m)
			fail_msg("no widget of api_error_rate_pct: %s", json_string_value(json_object_get(dash, "DashboardBody")));
		assert_true(json_number_value(json_object_get(
		                    json_array_get(json_object_get(json_object_get(json_object_get(m, "properties"),
		                                                                   "annotations"),
		                                                   "horizontal"),
		                                   0),
		                    "value")) == 0.2);
		/* one widget per KPI of the run, after the text (the SQS KPIs
		 * are not collected: no queue is configured) */
		assert_int_equal(json_array_size(w), 1 + 1);
	}
	json_decref(body);
	json_decref(dash);
	free(before);
	free(after);
}

static void test_publish_alarms__prune_deletes_only_kpis_own(void **state)
{
	char *on = config("on.json", "{}");
	char *off = config("off.json", "{\"alert\": {\"kpis\": {\"api_error_rate_pct\": {\"enabled\": false}}}}");
	it_run_result r;
	json_t *doc, *list;
	(void)state;

	kpi(&r, on, 0, (const char *const[]){ "publish", "--alarms", "--namespace", NS, NULL });
	it_run_free(&r);
	/* an alarm someone else made, and kpi's of another namespace */
	json_decref(cw_call("PutMetricAlarm",
	                    "{\"AlarmName\": \"kpi-hand-made\", \"MetricName\": \"x\", \"Namespace\": \"" NS "\", "
	                    "\"Statistic\": \"Maximum\", \"Period\": 60, \"EvaluationPeriods\": 1, \"Threshold\": 1, "
	                    "\"ComparisonOperator\": \"GreaterThanThreshold\"}"));
	json_decref(cw_call("PutMetricAlarm",
	                    "{\"AlarmName\": \"kpi-api_error_rate_pct-other\", \"AlarmDescription\": \"x [managed by kpi "
	                    "publish --alarms, namespace OTHER]\", \"MetricName\": \"api_error_rate_pct\", "
	                    "\"Namespace\": \"OTHER\", \"Statistic\": \"Maximum\", \"Period\": 60, "
	                    "\"EvaluationPeriods\": 1, \"Threshold\": 1, \"ComparisonOperator\": \"GreaterThanThreshold\"}"));

	/* the KPI no longer alerts: without --prune its alarm stays */
	kpi(&r, off, 0, (const char *const[]){ "publish", "--alarms", "--namespace", NS, NULL });
	assert_contains(r.err, "0 CloudWatch alarms put, 0 pruned");
	it_run_free(&r);
	list = alarms(&doc);
	assert_non_null(alarm_named(list, ALARM));
	json_decref(doc);

	/* with --prune it goes, and only it */
	kpi(&r, off, 0, (const char *const[]){ "publish", "--alarms", "--prune", "--namespace", NS, NULL });
	assert_contains(r.err, "0 CloudWatch alarms put, 1 pruned");
	it_run_free(&r);
	list = alarms(&doc);
	assert_null(alarm_named(list, ALARM));
	assert_non_null(alarm_named(list, "kpi-hand-made"));
	assert_non_null(alarm_named(list, "kpi-api_error_rate_pct-other"));
	assert_int_equal(json_array_size(list), 2);
	json_decref(doc);

	/* --prune alone is a usage error */
	kpi(&r, on, 2, (const char *const[]){ "publish", "--prune", NULL });
	it_run_free(&r);
	free(on);
	free(off);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_alarms__one_threshold_change_moves_every_output),
		cmocka_unit_test(test_publish_alarms__prune_deletes_only_kpis_own),
	};
	if (!it_pg_wanted("integration_publish_alarms"))
		return IT_SKIP;
	if (!it_moto_wanted("integration_publish_alarms"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("publish_alarms", tests, setup, teardown);
}
