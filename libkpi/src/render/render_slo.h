/*
 * The pack's SLO page (render/render_slo.c): its two charts, drawn from the
 * snapshot's "slo" (kpi_slo_page) alone, and the texts the page and the
 * workbook share. render_pdf.c lays out the page around them. Not
 * installed.
 */
#ifndef KPI_RENDER_SLO_H
#define KPI_RENDER_SLO_H

#include "render/render_int.h"

/* Whether objective `o` has nothing to draw, and why in one line: "SLO not
 * measured: CloudWatch not configured (api_availability_pct, ...): set ..."
 * or "... no requests in the 28 days to 2026-11-16 00:00 UTC (...)". */
bool kpi__slo_unmeasured(char *buf, size_t size, const kpi_slo_objective *o, const char *tz);

/* "12 more services are not on this page: …" when the counts had more
 * services than the page holds (KPI_SLO_PAGE_SERVICES_MAX); NULL when every
 * one is on it. */
const char *kpi__slo_left_out(char *buf, size_t size, const kpi_slo_objective *o);

/* "API availability ≥ 99.9 % over 28 days (api_availability_pct)" */
char *kpi__slo_title(char *buf, size_t size, const kpi_slo_objective *o);

/* "28 days", "6 hours". */
char *kpi__slo_span(char *buf, size_t size, int64_t seconds);

/* The state of alert `k` of service `s` as of the as-of instant, its long
 * window's burn rate, then its short one's: "FIRING 2.00× ▲ / 2.00× ▲",
 * "ok 1.39× ▲ / 0.00×", "ok — / —" without requests (▲: above the alert's
 * factor). */
char *kpi__slo_alert_text(char *buf, size_t size, const kpi_slo_service *s, size_t k);

/* Chart 1, the error budget remaining of every service of `o` at each day,
 * in the box (x, y, w, h); returns the height used by its caption under it. */
double kpi__slo_budget_chart(kpi__render *r, const kpi_slo_objective *o, const char *tz, double x, double y, double w,
                             double h);

/* Chart 2, the burn rates of service `s` over the last 7 days (hourly), with
 * the alert factors and the hours where a pair fired, in the box. */
void kpi__slo_burn_chart(kpi__render *r, const kpi_slo_objective *o, const kpi_slo_service *s, const char *tz,
                         double x, double y, double w, double h);

#endif
