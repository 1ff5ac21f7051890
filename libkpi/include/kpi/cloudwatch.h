/**
 * @file kpi/cloudwatch.h
 * @brief The CloudWatch source: weekly KPI rows from GetMetricData, and the
 *        per-period datapoints that alarm rules (kpi/alarm.h) evaluate.
 *
 * What a CloudWatch KPI reads is described by its query file in
 * `queries/cloudwatch/` (namespace, metric, statistic, dimension of each
 * metric and how they combine); which load balancer and queues is in the
 * config (`cloudwatch.load_balancer`, `cloudwatch.queues`) or the
 * environment (`KPI_CW_LOAD_BALANCER`, `KPI_CW_QUEUES`, comma-separated).
 * Credentials, region and endpoint come from the AWS environment and shared
 * files (see docs/configuration.md). Requests are signed by libcurl (SigV4).
 */
#ifndef KPI_CLOUDWATCH_H
#define KPI_CLOUDWATCH_H

#include "common.h"
#include "catalog.h"
#include "config.h"
#include "result.h"
#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Whether the configuration names what a CloudWatch KPI reads (its label's
 * values: the load balancer, the queues). A KPI that is not configured is
 * left out of runs over the whole catalogue; asking for it by name is an
 * error. Always false for a KPI of another source.
 */
KPI_EXTERN bool kpi_cloudwatch_configured(const kpi_config *cfg, const kpi_def *def);

/**
 * Read CloudWatch KPIs over a window, all metric queries of all of them
 * batched into as few GetMetricData calls as the API allows.
 * @param[out] out an array of `n` series, one per definition, filled with
 *             one row per week and label value (statuses not yet set); on
 *             failure each is left empty.
 * @return 0; KPI_ECONFIG (not configured, bad query file, no region);
 *         KPI_EAUTH (credentials refused: the message names their source);
 *         KPI_ESOURCE / KPI_ETIMEOUT (unreachable, throttled past the
 *         deadline); KPI_EDATA (malformed answer), each naming the KPI.
 */
KPI_EXTERN int kpi_cloudwatch_fetch(kpi_series *out, const kpi_config *cfg, const kpi_def *const *defs,
                                    size_t n, const kpi_window *w, kpi_error *err);

/** The datapoints of one label set of a KPI, one per period, oldest first. */
typedef struct kpi_cw_datapoints {
	char **labels;       /**< label values, parallel to the KPI's label names */
	int64_t start;       /**< start of the first period (UTC seconds) */
	int period;          /**< seconds */
	size_t n;            /**< number of periods */
	double *values;      /**< the KPI's value in each period (unit of the KPI) */
	bool *present;       /**< whether the period has a value */
	bool incomplete;     /**< CloudWatch answered PartialData for some of it */
} kpi_cw_datapoints;

/** The datapoints of every configured label set of a KPI. */
typedef struct kpi_cw_datapoint_set {
	const kpi_def *def;
	size_t nlabels;
	kpi_cw_datapoints *sets;
	size_t nsets;
} kpi_cw_datapoint_set;

/**
 * Fetch, for a CloudWatch KPI and each configured label set, the KPI's
 * value in every `period` of [from, to) — e.g. the last 5 one-minute
 * datapoints for an M-of-N alarm (kpi_alarm_eval()). `from` and `to` must
 * lie on period boundaries, and `period` must suit the age of `from`
 * (CloudWatch: any multiple of 60 within 15 days, of 300 within 63 days,
 * of 3600 beyond). A ratio KPI's period value is numerator / denominator x
 * 100 of that period's sums (no value without requests).
 * @param[out] out the datapoints; free with kpi_cw_datapoint_set_free().
 * @return 0, KPI_EUSAGE (bad range or period), or as kpi_cloudwatch_fetch().
 */
KPI_EXTERN int kpi_cloudwatch_datapoints(kpi_cw_datapoint_set **out, const kpi_config *cfg,
                                         const kpi_def *def, int64_t from, int64_t to, int period,
                                         kpi_error *err);

/** Free a datapoint set. Accepts NULL. */
KPI_EXTERN void kpi_cw_datapoint_set_free(kpi_cw_datapoint_set *set);

/**
 * Describe, for `kpi explain`, the GetMetricData requests a KPI's weekly
 * rows need over the window: the query file and its SHA-256, the endpoint,
 * region, SigV4 scope and credential source (never a secret), and each
 * request body as JSON.
 */
KPI_EXTERN int kpi_cloudwatch_explain(kpi_buf *out, const kpi_config *cfg, const kpi_def *def,
                                      const kpi_window *w, kpi_error *err);

/** "REGION ENDPOINT" of the CloudWatch endpoint kpi would call, for
 *  provenance (snapshot sources); KPI_ECONFIG/KPI_EAUTH when unresolvable.
 *  @param[out] out caller frees. */
KPI_EXTERN int kpi_cloudwatch_where(char **out, kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
