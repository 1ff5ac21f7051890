/*
 * snapshot.json (snapshot_json.c): the golden file byte for byte, exact
 * round trips, parse errors at file:line:col, and fuzz-ish robustness
 * (truncation at every offset, byte flips): every damaged snapshot is a
 * clean KPI_EDATA or a valid parse, never a crash (the suite also runs
 * under ASan + UBSan).
 *
 * KPI_UPDATE_GOLDEN=1 rewrites tests/fixtures/unit/snapshot_golden.json from
 * packfix_golden() (then review the diff).
 */
#include "unit.h"
#include "packfix.h"
#include "snapshot/snapshot_provenance.h"

/* The golden snapshot as format 1 wrote it (before not_collected). */
#define SNAPSHOT_FORMAT1 KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_format1.json"
/* The golden snapshot as format 2 wrote it (before the waivers, when a gating
 * KPI not collected did not hold the verdict). */
#define SNAPSHOT_FORMAT2 KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_format2.json"
/* The golden snapshot as format 3 wrote it (before the provenance). */
#define SNAPSHOT_FORMAT3 KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_format3.json"

/* ---- golden and round trips ---- */

static void test_snapshot_write__golden(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_buf b = packfix_json(snap);
	char *want;
	size_t len;

	if (getenv("KPI_UPDATE_GOLDEN"))
		packfix_write(PACKFIX_GOLDEN, b.data, b.len);
	want = packfix_read(PACKFIX_GOLDEN, &len);
	assert_non_null(want);
	if (len != b.len || memcmp(want, b.data, len) != 0) {
		size_t i = 0;
		while (i < len && i < b.len && want[i] == b.data[i])
			i++;
		fail_msg("snapshot.json differs from %s at byte %zu:\n got: %.80s\nwant: %.80s", PACKFIX_GOLDEN, i,
		         b.data + i, want + i);
	}
	{
		char sha[65];
		kpi_sha256_hex(sha, want, len);
		assert_string_equal(snap->sha256, sha);
	}
	free(want);
	kpi_buf_release(&b);
	kpi_snapshot_free(snap);
}

/* Read and parse a snapshot file; its text in *text (the caller frees both). */
static kpi_snapshot *parse_file(const char *path, char **text, size_t *len)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *snap = NULL;

	*text = packfix_read(path, len);
	assert_non_null(*text);
	if (kpi_snapshot_parse(&snap, path, *text, *len, &err))
		fail_msg("%s", err.message);
	return snap;
}

/* Writing `snap` gives `text` back, byte for byte. */
static void assert_written_back(kpi_snapshot *snap, const char *text, size_t len)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf b = KPI_BUF_INIT;

	if (kpi_snapshot_write(&b, snap, &err))
		fail_msg("%s", err.message);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.data, text, len);
	kpi_buf_release(&b);
}

/* Parse the golden file, check what it holds, write it: the same bytes. */
static void test_snapshot_parse__golden_round_trip(void **state)
{
	(void)state;
	kpi_snapshot *snap = NULL;
	const kpi_series *s;
	char *text;
	size_t len;
	char sha[65];

	snap = parse_file(PACKFIX_GOLDEN, &text, &len);
	kpi_sha256_hex(sha, text, len);
	assert_string_equal(snap->sha256, sha);
	assert_int_equal(snap->format, KPI_SNAPSHOT_FORMAT);
	assert_string_equal(snap->timezone, "Europe/Berlin");
	assert_int_equal(snap->result->window.nweeks, 3);
	assert_true(snap->result->window.partial);
	assert_string_equal(snap->result->window.tz, "Europe/Berlin");
	assert_int_equal(snap->result->window.starts[2], utc(2026, 11, 8, 23, 0, 0));
	assert_int_equal(snap->result->read_at, utc(2026, 11, 12, 10, 30, 0));
	/* the definitions as used, module settings kept */
	assert_int_equal(snap->catalog->nkpis, 6);
	assert_int_equal(kpi_catalog_find(snap->catalog, "legacy_coverage_pct")->missing, KPI_MISSING_BLOCK);
	assert_double_equal(kpi_catalog_find(snap->catalog, "export_success_rate")->threshold.warn_margin, 0.5);
	assert_string_equal(kpi_catalog_find(snap->catalog, "api_error_rate_pct")->source, "cloudwatch");
	assert_non_null(json_object_get(kpi_catalog_find(snap->catalog, "api_error_rate_pct")->raw, "cloudwatch"));
	/* numbers bit for bit, flags, open-ended labels */
	s = kpi_result_find(snap->result, "api_error_rate_pct");
	assert_non_null(s);
	assert_int_equal(s->nrows, 5);
	assert_double_equal(s->rows[1].value, 4.9406564584124654e-324);
	assert_double_equal(s->rows[2].value, 1.5e308);
	assert_string_equal(s->rows[2].labels[0], "caf\xc3\xa9 \xe2\x98\x95 \"quoted\" back\\slash\ttab");
	assert_true(s->rows[3].incomplete);
	assert_int_equal(s->rows[3].status, KPI_STATUS_NO_DATA);
	assert_true(s->rows[3].partial);
	s = kpi_result_find(snap->result, "export_success_rate");
	assert_double_equal(s->rows[3].value, 0.1 + 0.2 + 99);
	assert_int_equal(s->nrows, 5); /* owned has no row in week 1 */
	s = kpi_result_find(snap->result, "job_latency_seconds");
	assert_false(s->rows[1].applicable);
	assert_int_equal(s->rows[1].status, KPI_STATUS_NOT_APPLICABLE);
	assert_double_equal(s->rows[2].value, -12.5);
	/* verdicts, lists */
	assert_int_equal(snap->verdicts[0].verdict, KPI_VERDICT_HOLD);
	assert_int_equal(snap->verdicts[1].verdict, KPI_VERDICT_NOGO);
	assert_int_equal(snap->verdicts[2].verdict, KPI_VERDICT_NOGO);
	/* a reason's labels come back as text (the snapshot's "labels") and as
	 * names and values (kpi query's JSON object) */
	{
		const kpi_verdict *v = &snap->verdicts[2];
		const kpi_reason *cw = NULL;
		for (size_t i = 0; i < v->nreasons; i++)
			if (strcmp(v->reasons[i].kpi, "api_error_rate_pct") == 0)
				cw = &v->reasons[i];
		assert_non_null(cw);
		assert_string_equal(cw->labels, "endpoint=/v1/orders");
		assert_int_equal(cw->nlabels, 1);
		assert_string_equal(cw->label_names[0], "endpoint");
		assert_string_equal(cw->label_values[0], "/v1/orders");
	}
	assert_int_equal(snap->nuncovered, 2);
	assert_int_equal(snap->uncovered[0].design_id, 1001);
	assert_double_equal(snap->uncovered[0].age_days, 8.5);
	assert_int_equal(snap->nmismatches, 2);
	assert_int_equal(snap->mismatches[0].id, 77002);
	assert_int_equal(snap->nchanges, 3);
	assert_null(snap->changes[0].old_value);
	assert_null(snap->changes[2].new_value);
	assert_int_equal(snap->nsources, 2);
	assert_int_equal(snap->ndrill_queries, 3);
	/* what the run did not collect, and why (format 2) */
	assert_int_equal(snap->nnot_collected, 2);
	assert_string_equal(snap->not_collected[0].kpi, "api_latency_p95_ms");
	assert_string_equal(snap->not_collected[0].source, "cloudwatch");
	assert_true(snap->not_collected[0].gating);
	assert_string_equal(snap->not_collected[0].reason, "CloudWatch not configured");
	assert_string_equal(snap->not_collected[1].detail, "set cloudwatch.queues in the config file or KPI_CW_QUEUES");
	assert_false(snap->not_collected[1].gating);

	assert_written_back(snap, text, len);
	kpi_snapshot_free(snap);
	free(text);
}

/* The statement the pack's pages and workbook make of what was not collected. */
static void test_snapshot_not_collected__statement(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	char buf[1024];

	assert_int_equal(kpi__snapshot_not_collected(buf, sizeof(buf), snap, false, false), 2);
	assert_string_equal(buf, "CloudWatch not configured: api_latency_p95_ms, sqs_queue_depth. 1 of them is gating: "
	                         "not measured, it holds the verdict unless waived");
	assert_int_equal(kpi__snapshot_not_collected(buf, sizeof(buf), snap, true, false), 2);
	assert_string_equal(buf, "CloudWatch not configured: api_latency_p95_ms (set cloudwatch.load_balancer in the "
	                         "config file or KPI_CW_LOAD_BALANCER); sqs_queue_depth (set cloudwatch.queues in the "
	                         "config file or KPI_CW_QUEUES). 1 of them is gating: not measured, it holds the "
	                         "verdict unless waived");
	/* gating first (the cover, which may cut the text short) */
	assert_int_equal(kpi__snapshot_not_collected(buf, sizeof(buf), snap, false, true), 2);
	assert_string_equal(buf, "2 KPIs. 1 of them is gating: not measured, it holds the verdict unless waived. "
	                         "CloudWatch not configured: api_latency_p95_ms, sqs_queue_depth");
	/* the same setting for several: named once */
	snapfix_not_collected(snap, "sqs_oldest_message_age_seconds", "SQS oldest message age (max)", false,
	                      "CloudWatch not configured", "set cloudwatch.queues in the config file or KPI_CW_QUEUES");
	snap->not_collected[0].gating = false;
	kpi__snapshot_not_collected(buf, sizeof(buf), snap, true, false);
	assert_string_equal(buf, "CloudWatch not configured: api_latency_p95_ms (set cloudwatch.load_balancer in the "
	                         "config file or KPI_CW_LOAD_BALANCER); sqs_queue_depth, sqs_oldest_message_age_seconds "
	                         "(set cloudwatch.queues in the config file or KPI_CW_QUEUES)");
	/* a short buffer: cut, terminated */
	assert_int_equal(kpi__snapshot_not_collected(buf, 20, snap, true, false), 3);
	assert_int_equal(strlen(buf), 19);
	/* the whole catalogue collected */
	{
		kpi_snapshot all = *snap;
		all.nnot_collected = 0;
		assert_int_equal(kpi__snapshot_not_collected(buf, sizeof(buf), &all, true, false), 0);
		assert_string_equal(buf, "none: every KPI of the catalogue was collected");
	}
	kpi_snapshot_free(snap);
}

/* Write `snap`, parse the bytes, write the parsed snapshot: the same bytes.
 * Returns the parsed snapshot (the caller frees it). */
static kpi_snapshot *round_trip(kpi_snapshot *snap, const char *name)
{
	kpi_buf a = packfix_json(snap), b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *back = NULL;

	if (kpi_snapshot_parse(&back, name, a.data, a.len, &err))
		fail_msg("%s", err.message);
	assert_string_equal(back->sha256, snap->sha256);
	if (kpi_snapshot_write(&b, back, &err))
		fail_msg("%s", err.message);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	kpi_buf_release(&a);
	kpi_buf_release(&b);
	return back;
}

/* 52 weeks of every shipped KPI: write, parse, write again: same bytes. */
static void test_snapshot_round_trip__synthetic_52_weeks(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_synthetic(52), *back = round_trip(snap, "synthetic.json");

	assert_int_equal(back->result->nseries, snap->result->nseries);
	for (size_t i = 0; i < snap->result->nseries; i++) {
		const kpi_series *x = &snap->result->series[i], *y = &back->result->series[i];
		assert_int_equal(x->nrows, y->nrows);
		for (size_t j = 0; j < x->nrows; j++) {
			assert_int_equal(x->rows[j].has_value, y->rows[j].has_value);
			if (x->rows[j].has_value)
				assert_double_equal(x->rows[j].value, y->rows[j].value);
			assert_int_equal(x->rows[j].status, y->rows[j].status);
		}
	}
	kpi_snapshot_free(snap);
	kpi_snapshot_free(back);
}

/* The extremes of the doubles survive a round trip bit for bit. */
static void test_snapshot_round_trip__extreme_doubles(void **state)
{
	(void)state;
	static const double values[] = { 1.7976931348623157e308, -1.7976931348623157e308, 4.9406564584124654e-324,
		                         2.2250738585072014e-308, 0.1 + 0.2, 123456789012345678.0 };
	kpi_snapshot *snap = packfix_golden(), *back;
	kpi_series *s = (kpi_series *)kpi_result_find(snap->result, "job_latency_seconds");

	assert_int_equal(s->nrows, sizeof(values) / sizeof(values[0]));
	for (size_t i = 0; i < s->nrows; i++) {
		s->rows[i].has_value = s->rows[i].applicable = true;
		s->rows[i].value = values[i];
	}
	snapfix_finish(snap);
	back = round_trip(snap, "extremes.json");
	s = (kpi_series *)kpi_result_find(back->result, "job_latency_seconds");
	for (size_t i = 0; i < s->nrows; i++)
		assert_memory_equal(&s->rows[i].value, &values[i], sizeof(double));
	kpi_snapshot_free(snap);
	kpi_snapshot_free(back);
}

/* What JSON cannot hold is refused when writing, not written wrong. */
static void test_snapshot_write__refuses_what_json_cannot_hold(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_series *s = (kpi_series *)kpi_result_find(snap->result, "job_latency_seconds");
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;

	s->rows[0].value = INFINITY;
	assert_int_equal(kpi_snapshot_write(&b, snap, &err), KPI_EDATA);
	assert_contains(err.message, "job_latency_seconds");
	assert_contains(err.message, "not a finite number");
	assert_int_equal(b.len, 0);
	s->rows[0].value = 1.5;
	free(s->rows[0].labels[0]);
	s->rows[0].labels[0] = strdup("p\xff" "50");
	assert_int_equal(kpi_snapshot_write(&b, snap, &err), KPI_EDATA);
	assert_contains(err.message, "UTF-8");
	kpi_buf_release(&b);
	kpi_snapshot_free(snap);
}

/* ---- parse errors ---- */

typedef struct bad_case {
	const char *from;    /* the first occurrence (after `after`) is replaced */
	const char *to;
	const char *after;   /* NULL: from the start */
	const char *needle;  /* where the error must point (in the damaged text) */
	int nth;
	const char *msg;     /* in the message */
} bad_case;

static const bad_case bad_cases[] = {
	{ "\"format\": 4", "\"format\": 5", NULL, "5,", 0, "snapshot format 5 is not supported" },
	{ "\"format\": 4,", "", NULL, "{", 0, "no whole number 'format'" },
	/* format 4: the provenance */
	{ "\"lag_seconds\": 2.5", "\"lag_seconds\": null", NULL, "{\"source\": \"postgres\"", 0,
	  "'lag_seconds' and 'primary_time' must both be set or both null" },
	{ "\"primary_time\": \"2026-11-19T23:59:57Z\"", "\"primary_time\": \"yesterday\"", NULL, "\"yesterday\"", 0,
	  "'primary_time' must be null or an ISO 8601 UTC time" },
	{ "\"seconds\": 0.125", "\"seconds\": -1", NULL, "-1, \"shared_blks_hit\"", 0, "'seconds' must be null or a number >= 0" },
	{ "{\"kpi\": \"legacy_coverage_pct\", \"seconds\"", "{\"kpi\": \"nope\", \"seconds\"", NULL, "\"nope\"", 0,
	  "one cost per series" },
	{ "\"stale\": false", "\"stale\": 0", NULL, "{\"source\": \"postgres\"", 0, "'stale' must be true or false" },
	{ "{\"kpi\": \"api_latency_p95_ms\", \"labels\": {}", "{\"kpi\": \"nope\", \"labels\": {}", NULL, "\"nope\"", 0,
	  "neither in the catalogue nor among those not collected" },
	{ "\"until\": \"2026-W45\"", "\"until\": \"2026-45\"", NULL, "\"2026-45\"", 0,
	  "waiver 'until' must be an ISO week" },
	{ "\"labels\": {}, \"reason\"", "\"labels\": [], \"reason\"", NULL, "[], \"reason\"", 0,
	  "waiver 'labels' must be an object" },
	/* a waiver that covers W46 too: the W46 verdict holding api_latency_p95_ms no longer follows */
	{ "\"until\": \"2026-W45\"", "\"until\": \"2026-W46\"", NULL, "{\"week\": \"2026-W46\"", 0,
	  "the verdict of 2026-W46 does not follow from the rows' statuses, the KPIs not collected and the waivers: "
	  "it has 4 reasons where they give 3" },
	/* a gating KPI not collected must be a reason */
	{ ", {\"kpi\": \"api_latency_p95_ms\", \"labels\": \"\", \"value\": null, \"status\": \"no_data\", \"threshold\": \"\", "
	  "\"not_measured\": \"CloudWatch not configured\"}", "", NULL, "{\"week\": \"2026-W46\"", 0,
	  "it lacks KPI api_latency_p95_ms" },
	{ "\"not_collected\": [", "\"not_collectd\": [", NULL, "[\n    {\"kpi\": \"api_latency_p95_ms\"", 0,
	  "unknown key 'not_collectd' in snapshot" },
	{ "{\"kpi\": \"sqs_queue_depth\", \"title", "{\"kpi\": \"export_success_rate\", \"title", NULL,
	  "\"export_success_rate\", \"title", 0, "is in the snapshot's catalogue, so it was collected" },
	{ "{\"kpi\": \"sqs_queue_depth\", \"title", "{\"kpi\": \"api_latency_p95_ms\", \"title", NULL,
	  "\"api_latency_p95_ms\", \"title\": \"SQS", 0, "KPI 'api_latency_p95_ms' is named twice" },
	{ "\"source\": \"cloudwatch\", \"gating\"", "\"source\": \"carrier-pigeon\", \"gating\"", NULL,
	  "\"carrier-pigeon\"", 0, "source 'carrier-pigeon' is not a source name" },
	{ "\"reason\": \"CloudWatch not configured\"", "\"reason\": \"\"", NULL, "\"\", \"detail\"", 0,
	  "'reason' must not be empty" },
	{ "\"gating\": true, \"reason\"", "\"gating\": \"yes\", \"reason\"", NULL, "\"yes\"", 0,
	  "'gating' must be true or false" },
	{ "\"status\": \"breach\"", "\"status\": \"red\"", NULL, "\"red\"", 0, "unknown status 'red'" },
	{ "{\"kpi\": \"export_success_rate\", \"query", "{\"kpi\": \"export_success_ratio\", \"query", NULL,
	  "\"export_success_ratio\"", 0, "not in the snapshot's catalogue" },
	{ "\"period_start\": \"2026-11-08T23:00:00Z\"", "\"period_start\": \"2026-11-15T23:00:00Z\"", "\"series\"",
	  "\"2026-11-15T23:00:00Z\", \"period_end\"", 0, "is not the start of a week of the window" },
	{ "\"period_start\": \"2026-11-08T23:00:00Z\"", "\"period_start\": \"2026-11-08 23:00\"", "\"series\"",
	  "\"2026-11-08 23:00\"", 0, "ISO-8601 UTC time" },
	{ "\"value\": 94.5", "\"value\": 96.5", NULL, "\"breach\"", 0, "does not follow from the value and threshold" },
	{ "\"verdict\": \"HOLD\"", "\"verdict\": \"GO\"", NULL, "{\"week\": \"2026-W44\"", 0,
	  "the verdict of 2026-W44 does not follow from the rows' statuses, the KPIs not collected and the waivers: it says GO where they give HOLD" },
	/* the same verdict and number of reasons: the message says what differs */
	{ "\">= 95%\"}]}", "\">= 96%\"}]}", "\"verdict\": \"HOLD\"", "{\"week\": \"2026-W44\"", 0,
	  "the verdict of 2026-W44 does not follow from the rows' statuses, the KPIs not collected and the waivers: reason 1 (KPI legacy_coverage_pct) has "
	  "threshold '>= 96%' where the catalogue gives '>= 95%'" },
	{ "\"status\": \"no_data\", \"threshold\": \">= 95%\"}]}", "\"status\": \"breach\", \"threshold\": \">= 95%\"}]}",
	  "\"verdict\": \"HOLD\"", "{\"week\": \"2026-W44\"", 0,
	  "reason 1 (KPI legacy_coverage_pct) has status breach where the row has no_data" },
	{ "\"reasons\": [{\"kpi\": \"legacy_coverage_pct\", \"labels\": \"\", \"value\": null, \"status\": \"no_data\", \"threshold\": \">= 95%\"}]",
	  "\"reasons\": []", "\"verdict\": \"HOLD\"", "{\"week\": \"2026-W44\"", 0,
	  "it has 0 reasons where they give 1: it lacks KPI legacy_coverage_pct (no_data)" },
	{ "\"verdict\": \"HOLD\"", "\"verdict\": \"MAYBE\"", NULL, "\"MAYBE\"", 0, "unknown verdict 'MAYBE'" },
	{ "\"labels\": {\"path\": \"owned\"}, \"value\": 100,", "\"labels\": {\"path\": \"legacy\"}, \"value\": 100,", NULL,
	  "{\"period_start\": \"2026-10-25T23:00:00Z\", \"period_end\": \"2026-11-01T23:00:00Z\", \"labels\": {\"path\": \"legacy\"}, "
	  "\"value\": 100,",
	  0, "KPI export_success_rate: two rows for the same week and label set" },
	{ "\"uncovered\": {\"total\": 2", "\"uncovered\": {\"total\": 3", NULL, "3, \"designs\"", 0,
	  "'total' must be the number of designs" },
	{ "\"mismatches\": {\"total\": 2", "\"mismatches\": {\"total\": 1", NULL, "1, \"decisions\"", 0,
	  "'total' is smaller than the number of decisions" },
	{ "\"age_days\": 8.5", "\"age_days\": 9.5", NULL, "{\n    \"queries\"", 0,
	  "disagrees with KPI uncached_legacy_max_age_days" },
	{ "\"incomplete\": false", "\"incomplete\": false, \"colour\": \"red\"", NULL, "\"red\"", 0,
	  "unknown key 'colour' in row" },
	{ "\"applicable\": true, ", "", NULL, "{\"period_start\"", 0, "missing key 'applicable'" },
	{ "{\"path\": \"legacy\"}", "{\"path\": \"vendor\"}", NULL, "\"vendor\"", 0,
	  "'vendor' is not a known value of label 'path'" },
	{ "\"weeks\": 3", "\"weeks\": 4", NULL, "4,", 1, "do not end with last_week" },
	{ "\"partial\": true", "\"partial\": false", "\"window\"", "{\"first_week\"", 0, "'partial' must be true" },
	{ "\"value\": 1.5,", "\"value\": \"1.5\",", NULL, "\"1.5\"", 0, "'value' must be a number or null" },
	{ "\"decided_at\": \"2026-11-12T09:30:00Z\"", "\"decided_at\": \"2026-11-01T09:30:00Z\"", NULL,
	  "\"2026-11-01T09:30:00Z\"", 0, "a mismatch must be of the last week" },
	{ "\"threshold\": {\"op\": \">=\", \"target\": 95", "\"threshold\": {\"op\": \"~\", \"target\": 95", NULL,
	  "\"~\"", 0, "threshold op must be one of" },
	{ "\"labels\": [\"path\"]", "\"labels\": [\"route\"]", NULL, "\"route\"", 0, "label 1 must be 'path'" },
	{ "\"query_sha256\": \"", "\"query_sha256\": \"xyz", NULL, "\"xyz", 0, "64 lowercase hex digits" },
};

/* A snapshot of format 1 (before the KPIs a run left out were recorded)
 * still reads, says it does not know what was left out, and is written back
 * as format 1, byte for byte (so a pack of it re-renders the same). */
static void test_snapshot_parse__format_1_still_reads(void **state)
{
	(void)state;
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *snap;
	char *text, *bad, buf[512];
	size_t len;

	snap = parse_file(SNAPSHOT_FORMAT1, &text, &len);
	assert_int_equal(snap->format, 1);
	assert_int_equal(snap->nnot_collected, 0);
	assert_int_equal(kpi__snapshot_not_collected(buf, sizeof(buf), snap, true, false), 0);
	assert_contains(buf, "not recorded (a snapshot of format 1");
	assert_written_back(snap, text, len);
	kpi_snapshot_free(snap);
	/* format 1 has no not_collected key: one there is an error */
	bad = unit_replace(text, NULL, "\"catalog\": {", "\"not_collected\": [],\n  \"catalog\": {");
	snap = NULL;
	assert_int_equal(kpi_snapshot_parse(&snap, "f1.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_contains(err.message, "unknown key 'not_collected'");
	assert_null(snap);
	free(bad);
	free(text);
}

/* A snapshot of format 2 (before the waivers) still reads with the rule it
 * was decided by (a gating KPI not collected did not hold the verdict), and
 * is written back as format 2, byte for byte; a "waivers" key is an error. */
static void test_snapshot_parse__format_2_still_reads(void **state)
{
	(void)state;
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *snap;
	char *text, *bad, buf[512];
	size_t len;

	snap = parse_file(SNAPSHOT_FORMAT2, &text, &len);
	assert_int_equal(snap->format, 2);
	assert_int_equal(snap->nnot_collected, 2);
	assert_true(snap->not_collected[0].gating);
	assert_int_equal(snap->nwaivers, 0);
	/* W46: the gating api_latency_p95_ms was not collected, and is no reason */
	assert_int_equal(snap->verdicts[2].nreasons, 3);
	for (size_t i = 0; i < snap->verdicts[2].nreasons; i++)
		assert_null(snap->verdicts[2].reasons[i].not_measured);
	kpi__snapshot_not_collected(buf, sizeof(buf), snap, false, false);
	assert_contains(buf, "the verdicts do not weigh it");
	assert_written_back(snap, text, len);
	kpi_snapshot_free(snap);
	bad = unit_replace(text, NULL, "\"catalog\": {", "\"waivers\": [],\n  \"catalog\": {");
	snap = NULL;
	assert_int_equal(kpi_snapshot_parse(&snap, "f2.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_contains(err.message, "unknown key 'waivers'");
	assert_null(snap);
	free(bad);
	free(text);
}

/* A snapshot of format 3 (before the provenance) reads, is written back
 * as format 3, byte for byte, and has no provenance; a "provenance" key in
 * it is an error. */
static void test_snapshot_parse__format_3_still_reads(void **state)
{
	(void)state;
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *snap;
	char *text, *bad;
	size_t len;

	snap = parse_file(SNAPSHOT_FORMAT3, &text, &len);
	assert_int_equal(snap->format, 3);
	assert_null(snap->provenance);
	assert_int_equal(snap->nwaivers, 1);
	assert_written_back(snap, text, len);
	kpi_snapshot_free(snap);
	bad = unit_replace(text, NULL, "\n}\n", ",\n  \"provenance\": null\n}\n");
	snap = NULL;
	assert_int_equal(kpi_snapshot_parse(&snap, "f3.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_contains(err.message, "unknown key 'provenance'");
	assert_null(snap);
	free(bad);
	free(text);
}

/* Format 4: the provenance reads back as written: the standby's primary
 * time and lag, the retries, where blocks come from, one cost per series. */
static void test_snapshot_parse__provenance(void **state)
{
	(void)state;
	kpi_snapshot *snap;
	char *text, buf[512];
	size_t len;

	snap = parse_file(PACKFIX_GOLDEN, &text, &len);
	assert_non_null(snap->provenance);
	assert_int_equal(snap->provenance->nsources, 1);
	assert_string_equal(snap->provenance->sources[0].source, "postgres");
	assert_true(snap->provenance->sources[0].standby);
	assert_true(snap->provenance->sources[0].lag_seconds == 2.5);
	assert_int_equal(snap->provenance->sources[0].conflict_retries, 1);
	assert_int_equal(snap->provenance->ncosts, snap->result->nseries);
	assert_true(snap->provenance->costs[0].has_blocks);
	assert_true(snap->provenance->costs[0].shared_blks_hit == 14644);
	assert_false(snap->provenance->costs[1].has_seconds);
	kpi__freshness_text(buf, sizeof(buf), &snap->provenance->sources[0]);
	assert_contains(buf, "data as of primary time 2026-11-19 23:59:57 UTC, lag 3 s");
	assert_contains(buf, "1 read cancelled by a recovery conflict and run again");
	snap->provenance->sources[0].stale = true;
	kpi__freshness_text(buf, sizeof(buf), &snap->provenance->sources[0]);
	assert_contains(buf, "above database.max_lag 300 s: its KPIs are missing data");
	kpi_snapshot_free(snap);
	free(text);
}

/* Format 3: the waivers are read back, and the verdicts weigh them and the
 * KPIs not collected. The golden's waiver of api_latency_p95_ms runs until
 * W45: W44 and W45 waive it, W46 holds it as not measured. */
static void test_snapshot_parse__waivers_weighed(void **state)
{
	(void)state;
	kpi_snapshot *snap;
	const kpi_verdict *v;
	char *text, lb[64];
	size_t len;

	snap = parse_file(PACKFIX_GOLDEN, &text, &len);
	assert_int_equal(snap->nwaivers, 1);
	assert_string_equal(snap->waivers[0].kpi, "api_latency_p95_ms");
	assert_string_equal(snap->waivers[0].approved_by, "J. Rivera (rollout board)");
	assert_int_equal(snap->waivers[0].until.week, 45);
	assert_string_equal(kpi_waiver_labels_format(lb, sizeof(lb), &snap->waivers[0]), "");
	for (int w = 0; w < 2; w++) {
		v = &snap->verdicts[w];
		assert_int_equal(v->nwaived, 1);
		assert_string_equal(v->waived[0].kpi, "api_latency_p95_ms");
		assert_string_equal(v->waived[0].not_measured, "CloudWatch not configured");
		assert_int_equal(v->waived[0].waiver, 0);
	}
	v = &snap->verdicts[2];
	assert_int_equal(v->nwaived, 0);
	assert_string_equal(v->reasons[v->nreasons - 1].kpi, "api_latency_p95_ms");
	assert_string_equal(v->reasons[v->nreasons - 1].not_measured, "CloudWatch not configured");
	kpi_snapshot_free(snap);
	free(text);
}

static void test_snapshot_parse__errors_point_at_the_value(void **state)
{
	(void)state;
	char *golden = packfix_read(PACKFIX_GOLDEN, NULL);
	const char *dir = packfix_tmpdir();

	assert_non_null(golden);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const bad_case *c = &bad_cases[i];
		char *text = unit_replace(golden, c->after, c->from, c->to), path[512];
		kpi_snapshot *snap = NULL;
		kpi_error err = KPI_ERROR_INIT;
		int rc;

		snprintf(path, sizeof(path), "%s/bad%zu.json", dir, i);
		packfix_write(path, text, strlen(text));
		rc = kpi_snapshot_load(&snap, path, &err);
		if (rc != KPI_EDATA)
			fail_msg("case %zu (%s -> %s): expected KPI_EDATA, got %d: %s", i, c->from, c->to, rc, err.message);
		assert_null(snap);
		if (!strstr(err.message, c->msg))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.message, c->msg);
		assert_error_at(&err, path, c->needle, c->nth);
		free(text);
	}
	free(golden);
}

static void test_snapshot_parse__truncated_and_not_json(void **state)
{
	(void)state;
	static const char *const texts[] = { "", "{", "[]", "null", "{\"format\": 1", "\xef\xbb\xbf{}",
		                             "{\"format\": \"1\"}", "{\"format\": 1}", "{\"format\": 2}" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		kpi_snapshot *snap = NULL;
		kpi_error err = KPI_ERROR_INIT;
		assert_int_equal(kpi_snapshot_parse(&snap, "s.json", texts[i], strlen(texts[i]), &err), KPI_EDATA);
		assert_null(snap);
		assert_contains(err.message, "s.json:");
	}
	{
		kpi_snapshot *snap = NULL;
		kpi_error err = KPI_ERROR_INIT;
		assert_int_equal(kpi_snapshot_load(&snap, "/nonexistent/snapshot.json", &err), KPI_ENOTFOUND);
		assert_contains(err.message, "/nonexistent/snapshot.json");
	}
}

/* A parse either fails cleanly with KPI_EDATA, or gives a snapshot that
 * writes and parses again. */
static void parse_is_clean(const char *text, size_t len, size_t where)
{
	kpi_snapshot *snap = NULL, *again = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf b = KPI_BUF_INIT;
	int rc = kpi_snapshot_parse(&snap, "fuzz.json", text, len, &err);

	if (rc == 0) {
		assert_non_null(snap);
		if (kpi_snapshot_write(&b, snap, &err) || kpi_snapshot_parse(&again, "again.json", b.data, b.len, &err))
			fail_msg("at %zu: a snapshot that parsed does not survive a round trip: %s", where, err.message);
	} else if (rc != KPI_EDATA || !err.message[0] || snap) {
		fail_msg("at %zu: expected a clean KPI_EDATA, got %d '%s'", where, rc, err.message);
	}
	kpi_buf_release(&b);
	kpi_snapshot_free(snap);
	kpi_snapshot_free(again);
}

static void test_snapshot_parse__every_truncation(void **state)
{
	(void)state;
	size_t len;
	char *text = packfix_read(PACKFIX_GOLDEN, &len);

	assert_non_null(text);
	assert_true(len > 2 && text[len - 1] == '\n' && text[len - 2] == '}');
	/* every offset of the head and the tail, every 3rd in between (time: the
	 * suite also runs under ASan) */
	for (size_t cut = 0; cut < len - 1; cut += cut < 800 || cut + 800 > len ? 1 : 3) {
		kpi_snapshot *snap = NULL;
		kpi_error err = KPI_ERROR_INIT;
		/* every prefix without the closing brace is invalid */
		if (kpi_snapshot_parse(&snap, "cut.json", text, cut, &err) != KPI_EDATA || snap)
			fail_msg("cut at %zu of %zu: not refused (%s)", cut, len, err.message);
		if (!strstr(err.message, "cut.json:"))
			fail_msg("cut at %zu: no position in '%s'", cut, err.message);
	}
	parse_is_clean(text, len - 1, len - 1); /* without the final newline: still the same JSON */
	free(text);
}

static void test_snapshot_parse__byte_flips(void **state)
{
	(void)state;
	static const unsigned char masks[] = { 0x01, 0x20, 0x80, 0xff };
	size_t len;
	char *text = packfix_read(PACKFIX_GOLDEN, &len);

	assert_non_null(text);
	/* strides coprime with the line lengths, so every kind of token is hit */
	for (size_t i = 0; i < len; i += 17) {
		char saved = text[i];
		for (size_t m = 0; m < sizeof(masks); m++) {
			text[i] = (char)(saved ^ masks[m]);
			parse_is_clean(text, len, i);
		}
		text[i] = saved;
	}
	/* and bytes replaced by the characters JSON cares about */
	for (size_t i = 1; i < len; i += 29) {
		static const char subst[] = "{}[]\",:0\\";
		char saved = text[i];
		for (size_t k = 0; k < sizeof(subst) - 1; k++) {
			text[i] = subst[k];
			parse_is_clean(text, len, i);
		}
		text[i] = saved;
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_write__golden),
		cmocka_unit_test(test_snapshot_parse__golden_round_trip),
		cmocka_unit_test(test_snapshot_parse__format_1_still_reads),
		cmocka_unit_test(test_snapshot_parse__format_2_still_reads),
		cmocka_unit_test(test_snapshot_parse__format_3_still_reads),
		cmocka_unit_test(test_snapshot_parse__provenance),
		cmocka_unit_test(test_snapshot_parse__waivers_weighed),
		cmocka_unit_test(test_snapshot_not_collected__statement),
		cmocka_unit_test(test_snapshot_round_trip__synthetic_52_weeks),
		cmocka_unit_test(test_snapshot_round_trip__extreme_doubles),
		cmocka_unit_test(test_snapshot_write__refuses_what_json_cannot_hold),
		cmocka_unit_test(test_snapshot_parse__errors_point_at_the_value),
		cmocka_unit_test(test_snapshot_parse__truncated_and_not_json),
		cmocka_unit_test(test_snapshot_parse__every_truncation),
		cmocka_unit_test(test_snapshot_parse__byte_flips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
