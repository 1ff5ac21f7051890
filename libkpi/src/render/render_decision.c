/* The cover's record of the meeting (snapshot "history", format 3): the
 * last decision on record, an override of the computed verdict shown as
 * such with its note, and the open action items, overdue ones marked. Its
 * own function, called from one line of the cover (render_pdf.c). */
#include "render/render_int.h"
#include "render/color.h"
#include "render/dates.h"

#include <stdio.h>

/* How many open action items the cover lists; the rest are counted. */
#define DECISION_ITEMS_MAX 8

double kpi__cover_decision(kpi__render *r, const kpi_snapshot *snap, double x, double y, double w)
{
	const kpi_history *h = snap->history;
	const char *tz = snap->result->window.tz;
	char buf[1024], wk[16], t[48];
	kpi__tstyle st;
	double y0 = y, lh;
	size_t n;

	if (!h || (!h->has_decision && !h->nactions))
		return 0;
	if (h->has_decision) {
		bool override = h->decision != h->verdict;
		double cw = 54, chh;
		st = kpi__tsw(KPI__F_BOLD, 12, KPI__INK, w, KPI__LEFT);
		snprintf(buf, sizeof(buf), "Decision on record for %s", kpi_week_format(wk, sizeof(wk), h->week));
		y += kpi__text(r, buf, x, y, &st) + 4;
		/* the decision as a chip, then who, when and how it relates to the verdict */
		st = kpi__tsw(KPI__F_BOLD, 8.5, KPI__WHITE, cw, KPI__CENTER);
		chh = kpi__line_height(r, st.font, st.size) + 5;
		kpi__set_rgb(r->cr, kpi__verdict_color(h->decision));
		kpi__round_rect(r->cr, x, y, cw, chh, 3);
		cairo_fill(r->cr);
		kpi__text(r, kpi_verdict_name(h->decision), x, y + 2.5, &st);
		snprintf(buf, sizeof(buf), "decided by %s on %s", h->by, kpi__fmt_time(t, sizeof(t), h->at, tz));
		st = kpi__tsw(KPI__F_SANS, 9.5, KPI__INK, w - cw - 10, KPI__LEFT);
		st.lines = 2;
		lh = kpi__text(r, buf, x + cw + 10, y + 1.5, &st);
		y += (lh + 1.5 > chh ? lh + 1.5 : chh) + 3;
		if (override)
			snprintf(buf, sizeof(buf), "An override: the pack of %s computed %s; the meeting decided %s.", wk,
			         kpi_verdict_name(h->verdict), kpi_verdict_name(h->decision));
		else
			snprintf(buf, sizeof(buf), "As the pack of %s computed (%s).", wk, kpi_verdict_name(h->verdict));
		st = kpi__tsw(override ? KPI__F_BOLD : KPI__F_SANS, 9.5, override ? KPI__RED : KPI__MUTED, w, KPI__LEFT);
		y += kpi__text(r, buf, x, y, &st) + 2;
		if (h->note) {
			snprintf(buf, sizeof(buf), "Note: %s", h->note);
			st = kpi__tsw(KPI__F_OBLIQUE, 9.5, KPI__INK, w, KPI__LEFT);
			st.lines = 3;
			y += kpi__text(r, buf, x, y, &st) + 2;
		}
		y += 6;
	}
	if (!h->nactions) {
		st = kpi__tsw(KPI__F_SANS, 9.5, KPI__MUTED, w, KPI__LEFT);
		return y + kpi__text(r, "No open action items.", x, y, &st) + 2 - y0;
	}
	n = 0;
	for (size_t i = 0; i < h->nactions; i++)
		n += h->actions[i].overdue;
	if (n)
		snprintf(buf, sizeof(buf), "Open action items (%zu, %zu overdue)", h->nactions, n);
	else
		snprintf(buf, sizeof(buf), "Open action items (%zu)", h->nactions);
	st = kpi__tsw(KPI__F_BOLD, 10.5, KPI__INK, w, KPI__LEFT);
	y += kpi__text(r, buf, x, y, &st) + 3;
	n = h->nactions < DECISION_ITEMS_MAX ? h->nactions : DECISION_ITEMS_MAX;
	for (size_t i = 0; i < n; i++) {
		const kpi_snap_action *a = &h->actions[i];
		double dw = 150;
		kpi__tstyle ids = kpi__tsw(KPI__F_MONO, 8, KPI__MUTED, 70, KPI__LEFT);
		kpi__tstyle ts = kpi__tsw(KPI__F_SANS, 9, KPI__INK, w - 70 - dw - 8, KPI__LEFT);
		ts.lines = 2; /* a long item wraps once, then is cut */
		kpi__tstyle ds = kpi__tsw(a->overdue ? KPI__F_BOLD : KPI__F_SANS, 9, a->overdue ? KPI__RED : KPI__INK, dw,
		                          KPI__RIGHT);
		kpi__text(r, a->id, x, y + 1, &ids);
		snprintf(buf, sizeof(buf), "%s: %s", a->owner, a->text);
		lh = kpi__text(r, buf, x + 70, y, &ts);
		snprintf(buf, sizeof(buf), a->overdue ? "OVERDUE (due %s)" : "due %s", a->due);
		kpi__text(r, buf, x + w - dw, y, &ds);
		y += lh + 2;
	}
	if (h->nactions > n) {
		snprintf(buf, sizeof(buf), "… and %zu more open item%s (kpi decide lists them all).", h->nactions - n,
		         h->nactions - n == 1 ? "" : "s");
		st = kpi__tsw(KPI__F_OBLIQUE, 9, KPI__MUTED, w, KPI__LEFT);
		y += kpi__text(r, buf, x, y, &st) + 2;
	}
	return y - y0;
}
