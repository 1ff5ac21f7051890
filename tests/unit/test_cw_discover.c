/*
 * The CloudWatch source's series found with ListMetrics (discover.c) and
 * query files with "labels" (query.c): the shipped host query files, what
 * a ListMetrics answer becomes (aggregates left out, two dimension sets of
 * one host kept together, sorted), malformed answers, bad query files, the
 * request bodies, and the cloudwatch.hosts / KPI_CW_HOSTS setting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asserts.h"
#include "sources/cloudwatch/cw.h"

static kpi_config *config(const char *const *env)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	const char *base[16] = { "KPI_DATADIR=" KPI_SOURCE_DIR };
	size_t n = 1;
	for (size_t i = 0; env && env[i] && n < 15; i++)
		base[n++] = env[i];
	base[n] = NULL;
	if (kpi_config_load_env(&cfg, NULL, base, &err))
		fail_msg("%s", err.message);
	return cfg;
}

static kpi_catalog *catalog(const kpi_config *cfg)
{
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_catalog_load(&cat, cfg->catalog_path, &err))
		fail_msg("%s", err.message);
	return cat;
}

static void test_cw_discover__shipped_host_query_files(void **state)
{
	kpi_config *cfg = config(NULL);
	kpi_catalog *cat = catalog(cfg);
	kpi_error err = KPI_ERROR_INIT;
	kpi__cw_spec spec;
	kpi_alarm_rule rule;
	(void)state;
	if (kpi__cw_spec_load(&spec, cfg, kpi_catalog_find(cat, "host_disk_used_pct"), &err))
		fail_msg("%s", err.message);
	assert_string_equal(spec.values_from, "discover");
	assert_string_equal(spec.label_dims[0], "InstanceId");
	assert_string_equal(spec.label_dims[1], "path");
	assert_int_equal(spec.combine, KPI__CW_MAX);
	assert_string_equal(spec.metrics[0].namespace_, "CWAgent");
	assert_string_equal(spec.metrics[0].name, "disk_used_percent");
	assert_string_equal(spec.metrics[0].stat, "Maximum");
	kpi__cw_spec_release(&spec);
	if (kpi__cw_spec_load(&spec, cfg, kpi_catalog_find(cat, "host_memory_used_pct"), &err))
		fail_msg("%s", err.message);
	assert_string_equal(spec.label_dims[0], "InstanceId");
	assert_string_equal(spec.metrics[0].name, "mem_used_percent");
	kpi__cw_spec_release(&spec);
	/* not gating, critical, 3 of 3 five-minute periods above 85 */
	for (int k = 0; k < 2; k++) {
		const kpi_def *d = kpi_catalog_find(cat, k ? "host_disk_used_pct" : "host_memory_used_pct");
		assert_false(d->gating);
		assert_int_equal(kpi_alarm_rule_of(&rule, d, &err), 0);
		assert_int_equal(rule.period_seconds, 300);
		assert_int_equal(rule.datapoints_to_alarm, 3);
		assert_int_equal(rule.evaluation_periods, 3);
		assert_double_equal(rule.threshold.target, 85);
	}
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

/* A ListMetrics answer of disk_used_percent: two hosts; i-b listed twice
 * (another InstanceType) and once more identically; an aggregate without
 * InstanceId, one without any dimension, one without path. */
static const char page1[] =
	"{\"Metrics\": ["
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": ["
	"{\"Name\": \"InstanceId\", \"Value\": \"i-b\"}, {\"Name\": \"path\", \"Value\": \"/\"},"
	" {\"Name\": \"InstanceType\", \"Value\": \"t3.large\"}]},"
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": ["
	"{\"Name\": \"path\", \"Value\": \"/\"}]},"
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": []},"
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": ["
	"{\"Name\": \"InstanceId\", \"Value\": \"i-a\"}, {\"Name\": \"path\", \"Value\": \"/data\"},"
	" {\"Name\": \"device\", \"Value\": \"nvme1n1\"}, {\"Name\": \"fstype\", \"Value\": \"xfs\"}]}"
	"], \"NextToken\": \"t1\"}";
static const char page2[] =
	"{\"Metrics\": ["
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": ["
	"{\"Name\": \"InstanceId\", \"Value\": \"i-b\"}, {\"Name\": \"path\", \"Value\": \"/\"},"
	" {\"Name\": \"InstanceType\", \"Value\": \"t3.small\"}]},"
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": ["
	"{\"Name\": \"InstanceId\", \"Value\": \"i-b\"}, {\"Name\": \"path\", \"Value\": \"/\"},"
	" {\"Name\": \"InstanceType\", \"Value\": \"t3.large\"}]},"
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": ["
	"{\"Name\": \"InstanceId\", \"Value\": \"i-c\"}]},"
	"{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": ["
	"{\"Name\": \"InstanceId\", \"Value\": \"i-a\"}, {\"Name\": \"path\", \"Value\": \"/\"}]}"
	"]}";

static void test_cw_discover__answers_become_label_sets(void **state)
{
	kpi_config *cfg = config(NULL);
	kpi_catalog *cat = catalog(cfg);
	kpi_error err = KPI_ERROR_INIT;
	kpi__cw_discovery d;
	kpi__cw_spec spec;
	kpi_buf body = KPI_BUF_INIT;
	char *tok = NULL;
	(void)state;
	assert_int_equal(kpi__cw_spec_load(&spec, cfg, kpi_catalog_find(cat, "host_disk_used_pct"), &err), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(kpi__cw_list_apply(&d, &spec, page1, strlen(page1), &tok, &err), 0);
	assert_string_equal(tok, "t1");
	free(tok);
	assert_int_equal(kpi__cw_list_apply(&d, &spec, page2, strlen(page2), &tok, &err), 0);
	assert_null(tok);
	kpi__cw_discovery_finish(&d);
	assert_int_equal(d.pages, 2);
	assert_int_equal(d.skipped, 3); /* path only, no dimension, InstanceId only */
	assert_int_equal(d.n, 3);
	/* sorted by host, then path */
	assert_string_equal(d.found[0].labels[0], "i-a");
	assert_string_equal(d.found[0].labels[1], "/");
	assert_string_equal(d.found[1].labels[0], "i-a");
	assert_string_equal(d.found[1].labels[1], "/data");
	assert_string_equal(d.found[2].labels[0], "i-b");
	/* i-b's / twice (the identical third listing dropped), sorted */
	assert_int_equal(d.found[2].nsets, 2);
	assert_string_equal(d.found[2].sets[0].rest, "i-b, path=/, InstanceType=t3.large");
	assert_string_equal(d.found[2].sets[1].rest, "i-b, path=/, InstanceType=t3.small");
	assert_int_equal(d.found[1].sets[0].n, 4);
	assert_string_equal(d.found[1].sets[0].names[3], "fstype");
	/* the request: the metric, the token */
	assert_int_equal(kpi__cw_list_body(&body, &spec, "t1", false, &err), 0);
	assert_string_equal(body.data,
	                    "{\"Namespace\":\"CWAgent\",\"MetricName\":\"disk_used_percent\",\"NextToken\":\"t1\"}");
	kpi_buf_release(&body);
	kpi__cw_discovery_release(&d);
	kpi__cw_spec_release(&spec);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

/* A discovered series is asked for with all its dimensions. */
static void test_cw_discover__request_asks_every_dimension(void **state)
{
	kpi__cw_metric m = { KPI__CW_VALUE, "CWAgent", "mem_used_percent", "Maximum", true, KPI__BOUNDS_INIT };
	char *names[] = { "InstanceId", "InstanceType" }, *values[] = { "i-a", "t3.large" };
	kpi__cw_dimset ds = { names, values, 2, "i-a, InstanceType=t3.large" };
	kpi__cw_unit u;
	kpi__cw_call call;
	size_t idx = 0;
	kpi_buf body = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__cw_unit_init(&u, "host_memory_used_pct", &m, "InstanceId", ds.rest, 0, 7200, 3600, &err), 0);
	u.dims = &ds;
	call.t0 = 0;
	call.t1 = 7200;
	call.units = &idx;
	call.nunits = 1;
	assert_int_equal(kpi__cw_request_body(&body, &call, &u, NULL, false, &err), 0);
	assert_contains(body.data, "\"Dimensions\":[{\"Name\":\"InstanceId\",\"Value\":\"i-a\"},"
	                           "{\"Name\":\"InstanceType\",\"Value\":\"t3.large\"}]");
	kpi_buf_release(&body);
	/* messages name every dimension */
	assert_int_equal(kpi__cw_unit_bad(&err, &u, "x"), KPI_EDATA);
	assert_contains(err.message, "(CWAgent, Maximum, InstanceId=i-a, InstanceType=t3.large): x");
	kpi__cw_unit_release(&u);
}

static void test_cw_discover__malformed_answers(void **state)
{
	static const struct {
		const char *body, *msg;
	} cases[] = {
		{ "not json", "not JSON" },
		{ "{\"Metrics\": {}}", "Metrics is not an array" },
		{ "{\"Metrics\": [{\"Namespace\": \"AWS/EC2\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": []}]}",
		  "which was not asked" },
		{ "{\"Metrics\": [{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\"}]}",
		  "without Namespace, MetricName and Dimensions" },
		{ "{\"Metrics\": [{\"Namespace\": \"CWAgent\", \"MetricName\": \"disk_used_percent\", \"Dimensions\": "
		  "[{\"Name\": \"InstanceId\"}]}]}",
		  "a dimension without a Name and a Value" },
		{ "{\"Metrics\": [], \"NextToken\": 5}", "NextToken is not a string" },
	};
	kpi_config *cfg = config(NULL);
	kpi_catalog *cat = catalog(cfg);
	kpi__cw_spec spec;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__cw_spec_load(&spec, cfg, kpi_catalog_find(cat, "host_disk_used_pct"), &err), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi__cw_discovery d;
		char *tok = NULL;
		memset(&d, 0, sizeof(d));
		assert_int_equal(kpi__cw_list_apply(&d, &spec, cases[i].body, strlen(cases[i].body), &tok, &err), KPI_EDATA);
		assert_contains(err.message, "KPI host_disk_used_pct: malformed CloudWatch ListMetrics answer");
		assert_contains(err.message, cases[i].msg);
		assert_null(tok);
		kpi__cw_discovery_release(&d);
	}
	kpi__cw_spec_release(&spec);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_cw_discover__bad_query_files(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"labels\": {\"host\": \"InstanceId\"}, \"dimension\": \"X\", \"value\": \"max\", \"metrics\": []}",
		  "replaces \"dimension\"" },
		{ "{\"labels\": {\"host\": \"InstanceId\", \"path\": \"path\"}, \"value\": \"max\", \"metrics\": []}",
		  "labels must map each of KPI host_memory_used_pct's 1 label(s)" },
		{ "{\"labels\": {\"hst\": \"InstanceId\"}, \"value\": \"max\", \"metrics\": []}", "labels.host must be" },
		{ "{\"labels\": {\"host\": \"InstanceId\"}, \"value\": \"sum\", \"metrics\": [{\"namespace\": \"N\", "
		  "\"metric\": \"M\", \"stat\": \"Sum\"}]}",
		  "take \"value\": \"max\"" },
	};
	kpi_config *cfg = config(NULL);
	kpi_catalog *cat = catalog(cfg);
	kpi_def def = *kpi_catalog_find(cat, "host_memory_used_pct");
	char dir[] = "/tmp/kpi-cwd.XXXXXX", path[128];
	char *saved = cfg->query_dir;
	(void)state;
	assert_non_null(mkdtemp(dir));
	cfg->query_dir = dir;
	def.query = "q.json";
	snprintf(path, sizeof(path), "%s/q.json", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi__cw_spec spec;
		kpi_error err = KPI_ERROR_INIT;
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i].json, f);
		fclose(f);
		assert_int_equal(kpi__cw_spec_load(&spec, cfg, &def, &err), KPI_ECONFIG);
		assert_contains(err.message, cases[i].msg);
	}
	remove(path);
	rmdir(dir);
	cfg->query_dir = saved;
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_cw_discover__hosts_setting(void **state)
{
	kpi_config *cfg;
	kpi__cw_settings s;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	cfg = config(NULL);
	assert_int_equal(kpi__cw_settings_load(&s, cfg, &err), 0);
	assert_false(s.hosts); /* off by default */
	kpi__cw_settings_release(&s);
	kpi_config_free(cfg);
	cfg = config((const char *const[]){ "KPI_CW_HOSTS=discover", NULL });
	assert_int_equal(kpi__cw_settings_load(&s, cfg, &err), 0);
	assert_true(s.hosts);
	kpi__cw_settings_release(&s);
	kpi_config_free(cfg);
	cfg = config((const char *const[]){ "KPI_CW_HOSTS=all", NULL });
	assert_int_equal(kpi__cw_settings_load(&s, cfg, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPI_CW_HOSTS");
	kpi_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cw_discover__shipped_host_query_files),
		cmocka_unit_test(test_cw_discover__answers_become_label_sets),
		cmocka_unit_test(test_cw_discover__request_asks_every_dimension),
		cmocka_unit_test(test_cw_discover__malformed_answers),
		cmocka_unit_test(test_cw_discover__bad_query_files),
		cmocka_unit_test(test_cw_discover__hosts_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
