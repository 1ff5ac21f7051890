/*
 * SLO arithmetic (eval/slo.c, kpi/slo.h): availability, burn rate, error
 * budget remaining and the workbook's alert pairs, against numbers worked
 * out by hand (the arithmetic is in the comment beside each).
 */
#include "unit.h"
#include "kpi/slo.h"

#define EPS 1e-9

static void test_slo_availability__hand_computed(void **state)
{
	double v = -1;
	(void)state;
	/* 12 errors of 10000 requests: (1 - 12/10000) x 100 = 99.88 */
	assert_true(kpi_slo_availability(&v, 12, 10000));
	assert_true(fabs(v - 99.88) < EPS);
	/* no error: 100 */
	assert_true(kpi_slo_availability(&v, 0, 5));
	assert_true(fabs(v - 100.0) < EPS);
	/* no request: no value, never 100 % */
	assert_false(kpi_slo_availability(&v, 0, 0));
	/* counts that are not a ratio: no value */
	assert_false(kpi_slo_availability(&v, 6, 5));
	assert_false(kpi_slo_availability(&v, -1, 5));
	assert_false(kpi_slo_availability(&v, NAN, 5));
}

static void test_slo_burn_rate__hand_computed(void **state)
{
	double v = -1;
	(void)state;
	/* objective 99.9 %: budget = 1 - 0.999 = 0.001 of requests.
	 * 1 h window: 144 errors of 10000 requests = 0.0144 -> 0.0144 / 0.001 = 14.4 */
	assert_true(kpi_slo_burn_rate(&v, 144, 10000, 99.9));
	assert_true(fabs(v - 14.4) < 1e-9);
	/* 5 min: 3 of 1000 = 0.003 -> 3 */
	assert_true(kpi_slo_burn_rate(&v, 3, 1000, 99.9));
	assert_true(fabs(v - 3.0) < 1e-9);
	/* objective 99 %: budget 0.01; 5 of 100 = 0.05 -> 5 */
	assert_true(kpi_slo_burn_rate(&v, 5, 100, 99.0));
	assert_true(fabs(v - 5.0) < 1e-9);
	/* every request failed at 99.9 %: 1 / 0.001 = 1000 */
	assert_true(kpi_slo_burn_rate(&v, 10, 10, 99.9));
	assert_true(fabs(v - 1000.0) < 1e-6);
	/* no request: no value */
	assert_false(kpi_slo_burn_rate(&v, 0, 0, 99.9));
	/* objectives that are no objective */
	assert_false(kpi_slo_burn_rate(&v, 1, 10, 100.0));
	assert_false(kpi_slo_burn_rate(&v, 1, 10, 0.0));
	assert_false(kpi_slo_burn_rate(&v, 1, 10, NAN));
}

static void test_slo_budget_remaining__can_go_negative(void **state)
{
	double v = -1;
	(void)state;
	/* 28 days, 1,000,000 requests at 99.9 %: the budget is 1000 errors.
	 * 250 errors: burn 0.25 -> (1 - 0.25) x 100 = 75 % left */
	assert_true(kpi_slo_budget_remaining(&v, 250, 1000000, 99.9));
	assert_true(fabs(v - 75.0) < 1e-9);
	/* 1000 errors: exactly spent, 0 % */
	assert_true(kpi_slo_budget_remaining(&v, 1000, 1000000, 99.9));
	assert_true(fabs(v) < 1e-9);
	/* 2500 errors: burn 2.5 -> (1 - 2.5) x 100 = -150 %, shown as it is */
	assert_true(kpi_slo_budget_remaining(&v, 2500, 1000000, 99.9));
	assert_true(fabs(v + 150.0) < 1e-9);
	/* no error: 100 % */
	assert_true(kpi_slo_budget_remaining(&v, 0, 1000000, 99.9));
	assert_true(fabs(v - 100.0) < 1e-9);
	assert_false(kpi_slo_budget_remaining(&v, 0, 0, 99.9));
}

static void test_slo_sum__windows_of_periods(void **state)
{
	/* 5-minute periods, oldest first; the last 12 are the last hour */
	double c[14] = { 100, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	bool h[14];
	size_t present = 0;
	(void)state;
	for (size_t i = 0; i < 14; i++)
		h[i] = true;
	h[5] = false; /* a period without a datapoint counts 0 (ALB's sparse counts) */
	/* last hour = c[2..13] without c[5]: 1+2+3+5+6+7+8+9+10+11+12 = 74 */
	assert_true(fabs(kpi_slo_sum(c, h, 14, 12, &present) - 74.0) < EPS);
	assert_int_equal(present, 11);
	/* last 5 minutes = c[13] = 12 */
	assert_true(fabs(kpi_slo_sum(c, h, 14, 1, &present) - 12.0) < EPS);
	assert_int_equal(present, 1);
	/* a window longer than the data: everything, 100+7+74 = 181 */
	assert_true(fabs(kpi_slo_sum(c, h, 14, 99, &present) - 181.0) < EPS);
	assert_int_equal(present, 13);
}

static void test_slo_alerts__workbook_pairs_at_their_edges(void **state)
{
	size_t n = 0;
	const kpi_slo_alert *a = kpi_slo_alerts(&n);
	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(a[0].name, "page_1h");
	assert_true(a[0].factor == 14.4 && a[0].long_s == 3600 && a[0].short_s == 300);
	assert_string_equal(a[0].severity, "critical");
	assert_true(a[1].factor == 6.0 && a[1].long_s == 21600 && a[1].short_s == 1800);
	assert_string_equal(a[2].severity, "warning");
	assert_true(a[2].factor == 1.0 && a[2].long_s == 259200 && a[2].short_s == 21600);

	/* both over 14.4: fires */
	assert_true(kpi_slo_pair_fires(true, 14.5, true, 20.0, 14.4));
	/* long over, short under (the incident is over): no alert */
	assert_false(kpi_slo_pair_fires(true, 20.0, true, 14.3, 14.4));
	/* short over, long under (a blip): no alert */
	assert_false(kpi_slo_pair_fires(true, 14.3, true, 50.0, 14.4));
	/* exactly at the factor is not above it */
	assert_false(kpi_slo_pair_fires(true, 14.4, true, 14.4, 14.4));
	/* a window with no value: no alert */
	assert_false(kpi_slo_pair_fires(false, 0, true, 50.0, 14.4));
	assert_false(kpi_slo_pair_fires(true, 50.0, false, 0, 14.4));
	/* ticket: 3 d at 1.01 and 6 h at 1.2 -> fires; 6 h at 0.99 -> none */
	assert_true(kpi_slo_pair_fires(true, 1.01, true, 1.2, 1.0));
	assert_false(kpi_slo_pair_fires(true, 1.01, true, 0.99, 1.0));
}

static void test_slo_window_parse__units(void **state)
{
	int64_t s = 0;
	(void)state;
	assert_int_equal(kpi_slo_window_parse(&s, "5m"), 0);
	assert_int_equal(s, 300);
	assert_int_equal(kpi_slo_window_parse(&s, "6h"), 0);
	assert_int_equal(s, 21600);
	assert_int_equal(kpi_slo_window_parse(&s, "28d"), 0);
	assert_int_equal(s, 2419200);
	assert_int_equal(kpi_slo_window_parse(&s, "0m"), KPI_EUSAGE);
	assert_int_equal(kpi_slo_window_parse(&s, "5"), KPI_EUSAGE);
	assert_int_equal(kpi_slo_window_parse(&s, "5w"), KPI_EUSAGE);
	assert_int_equal(kpi_slo_window_parse(&s, "1hh"), KPI_EUSAGE);
	assert_int_equal(kpi_slo_window_parse(&s, "400d"), KPI_EUSAGE);
	assert_int_equal(kpi_slo_window_parse(&s, NULL), KPI_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slo_availability__hand_computed),
		cmocka_unit_test(test_slo_burn_rate__hand_computed),
		cmocka_unit_test(test_slo_budget_remaining__can_go_negative),
		cmocka_unit_test(test_slo_sum__windows_of_periods),
		cmocka_unit_test(test_slo_alerts__workbook_pairs_at_their_edges),
		cmocka_unit_test(test_slo_window_parse__units),
	};
	return cmocka_run_group_tests_name("slo", tests, NULL, NULL);
}
