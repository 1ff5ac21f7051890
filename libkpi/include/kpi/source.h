/**
 * @file kpi/source.h
 * @brief Reading KPI data: the sources and the collection of a run.
 *
 * Each KPI of the catalogue names its source ("source": "postgres",
 * "cloudwatch", "prometheus"); what a source reads, how it is configured and
 * how it describes itself is the source's own business (see
 * docs/architecture.md, "Add a source"). These functions ask the source by
 * name; nothing outside a source's module knows what kind of source it is.
 */
#ifndef KPI_SOURCE_H
#define KPI_SOURCE_H

#include "common.h"
#include "format.h" /* kpi_buf */
#include "catalog.h"
#include "config.h"
#include "result.h"
#include "eval.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The names of the registered sources, in registration order, NULL
 *  terminated (e.g. "postgres", "cloudwatch", "prometheus"). */
KPI_EXTERN const char *const *kpi_source_names(void);

/** The name people read for source `name` ("PostgreSQL", "CloudWatch"); the
 *  name itself when no such source is registered. Never NULL. */
KPI_EXTERN const char *kpi_source_title(const char *name);

/**
 * Whether the configuration says enough for `def`'s source to read it (a
 * CloudWatch KPI needs its load balancer or queues, a Prometheus KPI the
 * server's URL). A KPI that is not configured is left out of runs over the
 * whole catalogue; asking for it by name is an error.
 * @param[out] hint when not configured and not NULL: what would configure it
 *             ("set cloudwatch.queues in the config file or KPI_CW_QUEUES"),
 *             a static string.
 */
KPI_EXTERN bool kpi_source_configured(const kpi_config *cfg, const kpi_def *def, const char **hint);

/**
 * Check what the catalogue and the configuration ask of the sources: every
 * KPI names a registered source, every source's settings (its section of the
 * config file and its environment variables) are valid, and every top-level
 * section of the config file is known. Called by the tools after loading
 * both, so a bad setting fails before anything is read.
 * @return 0; KPI_ECONFIG with "file:line:col: what is wrong".
 */
KPI_EXTERN int kpi_sources_check(const kpi_config *cfg, const kpi_catalog *cat, kpi_error *err);

/**
 * What `kpi explain` prints for a KPI over a window: its definition,
 * threshold and policies, then what its source would run (the expanded
 * query text and its SHA-256 with every parameter's value, or the requests
 * and where they would go), never a secret. Reads and sends nothing.
 */
KPI_EXTERN int kpi_source_explain(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat,
                                  const kpi_def *def, const kpi_window *w, kpi_error *err);

/**
 * `kpi explain KPI --analyze`: run the KPI's query over the window under
 * the source's profiler (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS, FORMAT
 * JSON) in kpi's read-only transaction) and append to `out` where the time
 * and the reads went, one line per plan node. This reads the database.
 * @return 0; KPI_EUSAGE when the KPI's source has no profiler; the source's
 *         errors (KPI_ESOURCE, KPI_ETIMEOUT, KPI_ECONFIG).
 */
KPI_EXTERN int kpi_source_analyze(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat,
                                  const kpi_def *def, const kpi_window *w, kpi_error *err);

/**
 * Read the given KPIs (all when `ids` is NULL) over the window from their
 * sources and evaluate statuses. Any source failure fails the whole run:
 * nothing partial is returned. Several Postgres KPIs run side by side on up
 * to cfg->connections connections that share the first one's exported
 * snapshot: the result, and on failure the error (the first failing KPI in
 * catalogue order), are those of a run on one connection.
 * @param[out] out the result; free with kpi_result_free().
 */
KPI_EXTERN int kpi_collect(kpi_result **out, const kpi_catalog *cat, const kpi_config *cfg,
                           const char *const *ids, size_t nids, const kpi_window *w,
                           kpi_error *err);

/**
 * The verdict of every week of a run over the whole catalogue (kpi_collect()
 * with no ids): kpi_eval_verdicts_in() told that the catalogue's KPIs whose
 * source is not configured were not measured ("CloudWatch not configured")
 * and given the config's waivers (kpi_config_waivers()). `kpi query all` and
 * the snapshot of `kpi pack` decide with it.
 * @param[out] out as kpi_eval_verdicts_in().
 * @return 0; KPI_ECONFIG (a waiver); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_collect_verdicts(kpi_verdict **out, const kpi_result *res, const kpi_catalog *cat,
                                    const kpi_config *cfg, kpi_error *err);

/** The datapoints of one label set of a KPI, one per period, oldest first. */
typedef struct kpi_datapoints {
	char **labels;       /**< label values, parallel to the KPI's label names */
	int64_t start;       /**< start of the first period (UTC seconds) */
	int period;          /**< seconds */
	size_t n;            /**< number of periods */
	double *values;      /**< the KPI's value in each period (unit of the KPI) */
	bool *present;       /**< whether the period has a value */
	bool incomplete;     /**< the source answered only in part for some of it */
	double *numerator;   /**< a ratio KPI's numerator in each period where `present`
	                          (NULL for other KPIs): the SLO KPIs sum them over windows */
	double *denominator; /**< its denominator where `present` (> 0); NULL with numerator */
} kpi_datapoints;

/** The datapoints of every label set of a KPI. */
typedef struct kpi_datapoint_set {
	const kpi_def *def;
	size_t nlabels;
	kpi_datapoints *sets;
	size_t nsets;
} kpi_datapoint_set;

/**
 * Fetch, for KPI `def` and each of its label sets, the KPI's value in every
 * `period` of [from, to) — e.g. the last 5 one-minute datapoints for an
 * M-of-N alarm rule (kpi/alarm.h). `from` and `to` must lie on period
 * boundaries. A ratio KPI's period value is numerator / denominator x 100
 * of that period (no value without a denominator).
 * @param[out] out the datapoints; free with kpi_datapoint_set_free().
 * @return 0; KPI_EUSAGE (bad range or period); KPI_ECONFIG when the KPI's
 *         source has no per-period datapoints, or as a run of the source.
 */
KPI_EXTERN int kpi_source_datapoints(kpi_datapoint_set **out, const kpi_config *cfg, const kpi_def *def,
                                     int64_t from, int64_t to, int period, kpi_error *err);

/** Free a datapoint set. Accepts NULL. */
KPI_EXTERN void kpi_datapoint_set_free(kpi_datapoint_set *set);

#ifdef __cplusplus
}
#endif
#endif
