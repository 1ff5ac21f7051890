/**
 * @file kpi/publish.h
 * @brief Publishing computed KPIs where operators already look: CloudWatch
 *        custom metrics (PutMetricData) and a Prometheus node_exporter
 *        textfile.
 *
 * What is published is the last week of a result (the current week by
 * default in `kpi publish`): for each row with a value, a metric named after
 * the KPI (CloudWatch: its id and unit; Prometheus: its name in base units,
 * see kpi_prom_metric_of()) with the row's labels as dimensions/labels, and
 * `<metric>_status`:
 * 1 when the row is in breach, 0 when ok or warn. Rows with no value
 * (no_data, not_applicable) publish nothing — no value and no status — and
 * are logged: CloudWatch alarms then see missing data (their
 * treat-missing-data decides) and Prometheus has `kpi_rows{status="no_data"}`.
 */
#ifndef KPI_PUBLISH_H
#define KPI_PUBLISH_H

#include "common.h"
#include "config.h"
#include "result.h"
#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of kpi_publish_cloudwatch(). */
typedef struct kpi_publish_opts {
	const char *namespace_;   /**< CloudWatch namespace; NULL: config publish.namespace,
	                               $KPI_PUBLISH_NAMESPACE, else "KPI". Never "AWS/..." */
	int64_t now;              /**< the current time (UTC seconds): datapoints are stamped
	                               with the week's as-of time, which must lie within
	                               CloudWatch's window (2 weeks old .. 2 h ahead of now) */
} kpi_publish_opts;

#define KPI_PUBLISH_OPTS_INIT { NULL, 0 }

/** What a publication did. */
typedef struct kpi_publish_stats {
	int calls;                /**< PutMetricData calls */
	size_t metrics;           /**< datapoints sent */
	size_t skipped;           /**< rows without a value (not sent, logged) */
} kpi_publish_stats;

/**
 * Send the last week of `res` to CloudWatch with PutMetricData, batched
 * within the API's limits (1000 datapoints and 1 MB per call).
 * @param stats may be NULL
 * @return 0; KPI_EUSAGE when the week's as-of time is outside CloudWatch's
 *         accepted window; KPI_ECONFIG (bad namespace, no region);
 *         KPI_EAUTH (names the credential source); KPI_ESOURCE/KPI_ETIMEOUT.
 */
KPI_EXTERN int kpi_publish_cloudwatch(const kpi_config *cfg, const kpi_result *res,
                                      const kpi_publish_opts *opts, kpi_publish_stats *stats,
                                      kpi_error *err);

/**
 * How a KPI appears in the Prometheus textfile: Prometheus' conventions
 * (base units, unit as the name's suffix, ratios 0..1) rather than the
 * catalogue's units. By the KPI's unit:
 *
 * | unit    | name                                              | value     |
 * |---------|---------------------------------------------------|-----------|
 * | `%`     | id less `_pct`/`_percent`/`_ratio`, then `_rate`; + `_ratio` | / 100 |
 * | `ms`    | id less `_ms`/`_milliseconds`, + `_seconds`       | / 1000    |
 * | `d`     | id less `_days`/`_d`, + `_seconds`                | x 86400   |
 * | `h`     | id less `_hours`/`_h`, + `_seconds`               | x 3600    |
 * | `min`   | id less `_minutes`/`_min`, + `_seconds`           | x 60      |
 * | `s`     | id less `_s`/`_sec`, + `_seconds` (once)          | unchanged |
 * | other   | the id                                            | unchanged |
 *
 * e.g. `uncached_legacy_max_age_days` (d) -> `kpi_uncached_legacy_max_age_seconds`,
 * `api_latency_p95_ms` -> `kpi_api_latency_p95_seconds`, `legacy_coverage_pct`
 * -> `kpi_legacy_coverage_ratio`, `export_success_rate` (%) ->
 * `kpi_export_success_ratio`. CloudWatch keeps the KPI ids and units.
 */
typedef struct kpi_prom_metric {
	char name[192];           /**< "kpi_..." */
	const char *base_unit;    /**< "seconds", "ratio", or "" (the value as computed) */
	double mul;               /**< Prometheus value = value * mul / div */
	double div;
} kpi_prom_metric;

/** The Prometheus name and scaling of a KPI (see kpi_prom_metric). */
KPI_EXTERN void kpi_prom_metric_of(kpi_prom_metric *out, const kpi_def *def);

/** The run a Prometheus textfile describes. */
typedef struct kpi_prom_run {
	const kpi_result *result; /**< NULL when the run failed: no KPI gauge is written, so
	                               nothing stale looks fresh */
	double duration_s;        /**< kpi_run_duration_seconds */
	int64_t now;              /**< when the run ended; kpi_last_success_timestamp_seconds
	                               when it succeeded */
	const char *previous;     /**< the previous textfile's text (NULL: none): the source
	                               error counter and the last success time carry over */
} kpi_prom_run;

/**
 * Render a node_exporter textfile: HELP/TYPE lines, one gauge per KPI
 * (named and scaled by kpi_prom_metric_of(), and `<name>_status`) with its labels, `kpi_rows{kpi,status}`,
 * `kpi_week_start_timestamp_seconds`, `kpi_run_duration_seconds`,
 * `kpi_last_success_timestamp_seconds`, `kpi_last_run_success` and the
 * counter `kpi_source_errors_total` (incremented on a failed run).
 * @return 0; KPI_ECONFIG when two KPIs of the result map to one metric name
 *         (or to one of the fixed ones), naming both; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_prom_render(kpi_buf *out, const kpi_prom_run *run, kpi_error *err);

/**
 * Render and write the textfile at `path` atomically (temp + fsync +
 * rename), reading the previous one there for the carried-over values.
 * @return 0, KPI_EIO naming the path.
 */
KPI_EXTERN int kpi_prom_write(const char *path, const kpi_result *result, double duration_s, int64_t now,
                              kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
