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

/* ---- The pack's SLO page (snapshot.json's "slo", format 4) ---- */

/** Hourly points of the page's burn-rate chart: the last 7 days. */
#define KPI_SLO_PAGE_HOURS 168

/** The page's burn-rate series, one per alert of kpi_slo_alerts(): over its
 *  long window (1 h, 6 h, 3 d). */
#define KPI_SLO_PAGE_ALERTS 3

/** How many objectives a page holds at most. */
#define KPI_SLO_PAGE_OBJECTIVES_MAX 8

/** How many services (label sets of the counts) an objective holds at most. */
#define KPI_SLO_PAGE_SERVICES_MAX 64

/** One alert pair as of the page's as-of instant. */
typedef struct kpi_slo_alert_state {
	bool has_long;            /**< the long window had requests */
	double burn_long;
	bool has_short;
	double burn_short;
	bool firing;              /**< kpi_slo_pair_fires() of the two */
} kpi_slo_alert_state;

/** One service (a label set of the counts, the load_balancer) of an
 *  objective. Numbers are NAN where there is no value (no request, no
 *  datapoint). */
typedef struct kpi_slo_service {
	char **labels;            /**< [objective nlabels] values, parallel to label_names */
	kpi_slo_alert_state alerts[KPI_SLO_PAGE_ALERTS]; /**< as of the as-of instant, kpi_slo_alerts() order */
	/* daily points, oldest first: the SLO window ending at as_of_hour - (ndays - 1 - k) days */
	double *day_errors;       /**< [ndays] errors over that window */
	double *day_requests;     /**< [ndays] requests over that window */
	double *day_availability; /**< [ndays] percent */
	double *day_budget;       /**< [ndays] error budget remaining, percent of the budget (may be negative) */
	/* hourly points, oldest first: the hour ending at as_of_hour - (KPI_SLO_PAGE_HOURS - 1 - k) hours */
	double *hour_errors;      /**< [KPI_SLO_PAGE_HOURS] errors in that hour */
	double *hour_requests;    /**< [KPI_SLO_PAGE_HOURS] requests in that hour */
	double *hour_burn[KPI_SLO_PAGE_ALERTS]; /**< [KPI_SLO_PAGE_HOURS] burn rate over alert k's long
	                                             window ending at that hour's end */
	unsigned *hour_fired;     /**< [KPI_SLO_PAGE_HOURS] bit k: alert k's pair fired at that hour's end */
} kpi_slo_service;

/** One objective: the SLO KPIs that share a target, counts and window. */
typedef struct kpi_slo_objective {
	char *target_kpi;         /**< the KPI whose threshold is the objective ("api_availability_pct") */
	double objective;         /**< percent (99.9) */
	int64_t window;           /**< the SLO window, seconds (28 d) */
	size_t ndays;             /**< daily points: the window in days, rounded up */
	char *counts;             /**< the counts' source ("cloudwatch") */
	char *query;              /**< the counts' query file */
	char **kpis;              /**< the SLO KPIs of the objective, catalogue order */
	size_t nkpis;
	char *not_measured;       /**< NULL, or why not ("CloudWatch not configured"): no services then */
	char *detail;             /**< what would measure it, or NULL */
	int64_t as_of_hour;       /**< the as-of instant rounded down to the hour (0 when not measured) */
	int64_t as_of_5m;         /**< ... to 5 minutes: the end of the 5- and 30-minute windows */
	char **label_names;       /**< the counts' label names */
	size_t nlabels;
	kpi_slo_service *services;/**< in the order the counts' source gave them */
	size_t nservices;
	size_t nservices_total;   /**< services the counts had: more than nservices when
	                               the page's KPI_SLO_PAGE_SERVICES_MAX were full */
} kpi_slo_objective;

/** What the pack's SLO page shows. */
typedef struct kpi_slo_page {
	kpi_slo_objective *objectives;
	size_t nobjectives;
} kpi_slo_page;

/** Free a page and everything it owns. Accepts NULL. */
KPI_EXTERN void kpi_slo_page_free(kpi_slo_page *p);

#ifdef __cplusplus
}
#endif
#endif
