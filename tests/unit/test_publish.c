/*
 * The Prometheus side of kpi publish (publish.c): metric names in base units
 * (kpi_prom_metric_of) for every KPI of the shipped catalogue and for the
 * units a site catalogue may use, the converted values in the textfile, and
 * two KPIs under one name refused. (The textfile of a real run goes through
 * promtool in integration_publish.)
 */
#include "unit.h"
#include "kpi/publish.h"

#include <sys/stat.h>
#include <unistd.h>

static void test_publish__shipped_catalogue_names(void **state)
{
	static const struct {
		const char *id, *name;
		double factor; /* Prometheus value of a KPI value 1 */
	} want[] = {
		{ "adoption_split", "kpi_adoption_split_ratio", 0.01 },
		{ "export_success_rate", "kpi_export_success_ratio", 0.01 },
		{ "job_latency_seconds", "kpi_job_latency_seconds", 1 },
		{ "queue_backlog", "kpi_queue_backlog", 1 },
		{ "queue_oldest_age_seconds", "kpi_queue_oldest_age_seconds", 1 },
		{ "legacy_coverage_pct", "kpi_legacy_coverage_ratio", 0.01 },
		{ "uncached_legacy_max_age_days", "kpi_uncached_legacy_max_age_seconds", 86400 },
		{ "outage_drill_success_pct", "kpi_outage_drill_success_ratio", 0.01 },
		{ "routing_mismatch_critical", "kpi_routing_mismatch_critical", 1 },
		{ "routing_mismatch_rate", "kpi_routing_mismatch_ratio", 0.01 },
		{ "api_error_rate_pct", "kpi_api_error_ratio", 0.01 },
		{ "api_latency_p95_ms", "kpi_api_latency_seconds", 0.001 },
		{ "sqs_queue_depth", "kpi_sqs_queue_depth", 1 },
		{ "sqs_oldest_message_age_seconds", "kpi_sqs_oldest_message_age_seconds", 1 },
		{ "host_memory_used_pct", "kpi_host_memory_used_ratio", 0.01 },
		{ "host_disk_used_pct", "kpi_host_disk_used_ratio", 0.01 },
		{ "api_availability_pct", "kpi_api_availability_ratio", 0.01 },
		{ "api_error_budget_remaining_pct", "kpi_api_error_budget_remaining_ratio", 0.01 },
		{ "api_slo_burn_rate", "kpi_api_slo_burn_rate", 1 },
		{ "api_slo_burn_page_1h", "kpi_api_slo_burn_page_1h", 1 },
		{ "api_slo_burn_page_6h", "kpi_api_slo_burn_page_6h", 1 },
		{ "api_slo_burn_ticket_3d", "kpi_api_slo_burn_ticket_3d", 1 },
	};
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_catalog_load(&cat, KPI_SOURCE_DIR "/templates/catalog.json", &err), 0);
	/* the table covers the whole catalogue */
	assert_int_equal(cat->nkpis, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const kpi_def *d = kpi_catalog_find(cat, want[i].id);
		kpi_prom_metric m;
		assert_non_null(d);
		kpi_prom_metric_of(&m, d);
		assert_string_equal(m.name, want[i].name);
		assert_double_equal(1.0 * m.mul / m.div, want[i].factor);
		/* the one percentile in an id becomes a label */
		assert_string_equal(m.quantile, strcmp(want[i].id, "api_latency_p95_ms") == 0 ? "0.95" : "");
	}
	kpi_catalog_free(cat);
}

static void test_publish__units_of_site_catalogues(void **state)
{
	static const struct {
		const char *id, *unit, *name, *base;
		double mul, div;
	} cases[] = {
		{ "build_time", "s", "kpi_build_time_seconds", "seconds", 1, 1 },
		{ "build_time_s", "s", "kpi_build_time_seconds", "seconds", 1, 1 },
		{ "build_time_sec", "s", "kpi_build_time_seconds", "seconds", 1, 1 },
		{ "render_ms", "ms", "kpi_render_seconds", "seconds", 1, 1000 },
		{ "render_milliseconds", "ms", "kpi_render_seconds", "seconds", 1, 1000 },
		{ "lag_minutes", "min", "kpi_lag_seconds", "seconds", 60, 1 },
		{ "lag_h", "h", "kpi_lag_seconds", "seconds", 3600, 1 },
		{ "cache_age", "d", "kpi_cache_age_seconds", "seconds", 86400, 1 },
		{ "hit_percent", "%", "kpi_hit_ratio", "ratio", 1, 100 },
		{ "hit_ratio", "%", "kpi_hit_ratio", "ratio", 1, 100 },
		{ "hits", "%", "kpi_hits_ratio", "ratio", 1, 100 },
		{ "designs", "count", "kpi_designs", "", 1, 1 },
		{ "size", "bytes", "kpi_size", "", 1, 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi_def d;
		kpi_prom_metric m;
		memset(&d, 0, sizeof(d));
		d.id = (char *)cases[i].id;
		d.unit = (char *)cases[i].unit;
		kpi_prom_metric_of(&m, &d);
		assert_string_equal(m.name, cases[i].name);
		assert_string_equal(m.base_unit, cases[i].base);
		assert_double_equal(m.mul, cases[i].mul);
		assert_double_equal(m.div, cases[i].div);
	}
}

/* A one-week result of unlabelled KPIs, one row each with `values[i]`. */
typedef struct oneweek {
	kpi_def defs[4];
	kpi_series series[4];
	kpi_row rows[4];
	kpi_result res;
} oneweek;

static void oneweek_init(oneweek *o, const char *const *ids, const char *const *units, const double *values,
                         size_t n)
{
	memset(o, 0, sizeof(*o));
	o->res.window.nweeks = 1;
	o->res.window.starts[0] = 1794182400; /* 2026-W46 */
	o->res.window.starts[1] = 1794182400 + 604800;
	o->res.window.last.year = 2026;
	o->res.window.last.week = 46;
	for (size_t i = 0; i < n; i++) {
		o->defs[i].id = (char *)ids[i];
		o->defs[i].unit = (char *)units[i];
		o->defs[i].title = (char *)"A KPI";
		o->rows[i].period_start = o->res.window.starts[0];
		o->rows[i].has_value = true;
		o->rows[i].value = values[i];
		o->rows[i].status = i == 0 ? KPI_STATUS_BREACH : i == 1 ? KPI_STATUS_WARN : KPI_STATUS_OK;
		o->series[i].def = &o->defs[i];
		o->series[i].rows = &o->rows[i];
		o->series[i].nrows = 1;
	}
	o->res.series = o->series;
	o->res.nseries = n;
}

static void test_publish__textfile_values_in_base_units(void **state)
{
	static const char *const ids[] = { "uncached_age_days", "coverage_pct", "render_p95_ms" };
	static const kpi_threshold th[] = { { KPI_OP_LE, 7, 1 }, { KPI_OP_GE, 95, 1 }, { KPI_OP_LE, 500, 0 } };
	static const char *const units[] = { "d", "%", "ms" };
	static const double values[] = { 1.5, 97.25, 420 };
	oneweek o;
	kpi_prom_run run = { NULL, 0.5, 1795003200, NULL, NULL };
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	oneweek_init(&o, ids, units, values, 3);
	for (int i = 0; i < 3; i++)
		o.defs[i].threshold = th[i];
	run.result = &o.res;
	assert_int_equal(kpi_prom_render(&b, &run, &err), 0);
	assert_contains(b.data, "# TYPE kpi_uncached_age_seconds gauge\nkpi_uncached_age_seconds 129600\n");
	assert_contains(b.data, "\nkpi_coverage_ratio 0.9725\n");
	/* a percentile in the id is a quantile label */
	assert_contains(b.data, "# TYPE kpi_render_seconds summary\nkpi_render_seconds{quantile=\"0.95\"} 0.42\n");
	/* the status as a state set: warn is not ok */
	assert_contains(b.data, "kpi_status{kpi=\"uncached_age_days\",status=\"ok\"} 0\n"
	                        "kpi_status{kpi=\"uncached_age_days\",status=\"warn\"} 0\n"
	                        "kpi_status{kpi=\"uncached_age_days\",status=\"breach\"} 1\n"
	                        "kpi_status{kpi=\"uncached_age_days\",status=\"no_data\"} 0\n"
	                        "kpi_status{kpi=\"uncached_age_days\",status=\"not_applicable\"} 0\n");
	assert_contains(b.data, "kpi_status{kpi=\"coverage_pct\",status=\"warn\"} 1\n");
	assert_contains(b.data, "kpi_status{kpi=\"coverage_pct\",status=\"ok\"} 0\n");
	assert_not_contains(b.data, "seconds_status");
	assert_not_contains(b.data, "ratio_status");
	/* thresholds in the metric's unit */
	assert_contains(b.data, "# TYPE kpi_uncached_age_seconds_threshold gauge\nkpi_uncached_age_seconds_threshold 604800\n");
	assert_contains(b.data, "healthy when the value is >= it\n# TYPE kpi_coverage_ratio_threshold gauge\n"
	                        "kpi_coverage_ratio_threshold 0.95\n");
	assert_contains(b.data, "kpi_render_seconds_threshold 0.5\n");
	/* the verdict as a state set (no KPI gates here) */
	assert_contains(b.data, "# TYPE kpi_verdict gauge\nkpi_verdict{verdict=\"GO\"} 1\nkpi_verdict{verdict=\"HOLD\"} 0\n"
	                        "kpi_verdict{verdict=\"NO-GO\"} 0\n");
	/* the HELP text says where the value came from */
	assert_contains(b.data, "# HELP kpi_uncached_age_seconds A KPI (KPI uncached_age_days, in seconds: its d value x 86400)");
	assert_contains(b.data, "# HELP kpi_coverage_ratio A KPI (KPI coverage_pct, in ratio: its % value / 100)");
	/* kpi_rows keeps the KPI ids */
	assert_contains(b.data, "kpi_rows{kpi=\"uncached_age_days\",status=\"ok\"} 0\n");
	assert_not_contains(b.data, "kpi_uncached_age_days");
	kpi_buf_release(&b);
}

/* The textfile is 0644 under the units' UMask=0027: node_exporter reads it
 * as its own user (docs/deploy.md, "The timers"). */
static void test_publish__textfile_readable_by_others(void **state)
{
	char dir[] = "/tmp/kpi-unit-prom.XXXXXX", path[64];
	kpi_error err = KPI_ERROR_INIT;
	struct stat st;
	mode_t old;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/kpi.prom", dir);
	old = umask(0027);
	assert_int_equal(kpi_prom_write(path, NULL, NULL, 0.5, 1795003200, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	unlink(path);
	rmdir(dir);
}

static void test_publish__two_kpis_one_name_refused(void **state)
{
	static const char *const ids[] = { "hit_pct", "hit_rate" };
	static const char *const ids2[] = { "rows", "x" };
	static const char *const ids3[] = { "a", "a_threshold" };
	static const char *const units[] = { "%", "%" };
	static const char *const counts[] = { "count", "count" };
	static const double values[] = { 1, 2 };
	oneweek o;
	kpi_prom_run run = { NULL, 0.5, 1795003200, NULL, NULL };
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	oneweek_init(&o, ids, units, values, 2);
	run.result = &o.res;
	assert_int_equal(kpi_prom_render(&b, &run, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPIs hit_pct and hit_rate map to the same Prometheus metric kpi_hit_ratio");
	kpi_buf_release(&b);

	oneweek_init(&o, ids2, counts, values, 2);
	run.result = &o.res;
	assert_int_equal(kpi_prom_render(&b, &run, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPI rows: its Prometheus metric kpi_rows");
	kpi_buf_release(&b);

	oneweek_init(&o, ids3, counts, values, 2);
	run.result = &o.res;
	assert_int_equal(kpi_prom_render(&b, &run, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPIs a and a_threshold");
	kpi_buf_release(&b);
}

static void test_publish__quantiles(void **state)
{
	static const char *const ok[][2] = { { "p95", "0.95" }, { "p50", "0.5" }, { "p99", "0.99" }, { "p999", "0.999" },
		                             { "p9", "0.9" } };
	static const char *const no[] = { "p", "p0", "p100", "max", "95", "p9x", "", NULL };
	char q[16];
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_true(kpi_prom_quantile(q, sizeof(q), ok[i][0]));
		assert_string_equal(q, ok[i][1]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(kpi_prom_quantile(q, sizeof(q), no[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish__shipped_catalogue_names),
		cmocka_unit_test(test_publish__units_of_site_catalogues),
		cmocka_unit_test(test_publish__textfile_values_in_base_units),
		cmocka_unit_test(test_publish__textfile_readable_by_others),
		cmocka_unit_test(test_publish__two_kpis_one_name_refused),
		cmocka_unit_test(test_publish__quantiles),
	};
	setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
