/*
 * Status per row and verdict per week (eval.c), on hand-built results over
 * the fixture catalogue tests/fixtures/unit/catalog_eval.json:
 *   gate_pct     gating, >= 95 (warn 1), missing=block, no labels
 *   gate_rate    gating, >= 99, missing=ignore, path in {legacy, owned}
 *   info_count   informational, kind in {preview, export}
 *   nongate_age  not gating, <= 7, missing=block
 *   drill_pct    gating, = 100, missing=ignore
 */
#include "unit.h"

/* ---- kpi_eval_status ---- */

static kpi_status st(kpi_op op, double target, double margin, double v)
{
	kpi_threshold th = { op, target, margin };
	return kpi_eval_status(&th, true, v, true);
}

static void expect_status(kpi_status got, kpi_status want, const char *what)
{
	if (got != want) {
		print_error("%s: status %s, expected %s\n", what, kpi_status_name(got), kpi_status_name(want));
		fail();
	}
}

static void test_eval_status__ge_at_above_below_target(void **state)
{
	(void)state;
	expect_status(st(KPI_OP_GE, 95, 0, 95), KPI_STATUS_OK, ">= 95 at 95");
	expect_status(st(KPI_OP_GE, 95, 0, 95.01), KPI_STATUS_OK, ">= 95 at 95.01");
	expect_status(st(KPI_OP_GE, 95, 0, 94.99), KPI_STATUS_BREACH, ">= 95 at 94.99");
}

static void test_eval_status__gt_at_above_below_target(void **state)
{
	(void)state;
	expect_status(st(KPI_OP_GT, 95, 0, 95), KPI_STATUS_BREACH, "> 95 at 95");
	expect_status(st(KPI_OP_GT, 95, 0, 95.01), KPI_STATUS_OK, "> 95 at 95.01");
	expect_status(st(KPI_OP_GT, 95, 0, 94.99), KPI_STATUS_BREACH, "> 95 at 94.99");
}

static void test_eval_status__le_at_above_below_target(void **state)
{
	(void)state;
	expect_status(st(KPI_OP_LE, 7, 0, 7), KPI_STATUS_OK, "<= 7 at 7");
	expect_status(st(KPI_OP_LE, 7, 0, 7.01), KPI_STATUS_BREACH, "<= 7 at 7.01");
	expect_status(st(KPI_OP_LE, 7, 0, 6.99), KPI_STATUS_OK, "<= 7 at 6.99");
}

static void test_eval_status__lt_at_above_below_target(void **state)
{
	(void)state;
	expect_status(st(KPI_OP_LT, 7, 0, 7), KPI_STATUS_BREACH, "< 7 at 7");
	expect_status(st(KPI_OP_LT, 7, 0, 7.01), KPI_STATUS_BREACH, "< 7 at 7.01");
	expect_status(st(KPI_OP_LT, 7, 0, 6.99), KPI_STATUS_OK, "< 7 at 6.99");
}

static void test_eval_status__eq_at_above_below_target(void **state)
{
	(void)state;
	expect_status(st(KPI_OP_EQ, 100, 0, 100), KPI_STATUS_OK, "= 100 at 100");
	expect_status(st(KPI_OP_EQ, 100, 0, 100.5), KPI_STATUS_BREACH, "= 100 at 100.5");
	expect_status(st(KPI_OP_EQ, 100, 0, 99.5), KPI_STATUS_BREACH, "= 100 at 99.5");
	expect_status(st(KPI_OP_EQ, 0, 0, 0), KPI_STATUS_OK, "= 0 at 0");
	expect_status(st(KPI_OP_EQ, 0, 0, 1), KPI_STATUS_BREACH, "= 0 at 1");
	/* A margin has no healthy side to apply to for '='. */
	expect_status(st(KPI_OP_EQ, 100, 5, 100), KPI_STATUS_OK, "= 100 (warn 5) at 100");
}

static void test_eval_status__warn_margin_above_a_lower_bound(void **state)
{
	(void)state;
	expect_status(st(KPI_OP_GE, 95, 1, 95), KPI_STATUS_WARN, ">= 95 warn 1 at 95");
	expect_status(st(KPI_OP_GE, 95, 1, 95.5), KPI_STATUS_WARN, ">= 95 warn 1 at 95.5");
	expect_status(st(KPI_OP_GE, 95, 1, 96), KPI_STATUS_OK, ">= 95 warn 1 at 96");
	expect_status(st(KPI_OP_GE, 95, 1, 94.5), KPI_STATUS_BREACH, ">= 95 warn 1 at 94.5");
	expect_status(st(KPI_OP_GT, 95, 1, 95.5), KPI_STATUS_WARN, "> 95 warn 1 at 95.5");
	expect_status(st(KPI_OP_GT, 95, 1, 95), KPI_STATUS_BREACH, "> 95 warn 1 at 95");
	expect_status(st(KPI_OP_GT, 95, 1, 97), KPI_STATUS_OK, "> 95 warn 1 at 97");
}

static void test_eval_status__warn_margin_below_an_upper_bound(void **state)
{
	(void)state;
	expect_status(st(KPI_OP_LE, 7, 1, 7), KPI_STATUS_WARN, "<= 7 warn 1 at 7");
	expect_status(st(KPI_OP_LE, 7, 1, 6.5), KPI_STATUS_WARN, "<= 7 warn 1 at 6.5");
	expect_status(st(KPI_OP_LE, 7, 1, 6), KPI_STATUS_OK, "<= 7 warn 1 at 6");
	expect_status(st(KPI_OP_LE, 7, 1, 7.5), KPI_STATUS_BREACH, "<= 7 warn 1 at 7.5");
	expect_status(st(KPI_OP_LT, 7, 1, 6.5), KPI_STATUS_WARN, "< 7 warn 1 at 6.5");
	expect_status(st(KPI_OP_LT, 7, 1, 7), KPI_STATUS_BREACH, "< 7 warn 1 at 7");
	expect_status(st(KPI_OP_LT, 7, 1, 2), KPI_STATUS_OK, "< 7 warn 1 at 2");
}

static void test_eval_status__no_value_is_no_data(void **state)
{
	kpi_threshold th = { KPI_OP_GE, 95, 0 };
	(void)state;
	expect_status(kpi_eval_status(&th, false, 0, true), KPI_STATUS_NO_DATA, "no value");
	/* A stale value behind has_value=false must be ignored. */
	expect_status(kpi_eval_status(&th, false, 10, true), KPI_STATUS_NO_DATA, "no value, stale 10");
	expect_status(kpi_eval_status(&th, false, 99, true), KPI_STATUS_NO_DATA, "no value, stale 99");
}

static void test_eval_status__nan_is_no_data(void **state)
{
	kpi_threshold th = { KPI_OP_LE, 7, 0 };
	(void)state;
	expect_status(kpi_eval_status(&th, true, NAN, true), KPI_STATUS_NO_DATA, "NaN <= 7");
	expect_status(kpi_eval_status(NULL, true, NAN, true), KPI_STATUS_NO_DATA, "NaN informational");
}

static void test_eval_status__not_applicable_wins_over_value(void **state)
{
	kpi_threshold th = { KPI_OP_EQ, 100, 0 };
	(void)state;
	expect_status(kpi_eval_status(&th, true, 50, false), KPI_STATUS_NOT_APPLICABLE, "breaching value");
	expect_status(kpi_eval_status(&th, true, 100, false), KPI_STATUS_NOT_APPLICABLE, "healthy value");
	expect_status(kpi_eval_status(&th, false, 0, false), KPI_STATUS_NOT_APPLICABLE, "no value");
}

static void test_eval_status__informational_with_value_is_ok(void **state)
{
	kpi_threshold none = { KPI_OP_NONE, 0, 0 };
	(void)state;
	expect_status(kpi_eval_status(&none, true, -1e9, true), KPI_STATUS_OK, "op none");
	expect_status(kpi_eval_status(NULL, true, 12345, true), KPI_STATUS_OK, "NULL threshold");
	expect_status(kpi_eval_status(&none, false, 0, true), KPI_STATUS_NO_DATA, "op none, no value");
}

static void test_status_name__round_trips_through_parse(void **state)
{
	static const char *const names[] = { "ok", "warn", "breach", "no_data", "not_applicable" };
	(void)state;
	for (int i = 0; i < 5; i++) {
		kpi_status s = (kpi_status)99;
		assert_int_equal(kpi_status_parse(&s, names[i]), 0);
		assert_string_equal(kpi_status_name(s), names[i]);
	}
	{
		kpi_status s;
		assert_int_equal(kpi_status_parse(&s, "OK"), KPI_EUSAGE);
		assert_int_equal(kpi_status_parse(&s, NULL), KPI_EUSAGE);
	}
}

/* ---- hand-built results ---- */

typedef struct fx {
	kpi_catalog *cat;
	kpi_result *res;
	kpi_verdict *verdicts;
	int nverdicts;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	kpi_error err = KPI_ERROR_INIT;

	if (!f)
		return -1;
	if (kpi_catalog_load(&f->cat, fixture("catalog_eval.json"), &err) != 0) {
		print_error("%s\n", err.message);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	kpi_verdicts_free(f->verdicts, (size_t)f->nverdicts);
	kpi_result_free(f->res);
	kpi_catalog_free(f->cat);
	free(f);
	return 0;
}

/* A value that meets the KPI's threshold with room to spare (status ok). */
static double healthy(const kpi_def *d)
{
	switch (d->threshold.op) {
	case KPI_OP_GE:
	case KPI_OP_GT: return d->threshold.target + d->threshold.warn_margin + 1;
	case KPI_OP_LE:
	case KPI_OP_LT: return d->threshold.target - d->threshold.warn_margin - 1;
	case KPI_OP_EQ: return d->threshold.target;
	default: return 42;
	}
}

/* A result over `nweeks` weeks ending with `last`, one series per catalogue
 * KPI, one row per week and label combination (last label fastest), every
 * row healthy. */
static kpi_result *build(fx *f, const char *last, int nweeks)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_result *res = calloc(1, sizeof(*res));

	assert_non_null(res);
	f->res = res;
	if (kpi_window_init(&res->window, last, nweeks, "UTC", utc(2026, 6, 1, 0, 0, 0), &err) != 0) {
		print_error("%s\n", err.message);
		fail();
	}
	res->read_at = utc(2026, 6, 1, 0, 0, 0);
	res->series = calloc(f->cat->nkpis, sizeof(kpi_series));
	assert_non_null(res->series);
	for (size_t i = 0; i < f->cat->nkpis; i++) {
		const kpi_def *d = &f->cat->kpis[i];
		kpi_series *s = &res->series[res->nseries++];
		size_t per = 1;

		assert_int_equal(kpi__series_init(s, d, &err), 0);
		for (size_t l = 0; l < d->nlabels; l++)
			per *= d->labels[l].nvalues;
		s->rows = calloc(per * (size_t)nweeks, sizeof(kpi_row));
		assert_non_null(s->rows);
		for (int w = 0; w < nweeks; w++)
			for (size_t k = 0; k < per; k++) {
				kpi_row *r = &s->rows[s->nrows++];
				size_t rem = k;
				r->period_start = res->window.starts[w];
				r->period_end = res->window.starts[w + 1];
				r->labels = calloc(d->nlabels ? d->nlabels : 1, sizeof(char *));
				assert_non_null(r->labels);
				for (size_t l = d->nlabels; l-- > 0;) {
					r->labels[l] = strdup(d->labels[l].values[rem % d->labels[l].nvalues]);
					rem /= d->labels[l].nvalues;
				}
				r->has_value = true;
				r->value = healthy(d);
				r->applicable = true;
			}
	}
	return res;
}

/* The row of KPI `id` in week `w` (index in the window) whose first label
 * is `label` (NULL: the KPI has no labels). */
static kpi_row *row(fx *f, const char *id, int w, const char *label)
{
	kpi_series *s = (kpi_series *)kpi_result_find(f->res, id);
	assert_non_null(s);
	for (size_t j = 0; j < s->nrows; j++) {
		kpi_row *r = &s->rows[j];
		if (r->period_start != f->res->window.starts[w])
			continue;
		if (!label || (s->nlabels && strcmp(r->labels[0], label) == 0))
			return r;
	}
	print_error("no row %s week %d label %s\n", id, w, label ? label : "-");
	fail();
	return NULL;
}

static void set_value(fx *f, const char *id, int w, const char *label, double v)
{
	kpi_row *r = row(f, id, w, label);
	r->has_value = true;
	r->value = v;
}

static void set_missing(fx *f, const char *id, int w, const char *label)
{
	kpi_row *r = row(f, id, w, label);
	r->has_value = false;
	r->value = 0;
}

static const kpi_verdict *evaluate(fx *f)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_eval_result(f->res);
	if (kpi_eval_verdicts(&f->verdicts, f->res, &err) != 0) {
		print_error("kpi_eval_verdicts: %s\n", err.message);
		fail();
	}
	f->nverdicts = f->res->window.nweeks;
	assert_non_null(f->verdicts);
	return f->verdicts;
}

static void expect_verdict(const kpi_verdict *v, kpi_verdict_kind want, size_t nreasons)
{
	if (v->verdict != want || v->nreasons != nreasons) {
		print_error("verdict %s with %zu reasons, expected %s with %zu\n", kpi_verdict_name(v->verdict),
		            v->nreasons, kpi_verdict_name(want), nreasons);
		for (size_t i = 0; i < v->nreasons; i++)
			print_error("  reason %s {%s} %s\n", v->reasons[i].kpi, v->reasons[i].labels,
			            kpi_status_name(v->reasons[i].status));
		fail();
	}
}

/* ---- kpi_eval_result ---- */

static void test_eval_result__sets_status_of_every_row(void **state)
{
	fx *f = *state;
	(void)build(f, "2026-W20", 2);
	set_value(f, "gate_pct", 1, NULL, 95.5);    /* warn */
	set_value(f, "gate_rate", 1, "owned", 98);  /* breach */
	set_missing(f, "info_count", 1, "export");   /* no_data */
	row(f, "drill_pct", 1, NULL)->applicable = false;
	/* Stale statuses must be overwritten. */
	for (size_t i = 0; i < f->res->nseries; i++)
		for (size_t j = 0; j < f->res->series[i].nrows; j++)
			f->res->series[i].rows[j].status = KPI_STATUS_BREACH;
	kpi_eval_result(f->res);
	expect_status(row(f, "gate_pct", 0, NULL)->status, KPI_STATUS_OK, "gate_pct w0");
	expect_status(row(f, "gate_pct", 1, NULL)->status, KPI_STATUS_WARN, "gate_pct w1");
	expect_status(row(f, "gate_rate", 1, "owned")->status, KPI_STATUS_BREACH, "gate_rate owned");
	expect_status(row(f, "gate_rate", 1, "legacy")->status, KPI_STATUS_OK, "gate_rate legacy");
	expect_status(row(f, "info_count", 1, "export")->status, KPI_STATUS_NO_DATA, "info export");
	expect_status(row(f, "info_count", 1, "preview")->status, KPI_STATUS_OK, "info preview");
	expect_status(row(f, "drill_pct", 1, NULL)->status, KPI_STATUS_NOT_APPLICABLE, "drill");
	expect_status(row(f, "nongate_age", 0, NULL)->status, KPI_STATUS_OK, "nongate");
}

/* ---- kpi_eval_verdicts ---- */

static void test_eval_verdicts__go_when_every_gating_row_is_healthy(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
	assert_true(v[0].period_start == utc(2026, 5, 11, 0, 0, 0));
	assert_int_equal(v[0].week.year, 2026);
	assert_int_equal(v[0].week.week, 20);
	assert_string_equal(kpi_verdict_name(v[0].verdict), "GO");
}

static void test_eval_verdicts__nogo_on_gating_breach_with_reason(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	const kpi_reason *r;
	(void)build(f, "2026-W20", 1);
	set_value(f, "gate_rate", 0, "owned", 97.25);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_NOGO, 1);
	assert_string_equal(kpi_verdict_name(v[0].verdict), "NO-GO");
	r = &v[0].reasons[0];
	assert_string_equal(r->kpi, "gate_rate");
	assert_string_equal(r->labels, "path=owned");
	assert_true(r->has_value);
	assert_double_equal(r->value, 97.25);
	expect_status(r->status, KPI_STATUS_BREACH, "reason");
	assert_non_null(r->threshold);
	assert_contains(r->threshold, ">= 99");
}

static void test_eval_verdicts__lists_every_breach_then_blocking_gaps(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	/* gate_pct comes first in the catalogue: its gap must still be listed
	 * after the breaches of later KPIs. */
	set_missing(f, "gate_pct", 0, NULL);
	set_value(f, "gate_rate", 0, "legacy", 50);
	set_value(f, "gate_rate", 0, "owned", 60);
	set_value(f, "drill_pct", 0, NULL, 80);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_NOGO, 4);
	assert_string_equal(v[0].reasons[0].kpi, "gate_rate");
	assert_string_equal(v[0].reasons[0].labels, "path=legacy");
	assert_string_equal(v[0].reasons[1].kpi, "gate_rate");
	assert_string_equal(v[0].reasons[1].labels, "path=owned");
	assert_string_equal(v[0].reasons[2].kpi, "drill_pct");
	assert_string_equal(v[0].reasons[2].labels, "");
	for (int i = 0; i < 3; i++)
		expect_status(v[0].reasons[i].status, KPI_STATUS_BREACH, "breach reason");
	assert_string_equal(v[0].reasons[3].kpi, "gate_pct");
	expect_status(v[0].reasons[3].status, KPI_STATUS_NO_DATA, "gap reason");
	assert_false(v[0].reasons[3].has_value);
}

static void test_eval_verdicts__hold_on_gating_no_data_with_missing_block(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	set_missing(f, "gate_pct", 0, NULL);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_HOLD, 1);
	assert_string_equal(kpi_verdict_name(v[0].verdict), "HOLD");
	assert_string_equal(v[0].reasons[0].kpi, "gate_pct");
	expect_status(v[0].reasons[0].status, KPI_STATUS_NO_DATA, "reason");
	assert_contains(v[0].reasons[0].threshold, ">= 95");
}

static void test_eval_verdicts__hold_on_gating_nan_with_missing_block(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	set_value(f, "gate_pct", 0, NULL, NAN);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_HOLD, 1);
}

static void test_eval_verdicts__go_when_gating_no_data_has_missing_ignore(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	set_missing(f, "gate_rate", 0, "legacy");
	set_missing(f, "gate_rate", 0, "owned");
	set_missing(f, "drill_pct", 0, NULL);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
}

static void test_eval_verdicts__go_when_only_non_gating_kpis_breach_or_miss(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	set_value(f, "nongate_age", 0, NULL, 30);   /* breach of a non-gating KPI */
	set_missing(f, "info_count", 0, "export");
	v = evaluate(f);
	expect_status(row(f, "nongate_age", 0, NULL)->status, KPI_STATUS_BREACH, "nongate");
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
	/* missing=block on a non-gating KPI does not hold the week either. */
	set_missing(f, "nongate_age", 0, NULL);
	kpi_verdicts_free(f->verdicts, (size_t)f->nverdicts);
	f->verdicts = NULL;
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
}

static void test_eval_verdicts__not_applicable_does_not_block(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	kpi_row *r;
	(void)build(f, "2026-W20", 1);
	r = row(f, "drill_pct", 0, NULL);
	r->value = 40;            /* would breach "= 100" */
	r->applicable = false;
	v = evaluate(f);
	expect_status(r->status, KPI_STATUS_NOT_APPLICABLE, "drill");
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
}

static void test_eval_verdicts__warn_does_not_block(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	set_value(f, "gate_pct", 0, NULL, 95.2);
	v = evaluate(f);
	expect_status(row(f, "gate_pct", 0, NULL)->status, KPI_STATUS_WARN, "gate_pct");
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
}

static void test_eval_verdicts__breach_wins_over_blocking_gap(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	set_missing(f, "gate_pct", 0, NULL);
	set_value(f, "drill_pct", 0, NULL, 99);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_NOGO, 2);
	assert_string_equal(v[0].reasons[0].kpi, "drill_pct");
	assert_string_equal(v[0].reasons[1].kpi, "gate_pct");
}

static void test_eval_verdicts__each_week_judged_on_its_own_rows(void **state)
{
	fx *f = *state;
	const kpi_verdict *v;
	(void)build(f, "2026-W02", 4); /* 2025-W51 .. 2026-W02 */
	set_value(f, "gate_rate", 1, "owned", 90);    /* 2025-W52: NO-GO */
	set_missing(f, "gate_pct", 2, NULL);          /* 2026-W01: HOLD */
	set_missing(f, "gate_rate", 3, "legacy");     /* 2026-W02: GO (ignore) */
	set_value(f, "nongate_age", 3, NULL, 99);
	v = evaluate(f);
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
	expect_verdict(&v[1], KPI_VERDICT_NOGO, 1);
	expect_verdict(&v[2], KPI_VERDICT_HOLD, 1);
	expect_verdict(&v[3], KPI_VERDICT_GO, 0);
	assert_string_equal(v[1].reasons[0].labels, "path=owned");
	assert_string_equal(v[2].reasons[0].kpi, "gate_pct");
	for (int w = 0; w < 4; w++) {
		kpi_week want = kpi_week_add((kpi_week){ 2025, 51 }, w);
		assert_int_equal(kpi_week_cmp(v[w].week, want), 0);
		assert_true(v[w].period_start == f->res->window.starts[w]);
	}
	assert_int_equal(v[1].week.year, 2025);
	assert_int_equal(v[1].week.week, 52);
	assert_int_equal(v[2].week.year, 2026);
	assert_int_equal(v[2].week.week, 1);
}

/* ---- not measured, waivers (kpi_eval_verdicts_in) ---- */

static const kpi_verdict *evaluate_in(fx *f, const kpi_verdict_in *in)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_eval_result(f->res);
	if (kpi_eval_verdicts_in(&f->verdicts, f->res, in, &err) != 0)
		fail_msg("kpi_eval_verdicts_in: %s", err.message);
	f->nverdicts = f->res->window.nweeks;
	return f->verdicts;
}

/* A waiver of `kpi` (with path=`path` when not NULL) until `until`. */
static kpi_waiver waiver(const char *kpi, const char *path, const char *until)
{
	static char *names[] = { "path" };
	static char *values[2][1] = { { "legacy" }, { "owned" } };
	kpi_waiver w = { 0 };
	kpi_error err = KPI_ERROR_INIT;
	w.kpi = (char *)kpi;
	w.reason = "agreed by the board";
	w.approved_by = "J. Rivera";
	assert_int_equal(kpi_week_parse(&w.until, until, &err), 0);
	if (path) {
		w.nlabels = 1;
		w.label_names = names;
		w.label_values = strcmp(path, "legacy") == 0 ? values[0] : values[1];
	}
	return w;
}

static const kpi_unmeasured cw_api = { "api_error_rate_pct", true, "CloudWatch not configured" };
static const kpi_unmeasured cw_sqs = { "sqs_queue_depth", false, "CloudWatch not configured" };

static void test_eval_verdicts__hold_on_gating_kpi_not_measured(void **state)
{
	fx *f = *state;
	kpi_unmeasured u[] = { cw_api, cw_sqs };
	kpi_verdict_in in = { u, 2, NULL, 0 };
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 2);
	v = evaluate_in(f, &in);
	for (int w = 0; w < 2; w++) {
		/* only the gating one is a reason, in every week of the window */
		expect_verdict(&v[w], KPI_VERDICT_HOLD, 1);
		assert_string_equal(v[w].reasons[0].kpi, "api_error_rate_pct");
		assert_string_equal(v[w].reasons[0].not_measured, "CloudWatch not configured");
		expect_status(v[w].reasons[0].status, KPI_STATUS_NO_DATA, "reason");
		assert_int_equal(v[w].nwaived, 0);
	}
	/* without the inputs: the rows alone (formats 1 and 2) give GO */
	kpi_verdicts_free(f->verdicts, (size_t)f->nverdicts);
	v = evaluate(f);
	expect_verdict(&v[1], KPI_VERDICT_GO, 0);
}

static void test_eval_verdicts__not_measured_listed_after_breaches_and_gaps(void **state)
{
	fx *f = *state;
	kpi_verdict_in in = { &cw_api, 1, NULL, 0 };
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	set_value(f, "drill_pct", 0, NULL, 50);
	set_missing(f, "gate_pct", 0, NULL);
	v = evaluate_in(f, &in);
	expect_verdict(&v[0], KPI_VERDICT_NOGO, 3);
	assert_string_equal(v[0].reasons[0].kpi, "drill_pct");
	assert_string_equal(v[0].reasons[1].kpi, "gate_pct");
	assert_null(v[0].reasons[1].not_measured);
	assert_string_equal(v[0].reasons[2].kpi, "api_error_rate_pct");
}

static void test_eval_verdicts__valid_waiver_covers_not_measured_until_its_week(void **state)
{
	fx *f = *state;
	kpi_waiver w = waiver("api_error_rate_pct", NULL, "2026-W19");
	kpi_verdict_in in = { &cw_api, 1, &w, 1 };
	const kpi_verdict *v;
	bool expired;
	(void)build(f, "2026-W20", 3); /* W18, W19, W20 */
	v = evaluate_in(f, &in);
	for (int k = 0; k < 2; k++) {
		expect_verdict(&v[k], KPI_VERDICT_GO, 0);
		assert_int_equal(v[k].nwaived, 1);
		assert_string_equal(v[k].waived[0].kpi, "api_error_rate_pct");
		assert_string_equal(v[k].waived[0].not_measured, "CloudWatch not configured");
		assert_int_equal(v[k].waived[0].waiver, 0);
	}
	/* W20 is after its until: expired, it covers nothing */
	expect_verdict(&v[2], KPI_VERDICT_HOLD, 1);
	assert_int_equal(v[2].nwaived, 0);
	assert_false(kpi_waiver_covers(&w, "api_error_rate_pct", 0, NULL, NULL, v[2].week, &expired));
	assert_true(expired);
	assert_true(kpi_waiver_covers(&w, "api_error_rate_pct", 0, NULL, NULL, v[1].week, &expired));
	assert_false(expired);
	assert_false(kpi_waiver_covers(&w, "gate_pct", 0, NULL, NULL, v[1].week, &expired));
	assert_false(expired);
}

static void test_eval_verdicts__waiver_covers_blocking_gap_never_breach(void **state)
{
	fx *f = *state;
	kpi_waiver w = waiver("gate_pct", NULL, "2026-W30");
	kpi_verdict_in in = { NULL, 0, &w, 1 };
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 2);
	set_missing(f, "gate_pct", 0, NULL);
	set_value(f, "gate_pct", 1, NULL, 10); /* a breach */
	v = evaluate_in(f, &in);
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
	assert_int_equal(v[0].nwaived, 1);
	assert_null(v[0].waived[0].not_measured);
	expect_status(v[0].waived[0].status, KPI_STATUS_NO_DATA, "waived");
	expect_verdict(&v[1], KPI_VERDICT_NOGO, 1);
	assert_int_equal(v[1].nwaived, 0);
}

/* A waiver with labels covers the rows whose labels include them, and not
 * a KPI that was not measured at all. */
static void test_eval_verdicts__partial_label_level_waiver(void **state)
{
	fx *f = *state;
	kpi_waiver w[] = { waiver("gate_rate", "owned", "2026-W30"), waiver("api_error_rate_pct", "owned", "2026-W30") };
	kpi_verdict_in in = { &cw_api, 1, w, 2 };
	const kpi_verdict *v;
	(void)build(f, "2026-W20", 1);
	((kpi_def *)kpi_catalog_find(f->cat, "gate_rate"))->missing = KPI_MISSING_BLOCK;
	set_missing(f, "gate_rate", 0, "legacy");
	set_missing(f, "gate_rate", 0, "owned");
	v = evaluate_in(f, &in);
	expect_verdict(&v[0], KPI_VERDICT_HOLD, 2);
	assert_string_equal(v[0].reasons[0].kpi, "gate_rate");
	assert_string_equal(v[0].reasons[0].labels, "path=legacy");
	assert_string_equal(v[0].reasons[1].kpi, "api_error_rate_pct");
	assert_non_null(v[0].reasons[1].not_measured);
	assert_int_equal(v[0].nwaived, 1);
	assert_string_equal(v[0].waived[0].labels, "path=owned");
	assert_int_equal(v[0].waived[0].waiver, 0);
	/* only the owned row missing: the week goes */
	kpi_verdicts_free(f->verdicts, (size_t)f->nverdicts);
	set_value(f, "gate_rate", 0, "legacy", 99.9);
	in.nunmeasured = 0;
	v = evaluate_in(f, &in);
	expect_verdict(&v[0], KPI_VERDICT_GO, 0);
	assert_int_equal(v[0].nwaived, 1);
}

static void test_verdicts_free__accepts_null(void **state)
{
	(void)state;
	kpi_verdicts_free(NULL, 3);
	kpi_result_free(NULL);
	kpi_catalog_free(NULL);
	kpi_config_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval_status__ge_at_above_below_target),
		cmocka_unit_test(test_eval_status__gt_at_above_below_target),
		cmocka_unit_test(test_eval_status__le_at_above_below_target),
		cmocka_unit_test(test_eval_status__lt_at_above_below_target),
		cmocka_unit_test(test_eval_status__eq_at_above_below_target),
		cmocka_unit_test(test_eval_status__warn_margin_above_a_lower_bound),
		cmocka_unit_test(test_eval_status__warn_margin_below_an_upper_bound),
		cmocka_unit_test(test_eval_status__no_value_is_no_data),
		cmocka_unit_test(test_eval_status__nan_is_no_data),
		cmocka_unit_test(test_eval_status__not_applicable_wins_over_value),
		cmocka_unit_test(test_eval_status__informational_with_value_is_ok),
		cmocka_unit_test(test_status_name__round_trips_through_parse),
		T(test_eval_result__sets_status_of_every_row),
		T(test_eval_verdicts__go_when_every_gating_row_is_healthy),
		T(test_eval_verdicts__nogo_on_gating_breach_with_reason),
		T(test_eval_verdicts__lists_every_breach_then_blocking_gaps),
		T(test_eval_verdicts__hold_on_gating_no_data_with_missing_block),
		T(test_eval_verdicts__hold_on_gating_nan_with_missing_block),
		T(test_eval_verdicts__go_when_gating_no_data_has_missing_ignore),
		T(test_eval_verdicts__go_when_only_non_gating_kpis_breach_or_miss),
		T(test_eval_verdicts__not_applicable_does_not_block),
		T(test_eval_verdicts__warn_does_not_block),
		T(test_eval_verdicts__breach_wins_over_blocking_gap),
		T(test_eval_verdicts__each_week_judged_on_its_own_rows),
		T(test_eval_verdicts__hold_on_gating_kpi_not_measured),
		T(test_eval_verdicts__not_measured_listed_after_breaches_and_gaps),
		T(test_eval_verdicts__valid_waiver_covers_not_measured_until_its_week),
		T(test_eval_verdicts__waiver_covers_blocking_gap_never_breach),
		T(test_eval_verdicts__partial_label_level_waiver),
		cmocka_unit_test(test_verdicts_free__accepts_null),
	};
	return cmocka_run_group_tests_name("eval", tests, NULL, NULL);
}
