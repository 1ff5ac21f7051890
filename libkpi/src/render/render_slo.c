/*
 * The pack's SLO page's charts (render/render_slo.h), from the snapshot's
 * "slo" alone: the error budget remaining at each day of the SLO window
 * (100 % at the top, a zero line, the overspent part tinted red), and per
 * service the burn rates of the alert pairs' long windows (1 h, 6 h, 3 d)
 * at each hour of the last 7 days with the factors (14.4, 6, 1) as
 * labelled lines and the hours where a pair fired marked in strips under
 * the plot. Axes are the charts' (render/axis.c: 1-2-5 ticks), colours and
 * fonts the pack's. When one spike would flatten the rest, the burn-rate
 * axis stops at CLIP and says so; the peak is printed.
 */
#include "render/render_slo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define AXIS_W 40.0        /* tick labels left of a plot */
#define LEGEND_W 150.0     /* legend and factor labels right of a plot */
#define CLIP 25.0          /* the burn-rate axis stops here when a value is above it (a 1-2-5 tick) */
#define LINES_MAX 8        /* services drawn in the budget chart (the palette) */

static const kpi_slo_alert *alerts(void)
{
	size_t n;
	return kpi_slo_alerts(&n);
}

typedef struct plot {
	double x, y, w, h;
	kpi__axis ax;
} plot;

static double py(const plot *p, double v)
{
	double f = kpi__axis_frac(&p->ax, v);
	if (f > 1)
		f = 1;
	if (f < 0)
		f = 0;
	return p->y + p->h * (1 - f);
}

static double px(const plot *p, size_t i, size_t n)
{
	return p->x + p->w * (n > 1 ? (double)i / (double)(n - 1) : 0.5);
}

static void dash(cairo_t *cr, double on, double off)
{
	double d[2] = { on, off };
	cairo_set_dash(cr, d, 2, 0);
}

/* Grid lines and tick labels of the y axis; `unit` after each label. */
static void y_axis(kpi__render *r, const plot *p, const char *unit)
{
	cairo_t *cr = r->cr;
	kpi__tstyle ts = kpi__tsw(KPI__F_SANS, 7, KPI__MUTED, AXIS_W - 4, KPI__RIGHT);
	double lh = kpi__line_height(r, KPI__F_SANS, 7);

	for (int i = 0; i < p->ax.nticks; i++) {
		double v = kpi__axis_tick(&p->ax, i), yy = p->y + p->h * (1 - (double)i / (p->ax.nticks - 1));
		char buf[48], lab[64];
		if (!r->dry) {
			kpi__set_rgb(cr, KPI__GRID);
			cairo_set_line_width(cr, 0.5);
			cairo_move_to(cr, p->x, yy);
			cairo_line_to(cr, p->x + p->w, yy);
			cairo_stroke(cr);
		}
		snprintf(lab, sizeof(lab), "%s%s", kpi__axis_label(buf, sizeof(buf), &p->ax, v), unit);
		kpi__text(r, lab, p->x - AXIS_W, yy - lh / 2, &ts);
	}
}

/* Day labels under the plot at the points `every` apart counted back from
 * the last one; point i is at `end0 + i * step`. */
static void x_days(kpi__render *r, const plot *p, size_t n, int64_t end0, int64_t step, size_t every, const char *tz)
{
	kpi__tstyle ts = kpi__tsw(KPI__F_SANS, 7, KPI__MUTED, 40, KPI__CENTER);
	cairo_t *cr = r->cr;

	for (size_t k = 0; k < n; k++) {
		char buf[32];
		double xx;
		if ((n - 1 - k) % every)
			continue;
		xx = px(p, k, n);
		if (!r->dry) {
			kpi__set_rgb(cr, KPI__GRID);
			cairo_set_line_width(cr, 0.5);
			cairo_move_to(cr, xx, p->y);
			cairo_line_to(cr, xx, p->y + p->h);
			cairo_stroke(cr);
		}
		kpi__text(r, kpi__fmt_day(buf, sizeof(buf), end0 + (int64_t)k * step, tz), xx - 20, p->y + p->h + 3, &ts);
	}
}

/* A series as a line with gaps where there is no value (NAN). */
static void series(kpi__render *r, const plot *p, const double *v, size_t n, kpi__rgb col, double width, bool dots)
{
	cairo_t *cr = r->cr;
	bool pen = false;

	if (r->dry)
		return;
	kpi__set_rgb(cr, col);
	cairo_set_line_width(cr, width);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i])) {
			pen = false;
			continue;
		}
		if (pen) {
			kpi__trace_seg(r, px(p, i - 1, n), py(p, v[i - 1]), px(p, i, n), py(p, v[i]));
			cairo_line_to(cr, px(p, i, n), py(p, v[i]));
		} else {
			cairo_move_to(cr, px(p, i, n), py(p, v[i]));
		}
		pen = true;
	}
	cairo_stroke(cr);
	for (size_t i = 0; dots && i < n; i++)
		if (!isnan(v[i])) {
			cairo_arc(cr, px(p, i, n), py(p, v[i]), width + 0.9, 0, 2 * M_PI);
			cairo_fill(cr);
		}
}

static void frame(kpi__render *r, const plot *p)
{
	if (r->dry)
		return;
	kpi__set_rgb(r->cr, KPI__MUTED);
	cairo_set_line_width(r->cr, 0.6);
	cairo_rectangle(r->cr, p->x, p->y, p->w, p->h);
	cairo_stroke(r->cr);
}

/* A legend entry: a swatch and a name, wrapped; returns its height. */
static double legend(kpi__render *r, double x, double y, kpi__rgb col, const char *name, bool dashed)
{
	kpi__tstyle ts = kpi__tsw(KPI__F_SANS, 7.5, KPI__INK, LEGEND_W - 24, KPI__LEFT);
	double lh = kpi__line_height(r, KPI__F_SANS, 7.5), h;

	ts.lines = 2;
	h = kpi__text(r, name, x + 20, y, &ts);
	if (!r->dry) {
		kpi__set_rgb(r->cr, col);
		cairo_set_line_width(r->cr, 1.6);
		if (dashed)
			dash(r->cr, 3, 2);
		cairo_move_to(r->cr, x + 2, y + lh / 2);
		cairo_line_to(r->cr, x + 16, y + lh / 2);
		cairo_stroke(r->cr);
		cairo_set_dash(r->cr, NULL, 0, 0);
	}
	return h + 3;
}

/* ---- texts ---- */

char *kpi__slo_span(char *buf, size_t size, int64_t seconds)
{
	if (seconds % 86400 == 0)
		snprintf(buf, size, "%lld day%s", (long long)(seconds / 86400), seconds == 86400 ? "" : "s");
	else
		snprintf(buf, size, "%lld hour%s", (long long)(seconds / 3600), seconds == 3600 ? "" : "s");
	return buf;
}

char *kpi__slo_title(char *buf, size_t size, const kpi_slo_objective *o)
{
	char n[32], span[32];
	snprintf(buf, size, "Availability ≥ %s %% over %s (%s)", kpi__fmt_num(n, sizeof(n), o->objective, KPI__NUM_PEOPLE),
	         kpi__slo_span(span, sizeof(span), o->window), o->target_kpi);
	return buf;
}

/* "api_availability_pct, api_error_budget_remaining_pct, … (6 KPIs)" */
static void kpi_list(char *buf, size_t size, const kpi_slo_objective *o)
{
	if (o->nkpis <= 2)
		snprintf(buf, size, "%s%s%s", o->kpis[0], o->nkpis > 1 ? ", " : "", o->nkpis > 1 ? o->kpis[1] : "");
	else
		snprintf(buf, size, "%s, %s, … %zu KPIs", o->kpis[0], o->kpis[1], o->nkpis);
}

bool kpi__slo_unmeasured(char *buf, size_t size, const kpi_slo_objective *o, const char *tz)
{
	char ids[256], span[32], t[48];
	bool any = false;

	kpi_list(ids, sizeof(ids), o);
	if (o->not_measured) {
		snprintf(buf, size, "SLO not measured: %s (%s)%s%s", o->not_measured, ids, o->detail ? ": " : "",
		         o->detail ? o->detail : "");
		return true;
	}
	for (size_t k = 0; k < o->nservices && !any; k++)
		for (size_t i = 0; i < o->ndays && !any; i++)
			any = o->services[k].day_requests[i] > 0;
	if (any)
		return false;
	snprintf(buf, size, "SLO not measured: no requests in the %s to %s (%s): nothing to compute availability or "
	         "burn rates from", kpi__slo_span(span, sizeof(span), o->window + (int64_t)(o->ndays - 1) * 86400),
	         kpi__fmt_time(t, sizeof(t), o->as_of_hour, tz), ids);
	return true;
}

char *kpi__slo_alert_text(char *buf, size_t size, const kpi_slo_service *s, size_t k)
{
	const kpi_slo_alert *al = alerts();
	const kpi_slo_alert_state *a = &s->alerts[k];
	char l[32] = "—", sh[32] = "—";

	if (a->has_long)
		snprintf(l, sizeof(l), "%.2f×%s", a->burn_long, a->burn_long > al[k].factor ? " ▲" : "");
	if (a->has_short)
		snprintf(sh, sizeof(sh), "%.2f×%s", a->burn_short, a->burn_short > al[k].factor ? " ▲" : "");
	snprintf(buf, size, "%s %s / %s", a->firing ? "FIRING" : "ok", l, sh);
	return buf;
}

/* ---- chart 1: the error budget remaining ---- */

/* The `n` services with the least budget left at the as-of day (none known:
 * last), in the table's order: with more services than lines, the chart
 * shows those nearest to or past exhausting their budget. */
static void worst_services(size_t *pick, size_t n, const kpi_slo_objective *o)
{
	bool chosen[KPI_SLO_PAGE_SERVICES_MAX] = { false };
	size_t m = 0;

	for (size_t slot = 0; slot < n; slot++) {
		size_t best = o->nservices;
		double bv = 0;
		for (size_t k = 0; k < o->nservices && k < KPI_SLO_PAGE_SERVICES_MAX; k++) {
			double v = o->ndays ? o->services[k].day_budget[o->ndays - 1] : NAN;
			if (isnan(v))
				v = INFINITY;
			if (!chosen[k] && (best == o->nservices || v < bv)) {
				best = k;
				bv = v;
			}
		}
		if (best < o->nservices)
			chosen[best] = true;
	}
	for (size_t k = 0; k < o->nservices && k < KPI_SLO_PAGE_SERVICES_MAX && m < n; k++)
		if (chosen[k])
			pick[m++] = k;
}

double kpi__slo_budget_chart(kpi__render *r, const kpi_slo_objective *o, const char *tz, double x, double y, double w,
                             double h)
{
	kpi__tstyle title = kpi__tsw(KPI__F_BOLD, 9.5, KPI__INK, w, KPI__LEFT);
	kpi__tstyle cap = kpi__tsw(KPI__F_SANS, 7.5, KPI__MUTED, w, KPI__LEFT);
	char buf[512], span[32], t[48], t2[48];
	double lo = 0, th, ly;
	size_t drawn = o->nservices < LINES_MAX ? o->nservices : LINES_MAX, pick[LINES_MAX];
	plot p;

	worst_services(pick, drawn, o);
	snprintf(buf, sizeof(buf), "Error budget remaining, %% of the budget — the SLO window (%s) ending at each day",
	         kpi__slo_span(span, sizeof(span), o->window));
	th = kpi__text(r, buf, x, y, &title) + 6;
	for (size_t k = 0; k < drawn; k++)
		for (size_t i = 0; i < o->ndays; i++)
			if (!isnan(o->services[pick[k]].day_budget[i]) && o->services[pick[k]].day_budget[i] < lo)
				lo = o->services[pick[k]].day_budget[i];
	p.x = x + AXIS_W;
	p.y = y + th;
	p.w = w - AXIS_W - LEGEND_W - 8;
	p.h = h - th - 16;
	kpi__axis_nice(&p.ax, lo, 100, 6);
	if (!r->dry && lo < 0) { /* overspent: below the zero line */
		kpi__set_rgba(r->cr, KPI__RED, 0.07);
		cairo_rectangle(r->cr, p.x, py(&p, 0), p.w, p.y + p.h - py(&p, 0));
		cairo_fill(r->cr);
	}
	y_axis(r, &p, " %");
	x_days(r, &p, o->ndays, o->as_of_hour - (int64_t)(o->ndays - 1) * 86400, 86400, 7, tz);
	if (!r->dry) {
		kpi__set_rgb(r->cr, KPI__INK);
		cairo_set_line_width(r->cr, 1.1);
		cairo_move_to(r->cr, p.x, py(&p, 0));
		cairo_line_to(r->cr, p.x + p.w, py(&p, 0));
		cairo_stroke(r->cr);
	}
	for (size_t k = 0; k < drawn; k++)
		series(r, &p, o->services[pick[k]].day_budget, o->ndays, kpi__series_color(k), 1.6, true);
	frame(r, &p);
	ly = p.y;
	for (size_t k = 0; k < drawn; k++)
		ly += legend(r, p.x + p.w + 8, ly, kpi__series_color(k), o->services[pick[k]].labels[0], false);
	if (o->nservices > drawn) {
		kpi__tstyle ms = kpi__tsw(KPI__F_OBLIQUE, 7, KPI__MUTED, LEGEND_W - 4, KPI__LEFT);
		ms.lines = 3;
		snprintf(buf, sizeof(buf), "%zu more services not drawn, those with the most budget left (every one is in the table and the workbook)",
		         o->nservices - drawn);
		kpi__text(r, buf, p.x + p.w + 8, ly, &ms);
	}
	cap.lines = 3;
	snprintf(buf, sizeof(buf), "Each point: the error budget remaining (1 − burn rate) of the %s window ending at "
	         "%s of that day, the last at the as-of instant %s. 100 %% at the top: nothing spent; the zero line: all "
	         "of it; below it (tinted red): more than the budget spent.",
	         span, kpi__fmt_time(t, sizeof(t), o->as_of_hour, tz) + 11, kpi__fmt_time(t2, sizeof(t2), o->as_of_hour, tz));
	return kpi__text(r, buf, x, y + h + 2, &cap);
}

/* ---- chart 2: burn rates ---- */

void kpi__slo_burn_chart(kpi__render *r, const kpi_slo_objective *o, const kpi_slo_service *s, const char *tz,
                         double x, double y, double w, double h)
{
	static const char *const win[KPI_SLO_PAGE_ALERTS] = { "1 h window", "6 h window", "3 d window" };
	static const double width[KPI_SLO_PAGE_ALERTS] = { 0.9, 1.4, 2.0 };
	static const char *const fac[KPI_SLO_PAGE_ALERTS] = { "14.4× page (1 h & 5 min)", "6× page (6 h & 30 min)",
		                                             "1× ticket (3 d & 6 h)" };
	const kpi_slo_alert *al = alerts();
	kpi__tstyle title = kpi__tsw(KPI__F_BOLD, 9.5, KPI__INK, w, KPI__LEFT);
	double vmax = 0, top, th, strip = 7, lh = kpi__line_height(r, KPI__F_SANS, 7), ly;
	size_t above = 0, peak_k = 0, peak_h = 0;
	const int64_t end0 = o->as_of_hour - (KPI_SLO_PAGE_HOURS - 1) * 3600;
	char buf[512], t[48];
	plot p;

	snprintf(buf, sizeof(buf), "Burn rate of %s, last 7 days (hourly): the alert pairs' long windows", s->labels[0]);
	th = kpi__text(r, buf, x, y, &title) + 4;
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++)
		for (size_t i = 0; i < KPI_SLO_PAGE_HOURS; i++) {
			double v = s->hour_burn[k][i];
			if (isnan(v))
				continue;
			if (v > vmax) {
				vmax = v;
				peak_k = k;
				peak_h = i;
			}
			above += v > CLIP;
		}
	top = vmax > CLIP ? CLIP : vmax < 16 ? 16 : vmax;
	if (vmax > CLIP) {
		kpi__tstyle note = kpi__tsw(KPI__F_BOLD, 7.5, KPI__RED, w - AXIS_W, KPI__LEFT);
		snprintf(buf, sizeof(buf), "Axis clipped at %g×: %zu hourly value%s above it sit%s on the top edge; peak %.1f× "
		         "(%s, hour ending %s)", CLIP, above, above == 1 ? "" : "s", above == 1 ? "s" : "", vmax, win[peak_k],
		         kpi__fmt_time(t, sizeof(t), end0 + (int64_t)peak_h * 3600, tz));
		th += kpi__text(r, buf, x + AXIS_W, y + th, &note) + 2;
	}
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) /* the windows' legend, in a row */
		legend(r, x + AXIS_W + (double)k * 110, y + th, kpi__series_color(k), win[k], false);
	th += lh + 6;
	p.x = x + AXIS_W;
	p.y = y + th;
	p.w = w - AXIS_W - LEGEND_W - 8;
	p.h = h - th - 14 - KPI_SLO_PAGE_ALERTS * (strip + 1) - 14;
	kpi__axis_nice(&p.ax, 0, top, 6); /* clipped: 0 to 25 in steps of 5 */
	y_axis(r, &p, "×");
	x_days(r, &p, KPI_SLO_PAGE_HOURS, end0, 3600, 24, tz);
	/* the factors: dashed lines, labelled in the right margin */
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
		kpi__rgb col = k < 2 ? KPI__RED : KPI__HOLD_AMBER;
		kpi__tstyle fl = kpi__tsw(KPI__F_SANS, 7, col, LEGEND_W - 4, KPI__LEFT);
		double yy = py(&p, al[k].factor);
		if (!r->dry) {
			kpi__set_rgb(r->cr, col);
			cairo_set_line_width(r->cr, 0.9);
			dash(r->cr, 4, 3);
			cairo_move_to(r->cr, p.x, yy);
			cairo_line_to(r->cr, p.x + p.w, yy);
			cairo_stroke(r->cr);
			cairo_set_dash(r->cr, NULL, 0, 0);
		}
		kpi__text(r, fac[k], p.x + p.w + 6, yy - lh / 2, &fl);
	}
	for (size_t k = KPI_SLO_PAGE_ALERTS; k-- > 0;)
		series(r, &p, s->hour_burn[k], KPI_SLO_PAGE_HOURS, kpi__series_color(k), width[k], false);
	frame(r, &p);
	/* under the plot: one strip per alert pair, its fired hours filled */
	ly = p.y + p.h + 14;
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
		kpi__tstyle sl = kpi__tsw(KPI__F_SANS, 6.5, KPI__MUTED, AXIS_W - 4, KPI__RIGHT);
		kpi__rgb col = k < 2 ? KPI__RED : KPI__HOLD_AMBER;
		double cw = p.w / (KPI_SLO_PAGE_HOURS - 1);
		kpi__text(r, al[k].name, x, ly + (strip - kpi__line_height(r, KPI__F_SANS, 6.5)) / 2, &sl);
		if (!r->dry) {
			kpi__set_rgb(r->cr, KPI__GRID);
			cairo_rectangle(r->cr, p.x, ly, p.w, strip);
			cairo_fill(r->cr);
			kpi__set_rgb(r->cr, col);
			for (size_t i = 0; i < KPI_SLO_PAGE_HOURS; i++)
				if (s->hour_fired[i] & (1u << k)) {
					/* the hour ending at point i, kept inside the strip: the
					 * first point's hour began before the plot, so it gets
					 * the strip's first half hour instead */
					double x1 = px(&p, i, KPI_SLO_PAGE_HOURS), x0 = x1 - cw;
					if (x0 < p.x) {
						x0 = p.x;
						x1 = p.x + cw / 2;
					}
					cairo_rectangle(r->cr, x0, ly, x1 - x0, strip);
					cairo_fill(r->cr);
				}
		}
		ly += strip + 1;
	}
	{
		kpi__tstyle cap = kpi__tsw(KPI__F_SANS, 7, KPI__MUTED, w - AXIS_W, KPI__LEFT);
		kpi__text(r, "Strips: the hours at whose end an alert pair fired (both of its windows above its factor); "
		          "each line is the burn rate of the window ending at that hour.", p.x, ly + 2, &cap);
	}
}

const char *kpi__slo_left_out(char *buf, size_t size, const kpi_slo_objective *o)
{
	size_t more = o->nservices_total > o->nservices ? o->nservices_total - o->nservices : 0;
	if (!more)
		return NULL;
	snprintf(buf, size, "%zu more service%s %s not on this page: it holds the first %zu of the %zu the counts have "
	         "(in the order of the answer). The SLO KPIs' scorecard rows, charts and sheets hold every one.", more,
	         more == 1 ? "" : "s", more == 1 ? "is" : "are", o->nservices, o->nservices_total);
	return buf;
}
