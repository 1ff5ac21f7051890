/*
 * One chart per KPI, drawn from its model (chart_model.c: series, panels,
 * legend) onto any cairo_t: the PDF chart pages and the PNGs use this same
 * code; and the scorecard's sparklines. Per week: a value, a gap for no
 * data (never a zero), hatching where the threshold does not apply, a red
 * tint for breach weeks, hatching for the partial week, hollow markers for
 * incomplete rows, dashed numbered markers for rollout changes; values
 * above a capped axis on its top edge with their value printed.
 */
#include "render/render_int.h"
#include "render/chart.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEGEND_X 598.0
#define LEGEND_W (KPI__CHART_W - LEGEND_X)
#define BODY_Y 46.0
#define PLOT_W 584.0


/* ---- drawing helpers ---- */

static void dash(cairo_t *cr, double on, double off)
{
	double d[2] = { on, off };
	cairo_set_dash(cr, d, 2, 0);
}

static void no_dash(cairo_t *cr)
{
	cairo_set_dash(cr, NULL, 0, 0);
}

/* The pen of the threshold line (plots, legend; no_dash() after it). */
static void pen_threshold(cairo_t *cr)
{
	cairo_set_line_width(cr, 1.1);
	dash(cr, 5, 3);
	kpi__set_rgb(cr, KPI__RED);
}

/* The pen of a rollout change's line (plots, legend; no_dash() after it). */
static void pen_change(cairo_t *cr)
{
	cairo_set_line_width(cr, 0.8);
	dash(cr, 2.5, 2);
	kpi__set_rgba(cr, KPI__INK, 0.55);
}

/* Short label of a rollout change for the legend list. */
static void change_text(char *buf, size_t size, const kpi_change *ch, const char *tz)
{
	char t[40];
	kpi__fmt_day(t, sizeof(t), ch->changed_at, tz);
	if (!ch->old_value)
		snprintf(buf, size, "%s %s %s: set %s", t, ch->layer, ch->key, ch->new_value ? ch->new_value : "");
	else if (!ch->new_value)
		snprintf(buf, size, "%s %s %s: removed (was %s)", t, ch->layer, ch->key, ch->old_value);
	else
		snprintf(buf, size, "%s %s %s: %s → %s", t, ch->layer, ch->key, ch->old_value, ch->new_value);
}

/* x of instant t inside the plot [px, px + pw]: its week slot, then the
 * fraction of that week; -1 outside the window. */
static double time_x(const kpi_window *w, int64_t t, double px, double slot)
{
	for (int i = 0; i < w->nweeks; i++)
		if (t >= w->starts[i] && t < w->starts[i + 1])
			return px + slot * (i + (double)(t - w->starts[i]) / (double)(w->starts[i + 1] - w->starts[i]));
	return -1;
}

/* A panel as laid out: the plot's box (x from px, pw wide; y from pt down
 * to pb), a week's slot, the axis (values / div, in the unit `shown`,
 * named `words`; above `cap` off the axis), the line height of its labels,
 * the threshold's tag. */
typedef struct pgeom {
	double px, pw, pt, pb, slot, div, cap;
	kpi__axis ax;
	const char *shown, *words;
	double lh, tickw;
	bool any;                 /* a value to draw */
	bool labels;              /* values printed above single bars */
	bool years;               /* the window spans a year boundary */
	char th[64];              /* the threshold in the axis' unit */
} pgeom;

/* y of a value; values above the axis (a capped spike) sit on the top edge. */
static double ymap(const pgeom *g, double v)
{
	double f = kpi__axis_frac(&g->ax, v / g->div);
	if (f > 1)
		f = 1;
	return g->pb - f * (g->pb - g->pt);
}

static bool off_scale(const pgeom *g, double v)
{
	return kpi__axis_units(&g->ax, v / g->div) > g->ax.hi * (1 + 1e-9) + 1e-12;
}

static void marker(cairo_t *cr, double x, double y, double rad, kpi__rgb fill, kpi__rgb stroke, double lw)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x, y, rad, 0, 2 * M_PI);
	kpi__set_rgb(cr, fill);
	cairo_fill_preserve(cr);
	kpi__set_rgb(cr, stroke);
	cairo_set_line_width(cr, lw);
	cairo_stroke(cr);
}

/* ---- panel ---- */

/* Numbered tags of the rollout changes above a plot, grouped so that no
 * two overlap ("3", "4,5", "6–9"); `ty` is the top of the tag row. */
typedef struct tag {
	int first, last;
	double x0, x1, left, w;
} tag;

static char *tag_text(char *buf, size_t size, const tag *t)
{
	if (t->first == t->last)
		snprintf(buf, size, "%d", t->first);
	else if (t->last == t->first + 1)
		snprintf(buf, size, "%d,%d", t->first, t->last);
	else
		snprintf(buf, size, "%d–%d", t->first, t->last);
	return buf;
}

static void tag_fit(kpi__render *r, tag *t, const tag *prev, const kpi__tstyle *st, double px)
{
	char txt[32];
	double center = (t->x0 + t->x1) / 2;
	kpi__text_size(r, tag_text(txt, sizeof(txt), t), st, &t->w, NULL);
	t->w += 4;
	t->left = center - t->w / 2;
	if (t->left < px - 2)
		t->left = px - 2;
	if (prev && t->left < prev->left + prev->w + 2)
		t->left = prev->left + prev->w + 2;
}

static void draw_tags(kpi__render *r, const kpi_window *win, double px, double pw, double slot, double ty)
{
	cairo_t *cr = r->cr;
	kpi__tstyle tg = kpi__ts(KPI__F_BOLD, 6.5, KPI__WHITE);
	tag *tags = calloc(r->nchanges_in ? r->nchanges_in : 1, sizeof(*tags));
	size_t n = 0;
	double th;

	if (!tags)
		return;
	th = kpi__line_height(r, tg.font, tg.size);
	for (size_t i = 0; i < r->snap->nchanges; i++) {
		double cx;
		tag t;
		if (!r->change_no[i] || (cx = time_x(win, r->snap->changes[i].changed_at, px, slot)) < 0)
			continue;
		memset(&t, 0, sizeof(t));
		t.first = t.last = r->change_no[i];
		t.x0 = t.x1 = cx;
		tag_fit(r, &t, n ? &tags[n - 1] : NULL, &tg, px);
		if (n && t.left > cx - t.w / 2 + 0.01) {
			/* it would have to move off its line: join the previous tag */
			tag *p = &tags[n - 1];
			p->last = t.last;
			p->x1 = cx;
			tag_fit(r, p, n > 1 ? &tags[n - 2] : NULL, &tg, px);
			continue;
		}
		tags[n++] = t;
	}
	/* the right edge: pull the last tags in, joining them when they collide */
	while (n && tags[n - 1].left + tags[n - 1].w > px + pw + 2) {
		tags[n - 1].left = px + pw + 2 - tags[n - 1].w;
		if (n > 1 && tags[n - 1].left < tags[n - 2].left + tags[n - 2].w + 2) {
			tags[n - 2].last = tags[n - 1].last;
			tags[n - 2].x1 = tags[n - 1].x1;
			n--;
			tag_fit(r, &tags[n - 1], n > 1 ? &tags[n - 2] : NULL, &tg, px);
			continue;
		}
		break;
	}
	for (size_t i = 0; i < n; i++) {
		char txt[32];
		tag *t = &tags[i];
		tag_text(txt, sizeof(txt), t);
		kpi__set_rgba(cr, KPI__INK, 0.75);
		kpi__round_rect(cr, t->left, ty, t->w, th + 1, 2);
		cairo_fill(cr);
		kpi__text(r, txt, t->left + 2, ty + 0.5, &tg);
	}
	free(tags);
}

/* What a label inside a plot must not touch: a rectangle, or a segment
 * (with the half width of its stroke). `soft` ones (the dashed rollout
 * change lines) may run under a label's knock-out when nothing else is
 * free. */
typedef struct obst {
	bool seg, soft;
	double x0, y0, x1, y1; /* the segment, or the rectangle's corners */
} obst;

typedef struct obstacles {
	obst *o;
	size_t n, cap;
} obstacles;

static void obst_add(obstacles *ob, bool seg, bool soft, double x0, double y0, double x1, double y1)
{
	if (ob->n == ob->cap) {
		size_t cap = ob->cap ? ob->cap * 2 : 128;
		obst *n = realloc(ob->o, cap * sizeof(*n));
		if (!n)
			return; /* out of memory: fewer obstacles known, the label is still drawn */
		ob->o = n;
		ob->cap = cap;
	}
	ob->o[ob->n++] = (obst){ seg, soft, x0, y0, x1, y1 };
}

static bool obst_hit(const obstacles *ob, bool soft_too, double x, double y, double w, double h)
{
	const double pad = 1.3; /* a line's half width and a hair */
	for (size_t i = 0; i < ob->n; i++) {
		const obst *o = &ob->o[i];
		if (o->soft && !soft_too)
			continue;
		if (o->seg ? kpi__seg_hits_rect(o->x0, o->y0, o->x1, o->y1, x - pad, y - pad, w + 2 * pad, h + 2 * pad)
		           : (x < o->x1 && o->x0 < x + w && y < o->y1 && o->y0 < y + h))
			return true;
	}
	return false;
}

/* x of the bar of series k in week wi (bar charts), and its width. */
static double bar_x(const kpi__chart *c, const kpi__cpanel *p, const pgeom *g, int wi, size_t k, double *bw)
{
	double group = g->slot * (c->kind == KPI__CHART_STACKED ? 0.66 : 0.72);
	*bw = c->kind == KPI__CHART_STACKED ? group : group / (double)(p->nser ? p->nser : 1);
	return g->px + wi * g->slot + (g->slot - group) / 2 + (c->kind == KPI__CHART_STACKED ? 0 : (double)k * *bw);
}

/* x of an off-axis value's triangle. */
static double offscale_x(const kpi__chart *c, const kpi__cpanel *p, const pgeom *g, int wi, size_t k)
{
	double bw, bx;
	if (c->kind != KPI__CHART_BAR)
		return g->px + (wi + 0.5) * g->slot;
	bx = bar_x(c, p, g, wi, k, &bw);
	return bx + bw / 2;
}

/* Everything drawn in a panel that an off-axis value's label must leave
 * visible: the series' lines and markers (or bars), the threshold line, the
 * triangles on the top edge; the rollout change lines, softly. */
static void panel_obstacles(obstacles *ob, const kpi__render *r, const kpi__chart *c, const kpi__cpanel *p, const pgeom *g)
{
	const kpi_window *win = c->w;

	for (size_t k = 0; k < p->nser; k++) {
		const kpi__cser *cs = &c->ser[p->ser[k]];
		double lx = 0, ly = 0;
		bool pen = false;
		for (int wi = 0; wi < win->nweeks; wi++) {
			const kpi_row *row = cs->row[wi];
			double px, py;
			if (!kpi__plotted(row)) {
				pen = false;
				continue;
			}
			py = ymap(g, row->value);
			if (c->kind == KPI__CHART_LINE) {
				px = g->px + (wi + 0.5) * g->slot;
				if (pen)
					obst_add(ob, true, false, lx, ly, px, py);
				obst_add(ob, false, false, px - 4.8, py - 4.8, px + 4.8, py + 4.8); /* marker, breach ring */
				lx = px;
				ly = py;
				pen = true;
			} else {
				/* the bar, and above it the room of its value printed on it */
				double bw, bx = bar_x(c, p, g, wi, k, &bw), y0 = ymap(g, 0);
				obst_add(ob, false, false, bx, fmin(y0, py) - 11, bx + bw, fmax(y0, py) + 1.2);
			}
			if (off_scale(g, row->value)) {
				double tx = offscale_x(c, p, g, wi, k);
				obst_add(ob, false, false, tx - 4, g->pt - 1.5, tx + 4, g->pt + 5.5);
			}
		}
	}
	if (c->def->threshold.op != KPI_OP_NONE) {
		double ty = ymap(g, c->def->threshold.target);
		obst_add(ob, true, false, g->px, ty, g->px + g->pw, ty);
	}
	for (size_t i = 0; r->nchanges_in && i < r->snap->nchanges; i++) {
		double cx;
		if (r->change_no[i] && (cx = time_x(win, r->snap->changes[i].changed_at, g->px, g->slot)) >= 0)
			obst_add(ob, true, true, cx, g->pt - 4, cx, g->pb);
	}
}

/* How far aside of its triangle an off-axis value's label may go (points). */
#define OFFSCALE_REACH 60

/* Values above a capped axis: a triangle on the top edge and the value,
 * set where nothing drawn crosses it: beside the triangle on the free side,
 * else further aside or lower down, on an opaque knock-out (the grid, and a rollout change
 * line when nothing else is free, run under it). No room at all: the
 * triangle alone (the scorecard has the value). */
static void draw_offscale(kpi__render *r, const kpi__chart *c, const kpi__cpanel *p, const pgeom *g)
{
	cairo_t *cr = r->cr;
	const kpi_window *win = c->w;
	kpi__tstyle vs = kpi__ts(KPI__F_COND_BOLD, 7, KPI__INK);
	obstacles ob = { NULL, 0, 0 };

	if (!isfinite(g->cap))
		return;
	panel_obstacles(&ob, r, c, p, g);
	for (int wi = 0; wi < win->nweeks; wi++)
		for (size_t k = 0; k < p->nser; k++) {
			const kpi__cser *cs = &c->ser[p->ser[k]];
			const kpi_row *row = cs->row[wi];
			double x, tw, th, bx = 0, by = 0;
			char v[64];
			bool found = false;
			if (!kpi__plotted(row) || !off_scale(g, row->value))
				continue;
			x = offscale_x(c, p, g, wi, k);
			kpi__set_rgb(cr, kpi__series_color(cs->color));
			cairo_move_to(cr, x, g->pt - 1);
			cairo_line_to(cr, x - 3.5, g->pt + 5);
			cairo_line_to(cr, x + 3.5, g->pt + 5);
			cairo_close_path(cr);
			cairo_fill(cr);
			kpi__fmt_value(v, sizeof(v), true, row->value, c->def->unit, KPI__NUM_PEOPLE, NULL);
			kpi__text_size(r, v, &vs, &tw, &th);
			/* the nearest free place (in steps of a point, nearer first: as
			 * far aside plus as far down), beside the triangle at the top
			 * edge first; clear of everything, else clear of all but the
			 * change lines */
			for (int pass = 0; pass < 2 && !found; pass++)
				for (int cost = 0; !found && cost <= OFFSCALE_REACH + (int)(g->pb - g->pt); cost++)
					for (int dy = 0; !found && dy <= cost; dy++)
						for (int side = 0; side < 2 && !found; side++) {
							int dx = cost - dy;
							if (dx > OFFSCALE_REACH)
								continue;
							bx = side == 0 ? x + 4 + dx : x - 6 - tw - dx; /* the knock-out box */
							by = g->pt + 1 + dy;
							if (bx < g->px || bx + tw + 2 > g->px + g->pw || by + th > g->pb - 1)
								continue;
							found = !obst_hit(&ob, pass == 0, bx, by, tw + 2, th);
						}
			if (!found)
				continue;
			kpi__set_rgb(cr, KPI__WHITE);
			cairo_rectangle(cr, bx, by, tw + 2, th);
			cairo_fill(cr);
			vs.color = kpi__series_color(cs->color);
			r->in_plot = true;
			kpi__text(r, v, bx + 1, by, &vs);
			r->in_plot = false;
			obst_add(&ob, false, false, bx - 1, by, bx + tw + 3, by + th);
		}
	free(ob.o);
}

/* The panel's values: the largest magnitude (a stack's sum, bounded, on
 * stacked bars), and whether there is any. */
static bool panel_maxabs(const kpi__chart *c, const kpi__cpanel *p, double *maxabs)
{
	bool any = false;

	*maxabs = 0;
	for (size_t k = 0; k < p->nser; k++)
		for (int wi = 0; wi < c->w->nweeks; wi++) {
			const kpi_row *row = c->ser[p->ser[k]].row[wi];
			if (kpi__plotted(row)) {
				*maxabs = fmax(*maxabs, fabs(row->value));
				any = true;
			}
		}
	if (c->kind == KPI__CHART_STACKED)
		*maxabs = fmin(*maxabs * (double)p->nser, DBL_MAX);
	return any;
}

/* The y axis of a panel `h` high: its unit (durations in the unit that
 * reads best for the panel's values and target, which the axis shows both),
 * its range and as many nice ticks as there is room for. */
static void panel_axis(kpi__render *r, const kpi__chart *c, const kpi__cpanel *p, pgeom *g, double h, bool top_row)
{
	const kpi_def *def = c->def;
	double maxabs, lo, hi, plot_h;
	int target;

	g->any = panel_maxabs(c, p, &maxabs);
	g->cap = kpi__panel_cap(c, p);
	g->div = kpi__time_unit(def->unit,
	                        fmax(fmin(maxabs, g->cap), def->threshold.op != KPI_OP_NONE ? fabs(def->threshold.target) : 0),
	                        &g->shown, &g->words);
	g->lh = kpi__line_height(r, KPI__F_SANS, 7.5);
	kpi__panel_range(c, p, g->div, g->cap, &lo, &hi, &g->labels);
	g->years = c->w->first.year != c->w->last.year;
	plot_h = h - (g->lh + 4) - (top_row && r->nchanges_in ? 15 : 0) - 6 - (g->lh + 5) - (g->years ? g->lh : 0);
	target = (int)(plot_h / 24) + 1;
	if (target > 7)
		target = 7;
	for (;; target--) {
		kpi__axis_nice(&g->ax, lo, hi, target);
		if (kpi__unit_is(def->unit, "%") && hi <= 100.0001 && g->ax.e10 == 0 && g->ax.hi > 100 && g->div == 1) {
			g->ax.hi = 100;
			g->ax.nticks = (int)floor((100 - g->ax.lo) / g->ax.step + 1e-9) + 1;
		}
		if (target <= 2 || plot_h / (g->ax.nticks - 1) >= g->lh + 3)
			break;
	}
}

/* Row 1 of a panel: the axis' unit (left), the panel's title (right). */
static void panel_header(kpi__render *r, const kpi__cpanel *p, const pgeom *g, double x, double y, double w)
{
	kpi__tstyle small = kpi__ts(KPI__F_SANS, 7.5, KPI__MUTED);
	char uw[96];
	double uww, tw;

	snprintf(uw, sizeof(uw), "%s%s%s", g->words, g->ax.scale_note[0] ? " " : "", g->ax.scale_note);
	kpi__text_size(r, uw, &small, &uww, NULL);
	kpi__text(r, uw, x, y, &small);
	if (p->title[0]) {
		kpi__tstyle pt = kpi__tsw(KPI__F_BOLD, 8, KPI__INK, w - uww - 10, KPI__RIGHT);
		kpi__text_size(r, p->title, &pt, &tw, NULL);
		if (pt.width > 20)
			kpi__text(r, p->title, x + uww + 10, y, &pt);
	}
}

/* The plot's box inside the panel: left of it the tick labels, right of
 * it the threshold's tag (its text in the axis' unit, g->th), above it the
 * rollout change tags on the top row. */
static void panel_place(kpi__render *r, const kpi__chart *c, pgeom *g, double x, double y, double w, double h,
                        double cy, bool top_row)
{
	const kpi_def *def = c->def;
	kpi__tstyle tick = kpi__ts(KPI__F_SANS, 7.5, KPI__MUTED);
	char buf[256];
	double th_w = 0;

	g->tickw = 0;
	for (int i = 0; i < g->ax.nticks; i++) {
		double tw;
		kpi__text_size(r, kpi__axis_label(buf, sizeof(buf), &g->ax, kpi__axis_tick(&g->ax, i)), &tick, &tw, NULL);
		g->tickw = fmax(g->tickw, tw);
	}
	g->th[0] = '\0';
	if (def->threshold.op != KPI_OP_NONE) {
		kpi_threshold t = def->threshold;
		kpi__tstyle ts = kpi__ts(KPI__F_BOLD, 7.5, KPI__RED);
		t.target /= g->div;
		kpi__threshold_format(g->th, sizeof(g->th), &t, g->shown, KPI__TH_PACK | KPI__TH_NO_LADDER);
		kpi__text_size(r, g->th, &ts, &th_w, NULL);
	}
	g->px = x + g->tickw + 5;
	g->pw = w - (g->tickw + 5) - (th_w > 0 ? th_w + 5 : 4);
	if (top_row && r->nchanges_in)
		cy += 15;
	g->pt = cy + 6;
	g->pb = y + h - (g->lh + 5) - (g->years ? g->lh : 0);
	g->slot = g->pw / c->w->nweeks;
}

/* A panel without a value: its frame and a sentence. */
static void draw_empty_plot(kpi__render *r, const pgeom *g)
{
	cairo_t *cr = r->cr;
	kpi__tstyle m = kpi__tsw(KPI__F_OBLIQUE, 9, KPI__MUTED, g->pw, KPI__CENTER);

	cairo_set_line_width(cr, 0.8);
	kpi__set_rgb(cr, KPI__GRID);
	cairo_rectangle(cr, g->px, g->pt, g->pw, g->pb - g->pt);
	cairo_stroke(cr);
	kpi__text(r, "No data in this panel: every week is no_data.", g->px, (g->pt + g->pb) / 2 - g->lh / 2, &m);
}

/* Week backgrounds: breach tint, not applicable hatching, a gap that holds
 * the verdict, the partial week. */
static void draw_week_backgrounds(kpi__render *r, const kpi__chart *c, const kpi__cpanel *p, const pgeom *g)
{
	cairo_t *cr = r->cr;
	const kpi_window *win = c->w;

	for (int wi = 0; wi < win->nweeks; wi++) {
		bool breach = false, all_na = true, some = false, hold = false;
		double sx = g->px + wi * g->slot;
		for (size_t k = 0; k < p->nser; k++) {
			const kpi_row *row = c->ser[p->ser[k]].row[wi];
			if (!row)
				continue;
			some = true;
			breach |= row->status == KPI_STATUS_BREACH;
			hold |= kpi__chart_blocks(c->def, row);
			all_na &= row->status == KPI_STATUS_NOT_APPLICABLE || !row->applicable;
		}
		if (breach) {
			kpi__set_rgba(cr, KPI__RED, 0.10);
			cairo_rectangle(cr, sx, g->pt, g->slot, g->pb - g->pt);
			cairo_fill(cr);
		}
		if (some && all_na)
			kpi__hatch(cr, sx, g->pt, g->slot, g->pb - g->pt, KPI__NA_GREY, 5);
		if (hold)
			kpi__hatch(cr, sx, g->pt, g->slot, g->pb - g->pt, KPI__HOLD_AMBER, 6);
		if (win->partial && wi == win->nweeks - 1) {
			kpi__set_rgba(cr, KPI__PARTIAL_BLUE, 0.16);
			cairo_rectangle(cr, sx, g->pt, g->slot, g->pb - g->pt);
			cairo_fill(cr);
		}
	}
}

/* Grid lines and the y ticks' labels, left of the plot from `x`. */
static void draw_grid(kpi__render *r, const pgeom *g, double x)
{
	cairo_t *cr = r->cr;
	char buf[256];

	cairo_set_line_width(cr, 0.5);
	for (int i = 0; i < g->ax.nticks; i++) {
		double v = kpi__axis_tick(&g->ax, i), ty = g->pb - (v - g->ax.lo) / (g->ax.hi - g->ax.lo) * (g->pb - g->pt);
		kpi__tstyle t = kpi__tsw(KPI__F_SANS, 7.5, KPI__MUTED, g->tickw, KPI__RIGHT);
		kpi__set_rgb(cr, KPI__GRID);
		cairo_move_to(cr, g->px, ty);
		cairo_line_to(cr, g->px + g->pw, ty);
		cairo_stroke(cr);
		kpi__text(r, kpi__axis_label(buf, sizeof(buf), &g->ax, v), x, ty - g->lh / 2, &t);
	}
}

/* The threshold: a dashed red line and its tag in the right gutter. */
static void draw_threshold(kpi__render *r, const kpi__chart *c, const pgeom *g)
{
	cairo_t *cr = r->cr;
	double ty, tag_y;
	kpi__tstyle ts = kpi__ts(KPI__F_BOLD, 7.5, KPI__RED);

	if (c->def->threshold.op == KPI_OP_NONE)
		return;
	ty = ymap(g, c->def->threshold.target);
	tag_y = ty - g->lh / 2;
	pen_threshold(cr);
	cairo_move_to(cr, g->px, ty);
	cairo_line_to(cr, g->px + g->pw, ty);
	cairo_stroke(cr);
	kpi__trace_seg(r, g->px, ty, g->px + g->pw, ty);
	no_dash(cr);
	if (tag_y < g->pt - 2)
		tag_y = g->pt - 2;
	if (tag_y + g->lh > g->pb + 2)
		tag_y = g->pb + 2 - g->lh;
	kpi__text(r, g->th, g->px + g->pw + 4, tag_y, &ts);
}

/* One series as a line, broken at gaps (every piece traced). */
static void draw_series_line(kpi__render *r, const kpi__chart *c, const kpi__cser *cs, const pgeom *g)
{
	cairo_t *cr = r->cr;
	bool pen = false;
	double lx = 0, ly = 0;

	cairo_set_line_width(cr, 1.6);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	kpi__set_rgb(cr, kpi__series_color(cs->color));
	for (int wi = 0; wi < c->w->nweeks; wi++) {
		const kpi_row *row = cs->row[wi];
		double px = g->px + (wi + 0.5) * g->slot, py;
		if (!kpi__plotted(row)) {
			pen = false;
			continue;
		}
		py = ymap(g, row->value);
		if (pen) {
			cairo_line_to(cr, px, py);
			kpi__trace_seg(r, lx, ly, px, py);
		} else {
			cairo_move_to(cr, px, py);
		}
		lx = px;
		ly = py;
		pen = true;
	}
	cairo_stroke(cr);
}

/* A ring around a point: red for a breach, amber for a warning. */
static void status_ring(cairo_t *cr, double x, double y, kpi_status st)
{
	if (st != KPI_STATUS_BREACH && st != KPI_STATUS_WARN)
		return;
	cairo_new_sub_path(cr);
	cairo_arc(cr, x, y, 4, 0, 2 * M_PI);
	kpi__set_rgb(cr, st == KPI_STATUS_BREACH ? KPI__RED : kpi__status_color(KPI_STATUS_WARN));
	cairo_set_line_width(cr, st == KPI_STATUS_BREACH ? 1.3 : 1.1);
	cairo_stroke(cr);
}

/* One series' points: hollow squares for incomplete rows, grey rings where
 * the threshold does not apply, dots (all of them up to 26 weeks, else
 * those without a neighbour), and the status rings. */
static void draw_series_points(kpi__render *r, const kpi__chart *c, const kpi__cser *cs, const pgeom *g)
{
	cairo_t *cr = r->cr;
	const kpi_window *win = c->w;
	kpi__rgb col = kpi__series_color(cs->color);
	bool dots = win->nweeks <= 26;

	for (int wi = 0; wi < win->nweeks; wi++) {
		const kpi_row *row = cs->row[wi];
		double px = g->px + (wi + 0.5) * g->slot, py;
		bool prev, next;
		if (!kpi__plotted(row))
			continue;
		py = ymap(g, row->value);
		prev = wi > 0 && cs->row[wi - 1] && cs->row[wi - 1]->has_value;
		next = wi + 1 < win->nweeks && cs->row[wi + 1] && cs->row[wi + 1]->has_value;
		if (row->incomplete) {
			cairo_rectangle(cr, px - 2.6, py - 2.6, 5.2, 5.2);
			kpi__set_rgb(cr, KPI__WHITE);
			cairo_fill_preserve(cr);
			kpi__set_rgb(cr, col);
			cairo_set_line_width(cr, 1.2);
			cairo_stroke(cr);
		} else if (row->status == KPI_STATUS_NOT_APPLICABLE || !row->applicable) {
			marker(cr, px, py, 2.4, KPI__WHITE, KPI__NA_GREY, 1.2);
		} else if (dots || (!prev && !next)) {
			marker(cr, px, py, dots ? 1.8 : 2.2, col, col, 0.5);
		}
		status_ring(cr, px, py, row->status);
	}
}

/* The value printed on a bar: inside a stacked segment, above a single bar
 * (or inside at its top when there is no room above); left out when it
 * does not fit. */
static void draw_bar_value(kpi__render *r, const kpi__chart *c, const kpi_row *row, const pgeom *g, double bx, double bw,
                           double y0, double y1)
{
	char v[64], num[48];
	double tw, thh;
	kpi__tstyle vs = kpi__ts(KPI__F_COND_BOLD, 7, c->kind == KPI__CHART_STACKED ? KPI__WHITE : KPI__INK);

	kpi__fmt_num(num, sizeof(num), row->value / g->div,
	             c->kind == KPI__CHART_STACKED && fabs(row->value / g->div) < 1e15 ? KPI__NUM_WHOLE : KPI__NUM_PEOPLE);
	/* no unit but a percentage's sign: the axis names the unit */
	kpi__fmt_unit(v, sizeof(v), num, kpi__unit_is(c->def->unit, "%") && g->div == 1 ? "%" : NULL, false);
	kpi__text_size(r, v, &vs, &tw, &thh);
	if (tw + 2 > bw && !(c->kind == KPI__CHART_BAR && tw + 2 <= g->slot))
		return;
	if (c->kind == KPI__CHART_STACKED) {
		if (fabs(y0 - y1) >= thh + 2)
			kpi__text(r, v, bx + (bw - tw) / 2, (y0 + y1) / 2 - thh / 2, &vs);
	} else if (fmin(y0, y1) - thh - 1 >= g->pt) {
		kpi__text(r, v, bx + (bw - tw) / 2, fmin(y0, y1) - thh - 1, &vs);
	} else if (fabs(y0 - y1) >= thh + 3) {
		vs.color = KPI__WHITE;
		kpi__text(r, v, bx + (bw - tw) / 2, fmin(y0, y1) + 1.5, &vs);
	}
}

/* Bars, side by side or stacked per week: grey where the threshold does
 * not apply, hatched when incomplete, outlined red or amber for a breach or
 * a warning, a zero as a thin bar; values printed on them. */
static void draw_bars(kpi__render *r, const kpi__chart *c, const kpi__cpanel *p, const pgeom *g)
{
	cairo_t *cr = r->cr;
	double base_y = ymap(g, 0);

	for (int wi = 0; wi < c->w->nweeks; wi++) {
		double stack = 0;
		for (size_t k = 0; k < p->nser; k++) {
			const kpi__cser *cs = &c->ser[p->ser[k]];
			const kpi_row *row = cs->row[wi];
			double bw, bx = bar_x(c, p, g, wi, k, &bw), y0, y1;
			bool na;
			if (!kpi__plotted(row))
				continue;
			na = row->status == KPI_STATUS_NOT_APPLICABLE || !row->applicable;
			if (c->kind == KPI__CHART_STACKED) {
				y0 = ymap(g, stack);
				stack = kpi__add_sat(stack, row->value > 0 ? row->value : 0);
				y1 = ymap(g, stack);
			} else {
				y0 = base_y;
				y1 = ymap(g, row->value);
			}
			if (fabs(y0 - y1) < 1.2) /* a zero stays visible as a zero */
				y1 = y0 - (row->value >= 0 ? 1.2 : -1.2);
			kpi__set_rgb(cr, na ? KPI__NA_GREY : kpi__series_color(cs->color));
			cairo_rectangle(cr, bx, fmin(y0, y1), bw, fabs(y0 - y1));
			cairo_fill(cr);
			if (row->incomplete)
				kpi__hatch(cr, bx, fmin(y0, y1), bw, fabs(y0 - y1), KPI__WHITE, 3);
			if (row->status == KPI_STATUS_BREACH || row->status == KPI_STATUS_WARN) {
				kpi__set_rgb(cr, row->status == KPI_STATUS_BREACH ? KPI__RED : kpi__status_color(KPI_STATUS_WARN));
				cairo_set_line_width(cr, 1.4);
				cairo_rectangle(cr, bx + 0.7, fmin(y0, y1) + 0.7, bw - 1.4, fmax(fabs(y0 - y1) - 1.4, 0.2));
				cairo_stroke(cr);
			}
			if (c->kind == KPI__CHART_STACKED || g->labels)
				draw_bar_value(r, c, row, g, bx, bw, y0, y1);
		}
	}
}

/* The data, clipped to the plot: lines with their points, or bars. */
static void draw_data(kpi__render *r, const kpi__chart *c, const kpi__cpanel *p, const pgeom *g)
{
	cairo_t *cr = r->cr;

	cairo_save(cr);
	cairo_rectangle(cr, g->px, g->pt - 1, g->pw, g->pb - g->pt + 2);
	cairo_clip(cr);
	if (c->kind == KPI__CHART_LINE)
		for (size_t k = 0; k < p->nser; k++) {
			draw_series_line(r, c, &c->ser[p->ser[k]], g);
			draw_series_points(r, c, &c->ser[p->ser[k]], g);
		}
	else
		draw_bars(r, c, p, g);
	cairo_restore(cr);
}

/* Rollout changes: dashed lines at their instants, numbered tags over the
 * top row's plots. */
static void draw_changes(kpi__render *r, const kpi__chart *c, const pgeom *g, bool top_row)
{
	cairo_t *cr = r->cr;

	if (!r->nchanges_in)
		return;
	pen_change(cr);
	for (size_t i = 0; i < r->snap->nchanges; i++) {
		double cx;
		if (!r->change_no[i])
			continue;
		cx = time_x(c->w, r->snap->changes[i].changed_at, g->px, g->slot);
		if (cx < 0)
			continue;
		cairo_move_to(cr, cx, g->pt - (top_row ? 4 : 0));
		cairo_line_to(cr, cx, g->pb);
	}
	cairo_stroke(cr);
	no_dash(cr);
	if (top_row)
		draw_tags(r, c->w, g->px, g->pw, g->slot, g->pt - 17);
}

/* The x axis: its line and the week labels, thinned to fit (the last week
 * is always labelled). */
static void draw_week_axis(kpi__render *r, const kpi__chart *c, const pgeom *g)
{
	static const int steps[] = { 1, 2, 3, 4, 6, 8, 13, 26, 52 };
	cairo_t *cr = r->cr;
	const kpi_window *win = c->w;
	kpi__tstyle tick = kpi__ts(KPI__F_SANS, 7.5, KPI__MUTED);
	char buf[32];
	double lw;
	int every = 1;

	kpi__set_rgb(cr, KPI__FAINT);
	cairo_set_line_width(cr, 0.8);
	cairo_move_to(cr, g->px, g->pb);
	cairo_line_to(cr, g->px + g->pw, g->pb);
	cairo_stroke(cr);
	kpi__text_size(r, "W52*", &tick, &lw, NULL);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		every = steps[i];
		if (g->slot * every >= lw + 4)
			break;
	}
	for (int wi = 0; wi < win->nweeks; wi++) {
		kpi_week wk = kpi_week_add(win->first, wi);
		double tw, lx;
		if ((win->nweeks - 1 - wi) % every != 0)
			continue;
		snprintf(buf, sizeof(buf), "W%02d%s", wk.week, win->partial && wi == win->nweeks - 1 ? "*" : "");
		kpi__text_size(r, buf, &tick, &tw, NULL);
		lx = g->px + (wi + 0.5) * g->slot - tw / 2;
		if (lx < g->px)
			lx = g->px;
		if (lx + tw > g->px + g->pw)
			lx = g->px + g->pw - tw;
		kpi__text(r, buf, lx, g->pb + 3, &tick);
	}
}

/* A window across a year boundary: the years under the week labels, each
 * where it starts (the first one unless a year starts right after it), with
 * a tick down to them. */
static void draw_years(kpi__render *r, const kpi__chart *c, const pgeom *g)
{
	cairo_t *cr = r->cr;
	const kpi_window *win = c->w;
	kpi__tstyle tick = kpi__ts(KPI__F_SANS, 7.5, KPI__MUTED);
	char buf[32];
	double last_right = -1e9;

	for (int wi = 0; wi < win->nweeks; wi++) {
		kpi_week wk = kpi_week_add(win->first, wi);
		double tw, lx;
		bool change = wi > 0 && kpi_week_add(win->first, wi - 1).year != wk.year;
		bool soon = false;
		if (wi == 0) /* skip the first label when a year starts right after it */
			for (int k = 1; k < win->nweeks; k++)
				if (kpi_week_add(win->first, k).year != wk.year) {
					kpi__text_size(r, "2026", &tick, &tw, NULL);
					soon = k * g->slot < tw + 6;
					break;
				}
		if (!(wi == 0 && !soon) && !change)
			continue;
		snprintf(buf, sizeof(buf), "%d", wk.year);
		kpi__text_size(r, buf, &tick, &tw, NULL);
		lx = g->px + wi * g->slot;
		if (lx + tw > g->px + g->pw)
			lx = g->px + g->pw - tw;
		if (lx < last_right + 4)
			continue;
		kpi__text(r, buf, lx, g->pb + 3 + g->lh, &tick);
		last_right = lx + tw;
		cairo_set_line_width(cr, 0.6);
		kpi__set_rgb(cr, KPI__FAINT);
		cairo_move_to(cr, g->px + wi * g->slot, g->pb);
		cairo_line_to(cr, g->px + wi * g->slot, g->pb + 3 + 2 * g->lh);
		cairo_stroke(cr);
	}
}

/* One panel in the box (x, y, w, h): its axis and title, then, back to
 * front, the week backgrounds, the grid, the threshold, the data, the
 * rollout changes, the values off the axis and the x axis. */
static void draw_panel(kpi__render *r, const kpi__chart *c, const kpi__cpanel *p, double x, double y, double w,
                       double h, bool top_row)
{
	pgeom g;

	memset(&g, 0, sizeof(g));
	panel_axis(r, c, p, &g, h, top_row);
	panel_header(r, p, &g, x, y, w);
	panel_place(r, c, &g, x, y, w, h, y + g.lh + 4, top_row);
	if (!g.any) {
		draw_empty_plot(r, &g);
		return;
	}
	draw_week_backgrounds(r, c, p, &g);
	draw_grid(r, &g, x);
	draw_threshold(r, c, &g);
	draw_data(r, c, p, &g);
	draw_changes(r, c, &g, top_row);
	draw_offscale(r, c, p, &g);
	draw_week_axis(r, c, &g);
	if (g.years)
		draw_years(r, c, &g);
}

/* ---- legend ---- */

/* The swatches of the legend: what each entry shows. */
typedef enum swatch {
	SW_LINE,        /* a series' line with a dot */
	SW_BOX,         /* a series' bar */
	SW_THRESHOLD,   /* the dashed threshold line */
	SW_BREACH,      /* a breach week: tint and ring */
	SW_WARN,        /* a warning's ring */
	SW_HATCHED,     /* a hatched box: not applicable bars, HOLD gaps */
	SW_GAP,         /* a line broken by a gap */
	SW_INCOMPLETE,  /* a hollow square */
	SW_CHANGE,      /* a rollout change's dashed line */
	SW_NA_POINT,    /* a not applicable point */
	SW_OFF_AXIS,    /* the triangle of a value off the axis */
	SW_PARTIAL,     /* the partial week's tint */
} swatch;

/* Draw swatch `kind` in colour `col`, 16 wide from x, centred on my. */
static void draw_swatch(cairo_t *cr, swatch kind, kpi__rgb col, double x, double my)
{
	switch (kind) {
	case SW_LINE:
		cairo_set_line_width(cr, 1.6);
		kpi__set_rgb(cr, col);
		cairo_move_to(cr, x, my);
		cairo_line_to(cr, x + 16, my);
		cairo_stroke(cr);
		marker(cr, x + 8, my, 1.8, col, col, 0.5);
		break;
	case SW_BOX:
		kpi__set_rgb(cr, col);
		cairo_rectangle(cr, x + 2, my - 4, 12, 8);
		cairo_fill(cr);
		break;
	case SW_THRESHOLD:
		pen_threshold(cr);
		cairo_move_to(cr, x, my);
		cairo_line_to(cr, x + 16, my);
		cairo_stroke(cr);
		no_dash(cr);
		break;
	case SW_BREACH:
		kpi__set_rgba(cr, KPI__RED, 0.12);
		cairo_rectangle(cr, x + 2, my - 5, 12, 10);
		cairo_fill(cr);
		cairo_new_sub_path(cr);
		cairo_arc(cr, x + 8, my, 3.5, 0, 2 * M_PI);
		kpi__set_rgb(cr, KPI__RED);
		cairo_set_line_width(cr, 1.3);
		cairo_stroke(cr);
		break;
	case SW_WARN:
		cairo_new_sub_path(cr);
		cairo_arc(cr, x + 8, my, 3.5, 0, 2 * M_PI);
		kpi__set_rgb(cr, kpi__status_color(KPI_STATUS_WARN));
		cairo_set_line_width(cr, 1.1);
		cairo_stroke(cr);
		break;
	case SW_HATCHED:
		kpi__hatch(cr, x + 2, my - 5, 12, 10, col, 3);
		kpi__set_rgb(cr, col);
		cairo_set_line_width(cr, 0.5);
		cairo_rectangle(cr, x + 2, my - 5, 12, 10);
		cairo_stroke(cr);
		break;
	case SW_GAP:
		cairo_set_line_width(cr, 1.6);
		kpi__set_rgb(cr, KPI__MUTED);
		cairo_move_to(cr, x, my);
		cairo_line_to(cr, x + 5, my);
		cairo_move_to(cr, x + 11, my);
		cairo_line_to(cr, x + 16, my);
		cairo_stroke(cr);
		break;
	case SW_INCOMPLETE:
		cairo_rectangle(cr, x + 5.4, my - 2.6, 5.2, 5.2);
		kpi__set_rgb(cr, KPI__WHITE);
		cairo_fill_preserve(cr);
		kpi__set_rgb(cr, KPI__INK);
		cairo_set_line_width(cr, 1.2);
		cairo_stroke(cr);
		break;
	case SW_CHANGE:
		pen_change(cr);
		cairo_move_to(cr, x + 8, my - 5);
		cairo_line_to(cr, x + 8, my + 5);
		cairo_stroke(cr);
		no_dash(cr);
		break;
	case SW_NA_POINT:
		marker(cr, x + 8, my, 2.4, KPI__WHITE, KPI__NA_GREY, 1.2);
		break;
	case SW_PARTIAL:
		kpi__set_rgba(cr, col, 0.3);
		cairo_rectangle(cr, x + 2, my - 5, 12, 10);
		cairo_fill(cr);
		break;
	case SW_OFF_AXIS:
		kpi__set_rgb(cr, KPI__MUTED);
		cairo_move_to(cr, x + 8, my - 4);
		cairo_line_to(cr, x + 4.5, my + 2);
		cairo_line_to(cr, x + 11.5, my + 2);
		cairo_close_path(cr);
		cairo_fill(cr);
		break;
	}
}

/* A legend entry at y: its swatch and text, wrapped by word into as many
 * lines as it needs (never cut). Returns the height it takes. */
static double legend_entry(kpi__render *r, double y, swatch kind, kpi__rgb col, const char *text)
{
	kpi__tstyle st = kpi__tsw(KPI__F_SANS, 7.5, KPI__INK, LEGEND_W - 22, KPI__LEFT);
	double h, h1, x = LEGEND_X;

	st.lines = -1;
	kpi__text_size(r, text, &st, NULL, &h);
	h1 = kpi__line_height(r, st.font, st.size);
	draw_swatch(r->cr, kind, col, x, y + h1 / 2);
	kpi__text(r, text, x + 22, y, &st);
	return h + 3;
}

static void draw_legend(kpi__render *r, const kpi__chart *c)
{
	const kpi_def *def = c->def;
	const kpi_window *w = c->w;
	kpi__tstyle head = kpi__tsw(KPI__F_BOLD, 8, KPI__INK, LEGEND_W, KPI__LEFT);
	char buf[256], th[64];
	double y = BODY_Y, bottom = KPI__CHART_H;

	y += kpi__text(r, "Legend", LEGEND_X, y, &head) + 3;
	for (size_t i = 0; i < c->nleg; i++)
		y += legend_entry(r, y, c->kind == KPI__CHART_LINE ? SW_LINE : SW_BOX, kpi__series_color(c->leg[i].color), c->leg[i].name);
	if (c->hidden_series) {
		kpi__tstyle n = kpi__tsw(KPI__F_OBLIQUE, 7, KPI__MUTED, LEGEND_W, KPI__LEFT);
		char panels[64] = "";
		size_t drawn = c->nser - c->hidden_series;
		n.lines = 4;
		if (c->panels_total > c->npan)
			snprintf(panels, sizeof(panels), " in %zu of %zu panels", c->npan, c->panels_total);
		/* at most KPI__CHART_MAX_LINES lines a panel: the palette's distinct colours */
		snprintf(buf, sizeof(buf),
		         "%zu more label set%s not drawn: %zu of %zu drawn%s, the %s; every row is in the scorecard, "
		         "the workbook and the CSV",
		         c->hidden_series, c->hidden_series == 1 ? "" : "s", drawn, c->nser, panels,
		         c->def->threshold.op == KPI_OP_NONE ? "largest" : "worst for the target");
		y += kpi__text(r, buf, LEGEND_X, y, &n) + 3;
	}
	y += 4;
	if (def->threshold.op != KPI_OP_NONE) {
		kpi__threshold_format(th, sizeof(th), &def->threshold, def->unit, KPI__TH_PACK);
		snprintf(buf, sizeof(buf), "target %s%s", th, def->gating ? " (gating)" : "");
		y += legend_entry(r, y, SW_THRESHOLD, KPI__RED, buf);
	}
	if (c->any_breach)
		y += legend_entry(r, y, SW_BREACH, KPI__RED, "breach week");
	if (c->any_warn)
		y += legend_entry(r, y, SW_WARN, KPI__RED, "warn: within the margin");
	if (c->any_na)
		y += legend_entry(r, y, c->kind == KPI__CHART_LINE ? SW_NA_POINT : SW_HATCHED, KPI__NA_GREY, "threshold not applicable");
	if (c->any_gap)
		y += legend_entry(r, y, SW_GAP, KPI__MUTED, "gap: no data that week");
	if (c->any_block)
		y += legend_entry(r, y, SW_HATCHED, KPI__HOLD_AMBER, "no data that holds the verdict (HOLD)");
	for (size_t i = 0; i < c->npan; i++)
		if (isfinite(kpi__panel_cap(c, &c->pan[i]))) {
			y += legend_entry(r, y, SW_OFF_AXIS, KPI__INK, "off the axis: value printed");
			break;
		}
	if (w->partial) {
		char t[40];
		snprintf(buf, sizeof(buf), "* partial week, as of %s", kpi__fmt_time(t, sizeof(t), w->as_of, w->tz));
		y += legend_entry(r, y, SW_PARTIAL, KPI__PARTIAL_BLUE, buf);
	}
	if (c->any_incomplete)
		y += legend_entry(r, y, SW_INCOMPLETE, KPI__INK, "incomplete: source gaps");
	if (r->nchanges_in) {
		kpi__tstyle ls = kpi__tsw(KPI__F_SANS, 7, KPI__INK, LEGEND_W - 18, KPI__LEFT);
		kpi__tstyle ns = kpi__tsw(KPI__F_BOLD, 7, KPI__INK, 14, KPI__RIGHT);
		double lh, eh;
		size_t shown = 0;

		ls.lines = -1; /* an entry wraps by word into the lines it needs */
		y += legend_entry(r, y, SW_CHANGE, KPI__INK, "rollout change (numbered)");
		y += 4;
		y += kpi__text(r, "Rollout changes", LEGEND_X, y, &head) + 2;
		lh = kpi__line_height(r, ls.font, ls.size);
		for (size_t i = 0; i < r->snap->nchanges; i++) {
			char num[16];
			if (!r->change_no[i])
				continue;
			change_text(buf, sizeof(buf), &r->snap->changes[i], w->tz);
			kpi__text_size(r, buf, &ls, NULL, &eh);
			/* the entry whole, and room below it for the "+N more" line
			 * unless it is the last one */
			if (y + eh + (shown + 1 < r->nchanges_in ? lh + 1 : 0) > bottom) {
				kpi__tstyle n = kpi__tsw(KPI__F_OBLIQUE, 7, KPI__MUTED, LEGEND_W, KPI__LEFT);
				snprintf(buf, sizeof(buf), "+%zu more: see the appendix", r->nchanges_in - shown);
				kpi__text(r, buf, LEGEND_X, y, &n);
				break;
			}
			snprintf(num, sizeof(num), "%d", r->change_no[i]);
			kpi__text(r, num, LEGEND_X, y, &ns);
			kpi__text(r, buf, LEGEND_X + 17, y, &ls);
			y += eh + 1;
			shown++;
		}
	}
}

/* ---- the chart ---- */

void kpi__chart_draw(kpi__render *r, const kpi_def *def, const kpi_series *s, double x0, double y0)
{
	cairo_t *cr = r->cr;
	const kpi_window *w = &r->snap->result->window;
	kpi__tstyle title = kpi__tsw(KPI__F_BOLD, 14, KPI__INK, KPI__CHART_W, KPI__LEFT);
	kpi__tstyle sub = kpi__tsw(KPI__F_SANS, 8.5, KPI__MUTED, KPI__CHART_W, KPI__LEFT);
	char buf[512], th[64], a[16], b[16];
	double y;
	kpi__chart c;

	cairo_save(cr);
	cairo_translate(cr, x0, y0);
	/* the trace is in page units: text boxes are recorded shifted */
	r->ox += x0;
	r->oy += y0;
	if (kpi__chart_build(&c, def, s, w) != 0)
		goto out;
	y = kpi__text(r, def->title, 0, 0, &title) + 2;
	if (def->threshold.op != KPI_OP_NONE)
		snprintf(th, sizeof(th), "target %s", kpi__threshold_format(buf, sizeof(buf), &def->threshold, def->unit, KPI__TH_PACK));
	else
		snprintf(th, sizeof(th), "no threshold (informational)");
	snprintf(buf, sizeof(buf), "%s · %s · %s%s · missing data: %s · %s – %s (%s)", def->id,
	         kpi__unit_words(def->unit), th, def->gating ? " · gating" : "",
	         def->missing == KPI_MISSING_BLOCK ? "blocks (HOLD)" : "ignored",
	         kpi_week_format(a, sizeof(a), w->first), kpi_week_format(b, sizeof(b), w->last), w->tz);
	kpi__text(r, buf, 0, y, &sub);

	if (!c.any_value) {
		kpi__tstyle m = kpi__tsw(KPI__F_BOLD, 13, KPI__INK, 560, KPI__CENTER);
		kpi__tstyle m2 = kpi__tsw(KPI__F_SANS, 9, KPI__MUTED, 560, KPI__CENTER);
		double my = KPI__CHART_H / 2 - 30;
		m2.lines = 4;
		kpi__set_rgb(cr, KPI__EMPTY_FILL);
		kpi__round_rect(cr, 40, BODY_Y + 20, KPI__CHART_W - 80, KPI__CHART_H - BODY_Y - 60, 8);
		cairo_fill(cr);
		snprintf(buf, sizeof(buf), "No data for this KPI in %s – %s", a, b);
		my += kpi__text(r, buf, (KPI__CHART_W - 560) / 2, my, &m) + 8;
		if (!c.any_row)
			snprintf(buf, sizeof(buf), "The snapshot holds no row of %s in this window, so there is nothing to draw.", def->id);
		else if (c.any_na)
			snprintf(buf, sizeof(buf), "Every week of the window is no_data or not applicable for %s: the source had nothing to measure. "
			         "No axis is drawn rather than an empty one.", def->id);
		else
			snprintf(buf, sizeof(buf), "Every week of the window is no_data for %s: the source had nothing to measure "
			         "(a ratio with a zero denominator has no value). No axis is drawn rather than an empty one.", def->id);
		kpi__text(r, buf, (KPI__CHART_W - 560) / 2, my, &m2);
		goto out;
	}
	draw_legend(r, &c);
	{
		size_t cols = c.npan <= 3 ? 1 : 2, rows = (c.npan + cols - 1) / cols;
		double gap = 12, pw = (PLOT_W - gap * (double)(cols - 1)) / (double)cols;
		double ph = (KPI__CHART_H - BODY_Y - gap * (double)(rows - 1)) / (double)rows;
		for (size_t i = 0; i < c.npan; i++) {
			size_t col = i % cols, row = i / cols;
			draw_panel(r, &c, &c.pan[i], (double)col * (pw + gap), BODY_Y + (double)row * (ph + gap), pw, ph,
			           row == 0);
		}
	}
out:
	kpi__chart_release(&c);
	r->ox -= x0;
	r->oy -= y0;
	cairo_restore(cr);
}

/* ---- sparkline ---- */

void kpi__sparkline(kpi__render *r, const kpi_series *s, const kpi_row *const *rows, double x, double y, double w,
                    double h)
{
	cairo_t *cr = r->cr;
	const kpi_window *win = &r->snap->result->window;
	double mn = INFINITY, mx = -INFINITY, step;
	const kpi_threshold *th = &s->def->threshold;
	bool pen = false;
	int n = win->nweeks;

	if (r->dry || !rows)
		return;
	for (int wi = 0; wi < n; wi++)
		if (rows[wi] && rows[wi]->has_value && isfinite(rows[wi]->value)) {
			mn = fmin(mn, rows[wi]->value);
			mx = fmax(mx, rows[wi]->value);
		}
	if (!isfinite(mn))
		return;
	/* the target when it is near the values (within their span: in halves,
	 * which do not overflow) */
	if (th->op != KPI_OP_NONE && th->target / 2 >= mn / 2 - (mx / 2 - mn / 2) &&
	    th->target / 2 <= mx / 2 + (mx / 2 - mn / 2)) {
		mn = fmin(mn, th->target);
		mx = fmax(mx, th->target);
	}
	if (mx == mn) {
		double pad = mx + 1 > mx ? 1 : fabs(mx) * 0.1; /* ±1 is lost on the largest doubles */
		if (mx + pad > DBL_MAX)
			mn -= 2 * pad;
		else if (mn - pad < -DBL_MAX)
			mx += 2 * pad;
		else {
			mx += pad;
			mn -= pad;
		}
	}
	step = n > 1 ? w / (n - 1) : 0;
#define SY(v) (y + h - kpi__frac((v), mn, mx) * h)
#define SX(i) (n > 1 ? x + (i) * step : x + w / 2)
	if (th->op != KPI_OP_NONE && th->target >= mn && th->target <= mx) {
		cairo_set_line_width(cr, 0.6);
		dash(cr, 1.5, 1.5);
		kpi__set_rgba(cr, KPI__RED, 0.7);
		cairo_move_to(cr, x, SY(th->target));
		cairo_line_to(cr, x + w, SY(th->target));
		cairo_stroke(cr);
		no_dash(cr);
	}
	cairo_set_line_width(cr, 1.1);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	kpi__set_rgb(cr, KPI__MUTED);
	for (int i = 0; i < n; i++) {
		if (!kpi__plotted(rows[i])) {
			pen = false;
			continue;
		}
		if (pen)
			cairo_line_to(cr, SX(i), SY(rows[i]->value));
		else
			cairo_move_to(cr, SX(i), SY(rows[i]->value));
		pen = true;
	}
	cairo_stroke(cr);
	for (int i = 0; i < n; i++) {
		bool prev, next, last = i == n - 1;
		if (!kpi__plotted(rows[i]))
			continue;
		prev = i > 0 && rows[i - 1] && rows[i - 1]->has_value;
		next = i + 1 < n && rows[i + 1] && rows[i + 1]->has_value;
		if (rows[i]->status == KPI_STATUS_BREACH || last || (!prev && !next)) {
			kpi__rgb col = rows[i]->status == KPI_STATUS_BREACH ? KPI__RED
			               : last                               ? kpi__status_color(rows[i]->status)
			                                                    : KPI__MUTED;
			marker(cr, SX(i), SY(rows[i]->value), last ? 1.9 : 1.3, col, col, 0.3);
		}
	}
#undef SX
#undef SY
}
