/*
 * The model of a chart (render/chart.h), derived from the KPI's catalogue
 * entry alone (chart hint, unit, labels, threshold), so a new KPI gets a
 * sensible chart without code of its own: one series per label set (rows
 * grouped by their labels, known label values in catalogue order,
 * open-ended ones in order of appearance); few series share one panel,
 * more are split into small multiples by every label but the last (job
 * latency: kind x path panels with p50/p95/p99 lines), and beyond what stays
 * legible the worst for the target (or the largest) are kept and the rest
 * counted (every row stays in the scorecard).
 */
#include "render/chart.h"
#include "core/number.h"
#include "render/axis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SINGLE_PANEL_MAX 6

/* A label value and the series it was read from, for sorting. */
typedef struct vref {
	const char *v;
	size_t j;
} vref;

static int cmp_vref(const void *a, const void *b)
{
	const vref *x = a, *y = b;
	int c = strcmp(x->v, y->v);
	return c ? c : x->j < y->j ? -1 : x->j > y->j;
}

static const char *lab(const kpi_row *r, size_t i)
{
	return r->labels && r->labels[i] ? r->labels[i] : "";
}

/* Each series' index of label `li`: a known value's position in the
 * catalogue, or 1000 + the order in which an open-ended value first
 * appears among the series (found by sorting: n log n, not n^2). */
static int label_indexes(kpi__chart *c, size_t li)
{
	const kpi_label_def *ld = li < c->def->nlabels ? &c->def->labels[li] : NULL;
	vref *vr = calloc(c->nser ? c->nser : 1, sizeof(*vr));
	size_t *first = calloc(c->nser ? c->nser : 1, sizeof(*first)), *rank = calloc(c->nser + 1, sizeof(*rank));
	size_t nopen = 0;

	if (!vr || !first || !rank) {
		free(vr);
		free(first);
		free(rank);
		return KPI_ENOMEM;
	}
	for (size_t j = 0; j < c->nser; j++) {
		const char *v = lab(c->ser[j].first, li);
		bool known = false;
		for (size_t k = 0; ld && k < ld->nvalues && !known; k++)
			if (strcmp(ld->values[k], v) == 0) {
				c->ser[j].idx[li] = (int)k;
				known = true;
			}
		if (!known)
			vr[nopen++] = (vref){ v, j };
	}
	/* the open-ended values, grouped: each group's first series is where
	 * the value first appears; ranking those gives the order of appearance */
	qsort(vr, nopen, sizeof(*vr), cmp_vref);
	for (size_t k = 0; k < c->nser; k++)
		first[k] = SIZE_MAX;
	for (size_t k = 0; k < nopen; k++) {
		size_t g = k > 0 && strcmp(vr[k - 1].v, vr[k].v) == 0 ? first[vr[k - 1].j] : vr[k].j;
		first[vr[k].j] = g;
		if (g == vr[k].j)
			rank[g + 1] = 1;
	}
	for (size_t j = 0; j < c->nser; j++)
		rank[j + 1] += rank[j];
	for (size_t j = 0; j < c->nser; j++)
		if (first[j] != SIZE_MAX)
			c->ser[j].idx[li] = 1000 + (int)rank[first[j]];
	free(vr);
	free(first);
	free(rank);
	return 0;
}

/* How bad a value is for ranking label sets when not all can be drawn: the
 * worst for the threshold's direction first, the largest without one. */
static double badness(const kpi_threshold *th, double v)
{
	switch (th->op) {
	case KPI_OP_GE:
	case KPI_OP_GT: return -v;
	case KPI_OP_LE:
	case KPI_OP_LT: return v;
	case KPI_OP_EQ: return fabs(v - th->target);
	default: return fabs(v);
	}
}

/* A gap that holds the verdict: no data on a gating KPI whose policy blocks. */
bool kpi__chart_blocks(const kpi_def *def, const kpi_row *r)
{
	return def->gating && def->missing == KPI_MISSING_BLOCK && r->status == KPI_STATUS_NO_DATA;
}

/* A value and its position, for ranking. */
typedef struct vpos {
	double v;
	size_t pos;
} vpos;

/* largest first; equal ones in their order */
static int cmp_vpos(const void *a, const void *b)
{
	const vpos *x = a, *y = b;
	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Keep the `keep` entries of `ix` with the largest maxv (the earlier of
 * equal ones), in their order: n log n. Out of memory, the first `keep`. */
static size_t keep_largest(size_t *ix, size_t n, size_t keep, const double *maxv)
{
	vpos *vp;
	size_t *pos;

	if (n <= keep)
		return n;
	vp = calloc(n, sizeof(*vp));
	pos = calloc(keep, sizeof(*pos));
	if (!vp || !pos) {
		free(vp);
		free(pos);
		return keep;
	}
	for (size_t i = 0; i < n; i++)
		vp[i] = (vpos){ maxv[i], i };
	qsort(vp, n, sizeof(*vp), cmp_vpos);
	for (size_t k = 0; k < keep; k++)
		pos[k] = vp[k].pos;
	qsort(pos, keep, sizeof(*pos), cmp_size);
	for (size_t k = 0; k < keep; k++)
		ix[k] = ix[pos[k]];
	free(vp);
	free(pos);
	return keep;
}

void kpi__chart_release(kpi__chart *c)
{
	free(c->ser);
	memset(c, 0, sizeof(*c));
}

/* Group the rows of `s` by label set into series (their weeks, their
 * labels' catalogue order, their worst value), and note what the chart will
 * have to explain (breaches, gaps, ...). Linear in the rows. */
static int chart_series(kpi__chart *c, const kpi_series *s)
{
	const kpi_def *def = c->def;
	size_t nl = s ? s->nlabels : 0;
	kpi__lsets ls;
	int rc = 0;

	if (kpi__lsets_build(&ls, s, c->w) != 0)
		return KPI_ENOMEM;
	if (!(c->ser = calloc(ls.n ? ls.n : 1, sizeof(*c->ser)))) {
		kpi__lsets_release(&ls);
		return KPI_ENOMEM;
	}
	c->nser = ls.n;
	for (size_t j = 0; j < ls.n; j++) {
		kpi__cser *cs = &c->ser[j];
		cs->first = ls.set[j].first;
		cs->worst = -INFINITY;
		memcpy(cs->row, ls.set[j].week, (size_t)c->w->nweeks * sizeof(cs->row[0]));
	}
	for (size_t k = 0; s && k < s->nrows; k++) {
		const kpi_row *r = &s->rows[k];
		kpi__cser *cs;
		if (ls.of_row[k] == SIZE_MAX)
			continue;
		cs = &c->ser[ls.of_row[k]];
		c->any_row = true;
		if (r->has_value && isfinite(r->value)) {
			c->any_value = true;
			cs->worst = fmax(cs->worst, badness(&def->threshold, r->value));
		}
		if (r->status == KPI_STATUS_BREACH)
			c->any_breach = true;
		if (r->status == KPI_STATUS_WARN)
			c->any_warn = true;
		if (r->status == KPI_STATUS_NOT_APPLICABLE || !r->applicable)
			c->any_na = true;
		if (!r->has_value)
			c->any_gap = true;
		if (kpi__chart_blocks(def, r))
			c->any_block = true;
		if (r->incomplete)
			c->any_incomplete = true;
	}
	kpi__lsets_release(&ls);
	for (size_t i = 0; i < nl && i < 8 && !rc; i++)
		rc = label_indexes(c, i);
	return rc;
}

/* A series' sort key: its label indexes, then where it was. */
typedef struct skey {
	const int *idx;
	size_t j;
} skey;

static int cmp_skey(const void *a, const void *b)
{
	const skey *x = a, *y = b;
	for (size_t i = 0; i < 8; i++) /* unused labels are 0 in every series */
		if (x->idx[i] != y->idx[i])
			return x->idx[i] < y->idx[i] ? -1 : 1;
	return x->j < y->j ? -1 : x->j > y->j;
}

/* The series in catalogue order of their label values (stable); a week
 * without a row in some series is a gap. */
static int chart_sort(kpi__chart *c)
{
	const kpi_window *w = c->w;
	skey *k = calloc(c->nser ? c->nser : 1, sizeof(*k));
	kpi__cser *sorted = calloc(c->nser ? c->nser : 1, sizeof(*sorted));

	if (!k || !sorted) {
		free(k);
		free(sorted);
		return KPI_ENOMEM;
	}
	for (size_t j = 0; j < c->nser; j++)
		k[j] = (skey){ c->ser[j].idx, j };
	qsort(k, c->nser, sizeof(*k), cmp_skey);
	for (size_t j = 0; j < c->nser; j++)
		sorted[j] = c->ser[k[j].j];
	free(k);
	free(c->ser);
	c->ser = sorted;
	for (size_t j = 0; j < c->nser; j++)
		for (int wi = 0; wi < w->nweeks; wi++)
			if (!c->ser[j].row[wi])
				c->any_gap = true;
	return 0;
}

/* One panel: the worst (or largest) KPI__CHART_MAX_LINES series, named by the labels
 * that vary. */
static int one_panel(kpi__chart *c, size_t nl)
{
	size_t *ix = calloc(c->nser ? c->nser : 1, sizeof(*ix)), n = 0;
	double *mv = calloc(c->nser ? c->nser : 1, sizeof(*mv));
	kpi__cpanel *p = &c->pan[c->npan++];

	if (!ix || !mv) {
		free(ix);
		free(mv);
		return KPI_ENOMEM;
	}
	for (size_t j = 0; j < c->nser; j++) {
		ix[n] = j;
		mv[n++] = c->ser[j].worst;
	}
	n = keep_largest(ix, n, KPI__CHART_MAX_LINES, mv);
	c->hidden_series = c->nser - n;
	p->title[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		kpi__cser *cs = &c->ser[ix[k]];
		size_t o = 0;
		cs->visible = true;
		cs->color = k;
		p->ser[p->nser++] = ix[k];
		cs->name[0] = '\0';
		for (size_t i = 0; i < nl; i++) {
			bool varies = false;
			for (size_t j = 0; j < c->nser && !varies; j++)
				varies = strcmp(lab(c->ser[j].first, i), lab(cs->first, i)) != 0;
			if (!varies && nl > 1)
				continue;
			o += (size_t)snprintf(cs->name + o, o < sizeof(cs->name) ? sizeof(cs->name) - o : 0,
			                      "%s%s", o ? " · " : "", lab(cs->first, i));
		}
		for (size_t i = 0; !cs->name[0] && i < nl; i++) /* nothing varies: all of them */
			for (size_t j = 0; j < nl; j++)
				o += (size_t)snprintf(cs->name + o, o < sizeof(cs->name) ? sizeof(cs->name) - o : 0,
				                      "%s%s", j ? " · " : "", lab(cs->first, j));
		if (!cs->name[0])
			snprintf(cs->name, sizeof(cs->name), "weekly value");
		if (o >= sizeof(cs->name))
			cs->name[sizeof(cs->name) - 1] = '\0';
	}
	free(ix);
	free(mv);
	return 0;
}

/* Of the series of the kept panels (`allowed` set for them), allow only
 * those whose last label takes one of the KPI__CHART_MAX_LINES values
 * worst in them (the earlier to appear of equal ones): one colour per
 * value, so no two lines share a colour and the legend names each. Nothing
 * changes when the last label takes no more values. */
static int limit_colours(kpi__chart *c, size_t nl, bool *allowed)
{
	vref *vr = calloc(c->nser ? c->nser : 1, sizeof(*vr));
	vpos *g = calloc(c->nser ? c->nser : 1, sizeof(*g));
	size_t *gof = calloc(c->nser ? c->nser : 1, sizeof(*gof));
	bool *keep = calloc(c->nser ? c->nser : 1, sizeof(*keep));
	size_t n = 0, ng = 0;

	if (!vr || !g || !gof || !keep) {
		free(vr);
		free(g);
		free(gof);
		free(keep);
		return KPI_ENOMEM;
	}
	for (size_t j = 0; j < c->nser; j++)
		if (allowed[j])
			vr[n++] = (vref){ lab(c->ser[j].first, nl - 1), j };
	/* grouped by value, each group's first entry is where it first appears */
	qsort(vr, n, sizeof(*vr), cmp_vref);
	for (size_t k = 0; k < n; k++) {
		if (k == 0 || strcmp(vr[k - 1].v, vr[k].v) != 0)
			g[ng++] = (vpos){ -INFINITY, vr[k].j };
		gof[k] = g[ng - 1].pos;
		g[ng - 1].v = fmax(g[ng - 1].v, c->ser[vr[k].j].worst);
	}
	if (ng > KPI__CHART_MAX_LINES) {
		qsort(g, ng, sizeof(*g), cmp_vpos);
		for (size_t q = 0; q < KPI__CHART_MAX_LINES; q++)
			keep[g[q].pos] = true;
		for (size_t k = 0; k < n; k++)
			allowed[vr[k].j] = keep[gof[k]];
	}
	free(vr);
	free(g);
	free(gof);
	free(keep);
	return 0;
}

/* Small multiples: panels by every label but the last (the worst
 * KPI__CHART_MAX_PANELS), the series in them named and coloured by the last
 * label (at most KPI__CHART_MAX_LINES values of it). */
static int small_multiples(kpi__chart *c, const kpi_series *s, size_t nl)
{
	size_t *pstart = calloc(c->nser + 1, sizeof(*pstart)), *pix = calloc(c->nser + 1, sizeof(*pix));
	size_t *ix = calloc(c->nser + 1, sizeof(*ix)), np = 0, kept, nlast = 0;
	double *pmax = calloc(c->nser + 1, sizeof(*pmax)), *mv = calloc(c->nser + 1, sizeof(*mv));
	bool *allowed = calloc(c->nser + 1, sizeof(*allowed));
	char *lastv[KPI__CHART_MAX_PANELS * KPI__CHART_MAX_LINES];
	int rc = 0;

	if (!pstart || !pix || !ix || !pmax || !mv || !allowed) {
		rc = KPI_ENOMEM;
		goto done;
	}
	for (size_t j = 0; j < c->nser; j++) {
		if (j == 0 || memcmp(c->ser[j].idx, c->ser[j - 1].idx, (nl - 1 < 8 ? nl - 1 : 8) * sizeof(int)) != 0) {
			pstart[np] = j;
			pmax[np] = -INFINITY;
			pix[np] = np;
			np++;
		}
		if (c->ser[j].worst > pmax[np - 1])
			pmax[np - 1] = c->ser[j].worst;
	}
	c->panels_total = np;
	kept = keep_largest(pix, np, KPI__CHART_MAX_PANELS, pmax);
	for (size_t q = 0; q < kept; q++)
		for (size_t j = pstart[pix[q]], end = pix[q] + 1 < np ? pstart[pix[q] + 1] : c->nser; j < end; j++)
			allowed[j] = true;
	if ((rc = limit_colours(c, nl, allowed)))
		goto done;
	for (size_t q = 0; q < kept; q++) {
		size_t pi = pix[q], end = pi + 1 < np ? pstart[pi + 1] : c->nser;
		kpi__cpanel *p = &c->pan[c->npan++];
		size_t n = 0, o = 0;
		for (size_t i = 0; i + 1 < nl; i++)
			o += (size_t)snprintf(p->title + o, o < sizeof(p->title) ? sizeof(p->title) - o : 0,
			                      "%s%s=%s", i ? " · " : "", s->label_names[i],
			                      lab(c->ser[pstart[pi]].first, i));
		for (size_t j = pstart[pi]; j < end; j++)
			if (allowed[j]) {
				ix[n] = j;
				mv[n++] = c->ser[j].worst;
			}
		n = keep_largest(ix, n, KPI__CHART_MAX_LINES, mv);
		p->maxv = pmax[pi];
		for (size_t k = 0; k < n; k++) {
			kpi__cser *cs = &c->ser[ix[k]];
			const char *v = lab(cs->first, nl - 1);
			size_t col = nlast;
			for (size_t t = 0; t < nlast; t++)
				if (strcmp(lastv[t], v) == 0)
					col = t;
			if (col == nlast && nlast < KPI__CHART_MAX_PANELS * KPI__CHART_MAX_LINES)
				lastv[nlast++] = (char *)v;
			cs->visible = true;
			cs->color = col;
			snprintf(cs->name, sizeof(cs->name), "%s", v);
			p->ser[p->nser++] = ix[k];
		}
	}
	for (size_t j = 0; j < c->nser; j++)
		if (!c->ser[j].visible)
			c->hidden_series++;
done:
	free(pstart);
	free(pix);
	free(ix);
	free(pmax);
	free(mv);
	free(allowed);
	return rc;
}

/* The legend: one entry per colour, in colour order. */
static void chart_legend(kpi__chart *c)
{
	for (size_t pi = 0; pi < c->npan; pi++)
		for (size_t k = 0; k < c->pan[pi].nser; k++) {
			kpi__cser *cs = &c->ser[c->pan[pi].ser[k]];
			bool dup = false;
			for (size_t t = 0; t < c->nleg && !dup; t++)
				dup = c->leg[t].color == cs->color;
			if (!dup && c->nleg < KPI__CHART_MAX_PANELS * KPI__CHART_MAX_LINES) {
				snprintf(c->leg[c->nleg].name, sizeof(c->leg[0].name), "%s", cs->name);
				c->leg[c->nleg++].color = cs->color;
			}
		}
	for (size_t i = 1; i < c->nleg; i++)
		for (size_t j = i; j > 0 && c->leg[j - 1].color > c->leg[j].color; j--) {
			char t[160];
			size_t tc = c->leg[j].color;
			memcpy(t, c->leg[j].name, sizeof(t));
			memcpy(c->leg[j].name, c->leg[j - 1].name, sizeof(t));
			c->leg[j].color = c->leg[j - 1].color;
			memcpy(c->leg[j - 1].name, t, sizeof(t));
			c->leg[j - 1].color = tc;
		}
}

int kpi__chart_build(kpi__chart *c, const kpi_def *def, const kpi_series *s, const kpi_window *w)
{
	size_t nl = s ? s->nlabels : 0;
	int rc;

	memset(c, 0, sizeof(*c));
	c->def = def;
	c->s = s;
	c->w = w;
	c->kind = def->chart && strcmp(def->chart, "stacked_bar") == 0 ? KPI__CHART_STACKED
	          : def->chart && strcmp(def->chart, "bar") == 0       ? KPI__CHART_BAR
	                                                                : KPI__CHART_LINE;
	rc = chart_series(c, s);
	if (!rc)
		rc = chart_sort(c);
	if (!rc) {
		c->panels_total = 1;
		if (nl == 0 || c->nser <= SINGLE_PANEL_MAX || (nl == 1 && c->nser <= KPI__CHART_MAX_LINES))
			rc = one_panel(c, nl);
		else
			rc = small_multiples(c, s, nl);
	}
	if (!rc)
		chart_legend(c);
	return rc;
}

/* ---- a panel's range ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A cap for the axis when a few earlier weeks dwarf the rest (a latency
 * spike of hours among seconds): the 90th percentile of the values with
 * some room, never below the last week's values or the target, applied only
 * when the largest value is more than three times that. The values above it
 * are drawn at the top edge with their value printed. INFINITY: no cap. */
double kpi__panel_cap(const kpi__chart *c, const kpi__cpanel *p)
{
	const kpi_window *w = c->w;
	double vals[KPI__CHART_MAX_LINES * KPI_MAX_WEEKS], cap, mx = -INFINITY;
	size_t n = 0;

	if (c->kind == KPI__CHART_STACKED)
		return INFINITY;
	for (size_t k = 0; k < p->nser; k++)
		for (int wi = 0; wi < w->nweeks; wi++) {
			const kpi_row *r = c->ser[p->ser[k]].row[wi];
			if (kpi__plotted(r)) {
				vals[n++] = r->value;
				mx = fmax(mx, r->value);
			}
		}
	if (n < 8)
		return INFINITY;
	qsort(vals, n, sizeof(vals[0]), cmp_double);
	cap = vals[(size_t)floor(0.9 * (double)(n - 1))] * 1.5;
	for (size_t k = 0; k < p->nser; k++) {
		const kpi_row *r = c->ser[p->ser[k]].row[w->nweeks - 1];
		if (kpi__plotted(r))
			cap = fmax(cap, r->value);
	}
	if (c->def->threshold.op != KPI_OP_NONE)
		cap = fmax(cap, c->def->threshold.target);
	return cap > 0 && mx > 3 * cap ? cap : INFINITY;
}

void kpi__panel_range(const kpi__chart *c, const kpi__cpanel *p, double div, double cap, double *lo, double *hi,
                      bool *labels)
{
	const kpi_window *w = c->w;
	double mn = INFINITY, mx = -INFINITY;
	for (int wi = 0; wi < w->nweeks; wi++) {
		double stack = 0;
		for (size_t k = 0; k < p->nser; k++) {
			const kpi_row *r = c->ser[p->ser[k]].row[wi];
			if (!kpi__plotted(r) || r->value > cap)
				continue;
			if (c->kind == KPI__CHART_STACKED) { /* saturated: stacks of the largest doubles */
				stack = kpi__add_sat(stack, r->value > 0 ? r->value : 0);
				continue;
			}
			mn = fmin(mn, r->value / div);
			mx = fmax(mx, r->value / div);
		}
		if (c->kind == KPI__CHART_STACKED && stack > 0) {
			mn = fmin(mn, 0);
			mx = fmax(mx, stack / div);
		}
	}
	if (c->def->threshold.op != KPI_OP_NONE) {
		mn = fmin(mn, c->def->threshold.target / div);
		mx = fmax(mx, c->def->threshold.target / div);
	}
	if (!isfinite(mn)) {
		mn = 0;
		mx = 1;
	}
	if (c->kind != KPI__CHART_LINE || kpi__unit_is(c->def->unit, "count") || (mn >= 0 && mn < 0.4 * mx))
		mn = fmin(mn, 0);
	if (mx <= 0 && mn >= 0 && c->kind != KPI__CHART_LINE)
		mx = 1;
	if (isfinite(cap))
		mx = fmax(mx, cap / div);
	*labels = c->kind == KPI__CHART_BAR && p->nser == 1 && w->nweeks <= 16;
	if (*labels) {
		bool pct_top = kpi__unit_is(c->def->unit, "%") && div == 1 && mx <= 100;
		/* room for the value above the tallest bar (halves: the span of
		 * the largest doubles overflows) */
		mx = kpi__add_sat(mx, (mx / 2 - mn / 2) * 0.28);
		if (pct_top && mx > 100)
			mx = 100; /* a percentage axis ends at 100; labels go inside the bar */
	}
	*lo = mn;
	*hi = mx;
}
