/*
 * The model of a chart (render/chart_model.c): a KPI's rows grouped into
 * series (one per label set), arranged in panels, with the legend and what
 * the chart has to explain, and each panel's value range; derived from the
 * catalogue entry alone. No drawing: render_chart.c draws it. Not
 * installed.
 */
#ifndef KPI_RENDER_CHART_H
#define KPI_RENDER_CHART_H

#include "core/internal.h"

#include <math.h>

/* How a KPI is drawn: its catalogue entry's `chart` hint. */
enum { KPI__CHART_LINE, KPI__CHART_BAR, KPI__CHART_STACKED };

/* At most this many panels (small multiples), this many series a panel. */
#define KPI__CHART_MAX_PANELS 6
#define KPI__CHART_MAX_LINES 8

/* A series: one label set's rows by week. */
typedef struct kpi__cser {
	const kpi_row *row[KPI_MAX_WEEKS];
	const kpi_row *first;     /* a row of the label set (its labels) */
	int idx[8];               /* per label: catalogue index of the value, or 1000 + appearance */
	char name[160];
	size_t color;
	double worst;             /* the worst value for ranking (the threshold's direction) */
	bool visible;
} kpi__cser;

/* A panel: the series it draws (indexes into kpi__chart.ser). */
typedef struct kpi__cpanel {
	char title[240];
	size_t ser[KPI__CHART_MAX_LINES];
	size_t nser;
	double maxv;
} kpi__cpanel;

/* A chart: its series, panels and legend, and what it has to explain. */
typedef struct kpi__chart {
	const kpi_def *def;
	const kpi_series *s;
	const kpi_window *w;
	int kind;
	kpi__cser *ser;
	size_t nser;
	kpi__cpanel pan[KPI__CHART_MAX_PANELS];
	size_t npan;
	size_t hidden_series;     /* label sets not drawn */
	size_t panels_total;      /* panels the label sets make (small multiples: more than drawn) */
	bool any_value, any_row, any_breach, any_warn, any_na, any_gap, any_incomplete, any_block;
	struct {
		char name[160];
		size_t color;
	} leg[KPI__CHART_MAX_PANELS * KPI__CHART_MAX_LINES];
	size_t nleg;
} kpi__chart;

/* The chart of `def` over window `w` from `s` (may be NULL: no rows).
 * @return 0 or KPI_ENOMEM; release it with kpi__chart_release() either way. */
int kpi__chart_build(kpi__chart *c, const kpi_def *def, const kpi_series *s, const kpi_window *w);
void kpi__chart_release(kpi__chart *c);

/* A row with a value to draw (NULL: no row that week). */
static inline bool kpi__plotted(const kpi_row *r)
{
	return r && r->has_value && isfinite(r->value);
}

/* A gap that holds the verdict: no data on a gating KPI whose policy blocks. */
bool kpi__chart_blocks(const kpi_def *def, const kpi_row *r);

/* A cap for a panel's axis when a few earlier weeks dwarf the rest (a
 * latency spike of hours among seconds); INFINITY: no cap. */
double kpi__panel_cap(const kpi__chart *c, const kpi__cpanel *p);
/* The range [lo, hi] a panel's axis must show, its values divided by `div`
 * (a duration's unit) and those above `cap` left out; `labels`: values are
 * printed above its single bars (room is made for them). */
void kpi__panel_range(const kpi__chart *c, const kpi__cpanel *p, double div, double cap, double *lo, double *hi,
                      bool *labels);

#endif
