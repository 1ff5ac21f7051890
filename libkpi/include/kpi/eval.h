/**
 * @file kpi/eval.h
 * @brief Status per row and verdict per week. Pure functions: no I/O.
 */
#ifndef KPI_EVAL_H
#define KPI_EVAL_H

#include "common.h"
#include "catalog.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Status of one value against a threshold:
 * no value -> no_data; not applicable -> not_applicable; no threshold -> ok;
 * threshold not met -> breach; met but within warn_margin of the target -> warn;
 * else ok.
 */
KPI_EXTERN kpi_status kpi_eval_status(const kpi_threshold *th, bool has_value,
                                      double value, bool applicable);

/** Set the status of every row of every series of `res`. A row marked
 *  `incomplete` keeps `breach` when its partial value already breaches, and
 *  is `no_data` otherwise (never ok or warn: a gap is not health), so the
 *  KPI's missing-data policy decides what it means for the verdict. */
KPI_EXTERN void kpi_eval_result(kpi_result *res);

/** kpi_eval_result() for one series. */
KPI_EXTERN void kpi_eval_series(kpi_series *s);

/** The verdict of a week. */
typedef enum kpi_verdict_kind {
	KPI_VERDICT_GO = 0,
	KPI_VERDICT_HOLD,
	KPI_VERDICT_NOGO
} kpi_verdict_kind;

/** "GO", "HOLD", "NO-GO". */
KPI_EXTERN const char *kpi_verdict_name(kpi_verdict_kind v);

/** One reason behind a verdict: a gating row in breach, or in no_data
 *  with a blocking policy. */
typedef struct kpi_reason {
	char *kpi;            /**< KPI id */
	char *labels;         /**< "a=x,b=y" or "" (display text) */
	size_t nlabels;       /**< the row's labels: */
	char **label_names;   /**< [nlabels] the series' label names */
	char **label_values;  /**< [nlabels] the row's values */
	bool has_value;
	double value;
	kpi_status status;
	char *threshold;      /**< e.g. ">= 95%" */
} kpi_reason;

/** Verdict of one week with its reasons (breaches first). */
typedef struct kpi_verdict {
	int64_t period_start;
	kpi_week week;
	kpi_verdict_kind verdict;
	kpi_reason *reasons;
	size_t nreasons;
} kpi_verdict;

/**
 * Compute the verdict of every week of `res` (statuses must be set).
 * NO-GO if any gating row is breach; else HOLD if any gating row is no_data
 * under a blocking policy; else GO.
 * @param[out] out array of `res->window.nweeks` verdicts, oldest first; free
 *             with kpi_verdicts_free().
 */
KPI_EXTERN int kpi_eval_verdicts(kpi_verdict **out, const kpi_result *res, kpi_error *err);

/** Free an array of `n` verdicts. Accepts NULL. */
KPI_EXTERN void kpi_verdicts_free(kpi_verdict *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
