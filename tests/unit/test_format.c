/*
 * Renderings (format.c): numbers, JSON (the contract of docs/requirements.md), CSV (RFC 4180),
 * the aligned table and sparklines, over results built by hand on the
 * fixture catalogue tests/fixtures/unit/catalog_format.json; the one
 * number and threshold formatter of every output (core/number.c,
 * core/threshold.c) in each of its styles.
 */
#include "unit.h"
#include "core/number.h"
#include "core/threshold.h"

/* ---- fixture ---- */

typedef struct fx {
	kpi_catalog *cat;
	kpi_result *res;
	kpi_verdict *verdicts;
	kpi_buf out;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	kpi_error err = KPI_ERROR_INIT;

	if (!f)
		return -1;
	if (kpi_catalog_load(&f->cat, fixture("catalog_format.json"), &err) != 0) {
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
	if (f->verdicts)
		kpi_verdicts_free(f->verdicts, (size_t)f->res->window.nweeks);
	kpi_result_free(f->res);
	kpi_catalog_free(f->cat);
	kpi_buf_release(&f->out);
	free(f);
	return 0;
}

/* An empty result over `nweeks` UTC weeks ending with `last`, evaluated as
 * of `now`. Room for every catalogue KPI. */
static kpi_result *new_result(fx *f, const char *last, int nweeks, int64_t now)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_result *res = calloc(1, sizeof(*res));
	assert_non_null(res);
	f->res = res;
	if (kpi_window_init(&res->window, last, nweeks, "UTC", now, &err) != 0) {
		print_error("%s\n", err.message);
		fail();
	}
	res->read_at = now;
	res->series = calloc(f->cat->nkpis, sizeof(kpi_series));
	assert_non_null(res->series);
	return res;
}

static kpi_series *add_series(fx *f, const char *id)
{
	kpi_series *s = &f->res->series[f->res->nseries++];
	const kpi_def *d = kpi_catalog_find(f->cat, id);
	assert_non_null(d);
	assert_int_equal(kpi__series_init(s, d, NULL), 0);
	return s;
}

/* Append a row for week `w` of the window. `labels` holds s->nlabels values.
 * A negative numerator/denominator means null. */
static kpi_row *add_row(fx *f, kpi_series *s, int w, const char *const *labels, bool has, double v,
                        double num, double den)
{
	kpi_row *rows = realloc(s->rows, (s->nrows + 1) * sizeof(*rows));
	kpi_row *r;
	assert_non_null(rows);
	s->rows = rows;
	r = &s->rows[s->nrows++];
	memset(r, 0, sizeof(*r));
	r->labels = calloc(s->nlabels ? s->nlabels : 1, sizeof(char *));
	assert_non_null(r->labels);
	for (size_t i = 0; i < s->nlabels; i++)
		r->labels[i] = strdup(labels[i]);
	r->period_start = f->res->window.starts[w];
	r->period_end = f->res->window.starts[w + 1];
	r->has_value = has;
	r->value = has ? v : 0;
	r->has_numerator = num >= 0;
	r->numerator = num >= 0 ? num : 0;
	r->has_denominator = den >= 0;
	r->denominator = den >= 0 ? den : 0;
	r->applicable = true;
	r->partial = f->res->window.partial && w == f->res->window.nweeks - 1;
	return r;
}

/* ---- kpi_format_number ---- */

static const char *num(double v)
{
	static char buf[64];
	return kpi_format_number(buf, sizeof(buf), true, v);
}

/* The fewest significant digits that read back as `v` (test-side search). */
static int shortest_digits(double v)
{
	char buf[64];
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			return p;
	}
	return 17;
}

/* Significant digits in a decimal string ("96.66666666666667" -> 16). */
static int sig_digits(const char *s)
{
	int n = 0, started = 0, trailing_zeros = 0;
	for (; *s && *s != 'e' && *s != 'E'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (*s != '0')
			started = 1;
		if (!started)
			continue;
		n++;
		trailing_zeros = *s == '0' ? trailing_zeros + 1 : 0;
	}
	return n - trailing_zeros > 0 ? n - trailing_zeros : 1;
}

static void expect_shortest_round_trip(double v)
{
	const char *s = num(v);
	json_error_t je;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &je);

	if (strtod(s, NULL) != v || sig_digits(s) != shortest_digits(v)) {
		print_error("kpi_format_number(%.17g) = '%s': expected %d significant digits that read back\n",
		            v, s, shortest_digits(v));
		json_decref(j);
		fail();
	}
	/* Every output embeds it in JSON: it must be a JSON number. */
	if (!j || !json_is_number(j)) {
		print_error("'%s' is not a JSON number\n", s);
		json_decref(j);
		fail();
	}
	json_decref(j);
}

static void test_format_number__simple_decimals(void **state)
{
	(void)state;
	assert_string_equal(num(0.1), "0.1");
	assert_string_equal(num(99.5), "99.5");
	assert_string_equal(num(0), "0");
	assert_string_equal(num(-0.0), "0");
	assert_string_equal(num(100), "100");
	assert_string_equal(num(-7.25), "-7.25");
	assert_string_equal(num(123456789012.0), "123456789012");
}

static void test_format_number__sixteen_and_seventeen_digit_values(void **state)
{
	(void)state;
	assert_string_equal(num(290.0 / 3.0), "96.66666666666667");
	assert_string_equal(num(0.1 + 0.2), "0.30000000000000004");
	assert_string_equal(num(1.0 / 3.0), "0.3333333333333333");
	assert_string_equal(num(9007199254740992.0), "9007199254740992"); /* 2^53 */
}

static void test_format_number__shortest_round_trip(void **state)
{
	static const double values[] = { 0.1,  290.0 / 3.0, 1e-9,  1e20,    1e21,   1e-300, 2.5e-7,
		                         1e23, 0.1 + 0.2,   1e300, 123.456, 1 / 7.0, 99.99,  -1e-9,
		                         5e-5, 3.14159,     1e15,  1e16,    1e17,   604800 };
	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		expect_shortest_round_trip(values[i]);
}

static void test_format_number__tiny_and_huge_values(void **state)
{
	(void)state;
	assert_double_equal(strtod(num(1e-9), NULL), 1e-9);
	assert_int_equal(sig_digits(num(1e-9)), 1);
	assert_non_null(strpbrk(num(1e-9), "eE"));
	assert_double_equal(strtod(num(1e20), NULL), 1e20);
	assert_int_equal(sig_digits(num(1e20)), 1);
}

static void test_format_number__absent_nan_and_inf_are_null(void **state)
{
	char buf[64];
	(void)state;
	assert_string_equal(kpi_format_number(buf, sizeof(buf), false, 42), "null");
	assert_string_equal(kpi_format_number(buf, sizeof(buf), true, NAN), "null");
	assert_string_equal(kpi_format_number(buf, sizeof(buf), true, INFINITY), "null");
	assert_string_equal(kpi_format_number(buf, sizeof(buf), true, -INFINITY), "null");
}

/* ---- one formatter per concept (core/number.h, core/threshold.h) ---- */

/* The same value in each medium's style: the JSON/CSV digits, the pack, kpi
 * query's table, an alert text. */
static void test_number__one_value_in_every_style(void **state)
{
	char b[128];
	kpi_threshold eq100 = { KPI_OP_EQ, 100, 0 };
	(void)state;
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 1234.5678, KPI__NUM_EXACT), "1234.5678");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 1234.5678, KPI__NUM_PEOPLE), "1,234.6");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 1234.5678, KPI__NUM_TABLE), "1234.57");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 1234.5678, KPI__NUM_TERSE), "1234.6");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 1234.5678, KPI__NUM_WHOLE), "1235");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), -0.00123, KPI__NUM_PEOPLE), "\xe2\x88\x92" "0.00123");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 0.00123, KPI__NUM_TABLE), "0.00123");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 0.00123, KPI__NUM_TERSE), "0.0012");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 2e15, KPI__NUM_TERSE), "2e+15");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), NAN, KPI__NUM_EXACT), "null");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), NAN, KPI__NUM_PEOPLE), "—");
	/* values: durations on the ladder in the pack and the table, not in alerts */
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 7260, "s", KPI__NUM_PEOPLE, NULL), "2.02 h");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 7260, "s", KPI__NUM_TABLE, NULL), "2.02 h");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 7260, "s", KPI__NUM_TERSE, NULL), "7260 s");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 97.25, "%", KPI__NUM_TERSE, NULL), "97.25%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 3, "count", KPI__NUM_TABLE, NULL), "3");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), false, 3, "count", KPI__NUM_PEOPLE, NULL), "no data");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), false, 3, "count", KPI__NUM_TABLE, NULL), "—");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.996, "%", KPI__NUM_PEOPLE, &eq100), "99.996%");
	/* 199,999 of 200,000 is not "100%" in any style, with or without a
	 * threshold (the double is 99.99949999...: three decimals do) */
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 100.0 * 199999 / 200000, "%", KPI__NUM_PEOPLE, NULL),
	                    "99.999%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 100.0 * 199999 / 200000, "%", KPI__NUM_TABLE, NULL),
	                    "99.999%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 100.0 * 199999 / 200000, "%", KPI__NUM_TERSE, NULL),
	                    "99.999%");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), -99.999999, KPI__NUM_PEOPLE), "\xe2\x88\x92" "99.999999");
	/* within 5e-10 of 100 (nine decimals would read 100): as many decimals
	 * as it takes, never "100", in every style */
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 100.0000000001, KPI__NUM_TABLE), "100.0000000001");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.9999999996, "%", KPI__NUM_PEOPLE, NULL),
	                    "99.9999999996%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.9999999996, "%", KPI__NUM_PEOPLE, &eq100),
	                    "99.9999999996%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.9999999996, "%", KPI__NUM_TABLE, NULL),
	                    "99.9999999996%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.9999999996, "%", KPI__NUM_TERSE, NULL),
	                    "99.9999999996%");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), -99.9999999996, KPI__NUM_PEOPLE), "\xe2\x88\x92" "99.9999999996");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), -100.0000000001, KPI__NUM_TERSE), "-100.0000000001");
	/* the double next to 100 */
	assert_string_equal(kpi__fmt_num(b, sizeof(b), nextafter(100, 0), KPI__NUM_PEOPLE), "99.99999999999999");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), nextafter(100, 200), KPI__NUM_TABLE), "100.00000000000001");
	/* the alerts' one decimal from 100 on: 100.04 is not "100" */
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 100.04, KPI__NUM_TERSE), "100.04");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 100.4, KPI__NUM_TERSE), "100.4");
	/* nor across a target by less than nine decimals show */
	{
		kpi_threshold ge = { KPI_OP_GE, 99.9, 0 };
		assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.8999999999, "%", KPI__NUM_PEOPLE, &ge),
		                    "99.8999999999%");
	}
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 100, KPI__NUM_TABLE), "100");
	assert_string_equal(kpi__fmt_num(b, sizeof(b), 99.994, KPI__NUM_TABLE), "99.99");
	/* units and changes: a change of a percentage is in points */
	assert_string_equal(kpi__fmt_unit(b, sizeof(b), "0.5", "%", false), "0.5%");
	assert_string_equal(kpi__fmt_unit(b, sizeof(b), "0.5", "%", true), "0.5 pp");
	assert_string_equal(kpi__fmt_unit(b, sizeof(b), "12", "MB", true), "12 MB");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 160.6, 169.8, "s"), "+9.2 s");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 25.56, 30.44, "%"), "+4.88 pp");
}

/* One threshold, every style: the shell/alerts/catalogue (ASCII), the
 * workbook (with its margin), the pack (typographic, durations on the
 * ladder, the margin in words) and a chart axis (already in its unit). */
static void test_threshold__every_style(void **state)
{
	char b[128];
	kpi_threshold ge = { KPI_OP_GE, 95, 0.5 }, le = { KPI_OP_LE, 7200, 600 }, none = { KPI_OP_NONE, 0, 0 };
	(void)state;
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &ge, "%", KPI__TH_ASCII), ">= 95%");
	assert_string_equal(kpi_threshold_format(b, sizeof(b), &ge, "%"), ">= 95%");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &ge, "%", KPI__TH_ASCII | KPI__TH_MARGIN),
	                    ">= 95% (warn within 0.5)");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &ge, "%", KPI__TH_PACK), "≥ 95%");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &ge, "%", KPI__TH_PACK | KPI__TH_MARGIN),
	                    "≥ 95%; warn within 0.5 pp of the target");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &le, "s", KPI__TH_ASCII), "<= 7200 s");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &le, "s", KPI__TH_PACK), "≤ 2 h");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &le, "s", KPI__TH_PACK | KPI__TH_MARGIN),
	                    "≤ 2 h; warn within 10 min of the target");
	le.target = 120;
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &le, "min", KPI__TH_PACK | KPI__TH_NO_LADDER), "≤ 120 min");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &none, "%", KPI__TH_PACK | KPI__TH_MARGIN), "none");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), NULL, "%", KPI__TH_ASCII), "none");
}

/* ---- kpi_buf ---- */

static void test_buf__printf_grows_past_small_buffer(void **state)
{
	kpi_buf b = KPI_BUF_INIT;
	char big[2000];
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(kpi_buf_puts(&b, "<"), 0);
	assert_int_equal(kpi_buf_printf(&b, "%s|%d", big, 42), 0);
	assert_int_equal(kpi_buf_append(&b, ">", 1), 0);
	assert_int_equal(b.len, 1 + 1999 + 3 + 1);
	assert_int_equal(strlen(b.data), b.len);
	assert_int_equal(b.data[0], '<');
	assert_memory_equal(b.data + 1 + 1999, "|42>", 4);
	kpi_buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

/* ---- JSON of a series ---- */

/* rate_by_path over 2026-W19 and the current week 2026-W20 (partial). */
static kpi_series *build_rate_series(fx *f)
{
	static const char *const legacy[] = { "legacy" }, *const owned[] = { "owned" };
	kpi_series *s;

	(void)new_result(f, "current", 2, utc(2026, 5, 13, 6, 30, 0));
	s = add_series(f, "rate_by_path");
	add_row(f, s, 0, legacy, true, 99.5, 199, 200);
	add_row(f, s, 0, owned, true, 290.0 / 3.0, 290, 300);
	add_row(f, s, 1, legacy, false, 0, 0, 0);
	add_row(f, s, 1, owned, true, 0.1, -1, -1);
	kpi_eval_result(f->res);
	return s;
}

static void test_format_json_series__exact_text(void **state)
{
	fx *f = *state;
	kpi_error err = KPI_ERROR_INIT;
	kpi_series *s = build_rate_series(f);
	(void)state;

	assert_int_equal(kpi_format_json_series(&f->out, s, &err), 0);
	assert_string_equal(
	        f->out.data,
	        "{\"kpi\":\"rate_by_path\",\"unit\":\"%\",\"rows\":[\n"
	        "  {\"period_start\":\"2026-05-04T00:00:00Z\",\"period_end\":\"2026-05-11T00:00:00Z\","
	        "\"labels\":{\"path\":\"legacy\"},\"value\":99.5,\"numerator\":199,\"denominator\":200,"
	        "\"status\":\"ok\"},\n"
	        "  {\"period_start\":\"2026-05-04T00:00:00Z\",\"period_end\":\"2026-05-11T00:00:00Z\","
	        "\"labels\":{\"path\":\"owned\"},\"value\":96.66666666666667,\"numerator\":290,"
	        "\"denominator\":300,\"status\":\"breach\"},\n"
	        "  {\"period_start\":\"2026-05-11T00:00:00Z\",\"period_end\":\"2026-05-18T00:00:00Z\","
	        "\"labels\":{\"path\":\"legacy\"},\"value\":null,\"numerator\":0,\"denominator\":0,"
	        "\"status\":\"no_data\",\"partial\":true},\n"
	        "  {\"period_start\":\"2026-05-11T00:00:00Z\",\"period_end\":\"2026-05-18T00:00:00Z\","
	        "\"labels\":{\"path\":\"owned\"},\"value\":0.1,\"numerator\":null,\"denominator\":null,"
	        "\"status\":\"breach\",\"partial\":true}\n"
	        "]}\n");
}

static void expect_json_number_or_null(const json_t *row, const char *key, bool has, double v)
{
	const json_t *j = json_object_get(row, key);
	assert_non_null(j);
	if (!has) {
		assert_true(json_is_null(j));
		return;
	}
	assert_true(json_is_number(j));
	assert_double_equal(json_number_value(j), v);
}

static void test_format_json_series__parses_back_with_spec_shape(void **state)
{
	static const char *const row_keys[] = { "period_start", "period_end", "labels",   "value",
		                                "numerator",    "denominator", "status" };
	fx *f = *state;
	kpi_series *s = build_rate_series(f);
	json_error_t je;
	json_t *root, *rows;
	char t[32];

	assert_int_equal(kpi_format_json_series(&f->out, s, NULL), 0);
	root = json_loads(f->out.data, 0, &je);
	if (!root) {
		print_error("not JSON: %s (%d:%d)\n%s", je.text, je.line, je.column, f->out.data);
		fail();
	}
	assert_int_equal(json_object_size(root), 3);
	assert_string_equal(json_string_value(json_object_get(root, "kpi")), "rate_by_path");
	assert_string_equal(json_string_value(json_object_get(root, "unit")), "%");
	rows = json_object_get(root, "rows");
	assert_true(json_is_array(rows));
	assert_int_equal(json_array_size(rows), s->nrows);
	for (size_t i = 0; i < s->nrows; i++) {
		const kpi_row *r = &s->rows[i];
		json_t *jr = json_array_get(rows, i), *labels = json_object_get(jr, "labels");
		for (size_t k = 0; k < 7; k++)
			if (!json_object_get(jr, row_keys[k])) {
				print_error("row %zu lacks '%s'\n", i, row_keys[k]);
				json_decref(root);
				fail();
			}
		assert_int_equal(json_object_size(jr), r->partial ? 8 : 7);
		if (r->partial)
			assert_true(json_is_true(json_object_get(jr, "partial")));
		else
			assert_null(json_object_get(jr, "partial"));
		assert_string_equal(json_string_value(json_object_get(jr, "period_start")),
		                    kpi_time_format(t, sizeof(t), r->period_start));
		assert_string_equal(json_string_value(json_object_get(jr, "period_end")),
		                    kpi_time_format(t, sizeof(t), r->period_end));
		assert_int_equal(json_object_size(labels), 1);
		assert_string_equal(json_string_value(json_object_get(labels, "path")), r->labels[0]);
		expect_json_number_or_null(jr, "value", r->has_value, r->value);
		expect_json_number_or_null(jr, "numerator", r->has_numerator, r->numerator);
		expect_json_number_or_null(jr, "denominator", r->has_denominator, r->denominator);
		assert_string_equal(json_string_value(json_object_get(jr, "status")), kpi_status_name(r->status));
	}
	/* The time stamps are the UTC week bounds. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "period_start")),
	                    "2026-05-04T00:00:00Z");
	json_decref(root);
}

static void test_format_json_series__escapes_label_values(void **state)
{
	static const char *const odd[] = { "Zürich \"HQ\"", "back\\slash\nnew\tline\x01" };
	fx *f = *state;
	kpi_series *s;
	json_t *root, *labels;

	(void)new_result(f, "2026-W20", 1, utc(2026, 6, 1, 0, 0, 0));
	s = add_series(f, "free_labels");
	add_row(f, s, 0, odd, true, 12, -1, -1);
	assert_int_equal(kpi_format_json_series(&f->out, s, NULL), 0);
	root = json_loads(f->out.data, 0, NULL);
	assert_non_null(root);
	labels = json_object_get(json_array_get(json_object_get(root, "rows"), 0), "labels");
	assert_string_equal(json_string_value(json_object_get(labels, "site")), odd[0]);
	assert_string_equal(json_string_value(json_object_get(labels, "note")), odd[1]);
	json_decref(root);
}

static void test_format_json_series__no_rows_is_an_empty_array(void **state)
{
	fx *f = *state;
	kpi_series *s;
	json_t *root;

	(void)new_result(f, "2026-W20", 1, utc(2026, 6, 1, 0, 0, 0));
	s = add_series(f, "backlog");
	assert_int_equal(kpi_format_json_series(&f->out, s, NULL), 0);
	root = json_loads(f->out.data, 0, NULL);
	assert_non_null(root);
	assert_true(json_is_array(json_object_get(root, "rows")));
	assert_int_equal(json_array_size(json_object_get(root, "rows")), 0);
	json_decref(root);
}

/* ---- JSON of a result ---- */

static void test_format_json_result__parses_with_window_kpis_and_verdicts(void **state)
{
	static const char *const legacy[] = { "legacy" }, *const owned[] = { "owned" };
	fx *f = *state;
	kpi_error err = KPI_ERROR_INIT;
	kpi_series *s, *b;
	json_t *root, *w, *kpis, *verdicts, *reasons;

	(void)new_result(f, "2026-W20", 2, utc(2026, 6, 1, 0, 0, 0));
	s = add_series(f, "rate_by_path");
	add_row(f, s, 0, legacy, true, 99.5, 199, 200);
	add_row(f, s, 0, owned, true, 99.9, 999, 1000);
	add_row(f, s, 1, legacy, true, 99.5, 199, 200);
	add_row(f, s, 1, owned, true, 97, 97, 100);
	b = add_series(f, "backlog");
	add_row(f, b, 0, NULL, true, 3, -1, -1);
	add_row(f, b, 1, NULL, true, 0, -1, -1);
	kpi_eval_result(f->res);
	assert_int_equal(kpi_eval_verdicts(&f->verdicts, f->res, &err), 0);
	assert_int_equal(kpi_format_json_result(&f->out, f->res, f->verdicts, &err), 0);

	root = json_loads(f->out.data, 0, NULL);
	if (!root) {
		print_error("not JSON:\n%s", f->out.data);
		fail();
	}
	w = json_object_get(root, "window");
	assert_string_equal(json_string_value(json_object_get(w, "first_week")), "2026-W19");
	assert_string_equal(json_string_value(json_object_get(w, "last_week")), "2026-W20");
	assert_int_equal(json_integer_value(json_object_get(w, "weeks")), 2);
	assert_string_equal(json_string_value(json_object_get(w, "timezone")), "UTC");
	assert_string_equal(json_string_value(json_object_get(w, "from")), "2026-05-04T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(w, "to")), "2026-05-18T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(w, "as_of")), "2026-05-18T00:00:00Z");
	assert_true(json_is_false(json_object_get(w, "partial")));
	assert_string_equal(json_string_value(json_object_get(root, "read_at")), "2026-06-01T00:00:00Z");

	kpis = json_object_get(root, "kpis");
	assert_int_equal(json_array_size(kpis), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(kpis, 0), "kpi")), "rate_by_path");
	assert_string_equal(json_string_value(json_object_get(json_array_get(kpis, 1), "kpi")), "backlog");
	assert_int_equal(json_array_size(json_object_get(json_array_get(kpis, 0), "rows")), 4);

	verdicts = json_object_get(root, "verdicts");
	assert_int_equal(json_array_size(verdicts), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(verdicts, 0), "verdict")), "GO");
	assert_string_equal(json_string_value(json_object_get(json_array_get(verdicts, 0), "week")), "2026-W19");
	assert_string_equal(json_string_value(json_object_get(json_array_get(verdicts, 1), "verdict")), "NO-GO");
	reasons = json_object_get(json_array_get(verdicts, 1), "reasons");
	assert_int_equal(json_array_size(reasons), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reasons, 0), "kpi")), "rate_by_path");
	/* the labels as the rows have them (the contract of docs/requirements.md): {name: value} */
	{
		json_t *labels = json_object_get(json_array_get(reasons, 0), "labels");
		assert_true(json_is_object(labels));
		assert_int_equal(json_object_size(labels), 1);
		assert_string_equal(json_string_value(json_object_get(labels, "path")), "owned");
		assert_true(json_equal(labels, json_object_get(json_array_get(json_object_get(json_array_get(kpis, 0), "rows"), 3),
		                                               "labels")));
	}
	assert_double_equal(json_number_value(json_object_get(json_array_get(reasons, 0), "value")), 97.0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reasons, 0), "status")), "breach");
	json_decref(root);
}

/* A reason's labels are an object of every label, exact even where the
 * "a=x,b=y" text is ambiguous (a value with a comma or an equals sign);
 * a KPI without labels gives {}. */
static void test_format_json_result__reason_labels_are_objects(void **state)
{
	static const char *const odd[] = { "x,y=z", "say \"hi\"" };
	fx *f = *state;
	kpi_error err = KPI_ERROR_INIT;
	kpi_series *s;
	json_t *root, *reasons, *labels;

	(void)new_result(f, "2026-W20", 1, utc(2026, 6, 1, 0, 0, 0));
	((kpi_def *)kpi_catalog_find(f->cat, "free_labels"))->gating = true;
	s = add_series(f, "free_labels");
	add_row(f, s, 0, odd, true, 31, -1, -1); /* <= 30: breach */
	kpi_eval_result(f->res);
	assert_int_equal(kpi_eval_verdicts(&f->verdicts, f->res, &err), 0);
	assert_int_equal(f->verdicts[0].nreasons, 1);
	assert_string_equal(f->verdicts[0].reasons[0].labels, "site=x,y=z,note=say \"hi\""); /* the table's text */
	assert_int_equal(kpi_format_json_result(&f->out, f->res, f->verdicts, &err), 0);
	assert_contains(f->out.data, "\"labels\":{\"site\":\"x,y=z\",\"note\":\"say \\\"hi\\\"\"},\"value\":31,");
	root = json_loads(f->out.data, 0, NULL);
	assert_non_null(root);
	reasons = json_object_get(json_array_get(json_object_get(root, "verdicts"), 0), "reasons");
	assert_int_equal(json_array_size(reasons), 1);
	labels = json_object_get(json_array_get(reasons, 0), "labels");
	assert_true(json_is_object(labels));
	assert_int_equal(json_object_size(labels), 2);
	assert_string_equal(json_string_value(json_object_get(labels, "site")), "x,y=z");
	assert_string_equal(json_string_value(json_object_get(labels, "note")), "say \"hi\"");
	json_decref(root);
	kpi_verdicts_free(f->verdicts, 1);
	f->verdicts = NULL;
	kpi_result_free(f->res);
	kpi_buf_release(&f->out);

	/* no labels: {} (the gating rate KPI of the fixture has a label; use backlog) */
	(void)new_result(f, "2026-W20", 1, utc(2026, 6, 1, 0, 0, 0));
	{
		kpi_def *d = (kpi_def *)kpi_catalog_find(f->cat, "backlog");
		d->gating = true;
		d->missing = KPI_MISSING_BLOCK;
		add_row(f, add_series(f, "backlog"), 0, NULL, false, 0, -1, -1); /* no_data, blocking */
	}
	kpi_eval_result(f->res);
	assert_int_equal(kpi_eval_verdicts(&f->verdicts, f->res, &err), 0);
	assert_int_equal(kpi_format_json_result(&f->out, f->res, f->verdicts, &err), 0);
	assert_contains(f->out.data, "{\"kpi\":\"backlog\",\"labels\":{},\"value\":null,\"status\":\"no_data\"");
}

static void test_format_json_result__without_verdicts_has_no_verdicts_key(void **state)
{
	fx *f = *state;
	json_t *root;

	(void)new_result(f, "current", 1, utc(2026, 5, 13, 6, 30, 0));
	add_row(f, add_series(f, "backlog"), 0, NULL, true, 5, -1, -1);
	assert_int_equal(kpi_format_json_result(&f->out, f->res, NULL, NULL), 0);
	root = json_loads(f->out.data, 0, NULL);
	assert_non_null(root);
	assert_null(json_object_get(root, "verdicts"));
	assert_true(json_is_true(json_object_get(json_object_get(root, "window"), "partial")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "window"), "as_of")),
	                    "2026-05-13T06:30:00Z");
	json_decref(root);
}

/* ---- CSV ---- */

/* Parse RFC 4180 text into records of fields (test-side). Returns the number
 * of records; fails on a line end that is not CRLF outside quotes. */
#define CSV_MAX_REC 16
#define CSV_MAX_FLD 12
typedef struct csv {
	char *f[CSV_MAX_REC][CSV_MAX_FLD];
	int nf[CSV_MAX_REC];
	int nrec;
} csv;

static void csv_parse(csv *c, const char *s)
{
	char field[1024];
	size_t n = 0;
	int rec = 0, fld = 0;

	memset(c, 0, sizeof(*c));
	while (*s) {
		if (*s == '"') {
			for (s++;; s++) {
				assert_true(*s != '\0'); /* unterminated quote */
				if (*s == '"' && s[1] == '"') {
					field[n++] = '"';
					s++;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					field[n++] = *s;
				}
			}
		}
		if (*s == ',' || *s == '\r' || *s == '\n') {
			field[n] = '\0';
			assert_true(rec < CSV_MAX_REC && fld < CSV_MAX_FLD);
			c->f[rec][fld++] = strdup(field);
			n = 0;
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == '\n' || s[1] != '\n') {
				print_error("record %d: line end is not CRLF\n", rec + 1);
				fail();
			}
			c->nf[rec++] = fld;
			fld = 0;
			s += 2;
			continue;
		}
		if (*s) {
			assert_true(n < sizeof(field) - 1);
			field[n++] = *s++;
		}
	}
	assert_int_equal(fld, 0); /* the last record ends with CRLF too */
	assert_int_equal(n, 0);
	c->nrec = rec;
}

static void csv_free(csv *c)
{
	for (int r = 0; r < CSV_MAX_REC; r++)
		for (int i = 0; i < CSV_MAX_FLD; i++)
			free(c->f[r][i]);
}

static void test_format_csv__rfc4180_quoting_crlf_and_empty_nulls(void **state)
{
	static const char *const a[] = { "x,y", "say \"hi\"" };
	static const char *const b[] = { "line1\nline2", "plain" };
	fx *f = *state;
	kpi_series *s;
	csv c;

	(void)new_result(f, "2026-W20", 1, utc(2026, 6, 1, 0, 0, 0));
	s = add_series(f, "free_labels");
	add_row(f, s, 0, a, true, 290.0 / 3.0, 290, 3);
	add_row(f, s, 0, b, false, 0, -1, -1);
	kpi_eval_result(f->res);
	assert_int_equal(kpi_format_csv(&f->out, f->res, NULL), 0);

	assert_contains(f->out.data, ",\"site=x,y,note=say \"\"hi\"\"\",");
	assert_contains(f->out.data, ",\"site=line1\nline2,note=plain\",");
	/* csv_parse fails on any line end outside quotes that is not CRLF. */

	csv_parse(&c, f->out.data);
	assert_int_equal(c.nrec, 3);
	assert_int_equal(c.nf[0], 9);
	assert_string_equal(c.f[0][0], "kpi");
	assert_string_equal(c.f[0][1], "period_start");
	assert_string_equal(c.f[0][3], "labels");
	assert_string_equal(c.f[0][7], "status");
	assert_string_equal(c.f[0][8], "partial");
	assert_int_equal(c.nf[1], 9);
	assert_string_equal(c.f[1][0], "free_labels");
	assert_string_equal(c.f[1][1], "2026-05-11T00:00:00Z");
	assert_string_equal(c.f[1][2], "2026-05-18T00:00:00Z");
	assert_string_equal(c.f[1][3], "site=x,y,note=say \"hi\"");
	assert_string_equal(c.f[1][4], "96.66666666666667");
	assert_string_equal(c.f[1][5], "290");
	assert_string_equal(c.f[1][6], "3");
	assert_string_equal(c.f[1][7], "breach");
	assert_string_equal(c.f[1][8], "false");
	assert_int_equal(c.nf[2], 9);
	assert_string_equal(c.f[2][3], "site=line1\nline2,note=plain");
	assert_string_equal(c.f[2][4], "");
	assert_string_equal(c.f[2][5], "");
	assert_string_equal(c.f[2][6], "");
	assert_string_equal(c.f[2][7], "no_data");
	assert_string_equal(c.f[2][8], "false");
	csv_free(&c);
}

/* The rows of the week in progress say so; the others say false. */
static void test_format_csv__partial_column_true_on_the_current_week(void **state)
{
	fx *f = *state;
	csv c;

	build_rate_series(f); /* 2026-W19, then the current week 2026-W20 */
	assert_int_equal(kpi_format_csv(&f->out, f->res, NULL), 0);
	csv_parse(&c, f->out.data);
	assert_int_equal(c.nrec, 5);
	assert_string_equal(c.f[0][8], "partial");
	for (int r = 1; r < 5; r++) {
		assert_int_equal(c.nf[r], 9);
		assert_string_equal(c.f[r][1], r <= 2 ? "2026-05-04T00:00:00Z" : "2026-05-11T00:00:00Z");
		assert_string_equal(c.f[r][8], r <= 2 ? "false" : "true");
	}
	/* the current week's legacy row: no value, an empty field, still partial */
	assert_string_equal(c.f[3][3], "path=legacy");
	assert_string_equal(c.f[3][4], "");
	assert_string_equal(c.f[3][7], "no_data");
	csv_free(&c);
}

static void test_format_csv__header_only_for_empty_result(void **state)
{
	fx *f = *state;
	(void)new_result(f, "2026-W20", 1, utc(2026, 6, 1, 0, 0, 0));
	assert_int_equal(kpi_format_csv(&f->out, f->res, NULL), 0);
	assert_string_equal(f->out.data,
	                    "kpi,period_start,period_end,labels,value,numerator,denominator,status,partial\r\n");
}

/* ---- sparkline ---- */

static char *spark(const double *v, const bool *has, size_t n)
{
	kpi_buf b = KPI_BUF_INIT;
	assert_int_equal(kpi_format_sparkline(&b, v, has, n), 0);
	return b.data ? b.data : strdup("");
}

static void test_format_sparkline__eight_levels_from_min_to_max(void **state)
{
	double v[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	bool has[] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	char *s = spark(v, has, 8);
	(void)state;
	assert_string_equal(s, "▁▂▃▄▅▆▇█");
	free(s);
}

static void test_format_sparkline__scales_to_the_window_range(void **state)
{
	double v[] = { 10, 20, 30 }, neg[] = { -5, 5, -5 };
	bool has[] = { 1, 1, 1 };
	char *s = spark(v, has, 3);
	(void)state;
	assert_string_equal(s, "▁▅█"); /* 20 is 3.5/7 of the way: rounds to level 5 */
	free(s);
	s = spark(neg, has, 3);
	assert_string_equal(s, "▁█▁");
	free(s);
}

static void test_format_sparkline__flat_series_is_mid_level(void **state)
{
	double v[] = { 5, 5, 5 };
	bool has[] = { 1, 1, 1 };
	char *s = spark(v, has, 3);
	(void)state;
	assert_string_equal(s, "▄▄▄");
	free(s);
}

static bool is_block(const char *p)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	for (int i = 0; i < 8; i++)
		if (strncmp(p, blocks[i], strlen(blocks[i])) == 0)
			return true;
	return false;
}

/* Split a UTF-8 string into code points (each a NUL-terminated string). */
static int code_points(const char *s, char out[][8], int max)
{
	int n = 0;
	while (*s && n < max) {
		int len = 1;
		while ((((unsigned char)s[len]) & 0xC0) == 0x80)
			len++;
		memcpy(out[n], s, (size_t)len);
		out[n][len] = '\0';
		s += len;
		n++;
	}
	return n;
}

static void test_format_sparkline__missing_values_keep_their_column(void **state)
{
	/* Without the 1000 the range would be 0..7; a missing value must neither
	 * take part in the scale nor shift later values. */
	double v[] = { 1000, 0, 7, -3, 7 };
	bool has[] = { 0, 1, 1, 0, 1 };
	char cp[16][8];
	char *s = spark(v, has, 5);
	(void)state;
	assert_int_equal(code_points(s, cp, 16), 5);
	assert_false(is_block(cp[0]));
	assert_string_equal(cp[1], "▁");
	assert_string_equal(cp[2], "█");
	assert_false(is_block(cp[3]));
	assert_string_equal(cp[4], "█");
	free(s);
}

static void test_format_sparkline__all_missing_and_empty(void **state)
{
	double v[] = { 1, 2 };
	bool has[] = { 0, 0 };
	char cp[8][8];
	char *s = spark(v, has, 2);
	(void)state;
	assert_int_equal(code_points(s, cp, 8), 2);
	assert_false(is_block(cp[0]));
	assert_false(is_block(cp[1]));
	free(s);
	s = spark(v, has, 0);
	assert_string_equal(s, "");
	free(s);
}

/* ---- table ---- */

/* A three-week result: rate_by_path (with a missing last value), free_labels
 * with a non-ASCII label, backlog. */
static void build_table_result(fx *f)
{
	static const char *const legacy[] = { "legacy" }, *const owned[] = { "owned" };
	static const char *const zurich[] = { "Zürich", "ä" };
	kpi_series *s;

	(void)new_result(f, "2026-W20", 3, utc(2026, 6, 1, 0, 0, 0));
	s = add_series(f, "rate_by_path");
	for (int w = 0; w < 3; w++) {
		add_row(f, s, w, legacy, true, 99.0 + w * 0.25, -1, -1);
		add_row(f, s, w, owned, w < 2, 95.0 + w, -1, -1);
	}
	s = add_series(f, "free_labels");
	for (int w = 0; w < 3; w++)
		add_row(f, s, w, zurich, true, 12.5 * (w + 1), -1, -1);
	s = add_series(f, "backlog");
	for (int w = 0; w < 3; w++)
		add_row(f, s, w, NULL, true, 1234567.0 * w, -1, -1);
	kpi_eval_result(f->res);
}

/* Column starts (in code points) of the header line. */
static const char *const heads[] = { "KPI", "LABELS", "WEEK", "VALUE", "PREV", "THRESHOLD", "STATUS", "TREND" };

static int cp_index(const char *line, const char *needle)
{
	const char *hit = strstr(line, needle);
	int n = 0;
	assert_non_null(hit);
	for (const char *p = line; p < hit; p++)
		if (((unsigned char)*p & 0xC0) != 0x80)
			n++;
	return n;
}

static void test_format_table__columns_line_up_with_unicode(void **state)
{
	fx *f = *state;
	kpi_table_opts opts = KPI_TABLE_OPTS_INIT;
	char *text, *save = NULL, *line;
	int start[8], end[8], nlines = 0;
	char cp[512][8];

	build_table_result(f);
	opts.color = false;
	assert_int_equal(kpi_format_table(&f->out, f->res, NULL, &opts, NULL), 0);
	assert_null(strchr(f->out.data, '\033'));
	text = strdup(f->out.data);

	line = strtok_r(text, "\n", &save);
	assert_non_null(line);
	for (int c = 0; c < 8; c++) {
		start[c] = cp_index(line, heads[c]);
		end[c] = start[c] + (int)strlen(heads[c]);
	}
	for (int c = 1; c < 8; c++)
		assert_true(start[c] > end[c - 1]);
	while ((line = strtok_r(NULL, "\n", &save))) {
		int n = code_points(line, cp, 512);
		nlines++;
		assert_true(n > start[7]);
		/* A left-aligned cell starts at its header, after a space. */
		for (int c = 1; c < 8; c++)
			if (c != 3 && c != 4)
				assert_string_equal(cp[start[c] - 1], " ");
		/* Left-aligned columns start at their header; VALUE and PREV end
		 * where their (right-aligned) header ends. */
		assert_int_equal(start[0], 0);
		assert_string_not_equal(cp[0], " ");
		if (strncmp(line, "backlog", 7) != 0) /* the only KPI without labels */
			assert_string_not_equal(cp[start[1]], " ");
		assert_string_not_equal(cp[start[2]], " ");
		assert_string_not_equal(cp[end[3] - 1], " ");
		assert_string_equal(cp[end[3]], " ");
		assert_string_not_equal(cp[end[4] - 1], " ");
		assert_string_equal(cp[end[4]], " ");
		assert_string_not_equal(cp[start[5]], " ");
		assert_string_not_equal(cp[start[6]], " ");
		assert_true(is_block(cp[start[7]]));
		assert_int_equal(n, start[7] + 3); /* one sparkline cell per week */
		if (strncmp(line, "backlog", 7) == 0) {
			/* The value cells end where their headers end. */
			char tok[64] = "";
			for (int i = end[3] - 7; i < end[3]; i++)
				strcat(tok, cp[i]);
			assert_string_equal(tok, "2469134");
			tok[0] = '\0';
			for (int i = end[4] - 7; i < end[4]; i++)
				strcat(tok, cp[i]);
			assert_string_equal(tok, "1234567");
			assert_string_equal(cp[end[4] - 8], " ");
		}
	}
	assert_int_equal(nlines, 4); /* legacy, owned, Zürich, backlog */
	free(text);
}

static void test_format_table__shows_last_week_status_and_sparkline(void **state)
{
	fx *f = *state;
	char *line;

	build_table_result(f);
	assert_int_equal(kpi_format_table(&f->out, f->res, NULL, NULL, NULL), 0);
	line = strstr(f->out.data, "path=owned");
	assert_non_null(line);
	*strchr(line, '\n') = '\0';
	assert_contains(line, "2026-W20");
	assert_contains(line, "no_data");
	assert_contains(line, "96");  /* previous week's value */
	line = strstr(line + strlen(line) + 1, "backlog");
	assert_non_null(line);
	assert_contains(line, "▁▅█");
	assert_contains(line, "2469134"); /* 1234567 * 2 */
}

/* Remove ANSI CSI sequences (test-side). */
static void strip_ansi(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\033' && r[1] == '[') {
			r += 2;
			while (*r && !(*r >= '@' && *r <= '~'))
				r++;
			if (*r)
				r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static void test_format_table__color_only_adds_escapes(void **state)
{
	fx *f = *state;
	kpi_table_opts opts = KPI_TABLE_OPTS_INIT;
	kpi_buf colored = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;

	build_table_result(f);
	assert_int_equal(kpi_eval_verdicts(&f->verdicts, f->res, &err), 0);
	opts.color = false;
	assert_int_equal(kpi_format_table(&f->out, f->res, f->verdicts, &opts, NULL), 0);
	assert_null(strchr(f->out.data, '\033'));
	assert_contains(f->out.data, "VERDICT");
	opts.color = true;
	assert_int_equal(kpi_format_table(&colored, f->res, f->verdicts, &opts, NULL), 0);
	assert_non_null(strstr(colored.data, "\033["));
	strip_ansi(colored.data);
	assert_string_equal(colored.data, f->out.data);
	kpi_buf_release(&colored);
}

static void test_format_table__lists_verdict_of_each_week(void **state)
{
	fx *f = *state;
	kpi_error err = KPI_ERROR_INIT;
	const char *v;

	build_table_result(f);
	assert_int_equal(kpi_eval_verdicts(&f->verdicts, f->res, &err), 0);
	assert_int_equal(kpi_format_table(&f->out, f->res, f->verdicts, NULL, NULL), 0);
	v = strstr(f->out.data, "VERDICT");
	assert_non_null(v);
	/* owned: 95, 96 breach; the last week has no value (ignore): GO. */
	assert_contains(v, "2026-W18  NO-GO");
	assert_contains(v, "2026-W19  NO-GO");
	assert_contains(v, "2026-W20  GO");
	assert_contains(v, "rate_by_path{path=owned}");
}

/* A partial row's week is marked `*`, and one footnote line under the
 * table says what the mark means; without a partial row, no footnote. */
static void test_format_table__footnote_explains_the_partial_mark(void **state)
{
	fx *f = *state;
	kpi_error err = KPI_ERROR_INIT;
	const char *foot, *v, *star;
	char *line;

	build_rate_series(f); /* the current week 2026-W20, as of 2026-05-13T06:30:00Z */
	assert_int_equal(kpi_eval_verdicts(&f->verdicts, f->res, &err), 0);
	assert_int_equal(kpi_format_table(&f->out, f->res, f->verdicts, NULL, NULL), 0);
	star = strstr(f->out.data, "2026-W20*");
	assert_non_null(star);
	foot = strstr(f->out.data, "\n* ");
	assert_non_null(foot);
	assert_true(star < foot);
	line = strndup(foot + 1, strcspn(foot + 1, "\n"));
	assert_string_equal(line, "* 2026-W20 is not over: values so far, as of 2026-05-13T06:30:00Z "
	                          "(the week ends 2026-05-18T00:00:00Z)");
	free(line);
	assert_null(strstr(foot + 1, "\n* ")); /* once */
	/* after every row of the table, before the verdicts */
	v = strstr(f->out.data, "VERDICT");
	assert_non_null(v);
	assert_true(foot < v);
	{
		const char *row = strstr(foot + 1, "path=");
		assert_true(!row || row > v); /* no table row after it */
	}
	/* a table without a partial row has no footnote (and no mark) */
	kpi_verdicts_free(f->verdicts, (size_t)f->res->window.nweeks);
	f->verdicts = NULL;
	kpi_result_free(f->res);
	kpi_buf_release(&f->out);
	build_table_result(f);
	assert_int_equal(kpi_format_table(&f->out, f->res, NULL, NULL, NULL), 0);
	assert_null(strchr(f->out.data, '*'));
	assert_null(strstr(f->out.data, "is not over"));
}

/* Durations read in minutes, hours or days, as in the pack: the last week's
 * value and the previous one each in the unit its size reads best in. */
static void test_format_table__durations_in_readable_units(void **state)
{
	fx *f = *state;
	static const char *const lb[] = { "Zürich", "ä" };
	static const struct { double prev, last; const char *want_prev, *want_last; } cases[] = {
		{ 90, 1412611.79, "90 s", "16.35 d" },
		{ 150, 7200, "2.50 min", "2 h" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi_series *s;
		char *line;
		(void)new_result(f, "2026-W20", 2, utc(2026, 6, 1, 0, 0, 0));
		s = add_series(f, "free_labels");
		add_row(f, s, 0, lb, true, cases[i].prev, -1, -1);
		add_row(f, s, 1, lb, true, cases[i].last, -1, -1);
		kpi_eval_result(f->res);
		assert_int_equal(kpi_format_table(&f->out, f->res, NULL, NULL, NULL), 0);
		line = strstr(f->out.data, "2026-W20");
		assert_non_null(line);
		assert_contains(line, cases[i].want_last);
		assert_contains(line, cases[i].want_prev);
		assert_null(strstr(f->out.data, "1412611"));
		kpi_result_free(f->res);
		f->res = NULL;
		kpi_buf_release(&f->out);
	}
}

/* ---- the uncovered designs (kpi uncovered) ---- */

/* 5 uncovered as of the end of 2026-W46, the 3 oldest listed: ages that
 * breach (9.5 > 7), warn (6.5, within 1 of 7) and are ok (1). */
static void uncovered_list(kpi_uncovered_list *l, kpi_uncovered *d)
{
	static char t1[] = "acme", t2[] = "zürich", t3[] = "x", s1[] = "kraft", s2[] = "gold, \"foil\"", s3[] = "c";
	kpi_error err = KPI_ERROR_INIT;

	memset(l, 0, sizeof(*l));
	d[0] = (kpi_uncovered){ 42, t1, s1, 2, 1793966400, 9.5 };
	d[1] = (kpi_uncovered){ 7, t2, s2, 1, 1794225600, 6.5 };
	d[2] = (kpi_uncovered){ 1234, t3, s3, 12, 1794700800, 1 };
	l->as_of = 1794787200; /* 2026-11-16T00:00:00Z */
	assert_int_equal(kpi_week_parse(&l->week, "2026-W46", &err), 0);
	l->active_days = 90;
	l->limit = 3;
	l->designs = d;
	l->ndesigns = 3;
	l->total = 5;
	l->query = "pack/uncovered_designs.sql";
	l->source = "host=/tmp port=5432 dbname=kpi user=kpi_ro";
	memset(l->sha256, 'a', 64);
}

static void test_format_uncovered__table_colours_ages_and_says_the_total(void **state)
{
	kpi_threshold th = { KPI_OP_LE, 7, 1 };
	kpi_table_opts opts = KPI_TABLE_OPTS_INIT;
	kpi_uncovered_list l;
	kpi_uncovered d[3];
	kpi_buf plain = KPI_BUF_INIT, colored = KPI_BUF_INIT;
	(void)state;

	uncovered_list(&l, d);
	opts.color = false;
	assert_int_equal(kpi_format_uncovered_table(&plain, &l, &th, &opts, NULL), 0);
	assert_string_equal(plain.data,
	                    "DESIGN  TENANT  STYLE         REVISION  REVISION CREATED         AGE\n"
	                    "    42  acme    kraft                2  2026-11-06T12:00:00Z  9.50 d\n"
	                    "     7  zürich  gold, \"foil\"         1  2026-11-09T12:00:00Z  6.50 d\n"
	                    "  1234  x       c                   12  2026-11-15T00:00:00Z     1 d\n"
	                    "5 uncovered designs as of 2026-11-16T00:00:00Z (the end of 2026-W46): the 3 oldest listed "
	                    "(--limit 3), 2 more not listed\n");
	opts.color = true;
	assert_int_equal(kpi_format_uncovered_table(&colored, &l, &th, &opts, NULL), 0);
	assert_contains(colored.data, "\033[1;31m9.50 d\033[0m");
	assert_contains(colored.data, "\033[33m6.50 d\033[0m");
	assert_contains(colored.data, "\033[32m   1 d\033[0m");
	strip_ansi(colored.data);
	assert_string_equal(colored.data, plain.data);
	/* without a threshold (a catalogue without the KPI): no colour */
	kpi_buf_release(&colored);
	assert_int_equal(kpi_format_uncovered_table(&colored, &l, NULL, &opts, NULL), 0);
	assert_string_equal(colored.data, plain.data);
	kpi_buf_release(&colored);
	kpi_buf_release(&plain);

	/* none uncovered: one sentence, no table */
	l.ndesigns = l.total = 0;
	l.partial = true;
	assert_int_equal(kpi_format_uncovered_table(&plain, &l, &th, &opts, NULL), 0);
	{
		static const char want[] = "No uncovered designs as of 2026-11-16T00:00:00Z (2026-W46 is not over: now): ";
		assert_int_equal(strncmp(plain.data, want, sizeof(want) - 1), 0);
	}
	assert_null(strchr(plain.data, '\033'));
	kpi_buf_release(&plain);
}

static void test_format_uncovered__json_and_csv_carry_the_total(void **state)
{
	kpi_uncovered_list l;
	kpi_uncovered d[3];
	kpi_buf out = KPI_BUF_INIT;
	json_error_t jerr;
	json_t *doc;
	(void)state;

	uncovered_list(&l, d);
	assert_int_equal(kpi_format_uncovered_json(&out, &l, NULL), 0);
	doc = json_loads(out.data, 0, &jerr);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "total")), 5);
	assert_int_equal(json_integer_value(json_object_get(doc, "listed")), 3);
	assert_int_equal(json_integer_value(json_object_get(doc, "limit")), 3);
	assert_true(json_is_false(json_object_get(doc, "partial")));
	assert_string_equal(json_string_value(json_object_get(doc, "week")), "2026-W46");
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "query"), "file")),
	                    "pack/uncovered_designs.sql");
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(json_object_get(doc, "designs"), 1), "style_id")),
	        "gold, \"foil\"");
	assert_true(json_real_value(json_object_get(json_array_get(json_object_get(doc, "designs"), 0), "age_days")) ==
	            9.5);
	json_decref(doc);
	kpi_buf_release(&out);

	assert_int_equal(kpi_format_uncovered_csv(&out, &l, NULL), 0);
	assert_string_equal(out.data, "design_id,tenant_id,style_id,revision,revision_at,age_days,as_of,total\r\n"
	                              "42,acme,kraft,2,2026-11-06T12:00:00Z,9.5,2026-11-16T00:00:00Z,5\r\n"
	                              "7,zürich,\"gold, \"\"foil\"\"\",1,2026-11-09T12:00:00Z,6.5,2026-11-16T00:00:00Z,5\r\n"
	                              "1234,x,c,12,2026-11-15T00:00:00Z,1,2026-11-16T00:00:00Z,5\r\n");
	kpi_buf_release(&out);

	/* none: an empty array, still the total */
	l.ndesigns = l.total = 0;
	l.designs = NULL;
	assert_int_equal(kpi_format_uncovered_json(&out, &l, NULL), 0);
	assert_contains(out.data, "\"total\":0,\"listed\":0,");
	assert_contains(out.data, "\"designs\":[]}\n");
	kpi_buf_release(&out);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_number__simple_decimals),
		cmocka_unit_test(test_format_number__sixteen_and_seventeen_digit_values),
		cmocka_unit_test(test_format_number__shortest_round_trip),
		cmocka_unit_test(test_format_number__tiny_and_huge_values),
		cmocka_unit_test(test_format_number__absent_nan_and_inf_are_null),
		cmocka_unit_test(test_number__one_value_in_every_style),
		cmocka_unit_test(test_threshold__every_style),
		cmocka_unit_test(test_buf__printf_grows_past_small_buffer),
		T(test_format_json_series__exact_text),
		T(test_format_json_series__parses_back_with_spec_shape),
		T(test_format_json_series__escapes_label_values),
		T(test_format_json_series__no_rows_is_an_empty_array),
		T(test_format_json_result__parses_with_window_kpis_and_verdicts),
		T(test_format_json_result__reason_labels_are_objects),
		T(test_format_json_result__without_verdicts_has_no_verdicts_key),
		T(test_format_csv__rfc4180_quoting_crlf_and_empty_nulls),
		T(test_format_csv__header_only_for_empty_result),
		T(test_format_csv__partial_column_true_on_the_current_week),
		cmocka_unit_test(test_format_sparkline__eight_levels_from_min_to_max),
		cmocka_unit_test(test_format_sparkline__scales_to_the_window_range),
		cmocka_unit_test(test_format_sparkline__flat_series_is_mid_level),
		cmocka_unit_test(test_format_sparkline__missing_values_keep_their_column),
		cmocka_unit_test(test_format_sparkline__all_missing_and_empty),
		T(test_format_table__columns_line_up_with_unicode),
		T(test_format_table__shows_last_week_status_and_sparkline),
		T(test_format_table__color_only_adds_escapes),
		T(test_format_table__lists_verdict_of_each_week),
		T(test_format_table__footnote_explains_the_partial_mark),
		T(test_format_table__durations_in_readable_units),
		cmocka_unit_test(test_format_uncovered__table_colours_ages_and_says_the_total),
		cmocka_unit_test(test_format_uncovered__json_and_csv_carry_the_total),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
