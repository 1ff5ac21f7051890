/*
 * The delivery summary (kpi_deliver_summary, kpi_deliver_subject) from the
 * demo snapshots: a NO-GO week with its reasons, a GO week, HTML escaping;
 * and which Slack errors are worth another try.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "deliver/deliver_internal.h"
#include "kpi/kpi.h"

#define W42 KPI_SOURCE_DIR "/tests/fixtures/render/demo-w42.snapshot.json"
#define W46 KPI_SOURCE_DIR "/tests/fixtures/render/demo-w46.snapshot.json"

static kpi_snapshot *load(const char *path)
{
	kpi_snapshot *s = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_snapshot_load(&s, path, &err))
		fail_msg("%s: %s", path, err.message);
	return s;
}

static void test_deliver__summary_nogo_lists_the_reasons(void **state)
{
	kpi_snapshot *s = load(W42);
	kpi_buf text = KPI_BUF_INIT, html = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char subject[128];
	(void)state;

	assert_string_equal(kpi_deliver_subject(subject, sizeof(subject), s), "Rollout go/no-go 2026-W42: NO-GO");
	assert_int_equal(kpi_deliver_summary(&text, &html, s, "https://packs.example.org/r/2026-W42", "ab12", &err), 0);
	assert_string_equal(text.data,
	                    "Rollout go/no-go 2026-W42: NO-GO\n"
	                    "\n"
	                    "Week 2026-W42, 2026-10-12 to 2026-10-18 (UTC).\n"
	                    "NO-GO because:\n"
	                    "- Export success rate by path [path=owned]: 98.84% against >= 99% (breach)\n"
	                    "- Critical routing mismatches: 35 against = 0 (breach)\n"
	                    "Not measured (4 KPIs): CloudWatch not configured: "
	                    "api_error_rate_pct, api_latency_p95_ms, sqs_queue_depth, sqs_oldest_message_age_seconds. "
	                    "2 of them are gating: the verdicts do not weigh them\n"
	                    "\n"
	                    "The pack: https://packs.example.org/r/2026-W42/kpi-2026-W42.pdf (and .xlsx)\n"
	                    "manifest.json SHA-256 ab12 (kpi verify)\n");
	assert_non_null(strstr(html.data, "<h2>Rollout go/no-go 2026-W42: NO-GO</h2>"));
	assert_non_null(strstr(html.data, "<li>Export success rate by path [path=owned]: 98.84% against &gt;= 99% (breach)</li>"));
	kpi_buf_release(&text);
	kpi_buf_release(&html);
	kpi_snapshot_free(s);
}

static void test_deliver__summary_go_escapes_html(void **state)
{
	kpi_snapshot *s = load(W46);
	kpi_buf text = KPI_BUF_INIT, html = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char subject[128];
	(void)state;

	/* an older (format 2) GO that did not weigh 2 gating KPIs not
	 * measured: the subject says what the pack's cover says */
	assert_string_equal(kpi_deliver_subject(subject, sizeof(subject), s),
	                    "Rollout go/no-go 2026-W46: GO as recorded, read as HOLD");
	assert_int_equal(kpi_deliver_summary(&text, &html, s, "/srv/<packs>&co", NULL, &err), 0);
	assert_non_null(strstr(text.data, "Rollout go/no-go 2026-W46: GO as recorded, read as HOLD\n"));
	assert_non_null(strstr(html.data, "<h2>Rollout go/no-go 2026-W46: GO as recorded, read as HOLD</h2>"));
	/* and the body says what the hold stands on, not that all is well */
	assert_non_null(strstr(text.data, "Read it as a hold: 2 gating KPIs were not measured, and this older verdict did "
	                                  "not weigh them: API error rate (load balancer 5xx) and API latency p95 (load "
	                                  "balancer target response time).\n"));
	assert_null(strstr(text.data, "Every gating KPI that was measured meets its threshold."));
	assert_non_null(strstr(text.data, "The pack: /srv/<packs>&co/kpi-2026-W46.pdf"));
	assert_null(strstr(text.data, "SHA-256"));
	assert_non_null(strstr(html.data, "/srv/&lt;packs&gt;&amp;co/kpi-2026-W46.pdf"));
	assert_null(strstr(html.data, "<packs>"));
	kpi_buf_release(&text);
	kpi_buf_release(&html);
	kpi_snapshot_free(s);
}

static void test_deliver__slack_errors(void **state)
{
	(void)state;
	assert_true(kpi__slack_error_retryable("ratelimited"));
	assert_true(kpi__slack_error_retryable("internal_error"));
	assert_false(kpi__slack_error_retryable("invalid_auth"));
	assert_false(kpi__slack_error_retryable("channel_not_found"));
	assert_false(kpi__slack_error_retryable(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deliver__summary_nogo_lists_the_reasons),
		cmocka_unit_test(test_deliver__summary_go_escapes_html),
		cmocka_unit_test(test_deliver__slack_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
