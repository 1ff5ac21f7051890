/*
 * Private pieces of the PDF/PNG renderer (kpi/render.h): the drawing
 * context (render_text.c: a private fontconfig configuration with the DejaVu
 * files only, a Pango context with hinting off) and text placement with
 * measurement, the trace (trace.c), and the chart drawer shared by the PDF
 * pages and the PNGs (render_chart.c); colours, axes and dates have their
 * own headers, included here. Not installed.
 *
 * Every text box placed goes through kpi__text(), which can record it in a
 * kpi__rtrace: the tests use that to check that no two boxes overlap and
 * none leaves its page.
 */
#ifndef KPI_RENDER_INT_H
#define KPI_RENDER_INT_H

#include "core/internal.h"
#include "core/number.h"
#include "core/threshold.h"
#include "kpi/render.h"
#include "render/axis.h"
#include "render/color.h"
#include "render/dates.h"

#include <cairo.h>
#include <pango/pangocairo.h>

/* ---- test hook: the text boxes placed ---- */

typedef struct kpi__rbox {
	int page;            /* 1-based page (PDF) or 1 (PNG) */
	double x, y, w, h;   /* logical box in page units (points; PNG: chart units) */
	char text[72];       /* the start of the text, for messages */
	bool ellipsized;     /* Pango left part of it out to fit the width */
	bool in_plot;        /* a label set inside a plot (a value off the axis): no line may cross it */
} kpi__rbox;

/* A straight piece of a line the renderer drew in a plot (a series or the
 * threshold), in the boxes' units. */
typedef struct kpi__rseg {
	int page;
	double x0, y0, x1, y1;
} kpi__rseg;

typedef struct kpi__rtrace {
	kpi__rbox *boxes;
	size_t nboxes, cap;
	kpi__rseg *segs;
	size_t nsegs, segcap;
	int npages;
	double page_w, page_h;
	/* first page (1-based) of each section, in PDF order; 0 when absent */
	int section_page[8];
	const char *section_name[8];
	int nsections;
} kpi__rtrace;

void kpi__rtrace_release(kpi__rtrace *t);

/* kpi_render_pdf() / kpi_render_chart_png() recording every text box into
 * `trace` (may be NULL). */
int kpi__render_pdf_traced(kpi_buf *out, const kpi_snapshot *snap, kpi__rtrace *trace,
                           kpi_error *err);
int kpi__render_chart_png_traced(kpi_buf *out, const kpi_snapshot *snap, size_t i,
                                 kpi__rtrace *trace, kpi_error *err);

/* ---- drawing context ---- */

enum { KPI__F_SANS, KPI__F_BOLD, KPI__F_OBLIQUE, KPI__F_MONO, KPI__F_COND, KPI__F_COND_BOLD, KPI__NFONTS };
enum { KPI__LEFT = 0, KPI__CENTER = 1, KPI__RIGHT = 2 };

/* How a piece of text is set. `width` 0: unlimited (one line, no ellipsis).
 * With a width the text is ellipsized at the end (or `ellipsize` mode) unless
 * `lines` > 1, which wraps it into at most that many lines, the last one
 * ellipsized; `lines` < 0 wraps without limit. */
typedef struct kpi__tstyle {
	int font;
	double size;         /* points (page units) */
	kpi__rgb color;
	double width;
	int align;
	int ellipsize;       /* PangoEllipsizeMode; 0 means PANGO_ELLIPSIZE_END */
	int lines;
} kpi__tstyle;

typedef struct kpi__render {
	PangoFontMap *fontmap;       /* the process's, see kpi__render_open() */
	bool locked;                 /* holds the renderer's lock */
	PangoContext *pango;
	PangoFontDescription *fonts[KPI__NFONTS];
	cairo_t *cr;
	bool dry;                    /* measuring pass: nothing drawn, nothing recorded */
	int page;                    /* current page, 1-based */
	double ox, oy;               /* page position of the current drawing origin (trace) */
	kpi__rtrace *trace;
	bool in_plot;                /* texts set now are labels inside a plot (trace) */
	const kpi_snapshot *snap;
	kpi__tz *zone;               /* the snapshot's zone, held for the render's conversions */
	/* numbering of the rollout changes inside the window (1..n, 0 = outside) */
	int *change_no;
	size_t nchanges_in;
	struct {
		int font;
		double size, h;
	} lh[32];                    /* line heights measured so far */
	size_t nlh;
} kpi__render;

/* Open a context for `snap`: fonts, Pango context. `cr` is set later.
 * Renders within a process take turns: this takes a lock that
 * kpi__render_close() releases (a failed open releases it itself). */
int kpi__render_open(kpi__render *r, const kpi_snapshot *snap, kpi_error *err);
void kpi__render_close(kpi__render *r);

/* Record a text box placed at (x, y) (page units less the drawing origin;
 * trace only). */
void kpi__trace_box(kpi__render *r, const char *text, bool ellipsized, double x, double y, double w, double h);
/* Record a straight piece of a series or threshold line (trace only). */
void kpi__trace_seg(kpi__render *r, double x0, double y0, double x1, double y1);
/* Whether the segment (x0, y0)-(x1, y1) touches the rectangle [x, x + w] x [y, y + h]. */
bool kpi__seg_hits_rect(double x0, double y0, double x1, double y1, double x, double y, double w, double h);

/* Height of one line of text in a font and size (measured once). */
double kpi__line_height(kpi__render *r, int font, double size);
/* kpi__text() for a text whose height the caller does not need (a table
 * cell): the measuring pass skips it. */
void kpi__text_cell(kpi__render *r, const char *text, double x, double y, const kpi__tstyle *st);
/* Size of a text as it would be set. */
void kpi__text_size(kpi__render *r, const char *text, const kpi__tstyle *st, double *w, double *h);
/* Set text with its logical box's top-left at (x, y); with a width and an
 * alignment, the box is [x, x + width]. Returns the height used. Records the
 * box when tracing. */
double kpi__text(kpi__render *r, const char *text, double x, double y, const kpi__tstyle *st);
/* A style: font, size, colour; width 0, left, one line. */
kpi__tstyle kpi__ts(int font, double size, kpi__rgb color);
kpi__tstyle kpi__tsw(int font, double size, kpi__rgb color, double width, int align);

/* ---- what the renderer reads of a snapshot (render_snap.c) ---- */

/* KPI_EDATA, named, when `snap` lacks what a pack needs (a result with 1 to
 * KPI_MAX_WEEKS weeks, verdicts, series with definitions and labels,
 * rollout changes with layer and key). */
int kpi__render_check(const kpi_snapshot *snap, kpi_error *err);
/* The number of each rollout change of `snap` inside its window, 1.. in
 * snapshot order, 0 outside (no[nchanges]): the charts' markers, the
 * appendix's and the workbook's "#". @return how many are inside. */
size_t kpi__number_changes(int *no, const kpi_snapshot *snap);
/* Number the rollout changes inside the window of r->snap (r->change_no,
 * 1..r->nchanges_in; 0 outside); kpi__render_close() frees the numbers. */
void kpi__render_number_changes(kpi__render *r);
/* The KPIs of a snapshot: its catalogue (or, without one, its series), and
 * KPI `i` with its series (NULL when the snapshot did not collect it). */
size_t kpi__kpi_count(const kpi_snapshot *snap);
const kpi_def *kpi__kpi_def(const kpi_snapshot *snap, size_t i, const kpi_series **series);
/* Chart `i`: the i-th KPI of the catalogue that the snapshot collected. */
const kpi_def *kpi__chart_def(const kpi_snapshot *snap, size_t i, const kpi_series **series);
/* Open a context to draw chart `i` of `snap` (PNG, SVG): the snapshot
 * checked, `i` in range (KPI_EUSAGE), its definition and series, the
 * rollout changes numbered. Close with kpi__render_close() after a 0. */
int kpi__chart_open(kpi__render *r, const kpi_def **def, const kpi_series **s, const kpi_snapshot *snap, size_t i,
                    kpi_error *err);

/* ---- charts (render_chart.c) ---- */

/* Size of the chart design box (16:9); the PDF page draws it 1:1 in points,
 * the PNG scales it to KPI_RENDER_PNG_WIDTH x KPI_RENDER_PNG_HEIGHT. */
#define KPI__CHART_W 768.0
#define KPI__CHART_H 432.0

/* Draw the chart of `def` (series may be NULL) with its top-left at (x, y)
 * into r->cr, KPI__CHART_W x KPI__CHART_H units. */
void kpi__chart_draw(kpi__render *r, const kpi_def *def, const kpi_series *s, double x, double y);

/* A sparkline of one label set of `s` in the box (scorecard): `rows`, its
 * row of each week of the window (kpi__lsets), NULL where it has none. */
void kpi__sparkline(kpi__render *r, const kpi_series *s, const kpi_row *const *rows, double x, double y,
                    double w, double h);

/* The cover's record of the meeting: the last decision and the open action
 * items of `snap->history` (render_decision.c), set at (x, y) within width
 * `w`. Returns the height used; 0 when there is nothing on record. */
double kpi__cover_decision(kpi__render *r, const kpi_snapshot *snap, double x, double y, double w);

#endif
