/*
 * Numbers as every output of kpi shows them (core/number.c): one formatter
 * per concept, each with the styles the media need today.
 *
 *   plain numbers   kpi__fmt_num()    (kpi_format_number() is its EXACT style)
 *   durations       kpi__time_unit()  the one unit ladder
 *   units           kpi__fmt_unit()   "99.78%", "2.83 min", "63", "+0.08 pp"
 *   values          kpi__fmt_value()  a number with its unit, durations on the ladder
 *   changes         kpi__fmt_delta()  week over week
 *
 * Thresholds are core/threshold.h's. Nothing here depends on a module
 * outside core/, on a locale or on Cairo/Pango. Not installed.
 */
#ifndef KPI_CORE_NUMBER_H
#define KPI_CORE_NUMBER_H

#include "kpi/catalog.h"

/* How a number reads. */
typedef enum kpi__numstyle {
	/* "96.66666666666667": the shortest decimal that reads back as the same
	 * double; "null" when not finite (JSON, CSV, snapshot.json, the
	 * catalogue's thresholds, perfdata, Prometheus) */
	KPI__NUM_EXACT,
	/* the pack (PDF, PNG): "1,234.5", "0.0123", "1.27 tn", "1.80 × 10³⁰⁸",
	 * U+2212 minus, whole numbers bare; "—" when not finite */
	KPI__NUM_PEOPLE,
	/* kpi query's table: whole numbers bare, else two decimals ("1234.57"),
	 * three significant digits below 0.01 ("0.00123") */
	KPI__NUM_TABLE,
	/* alert notifications: whole numbers bare, else one to four decimals by
	 * size with trailing zeros dropped; EXACT from 1e15 on */
	KPI__NUM_TERSE,
	/* PEOPLE, TABLE and TERSE never round onto 100 or -100 a value that is
	 * not: 99.9995 reads "99.9995", not "100" (more decimals, up to 9) */
	/* rounded to a whole number, no separators: a stacked bar's segments */
	KPI__NUM_WHOLE,
} kpi__numstyle;

/* `v` in `style`. @return buf. */
char *kpi__fmt_num(char *buf, size_t size, double v, kpi__numstyle style);

/* `v` with `decimals` decimals, thousands separators and U+2212 minus (never
 * "−0"): an axis' tick labels. @return buf. */
char *kpi__fmt_fixed(char *buf, size_t size, double v, int decimals);

/* "1234567.5"-style digits (printf's %f) with thousands separators,
 * "1,234,567.5", and `minus` for a leading '-' (U+2212 in the pack, "-"
 * where a spreadsheet's own rendering is measured). @return buf. */
char *kpi__fmt_grouped(char *buf, size_t size, const char *digits, const char *minus);

/* "10⁻⁶" for any int (an axis' scale). @return buf. */
char *kpi__fmt_pow10(char *buf, size_t size, int e);

/* Whether `unit` is `u` (a NULL unit is none). */
bool kpi__unit_is(const char *unit, const char *u);

/* Unit in words for an axis ("percent", "seconds", "days", "value"). */
const char *kpi__unit_words(const char *unit);

/* Durations (unit "s" or "ms") read in the unit that suits their size, by
 * one ladder for values, thresholds, changes and axes: seconds below 2 min,
 * then minutes below 2 h, hours below 2 d, days; milliseconds below 10 s.
 * Returns what to divide a value of `unit` by for the unit `shown` ("min")
 * and its `words` ("minutes"), sized by `maxabs`; 1 and `unit` itself for
 * any other unit. `shown`, `words` may be NULL. */
double kpi__time_unit(const char *unit, double maxabs, const char **shown, const char **words);

/* The number text `num` with its unit: "99.78%", "44.91 s", "63" (no unit
 * and "count" add nothing). A `difference` (a change, a margin) of a
 * percentage is in points: "0.5 pp". @return buf. */
char *kpi__fmt_unit(char *buf, size_t size, const char *num, const char *unit, bool difference);

/* A value with its unit, durations in the unit of their size (PEOPLE and
 * TABLE; not TERSE nor EXACT): "99.78%", "18.7 min", "1.00 tn". When absent
 * (and in PEOPLE also when not finite): "no data" (PEOPLE), "null" (EXACT),
 * "—" (the others). With a threshold (PEOPLE), never rounded onto or across
 * its target: 99.996 against "= 100" reads "99.996%". `th` may be NULL.
 * @return buf. */
char *kpi__fmt_value(char *buf, size_t size, bool has, double v, const char *unit, kpi__numstyle style,
                     const kpi_threshold *th);

/* The change from `prev` to `last` for people, with its unit ("+0.08 pp"
 * for percentages, "−3 s", "+2.34 d": a duration's change in the unit its
 * own size reads best in; "±0"), also when last - prev is beyond the
 * largest double. Both must be finite. @return buf. */
char *kpi__fmt_delta(char *buf, size_t size, double prev, double last, const char *unit);

#endif
