/**
 * @file kpi/waiver.h
 * @brief Waivers: explicit, approved, time-boxed exceptions to the verdict
 *        rule, from the config file's `waivers` (docs/configuration.md).
 */
#ifndef KPI_WAIVER_H
#define KPI_WAIVER_H

#include "common.h"
#include "week.h"
#include "catalog.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One waiver: a gating KPI (or the rows of it whose labels include
 *  `labels`) that is not measured or has no data does not hold the verdict
 *  of a week up to and including `until` (kpi/eval.h). A breach is never
 *  waived. */
typedef struct kpi_waiver {
	char *kpi;            /**< KPI id */
	size_t nlabels;       /**< 0: the whole KPI */
	char **label_names;   /**< [nlabels], in the config file's order */
	char **label_values;  /**< [nlabels] */
	char *reason;         /**< why it is acceptable */
	char *approved_by;    /**< who approved it */
	kpi_week until;       /**< the last ISO week it covers */
} kpi_waiver;

/** Maximum number of waivers in a config file. */
#define KPI_WAIVERS_MAX 200

/**
 * Read and check the config file's `waivers`: an array of objects
 * `{kpi, labels?, reason, approved_by, until}`; `kpi` a gating KPI of `cat`
 * (after the config's overrides), `labels` an object of label names of that
 * KPI to string values, `reason` and `approved_by` non-empty, `until` an
 * ISO week "YYYY-Www".
 * @param[out] out the waivers in file order (NULL when none); free with
 *             kpi_waivers_free().
 * @return 0; KPI_ECONFIG "file:line:col: what is wrong"; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_config_waivers(kpi_waiver **out, size_t *nout, const kpi_config *cfg, const kpi_catalog *cat,
                                  kpi_error *err);

/** Free `n` waivers and the array. Accepts NULL. */
KPI_EXTERN void kpi_waivers_free(kpi_waiver *w, size_t n);

/** A deep copy of `n` waivers. @param[out] out free with kpi_waivers_free().
 *  @return 0 or KPI_ENOMEM. */
KPI_EXTERN int kpi_waivers_dup(kpi_waiver **out, const kpi_waiver *w, size_t n, kpi_error *err);

/** "load_balancer=a,queue=b" for a waiver's labels ("" for the whole KPI). @return buf. */
KPI_EXTERN char *kpi_waiver_labels_format(char *buf, size_t size, const kpi_waiver *w);

#ifdef __cplusplus
}
#endif
#endif
