/*
 * Benchmark of the CloudWatch client (figures, not a test; not in ctest):
 * pull N series (default 1000) over 12 weeks at PERIOD seconds (default
 * 604800, one datapoint a week; 3600 gives the hourly pull of the weekly
 * sums and maxima) from a CloudWatch endpoint (moto_server or the tests'
 * responder, via bench_cloudwatch.sh), once batched as kpi does
 * (kpi__cw_run: up to 500 queries and 100,800 datapoints a call) and once
 * with one GetMetricData call per series, and print the requests made and the
 * wall time of each (median of RUNS) as a Markdown table row pair.
 *
 * usage: bench_cloudwatch [NSERIES [PERIOD]]; environment: AWS_ENDPOINT_URL
 * (the endpoint), RUNS (default 3), KPI_BENCH_SEED=0 to skip seeding (one
 * datapoint a week per series).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sources/cloudwatch/cw.h"

#define WEEKS 12
#define H 3600

static double median(double *v, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	return v[n / 2];
}

static void die(const kpi_error *err)
{
	fprintf(stderr, "bench_cloudwatch: %s\n", err->message);
	exit(1);
}

int main(int argc, char **argv)
{
	int nseries = argc > 1 ? atoi(argv[1]) : 1000, period = argc > 2 ? atoi(argv[2]) : 604800, runs = getenv("RUNS") ? atoi(getenv("RUNS")) : 3;
	int64_t now = (int64_t)time(NULL), to = now - now % (7 * 86400), from = to - WEEKS * 7 * 86400;
	kpi__cw_metric m = { KPI__CW_VALUE, (char *)"KPI-Bench", (char *)"Depth", (char *)"Maximum", false,
		             KPI__BOUNDS_INIT };
	kpi__cw_unit *u = calloc((size_t)nseries, sizeof(*u));
	char (*names)[32] = calloc((size_t)nseries, sizeof(*names));
	double tb[16], ts[16];
	kpi__cw_stats sb = { { 0, 0, 0 }, 0, 0, 0 }, ss = { { 0, 0, 0 }, 0, 0, 0 };
	kpi__aws_retry retry = KPI__AWS_RETRY_INIT;
	kpi__aws aws;
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	size_t seeded = 0;

	if (nseries < 1 || runs < 1 || runs > 16 || !u || !names)
		return 2;
	kpi_log_setup(KPI_LOG_FORMAT_TEXT, KPI_LOG_WARN, stderr, NULL);
	if (kpi_config_load(&cfg, NULL, &err) || kpi__aws_resolve(&aws, cfg, &kpi__aws_cloudwatch, "us-east-1", &err))
		die(&err);
	for (int i = 0; i < nseries; i++)
		snprintf(names[i], sizeof(names[i]), "bench-q%04d", i);
	if (!getenv("KPI_BENCH_SEED") || strcmp(getenv("KPI_BENCH_SEED"), "0") != 0) {
		/* one datapoint a week per series: moto's GetMetricData scans every
		 * stored datapoint of the range for every query and period */
		json_t *data = json_array();
		for (int i = 0; i < nseries; i++)
			for (int d = 0; d < WEEKS * 7; d += 7) {
				json_array_append_new(data, json_pack("{s:s, s:[{s:s, s:s}], s:I, s:f}", "MetricName", "Depth",
				                                      "Dimensions", "Name", "QueueName", "Value", names[i],
				                                      "Timestamp", (json_int_t)(from + d * 86400 + 12 * H),
				                                      "Value", (double)(i + d)));
				if (json_array_size(data) == 1000 || (i == nseries - 1 && d + 7 >= WEEKS * 7)) {
					json_t *body = json_pack("{s:s, s:O}", "Namespace", "KPI-Bench", "MetricData", data);
					char *text = json_dumps(body, JSON_COMPACT);
					kpi__http_resp resp = KPI__HTTP_RESP_INIT;
					if (kpi__aws_call(&resp, &aws, "application/x-amz-json-1.0",
					                  "GraniteServiceVersion20100801.PutMetricData", text, strlen(text),
					                  "seeding", &retry, NULL, &err))
						die(&err);
					seeded += json_array_size(data);
					json_array_clear(data);
					kpi__http_resp_release(&resp);
					free(text);
					json_decref(body);
				}
			}
		json_decref(data);
	}
	for (int r = 0; r < runs; r++) {
		double t0;
		kpi__cw_stats one = { { 0, 0, 0 }, 0, 0, 0 };
		for (int i = 0; i < nseries; i++)
			if (kpi__cw_unit_init(&u[i], "bench", &m, "QueueName", names[i], from, to, period, &err))
				die(&err);
		t0 = kpi__mono_now();
		if (kpi__cw_run(u, (size_t)nseries, &aws, &retry, now, &one, &err))
			die(&err);
		tb[r] = kpi__mono_now() - t0;
		sb = one;
		memset(&one, 0, sizeof(one));
		t0 = kpi__mono_now();
		for (int i = 0; i < nseries; i++)
			if (kpi__cw_run(&u[i], 1, &aws, &retry, now, &one, &err))
				die(&err);
		ts[r] = kpi__mono_now() - t0;
		ss = one;
		for (int i = 0; i < nseries; i++)
			kpi__cw_unit_release(&u[i]);
	}
	printf("<!-- %d series x %d weeks at %d s (%d periods each), %zu datapoints seeded, %zu returned a pass, "
	       "median of %d runs -->\n",
	       nseries, WEEKS, period, (int)((to - from) / period), seeded, sb.datapoints, runs);
	printf("| %d | %d s | batched (kpi) | %d | %.3f |\n", nseries, period, sb.aws.requests, median(tb, runs));
	printf("| %d | %d s | one call per series | %d | %.3f |\n", nseries, period, ss.aws.requests, median(ts, runs));
	kpi__aws_release(&aws);
	free(u);
	free(names);
	return 0;
}
