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

static int label_index(const kpi_def *def, size_t li, const char *v, char ***seen, size_t *nseen)
{
	if (li < def->nlabels)
		for (size_t k = 0; k < def->labels[li].nvalues; k++)
			if (strcmp(def->labels[li].values[k], v) == 0)
				return (int)k;
	for (size_t k = 0; k < nseen[li]; k++)
		if (strcmp(seen[li][k], v) == 0)
			return 1000 + (int)k;
	{
		char **n = realloc(seen[li], (nseen[li] + 1) * sizeof(*n));
		if (!n)
			return 1000 + (int)nseen[li];
		seen[li] = n;
		n[nseen[li]] = (char *)v; /* borrowed from the row */
		return 1000 + (int)nseen[li]++;
	}
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

static int cmp_idx(const kpi__cser *a, const kpi__cser *b, size_t nl)
{
	for (size_t i = 0; i < nl && i < 8; i++)
		if (a->idx[i] != b->idx[i])
			return a->idx[i] < b->idx[i] ? -1 : 1;
	return 0;
}

bool kpi__same_labels(const kpi_series *s, const kpi_row *a, const kpi_row *b)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(a->labels[i] ? a->labels[i] : "", b->labels[i] ? b->labels[i] : "") != 0)
			return false;
	return true;
}

static const char *lab(const kpi_row *r, size_t i)
{
	return r->labels && r->labels[i] ? r->labels[i] : "";
}

/* Keep the `keep` entries of `ix` with the largest maxv, in their order. */
static size_t keep_largest(size_t *ix, size_t n, size_t keep, const double *maxv)
{
	size_t out = 0;
	if (n <= keep)
		return n;
	for (size_t i = 0; i < n; i++) {
		size_t rank = 0;
		for (size_t j = 0; j < n; j++)
			if (maxv[j] > maxv[i] || (maxv[j] == maxv[i] && j < i))
				rank++;
		if (rank < keep)
			ix[out++] = ix[i];
	}
	return out;
}

void kpi__chart_release(kpi__chart *c)
{
	free(c->ser);
	memset(c, 0, sizeof(*c));
}

/* Group the rows of `s` by label set into series (their weeks, their
 * labels' catalogue order, their worst value), and note what the chart will
 * have to explain (breaches, gaps, ...). */
static int chart_series(kpi__chart *c, const kpi_series *s, char **seen[8], size_t nseen[8])
{
	const kpi_def *def = c->def;
	const kpi_window *w = c->w;
	size_t nl = s ? s->nlabels : 0, cap = 0;

	for (size_t k = 0; s && k < s->nrows; k++) {
		const kpi_row *r = &s->rows[k];
		int wi = kpi_window_index(w, r->period_start);
		kpi__cser *cs = NULL;
		if (wi < 0)
			continue;
		c->any_row = true;
		for (size_t j = 0; j < c->nser && !cs; j++)
			if (kpi__same_labels(s, c->ser[j].first, r))
				cs = &c->ser[j];
		if (!cs) {
			if (c->nser == cap) {
				kpi__cser *n = realloc(c->ser, (cap = cap ? cap * 2 : 16) * sizeof(*n));
				if (!n)
					return KPI_ENOMEM;
				c->ser = n;
			}
			cs = &c->ser[c->nser++];
			memset(cs, 0, sizeof(*cs));
			cs->first = r;
			cs->worst = -INFINITY;
			for (size_t i = 0; i < nl && i < 8; i++)
				cs->idx[i] = label_index(def, i, lab(r, i), seen, nseen);
		}
		cs->row[wi] = r;
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
	return 0;
}

/* The series in catalogue order of their label values; a week without a
 * row in some series is a gap. */
static void chart_sort(kpi__chart *c, size_t nl)
{
	const kpi_window *w = c->w;

	/* insertion sort: stable, n small */
	for (size_t i = 1; i < c->nser; i++) {
		kpi__cser t = c->ser[i];
		size_t j = i;
		while (j > 0 && cmp_idx(&c->ser[j - 1], &t, nl) > 0) {
			c->ser[j] = c->ser[j - 1];
			j--;
		}
		c->ser[j] = t;
	}
	for (size_t j = 0; j < c->nser; j++)
		for (int wi = 0; wi < w->nweeks; wi++)
			if (!c->ser[j].row[wi])
				c->any_gap = true;
}

/* One panel: the worst (or largest) KPI__CHART_MAX_LINES series, named by the labels
 * that vary. */
static void one_panel(kpi__chart *c, size_t nl)
{
	size_t ix[4096], n = 0;
	double mv[4096];
	kpi__cpanel *p = &c->pan[c->npan++];

	for (size_t j = 0; j < c->nser && n < 4096; j++) {
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
}

/* Small multiples: panels by every label but the last (the worst
 * KPI__CHART_MAX_PANELS), the series in them named and coloured by the last label. */
static void small_multiples(kpi__chart *c, const kpi_series *s, size_t nl)
{
	size_t pstart[4096], np = 0, pix[4096], kept, nlast = 0;
	double pmax[4096];
	char *lastv[KPI__CHART_MAX_PANELS * KPI__CHART_MAX_LINES];

	for (size_t j = 0; j < c->nser && np < 4096; j++) {
		if (j == 0 || memcmp(c->ser[j].idx, c->ser[j - 1].idx, (nl - 1 < 8 ? nl - 1 : 8) * sizeof(int)) != 0) {
			pstart[np] = j;
			pmax[np] = -INFINITY;
			pix[np] = np;
			np++;
		}
		if (c->ser[j].worst > pmax[np - 1])
			pmax[np - 1] = c->ser[j].worst;
	}
	kept = keep_largest(pix, np, KPI__CHART_MAX_PANELS, pmax);
	for (size_t q = 0; q < kept; q++) {
		size_t pi = pix[q], end = pi + 1 < np ? pstart[pi + 1] : c->nser;
		kpi__cpanel *p = &c->pan[c->npan++];
		size_t ix[4096], n = 0, o = 0;
		double mv[4096];
		for (size_t i = 0; i + 1 < nl; i++)
			o += (size_t)snprintf(p->title + o, o < sizeof(p->title) ? sizeof(p->title) - o : 0,
			                      "%s%s=%s", i ? " · " : "", s->label_names[i],
			                      lab(c->ser[pstart[pi]].first, i));
		for (size_t j = pstart[pi]; j < end && n < 4096; j++) {
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
	char **seen[8] = { 0 };
	size_t nseen[8] = { 0 };
	int rc;

	memset(c, 0, sizeof(*c));
	c->def = def;
	c->s = s;
	c->w = w;
	c->kind = def->chart && strcmp(def->chart, "stacked_bar") == 0 ? KPI__CHART_STACKED
	          : def->chart && strcmp(def->chart, "bar") == 0       ? KPI__CHART_BAR
	                                                                : KPI__CHART_LINE;
	rc = chart_series(c, s, seen, nseen);
	if (!rc) {
		chart_sort(c, nl);
		if (nl == 0 || c->nser <= SINGLE_PANEL_MAX || (nl == 1 && c->nser <= KPI__CHART_MAX_LINES))
			one_panel(c, nl);
		else
			small_multiples(c, s, nl);
		chart_legend(c);
	}
	for (size_t i = 0; i < 8; i++)
		free(seen[i]);
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
