/*
 * The renderer's test hook (render_int.h): every text box placed and every
 * straight piece of a series or threshold line drawn in a plot, recorded
 * into a kpi__rtrace when one is given, and the segment/rectangle test the
 * off-axis labels and the tests use. Rendering never depends on it: out of
 * memory, the trace is shorter.
 */
#include "render/render_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kpi__rtrace_release(kpi__rtrace *t)
{
	if (!t)
		return;
	free(t->boxes);
	free(t->segs);
	memset(t, 0, sizeof(*t));
}

/* `items` (`n` of `size`, room for *cap) with room for one more, perhaps
 * moved; NULL when out of memory (`items` is left as it was): the trace is
 * a test aid, rendering goes on. */
static void *trace_grow(void *items, size_t *cap, size_t n, size_t size)
{
	if (n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		void *p = realloc(items, c * size);
		if (p)
			*cap = c;
		return p;
	}
	return items;
}

void kpi__trace_box(kpi__render *r, const char *text, bool ellipsized, double x, double y, double w, double h)
{
	kpi__rtrace *t = r->trace;
	kpi__rbox *b;
	void *grown;

	if (!t || r->dry || w <= 0 || h <= 0 || !(grown = trace_grow(t->boxes, &t->cap, t->nboxes, sizeof(*b))))
		return;
	t->boxes = grown;
	b = &t->boxes[t->nboxes++];
	b->page = r->page;
	b->x = x + r->ox;
	b->y = y + r->oy;
	b->w = w;
	b->h = h;
	snprintf(b->text, sizeof(b->text), "%s", text);
	b->ellipsized = ellipsized;
	b->in_plot = r->in_plot;
}

void kpi__trace_seg(kpi__render *r, double x0, double y0, double x1, double y1)
{
	kpi__rtrace *t = r->trace;
	kpi__rseg *g;
	void *grown;

	if (!t || r->dry || !(grown = trace_grow(t->segs, &t->segcap, t->nsegs, sizeof(*g))))
		return;
	t->segs = grown;
	g = &t->segs[t->nsegs++];
	g->page = r->page;
	g->x0 = x0 + r->ox;
	g->y0 = y0 + r->oy;
	g->x1 = x1 + r->ox;
	g->y1 = y1 + r->oy;
}

/* Liang-Barsky: clip the segment's parameter range to the rectangle. */
bool kpi__seg_hits_rect(double x0, double y0, double x1, double y1, double x, double y, double w, double h)
{
	double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
	const double p[4] = { -dx, dx, -dy, dy }, q[4] = { x0 - x, x + w - x0, y0 - y, y + h - y0 };

	for (int i = 0; i < 4; i++) {
		if (p[i] == 0) {
			if (q[i] < 0)
				return false; /* parallel to this edge and outside it */
			continue;
		}
		{
			double t = q[i] / p[i];
			if (p[i] < 0 && t > t0)
				t0 = t;
			else if (p[i] > 0 && t < t1)
				t1 = t;
		}
		if (t0 > t1)
			return false;
	}
	return true;
}
