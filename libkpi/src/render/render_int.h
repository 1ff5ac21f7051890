/*
 * Private pieces of the PDF/PNG renderer (kpi/render.h): the drawing
 * context (a private fontconfig configuration with the DejaVu files only,
 * a Pango context with hinting off), text placement with measurement, number
 * formatting for people, colours, and the chart drawer shared by the PDF
 * pages and the PNGs. Not installed.
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

typedef struct kpi__rgb {
	double r, g, b;
} kpi__rgb;

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

/* ---- colours ---- */

kpi__rgb kpi__rgb_hex(unsigned hex);
void kpi__set_rgb(cairo_t *cr, kpi__rgb c);
void kpi__set_rgba(cairo_t *cr, kpi__rgb c, double a);
kpi__rgb kpi__status_color(kpi_status s);
kpi__rgb kpi__verdict_color(kpi_verdict_kind v);
/* Series colour `i` of a colour-blind-safe palette without red (red means breach). */
kpi__rgb kpi__series_color(size_t i);
/* A short upper-case name for a status chip: "OK", "WARN", "BREACH", "NO DATA", "N/A". */
const char *kpi__status_chip(kpi_status s);
void kpi__round_rect(cairo_t *cr, double x, double y, double w, double h, double rad);
/* Diagonal hatching inside a rectangle (not applicable, partial). */
void kpi__hatch(cairo_t *cr, double x, double y, double w, double h, kpi__rgb c, double step);

extern const kpi__rgb KPI__INK, KPI__MUTED, KPI__FAINT, KPI__GRID, KPI__WHITE, KPI__RED;

/* ---- times for people (numbers: core/number.h, thresholds: core/threshold.h) ---- */

/* Local time in the zone: "2026-11-16 00:00 UTC" / "2026-11-16 01:00 CET". */
char *kpi__fmt_time(char *buf, size_t size, int64_t t, const char *tz);
/* "Nov 9": the local day of `t` in the zone. */
char *kpi__fmt_day(char *buf, size_t size, int64_t t, const char *tz);
/* "Mon 9 Nov – Sun 15 Nov 2026" for [start, end) in the zone. */
char *kpi__fmt_week_dates(char *buf, size_t size, int64_t start, int64_t end, const char *tz);
/* Nice axis: ticks lo, lo + step, ..., hi with step 1, 2 or 5 x 10^k.
 *
 * Every finite double gives a finite axis: lo, hi and step are in axis
 * units, a value v being v x 10^-e10 there. e10 is 0 for every range that
 * double arithmetic handles plainly (values of magnitude 1e-290 to 1e290),
 * so those axes are computed exactly as they always were; beyond that (the
 * largest doubles, whose span or rounded-up top tick overflows, and the
 * tiniest and subnormal ones, whose steps would underflow) the axis is set
 * in units of a power of ten and its labels say so ("×10³⁰⁸"). */
typedef struct kpi__axis {
	double lo, hi, step; /* axis units */
	int e10;             /* axis unit = 10^e10 */
	int nticks;          /* 2 or more */
	double div;          /* tick labels show (axis units) / div (k, M, ... or 10^-n) */
	const char *suffix;  /* "k", "M", "bn", "tn" or "" */
	int decimals;
	char scale_note[32]; /* "×10⁻⁶" when ticks are scaled by a power of ten */
} kpi__axis;

/* The axis for values in [lo, hi] (either order; non-finite bounds are
 * taken as the largest finite double of their sign, NaN as [0, 1]). */
void kpi__axis_nice(kpi__axis *ax, double lo, double hi, int target_ticks);
/* Tick `i` (0 = bottom) in axis units. */
double kpi__axis_tick(const kpi__axis *ax, int i);
/* A value in axis units. */
double kpi__axis_units(const kpi__axis *ax, double v);
/* Where a value lies on the axis: 0 at lo, 1 at hi (not clamped). */
double kpi__axis_frac(const kpi__axis *ax, double v);
/* The label of a tick, `x` in axis units (kpi__axis_tick()). */
char *kpi__axis_label(char *buf, size_t size, const kpi__axis *ax, double x);
/* (v - lo) / (hi - lo) for any finite doubles with lo < hi, without the
 * overflow of hi - lo (scaled by a power of two: exact where the plain
 * formula does not overflow). */
double kpi__frac(double v, double lo, double hi);
/* a + b, saturated at the largest finite double of its sign. */
double kpi__add_sat(double a, double b);

/* ---- charts ---- */

/* Size of the chart design box (16:9); the PDF page draws it 1:1 in points,
 * the PNG scales it to KPI_RENDER_PNG_WIDTH x KPI_RENDER_PNG_HEIGHT. */
#define KPI__CHART_W 768.0
#define KPI__CHART_H 432.0

/* The KPIs of a snapshot: its catalogue (or, without one, its series), and
 * KPI `i` with its series (NULL when the snapshot did not collect it). */
size_t kpi__kpi_count(const kpi_snapshot *snap);
const kpi_def *kpi__kpi_def(const kpi_snapshot *snap, size_t i, const kpi_series **series);
/* Chart `i`: the i-th KPI of the catalogue that the snapshot collected. */
const kpi_def *kpi__chart_def(const kpi_snapshot *snap, size_t i, const kpi_series **series);

/* Draw the chart of `def` (series may be NULL) with its top-left at (x, y)
 * into r->cr, KPI__CHART_W x KPI__CHART_H units. */
void kpi__chart_draw(kpi__render *r, const kpi_def *def, const kpi_series *s, double x, double y);

/* A sparkline of one label set of `s` in the box (scorecard). */
void kpi__sparkline(kpi__render *r, const kpi_series *s, const kpi_row *key, double x, double y,
                    double w, double h);

#endif
