/*
 * The host KPIs host_memory_used_pct and host_disk_used_pct from the
 * CloudWatch agent's metrics (CWAgent mem_used_percent, disk_used_percent)
 * against moto_server on loopback (KPI_TEST_MOTO_URL, started by
 * scripts/test): two instances and two mount paths seeded with
 * PutMetricData, found by kpi with ListMetrics, read back by kpi_collect and
 * `kpi query --format json` against hand-computed weekly maxima; a host
 * that did not report in a week has no value there (null, no_data), never
 * 0 %; the agent's aggregate series (no InstanceId) are left out; an
 * instance listed with two dimension sets (resized: another InstanceType)
 * is one host, the higher value. Then `kpi alert` on the 5-minute alarm
 * rule: exactly one alert per breaching host and per breaching mount.
 *
 * moto is shared by the CloudWatch tests of a run (and by the runs of a
 * developer's session): the test reads the shipped query files with their
 * namespace made unique to this process ("CWAgent" -> "CWAgent-it-<pid>"),
 * so what ListMetrics finds is what this test seeded.
 *
 * Weeks (UTC): W44 = 2026-10-26, W45 = 2026-11-02; NOW after W45.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it_util.h"
#include "it_cw.h"

#define W44 1792972800LL
#define W45 (W44 + 604800)
#define H 3600
#define NOW "2026-11-20T00:00:00Z"

static const char *moto;
static char ns[64];            /* CWAgent-it-<pid> */
static char config[512];       /* the config file: queries copy, hosts discovered */
static char qdir[256];
static int64_t alarm_end;      /* kpi alert's --now: a 5-minute boundary in the last hour */

static void put(const char *metric, const char *const *dims, int64_t t, double v)
{
	it_cw_put_dims(ns, metric, dims, &t, &v, 1);
}

/* The series of one hour-spaced run of values from `t`. */
static void put_hours(const char *metric, const char *const *dims, int64_t t, const double *v, size_t n)
{
	int64_t ts[200];
	assert_true(n <= 200);
	for (size_t i = 0; i < n; i++)
		ts[i] = t + (int64_t)i * H + 120;
	it_cw_put_dims(ns, metric, dims, ts, v, n);
}

static const char *const mem_a[] = { "InstanceId", "i-0aaa", NULL };
/* i-0bbb with append_dimensions, resized in W44 (t3.small -> t3.large) */
static const char *const mem_b_small[] = { "InstanceId", "i-0bbb", "InstanceType", "t3.small", NULL };
static const char *const mem_b_large[] = { "InstanceId", "i-0bbb", "InstanceType", "t3.large", NULL };
static const char *const mem_asg[] = { "AutoScalingGroupName", "web", NULL }; /* an aggregate */
static const char *const disk_a_root[] = { "InstanceId", "i-0aaa", "path", "/", "device", "nvme0n1p1", "fstype", "ext4",
	                                   NULL };
static const char *const disk_a_data[] = { "InstanceId", "i-0aaa", "path", "/data", "device", "nvme1n1", "fstype", "xfs",
	                                   NULL };
static const char *const disk_b_root[] = { "InstanceId", "i-0bbb", "path", "/", "device", "nvme0n1p1", "fstype", "ext4",
	                                   NULL };
static const char *const disk_agg[] = { "path", "/", NULL }; /* an aggregate over instances */

static void seed(void)
{
	double v[168];
	/* Memory. i-0aaa: W44 hourly 40 + (h % 20), one spike of 61.5 -> max 61.5;
	 * W45 the same with a spike of 91 -> 91 (above 85). i-0bbb: W44 t3.small
	 * 70.25 then t3.large 72.5 (one host: max 72.5); W45 nothing (no data). */
	for (int h = 0; h < 168; h++)
		v[h] = 40 + h % 20;
	put_hours("mem_used_percent", mem_a, W44, v, 168);
	put_hours("mem_used_percent", mem_a, W45, v, 168);
	put("mem_used_percent", mem_a, W44 + 50 * H + 1800, 61.5);
	put("mem_used_percent", mem_a, W45 + 100 * H + 1800, 91);
	put("mem_used_percent", mem_b_small, W44 + 3 * H, 70.25);
	put("mem_used_percent", mem_b_large, W44 + 90 * H, 72.5);
	put("mem_used_percent", mem_asg, W45 + 5 * H, 99); /* not a host: left out */
	/* Disk. i-0aaa /: W44 max 80, W45 88.5; /data: 40 then 42; i-0bbb /: W44 55,
	 * W45 nothing. */
	put("disk_used_percent", disk_a_root, W44 + 10 * H, 80);
	put("disk_used_percent", disk_a_root, W44 + 11 * H, 79.5);
	put("disk_used_percent", disk_a_root, W45 + 10 * H, 88.5);
	put("disk_used_percent", disk_a_data, W44 + 10 * H, 40);
	put("disk_used_percent", disk_a_data, W45 + 10 * H, 42);
	put("disk_used_percent", disk_b_root, W44 + 20 * H, 55);
	put("disk_used_percent", disk_agg, W45 + 20 * H, 97);
}

/* The alarm minutes: three 5-minute periods before alarm_end, each with
 * one datapoint per minute; i-0aaa's memory and its / above 85 % in all
 * three (ALARM), the rest below (OK). */
static void seed_alarm(void)
{
	int64_t ts[15];
	double hi[15], lo[15], mid[15];
	for (int i = 0; i < 15; i++) {
		ts[i] = alarm_end - 900 + 60 * i;
		hi[i] = 86 + i % 5;
		lo[i] = 30 + i;
		mid[i] = 85; /* at the threshold: <= 85 holds */
	}
	it_cw_put_dims(ns, "mem_used_percent", mem_a, ts, hi, 15);
	it_cw_put_dims(ns, "mem_used_percent", mem_b_large, ts, mid, 15);
	it_cw_put_dims(ns, "disk_used_percent", disk_a_root, ts, hi, 15);
	it_cw_put_dims(ns, "disk_used_percent", disk_a_data, ts, lo, 15);
	it_cw_put_dims(ns, "disk_used_percent", disk_b_root, ts, lo, 15);
}

static int setup(void **state)
{
	char cmd[1024], text[1024], *path;
	(void)state;
	snprintf(ns, sizeof(ns), "CWAgent-it-%ld", (long)getpid());
	path = it_write_tmp("config.json", "{}");
	snprintf(qdir, sizeof(qdir), "%.*s/queries", (int)(strrchr(path, '/') - path), path);
	snprintf(cmd, sizeof(cmd),
	         "cp -r '" KPI_SOURCE_DIR "/queries' '%s' && sed -i 's/\"CWAgent\"/\"%s\"/' '%s/cloudwatch/host_memory_used_pct.json' "
	         "'%s/cloudwatch/host_disk_used_pct.json'",
	         qdir, ns, qdir, qdir);
	assert_int_equal(system(cmd), 0);
	snprintf(config, sizeof(config), "%s", path);
	snprintf(text, sizeof(text),
	         "{\"queries\": \"%s\", \"cloudwatch\": {\"hosts\": \"discover\", \"deadline_seconds\": 20},\n"
	         " \"alert\": {\"kpis\": {\"legacy_coverage_pct\": {\"enabled\": false}, \"export_success_rate\": {\"enabled\": "
	         "false}, \"outage_drill_success_pct\": {\"enabled\": false}, \"routing_mismatch_critical\": {\"enabled\": "
	         "false}, \"uncached_legacy_max_age_days\": {\"enabled\": false}},\n"
	         "  \"sinks\": {\"file\": {\"type\": \"command\", \"argv\": [\"true\"]}}}}\n",
	         qdir);
	{
		FILE *f = fopen(config, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	free(path);
	it_aws_env(moto);
	alarm_end = (int64_t)time(NULL) / 300 * 300 - 1800;
	seed();
	seed_alarm();
	return 0;
}


static void test_hostmetrics_cw__memory_weekly_max_per_instance(void **state)
{
	static const it_row exp[] = {
		{ 0, "host=i-0aaa", 61.5, NULLV, NULLV, "ok" },
		{ 0, "host=i-0bbb", 72.5, NULLV, NULLV, "ok" },   /* two InstanceTypes, one host */
		{ 1, "host=i-0aaa", 91, NULLV, NULLV, "breach" },
		{ 1, "host=i-0bbb", NULLV, NULLV, NULLV, "no_data" }, /* did not report: never 0 % */
	};
	(void)state;
	it_check_kpi_config(config, "host_memory_used_pct", "2026-W45", 2, NOW, exp, 4);
}

static void test_hostmetrics_cw__disk_weekly_max_per_host_and_path(void **state)
{
	static const it_row exp[] = {
		{ 0, "host=i-0aaa,path=/", 80, NULLV, NULLV, "ok" },
		{ 0, "host=i-0aaa,path=/data", 40, NULLV, NULLV, "ok" },
		{ 0, "host=i-0bbb,path=/", 55, NULLV, NULLV, "ok" },
		{ 1, "host=i-0aaa,path=/", 88.5, NULLV, NULLV, "breach" },
		{ 1, "host=i-0aaa,path=/data", 42, NULLV, NULLV, "ok" },
		{ 1, "host=i-0bbb,path=/", NULLV, NULLV, NULLV, "no_data" },
	};
	(void)state;
	it_check_kpi_config(config, "host_disk_used_pct", "2026-W45", 2, NOW, exp, 6);
}

static void test_hostmetrics_cw__not_configured_without_hosts(void **state)
{
	const char *argv[] = { "kpi", "query", "host_memory_used_pct", "--week", "2026-W45", NULL };
	const char *list[] = { "kpi", "list", NULL };
	const char *env[] = { "KPI_NOW=" NOW, NULL };
	it_run_result run;
	(void)state;
	it_run(&run, argv, env, 60);
	assert_int_not_equal(run.status, 0);
	assert_contains(run.err, "KPI_CW_HOSTS=discover");
	it_run_free(&run);
	/* the variable alone turns them on */
	it_run(&run, list, (const char *const[]){ "KPI_CW_HOSTS=discover", NULL }, 60);
	assert_int_equal(run.status, 0);
	assert_contains(run.out, "host_disk_used_pct");
	it_run_free(&run);
}

/* Another region (or account, or namespace) has no series: the KPI has no
 * rows, the run succeeds, and a warning says what was searched and where. */
static void test_hostmetrics_cw__no_host_found_warns_what_was_searched(void **state)
{
	const char *argv[] = { "kpi", "query", "host_disk_used_pct", "--week", "2026-W45", "--config", config, NULL };
	const char *env[] = { "KPI_NOW=" NOW, "AWS_REGION=eu-west-3", NULL };
	char want[256];
	it_run_result run;
	(void)state;
	snprintf(want, sizeof(want), "KPI host_disk_used_pct: no host found: ListMetrics of %s/disk_used_percent in region "
	         "eu-west-3", ns);
	it_run(&run, argv, env, 60);
	if (run.status != 0)
		fail_msg("exit %d: %s", run.status, run.err);
	assert_contains(run.err, want);
	assert_contains(run.err, "listed no series with the dimensions InstanceId, path");
	/* the log line's fields */
	assert_contains(run.err, "\"event\":\"cloudwatch.discover.none\"");
	assert_contains(run.err, "\"region\":\"eu-west-3\"");
	assert_contains(run.err, "\"metric\":\"disk_used_percent\"");
	it_run_free(&run);
}

static void test_hostmetrics_cw__explain_lists_then_reads(void **state)
{
	const char *argv[] = { "kpi", "explain", "host_disk_used_pct", "--week", "2026-W45", "--config", config, NULL };
	it_run_result run;
	(void)state;
	it_run(&run, argv, NULL, 60);
	if (run.status != 0)
		fail_msg("kpi explain exited %d: %s", run.status, run.err);
	assert_contains(run.out, "GraniteServiceVersion20100801.ListMetrics");
	assert_contains(run.out, "\"MetricName\": \"disk_used_percent\"");
	assert_contains(run.out, "InstanceId (label host), path (label path)");
	assert_not_contains(run.out, IT_AWS_SECRET);
	it_run_free(&run);
}


static void test_hostmetrics_cw__one_alert_per_breaching_host_and_path(void **state)
{
	char now[32], state_dir[512];
	const char *argv[] = { "kpi", "alert", "--config", config, "--now", now, "--state-dir", state_dir, "--dry-run",
		               NULL };
	time_t t = (time_t)alarm_end;
	char *tmp;
	it_run_result run;
	(void)state;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	tmp = it_write_tmp("keep", "");
	snprintf(state_dir, sizeof(state_dir), "%.*s/state", (int)(strrchr(tmp, '/') - tmp), tmp);
	free(tmp);
	it_run(&run, argv, NULL, 120);
	if (run.status != 2)
		fail_msg("kpi alert exited %d, expected 2 (critical):\n%s\n%s", run.status, run.out, run.err);
	assert_contains(run.out, "KPI CRITICAL - host_memory_used_pct[host=i-0aaa]");
	assert_contains(run.out, "KPI CRITICAL - host_disk_used_pct[host=i-0aaa,path=/]");
	assert_int_equal(it_count(run.out, "DRY-RUN would send trigger"), 2);
	assert_int_equal(it_count(run.out, "host=i-0bbb"), 0);   /* 85 % is not above 85 % */
	assert_int_equal(it_count(run.out, "path=/data]"), 0);
	it_run_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostmetrics_cw__memory_weekly_max_per_instance),
		cmocka_unit_test(test_hostmetrics_cw__disk_weekly_max_per_host_and_path),
		cmocka_unit_test(test_hostmetrics_cw__not_configured_without_hosts),
		cmocka_unit_test(test_hostmetrics_cw__no_host_found_warns_what_was_searched),
		cmocka_unit_test(test_hostmetrics_cw__explain_lists_then_reads),
		cmocka_unit_test(test_hostmetrics_cw__one_alert_per_breaching_host_and_path),
	};
	if (!it_moto_wanted("integration_hostmetrics_cw"))
		return IT_SKIP;
	moto = getenv("KPI_TEST_MOTO_URL");
	return cmocka_run_group_tests(tests, setup, NULL);
}
