/* The CloudWatch source's internals (cloudwatch.c), private to libkpi and
 * open to the unit tests: settings, query files, the batching plan, request
 * bodies and response parsing. Also used by kpi publish (PutMetricData). */
#ifndef KPI_CW_H
#define KPI_CW_H

#include "net/aws.h"
#include "sources/answer.h"
#include "sources/source.h"

/* The GetMetricData operation of AWS JSON 1.0 (X-Amz-Target). */
#define GMD_TARGET "GraniteServiceVersion20100801.GetMetricData"
#define LM_TARGET "GraniteServiceVersion20100801.ListMetrics"

/* GetMetricData limits (docs/dependencies.md). */
#define KPI__CW_MAX_QUERIES 500
#define KPI__CW_MAX_DATAPOINTS 100800

/* The "cloudwatch" settings of the config file and the environment. */
typedef struct kpi__cw_settings {
	char *load_balancer;     /* KPI_CW_LOAD_BALANCER, cloudwatch.load_balancer; NULL = none */
	char **queues;           /* KPI_CW_QUEUES, cloudwatch.queues */
	size_t nqueues;
	char *region;            /* cloudwatch.region: used when the AWS chain has none */
	bool hosts;              /* KPI_CW_HOSTS, cloudwatch.hosts = "discover": the CloudWatch
	                            agent's host KPIs, their series found with ListMetrics (discover.c) */
	kpi__aws_retry retry;    /* deadline_seconds, retry_base_seconds, retry_max_seconds,
	                            request_timeout_seconds, max_response_bytes;
	                            KPI_CW_DEADLINE_SECONDS, KPI_CW_RETRY_BASE_SECONDS, ... */
} kpi__cw_settings;

/* Read and check the settings (positions in the config file for errors).
 * Called by kpi_config_load so a bad setting fails early. */
int kpi__cw_settings_load(kpi__cw_settings *out, const kpi_config *cfg, kpi_error *err);
void kpi__cw_settings_release(kpi__cw_settings *s);

/* How a KPI's metrics combine into its value. */
typedef enum kpi__cw_combine {
	KPI__CW_RATIO_PCT = 0,   /* sum(numerator) / sum(denominator) x 100 */
	KPI__CW_MAX,             /* maximum of the metric's Maximum */
	KPI__CW_SUM,             /* sum of the metric's Sum */
	KPI__CW_PERCENTILE       /* the statistic (pNN) over each whole period */
} kpi__cw_combine;

typedef enum kpi__cw_role { KPI__CW_VALUE = 0, KPI__CW_NUMERATOR, KPI__CW_DENOMINATOR } kpi__cw_role;

typedef struct kpi__cw_metric {
	kpi__cw_role role;
	char *namespace_;
	char *name;
	char *stat;
	bool sparse;             /* emitted only when non-zero: a missing datapoint is no gap */
	kpi__bounds bounds;      /* "bounds": the range of a datapoint (and of a week's sum) */
} kpi__cw_metric;

/* A query file of queries/cloudwatch/. */
typedef struct kpi__cw_spec {
	const kpi_def *def;
	char *path;
	char sha256[65];
	char *dimension;         /* CloudWatch dimension name: "LoadBalancer", "QueueName" */
	char *values_from;       /* "load_balancer", "queues", or "discover" (the file's "labels") */
	char **label_dims;       /* discovery: per KPI label (def->nlabels), its dimension name */
	kpi__cw_combine combine;
	double scale;            /* multiplies the value (s -> ms: 1000) */
	kpi__cw_metric metrics[3];
	size_t nmetrics;
} kpi__cw_spec;

int kpi__cw_spec_load(kpi__cw_spec *out, const kpi_config *cfg, const kpi_def *def, kpi_error *err);
void kpi__cw_spec_release(kpi__cw_spec *s);

/* The label values a spec reads, from the settings (NULL when none: the KPI
 * is not configured). Points into `s`. */
const char *const *kpi__cw_values(const kpi__cw_settings *s, const kpi__cw_spec *spec, size_t *n);

/* One dimension set of a series ListMetrics listed (discover.c): all its
 * dimensions, as they must be asked for again. */
typedef struct kpi__cw_dimset {
	char **names, **values;
	size_t n;
	char *rest;              /* for messages: values[0] then ", name=value" of the others */
} kpi__cw_dimset;

/* The series of one label set of a discovered KPI: one or more dimension
 * sets (an instance resized gets a new InstanceType dimension), combined by
 * the maximum. */
typedef struct kpi__cw_found {
	char **labels;           /* nlabels values (and a NULL) */
	kpi__cw_dimset *sets;
	size_t nsets;
} kpi__cw_found;

/* What ListMetrics listed for a spec with "labels", sorted by label values. */
typedef struct kpi__cw_discovery {
	kpi__cw_found *found;
	size_t n, nlabels;
	size_t skipped;          /* series without one of the label dimensions (aggregates) */
	int pages;               /* ListMetrics calls */
} kpi__cw_discovery;

void kpi__cw_discovery_release(kpi__cw_discovery *d);

/* The JSON body of one ListMetrics call for the spec's metric. */
int kpi__cw_list_body(kpi_buf *out, const kpi__cw_spec *spec, const char *next_token, bool pretty, kpi_error *err);

/* Apply one ListMetrics answer to `d` (series of another namespace or
 * metric, or dimensions that are not strings: KPI_EDATA naming the KPI);
 * *next_token gets the token to follow (caller frees) or NULL. Call
 * kpi__cw_discovery_finish() after the last page. */
int kpi__cw_list_apply(kpi__cw_discovery *d, const kpi__cw_spec *spec, const char *body, size_t len,
                       char **next_token, kpi_error *err);
/* Sort the label sets (and each one's dimension sets). */
void kpi__cw_discovery_finish(kpi__cw_discovery *d);

/* Every ListMetrics page for the spec's metric (NextToken to the end, with
 * retries): the label sets and their series. */
int kpi__cw_discover(kpi__cw_discovery *out, const kpi__cw_spec *spec, const kpi__aws *aws,
                     const kpi__aws_retry *retry, kpi__aws_stats *stats, kpi_error *err);

/* One metric series over [t0, t1) at `period`: what one MetricDataQuery
 * fetches (possibly over several calls). */
typedef struct kpi__cw_unit {
	const char *kpi;                /* for messages */
	const kpi__cw_metric *metric;
	const char *dimension;          /* for a discovered series: its first dimension's name */
	const char *dim_value;          /* ... and its kpi__cw_dimset.rest */
	const kpi__cw_dimset *dims;     /* a discovered series: all its dimensions (NULL: the one above) */
	int64_t t0, t1;
	int period;
	size_t n;                       /* (t1 - t0) / period */
	double *values;                 /* n */
	unsigned char *flags;           /* n: KPI__CW_PRESENT | KPI__CW_PARTIAL */
	size_t results;                 /* MetricDataResults received for it (pages included) */
} kpi__cw_unit;

#define KPI__CW_PRESENT 1
#define KPI__CW_PARTIAL 2

int kpi__cw_unit_init(kpi__cw_unit *u, const char *kpi, const kpi__cw_metric *m, const char *dimension,
                      const char *dim_value, int64_t t0, int64_t t1, int period, kpi_error *err);
void kpi__cw_unit_release(kpi__cw_unit *u);

/* KPI_EDATA for what is wrong with unit u's part of an answer: "KPI k:
 * malformed CloudWatch GetMetricData answer: RequestCount
 * (AWS/ApplicationELB, Sum, LoadBalancer=app/web/1): <what>". */
int kpi__cw_unit_bad(kpi_error *err, const kpi__cw_unit *u, const char *fmt, ...) KPI_PRINTF(3, 4);

/* Whether value `v` of unit u's datapoint at time `t` is within its metric's
 * bounds: 0, or KPI_EDATA naming it ("the datapoint at ... is ...: why"). */
int kpi__cw_unit_bounds(kpi_error *err, const kpi__cw_unit *u, double t, double v);

/* One GetMetricData call of a plan: a time range and the units it asks for
 * (each as query "q<i>", i its index in `units`). */
typedef struct kpi__cw_call {
	int64_t t0, t1;
	size_t *units;
	size_t nunits;
} kpi__cw_call;

/* Plan the calls for `units`: units with the same range and period share
 * calls, at most KPI__CW_MAX_QUERIES queries and KPI__CW_MAX_DATAPOINTS
 * datapoints per call, splitting the range on period boundaries where one
 * query alone would return more. Checks CloudWatch's period rules against
 * the age of each call's start at `now`. */
int kpi__cw_plan(kpi__cw_call **out, size_t *ncalls, const kpi__cw_unit *units, size_t nunits, int64_t now,
                 kpi_error *err);
void kpi__cw_plan_free(kpi__cw_call *calls, size_t n);

/* The smallest period granularity CloudWatch allows for data starting at
 * `start` (60, 300 or 3600 s by age). */
int kpi__cw_granularity(int64_t start, int64_t now);

/* The JSON body of one call (with NextToken when `next_token` is set). */
int kpi__cw_request_body(kpi_buf *out, const kpi__cw_call *call, const kpi__cw_unit *units,
                         const char *next_token, bool pretty, kpi_error *err);

/* Apply one GetMetricData response body to the call's units. *next_token
 * gets the NextToken to follow (caller frees), or NULL at the end. Every
 * datapoint is checked before it is stored: its timestamp a whole second in
 * the call's range on the unit's period grid, not seen before; its value
 * within the metric's bounds (finite; by default not negative and at most
 * KPI__ANSWER_MAX). Each result counts in its unit's `results`; a result
 * for a query the call did not ask, or two for one query, is malformed.
 * (A query of the call with no result on any page: kpi__cw_run() checks.)
 * @return 0; KPI_EDATA for a malformed body, shape or datapoint (naming the
 *         KPI, the metric and the first bad datapoint);
 *         KPI_ESOURCE for StatusCode InternalError, KPI_EAUTH for Forbidden. */
int kpi__cw_response_apply(kpi__cw_unit *units, const kpi__cw_call *call, const char *body, size_t len,
                           char **next_token, kpi_error *err);

/* Run a plan: every call, NextToken to the end, with retries (an answer
 * above retry->max_response is KPI_EDATA at once). Every query of a call
 * must have had a result by its last page (KPI_EDATA naming it). */
typedef struct kpi__cw_stats {
	kpi__aws_stats aws;
	int calls;         /* GetMetricData calls (pages included) */
	size_t queries;    /* MetricDataQueries sent */
	size_t datapoints; /* datapoints received */
} kpi__cw_stats;

int kpi__cw_run(kpi__cw_unit *units, size_t nunits, const kpi__aws *aws, const kpi__aws_retry *retry,
                int64_t now, kpi__cw_stats *stats, kpi_error *err);

/* The series a session has read (cache.c): each (namespace, metric,
 * statistic, dimensions, period) over the range a run read it, kept until
 * the session closes, so a later run of the same session that needs the
 * same series over hours inside that range (on the same period grid) gets
 * those datapoints without asking again: the SLO KPIs' 28 days of hourly
 * counts answer api_error_rate_pct's week of the same counts. At most
 * KPI__CW_CACHE_MAX_SLOTS datapoints are kept; past that, series are read
 * as if there were no cache. */
#define KPI__CW_CACHE_MAX_SLOTS 4000000

typedef struct kpi__cw_cached {
	char *series;                /* namespace, metric, statistic, dimensions (name=value, in order) */
	int64_t t0, t1;
	int period;
	size_t n;
	double *values;
	unsigned char *flags;        /* KPI__CW_PRESENT | KPI__CW_PARTIAL, as read */
} kpi__cw_cached;

typedef struct kpi__cw_cache {
	kpi__cw_cached *e;
	size_t n, cap;
	size_t slots;                /* datapoint slots held */
	size_t reused;               /* units answered from it (for the debug log and tests) */
} kpi__cw_cache;

void kpi__cw_cache_release(kpi__cw_cache *c);

/* kpi__cw_run() with a session's cache (NULL: none): the units the cache
 * holds are filled from it (each datapoint checked against the unit's
 * metric's bounds, as an answer's are: KPI_EDATA naming it), the others
 * are read, then kept in the cache. `stats` counts what was read. */
int kpi__cw_run_cached(kpi__cw_unit *units, size_t nunits, kpi__cw_cache *cache, const kpi__aws *aws,
                       const kpi__aws_retry *retry, int64_t now, kpi__cw_stats *stats, kpi_error *err);

#endif
