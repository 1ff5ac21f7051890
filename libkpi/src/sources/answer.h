/* Checks of the numbers in a remote source's answers (CloudWatch,
 * Prometheus), before any of them becomes a value: the range a datapoint can
 * take (a query file's "bounds", docs/configuration.md), times that are whole
 * seconds an int64 holds, and a ratio's parts. An answer that fails one is
 * malformed (KPI_EDATA, exit 8): the caller says so at once, naming the KPI,
 * the metric and the first bad datapoint, and never turns it into a value.
 * Private to libkpi. */
#ifndef KPI_SOURCES_ANSWER_H
#define KPI_SOURCES_ANSWER_H

#include "core/internal.h"

/* The default upper bound of a datapoint and of a week's sum: no count kpi
 * reads comes near it (1e15 requests in a week are 1.6 billion a second;
 * 1e15 seconds are 31 million years). */
#define KPI__ANSWER_MAX 1e15

/* The range [lo, hi] a datapoint can take; -INFINITY / INFINITY for an open
 * side. Default: [0, KPI__ANSWER_MAX] (counts, sizes, ages and times are
 * never negative). */
typedef struct kpi__bounds {
	double lo, hi;
} kpi__bounds;

#define KPI__BOUNDS_INIT { 0.0, KPI__ANSWER_MAX }

/* Read a query file's "bounds": [min, max], each a number or null (no bound
 * on that side); `v` NULL gives the default. Errors: KPI_ECONFIG with the
 * file:line:col of `v`. */
int kpi__bounds_parse(kpi__bounds *out, const kpi__jsondoc *doc, const json_t *v, kpi_error *err);

/* NULL when `v` is a finite number within `b`; else why not, as a phrase for
 * a message, in `buf` ("negative", "not a finite number", "above 1e+15,
 * more than a week can hold"). */
const char *kpi__bounds_check(const kpi__bounds *b, double v, char *buf, size_t size);

/* The whole seconds `t` stands for, when it is finite, integral and well
 * inside int64 (|t| < 2^62); else false and *out untouched. Converts only
 * what fits, so no out-of-range float-to-integer conversion can happen. */
bool kpi__answer_seconds(int64_t *out, double t);

/* A time of an answer for a message: ISO-8601 UTC when it is a whole second
 * of the years 1 to 9999, else the number as given ("1e+300"). Returns buf. */
const char *kpi__answer_time(char *buf, size_t size, double t);

/* Whether a ratio's numerator exceeds its denominator by more than
 * rounding (both counts of the same period: errors among requests). */
bool kpi__answer_ratio_exceeds(double num, double den);

#endif
