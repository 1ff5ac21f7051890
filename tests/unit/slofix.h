/*
 * The pack's SLO page for the tests (kpi_slo_page, kpi/slo.h): counts made
 * in C and turned into the page's series by the library
 * (kpi__slo_page_fill()), attached to a snapshot as its "slo".
 *
 * Test code: failures abort with a message.
 */
#ifndef KPI_TEST_SLOFIX_H
#define KPI_TEST_SLOFIX_H

#include "core/internal.h"

/* Counts of one service, per 5 minutes: `requests` in every period, and
 * `errors` in every period but those of [incident_from, incident_to)
 * (seconds before the as-of hour), which have `incident_errors`. */
typedef struct slofix_counts {
	const char *service;
	double requests;
	double errors;
	int64_t incident_from, incident_to;
	double incident_errors;
} slofix_counts;

/* Hourly datapoints over [start, start + n h) and 5-minute ones over
 * [fstart, fstart + fn * 5 min) of `c`, as a counts' source gives them
 * (hourly = sum of its twelve 5-minute periods); free with
 * slofix_datapoints_free(). `as_of_hour` anchors the incident. */
void slofix_datapoints(kpi_datapoints *coarse, kpi_datapoints *fine, const slofix_counts *c, int64_t as_of_hour,
                       int64_t start, size_t n, int64_t fstart, size_t fn);
void slofix_datapoints_free(kpi_datapoints *d);

/* A page of one objective (api_availability_pct >= 99.9 over 28 days, the
 * KPIs of the snapshot's catalogue whose source is "slo") as of the
 * snapshot's as-of instant, with the services of `c` (`n` of them), set as
 * snap->slo (has_slo). */
void slofix_attach(kpi_snapshot *snap, const slofix_counts *c, size_t n);

/* The same objective, not measured for `why` (no services). */
void slofix_attach_unmeasured(kpi_snapshot *snap, const char *why, const char *detail);

/* Two services: "app/api/alpha" healthy but for a 2-hour incident at 5 %
 * errors two days before the as-of hour (the 1 h page fires there), and
 * "app/api/beta" at 0.2 % errors all along (the ticket fires, the budget is
 * spent twice over: -100 %). */
void slofix_attach_demo(kpi_snapshot *snap);

#endif
