/**
 * @file kpi/eval.h
 * @brief Status per row and verdict per week. Pure functions: no I/O.
 */
#ifndef KPI_EVAL_H
#define KPI_EVAL_H

#include "common.h"
#include "catalog.h"
#include "result.h"
#include "waiver.h"

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
	char *not_measured;   /**< the whole KPI was not collected: why ("CloudWatch not
	                           configured"); NULL for a row's reason. status is no_data */
	size_t waiver;        /**< in kpi_verdict.waived: the index of the waiver that covers it */
	char *expired_waiver; /**< in kpi_verdict.reasons: NULL, or the waiver that would cover it
	                           but ran out before the week, "approved by J. Rivera until 2026-W39" */
} kpi_reason;

/** A KPI of the catalogue the run did not collect (not configured, or not
 *  readable), and why. */
typedef struct kpi_unmeasured {
	const char *kpi;      /**< its id */
	bool gating;
	const char *why;      /**< "CloudWatch not configured" */
} kpi_unmeasured;

/** What a verdict weighs besides the rows' statuses. */
typedef struct kpi_verdict_in {
	const kpi_unmeasured *unmeasured; /**< the KPIs not collected */
	size_t nunmeasured;
	const kpi_waiver *waivers;        /**< the configured waivers */
	size_t nwaivers;
} kpi_verdict_in;

/** Verdict of one week with its reasons (breaches first). */
typedef struct kpi_verdict {
	int64_t period_start;
	kpi_week week;
	kpi_verdict_kind verdict;
	kpi_reason *reasons;
	size_t nreasons;
	kpi_reason *waived;   /**< what would have held the week and a waiver covers
	                           (each with its `waiver`) */
	size_t nwaived;
} kpi_verdict;

/**
 * The verdict rule, the one function `kpi query all`, `kpi pack` (and the
 * snapshot's validation) decide with. For every week of `res` (statuses
 * must be set):
 * - NO-GO if any gating row is breach (never waived);
 * - else HOLD if a gating KPI was not measured (`in->unmeasured`: one
 *   reason per KPI, `not_measured` = why) or a gating row is no_data under
 *   a blocking policy, unless a waiver covers it: same KPI, the waiver's
 *   labels a subset of the row's (a waiver with labels does not cover a KPI
 *   that was not measured at all), and the week not after its `until` (an
 *   expired waiver covers nothing). What a waiver covers goes to `waived`;
 * - else GO.
 * Reasons: breaches, then rows without data, then KPIs not measured.
 * @param in NULL: nothing unmeasured, no waivers (the rule of snapshot
 *           formats 1 and 2).
 * @param[out] out array of `res->window.nweeks` verdicts, oldest first; free
 *             with kpi_verdicts_free().
 */
KPI_EXTERN int kpi_eval_verdicts_in(kpi_verdict **out, const kpi_result *res, const kpi_verdict_in *in,
                                    kpi_error *err);

/** kpi_eval_verdicts_in() with nothing unmeasured and no waivers. */
KPI_EXTERN int kpi_eval_verdicts(kpi_verdict **out, const kpi_result *res, kpi_error *err);

/** Whether waiver `w` covers KPI `kpi`'s row with these labels (NULL names:
 *  the whole KPI, not measured) in week `week`; `expired` (may be NULL) says
 *  whether it would have but is past its `until`. */
KPI_EXTERN bool kpi_waiver_covers(const kpi_waiver *w, const char *kpi, size_t nlabels,
                                  char *const *label_names, char *const *label_values, kpi_week week,
                                  bool *expired);

/** Log a warning (event `event`) for each reason of `v` an expired waiver
 *  no longer covers (its `expired_waiver`): `kpi query all` and `kpi alert`
 *  say so alike. */
KPI_EXTERN void kpi_verdict_warn_expired(const kpi_verdict *v, const char *event);

/** Free an array of `n` verdicts. Accepts NULL. */
KPI_EXTERN void kpi_verdicts_free(kpi_verdict *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
