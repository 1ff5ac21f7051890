/*
 * M-of-N alarm rules (alarm.c) against every row of the two tables in the
 * CloudWatch User Guide ("How alarm state is evaluated when data is
 * missing"), for every treat-missing-data policy, plus the cases around
 * them and the catalogue's rule parsing.
 *
 * Ranges are written as in the guide, oldest first: '0' a datapoint within
 * the threshold, 'X' a breaching one, '-' a missing one.
 */
#include "unit.h"

static kpi_alarm_rule rule(int m, int n, kpi_treat_missing t)
{
	kpi_alarm_rule r;
	memset(&r, 0, sizeof(r));
	r.threshold.op = KPI_OP_LE; /* healthy at or below 1 (error rate %) */
	r.threshold.target = 1.0;
	r.datapoints_to_alarm = m;
	r.evaluation_periods = n;
	r.period_seconds = 60;
	r.treat_missing = t;
	return r;
}

static kpi_alarm_state eval(int m, int n, kpi_treat_missing t, const char *range, kpi_alarm_state current)
{
	double v[32];
	bool p[32];
	size_t k = 0;
	kpi_alarm_rule r = rule(m, n, t);
	for (const char *c = range; *c; c++) {
		if (*c == ' ')
			continue;
		p[k] = *c != '-';
		v[k] = *c == 'X' ? 5.0 : *c == '0' ? 0.2 : NAN;
		k++;
	}
	return kpi_alarm_eval(&r, v, p, k, current);
}

#define OK KPI_ALARM_OK
#define AL KPI_ALARM_ALARM
#define ID KPI_ALARM_INSUFFICIENT_DATA
#define KEEP (-1)

typedef struct row {
	const char *range;
	int missing, ignore, breaching, not_breaching; /* KEEP: retain current state */
} row;

static void check_table(int m, int n, const row *rows, size_t nrows)
{
	static const kpi_treat_missing policies[] = { KPI_TREAT_MISSING, KPI_TREAT_IGNORE, KPI_TREAT_BREACHING,
		                                      KPI_TREAT_NOT_BREACHING };
	for (size_t i = 0; i < nrows; i++) {
		int want[4] = { rows[i].missing, rows[i].ignore, rows[i].breaching, rows[i].not_breaching };
		for (int p = 0; p < 4; p++) {
			/* "retain current state" is checked from each possible state */
			for (int cur = 0; cur < 3; cur++) {
				kpi_alarm_state got = eval(m, n, policies[p], rows[i].range, (kpi_alarm_state)cur);
				kpi_alarm_state exp = want[p] == KEEP ? (kpi_alarm_state)cur : (kpi_alarm_state)want[p];
				if (got != exp) {
					print_error("%d of %d, '%s', %s, current %s: got %s, expected %s\n", m, n,
					            rows[i].range, kpi_treat_missing_name(policies[p]),
					            kpi_alarm_state_name((kpi_alarm_state)cur), kpi_alarm_state_name(got),
					            kpi_alarm_state_name(exp));
					fail();
				}
			}
		}
	}
}

static void test_alarm_eval__guide_table_3_of_3(void **state)
{
	static const row rows[] = {
		{ "0 - X - X", OK, OK, OK, OK },
		{ "0 - - - -", OK, OK, OK, OK },
		{ "- - - - -", ID, KEEP, AL, OK },
		{ "0 X X - X", AL, AL, AL, AL },
		{ "- - - - X", ID, KEEP, AL, OK },
		{ "X - - - -", AL, KEEP, AL, OK },
	};
	(void)state;
	check_table(3, 3, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_alarm_eval__guide_table_2_of_3(void **state)
{
	static const row rows[] = {
		{ "0 - X - X", AL, AL, AL, AL },
		{ "0 0 X 0 X", AL, AL, AL, AL },
		{ "0 - X - -", OK, OK, AL, OK },
		{ "- - - - 0", OK, OK, AL, OK },
		{ "- - - - X", ID, KEEP, AL, OK },
	};
	(void)state;
	check_table(2, 3, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_alarm_eval__seed_001_five_of_five_one_minute(void **state)
{
	(void)state;
	/* > 1 % for 5 consecutive minutes alarms; 4 of 5 does not */
	assert_int_equal(eval(5, 5, KPI_TREAT_MISSING, "0 0 X X X X X", OK), AL);
	assert_int_equal(eval(5, 5, KPI_TREAT_MISSING, "0 X X X X 0 X", OK), OK);
	assert_int_equal(eval(5, 5, KPI_TREAT_MISSING, "X X X X X X 0", AL), OK);
	/* only the most recent N real datapoints count */
	assert_int_equal(eval(5, 5, KPI_TREAT_MISSING, "0 X X - X X X", OK), AL);
}

static void test_alarm_eval__full_range_ignores_policy(void **state)
{
	(void)state;
	for (int t = 0; t < 4; t++) {
		assert_int_equal(eval(3, 3, (kpi_treat_missing)t, "X X X", OK), AL);
		assert_int_equal(eval(3, 3, (kpi_treat_missing)t, "X 0 X", AL), OK);
	}
}

static void test_alarm_eval__breaching_fills_as_few_as_needed(void **state)
{
	(void)state;
	/* 3 of 3 with one real good point: two filled breaching -> 2 < 3 -> OK */
	assert_int_equal(eval(3, 3, KPI_TREAT_BREACHING, "- 0 -", OK), OK);
	/* 2 of 3: the same gives ALARM */
	assert_int_equal(eval(2, 3, KPI_TREAT_BREACHING, "- 0 -", OK), AL);
}

static void test_alarm_eval__empty_range(void **state)
{
	kpi_alarm_rule r = rule(1, 1, KPI_TREAT_MISSING);
	(void)state;
	assert_int_equal(kpi_alarm_eval(&r, NULL, NULL, 0, OK), ID);
	r.treat_missing = KPI_TREAT_IGNORE;
	assert_int_equal(kpi_alarm_eval(&r, NULL, NULL, 0, AL), AL);
	r.treat_missing = KPI_TREAT_BREACHING;
	assert_int_equal(kpi_alarm_eval(&r, NULL, NULL, 0, OK), AL);
	r.treat_missing = KPI_TREAT_NOT_BREACHING;
	assert_int_equal(kpi_alarm_eval(&r, NULL, NULL, 0, AL), OK);
}

static void test_alarm_eval__nan_counts_as_missing(void **state)
{
	kpi_alarm_rule r = rule(1, 1, KPI_TREAT_MISSING);
	double v[1] = { NAN };
	bool p[1] = { true };
	(void)state;
	assert_int_equal(kpi_alarm_eval(&r, v, p, 1, OK), ID);
}

static void test_alarm_breaches__threshold_ops(void **state)
{
	kpi_alarm_rule r = rule(1, 1, KPI_TREAT_MISSING);
	(void)state;
	assert_false(kpi_alarm_breaches(&r, 1.0));
	assert_true(kpi_alarm_breaches(&r, 1.0001));
	r.threshold.op = KPI_OP_GE;
	r.threshold.target = 99;
	assert_true(kpi_alarm_breaches(&r, 98.9));
	assert_false(kpi_alarm_breaches(&r, 99));
	r.threshold.op = KPI_OP_NONE;
	assert_false(kpi_alarm_breaches(&r, 1e9));
	/* warn margins do not make a datapoint breach */
	r.threshold.op = KPI_OP_LE;
	r.threshold.target = 500;
	r.threshold.warn_margin = 50;
	assert_false(kpi_alarm_breaches(&r, 480));
}

static void test_alarm_range__at_least_five(void **state)
{
	kpi_alarm_rule r = rule(1, 1, KPI_TREAT_MISSING);
	(void)state;
	assert_int_equal(kpi_alarm_range(&r), 5);
	r.evaluation_periods = 3;
	assert_int_equal(kpi_alarm_range(&r), 5);
	r.evaluation_periods = 5;
	assert_int_equal(kpi_alarm_range(&r), 7);
}

static void test_treat_missing__names_round_trip(void **state)
{
	kpi_treat_missing t;
	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(kpi_treat_missing_parse(&t, kpi_treat_missing_name((kpi_treat_missing)i)), 0);
		assert_int_equal(t, i);
	}
	assert_int_equal(kpi_treat_missing_parse(&t, "notBreaching"), 0);
	assert_int_equal(t, KPI_TREAT_NOT_BREACHING);
	assert_int_equal(kpi_treat_missing_parse(&t, "sometimes"), KPI_EUSAGE);
	assert_int_equal(kpi_treat_missing_parse(&t, NULL), KPI_EUSAGE);
	assert_string_equal(kpi_alarm_state_name(KPI_ALARM_INSUFFICIENT_DATA), "INSUFFICIENT_DATA");
}

/* A kpi_def around a JSON entry, as the catalogue keeps it. */
static void def_from(kpi_def *d, const char *json)
{
	memset(d, 0, sizeof(*d));
	d->id = (char *)"t";
	d->source = (char *)"cloudwatch"; /* its own object may hold the rule, as catalogues did before "alarm" */
	d->threshold.op = KPI_OP_LE;
	d->threshold.target = 1;
	d->raw = json_loads(json, 0, NULL);
	assert_non_null(d->raw);
}

static void test_alarm_rule_of__reads_the_catalogue_entry(void **state)
{
	kpi_def d;
	kpi_alarm_rule r;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	def_from(&d, "{\"cloudwatch\": {\"alarm\": {\"period_seconds\": 60, \"datapoints_to_alarm\": 5,"
	             " \"evaluation_periods\": 5, \"treat_missing_data\": \"notBreaching\"}}}");
	assert_int_equal(kpi_alarm_rule_of(&r, &d, &err), 0);
	assert_int_equal(r.period_seconds, 60);
	assert_int_equal(r.datapoints_to_alarm, 5);
	assert_int_equal(r.evaluation_periods, 5);
	assert_int_equal(r.treat_missing, KPI_TREAT_NOT_BREACHING);
	assert_int_equal(r.threshold.op, KPI_OP_LE); /* the KPI's own */
	json_decref(d.raw);

	def_from(&d, "{\"alarm\": {\"evaluation_periods\": 3, \"threshold\": {\"op\": \"<=\", \"target\": 500}}}");
	assert_int_equal(kpi_alarm_rule_of(&r, &d, &err), 0);
	assert_int_equal(r.datapoints_to_alarm, 3); /* defaults to N */
	assert_double_equal(r.threshold.target, 500);
	assert_int_equal(r.treat_missing, KPI_TREAT_MISSING);
	json_decref(d.raw);
}

static void test_alarm_rule_of__errors_name_the_kpi_and_key(void **state)
{
	static const struct {
		const char *json;
		int code;
		const char *msg;
	} cases[] = {
		{ "{}", KPI_ENOTFOUND, "no alarm rule" },
		{ "{\"cloudwatch\": {\"alarm\": null}}", KPI_ENOTFOUND, "no alarm rule" },
		{ "{\"cloudwatch\": {\"alarm\": {\"evaluation_periods\": 2, \"datapoints_to_alarm\": 3}}}", KPI_ECONFIG,
		  "datapoints_to_alarm (3) exceeds" },
		{ "{\"cloudwatch\": {\"alarm\": {\"evaluation_periods\": 0}}}", KPI_ECONFIG, "evaluation_periods" },
		{ "{\"cloudwatch\": {\"alarm\": {\"period_seconds\": 90}}}", KPI_ECONFIG, "period_seconds" },
		{ "{\"cloudwatch\": {\"alarm\": {\"treat_missing_data\": \"maybe\"}}}", KPI_ECONFIG, "treat_missing_data" },
		{ "{\"cloudwatch\": {\"alarm\": {\"periods\": 5}}}", KPI_ECONFIG, "unknown key 'periods' in cloudwatch.alarm" },
		{ "{\"alarm\": {\"periods\": 5}}", KPI_ECONFIG, "unknown key 'periods' in alarm" },
		{ "{\"alarm\": {\"evaluation_periods\": 2, \"datapoints_to_alarm\": 3}}", KPI_ECONFIG,
		  "alarm.datapoints_to_alarm (3) exceeds" },
		{ "{\"cloudwatch\": {\"alarm\": {\"threshold\": {\"op\": \"~\", \"target\": 1}}}}", KPI_ECONFIG, "op" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi_def d;
		kpi_alarm_rule r;
		kpi_error err = KPI_ERROR_INIT;
		def_from(&d, cases[i].json);
		assert_int_equal(kpi_alarm_rule_of(&r, &d, &err), cases[i].code);
		assert_contains(err.message, "KPI t");
		assert_contains(err.message, cases[i].msg);
		json_decref(d.raw);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alarm_eval__guide_table_3_of_3),
		cmocka_unit_test(test_alarm_eval__guide_table_2_of_3),
		cmocka_unit_test(test_alarm_eval__seed_001_five_of_five_one_minute),
		cmocka_unit_test(test_alarm_eval__full_range_ignores_policy),
		cmocka_unit_test(test_alarm_eval__breaching_fills_as_few_as_needed),
		cmocka_unit_test(test_alarm_eval__empty_range),
		cmocka_unit_test(test_alarm_eval__nan_counts_as_missing),
		cmocka_unit_test(test_alarm_breaches__threshold_ops),
		cmocka_unit_test(test_alarm_range__at_least_five),
		cmocka_unit_test(test_treat_missing__names_round_trip),
		cmocka_unit_test(test_alarm_rule_of__reads_the_catalogue_entry),
		cmocka_unit_test(test_alarm_rule_of__errors_name_the_kpi_and_key),
	};
	return cmocka_run_group_tests_name("alarm", tests, NULL, NULL);
}
