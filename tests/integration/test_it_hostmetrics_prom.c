/*
 * The host KPIs host_memory_used_pct and host_disk_used_pct through the
 * Prometheus source (their "prometheus" variants, node_exporter's metrics),
 * against real servers on loopback started and stopped by pid by this test
 * (tests/integration/it_prom.c):
 *
 * 1. A deterministic case: Prometheus over a TSDB built from OpenMetrics
 *    text of node_exporter-shaped series for three hosts with hand-chosen
 *    use figures: weekly maxima per host and per mount, a host that stopped
 *    reporting = no data (never 0 %), tmpfs, overlay and size-0 file
 *    systems left out; `kpi alert` on the 5-minute alarm rule fires exactly
 *    one alert per breaching host and per breaching mount (85 % itself does
 *    not breach); `kpi publish --prom-textfile` carries the host and path
 *    labels and passes promtool; `kpi export prometheus-rules` has the two
 *    KPIs' rules and passes promtool.
 * 2. A live case: a real node_exporter (Debian package
 *    prometheus-node-exporter) scraped every second by a second Prometheus;
 *    kpi's current-week figures for this machine are checked against the
 *    same ratios computed here from node_exporter's own /metrics.
 *
 * Neither server is optional: when one cannot be started the test fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it_util.h"
#include "it_prom.h"
#include "asserts.h"

/* UTC weeks 2026-W44 (10-26) and W45 (11-02); the alarm's three 5-minute
 * periods end at ALERT_NOW, after W45. */
#define W44 1792972800LL
#define W45 (W44 + 604800)
#define NOW "2026-11-20T00:00:00Z"
#define ALERT_NOW "2026-11-10T12:00:00Z"
#define A_END 1794312000LL
#define MEM_TOTAL 8e9
#define FS_SIZE 1e11

static it_prom prom;
static char catalog[512], config[512], workdir[512];

/* ---- the data set ----
 *
 * Samples every hour at half past, so no sample lies within the 5-minute
 * lookback of a week's boundary; the kpi value of a week is the highest
 * use among them (the subquery's 1-minute steps each see the last sample
 * before them). In the alarm periods, a sample every minute. NAN: no
 * sample (the host does not report). */
typedef struct host_series {
	const char *labels;      /* instance, and for file systems device, fstype, mountpoint */
	double w44, w45;         /* use in % every hour of the week ... */
	int spike_h;             /* ... but at this hour of W45 (-1: none) */
	double spike;
	double alarm;            /* use in the alarm minutes */
	bool zero_size;          /* a file system of size 0 (avail 0) */
} host_series;

/* Memory: web-1 W44 max 59 (50 + h % 10), W45 a spike to 90 (breach), in
 * the alarm 88..90 (ALARM); web-2 70 then 60, 85 in the alarm (85 is not
 * above 85: OK); web-3 reports in W44 only (W45: no data). */
static const host_series mem[] = {
	{ "instance=\"web-1\",job=\"node\"", -1, -1, 100, 90, -2, false },  /* -1/-2: see use() */
	{ "instance=\"web-2\",job=\"node\"", 70, 60, -1, 0, 85, false },
	{ "instance=\"web-3\",job=\"node\"", 65, NAN, -1, 0, NAN, false },
};

/* File systems: web-1's / 80 then a spike to 87.5 in W45 (breach), 86 in
 * the alarm (ALARM); /data 40, 42; a tmpfs and an overlay above 85 % all
 * the time and a vfat of size 0, all left out; web-2's / at 50. */
static const host_series fs[] = {
	{ "instance=\"web-1\",job=\"node\",device=\"/dev/nvme0n1p1\",fstype=\"ext4\",mountpoint=\"/\"", 80, 80, 30, 87.5,
	  86, false },
	{ "instance=\"web-1\",job=\"node\",device=\"/dev/nvme1n1\",fstype=\"xfs\",mountpoint=\"/data\"", 40, 42, -1, 0, 40,
	  false },
	{ "instance=\"web-1\",job=\"node\",device=\"tmpfs\",fstype=\"tmpfs\",mountpoint=\"/run\"", 99, 99, -1, 0, 99, false },
	{ "instance=\"web-1\",job=\"node\",device=\"overlay\",fstype=\"overlay\",mountpoint=\"/var/lib/docker/overlay2/a1/merged\"",
	  95, 95, -1, 0, 95, false },
	{ "instance=\"web-2\",job=\"node\",device=\"/dev/nvme0n1p1\",fstype=\"ext4\",mountpoint=\"/\"", 50, 50, -1, 0, 50,
	  false },
	{ "instance=\"web-2\",job=\"node\",device=\"/dev/sda1\",fstype=\"vfat\",mountpoint=\"/boot/efi\"", 0, 0, -1, 0, 0,
	  true },
};

/* Use of series s in week w (0: W44, 1: W45) at hour h. */
static double use(const host_series *s, int w, int h)
{
	if (s->w44 == -1) /* web-1's memory: 50 + h % 10, and the spike */
		return w == 1 && h == s->spike_h ? s->spike : 50 + h % 10;
	if (w == 1 && h == s->spike_h)
		return s->spike;
	return w == 0 ? s->w44 : s->w45;
}

static double alarm_use(const host_series *s, int i)
{
	return s->alarm == -2 ? 88 + i % 3 : s->alarm;
}

/* avail for a use figure of a size: size - size x use / 100, whole bytes */
static double avail(double size, double u)
{
	return size - size / 100 * u;
}

static void family(FILE *f, const char *name, const char *help, const host_series *ss, size_t n, bool is_size,
                   double size)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (size_t i = 0; i < n; i++) {
		const host_series *s = &ss[i];
		double sz = s->zero_size ? 0 : size;
		for (int w = 0; w < 2; w++)
			for (int h = 0; h < 168; h++) {
				double u = use(s, w, h);
				if (isnan(u))
					continue;
				fprintf(f, "%s{%s} %.17g %lld\n", name, s->labels, is_size ? sz : s->zero_size ? 0 : avail(sz, u),
				        (long long)(W44 + w * 604800LL + h * 3600 + 1800));
			}
		for (int m = 0; m < 15; m++) {
			double u = alarm_use(s, m);
			if (isnan(u))
				continue;
			fprintf(f, "%s{%s} %.17g %lld\n", name, s->labels, is_size ? sz : s->zero_size ? 0 : avail(sz, u),
			        (long long)(A_END - 900 + 60 * m));
		}
	}
}

static void write_openmetrics(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	family(f, "node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.", mem, 3, false,
	       MEM_TOTAL);
	family(f, "node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.", mem, 3, true, MEM_TOTAL);
	family(f, "node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", fs, 6, false,
	       FS_SIZE);
	family(f, "node_filesystem_size_bytes", "Filesystem size in bytes.", fs, 6, true, FS_SIZE);
	fprintf(f, "# EOF\n");
	fclose(f);
}

/* ---- set-up ---- */

/* A catalogue of the shipped one's two host KPIs only (no PostgreSQL). */
static void host_catalog(const char *path)
{
	json_error_t je;
	json_t *doc = json_load_file(KPI_SOURCE_DIR "/templates/catalog.json", 0, &je), *kpis, *keep = json_array(), *k;
	size_t i;
	assert_non_null(doc);
	kpis = json_object_get(doc, "kpis");
	json_array_foreach(kpis, i, k) {
		const char *id = json_string_value(json_object_get(k, "id"));
		if (strncmp(id, "host_", 5) == 0)
			json_array_append(keep, k);
	}
	assert_int_equal(json_array_size(keep), 2);
	json_object_set_new(doc, "kpis", keep);
	assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2)), 0);
	json_decref(doc);
}

static void write_config(const char *path, const char *url)
{
	char text[1024];
	snprintf(text, sizeof(text),
	         "{\"catalog\": \"%s\", \"queries\": \"" KPI_SOURCE_DIR "/queries\",\n"
	         " \"prometheus\": {\"url\": \"%s\", \"deadline_seconds\": 20},\n"
	         " \"kpis\": {\"host_memory_used_pct\": {\"variant\": \"prometheus\"},\n"
	         "          \"host_disk_used_pct\": {\"variant\": \"prometheus\"}},\n"
	         " \"alert\": {\"sinks\": {\"file\": {\"type\": \"command\", \"argv\": [\"true\"]}}}}\n",
	         catalog, url);
	it_write_text(path, text);
}

static int setup(void **state)
{
	char *tmp;
	(void)state;
	tmp = it_write_tmp("keep", "");
	snprintf(workdir, sizeof(workdir), "%.*s", (int)(strrchr(tmp, '/') - tmp), tmp);
	free(tmp);
	snprintf(catalog, sizeof(catalog), "%s/catalog.json", workdir);
	snprintf(config, sizeof(config), "%s/config.json", workdir);
	host_catalog(catalog);
	it_prom_start(&prom, write_openmetrics, NULL);
	write_config(config, prom.url);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	it_prom_stop(&prom);
	return 0;
}

/* ---- the deterministic case ---- */


static void test_hostmetrics_prom__memory_weekly_max_per_host(void **state)
{
	static const it_row exp[] = {
		{ 0, "host=web-1", 59, NULLV, NULLV, "ok" },
		{ 0, "host=web-2", 70, NULLV, NULLV, "ok" },
		{ 0, "host=web-3", 65, NULLV, NULLV, "ok" },
		{ 1, "host=web-1", 90, NULLV, NULLV, "breach" },
		{ 1, "host=web-2", 60, NULLV, NULLV, "ok" },
		{ 1, "host=web-3", NULLV, NULLV, NULLV, "no_data" }, /* stopped reporting: never 0 % */
	};
	(void)state;
	it_check_kpi_config(config, "host_memory_used_pct", "2026-W45", 2, NOW, exp, 6);
}

/* A week with no series at all (before the data set): no rows, exit 0, and
 * a warning naming the query, the labels and the server, as the CloudWatch
 * variant's cloudwatch.discover.none does. */
static void test_hostmetrics_prom__no_series_warns_what_was_searched(void **state)
{
	const char *argv[] = { "kpi", "query", "host_memory_used_pct", "--week", "2026-W30", "--weeks", "1",
		               "--config", config, NULL };
	const char *env[] = { "KPI_NOW=" NOW, NULL };
	char want[600];
	it_run_result r;
	(void)state;
	it_run(&r, argv, env, 60);
	if (r.status != 0)
		fail_msg("exit %d: %s", r.status, r.err);
	assert_contains(r.err, "KPI host_memory_used_pct: no series: the value query of ");
	snprintf(want, sizeof(want), "answered no series with the labels instance in any week "
	         "2026-07-20T00:00:00Z..2026-07-27T00:00:00Z from Prometheus (%s); it has no rows", prom.url);
	assert_contains(r.err, want);
	assert_contains(r.err, "\"event\":\"prometheus.series.none\"");
	it_run_free(&r);
}

static void test_hostmetrics_prom__disk_weekly_max_per_mount_without_tmpfs_overlay(void **state)
{
	static const it_row exp[] = {
		{ 0, "host=web-1,path=/", 80, NULLV, NULLV, "ok" },
		{ 0, "host=web-1,path=/data", 40, NULLV, NULLV, "ok" },
		{ 0, "host=web-2,path=/", 50, NULLV, NULLV, "ok" },
		{ 1, "host=web-1,path=/", 87.5, NULLV, NULLV, "breach" },
		{ 1, "host=web-1,path=/data", 42, NULLV, NULLV, "ok" },
		{ 1, "host=web-2,path=/", 50, NULLV, NULLV, "ok" },
	};
	(void)state;
	it_check_kpi_config(config, "host_disk_used_pct", "2026-W45", 2, NOW, exp, 6);
}


static void test_hostmetrics_prom__one_alert_per_breaching_host_and_mount(void **state)
{
	char state_dir[600];
	const char *argv[] = { "kpi", "alert", "--config", config, "--now", ALERT_NOW, "--state-dir", state_dir,
		               "--dry-run", NULL };
	it_run_result r;
	(void)state;
	snprintf(state_dir, sizeof(state_dir), "%s/alert-state", workdir);
	it_run(&r, argv, NULL, 120);
	if (r.status != 2)
		fail_msg("kpi alert exited %d, expected 2:\n%s\n%s", r.status, r.out, r.err);
	/* web-1's memory 88..90 % and its / at 86 % in 3 of 3 periods */
	assert_contains(r.out, "KPI CRITICAL - host_memory_used_pct[host=web-1] 90% > 85%");
	assert_contains(r.out, "KPI CRITICAL - host_disk_used_pct[host=web-1,path=/] 86% > 85%");
	assert_int_equal(it_count(r.out, "DRY-RUN would send trigger"), 2);
	assert_int_equal(it_count(r.out, "KPI CRITICAL"), 2);
	/* 85 % is not above 85 %; tmpfs and overlay are not disks */
	assert_int_equal(it_count(r.out, "host=web-2"), 0);
	assert_int_equal(it_count(r.out, "/run"), 0);
	assert_int_equal(it_count(r.out, "overlay"), 0);
	it_run_free(&r);
}

static void test_hostmetrics_prom__textfile_and_rules_carry_the_host_labels(void **state)
{
	char prom_file[600], rules[600], tests[600], cmd[2000];
	const char *pub[] = { "kpi", "publish", "--config", config, "--prom-textfile", prom_file, NULL };
	const char *exp[] = { "kpi", "export", "prometheus-rules", "--config", config, "--out", rules, "--tests", tests,
		              NULL };
	/* during W45, after the spikes: the week so far */
	const char *env[] = { "KPI_NOW=2026-11-08T12:00:00Z", NULL };
	it_run_result r;
	char *text;
	(void)state;
	snprintf(prom_file, sizeof(prom_file), "%s/kpi.prom", workdir);
	snprintf(rules, sizeof(rules), "%s/rules.yml", workdir);
	snprintf(tests, sizeof(tests), "%s/rules.test.yml", workdir);
	it_run(&r, pub, env, 120);
	if (r.status != 0)
		fail_msg("kpi publish exited %d:\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	text = it_slurp(prom_file);
	assert_contains(text, "host=\"web-1\"");
	assert_contains(text, "host=\"web-1\",path=\"/data\"");
	/* web-3 reported nothing in W45, the one week published: the source
	 * finds no such host there, so no line at all (never a 0) */
	assert_not_contains(text, "web-3");
	assert_contains(text, "kpi_status{kpi=\"host_memory_used_pct\",host=\"web-1\",status=\"breach\"} 1");
	assert_contains(text, "kpi_status{kpi=\"host_disk_used_pct\",host=\"web-1\",path=\"/\",status=\"breach\"} 1");
	assert_not_contains(text, "/run");
	free(text);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' > '%s/promtool.log' 2>&1", prom_file, workdir);
	assert_int_equal(system(cmd), 0);

	it_run(&r, exp, env, 60);
	if (r.status != 0)
		fail_msg("kpi export prometheus-rules exited %d:\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	snprintf(cmd, sizeof(cmd),
	         "grep -q 'alert: host_memory_used_pct' '%s' && grep -q 'alert: host_disk_used_pct' '%s' && "
	         "promtool check rules '%s' > '%s/promtool.log' 2>&1 && promtool test rules '%s' >> '%s/promtool.log' 2>&1",
	         rules, rules, rules, workdir, tests, workdir);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s/promtool.log' '%s' >&2", workdir, rules);
		if (system(cmd) != 0)
			fprintf(stderr, "(no promtool log)\n");
		fail_msg("the exported rules do not name both host KPIs or do not pass promtool");
	}
}

/* ---- the live case ---- */

/* The value of the first sample of `name` whose labels hold `match` (NULL:
 * any) in node_exporter's text; NAN when none. */
static double metric(const char *text, const char *name, const char *match)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *end = strchr(p, '\n'), *sp;
		if (strncmp(p, name, n) != 0 || (p[n] != '{' && p[n] != ' '))
			continue;
		sp = strchr(p, ' ');
		if (!sp || (end && sp > end))
			continue;
		if (match) {
			char line[1024];
			snprintf(line, sizeof(line), "%.*s", (int)(sp - p), p);
			if (!strstr(line, match))
				continue;
		}
		return strtod(sp + 1, NULL);
	}
	return NAN;
}

/* Memory and / use of this machine per node_exporter's /metrics, in %. */
static void read_use(const char *addr, double *mem_pct, double *root_pct)
{
	char url[96], *text;
	snprintf(url, sizeof(url), "http://%s/metrics", addr);
	text = it_http_get(url);
	*mem_pct = 100 * (1 - metric(text, "node_memory_MemAvailable_bytes", NULL) /
	                              metric(text, "node_memory_MemTotal_bytes", NULL));
	*root_pct = 100 * (1 - metric(text, "node_filesystem_avail_bytes", "mountpoint=\"/\"") /
	                               metric(text, "node_filesystem_size_bytes", "mountpoint=\"/\""));
	free(text);
}

/* The value of the row of `labels` in `kpi query --format json` output. */
static double row_value(const char *json, const char *host, const char *path)
{
	json_t *doc = json_loads(json, 0, NULL), *row;
	double v = NAN;
	size_t i;
	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "rows"), i, row) {
		json_t *l = json_object_get(row, "labels");
		if (strcmp(json_string_value(json_object_get(l, "host")), host) == 0 &&
		    (!path || strcmp(json_string_value(json_object_get(l, "path")), path) == 0))
			v = json_number_value(json_object_get(row, "value"));
	}
	json_decref(doc);
	return v;
}

static void test_hostmetrics_prom__node_exporter_matches_its_own_metrics(void **state)
{
	char addr[64], log[600], cfg[600], url[256], now[32], *body = NULL;
	const char *mq[] = { "kpi", "query", "host_memory_used_pct", "--week", "current", "--format", "json", "--config",
		             cfg, NULL };
	const char *dq[] = { "kpi", "query", "host_disk_used_pct", "--week", "current", "--format", "json", "--config",
		             cfg, NULL };
	char nowenv[64];
	const char *env[] = { nowenv, NULL };
	double mem0, root0, mem1, root1, kmem, kroot;
	it_prom live;
	it_run_result r;
	pid_t ne;
	time_t first;
	(void)state;
	snprintf(log, sizeof(log), "%s/node_exporter.log", workdir);
	ne = it_node_exporter_start(addr, sizeof(addr), log);
	it_prom_start(&live, NULL, addr);
	snprintf(cfg, sizeof(cfg), "%s/live.json", workdir);
	write_config(cfg, live.url);
	/* wait for the first scrape */
	snprintf(url, sizeof(url), "%s/api/v1/query?query=node_memory_MemTotal_bytes", live.url);
	for (int i = 0; i < 600; i++) {
		struct timespec pause = { 0, 100 * 1000 * 1000 };
		free(body);
		body = it_http_get(url);
		if (strstr(body, addr))
			break;
		nanosleep(&pause, NULL);
	}
	assert_contains(body, addr);
	free(body);
	/* The query evaluates the use every minute on the minute (the subquery's
	 * steps): "now" for kpi is the first whole minute after the first
	 * scrape (at most a minute ahead: Prometheus answers a step in the
	 * future with the last sample, within its 5-minute lookback). */
	first = time(NULL);
	first = (first / 60 + 1) * 60 + 1;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&first));
	snprintf(nowenv, sizeof(nowenv), "KPI_NOW=%s", now);

	read_use(addr, &mem0, &root0);
	it_run(&r, mq, env, 60);
	if (r.status != 0)
		fail_msg("kpi query host_memory_used_pct exited %d: %s", r.status, r.err);
	kmem = row_value(r.out, addr, NULL);
	it_run_free(&r);
	it_run(&r, dq, env, 60);
	if (r.status != 0)
		fail_msg("kpi query host_disk_used_pct exited %d: %s", r.status, r.err);
	kroot = row_value(r.out, addr, "/");
	assert_not_contains(r.out, "\"tmpfs\"");
	it_run_free(&r);
	read_use(addr, &mem1, &root1);
	it_prom_stop(&live);
	it_proc_stop(ne);

	/* Values move: kpi's figure is the highest of the samples Prometheus
	 * scraped at its minute steps, the test's are two readings of its own,
	 * before and after; on a shared machine memory use moves by a point or
	 * two between them, a disk by far less. Within 3 points (memory) and 1
	 * point (disk) of the readings' range. */
	fprintf(stderr, "live: memory kpi %.3f%%, node_exporter %.3f%% .. %.3f%%; / kpi %.3f%%, node_exporter %.3f%% .. "
	                "%.3f%%\n",
	        kmem, mem0, mem1, kroot, root0, root1);
	assert_false(isnan(kmem));
	assert_false(isnan(kroot));
	assert_true(kmem >= fmin(mem0, mem1) - 3 && kmem <= fmax(mem0, mem1) + 3);
	assert_true(kroot >= fmin(root0, root1) - 1 && kroot <= fmax(root0, root1) + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostmetrics_prom__memory_weekly_max_per_host),
		cmocka_unit_test(test_hostmetrics_prom__no_series_warns_what_was_searched),
		cmocka_unit_test(test_hostmetrics_prom__disk_weekly_max_per_mount_without_tmpfs_overlay),
		cmocka_unit_test(test_hostmetrics_prom__one_alert_per_breaching_host_and_mount),
		cmocka_unit_test(test_hostmetrics_prom__textfile_and_rules_carry_the_host_labels),
		cmocka_unit_test(test_hostmetrics_prom__node_exporter_matches_its_own_metrics),
	};
	static const char *const unset[] = { "KPI_CONFIG", "KPI_CATALOG", "KPI_QUERY_DIR", "KPI_NOW", "KPI_TIMEZONE",
		                             "KPI_PROM_URL", "KPI_PROM_BEARER_TOKEN", "KPI_PROM_USERNAME",
		                             "KPI_PROM_PASSWORD", NULL };
	for (const char *const *u = unset; *u; u++)
		unsetenv(*u);
	if (!getenv("KPI_DATADIR"))
		setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	atexit(it_tmp_cleanup);
	return cmocka_run_group_tests(tests, setup, teardown);
}
