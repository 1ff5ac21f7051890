/*
 * Fuzz target: a CloudWatch GetMetricData answer (kpi__cw_response_apply)
 * applied to a planned call: the two metrics of api_error_rate_pct and the
 * p95 of api_latency_p95_ms over four hours at 3600 s, as kpi__cw_plan
 * batches them (queries q0, q1, q2). The recorded answers of
 * tests/fixtures/cloudwatch/ are the seeds (their timestamps start at
 * 1793577600).
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include "sources/cloudwatch/cw.h"

#define T0 1793577600
#define NUNITS 3

static kpi__cw_metric req = { KPI__CW_DENOMINATOR, "AWS/ApplicationELB", "RequestCount", "Sum", false, KPI__BOUNDS_INIT };
static kpi__cw_metric err5 = { KPI__CW_NUMERATOR, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", true, KPI__BOUNDS_INIT };
static kpi__cw_metric p95 = { KPI__CW_VALUE, "AWS/ApplicationELB", "TargetResponseTime", "p95", false, KPI__BOUNDS_INIT };
static kpi__cw_unit units[NUNITS];
static kpi__cw_call *calls;
static size_t ncalls;

static void setup(void)
{
	const kpi__cw_metric *m[NUNITS] = { &req, &err5, &p95 };
	kpi_error err = KPI_ERROR_INIT;

	for (int i = 0; i < NUNITS; i++)
		if (kpi__cw_unit_init(&units[i], i < 2 ? "api_error_rate_pct" : "api_latency_p95_ms", m[i], "LoadBalancer",
		                      "app/web/1", T0, T0 + 4 * 3600, 3600, &err))
			fuzz_fail("unit", err.message);
	if (kpi__cw_plan(&calls, &ncalls, units, NUNITS, T0 + 7 * 86400, &err) || ncalls != 1)
		fuzz_fail("plan", err.message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kpi_error err = KPI_ERROR_INIT;
	char *token = NULL;

	fuzz_quiet();
	if (!calls)
		setup();
	for (int i = 0; i < NUNITS; i++) {
		memset(units[i].values, 0, units[i].n * sizeof(*units[i].values));
		memset(units[i].flags, 0, units[i].n);
	}
	if (kpi__cw_response_apply(units, &calls[0], (const char *)data, size, &token, &err) == 0) {
		/* what was applied is a number of a requested period */
		for (int i = 0; i < NUNITS; i++)
			for (size_t k = 0; k < units[i].n; k++)
				if ((units[i].flags[k] & KPI__CW_PRESENT) && !(units[i].values[k] == units[i].values[k]))
					fuzz_fail("a NaN applied", units[i].metric->name);
	}
	free(token);
	return 0;
}
