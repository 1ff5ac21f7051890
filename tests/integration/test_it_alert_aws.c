/*
 * Integration: `kpi alert` with AWS, against moto_server (started by
 * scripts/test): a CloudWatch KPI's M-of-N alarm rule (api_error_rate_pct,
 * 5 of 5 one-minute datapoints above 1 %) fires once and resolves once; the
 * SNS sink publishes, signed, with moto's signature checks on, to a topic
 * whose HTTP subscription is the tests' responder, so what arrives is what a
 * subscriber gets; a wrong secret is a terminal failure that names no secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it_alert.h"
#include "it_cw.h"

#define LB "app/kpi-it-alert/50dc6c495c0c9188"
/* alert.kpis: only the CloudWatch API KPIs alert (the Postgres ones and the
 * SLO burn rates on the same counts, integration_slo's, are off) */
#define API_ONLY                                                                                              \
	"\"legacy_coverage_pct\": {\"enabled\": false}, \"export_success_rate\": {\"enabled\": false},"             \
	" \"outage_drill_success_pct\": {\"enabled\": false}, \"routing_mismatch_critical\": {\"enabled\": false},"    \
	" \"uncached_legacy_max_age_days\": {\"enabled\": false}, \"api_slo_burn_page_1h\": {\"enabled\": false},"     \
	" \"api_slo_burn_page_6h\": {\"enabled\": false}, \"api_slo_burn_ticket_3d\": {\"enabled\": false}"

static const char *moto;

static const char *iso(int64_t t)
{
	static char bufs[4][32];
	static int k;
	return kpi_time_format(bufs[k++ % 4], 32, t);
}

static void put_minutes(int64_t t, int m0, int m1, double req, double err5xx)
{
	it_cw_put_alb_minutes(LB, t, m0, m1, req, err5xx);
}

static void run_at(it_alert *a, it_run_result *r, int64_t now)
{
	const char *env[] = { "KPI_CW_LOAD_BALANCER=" LB, "KPI_CW_DEADLINE_SECONDS=20", NULL };
	it_alert_run_at(a, r, iso(now), NULL, env);
}

static void test_alert_aws__cloudwatch_m_of_n_fires_once_and_resolves_once(void **state)
{
	it_alert *a = *state = it_alert_new(
	        "cw", false,
	        "{\"delivery_deadline_seconds\": 5, \"kpis\": {" API_ONLY ", \"api_latency_p95_ms\": {\"enabled\": false}},"
	        " \"sinks\": {" IT_PD_SINK "}}");
	/* (the SLO burn-rate alerts on the same counts are integration_slo's) */
	/* half an hour ago, on a minute: recent enough for 1-minute data */
	int64_t t = ((int64_t)time(NULL) - 1800) / 60 * 60;
	it_run_result r;
	json_t *reqs;
	char key[256];

	it_aws_env(moto);
	/* 3 % errors from minute -5 to +1, then none */
	put_minutes(t, -5, 2, 1000, 30);
	put_minutes(t, 2, 6, 1000, 0);

	/* [t-7m, t): two gaps, then 5 breaching datapoints: 5 of 5, ALARM */
	run_at(a, &r, t);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - api_error_rate_pct[load_balancer=" LB "] 3% > 1% | "
	                      "api_error_rate_pct[load_balancer:" LB "]=3%;;1");
	it_run_free(&r);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(reqs), 1);
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "event_action"), "trigger");
	snprintf(key, sizeof(key), "%s", it_str(json_object_get(json_array_get(reqs, 0), "json"), "dedup_key"));
	assert_contains(key, "kpi:api_error_rate_pct{load_balancer=" LB "}:");
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 0), "json"), "payload.severity"), "critical");
	json_decref(reqs);

	/* still 5 of 5 two minutes later: nothing new */
	run_at(a, &r, t + 120);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - no change");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 1);

	/* [t-3m, t+4m): the last five are 3 breaching, 2 healthy: OK, resolved */
	run_at(a, &r, t + 240);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - api_error_rate_pct[load_balancer=" LB "] 0% <= 1% (resolved after 4m)");
	it_run_free(&r);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(reqs), 2);
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 1), "json"), "event_action"), "resolve");
	assert_string_equal(it_str(json_object_get(json_array_get(reqs, 1), "json"), "dedup_key"), key);
	json_decref(reqs);

	/* no datapoints at all: insufficient data neither fires nor resolves */
	run_at(a, &r, t + 3600);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - no change: 1 row checked");
	it_run_free(&r);
	assert_int_equal(it_responder_count(a->resp), 2);
}

/* A load balancer CloudWatch has no datapoints for (a typo in its name):
 * the gating API KPIs (missing data blocks them) are read and have no
 * data. The run names them in a NO DATA line with perfdata, logs a warning
 * for each, keeps them in the ledger (since the first run that saw them),
 * and does not page: exit 0, nothing sent. */
static void test_alert_aws__gating_rows_without_datapoints_are_named_not_paged(void **state)
{
	it_alert *a = *state = it_alert_new(
	        "cwnodata", false,
	        "{\"delivery_deadline_seconds\": 5, \"kpis\": {" API_ONLY "}, \"sinks\": {" IT_PD_SINK "}}");
	const char *env[] = { "KPI_CW_LOAD_BALANCER=app/typo-lb/1", "KPI_CW_DEADLINE_SECONDS=20", NULL };
	int64_t t = ((int64_t)time(NULL) - 1800) / 60 * 60;
	const char *line = "KPI NO DATA - 2 gating rows without data, not judged: "
	                   "api_error_rate_pct{load_balancer=app/typo-lb/1} (no datapoints in the last 7m), "
	                   "api_latency_p95_ms{load_balancer=app/typo-lb/1} (no datapoints in the last 7m) | no_data=2;;;0";
	it_run_result r;
	kpi__ledger *l;
	json_t *o;

	it_aws_env(moto);
	for (int run = 0; run < 2; run++) {
		it_alert_run_at(a, &r, iso(t + run * 300), NULL, env);
		assert_int_equal(r.status, 0);
		it_assert_line(r.out, "KPI OK - no change: 2 rows checked, 0 firing");
		it_assert_line(r.out, line);
		assert_int_equal(it_count_lines(r.out), 2);
		assert_contains(r.err, "\"event\":\"alert.no_data\"");
		assert_contains(r.err, "gating row api_error_rate_pct{load_balancer=app/typo-lb/1} has no data");
		it_run_free(&r);
	}
	assert_int_equal(it_responder_count(a->resp), 0);
	l = it_alert_ledger(a);
	assert_int_equal(json_array_size(l->no_data), 2);
	o = json_array_get(l->no_data, 0);
	assert_string_equal(it_str(o, "id"), "api_error_rate_pct{load_balancer=app/typo-lb/1}");
	assert_string_equal(it_str(o, "kpi"), "api_error_rate_pct");
	assert_string_equal(it_str(o, "labels.load_balancer"), "app/typo-lb/1");
	assert_string_equal(it_str(o, "why"), "no datapoints in the last 7m");
	assert_string_equal(it_str(o, "since"), iso(t)); /* the first run that saw it */
	kpi__ledger_free(l);
}

static void form_enc(kpi_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			kpi_buf_append(b, (const char *)p, 1);
		else
			kpi_buf_printf(b, "%%%02X", *p);
}

/* A signed SNS call from the test (CreateTopic, Subscribe); the answer's body. */
static char *sns_call(const char *body)
{
	kpi__aws aws;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char *out;
	assert_int_equal(aws_resolve_env(&aws, &kpi__aws_sns, NULL, &err), 0);
	if (kpi__aws_call(&resp, &aws, "application/x-www-form-urlencoded", NULL, body, strlen(body), "test SNS", NULL, NULL,
	                  &err))
		fail_msg("SNS set-up: %s", err.message);
	out = strdup(resp.body.data ? resp.body.data : "");
	kpi__http_resp_release(&resp);
	kpi__aws_release(&aws);
	return out;
}

static void test_alert_aws__sns_publish_through_moto_with_signatures_checked(void **state)
{
	it_alert *a = *state = it_alert_new("snsmoto", true,
	                                    "{\"delivery_deadline_seconds\": 5, " IT_ONLY_UNCACHED ", \"sinks\": {"
	                                    " \"sns\": {\"type\": \"sns\", \"topic_arn\": \"arn:aws:sns:us-east-1:"
	                                    "123456789012:kpi-it-alerts\", \"timeout_seconds\": 10}}}");
	char id[128], secret[128], idenv[160], secenv[160], arn[256], *ans;
	const char *good[] = { idenv, secenv, NULL };
	const char *bad[] = { idenv, "AWS_SECRET_ACCESS_KEY=wrong-secret-kpi-it", NULL };
	kpi_buf b = KPI_BUF_INIT;
	json_t *reqs, *q, *msg = NULL;
	size_t i, notifications = 0;
	it_run_result r;

	it_aws_env(moto);
	ans = sns_call("Action=CreateTopic&Version=2010-03-31&Name=kpi-it-alerts");
	it_xml_field(arn, sizeof(arn), ans, "TopicArn");
	free(ans);
	assert_string_equal(arn, "arn:aws:sns:us-east-1:123456789012:kpi-it-alerts");
	kpi_buf_puts(&b, "Action=Subscribe&Version=2010-03-31&Protocol=http&TopicArn=");
	form_enc(&b, arn);
	kpi_buf_puts(&b, "&Endpoint=");
	form_enc(&b, a->resp->url);
	kpi_buf_puts(&b, "%2Fsns-subscriber");
	free(sns_call(b.data));
	kpi_buf_release(&b);

	it_moto_iam_key(id, sizeof(id), secret, sizeof(secret));
	snprintf(idenv, sizeof(idenv), "AWS_ACCESS_KEY_ID=%s", id);
	snprintf(secenv, sizeof(secenv), "AWS_SECRET_ACCESS_KEY=%s", secret);
	it_moto_api(moto, "/moto-api/reset-auth", "0"); /* signatures checked from now on */
	it_alert_run(a, &r, 0, NULL, good);
	it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
	if (r.status != 2)
		fail_msg("kpi alert exited %d: %s\n%s", r.status, r.out, r.err);
	assert_not_contains(r.out, secret);
	assert_not_contains(r.err, secret);
	it_assert_no_secrets(a->state, r.out, r.err);
	assert_contains(r.err, "\"event\":\"alert.delivered\"");
	it_run_free(&r);

	/* what the topic's subscriber got */
	reqs = it_alert_requests(a, "/sns-subscriber");
	json_array_foreach(reqs, i, q) {
		const json_t *j = json_object_get(q, "json");
		if (it_str(j, "Type") && strcmp(it_str(j, "Type"), "Notification") == 0) {
			notifications++;
			assert_contains(it_str(j, "Subject"), "[critical] Max age of uncached legacy exports: 10 d");
			json_decref(msg);
			msg = json_loads(it_str(j, "Message"), 0, NULL);
		}
	}
	json_decref(reqs);
	assert_int_equal(notifications, 1);
	assert_non_null(msg);
	assert_string_equal(it_str(msg, "schema"), "kpi.alert/1");
	assert_string_equal(it_str(msg, "action"), "trigger");
	assert_string_equal(it_str(msg, "dedupe_key"), "kpi:uncached_legacy_max_age_days:20261116T080000Z");
	json_decref(msg);

	/* a wrong secret: moto refuses the signature, the resolve fails for good */
	it_alert_fix_breach(a);
	it_moto_api(moto, "/moto-api/reset-auth", "0");
	it_alert_run(a, &r, 30, NULL, bad);
	it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
	assert_int_equal(r.status, 3);
	it_assert_line(r.out, "KPI UNKNOWN - delivery of resolve kpi:uncached_legacy_max_age_days:20261116T080000Z to sink "
	                      "'sns' failed terminally after 1 attempt");
	assert_contains(r.out, "authentication failed");
	assert_not_contains(r.out, "wrong-secret-kpi-it");
	assert_not_contains(r.err, "wrong-secret-kpi-it");
	it_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alert_aws__cloudwatch_m_of_n_fires_once_and_resolves_once, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert_aws__sns_publish_through_moto_with_signatures_checked, it_alert_teardown),
		cmocka_unit_test_teardown(test_alert_aws__gating_rows_without_datapoints_are_named_not_paged,
		                          it_alert_teardown),
	};
	if (!it_moto_wanted("integration_alert_aws") || !it_pg_wanted("integration_alert_aws"))
		return IT_SKIP;
	moto = getenv("KPI_TEST_MOTO_URL");
	/* moto is shared with integration_cloudwatch (RESOURCE_LOCK): start clean, auth off */
	it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
	it_moto_api(moto, "/moto-api/reset", "");
	return cmocka_run_group_tests_name("integration_alert_aws", tests, NULL, NULL);
}
