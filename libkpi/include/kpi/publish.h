/**
 * @file kpi/publish.h
 * @brief Publishing computed KPIs where operators already look: CloudWatch
 *        custom metrics (PutMetricData) and a Prometheus node_exporter
 *        textfile.
 *
 * What is published is the last week of a result (the current week by
 * default in `kpi publish`): for each row with a value, a metric named after
 * the KPI (CloudWatch: its id and unit, and `<id>_status`: 1 when the row
 * is in breach, 0 when ok or warn; Prometheus: its name in base units, see
 * kpi_prom_metric_of(), with the state set `kpi_status`) with the row's
 * labels as dimensions/labels. Rows with no value
 * (no_data, not_applicable) publish nothing — no value and no status — and
 * are logged: CloudWatch alarms then see missing data (their
 * treat-missing-data decides) and Prometheus has `kpi_rows{status="no_data"}`.
 */
#ifndef KPI_PUBLISH_H
#define KPI_PUBLISH_H

#include "common.h"
#include "config.h"
#include "result.h"
#include "eval.h"
#include "buf.h"
#include "catalog.h"

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
	bool prune;               /**< kpi_publish_alarms(): delete kpi's alarms of this namespace
	                               that it did not put (KPIs removed or no longer alerting) */
	int64_t interval;         /**< kpi_publish_alarms(): seconds between kpi publish runs, the
	                               period of an alarm of a KPI without an alarm rule (<= 0: 300) */
	const kpi_verdict *verdicts; /**< kpi_publish_dashboard(): the verdicts of the result's weeks
	                               as kpi_collect_verdicts() gives them (gating KPIs not measured
	                               and waivers weighed); NULL: from the rows alone */
} kpi_publish_opts;

#define KPI_PUBLISH_OPTS_INIT { NULL, 0, false, 300, NULL }

/** What kpi_publish_alarms() did. */
typedef struct kpi_publish_alarm_stats {
	size_t put;               /**< PutMetricAlarm calls (created or updated in place) */
	size_t deleted;           /**< alarms deleted by prune */
} kpi_publish_alarm_stats;

/**
 * One CloudWatch alarm (PutMetricAlarm) per row of the last week of `res`
 * of every KPI that alerts (the same rules and resolved thresholds as
 * `kpi alert` and kpi_prom_rules_render()), over the metric
 * kpi_publish_cloudwatch() sends: name `kpi-<id>[-<label value>...]`,
 * ComparisonOperator and Threshold from the threshold (in the KPI's unit),
 * EvaluationPeriods/DatapointsToAlarm/Period from its alarm rule (M of N),
 * else for + 1 runs of `opts->interval`; TreatMissingData from the alarm
 * rule, else `breaching` for a KPI whose missing-data policy is block,
 * `notBreaching` for ignore; AlarmActions and OKActions the SNS topic of
 * $KPI_PUBLISH_ALARM_TOPIC_ARN or publish.alarm_topic_arn (none: actions
 * disabled). The description ends with a marker naming the namespace; with
 * `opts->prune`, the alarms named `kpi-...` with that marker that were not
 * put are deleted (DeleteAlarms), and no other. Idempotent: the same names
 * are updated in place.
 * @param stats may be NULL
 * @return 0; KPI_EUSAGE (an interval that is no alarm period); KPI_ECONFIG;
 *         KPI_EAUTH; KPI_ESOURCE/KPI_ETIMEOUT.
 */
KPI_EXTERN int kpi_publish_alarms(const kpi_config *cfg, const kpi_catalog *cat, const kpi_result *res,
                                  const kpi_publish_opts *opts, kpi_publish_alarm_stats *stats,
                                  kpi_error *err);

/**
 * PutDashboard: a text widget with the last week's verdict and its reasons,
 * then one metric widget per KPI of `res` (its rows' metrics as
 * kpi_publish_cloudwatch() sends them) with its threshold as a horizontal
 * annotation. The dashboard is named "kpi" for the namespace "KPI", else
 * "kpi-<namespace>".
 * @param[out] name the dashboard's name
 * @return as kpi_publish_alarms().
 */
KPI_EXTERN int kpi_publish_dashboard(const kpi_config *cfg, const kpi_result *res, const kpi_publish_opts *opts,
                                     char *name, size_t name_size, kpi_error *err);

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
 * A percentile in the id (`_p95`, `_p99`, `_p999`) leaves the name for the
 * label `quantile` ("0.95"), as does a label `stat` whose known values are
 * all percentiles; such a metric is typed summary (without _sum and _count).
 *
 * e.g. `uncached_legacy_max_age_days` (d) -> `kpi_uncached_legacy_max_age_seconds`,
 * `api_latency_p95_ms` -> `kpi_api_latency_seconds{quantile="0.95"}`, `legacy_coverage_pct`
 * -> `kpi_legacy_coverage_ratio`, `export_success_rate` (%) ->
 * `kpi_export_success_ratio`. CloudWatch keeps the KPI ids and units.
 */
typedef struct kpi_prom_metric {
	char name[192];           /**< "kpi_..." */
	char quantile[16];        /**< "0.95" when the id names a percentile ("_p95"), which
	                               then becomes the label quantile="0.95"; else "" */
	bool summary;             /**< typed `summary` in the textfile: its samples carry a
	                               `quantile` label (the id's percentile, or its label `stat`
	                               whose known values are all percentiles, "p50", "p95"...),
	                               which Prometheus allows on summaries only */
	const char *base_unit;    /**< "seconds", "ratio", or "" (the value as computed) */
	double mul;               /**< Prometheus value = value * mul / div */
	double div;
} kpi_prom_metric;

/** The Prometheus name and scaling of a KPI (see kpi_prom_metric). */
KPI_EXTERN void kpi_prom_metric_of(kpi_prom_metric *out, const kpi_def *def);

/** A percentile's quantile: "p95" -> "0.95", "p50" -> "0.5", "p999" ->
 *  "0.999". @return false (buf untouched) when `stat` is no percentile. */
KPI_EXTERN bool kpi_prom_quantile(char *buf, size_t size, const char *stat);

/** The run a Prometheus textfile describes. */
typedef struct kpi_prom_run {
	const kpi_result *result; /**< NULL when the run failed: no KPI gauge is written, so
	                               nothing stale looks fresh */
	double duration_s;        /**< kpi_run_duration_seconds */
	int64_t now;              /**< when the run ended; kpi_last_success_timestamp_seconds
	                               when it succeeded */
	const char *previous;     /**< the previous textfile's text (NULL: none): the source
	                               error counter and the last success time carry over */
	const kpi_verdict *verdicts; /**< the verdicts of the result's weeks as kpi_collect_verdicts()
	                               gives them (gating KPIs not measured and waivers weighed),
	                               so `kpi_verdict` is the pack's; NULL: from the rows alone */
} kpi_prom_run;

/**
 * Render a node_exporter textfile: HELP/TYPE lines, one gauge per KPI
 * (named and scaled by kpi_prom_metric_of()) with its labels, `<name>_threshold`
 * for a KPI with a threshold (same scale), the state sets
 * `kpi_status{kpi,<labels>,status}` (1 for the row's status, 0 for the four
 * others) and `kpi_verdict{verdict}` (GO, HOLD, NO-GO), `kpi_rows{kpi,status}`,
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
 * The file is 0644 whatever the umask: node_exporter reads it as another
 * user.
 * @return 0, KPI_EIO naming the path.
 */
KPI_EXTERN int kpi_prom_write(const char *path, const kpi_result *result, const kpi_verdict *verdicts,
                              double duration_s, int64_t now, kpi_error *err);

/**
 * Can the textfile at `path` be written? Its directory exists, is a
 * directory and may be written in. Checked before anything is read (kpi
 * publish): the textfile is what tells of a source that cannot be read, so
 * a path it cannot go to is found before a database error hides it.
 * @return 0; KPI_EIO "cannot write the textfile PATH: DIR: no such
 *         directory" (or "DIR is not a directory", or why DIR cannot be
 *         written); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_prom_check(const char *path, kpi_error *err);

/** Options of kpi_prom_rules_render(). */
typedef struct kpi_prom_rules_opts {
	int64_t interval;         /**< seconds between `kpi publish` runs: a rule's `for` is its
	                               alert's `for` runs times this (<= 0: 300) */
	const char *rules_name;   /**< how the tests file names the rules file (relative to
	                               the tests file); NULL: "kpi-rules.yml" */
} kpi_prom_rules_opts;

#define KPI_PROM_RULES_OPTS_INIT { 300, NULL }

/**
 * Prometheus alerting rules (YAML, `promtool check rules`) of every KPI that
 * alerts (the catalogue's `alert` objects, the config's `alert.kpis` and
 * `kpis.<id>.threshold` overrides: the thresholds `kpi alert` and the pack
 * use), over the metrics kpi_prom_render() writes: `alert` = the KPI id,
 * `expr` = the metric (and its quantile) against the threshold in the
 * metric's unit, `for` = M x period of its alarm rule or `for` runs x
 * interval, labels `severity` and `kpi`, annotations `summary`,
 * `description`, `runbook_url`. With `tests`, also a `promtool test rules`
 * suite: per rule, a series just past the threshold fires after `for`
 * (and is pending before), one at its healthy edge never does.
 * @param tests may be NULL
 * @return 0; KPI_ECONFIG as kpi alert's settings; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_prom_rules_render(kpi_buf *rules, kpi_buf *tests, const kpi_config *cfg,
                                     const kpi_catalog *cat, const kpi_prom_rules_opts *opts,
                                     kpi_error *err);

/**
 * kpi_prom_rules_render() into files, each written atomically (temp +
 * fsync + rename): the rules at `rules_path`, the tests (when
 * `tests_path` is not NULL) at `tests_path`.
 * @return as kpi_prom_rules_render(); KPI_EIO naming the path.
 */
KPI_EXTERN int kpi_prom_rules_write(const char *rules_path, const char *tests_path, const kpi_config *cfg,
                                    const kpi_catalog *cat, const kpi_prom_rules_opts *opts,
                                    kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
