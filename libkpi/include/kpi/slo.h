/**
 * @file kpi/slo.h
 * @brief Service level objectives: availability over a rolling window, the
 *        error budget left, and burn rates of multi-window, multi-burn-rate
 *        alerts (Google's SRE workbook, "Alerting on SLOs"). Pure
 *        functions: no I/O (the counts come from the catalogue's SLO KPIs,
 *        source "slo", docs/kpis.md "SLO KPIs").
 *
 * With `target` the objective in percent (99.9) and, over a window,
 * `errors` bad answers out of `requests`:
 *
 * - availability = (1 - errors / requests) x 100;
 * - burn rate = (errors / requests) / (1 - target / 100): 1 spends the
 *   error budget exactly over the SLO window, 14.4 spends 2 % of a 30-day
 *   budget in one hour;
 * - error budget remaining = (1 - burn rate over the SLO window) x 100, in
 *   percent of the budget; negative once more than the budget was spent.
 *
 * A window without requests has no value (never 100 %).
 */
#ifndef KPI_SLO_H
#define KPI_SLO_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Whether `target` (percent) is a usable objective: 0 < target < 100. */
KPI_EXTERN bool kpi_slo_target_ok(double target);

/** Availability in percent of `errors` out of `requests`.
 *  @return false (no value) when requests <= 0 or errors is not in [0, requests]. */
KPI_EXTERN bool kpi_slo_availability(double *out, double errors, double requests);

/** Burn rate of `errors` out of `requests` against `target` (percent).
 *  @return false when there is no value (no requests, bad counts, bad target). */
KPI_EXTERN bool kpi_slo_burn_rate(double *out, double errors, double requests, double target);

/** Error budget remaining in percent of the budget (may be negative) of the
 *  SLO window's `errors` out of `requests` against `target` (percent).
 *  @return false when there is no value. */
KPI_EXTERN bool kpi_slo_budget_remaining(double *out, double errors, double requests, double target);

/** One alert of a multi-window, multi-burn-rate policy: it fires while the
 *  burn rate of the long AND of the short window are above `factor`. */
typedef struct kpi_slo_alert {
	const char *name;       /**< "page_1h", "page_6h", "ticket_3d" */
	const char *severity;   /**< "critical" (a page) or "warning" (a ticket) */
	double factor;          /**< 14.4, 6, 1 */
	int64_t long_s;         /**< the long window, seconds (3600, 21600, 259200) */
	int64_t short_s;        /**< the short window (300, 1800, 21600) */
} kpi_slo_alert;

/** The workbook's three alerts, in the order above; `*n` gets 3. */
KPI_EXTERN const kpi_slo_alert *kpi_slo_alerts(size_t *n);

/** Whether an alert pair fires: both burn rates known and above `factor`
 *  (one window over and the other not is no alert). */
KPI_EXTERN bool kpi_slo_pair_fires(bool has_long, double burn_long, bool has_short, double burn_short,
                                   double factor);

/** Parse a window length: a positive whole number followed by m, h or d
 *  ("5m", "6h", "28d"). @return 0 or KPI_EUSAGE. */
KPI_EXTERN int kpi_slo_window_parse(int64_t *out, const char *text);

/** Sum the last `n` of `count` per-period values ending before index `end`
 *  (periods without a value count 0); `*present` gets how many had one. */
KPI_EXTERN double kpi_slo_sum(const double *count, const bool *has, size_t end, size_t n, size_t *present);

#ifdef __cplusplus
}
#endif
#endif
