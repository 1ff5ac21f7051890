/*
 * Unit tests of the alert module's pure parts (no database, no network):
 * transitions, dedupe keys, backoff scheduling, template rendering, ledger
 * (de)serialisation and corruption detection, Nagios lines, durations,
 * settings and rules, scrubbing.
 */
#include "unit.h"
#include "alert/alert_internal.h"
#include "alert/sinks/sink.h"
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0 1794816000 /* 2026-11-16T08:00:00Z */

static kpi__alert_rec rec_new(const char *id)
{
	kpi__alert_rec r;
	memset(&r, 0, sizeof(r));
	r.id = strdup(id);
	r.kpi = strdup(id);
	r.labels = json_object();
	r.severity = KPI_ALERT_SEV_CRITICAL;
	return r;
}

static void rec_free(kpi__alert_rec *r)
{
	free(r->id);
	free(r->kpi);
	json_decref(r->labels);
	free(r->dedupe_key);
	free(r->note);
}

/* ---- transitions ---- */

static void test_step__breach_triggers_once_then_repeats_after_interval(void **state)
{
	kpi__alert_rec r = rec_new("uncached_legacy_max_age_days");
	bool ch;
	char *key;
	(void)state;

	assert_int_equal(kpi__alert_step(&r, KPI__OBS_OK, 0, 4 * 3600, T0, "kpi", &ch), KPI__ACT_NONE);
	assert_false(ch);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 0, 4 * 3600, T0 + 300, "kpi", &ch), KPI__ACT_TRIGGER);
	assert_true(ch);
	assert_int_equal(r.state, KPI_ALERT_FIRING);
	assert_string_equal(r.dedupe_key, "kpi:uncached_legacy_max_age_days:20261116T080500Z");
	assert_true(r.episode == T0 + 300);
	key = strdup(r.dedupe_key);
	/* five more breaching runs within the repeat interval: nothing */
	for (int i = 2; i <= 6; i++) {
		assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 0, 4 * 3600, T0 + 300 * i, "kpi", &ch), KPI__ACT_NONE);
		assert_false(ch);
	}
	/* no data while firing says nothing new, but the reminder still comes */
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_HOLD, 0, 4 * 3600, T0 + 300 + 4 * 3600 - 1, "kpi", &ch),
	                 KPI__ACT_NONE);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_HOLD, 0, 4 * 3600, T0 + 300 + 4 * 3600, "kpi", &ch),
	                 KPI__ACT_REPEAT);
	assert_false(ch);
	assert_string_equal(r.dedupe_key, key);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 0, 4 * 3600, T0 + 300 + 4 * 3600 + 60, "kpi", &ch),
	                 KPI__ACT_NONE);
	/* recovery: one resolve with the same key */
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_OK, 0, 4 * 3600, T0 + 6 * 3600, "kpi", &ch), KPI__ACT_RESOLVE);
	assert_true(ch);
	assert_int_equal(r.state, KPI_ALERT_OK);
	assert_string_equal(r.dedupe_key, key);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_OK, 0, 4 * 3600, T0 + 6 * 3600 + 300, "kpi", &ch), KPI__ACT_NONE);
	assert_false(ch);
	/* a new episode gets a new key */
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 0, 4 * 3600, T0 + 7 * 3600, "kpi", &ch), KPI__ACT_TRIGGER);
	assert_string_not_equal(r.dedupe_key, key);
	free(key);
	rec_free(&r);
}

static void test_step__for_keeps_breach_pending_and_clears_without_notification(void **state)
{
	kpi__alert_rec r = rec_new("export_success_rate{path=owned}");
	bool ch;
	(void)state;

	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0, "kpi", &ch), KPI__ACT_NONE);
	assert_true(ch);
	assert_int_equal(r.state, KPI_ALERT_PENDING);
	assert_int_equal(r.pending, 1);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0 + 300, "kpi", &ch), KPI__ACT_NONE);
	assert_false(ch); /* still pending: not a state change */
	assert_int_equal(r.pending, 2);
	/* a run without data neither confirms nor clears */
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_HOLD, 2, 3600, T0 + 600, "kpi", &ch), KPI__ACT_NONE);
	assert_int_equal(r.pending, 2);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_OK, 2, 3600, T0 + 900, "kpi", &ch), KPI__ACT_NONE);
	assert_true(ch);
	assert_int_equal(r.state, KPI_ALERT_OK);
	assert_int_equal(r.pending, 0);
	assert_null(r.dedupe_key);
	/* three breaching runs in a row fire, the episode starting at the first */
	kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0 + 1200, "kpi", &ch);
	kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0 + 1500, "kpi", &ch);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0 + 1800, "kpi", &ch), KPI__ACT_TRIGGER);
	assert_true(r.episode == T0 + 1200);
	assert_string_equal(r.dedupe_key, "kpi:export_success_rate{path=owned}:20261116T082000Z");
	rec_free(&r);
}

static void test_step__warn_is_a_state_without_notification(void **state)
{
	kpi__alert_rec r = rec_new("legacy_coverage_pct");
	bool ch;
	(void)state;
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_WARN, 0, 3600, T0, "kpi", &ch), KPI__ACT_NONE);
	assert_true(ch);
	assert_int_equal(r.state, KPI_ALERT_WARN);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 0, 3600, T0 + 60, "kpi", &ch), KPI__ACT_TRIGGER);
	/* firing -> warn resolves */
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_WARN, 0, 3600, T0 + 120, "kpi", &ch), KPI__ACT_RESOLVE);
	assert_int_equal(r.state, KPI_ALERT_WARN);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_OK, 0, 3600, T0 + 180, "kpi", &ch), KPI__ACT_NONE);
	assert_true(ch);
	rec_free(&r);
}

static void test_step__repeat_zero_never_repeats(void **state)
{
	kpi__alert_rec r = rec_new("k");
	bool ch;
	(void)state;
	kpi__alert_step(&r, KPI__OBS_BREACH, 0, 0, T0, "kpi", &ch);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 0, 0, T0 + 86400 * 30, "kpi", &ch), KPI__ACT_NONE);
	rec_free(&r);
}

/* The blind monitor: N failed runs in a row fire (for = N - 1). */
static void test_step__source_monitor_fires_on_the_nth_failure(void **state)
{
	kpi__alert_rec r = rec_new(KPI__SOURCE_RECORD);
	bool ch;
	(void)state;
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0, "kpi", &ch), KPI__ACT_NONE);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0 + 300, "kpi", &ch), KPI__ACT_NONE);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_BREACH, 2, 3600, T0 + 600, "kpi", &ch), KPI__ACT_TRIGGER);
	assert_int_equal(r.pending, 3);
	assert_int_equal(kpi__alert_step(&r, KPI__OBS_OK, 2, 3600, T0 + 900, "kpi", &ch), KPI__ACT_RESOLVE);
	rec_free(&r);
}

/* ---- observations ---- */

static kpi_row row_of(double v, kpi_status st)
{
	kpi_row r;
	memset(&r, 0, sizeof(r));
	r.has_value = true;
	r.value = v;
	r.applicable = true;
	r.status = st;
	return r;
}

static void test_observe__recovery_margin_and_min_denominator(void **state)
{
	kpi_threshold le7 = { KPI_OP_LE, 7.0, 1.0 }, ge99 = { KPI_OP_GE, 99.0, 0.5 };
	kpi__alert_rule rule;
	kpi_row row;
	(void)state;
	memset(&rule, 0, sizeof(rule));
	rule.recovery_margin = 0.5;

	row = row_of(9.5, KPI_STATUS_BREACH);
	assert_int_equal(kpi__alert_observe(&rule, &le7, &row, false), KPI__OBS_BREACH);
	/* 6.8 meets <= 7 but not <= 6.5: a firing alert holds, a quiet one is in warn */
	row = row_of(6.8, KPI_STATUS_WARN);
	assert_int_equal(kpi__alert_observe(&rule, &le7, &row, true), KPI__OBS_HOLD);
	assert_int_equal(kpi__alert_observe(&rule, &le7, &row, false), KPI__OBS_WARN);
	row = row_of(6.5, KPI_STATUS_WARN);
	assert_int_equal(kpi__alert_observe(&rule, &le7, &row, true), KPI__OBS_WARN);
	row = row_of(2, KPI_STATUS_OK);
	assert_int_equal(kpi__alert_observe(&rule, &le7, &row, true), KPI__OBS_OK);
	row = row_of(99.2, KPI_STATUS_WARN);
	assert_int_equal(kpi__alert_observe(&rule, &ge99, &row, true), KPI__OBS_HOLD);
	row = row_of(99.5, KPI_STATUS_OK);
	assert_int_equal(kpi__alert_observe(&rule, &ge99, &row, true), KPI__OBS_OK);
	/* too few cases: not judged */
	rule.min_denominator = 20;
	row = row_of(50, KPI_STATUS_BREACH);
	row.has_denominator = true;
	row.denominator = 19;
	assert_int_equal(kpi__alert_observe(&rule, &ge99, &row, false), KPI__OBS_HOLD);
	row.denominator = 20;
	assert_int_equal(kpi__alert_observe(&rule, &ge99, &row, false), KPI__OBS_BREACH);
}

static void test_observe__no_data_and_not_applicable_hold(void **state)
{
	kpi_threshold th = { KPI_OP_EQ, 100.0, 0 };
	kpi__alert_rule rule;
	kpi_row row = row_of(0, KPI_STATUS_NO_DATA);
	(void)state;
	memset(&rule, 0, sizeof(rule));
	row.has_value = false;
	assert_int_equal(kpi__alert_observe(&rule, &th, &row, false), KPI__OBS_HOLD);
	row = row_of(90, KPI_STATUS_NOT_APPLICABLE);
	row.applicable = false;
	assert_int_equal(kpi__alert_observe(&rule, &th, &row, true), KPI__OBS_HOLD);
	/* an incomplete row evaluates to no_data unless it already breaches */
	row = row_of(100, KPI_STATUS_NO_DATA);
	row.incomplete = true;
	assert_int_equal(kpi__alert_observe(&rule, &th, &row, false), KPI__OBS_HOLD);
	/* = thresholds have no room for a margin */
	assert_true(kpi__alert_recovered(&th, 100, 5));
	assert_false(kpi__alert_recovered(&th, 99.99, 0));
}

/* ---- dedupe keys ---- */

static void test_dedupe_key__stable_and_at_most_255(void **state)
{
	char a[256], b[256], longid[600];
	(void)state;
	kpi__dedupe_key(a, "kpi", "job{kind=export,path=owned}", T0);
	kpi__dedupe_key(b, "kpi", "job{kind=export,path=owned}", T0);
	assert_string_equal(a, "kpi:job{kind=export,path=owned}:20261116T080000Z");
	assert_string_equal(a, b);
	kpi__dedupe_key(b, "kpi", "job{kind=export,path=owned}", T0 + 1);
	assert_string_not_equal(a, b);
	kpi__dedupe_key(b, "kpi", "job{kind=export,path=legacy}", T0);
	assert_string_not_equal(a, b);
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	kpi__dedupe_key(a, "kpi", longid, T0);
	assert_int_equal(strlen(a), 255);
	longid[500] = 'y'; /* differs beyond the kept prefix: the hash tells them apart */
	kpi__dedupe_key(b, "kpi", longid, T0);
	assert_int_equal(strlen(b), 255);
	assert_string_not_equal(a, b);
	assert_int_equal(strncmp(a, b, 190), 0);
}

/* ---- backoff ---- */

static void test_retry_at__follows_spec_backoff_with_jitter_bounds(void **state)
{
	(void)state;
	/* jitter 0.5 is the bare delay: 5, 10, 20, ... capped at 1800 */
	assert_true(kpi__retry_at(T0, 1, 5, 1800, 0.5) == T0 + 5);
	assert_true(kpi__retry_at(T0, 2, 5, 1800, 0.5) == T0 + 10);
	assert_true(kpi__retry_at(T0, 4, 5, 1800, 0.5) == T0 + 40);
	assert_true(kpi__retry_at(T0, 10, 5, 1800, 0.5) == T0 + 1800);
	assert_true(kpi__retry_at(T0, 12, 5, 1800, 0.5) == T0 + 1800);
	/* rand(0.5..1.5) */
	assert_true(kpi__retry_at(T0, 1, 5, 1800, 0.0) == T0 + 3); /* 2.5 rounded up */
	assert_true(kpi__retry_at(T0, 1, 5, 1800, 0.999999) <= T0 + 8);
	assert_true(kpi__retry_at(T0, 12, 5, 1800, 0.999999) <= T0 + 2700);
	for (int i = 0; i < 200; i++) {
		int64_t t = kpi__retry_at(T0, 3, 5, 1800, kpi_random_unit());
		assert_true(t >= T0 + 10 && t <= T0 + 30);
	}
}

/* ---- templates ---- */

static char *render(const char *tpl, json_t *vars)
{
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	assert_int_equal(kpi__template_check(tpl, "t.txt", &err), 0);
	assert_int_equal(kpi__template_render(&b, tpl, vars, &err), 0);
	json_decref(vars);
	return b.data ? b.data : strdup("");
}

static void test_template__placeholders_sections_and_literal(void **state)
{
	char *s;
	(void)state;
	s = render("[{{severity}}] {{title}}{{?labels}} ({{labels}}){{/labels}}: {{value}}",
	           json_pack("{s:s, s:s, s:s, s:s}", "severity", "critical", "title", "Max age", "labels", "", "value",
	                     "9.5 d"));
	assert_string_equal(s, "[critical] Max age: 9.5 d");
	free(s);
	s = render("{{title}}{{?labels}} ({{labels}}){{/labels}}",
	           json_pack("{s:s, s:s}", "title", "Rate", "labels", "path=owned"));
	assert_string_equal(s, "Rate (path=owned)");
	free(s);
	/* nested sections, absent values, a literal {{ */
	s = render("a{{?error}}E={{error}}{{?detail}}+{{detail}}{{/detail}}{{/error}}b {{{{x}} {{runbook}}|",
	           json_pack("{s:s}", "error", "boom"));
	assert_string_equal(s, "aE=boomb {{x}} |");
	free(s);
	s = render("no placeholders\nat all\n", json_object());
	assert_string_equal(s, "no placeholders\nat all\n");
	free(s);
}

static void test_template__errors_name_file_and_line(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__template_check("ok\n{{nope}}", "t.txt", &err), KPI_ECONFIG);
	assert_string_equal(err.message, "t.txt:2: unknown placeholder 'nope' (see docs/configuration.md)");
	assert_int_equal(kpi__template_check("{{title", "t.txt", &err), KPI_ECONFIG);
	assert_contains(err.message, "t.txt:1: malformed placeholder");
	assert_int_equal(kpi__template_check("{{?labels}}x", "t.txt", &err), KPI_ECONFIG);
	assert_contains(err.message, "{{?labels}} is never closed");
	assert_int_equal(kpi__template_check("{{?labels}}x{{/error}}", "t.txt", &err), KPI_ECONFIG);
	assert_contains(err.message, "{{/error}} closes no open");
	assert_int_equal(kpi__template_check("{{ title }}", "t.txt", &err), KPI_ECONFIG);
}

static void test_template__shipped_templates_are_valid(void **state)
{
	const char *names[] = { "trigger.txt", "resolve.txt", "notice.txt", "test.txt" };
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		char path[4096];
		kpi_error err = KPI_ERROR_INIT;
		char *t;
		snprintf(path, sizeof(path), "%s/templates/alert/%s", KPI_SOURCE_DIR, names[i]);
		t = slurp(path);
		assert_non_null(t);
		if (kpi__template_check(t, path, &err))
			fail_msg("%s", err.message);
		free(t);
	}
}

/* ---- the ledger ---- */

static kpi__ledger *sample_ledger(void)
{
	kpi__ledger *l = kpi__ledger_new();
	json_t *labels = json_pack("{s:s}", "path", "owned");
	kpi__alert_rec *r = kpi__ledger_add(l, "export_success_rate{path=owned}", "export_success_rate", labels);
	kpi__outbox_entry *e;
	json_decref(labels);
	r->state = KPI_ALERT_FIRING;
	r->severity = KPI_ALERT_SEV_CRITICAL;
	r->since = T0;
	r->episode = T0 - 600;
	r->dedupe_key = strdup("kpi:export_success_rate{path=owned}:20261116T075000Z");
	r->pending = 3;
	r->last_notified = T0;
	r->has_value = true;
	r->value = 0.1 + 0.2; /* not exactly representable: must round-trip */
	r->last_status = KPI_STATUS_BREACH;
	r->last_seen = T0;
	e = kpi__ledger_enqueue(l);
	e->id = strdup("n-1:pd");
	e->sink = strdup("pd");
	e->dedupe_key = strdup(r->dedupe_key);
	e->action = strdup("trigger");
	e->attempts = 2;
	e->created = T0;
	e->next_attempt = T0 + 10;
	e->last_attempt = T0 + 5;
	e->last_error = strdup("sink 'pd' (pagerduty): HTTP 503: busy");
	e->notification = json_pack("{s:s, s:s}", "id", "n-1", "summary", "[critical] Export success rate");
	json_array_append_new(e->history, json_pack("{s:s, s:s}", "at", "2026-11-16T08:00:05Z", "outcome", "HTTP 503"));
	return l;
}

static char *serialize(const kpi__ledger *l)
{
	kpi_buf b = KPI_BUF_INIT;
	assert_int_equal(kpi__ledger_serialize(&b, l, NULL), 0);
	return b.data;
}

static void test_ledger__round_trip_is_exact(void **state)
{
	kpi__ledger *l = sample_ledger(), *back = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char *a = serialize(l), *b;
	(void)state;
	if (kpi__ledger_parse(&back, a, strlen(a), &err))
		fail_msg("%s", err.message);
	assert_int_equal(back->nrecs, 1);
	assert_int_equal(back->nout, 1);
	assert_int_equal(back->recs[0].state, KPI_ALERT_FIRING);
	assert_true(back->recs[0].episode == T0 - 600);
	assert_double_equal(back->recs[0].value, 0.1 + 0.2);
	assert_string_equal(back->outbox[0].last_error, "sink 'pd' (pagerduty): HTTP 503: busy");
	assert_int_equal(back->outbox[0].attempts, 2);
	b = serialize(back);
	assert_string_equal(a, b);
	assert_contains(a, "\"format\": \"kpi-alert-ledger\"");
	assert_contains(a, "\"version\": 1");
	free(a);
	free(b);
	kpi__ledger_free(l);
	kpi__ledger_free(back);
}

static int parse_text(const char *text, kpi_error *err)
{
	kpi__ledger *l = NULL;
	int rc = kpi__ledger_parse(&l, text, strlen(text), err);
	kpi__ledger_free(l);
	return rc;
}

/* Replace the first `from` in `s` by `to` (same buffer, new string). */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *out;
	assert_non_null(p);
	out = malloc(strlen(s) + strlen(to) + 1);
	sprintf(out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return out;
}

static void test_ledger__corruption_is_detected(void **state)
{
	kpi__ledger *l = sample_ledger();
	kpi_error err = KPI_ERROR_INIT;
	char *good = serialize(l), *bad;
	(void)state;

	/* truncated: bad JSON with its position */
	good[strlen(good) / 2] = '\0';
	assert_int_equal(parse_text(good, &err), KPI_EDATA);
	assert_contains(err.message, "not valid JSON (");
	free(good);
	good = serialize(l);
	/* a changed value: checksum mismatch */
	bad = replace(good, "\"attempts\": 2", "\"attempts\": 3");
	assert_int_equal(parse_text(bad, &err), KPI_EDATA);
	assert_contains(err.message, "checksum mismatch");
	free(bad);
	/* an older / unknown version is corruption, a newer one is not ours to judge */
	bad = replace(good, "\"version\": 1", "\"version\": 0");
	assert_int_equal(parse_text(bad, &err), KPI_EDATA);
	assert_contains(err.message, "version");
	free(bad);
	bad = replace(good, "\"version\": 1", "\"version\": 2");
	assert_int_equal(parse_text(bad, &err), KPI_EUSAGE);
	assert_contains(err.message, "newer");
	free(bad);
	bad = replace(good, "kpi-alert-ledger", "something-else");
	assert_int_equal(parse_text(bad, &err), KPI_EDATA);
	free(bad);
	assert_int_equal(parse_text("", &err), KPI_EDATA);
	assert_int_equal(parse_text("[]", &err), KPI_EDATA);
	/* a NUL byte (which jansson would skip after a number): its place */
	{
		kpi__ledger *nl = NULL;
		size_t n = strlen(good), at = (size_t)(strstr(good, "\"version\": 1") - good) + 12;
		char *nul = malloc(n + 1);
		memcpy(nul, good, at);
		nul[at] = '\0';
		memcpy(nul + at + 1, good + at, n - at);
		assert_int_equal(kpi__ledger_parse(&nl, nul, n + 1, &err), KPI_EDATA);
		assert_null(nl);
		free(nul);
		assert_contains(err.message, "not valid JSON (");
		assert_contains(err.message, ": a NUL byte)");
	}
	free(good);
	kpi__ledger_free(l);
}

static void test_ledger__valid_checksum_but_malformed_record_is_rejected(void **state)
{
	kpi__ledger *l = sample_ledger();
	kpi_error err = KPI_ERROR_INIT;
	json_t *top, *body;
	char *text, sha[65], *d;
	(void)state;

	text = serialize(l);
	top = json_loads(text, 0, NULL);
	body = json_object_get(top, "body");
	json_object_set_new(json_array_get(json_object_get(body, "alerts"), 0), "state", json_string("exploded"));
	d = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	kpi_sha256_hex(sha, d, strlen(d));
	json_object_set_new(top, "sha256", json_string(sha));
	free(d);
	free(text);
	text = json_dumps(top, 0);
	assert_int_equal(parse_text(text, &err), KPI_EDATA);
	assert_string_equal(err.message, "ledger alerts[0]: 'state' has an unknown value");
	free(text);
	json_decref(top);
	kpi__ledger_free(l);
}

static void test_ledger__save_is_atomic_and_readable(void **state)
{
	char dir[] = "/tmp/kpi-unit-ledger.XXXXXX", path[128];
	kpi__ledger *l = sample_ledger(), *back = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char *text;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ledger.json", dir);
	assert_int_equal(kpi__ledger_save(path, l, T0 + 60, &err), 0);
	assert_int_equal(kpi__ledger_save(path, l, T0 + 120, &err), 0);
	text = slurp(path);
	assert_int_equal(kpi__ledger_parse(&back, text, strlen(text), &err), 0);
	assert_true(back->seq == 2);
	assert_true(back->updated == T0 + 120);
	free(text);
	unlink(path);
	rmdir(dir);
	kpi__ledger_free(l);
	kpi__ledger_free(back);
}

static void test_ledger__prune_never_drops_pending(void **state)
{
	kpi__ledger *l = kpi__ledger_new();
	(void)state;
	for (int i = 0; i < 10; i++) {
		kpi__outbox_entry *e = kpi__ledger_enqueue(l);
		char id[16];
		snprintf(id, sizeof(id), "e%d", i);
		e->id = strdup(id);
		e->sink = strdup("s");
		e->dedupe_key = strdup(id);
		e->action = strdup("trigger");
		e->notification = json_object();
		e->status = i < 4 ? KPI__ENTRY_PENDING : i < 7 ? KPI__ENTRY_DELIVERED : KPI__ENTRY_FAILED;
		e->done = e->status == KPI__ENTRY_PENDING ? 0 : T0 + i;
	}
	/* delivered ones older than a day go */
	kpi__ledger_prune(l, T0 + 86400 + 5, 86400, 100);
	assert_int_equal(l->nout, 9); /* e4 (done T0+4) is older than a day */
	kpi__ledger_prune(l, T0 + 10, 86400, 5);
	assert_int_equal(l->nout, 5);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(l->outbox[i].status, KPI__ENTRY_PENDING);
	kpi__ledger_prune(l, T0 + 10, 86400, 1);
	assert_int_equal(l->nout, 4); /* all pending stay */
	kpi__ledger_free(l);
}

/* The state directory as the environment `envp` (when the config was
 * loaded) gives it. */
static char *state_dir_in(const char *const *envp, const char *opt, const char *configured)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char *d;
	assert_int_equal(kpi_config_load_env(&cfg, NULL, envp, &err), 0);
	d = kpi__state_dir_resolve(cfg, opt, configured);
	kpi_config_free(cfg);
	return d;
}

static void test_state_dir__resolution_order(void **state)
{
	const char *const xdg[] = { "XDG_STATE_HOME=/x/state", "HOME=/home/u", NULL };
	const char *const env[] = { "KPI_STATE_DIR=/env/dir", "XDG_STATE_HOME=/x/state", "HOME=/home/u", NULL };
	const char *const rel[] = { "XDG_STATE_HOME=relative", "HOME=/home/u", NULL };
	char *d;
	(void)state;
	d = state_dir_in(xdg, NULL, NULL);
	assert_string_equal(d, "/x/state/kpi");
	free(d);
	d = state_dir_in(xdg, NULL, "/etc/kpi/state");
	assert_string_equal(d, "/etc/kpi/state");
	free(d);
	d = state_dir_in(env, NULL, "/etc/kpi/state");
	assert_string_equal(d, "/env/dir");
	free(d);
	d = state_dir_in(env, "/opt/dir", "/etc/kpi/state");
	assert_string_equal(d, "/opt/dir");
	free(d);
	d = state_dir_in(rel, NULL, NULL); /* a relative XDG_STATE_HOME is invalid: ignored */
	assert_string_equal(d, "/home/u/.local/state/kpi");
	free(d);
}

static void test_state_dir__prepare_makes_0700_and_rejects_a_file(void **state)
{
	char dir[] = "/tmp/kpi-unit-state.XXXXXX", sub[128], file[128], bad[160];
	struct stat st;
	kpi_error err = KPI_ERROR_INIT;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	assert_int_equal(kpi__state_dir_prepare(sub, &err), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(file, sizeof(file), "%s/file", dir);
	f = fopen(file, "w");
	fclose(f);
	snprintf(bad, sizeof(bad), "%s/state", file);
	assert_int_equal(kpi__state_dir_prepare(bad, &err), KPI_EIO);
	assert_contains(err.message, "is not usable");
	assert_contains(err.message, "Not a directory");
	unlink(file);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	rmdir(sub);
	rmdir(dir);
}

/* root in a state directory another user owns (the package's kpi, after
 * "kpi silence add" typed in a root shell): refused before it creates a file
 * there that the user's own runs could not open any more. */
static void test_state_dir__root_refuses_another_users_directory(void **state)
{
	char dir[] = "/tmp/kpi-unit-owner.XXXXXX";
	kpi_error err = KPI_ERROR_INIT;
	DIR *d;
	struct dirent *e;
	size_t n = 0;
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(kpi__state_dir_prepare(dir, &err), KPI_EIO);
	assert_contains(err.message, "belongs to user ");
	assert_contains(err.message, "run kpi as that user (runuser -u ");
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	assert_int_equal(n, 0); /* nothing created */
	/* its own directory, as before */
	assert_int_equal(chown(dir, 0, 0), 0);
	kpi_error_clear(&err);
	assert_int_equal(kpi__state_dir_prepare(dir, &err), 0);
	rmdir(dir);
}

static void test_lock__second_holder_times_out_with_the_pid(void **state)
{
	char dir[] = "/tmp/kpi-unit-lock.XXXXXX", lock[128], pid[32];
	kpi_error err = KPI_ERROR_INIT;
	kpi__lock_holder me = { (long)getpid(), (int64_t)time(NULL) - 90, 240 }, h;
	int a = -1, b = -1;
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(kpi__alert_lock(&a, dir, "lock", 1, &me, NULL, &err), 0);
	/* flock locks belong to the open file description: a second open conflicts */
	assert_int_equal(kpi__alert_lock(&b, dir, "lock", 0.2, NULL, &h, &err), KPI_ETIMEOUT);
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	assert_contains(err.message, pid);
	assert_contains(err.message, "lock_wait_seconds");
	/* what the holder wrote: its pid, start and deadline */
	assert_contains(err.message, " for 1m 3"); /* 30 s or 31 s, as the clock ticks */
	assert_contains(err.message, "s of its 4m deadline)");
	assert_int_equal(h.pid, me.pid);
	assert_int_equal(h.started, me.started);
	assert_true(h.deadline == 240);
	close(a);
	assert_int_equal(kpi__alert_lock(&b, dir, "lock", 0.2, NULL, NULL, &err), 0);
	close(b);
	snprintf(lock, sizeof(lock), "%s/lock", dir);
	unlink(lock);
	rmdir(dir);
}

/* The lock file's text: the current format, the one before run deadlines
 * ("PID\n"), and nonsense (nothing known). */
static void test_lock__holder_parse(void **state)
{
	kpi__lock_holder h;
	(void)state;
	kpi__lock_holder_parse(&h, "pid=1234 started=2026-11-16T08:00:00Z deadline_seconds=240\n");
	assert_int_equal(h.pid, 1234);
	assert_int_equal(h.started, 1794816000);
	assert_true(h.deadline == 240);
	kpi__lock_holder_parse(&h, "4321\n");
	assert_int_equal(h.pid, 4321);
	assert_int_equal(h.started, 0);
	assert_true(h.deadline == 0);
	kpi__lock_holder_parse(&h, "garbage started=yesterday deadline_seconds=-1");
	assert_int_equal(h.pid, 0);
	assert_int_equal(h.started, 0);
	assert_true(h.deadline == 0);
	kpi__lock_holder_parse(&h, "");
	assert_int_equal(h.pid, 0);
}

/* The temp files of killed runs in the state directory go (their PIDs are
 * gone); a live run's stay, and so do files that only look alike. */
static void test_state__temp_files_of_killed_runs_are_removed(void **state)
{
	char dir[] = "/tmp/kpi-unit-temps.XXXXXX", p[5][160], ledger[128];
	const char *names[5] = { "ledger.json.tmp.%ld", "outbox.json.tmp.%ld", "ledger.json.tmp.%ld", "notes.tmp.x%ld",
		                 ".tmp.%ld" };
	pid_t dead, live = getpid();
	int st;
	(void)state;
	assert_non_null(mkdtemp(dir));
	fflush(NULL);
	dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, &st, 0), dead);
	for (int i = 0; i < 5; i++) {
		char name[64];
		FILE *f;
		snprintf(name, sizeof(name), names[i], (long)(i == 2 ? live : dead));
		snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
		assert_non_null(f = fopen(p[i], "w"));
		fclose(f);
	}
	snprintf(ledger, sizeof(ledger), "%s/ledger.json", dir);
	kpi__ledger_clean_temp(ledger, KPI__LEDGER_ALERT);
	assert_int_equal(access(p[0], F_OK), -1); /* the killed run's ledger and outbox */
	assert_int_equal(access(p[1], F_OK), -1);
	assert_int_equal(access(p[2], F_OK), 0);  /* a live run's */
	assert_int_equal(access(p[3], F_OK), 0);  /* not kpi's names */
	assert_int_equal(access(p[4], F_OK), 0);
	for (int i = 2; i < 5; i++)
		unlink(p[i]);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- Nagios lines ---- */

static char *nagios(kpi_alert_state to, kpi_alert_severity sev, const char *kpi, const char *labels, double v,
                    const char *unit, kpi_op op, double target, double warn, const char *note)
{
	kpi_alert_change c;
	kpi_buf b = KPI_BUF_INIT;
	memset(&c, 0, sizeof(c));
	c.kpi = (char *)kpi;
	c.labels = (char *)labels;
	c.to = to;
	c.severity = sev;
	c.has_value = true;
	c.value = v;
	c.unit = (char *)unit;
	c.threshold.op = op;
	c.threshold.target = target;
	c.threshold.warn_margin = warn;
	c.note = (char *)note;
	assert_int_equal(kpi__nagios_line(&b, &c), 0);
	return b.data;
}

static void test_nagios__lines_with_perfdata(void **state)
{
	char *s;
	(void)state;
	s = nagios(KPI_ALERT_FIRING, KPI_ALERT_SEV_CRITICAL, "uncached_legacy_max_age_days", "", 9.5, "d", KPI_OP_LE, 7,
	           0, "");
	assert_string_equal(s, "KPI CRITICAL - uncached_legacy_max_age_days 9.5 d > 7 d | uncached_legacy_max_age_days=9.5;;7");
	free(s);
	s = nagios(KPI_ALERT_OK, KPI_ALERT_SEV_CRITICAL, "uncached_legacy_max_age_days", "", 3.25, "d", KPI_OP_LE, 7, 1,
	           "resolved after 2h");
	assert_string_equal(s, "KPI OK - uncached_legacy_max_age_days 3.25 d <= 7 d (resolved after 2h) | "
	                       "uncached_legacy_max_age_days=3.25;6;7");
	free(s);
	s = nagios(KPI_ALERT_FIRING, KPI_ALERT_SEV_WARNING, "export_success_rate", "path=owned", 97.333333333333329, "%",
	           KPI_OP_GE, 99, 0.5, "");
	assert_string_equal(s, "KPI WARNING - export_success_rate[path=owned] 97.33% < 99% | "
	                       "export_success_rate[path:owned]=97.33333333333333%;99.5:;99:");
	free(s);
	s = nagios(KPI_ALERT_PENDING, KPI_ALERT_SEV_CRITICAL, "routing_mismatch_critical", "", 3, "count", KPI_OP_EQ, 0, 0,
	           "pending 1 of 3");
	assert_string_equal(s, "KPI WARNING - routing_mismatch_critical 3 != 0 (pending 1 of 3) | routing_mismatch_critical=3;;0:0");
	free(s);
	s = nagios(KPI_ALERT_FIRING, KPI_ALERT_SEV_CRITICAL, "job_latency_seconds", "kind=export,path=owned,stat=p95", 1234.5,
	           "s", KPI_OP_LE, 600, 0, "");
	assert_string_equal(s, "KPI CRITICAL - job_latency_seconds[kind=export,path=owned,stat=p95] 1234.5 s > 600 s | "
	                       "job_latency_seconds[kind:export,path:owned,stat:p95]=1234.5s;;600");
	free(s);
	/* huge values as the perfdata writes them, never a 309-digit "%.0f" cut short */
	s = nagios(KPI_ALERT_FIRING, KPI_ALERT_SEV_CRITICAL, "sqs_queue_depth", "", 1.7976931348623157e308, "count",
	           KPI_OP_LE, 1e15, 0, "");
	assert_string_equal(s, "KPI CRITICAL - sqs_queue_depth 1.7976931348623157e+308 > 1e+15 | "
	                       "sqs_queue_depth=1.7976931348623157e+308;;1e+15");
	free(s);
	s = nagios(KPI_ALERT_OK, KPI_ALERT_SEV_CRITICAL, "sqs_queue_depth", "", 999999999999999, "count", KPI_OP_LE, 1e15,
	           0, "");
	assert_string_equal(s, "KPI OK - sqs_queue_depth 999999999999999 <= 1e+15 | sqs_queue_depth=999999999999999;;1e+15");
	free(s);
}

static void test_nagios__report_summary_when_nothing_changed(void **state)
{
	kpi_alert_report rep;
	kpi_buf b = KPI_BUF_INIT;
	char *p[] = { "cannot read the data: boom" };
	(void)state;
	memset(&rep, 0, sizeof(rep));
	rep.rows = 6;
	rep.firing = 1;
	rep.exit_code = 2;
	assert_int_equal(kpi_alert_format(&b, &rep, NULL), 0);
	assert_string_equal(b.data, "KPI CRITICAL - no change: 6 rows checked, 1 firing, 0 pending, 0 warn, 0 queued | "
	                            "firing=1;;;0 pending=0;;;0 queued=0;;;0\n");
	kpi_buf_release(&b);
	{
		/* what is not ok named as the change lines name it: three, then "and N more" */
		kpi_alert_change act[5] = {
			{ "uncached_legacy_max_age_days", "", KPI_ALERT_FIRING, KPI_ALERT_FIRING, KPI_ALERT_SEV_CRITICAL, true,
			  9, "d", { KPI_OP_LE, 7, 0 }, "firing" },
			{ "export_success_rate", "path=owned", KPI_ALERT_PENDING, KPI_ALERT_PENDING, KPI_ALERT_SEV_ERROR, true,
			  97.5, "%", { KPI_OP_GE, 99, 0 }, "pending 1 of 3" },
			{ "queue_backlog", "kind=export", KPI_ALERT_WARN, KPI_ALERT_WARN, KPI_ALERT_SEV_WARNING, true, 90,
			  "count", { KPI_OP_LE, 100, 20 }, "warn" },
			{ "queue_backlog", "kind=preview", KPI_ALERT_WARN, KPI_ALERT_WARN, KPI_ALERT_SEV_WARNING, true, 95,
			  "count", { KPI_OP_LE, 100, 20 }, "warn" },
			{ "sqs_queue_depth", "", KPI_ALERT_WARN, KPI_ALERT_WARN, KPI_ALERT_SEV_WARNING, true, 9, "count",
			  { KPI_OP_LE, 10, 2 }, "warn" },
		};
		rep.active = act;
		rep.nactive = 5;
		rep.pending = 1;
		rep.warn = 3;
		assert_int_equal(kpi_alert_format(&b, &rep, NULL), 0);
		assert_string_equal(b.data, "KPI CRITICAL - no change: uncached_legacy_max_age_days 9 d > 7 d (firing), "
		                            "export_success_rate[path=owned] 97.5% < 99% (pending 1 of 3), "
		                            "queue_backlog[kind=export] 90 <= 100 (warn) and 2 more; "
		                            "6 rows checked, 1 firing, 1 pending, 3 warn, 0 queued | "
		                            "firing=1;;;0 pending=1;;;0 queued=0;;;0\n");
		kpi_buf_release(&b);
		rep.nactive = 1;
		assert_int_equal(kpi_alert_format(&b, &rep, NULL), 0);
		assert_string_equal(b.data, "KPI CRITICAL - no change: uncached_legacy_max_age_days 9 d > 7 d (firing); "
		                            "6 rows checked, 1 firing, 1 pending, 3 warn, 0 queued | "
		                            "firing=1;;;0 pending=1;;;0 queued=0;;;0\n");
		kpi_buf_release(&b);
		rep.active = NULL;
		rep.nactive = 0;
	}
	rep.problems = p;
	rep.nproblems = 1;
	rep.exit_code = 3;
	assert_int_equal(kpi_alert_format(&b, &rep, NULL), 0);
	assert_string_equal(b.data, "KPI UNKNOWN - cannot read the data: boom\n");
	kpi_buf_release(&b);
}

/* ---- durations, rules, settings, scrubbing ---- */

static void test_duration__parse_and_format(void **state)
{
	int64_t d;
	char buf[32];
	json_t *v;
	(void)state;
	const char *good[] = { "90s", "15m", "1h", "24h", "7d", "1.5h" };
	const int64_t want[] = { 90, 900, 3600, 86400, 604800, 5400 };
	for (size_t i = 0; i < 6; i++) {
		v = json_string(good[i]);
		assert_int_equal(kpi__duration_parse(&d, v), 0);
		assert_true(d == want[i]);
		json_decref(v);
	}
	v = json_integer(300);
	assert_int_equal(kpi__duration_parse(&d, v), 0);
	assert_true(d == 300);
	json_decref(v);
	const char *bad[] = { "", "h", "1", "1 h", "-1h", "1w", "1hh" };
	for (size_t i = 0; i < 7; i++) {
		v = json_string(bad[i]);
		assert_int_equal(kpi__duration_parse(&d, v), -1);
		json_decref(v);
	}
	assert_string_equal(kpi__duration_format(buf, sizeof(buf), 0), "0s");
	assert_string_equal(kpi__duration_format(buf, sizeof(buf), 45), "45s");
	assert_string_equal(kpi__duration_format(buf, sizeof(buf), 5400), "1h 30m");
	assert_string_equal(kpi__duration_format(buf, sizeof(buf), 4 * 3600), "4h");
	assert_string_equal(kpi__duration_format(buf, sizeof(buf), 9 * 86400 + 3 * 3600 + 60), "9d 3h");
}

static void test_rule_parse__keys_and_errors(void **state)
{
	kpi_def flow, st;
	kpi__alert_rule r;
	kpi_error err = KPI_ERROR_INIT;
	json_t *o;
	(void)state;
	memset(&flow, 0, sizeof(flow));
	memset(&st, 0, sizeof(st));
	st.state = true;
	memset(&r, 0, sizeof(r));
	r.def = &flow;
	o = json_loads("{\"severity\": \"warning\", \"trailing\": \"24h\", \"for\": 2, \"repeat_interval\": \"1h\","
	               " \"recovery_margin\": 0.5, \"min_denominator\": 20, \"runbook\": \"x\"}", 0, NULL);
	assert_int_equal(kpi__alert_rule_parse(&r, o, "here", &err), 0);
	assert_int_equal(r.severity, KPI_ALERT_SEV_WARNING);
	assert_true(r.trailing == 86400);
	assert_int_equal(r.for_runs, 2);
	assert_true(r.repeat == 3600);
	assert_double_equal(r.recovery_margin, 0.5);
	assert_double_equal(r.min_denominator, 20);
	assert_string_equal(r.runbook, "x");
	free(r.runbook);
	json_decref(o);
	{
		const char *bad[] = { "{\"severity\": \"info\"}", "{\"trailing\": \"8d\"}", "{\"for\": -1}",
			              "{\"repeat_interval\": \"soon\"}", "{\"recovery_margin\": -1}", "{\"sevrity\": \"warning\"}" };
		for (size_t i = 0; i < 6; i++) {
			memset(&r, 0, sizeof(r));
			r.def = &flow;
			o = json_loads(bad[i], 0, NULL);
			assert_int_equal(kpi__alert_rule_parse(&r, o, "catalogue c: KPI k", &err), KPI_ECONFIG);
			assert_contains(err.message, "catalogue c: KPI k: ");
			json_decref(o);
		}
	}
	/* 0 means never, as a number or a string, as the docs and the message say */
	{
		const char *never[] = { "{\"repeat_interval\": 0}", "{\"repeat_interval\": \"0\"}" };
		for (size_t i = 0; i < 2; i++) {
			memset(&r, 0, sizeof(r));
			r.def = &flow;
			r.repeat = 99;
			o = json_loads(never[i], 0, NULL);
			assert_int_equal(kpi__alert_rule_parse(&r, o, "k", &err), 0);
			assert_true(r.repeat == 0);
			json_decref(o);
		}
		memset(&r, 0, sizeof(r));
		r.def = &flow;
		o = json_loads("{\"repeat_interval\": \"0x\"}", 0, NULL);
		assert_int_equal(kpi__alert_rule_parse(&r, o, "k", &err), KPI_ECONFIG);
		assert_string_equal(err.message, "k: alert repeat_interval must be a duration (\"4h\", \"30m\") or 0 (never repeat)");
		json_decref(o);
	}
	memset(&r, 0, sizeof(r));
	r.def = &st;
	o = json_loads("{\"trailing\": \"1h\"}", 0, NULL);
	assert_int_equal(kpi__alert_rule_parse(&r, o, "k", &err), KPI_ECONFIG);
	assert_contains(err.message, "flow KPIs only");
	json_decref(o);
}

/* Settings from a config text over the shipped catalogue; the rules point
 * into the catalogue, so the caller frees it (*cat) after the settings. */
static kpi__alert_settings *settings_from(const char *json, kpi_catalog **cat, kpi_error *err, int *rc)
{
	char dir[] = "/tmp/kpi-unit-cfg.XXXXXX", path[128];
	kpi_config *cfg = NULL;
	kpi__alert_settings *st = NULL;
	FILE *f;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.json", dir);
	f = fopen(path, "w");
	fputs(json, f);
	fclose(f);
	setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	kpi_catalog_free(*cat);
	*cat = NULL;
	assert_int_equal(kpi_config_load(&cfg, path, err), 0);
	assert_int_equal(kpi_catalog_load(cat, cfg->catalog_path, err), 0);
	*rc = kpi__alert_settings_load(&st, cfg, *cat, err);
	kpi_config_free(cfg);
	unlink(path);
	rmdir(dir);
	return st;
}

/* Where a sink delivers, as its type says (static buffer). */
static const char *where_of(const kpi__sink *s)
{
	static char buf[1024];
	s->type->where(buf, sizeof(buf), s->state);
	return buf;
}

static void test_settings__sinks_secrets_from_environment(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi__alert_settings *st;
	kpi_catalog *cat = NULL;
	int rc;
	(void)state;
	unsetenv("KPI_TEST_ROUTING_KEY");
	st = settings_from("{\"alert\": {\"sinks\": {\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": "
	                   "\"KPI_TEST_ROUTING_KEY\"}}}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_null(st);
	assert_contains(err.message, "environment variable KPI_TEST_ROUTING_KEY is not set");
	assert_contains(err.message, ":1:"); /* file:line:col */
	/* as systemd reads "KPI_TEST_ROUTING_KEY=R0UT1NGKEY-secret   # pd" from an
	 * EnvironmentFile: refused, naming the variable, never the value */
	{
		static const char *const bad[] = { "R0UT1NGKEY-secret   # pd", "R0UT1NGKEY-secret ", " R0UT1NGKEY-secret",
		                                   "R0UT1NGKEY-secret\t#" };
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			kpi_error_clear(&err);
			setenv("KPI_TEST_ROUTING_KEY", bad[i], 1);
			st = settings_from("{\"alert\": {\"sinks\": {\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": "
			                   "\"KPI_TEST_ROUTING_KEY\"}}}}", &cat, &err, &rc);
			assert_int_equal(rc, KPI_ECONFIG);
			assert_null(st);
			assert_contains(err.message, "environment variable KPI_TEST_ROUTING_KEY holds its routing key with blanks");
			assert_contains(err.message, "put comments on lines of their own");
			assert_null(strstr(err.message, "R0UT1NGKEY"));
		}
	}
	setenv("KPI_TEST_ROUTING_KEY", "R0UT1NGKEY-secret", 1);
	setenv("KPI_TEST_HOOK", "https://hooks.example.com/T000/B000/s3cr3t", 1);
	st = settings_from("{\"alert\": {\"dedupe_prefix\": \"site-a\", \"sinks\": {"
	                   "\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": \"KPI_TEST_ROUTING_KEY\", \"min_severity\": \"critical\"},"
	                   "\"hook\": {\"type\": \"webhook\", \"url_env\": \"KPI_TEST_HOOK\", \"timeout_seconds\": 2},"
	                   "\"cmd\": {\"type\": \"command\", \"argv\": [\"/bin/cat\", \"-u\"]}}}}", &cat, &err, &rc);
	if (rc)
		fail_msg("%s", err.message);
	assert_int_equal(st->nsinks, 3);
	assert_string_equal(st->sinks[0].type->name, "pagerduty");
	assert_string_equal(where_of(&st->sinks[0]), "https://events.pagerduty.com/v2/enqueue");
	assert_int_equal(st->sinks[0].min_severity, KPI_ALERT_SEV_CRITICAL);
	assert_int_equal(st->sinks[1].timeout_ms, 2000);
	assert_string_equal(where_of(&st->sinks[1]), "the URL in $KPI_TEST_HOOK"); /* never the URL itself */
	assert_string_equal(where_of(&st->sinks[2]), "/bin/cat");
	assert_true(st->sinks[0].type->test_resolves && !st->sinks[1].type->test_resolves);
	assert_string_equal(st->dedupe_prefix, "site-a");
	/* the shipped catalogue's alerting KPIs */
	assert_int_equal(st->nrules, 12); /* 5 Postgres, 4 CloudWatch (API, hosts), 3 SLO burn-rate alerts */
	{
		char msg[256] = "401 for R0UT1NGKEY-secret at https://hooks.example.com/T000/B000/s3cr3t";
		kpi__alert_redact(st, msg, sizeof(msg));
		assert_string_equal(msg, "401 for [redacted] at [redacted]");
	}
	kpi__alert_settings_free(st);
	/* a secret in the file itself is refused, naming the way to do it */
	st = settings_from("{\"alert\": {\"sinks\": {\"s\": {\"type\": \"slack\", \"url\": \"https://hooks.slack.com/x\"}}}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_contains(err.message, "would put a secret in the config file");
	st = settings_from("{\"alert\": {\"sinks\": {\"s\": {\"type\": \"carrier-pigeon\"}}}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	/* the registry's types, in registration order */
	assert_contains(err.message, "type must be pagerduty, slack, webhook, sns, command or alertmanager");
	/* a key of another type is unknown to this one */
	st = settings_from("{\"alert\": {\"sinks\": {\"c\": {\"type\": \"command\", \"argv\": [\"true\"], \"topic_arn\": \"x\"}}}}",
	                   &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_contains(err.message, "sink 'c' (command): unknown key 'topic_arn'");
	unsetenv("KPI_TEST_ROUTING_KEY");
	unsetenv("KPI_TEST_HOOK");
	kpi_catalog_free(cat);
}

/* alert.run_deadline_seconds: 240 by default; the file's value, the
 * environment's over it; one that leaves no room for the lock wait, a
 * database answer (statement_timeout + 5 s), delivery and the 2 s reserve
 * is refused, naming where it comes from and the minimum. */
static void test_settings__run_deadline(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi__alert_settings *st;
	kpi_catalog *cat = NULL;
	int rc;
	(void)state;
	unsetenv("KPI_ALERT_RUN_DEADLINE_SECONDS");
	unsetenv("KPI_STATEMENT_TIMEOUT_MS");
	st = settings_from("{\"alert\": {}}", &cat, &err, &rc);
	assert_int_equal(rc, 0);
	assert_true(st->run_deadline == 240);
	kpi__alert_settings_free(st);
	st = settings_from("{\"alert\": {\"run_deadline_seconds\": 170}}", &cat, &err, &rc);
	assert_int_equal(rc, 0);
	assert_true(st->run_deadline == 170);
	kpi__alert_settings_free(st);
	/* 60 lock wait + 60 + 5 database + 30 delivery + 2 = 157 */
	st = settings_from("{\"alert\": {\"run_deadline_seconds\": 150}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_null(st);
	assert_contains(err.message, ":1:"); /* file:line:col */
	assert_contains(err.message, "alert.run_deadline_seconds 150 leaves no room for the lock wait");
	assert_contains(err.message, "it must be at least 157");
	setenv("KPI_ALERT_RUN_DEADLINE_SECONDS", "100", 1);
	st = settings_from("{\"alert\": {\"run_deadline_seconds\": 170}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_contains(err.message, "environment KPI_ALERT_RUN_DEADLINE_SECONDS: run_deadline_seconds 100");
	setenv("KPI_ALERT_RUN_DEADLINE_SECONDS", "20", 1);
	st = settings_from("{\"database\": {\"statement_timeout_ms\": 2000}, \"alert\": {\"lock_wait_seconds\": 1, "
	                   "\"delivery_deadline_seconds\": 2}}", &cat, &err, &rc);
	if (rc)
		fail_msg("%s", err.message);
	assert_true(st->run_deadline == 20);
	kpi__alert_settings_free(st);
	/* the default too must leave the room */
	unsetenv("KPI_ALERT_RUN_DEADLINE_SECONDS");
	st = settings_from("{\"database\": {\"statement_timeout_ms\": 600000}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_contains(err.message, "(the default; set alert.run_deadline_seconds)");
	kpi_catalog_free(cat);
}

/* alert.undelivered_after (kpi alert --require-delivery): 10 minutes by
 * default, a duration from 1s to 7d. */
static void test_settings__undelivered_after(void **state)
{
	const char *bad[] = { "0", "\"0\"", "\"soon\"", "\"8d\"", "-5" };
	kpi_error err = KPI_ERROR_INIT;
	kpi__alert_settings *st;
	kpi_catalog *cat = NULL;
	char cfg[256];
	int rc;
	(void)state;
	st = settings_from("{}", &cat, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(st->undelivered_after, 600);
	kpi__alert_settings_free(st);
	st = settings_from("{\"alert\": {\"undelivered_after\": \"30m\"}}", &cat, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(st->undelivered_after, 1800);
	kpi__alert_settings_free(st);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cfg, sizeof(cfg), "{\"alert\": {\"undelivered_after\": %s}}", bad[i]);
		st = settings_from(cfg, &cat, &err, &rc);
		if (rc != KPI_ECONFIG)
			fail_msg("undelivered_after %s: accepted", bad[i]);
		assert_null(st);
		assert_contains(err.message, "alert.undelivered_after must be a duration from 1s to 7d");
		assert_contains(err.message, ":1:");
	}
	kpi_catalog_free(cat);
}

/* The Alertmanager sink's keys: base URLs (not secret), credentials from
 * the environment only (the encoded basic credentials scrubbed too). */
static void test_settings__alertmanager_sink_keys_and_secrets(void **state)
{
	static const struct {
		const char *sink;
		const char *error;
	} bad[] = {
		{ "{\"type\": \"alertmanager\"}", "sink 'am' (alertmanager): urls must be an array of 1 to 16" },
		{ "{\"type\": \"alertmanager\", \"urls\": []}", "urls must be an array" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"am:9093\"]}", "sink 'am' (alertmanager): urls must start with https://" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://kpi:pw@am:9093\"]}", "a user:password@ in urls would put a secret" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"bearer_token\": \"t0k3n\"}",
		  "sink 'am': 'bearer_token' would put a secret in the config file; name the environment variable that "
		  "holds it (bearer_token_env)" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"basic_auth_password\": \"pw\"}", "(basic_auth_password_env)" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"basic_auth_password_env\": \"KPI_TEST_AM_PASSWORD\"}",
		  "basic_auth_password_env needs basic_auth_user" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"basic_auth_user\": \"kpi\", \"basic_auth_password_env\": "
		  "\"KPI_TEST_AM_PASSWORD\", \"bearer_token_env\": \"KPI_TEST_AM_TOKEN\"}",
		  "basic auth or a bearer token, not both" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"bearer_token_env\": \"KPI_TEST_AM_UNSET\"}",
		  "sink 'am': environment variable KPI_TEST_AM_UNSET is not set" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"resolve_timeout\": \"30s\"}",
		  "resolve_timeout must be a duration from 1m to 7d" },
		{ "{\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"generator_url\": \"grafana\"}",
		  "generator_url must start with https://" },
	};
	kpi_error err = KPI_ERROR_INIT;
	kpi__alert_settings *st;
	kpi_catalog *cat = NULL;
	char cfg[1024];
	int rc;
	(void)state;
	setenv("KPI_TEST_AM_PASSWORD", "am-s3cr3t-pass", 1);
	setenv("KPI_TEST_AM_TOKEN", "am-b3arer-t0ken", 1);
	unsetenv("KPI_TEST_AM_UNSET");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cfg, sizeof(cfg), "{\"alert\": {\"sinks\": {\"am\": %s}}}", bad[i].sink);
		st = settings_from(cfg, &cat, &err, &rc);
		if (rc != KPI_ECONFIG)
			fail_msg("case %zu: accepted", i);
		assert_null(st);
		assert_contains(err.message, bad[i].error);
		assert_contains(err.message, ":1:");
		assert_not_contains(err.message, "am-s3cr3t-pass");
	}
	st = settings_from("{\"alert\": {\"sinks\": {\"am\": {\"type\": \"alertmanager\", \"urls\": [\"http://am1:9093/\", "
	                   "\"https://am2.example.com/prefix\"], \"basic_auth_user\": \"kpi\", \"basic_auth_password_env\": "
	                   "\"KPI_TEST_AM_PASSWORD\", \"resolve_timeout\": \"30m\"},"
	                   " \"am2\": {\"type\": \"alertmanager\", \"urls\": [\"http://am\"], \"bearer_token_env\": \"KPI_TEST_AM_TOKEN\"}}}}",
	                   &cat, &err, &rc);
	if (rc)
		fail_msg("%s", err.message);
	assert_string_equal(st->sinks[0].type->name, "alertmanager");
	assert_string_equal(where_of(&st->sinks[0]),
	                    "http://am1:9093/api/v2/alerts, https://am2.example.com/prefix/api/v2/alerts");
	assert_true(st->sinks[0].type->refresh_every_run);
	assert_true(st->sinks[0].type->test_resolves);
	{
		/* base64("kpi:am-s3cr3t-pass"), the password and the token */
		char msg[256] = "401 Basic a3BpOmFtLXMzY3IzdC1wYXNz for am-s3cr3t-pass, Bearer am-b3arer-t0ken";
		kpi__alert_redact(st, msg, sizeof(msg));
		assert_string_equal(msg, "401 Basic [redacted] for [redacted], Bearer [redacted]");
	}
	kpi__alert_settings_free(st);
	unsetenv("KPI_TEST_AM_PASSWORD");
	unsetenv("KPI_TEST_AM_TOKEN");
	kpi_catalog_free(cat);
}

static void test_settings__rules_from_catalogue_and_overrides(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi__alert_settings *st;
	kpi_catalog *cat = NULL;
	int rc;
	(void)state;
	st = settings_from("{\"alert\": {\"kpis\": {\"legacy_coverage_pct\": {\"enabled\": false},"
	                   " \"uncached_legacy_max_age_days\": {\"for\": 1}}}}", &cat, &err, &rc);
	if (rc)
		fail_msg("%s", err.message);
	assert_int_equal(st->nrules, 11);
	for (size_t i = 0; i < st->nrules; i++) {
		assert_string_not_equal(st->rules[i].def->id, "legacy_coverage_pct");
		/* the SLO alerts: pages are critical, the ticket a warning, all in the runbook's "SLO alerts" */
		if (strncmp(st->rules[i].def->id, "api_slo_burn_", 13) == 0) {
			assert_int_equal(st->rules[i].severity, strstr(st->rules[i].def->id, "ticket") ? KPI_ALERT_SEV_WARNING
			                                                                             : KPI_ALERT_SEV_CRITICAL);
			assert_string_equal(st->rules[i].runbook, "slo-alerts");
		}
		if (strcmp(st->rules[i].def->id, "uncached_legacy_max_age_days") == 0) {
			assert_int_equal(st->rules[i].for_runs, 1);
			assert_int_equal(st->rules[i].severity, KPI_ALERT_SEV_CRITICAL);
			assert_string_equal(st->rules[i].runbook, "uncached-legacy-max-age-days");
		}
		if (strcmp(st->rules[i].def->id, "export_success_rate") == 0)
			assert_true(st->rules[i].trailing == 3600);
	}
	kpi__alert_settings_free(st);
	/* an informational KPI cannot alert */
	st = settings_from("{\"alert\": {\"kpis\": {\"adoption_split\": {\"severity\": \"warning\"}}}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_contains(err.message, "no threshold");
	st = settings_from("{\"alert\": {\"kpis\": {\"nope\": {}}}}", &cat, &err, &rc);
	assert_int_equal(rc, KPI_ECONFIG);
	assert_contains(err.message, "unknown KPI 'nope'");
	kpi_catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state__temp_files_of_killed_runs_are_removed),
		cmocka_unit_test(test_step__breach_triggers_once_then_repeats_after_interval),
		cmocka_unit_test(test_step__for_keeps_breach_pending_and_clears_without_notification),
		cmocka_unit_test(test_step__warn_is_a_state_without_notification),
		cmocka_unit_test(test_step__repeat_zero_never_repeats),
		cmocka_unit_test(test_step__source_monitor_fires_on_the_nth_failure),
		cmocka_unit_test(test_observe__recovery_margin_and_min_denominator),
		cmocka_unit_test(test_observe__no_data_and_not_applicable_hold),
		cmocka_unit_test(test_dedupe_key__stable_and_at_most_255),
		cmocka_unit_test(test_retry_at__follows_spec_backoff_with_jitter_bounds),
		cmocka_unit_test(test_template__placeholders_sections_and_literal),
		cmocka_unit_test(test_template__errors_name_file_and_line),
		cmocka_unit_test(test_template__shipped_templates_are_valid),
		cmocka_unit_test(test_ledger__round_trip_is_exact),
		cmocka_unit_test(test_ledger__corruption_is_detected),
		cmocka_unit_test(test_ledger__valid_checksum_but_malformed_record_is_rejected),
		cmocka_unit_test(test_ledger__save_is_atomic_and_readable),
		cmocka_unit_test(test_ledger__prune_never_drops_pending),
		cmocka_unit_test(test_state_dir__resolution_order),
		cmocka_unit_test(test_state_dir__prepare_makes_0700_and_rejects_a_file),
		cmocka_unit_test(test_state_dir__root_refuses_another_users_directory),
		cmocka_unit_test(test_lock__second_holder_times_out_with_the_pid),
		cmocka_unit_test(test_lock__holder_parse),
		cmocka_unit_test(test_nagios__lines_with_perfdata),
		cmocka_unit_test(test_nagios__report_summary_when_nothing_changed),
		cmocka_unit_test(test_duration__parse_and_format),
		cmocka_unit_test(test_rule_parse__keys_and_errors),
		cmocka_unit_test(test_settings__sinks_secrets_from_environment),
		cmocka_unit_test(test_settings__run_deadline),
		cmocka_unit_test(test_settings__undelivered_after),
		cmocka_unit_test(test_settings__alertmanager_sink_keys_and_secrets),
		cmocka_unit_test(test_settings__rules_from_catalogue_and_overrides),
	};
	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
