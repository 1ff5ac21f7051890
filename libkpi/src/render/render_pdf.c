/*
 * The go/no-go pack as a PDF (kpi/render.h); its charts as PNGs are
 * render_png.c's.
 *
 * A4 landscape, Cairo's PDF surface writing into a kpi_buf, every text laid
 * out with Pango (render_text.c) and every chart drawn by render_chart.c.
 * The document is laid out twice: a measuring pass that draws nothing finds
 * where every section starts and how many pages there are ("page 3 of 17",
 * the bookmarks), then the drawing pass. Tables paginate with their header
 * repeated. The metadata dates are the window's as-of instant, never the
 * clock; no link tags (cairo 1.16 writes a broken xref for them).
 */
#include "render/render_int.h"
#include "snapshot/snapshot_provenance.h"
#include "render/render_slo.h"

#include <cairo-pdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 841.89 /* A4 landscape, points */
#define PAGE_H 595.28
#define MARGIN_X ((PAGE_W - KPI__CHART_W) / 2)
#define CONTENT_W KPI__CHART_W
#define CONTENT_TOP 44.0
#define CONTENT_BOTTOM (PAGE_H - 36.0)

enum { SEC_COVER, SEC_SCORECARD, SEC_CHARTS, SEC_SLO, SEC_DRILL, SEC_APPENDIX, NSEC };
static const char *const sec_names[NSEC] = { "Cover", "Scorecard", "Charts", "SLO", "Drill-down", "Appendix" };

typedef struct tcol {
	const char *head;
	double w;
	int align;
} tcol;

typedef struct doc {
	kpi__render *r;
	const kpi_snapshot *snap;
	const kpi_window *w;
	const kpi_verdict *v;       /* the last week's verdict */
	int pages;                  /* pages begun so far */
	int total;                  /* known in the drawing pass */
	bool open;
	int sec;                    /* section of the open page */
	int sec_page[NSEC];
	int *chart_page;            /* per chart */
	int appendix_page[4];       /* A, B, C and E (restatements: 0 when none) */
	tcol sc[7];                 /* the scorecard's columns as fitted (scorecard_fit()) */
	int rc;                     /* KPI_ENOMEM when a table could not be built */
	double y;
	cairo_surface_t *pdf;       /* NULL in the measuring pass */
} doc;

/* ---- page frame ---- */

static void page_end(doc *d)
{
	if (!d->open)
		return;
	if (!d->r->dry)
		cairo_show_page(d->r->cr);
	d->open = false;
}

static void page_begin(doc *d, int sec)
{
	kpi__render *r = d->r;
	cairo_t *cr = r->cr;
	char left[256], right[64], wk[16], sha[16];
	kpi__tstyle hs = kpi__tsw(KPI__F_BOLD, 7.5, KPI__MUTED, CONTENT_W * 0.7, KPI__LEFT);
	kpi__tstyle hr = kpi__tsw(KPI__F_SANS, 7.5, KPI__MUTED, CONTENT_W * 0.28, KPI__RIGHT);

	page_end(d);
	d->open = true;
	d->sec = sec;
	r->page = ++d->pages;
	if (!d->sec_page[sec])
		d->sec_page[sec] = d->pages;
	d->y = CONTENT_TOP;
	snprintf(left, sizeof(left), "Rollout go/no-go pack · %s · %s", kpi_week_format(wk, sizeof(wk), d->w->last),
	         kpi__verdict_shown(d->snap, d->v, false, NULL));
	kpi__text(r, left, MARGIN_X, 18, &hs);
	kpi__text(r, sec == SEC_COVER && d->sec_page[sec] != d->pages ? "Cover (continued)" : sec_names[sec],
	          MARGIN_X + CONTENT_W * 0.72, 18, &hr);
	kpi__set_rgb(cr, KPI__GRID);
	cairo_set_line_width(cr, 0.6);
	cairo_move_to(cr, MARGIN_X, 31);
	cairo_line_to(cr, MARGIN_X + CONTENT_W, 31);
	cairo_move_to(cr, MARGIN_X, PAGE_H - 30);
	cairo_line_to(cr, MARGIN_X + CONTENT_W, PAGE_H - 30);
	cairo_stroke(cr);
	snprintf(sha, sizeof(sha), "%.12s", d->snap->sha256[0] ? d->snap->sha256 : "(unsaved)");
	snprintf(left, sizeof(left), "snapshot %s… · rendered by kpi %s from the snapshot alone", sha, kpi_version());
	hs.font = KPI__F_SANS;
	kpi__text(r, left, MARGIN_X, PAGE_H - 24, &hs);
	if (d->total)
		snprintf(right, sizeof(right), "page %d of %d", d->pages, d->total);
	else
		snprintf(right, sizeof(right), "page %d of 999", d->pages);
	kpi__text(r, right, MARGIN_X + CONTENT_W * 0.72, PAGE_H - 24, &hr);
}

/* Room for `h` more on this page? If not, a new page of the same section. */
static bool need(doc *d, double h)
{
	if (d->y + h <= CONTENT_BOTTOM)
		return false;
	page_begin(d, d->sec);
	return true;
}

static double heading(doc *d, const char *text, double size)
{
	kpi__tstyle st = kpi__tsw(KPI__F_BOLD, size, KPI__INK, CONTENT_W, KPI__LEFT);
	double h = kpi__text(d->r, text, MARGIN_X, d->y, &st);
	d->y += h + size * 0.35;
	return h;
}

static double para(doc *d, const char *text, double size, kpi__rgb col, int font)
{
	kpi__tstyle st = kpi__tsw(font, size, col, CONTENT_W, KPI__LEFT);
	double h;
	st.lines = -1;
	h = kpi__text(d->r, text, MARGIN_X, d->y, &st);
	d->y += h + 4;
	return h;
}

/* ---- tables ---- */

#define CELL_PAD 4.0

static void table_head(doc *d, const tcol *cols, size_t n, double row_h)
{
	kpi__render *r = d->r;
	cairo_t *cr = r->cr;
	double x = MARGIN_X, th;
	kpi__tstyle st = kpi__ts(KPI__F_BOLD, 7.5, KPI__INK);

	kpi__set_rgb(cr, KPI__HEAD_FILL);
	cairo_rectangle(cr, MARGIN_X, d->y, CONTENT_W, row_h);
	cairo_fill(cr);
	th = kpi__line_height(r, st.font, st.size);
	for (size_t i = 0; i < n; i++) {
		st.width = cols[i].w - 2 * CELL_PAD;
		st.align = cols[i].align;
		kpi__text_cell(r, cols[i].head, x + CELL_PAD, d->y + (row_h - th) / 2, &st);
		x += cols[i].w;
	}
	d->y += row_h;
}

/* A plain text cell, vertically centred in a row of height `row_h`. */
static void cell(doc *d, const tcol *c, double x, double row_h, const char *text, int font, double size,
                 kpi__rgb col)
{
	kpi__tstyle st = kpi__tsw(font, size, col, c->w - 2 * CELL_PAD, c->align);
	double th;
	th = kpi__line_height(d->r, st.font, st.size);
	kpi__text_cell(d->r, text, x + CELL_PAD, d->y + (row_h - th) / 2, &st);
}

static void rule_from(doc *d, double x0, double row_h, bool strong)
{
	cairo_t *cr = d->r->cr;
	kpi__set_rgb(cr, strong ? KPI__FAINT : KPI__GRID);
	cairo_set_line_width(cr, strong ? 0.7 : 0.4);
	cairo_move_to(cr, x0, d->y + row_h);
	cairo_line_to(cr, MARGIN_X + CONTENT_W, d->y + row_h);
	cairo_stroke(cr);
}

static void row_rule(doc *d, double row_h, bool strong)
{
	rule_from(d, MARGIN_X, row_h, strong);
}

/* A table row being set cell by cell, left to right. */
typedef struct trow {
	doc *d;
	const tcol *col;            /* the next cell's column */
	double x, h;
} trow;

/* A row of height `h` in the columns `cols`, at the current position. */
static trow row_begin(doc *d, const tcol *cols, double h)
{
	trow t = { d, cols, MARGIN_X, h };
	return t;
}

/* Room for a row of `h` of a table that goes on over pages: where it does
 * not fit, a new page with the heading `cont` (in `cont_size`) and the
 * table's header (`head_h` high). */
static void table_paged(doc *d, const tcol *cols, size_t n, double h, double head_h, const char *cont,
                        double cont_size)
{
	if (need(d, h)) {
		heading(d, cont, cont_size);
		table_head(d, cols, n, head_h);
	}
}

/* table_paged(), then the row. */
static trow row_begin_paged(doc *d, const tcol *cols, size_t n, double h, double head_h, const char *cont,
                            double cont_size)
{
	table_paged(d, cols, n, h, head_h, cont, cont_size);
	return row_begin(d, cols, h);
}

/* Skip the next cell (drawn by the caller): its left edge. */
static double row_skip(trow *t)
{
	double x = t->x;
	t->x += t->col->w;
	t->col++;
	return x;
}

/* The next cell: `text`, "—" for none. */
static void row_cell(trow *t, const char *text, int font, double size, kpi__rgb col)
{
	cell(t->d, t->col, t->x, t->h, text ? text : "—", font, size, col);
	row_skip(t);
}

/* The row's rule under it; the position moves past it. */
static void row_end(trow *t)
{
	row_rule(t->d, t->h, false);
	t->d->y += t->h;
}

/* "… and 3 more uncovered designs not listed." under a list cut at `listed`
 * of `total` (`one`/`many`: the noun). */
static void more_not_listed(doc *d, size_t total, size_t listed, const char *one, const char *many)
{
	char buf[160];
	if (total <= listed)
		return;
	snprintf(buf, sizeof(buf), "… and %zu more %s not listed.", total - listed, total - listed == 1 ? one : many);
	d->y += 3;
	need(d, 14);
	para(d, buf, 8.5, KPI__MUTED, KPI__F_OBLIQUE);
}

static void chip(doc *d, double x, double y, double w, double h, kpi_status s)
{
	kpi__tstyle st = kpi__tsw(KPI__F_BOLD, 6.5, KPI__WHITE, w, KPI__CENTER);
	double th;
	kpi__set_rgb(d->r->cr, kpi__status_color(s));
	kpi__round_rect(d->r->cr, x, y, w, h, h / 2);
	cairo_fill(d->r->cr);
	th = kpi__line_height(d->r, st.font, st.size);
	kpi__text_cell(d->r, kpi__status_chip(s), x, y + (h - th) / 2, &st);
}

static const kpi_def *find_def(const kpi_snapshot *snap, const char *id)
{
	const kpi_def *def = snap->catalog ? kpi_catalog_find(snap->catalog, id) : NULL;
	const kpi_series *s;
	if (def)
		return def;
	s = kpi_result_find(snap->result, id);
	return s ? s->def : NULL;
}

/* "kind=export · path=legacy" from "kind=export,path=legacy"; "—" when none. */
static void labels_text(char *buf, size_t size, const kpi_series *s, const kpi_row *row)
{
	if (!kpi__row_labels_join(buf, size, s, row, " · ")[0])
		snprintf(buf, size, "—");
}

/* ---- cover ---- */

static const char *verdict_sentence(const kpi_snapshot *snap, const kpi_verdict *v, char *buf, size_t size)
{
	size_t nb = 0, nd = 0, nm = 0, o, ng;
	char list[320];
	/* an older GO that did not weigh what was not measured: a hold */
	if ((ng = kpi__go_unweighed(snap, v, list, sizeof(list)))) {
		snprintf(buf, size, "An older kpi decided this week on the rows it read alone: %s, which decide%s the rollout, "
		         "%s not measured, so nobody has seen %s meet %s target. Read it as a hold.", list,
		         ng == 1 ? "s" : "", ng == 1 ? "was" : "were", ng == 1 ? "it" : "them", ng == 1 ? "its" : "their");
		return buf;
	}
	for (size_t i = 0; i < v->nreasons; i++)
		if (v->reasons[i].status == KPI_STATUS_BREACH)
			nb++;
		else if (v->reasons[i].not_measured)
			nm++;
		else
			nd++;
	if (v->verdict == KPI_VERDICT_GO) {
		snprintf(buf, size, "Every measure that decides the rollout was read and meets its target%s.",
		         v->nwaived ? ", or is excused by an approved waiver (below)" : "");
		return buf;
	}
	if (v->verdict == KPI_VERDICT_HOLD) {
		o = (size_t)snprintf(buf, size, "Nothing that decides the rollout misses its target, but");
		if (nm && o < size)
			o += (size_t)snprintf(buf + o, size - o, " %zu %s not measured%s", nm, nm == 1 ? "was" : "were",
			                      nd ? " and" : "");
		if (nd && o < size)
			o += (size_t)snprintf(buf + o, size - o, " %zu %s no data", nd, nd == 1 ? "has" : "have");
		if (o < size)
			snprintf(buf + o, size - o, ": the decision waits for the numbers (or an approved waiver).");
		return buf;
	}
	o = (size_t)snprintf(buf, size, "%zu measure%s that decide%s the rollout miss%s the target.", nb,
	                     nb == 1 ? "" : "s", nb == 1 ? "s" : "", nb == 1 ? "es" : "");
	if ((nd || nm) && o < size)
		o += (size_t)snprintf(buf + o, size - o, " %zu more %s not measured or without data.", nd + nm,
		                      nd + nm == 1 ? "is" : "are");
	if (o < size)
		snprintf(buf + o, size - o, " The rollout does not proceed this week.");
	return buf;
}

static const tcol cover_cols[] = { { "KPI", 290, KPI__LEFT },     { "Labels", 176, KPI__LEFT },
	                           { "Status", 72, KPI__CENTER }, { "Value", 120, KPI__RIGHT },
	                           { "Threshold", 110, KPI__LEFT } };
#define COVER_ROW_H 25.0
#define GATING_ROW_H 17.0

/* A row of the cover's tables: the KPI (title and id), labels, status chip,
 * value and threshold. `threshold` is used when the KPI is not in the
 * catalogue. */
static void status_row(doc *d, double row_h, const char *id, const char *labels, kpi_status st, bool has,
                       double value, const char *threshold)
{
	const kpi_def *def = find_def(d->snap, id);
	const tcol *cols = cover_cols;
	trow row = row_begin(d, cols, row_h);
	char val[96], th[96];
	kpi__tstyle t1 = kpi__tsw(KPI__F_BOLD, 8.5, KPI__INK, cols[0].w - 2 * CELL_PAD, KPI__LEFT);
	kpi__tstyle t2 = kpi__tsw(KPI__F_MONO, 7, KPI__MUTED, cols[0].w - 2 * CELL_PAD, KPI__LEFT);
	double h1, x;

	if (row_h >= COVER_ROW_H) {
		x = row_skip(&row);
		h1 = kpi__text(d->r, def ? def->title : id, x + CELL_PAD, d->y + 2.5, &t1);
		kpi__text(d->r, id, x + CELL_PAD, d->y + 2.5 + h1, &t2);
	} else {
		row_cell(&row, def ? def->title : id, KPI__F_BOLD, 8.5, KPI__INK);
	}
	row_cell(&row, labels, KPI__F_SANS, 8, KPI__INK);
	x = row_skip(&row);
	chip(d, x + (cols[2].w - 56) / 2, d->y + (row_h - 12) / 2, 56, 12, st);
	if (def)
		kpi__fmt_value(val, sizeof(val), has, value, def->unit, KPI__NUM_PEOPLE, &def->threshold);
	else
		kpi__fmt_value(val, sizeof(val), has, value, "", KPI__NUM_PEOPLE, NULL);
	if (has && st == KPI_STATUS_NO_DATA) /* a value from a source that answered in part */
		strncat(val, " (incomplete)", sizeof(val) - strlen(val) - 1);
	row_cell(&row, val, KPI__F_BOLD, 8.5, st == KPI_STATUS_BREACH ? KPI__RED : KPI__INK);
	if (def)
		kpi__threshold_format(th, sizeof(th), &def->threshold, def->unit, KPI__TH_PACK);
	else
		snprintf(th, sizeof(th), "%s", threshold ? threshold : "");
	row_cell(&row, th, KPI__F_SANS, 8.5, KPI__INK);
	row_end(&row);
}

/* The week in plain words (words.c), one bullet each, the cover's lead. */
static void week_words(doc *d)
{
	kpi__tstyle bs = kpi__tsw(KPI__F_SANS, 10, KPI__INK, CONTENT_W - 14, KPI__LEFT);
	kpi__tstyle ds = kpi__ts(KPI__F_BOLD, 10, KPI__INK);
	kpi_error err = KPI_ERROR_INIT;
	char **words = NULL;

	if (kpi_render_week_words(&words, d->snap, &err)) {
		d->rc = d->rc ? d->rc : err.code;
		return;
	}
	bs.lines = -1;
	for (size_t i = 0; words[i]; i++) {
		double h;
		kpi__text_size(d->r, words[i], &bs, NULL, &h);
		need(d, h + 3);
		kpi__text(d->r, "•", MARGIN_X + 2, d->y, &ds);
		d->y += kpi__text(d->r, words[i], MARGIN_X + 14, d->y, &bs) + 3;
	}
	d->y += 8;
	kpi_render_words_free(words);
}

/* The title of a KPI the snapshot did not collect. */
static const char *not_collected_title(const kpi_snapshot *snap, const char *id)
{
	for (size_t i = 0; i < snap->nnot_collected; i++)
		if (strcmp(snap->not_collected[i].kpi, id) == 0)
			return snap->not_collected[i].title;
	return id;
}

/* A grey chip with its own text ("NOT MEASURED", "EXPIRED"). */
static void word_chip(doc *d, double x, double y, double w, double h, const char *text, kpi__rgb fill)
{
	kpi__tstyle st = kpi__tsw(KPI__F_BOLD, 6, KPI__WHITE, w, KPI__CENTER);
	double th;
	kpi__set_rgb(d->r->cr, fill);
	kpi__round_rect(d->r->cr, x, y, w, h, h / 2);
	cairo_fill(d->r->cr);
	th = kpi__line_height(d->r, st.font, st.size);
	kpi__text_cell(d->r, text, x, y + (h - th) / 2, &st);
}

/* A reason row of a KPI that was not measured: title and id, why. */
static void unmeasured_row(doc *d, double row_h, const kpi_reason *re)
{
	const tcol *cols = cover_cols;
	trow row = row_begin(d, cols, row_h);
	kpi__tstyle t1 = kpi__tsw(KPI__F_BOLD, 8.5, KPI__INK, cols[0].w - 2 * CELL_PAD, KPI__LEFT);
	kpi__tstyle t2 = kpi__tsw(KPI__F_MONO, 7, KPI__MUTED, cols[0].w - 2 * CELL_PAD, KPI__LEFT);
	const char *title = not_collected_title(d->snap, re->kpi);
	char why[160];
	double x, h1;

	if (row_h >= COVER_ROW_H) {
		x = row_skip(&row);
		h1 = kpi__text(d->r, title, x + CELL_PAD, d->y + 2.5, &t1);
		kpi__text(d->r, re->kpi, x + CELL_PAD, d->y + 2.5 + h1, &t2);
	} else {
		row_cell(&row, title, KPI__F_BOLD, 8.5, KPI__INK);
	}
	/* the chip says NOT MEASURED; the labels column says why */
	snprintf(why, sizeof(why), "%s", re->not_measured);
	row_cell(&row, why, KPI__F_SANS, 8, KPI__INK);
	x = row_skip(&row);
	word_chip(d, x + (cols[2].w - 64) / 2, d->y + (row_h - 12) / 2, 64, 12, "NOT MEASURED", KPI__MUTED);
	row_cell(&row, "—", KPI__F_BOLD, 8.5, KPI__INK);
	row_cell(&row, *re->threshold ? re->threshold : "—", KPI__F_SANS, 8.5, KPI__INK);
	row_end(&row);
}

static const tcol waiver_cols[] = { { "KPI", 240, KPI__LEFT },         { "Labels", 100, KPI__LEFT },
	                            { "Reason", 194, KPI__LEFT },      { "Approved by", 110, KPI__LEFT },
	                            { "Until", 52, KPI__LEFT },        { "State", 72, KPI__CENTER } };
#define WAIVER_COLS 6

/* The config's waivers in their own box: what each excuses, who approved
 * it, until when, and whether it is in force, excusing nothing this week,
 * or expired (a warning: it no longer excuses anything). */
/* The decision on record and the open action items (render_decision.c),
 * on this page when they fit, else on a "Cover (continued)" page: measured
 * first by drawing them into a group that is thrown away. */
static void decision_box(doc *d)
{
	double hd;

	cairo_push_group(d->r->cr);
	hd = kpi__cover_decision(d->r, d->snap, MARGIN_X, d->y, CONTENT_W);
	cairo_pattern_destroy(cairo_pop_group(d->r->cr));
	if (!hd)
		return;
	need(d, hd + 10);
	d->y += kpi__cover_decision(d->r, d->snap, MARGIN_X, d->y, CONTENT_W) + 10;
}

static void waivers_box(doc *d)
{
	const kpi_snapshot *snap = d->snap;
	const kpi_verdict *v = d->v;
	size_t nexp = 0;
	char buf[512];

	if (snap->format < 3 || !snap->nwaivers)
		return;
	for (size_t i = 0; i < snap->nwaivers; i++)
		nexp += kpi_week_cmp(snap->waivers[i].until, v->week) < 0;
	d->y += 12;
	need(d, 22 + 16 + 17 + (nexp ? 30 : 0));
	snprintf(buf, sizeof(buf), "Waivers (%zu): approved exceptions for measures that could not be read", snap->nwaivers);
	heading(d, buf, 12);
	if (nexp) {
		char wk[16];
		snprintf(buf, sizeof(buf), "Warning: %zu waiver%s expired before %s and no longer excuse%s anything: what "
		         "it covered counts as not measured until it is read or its approver renews the waiver.", nexp,
		         nexp == 1 ? "" : "s", kpi_week_format(wk, sizeof(wk), v->week), nexp == 1 ? "s" : "");
		para(d, buf, 9, KPI__RED, KPI__F_BOLD);
	}
	table_head(d, waiver_cols, WAIVER_COLS, 16);
	for (size_t i = 0; i < snap->nwaivers; i++) {
		const kpi_waiver *w = &snap->waivers[i];
		const kpi_def *def = find_def(snap, w->kpi);
		bool expired = kpi_week_cmp(w->until, v->week) < 0, used = false;
		char lb[256], until[16];
		trow row;
		double x;
		for (size_t k = 0; k < v->nwaived && !used; k++)
			used = v->waived[k].waiver == i;
		row = row_begin_paged(d, waiver_cols, WAIVER_COLS, GATING_ROW_H, 16, "Waivers (continued)", 12);
		snprintf(buf, sizeof(buf), "%s (%s)", def ? def->title : not_collected_title(snap, w->kpi), w->kpi);
		row_cell(&row, buf, KPI__F_BOLD, 8, KPI__INK);
		row_cell(&row, kpi_waiver_labels_format(lb, sizeof(lb), w)[0] ? lb : "all", KPI__F_SANS, 8, KPI__INK);
		row_cell(&row, w->reason, KPI__F_SANS, 8, KPI__INK);
		row_cell(&row, w->approved_by, KPI__F_SANS, 8, KPI__INK);
		row_cell(&row, kpi_week_format(until, sizeof(until), w->until), KPI__F_SANS, 8, expired ? KPI__RED : KPI__INK);
		x = row_skip(&row);
		word_chip(d, x + (waiver_cols[5].w - 60) / 2, d->y + (GATING_ROW_H - 11) / 2, 60, 11,
		          expired ? "EXPIRED" : used ? "IN FORCE" : "NOT NEEDED", expired ? KPI__RED : KPI__MUTED);
		row_end(&row);
	}
}

/* The reasons box of an older GO that did not weigh the gating KPIs its run
 * did not collect: none on record, and those it should have weighed. */
static void unweighed_reasons(doc *d)
{
	const kpi_snapshot *snap = d->snap;
	char none[1] = "";
	para(d, "This older pack weighed only the rows it read. These measures decide the rollout, were "
	     "not measured and were not weighed, so the week waits for them (or an approved waiver):", 9.5, KPI__INK,
	     KPI__F_SANS);
	d->y += 4;
	table_head(d, cover_cols, 5, 16);
	for (size_t i = 0; i < snap->nnot_collected; i++) {
		kpi_reason re = { 0 };
		if (!snap->not_collected[i].gating)
			continue;
		re.kpi = snap->not_collected[i].kpi;
		re.labels = none;
		re.threshold = none;
		re.not_measured = snap->not_collected[i].reason;
		re.status = KPI_STATUS_NO_DATA;
		table_paged(d, cover_cols, 5, COVER_ROW_H, 16, "Reasons behind the verdict (continued)", 12);
		unmeasured_row(d, COVER_ROW_H, &re);
	}
}

static void cover(doc *d)
{
	kpi__render *r = d->r;
	cairo_t *cr = r->cr;
	const kpi_window *w = d->w;
	const kpi_verdict *v = d->v;
	char buf[512], wk[16], a[16], t[48];
	size_t nunweighed;
	kpi__tstyle st;
	kpi_verdict_kind read;
	const char *shown;
	double bx = MARGIN_X, by, bw = 250, bh = 150, fs = 84, tw, th, x2, y2;
	page_begin(d, SEC_COVER);
	st = kpi__tsw(KPI__F_BOLD, 22, KPI__INK, CONTENT_W, KPI__LEFT);
	d->y += kpi__text(r, "Rollout go/no-go pack", MARGIN_X, d->y, &st) + 2;
	snprintf(buf, sizeof(buf), "ISO week %s · %s · time zone %s", kpi_week_format(wk, sizeof(wk), w->last),
	         kpi__fmt_week_dates(t, sizeof(t), w->starts[w->nweeks - 1], w->to, w->tz), w->tz);
	st = kpi__tsw(KPI__F_SANS, 12, KPI__MUTED, CONTENT_W, KPI__LEFT);
	d->y += kpi__text(r, buf, MARGIN_X, d->y, &st) + 10;
	week_words(d);

	/* the verdict */
	by = d->y;
	/* as every other place shows it: an older GO that did not weigh gating
	 * KPIs not measured is HOLD's colour, "GO→HOLD" */
	shown = kpi__verdict_shown(d->snap, v, true, &read);
	kpi__set_rgb(cr, kpi__verdict_color(read));
	kpi__round_rect(cr, bx, by, bw, bh, 10);
	cairo_fill(cr);
	st = kpi__ts(KPI__F_BOLD, fs, KPI__WHITE);
	for (;;) {
		kpi__text_size(r, shown, &st, &tw, &th);
		if (tw <= bw - 24 || st.size <= 20)
			break;
		st.size -= 4;
	}
	kpi__text(r, shown, bx + (bw - tw) / 2, by + (bh - th) / 2 - 6, &st);
	st = kpi__tsw(KPI__F_SANS, 9, KPI__WHITE, bw, KPI__CENTER);
	if (read != v->verdict) /* an older GO read as a hold */
		snprintf(buf, sizeof(buf), "as recorded for %s: read as a hold", wk);
	else
		snprintf(buf, sizeof(buf), "verdict for %s", wk);
	kpi__text(r, buf, bx, by + bh - 22, &st);

	/* beside it: what it means and the facts */
	x2 = bx + bw + 24;
	y2 = by;
	st = kpi__tsw(KPI__F_BOLD, 13, KPI__INK, CONTENT_W - (x2 - MARGIN_X), KPI__LEFT);
	if (read != v->verdict)
		snprintf(buf, sizeof(buf), "Go as recorded for %s, to be read as a hold", wk);
	else
		snprintf(buf, sizeof(buf), "%s for %s", v->verdict == KPI_VERDICT_GO ? "Go" : v->verdict == KPI_VERDICT_HOLD ? "Hold" : "No-go", wk);
	y2 += kpi__text(r, buf, x2, y2, &st) + 3;
	st = kpi__tsw(KPI__F_SANS, 9.5, KPI__INK, CONTENT_W - (x2 - MARGIN_X), KPI__LEFT);
	st.lines = 3;
	y2 += kpi__text(r, verdict_sentence(d->snap, v, buf, sizeof(buf)), x2, y2, &st) + 8;
	{
		const char *keys[7];
		char vals[7][512];
		size_t n = 0, ngating = 0, catalogue;
		kpi__tstyle ks = kpi__tsw(KPI__F_SANS, 8.5, KPI__MUTED, 108, KPI__LEFT);
		kpi__tstyle vs = kpi__tsw(KPI__F_SANS, 8.5, KPI__INK, CONTENT_W - (x2 - MARGIN_X) - 112, KPI__LEFT);
		for (size_t i = 0; i < kpi_render_chart_count(d->snap); i++) {
			const kpi_series *s;
			ngating += kpi__chart_def(d->snap, i, &s)->gating;
		}
		keys[n] = "Week";
		snprintf(vals[n++], 512, "%s, %s (%s)", wk, kpi__fmt_week_dates(t, sizeof(t), w->starts[w->nweeks - 1], w->to, w->tz), w->tz);
		keys[n] = "Evaluated as of";
		snprintf(vals[n++], 512, "%s%s", kpi__fmt_time(t, sizeof(t), w->as_of, w->tz),
		         w->partial ? " — partial week: the week is not over, values may still change" : " (end of the week)");
		keys[n] = "Data read";
		kpi__fmt_time(t, sizeof(t), d->snap->result->read_at, w->tz);
		snprintf(vals[n++], 512, "%s", t);
		keys[n] = "Window";
		snprintf(vals[n++], 512, "%d ISO week%s, %s – %s", w->nweeks, w->nweeks == 1 ? "" : "s",
		         kpi_week_format(a, sizeof(a), w->first), wk);
		keys[n] = "KPIs";
		catalogue = kpi__kpi_count(d->snap) + d->snap->nnot_collected;
		if (kpi_render_chart_count(d->snap) < catalogue)
			snprintf(vals[n++], 512, "%zu collected (%zu gating) of the %zu in the catalogue", kpi_render_chart_count(d->snap),
			         ngating, catalogue);
		else
			snprintf(vals[n++], 512, "%zu, of which %zu gating", catalogue, ngating);
		/* what the run left out, and so what the verdict cannot have weighed */
		if (kpi__snapshot_not_collected(vals[n], 512, d->snap, false, true)) {
			/* the three lines it is drawn in hold whole names: fewer of
			 * them, and how many more, until it fits (never one cut) */
			kpi__tstyle all = vs, three = vs;
			double h_all, h_three;
			all.lines = -1;
			three.lines = 3;
			for (size_t m = d->snap->nnot_collected; m > 0; m--) {
				kpi__snapshot_not_collected_max(vals[n], 512, d->snap, false, true, m);
				kpi__text_size(r, vals[n], &all, NULL, &h_all);
				kpi__text_size(r, vals[n], &three, NULL, &h_three);
				if (strlen(vals[n]) < 511 && h_all <= h_three + 0.5)
					break;
				if (m == 1)
					kpi__snapshot_not_collected_max(vals[n], 512, d->snap, false, true, 0);
			}
			keys[n++] = "Not collected";
		}
		keys[n] = "Snapshot";
		snprintf(vals[n++], 512, "sha256 %.16s…", d->snap->sha256[0] ? d->snap->sha256 : "(not saved)");
		vs.lines = 3;
		for (size_t i = 0; i < n; i++) {
			double h1 = kpi__text(r, keys[i], x2, y2, &ks);
			double h2 = kpi__text(r, vals[i], x2 + 112, y2, &vs);
			y2 += fmax(h1, h2) + 2;
		}
	}
	d->y = fmax(by + bh, y2) + 14;

	/* the verdicts of the window's last weeks */
	{
		int n = w->nweeks < 13 ? w->nweeks : 13, first = w->nweeks - n;
		double cw = (CONTENT_W - 110) / 13.0, cx = MARGIN_X + 110;
		kpi__tstyle ks = kpi__tsw(KPI__F_BOLD, 8.5, KPI__INK, 105, KPI__LEFT);
		kpi__tstyle cs = kpi__tsw(KPI__F_BOLD, 7, KPI__WHITE, cw - 4, KPI__CENTER);
		kpi__tstyle ws = kpi__tsw(KPI__F_SANS, 7, KPI__MUTED, cw - 4, KPI__CENTER);
		double ch;
		ch = kpi__line_height(r, cs.font, cs.size);
		kpi__text(r, n < w->nweeks ? "Last 13 verdicts" : "Verdicts by week", MARGIN_X, d->y + 2, &ks);
		for (int i = 0; i < n; i++) {
			const kpi_verdict *vi = &d->snap->verdicts[first + i];
			/* a week's GO the older run did not weigh reads as a hold, as the cover says */
			char lbl[16];
			shown = kpi__verdict_shown(d->snap, vi, true, &read);
			kpi__set_rgb(cr, kpi__verdict_color(read));
			kpi__round_rect(cr, cx + i * cw + 2, d->y, cw - 4, ch + 6, 3);
			cairo_fill(cr);
			kpi__text(r, shown, cx + i * cw + 2, d->y + 3, &cs);
			snprintf(lbl, sizeof(lbl), "W%02d", vi->week.week);
			/* a verdict restated since its pack: marked (Appendix E) */
			for (size_t k = 0; d->snap->format >= 4 && d->snap->restatements &&
			                   k < d->snap->restatements->nverdicts; k++)
				if (kpi_week_cmp(d->snap->restatements->verdicts[k].week, vi->week) == 0)
					snprintf(lbl, sizeof(lbl), "W%02d ↻", vi->week.week);
			kpi__text(r, lbl, cx + i * cw + 2, d->y + ch + 8, &ws);
		}
		d->y += 2 * ch + 22;
	}
	decision_box(d);

	/* every reason */
	if ((nunweighed = kpi__go_unweighed(d->snap, v, NULL, 0)))
		snprintf(buf, sizeof(buf), "Reasons behind the verdict (none on record, %zu not weighed)", nunweighed);
	else
		snprintf(buf, sizeof(buf), "Reasons behind the verdict (%zu)", v->nreasons);
	heading(d, buf, 12);
	if (nunweighed) {
		unweighed_reasons(d);
	} else if (!v->nreasons) {
		/* a waiver excuses a measure not read: not "every measure was read" */
		if (v->nwaived)
			snprintf(buf, sizeof(buf), "None: every measure that decides the rollout was read and meets its target "
			         "this week, or is excused by an approved waiver (%zu excused, below).", v->nwaived);
		else
			snprintf(buf, sizeof(buf), "None: every measure that decides the rollout was read and meets its target "
			         "this week.");
		para(d, buf, 9.5, KPI__INK, KPI__F_SANS);
	} else {
		/* many reasons: one line each, so they take fewer pages */
		double rh = v->nreasons > 8 ? GATING_ROW_H : COVER_ROW_H;
		table_head(d, cover_cols, 5, 16);
		for (size_t i = 0; i < v->nreasons; i++) {
			const kpi_reason *re = &v->reasons[i];
			table_paged(d, cover_cols, 5, rh, 16, "Reasons behind the verdict (continued)", 12);
			if (re->not_measured)
				unmeasured_row(d, rh, re);
			else
				status_row(d, rh, re->kpi, *re->labels ? re->labels : "—", re->status, re->has_value,
				           re->value, re->threshold);
		}
	}
	waivers_box(d);
	/* the gating KPIs of the week at a glance, when the cover has room for them */
	{
		size_t n = kpi__kpi_count(d->snap), rows = 0;
		const kpi_row *last;
		for (size_t i = 0; i < n; i++) {
			const kpi_series *s;
			const kpi_def *def = kpi__kpi_def(d->snap, i, &s);
			for (size_t k = 0; def->gating && s && k < s->nrows; k++)
				rows += s->rows[k].period_start == w->starts[w->nweeks - 1];
		}
		if (!rows || d->pages != d->sec_page[SEC_COVER] ||
		    d->y + 14 + 22 + 16 + (double)rows * GATING_ROW_H > CONTENT_BOTTOM)
			return;
		d->y += 14;
		snprintf(buf, sizeof(buf), "Gating KPIs in %s", wk);
		heading(d, buf, 12);
		table_head(d, cover_cols, 5, 16);
		for (size_t i = 0; i < n; i++) {
			const kpi_series *s;
			const kpi_def *def = kpi__kpi_def(d->snap, i, &s);
			for (size_t k = 0; def->gating && s && k < s->nrows; k++) {
				char lb[256];
				last = &s->rows[k];
				if (last->period_start != w->starts[w->nweeks - 1])
					continue;
				labels_text(lb, sizeof(lb), s, last);
				status_row(d, GATING_ROW_H, def->id, lb, last->status, last->has_value, last->value, NULL);
			}
		}
	}
}

/* ---- scorecard ---- */

/* Is a change from `prev` to `last` better (1), worse (-1) or neither (0)
 * for the KPI's threshold direction? */
static int delta_sense(const kpi_threshold *th, double prev, double last)
{
	switch (th->op) {
	case KPI_OP_GE:
	case KPI_OP_GT: return last > prev ? 1 : last < prev ? -1 : 0;
	case KPI_OP_LE:
	case KPI_OP_LT: return last < prev ? 1 : last > prev ? -1 : 0;
	case KPI_OP_EQ: {
		/* halves: the distance between the largest doubles overflows */
		double a = fabs(prev / 2 - th->target / 2), b = fabs(last / 2 - th->target / 2);
		return b < a ? 1 : b > a ? -1 : 0;
	}
	default: return 0;
	}
}

/* The scorecard's columns at their widest: KPI, Labels, Value, Threshold,
 * Status, Δ week, Trend. The labels, value, threshold and change columns
 * are narrowed to what their texts need (scorecard_fit()), and the KPI's
 * name gets the room they leave. */
static const tcol sc_cols[] = {
	{ "KPI", 176, KPI__LEFT },      { "Labels", 172, KPI__LEFT },   { "Value", 104, KPI__RIGHT },
	{ "Threshold", 64, KPI__LEFT }, { "Status", 58, KPI__CENTER },  { "Δ week", 88, KPI__RIGHT },
	{ "Trend", 106, KPI__LEFT },
};
#define SC_NCOLS (sizeof(sc_cols) / sizeof(sc_cols[0]))
#define SC_ROW_H 14.0

/* The scorecard's footnote: how to read it, and the catalogue KPIs the
 * snapshot did not collect (named here rather than as empty rows). */
static double scorecard_foot(doc *d, bool draw)
{
	char buf[4096], a[16], b[16], p[16], t[48];
	size_t o, n = kpi__kpi_count(d->snap), nmiss = 0;
	kpi__tstyle st = kpi__tsw(KPI__F_SANS, 7, KPI__MUTED, CONTENT_W, KPI__LEFT);
	double h;
	st.lines = 3;
	snprintf(buf, sizeof(buf),
	         "Δ week: change against %s (↑ rise, ↓ fall; green = better and red = worse for the KPI's threshold "
	         "direction, grey = no threshold; none when either week has no value). Trend: %s – %s, gaps = no "
	         "data, red dots = breach, dashed red = target, last dot coloured by status.%s%s "
	         "† incomplete: the source answered only in part.",
	         d->w->nweeks > 1 ? kpi_week_format(p, sizeof(p), kpi_week_add(d->w->last, -1)) : "the previous week",
	         kpi_week_format(a, sizeof(a), d->w->first), kpi_week_format(b, sizeof(b), d->w->last),
	         d->w->partial ? " * partial week, as of " : "",
	         d->w->partial ? kpi__fmt_time(t, sizeof(t), d->w->as_of, d->w->tz) : "");
	o = strlen(buf);
	for (size_t i = 0; i < n && o < sizeof(buf); i++) {
		const kpi_series *s;
		const kpi_def *def = kpi__kpi_def(d->snap, i, &s);
		if (s)
			continue;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s (%s)",
		                      nmiss++ ? "; " : " Not collected in this snapshot (not configured for this site: no rows, no chart): ",
		                      def->title, def->id);
	}
	if (nmiss && o < sizeof(buf))
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, ".");
	if (d->snap->nnot_collected && o + 32 < sizeof(buf)) {
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " Not collected by the run (no rows, no chart): ");
		kpi__snapshot_not_collected(buf + o, sizeof(buf) - o, d->snap, false, false);
		o = strlen(buf);
		if (o + 1 < sizeof(buf))
			snprintf(buf + o, sizeof(buf) - o, ".");
	}
	st.lines = 5;
	kpi__text_size(d->r, buf, &st, NULL, &h);
	if (draw)
		kpi__text(d->r, buf, MARGIN_X, CONTENT_BOTTOM - h, &st);
	return h;
}

static void scorecard_page(doc *d, bool first)
{
	char buf[128], wk[16], p[16];
	if (!first)
		page_begin(d, SEC_SCORECARD);
	snprintf(buf, sizeof(buf), "Scorecard — %s%s", kpi_week_format(wk, sizeof(wk), d->w->last),
	         first ? "" : " (continued)");
	heading(d, buf, 15);
	if (first) {
		snprintf(buf, sizeof(buf), "One row per KPI and label set in %s, compared with %s.", wk,
		         d->w->nweeks > 1 ? kpi_week_format(p, sizeof(p), kpi_week_add(d->w->last, -1)) : "no earlier week");
		para(d, buf, 8.5, KPI__MUTED, KPI__F_SANS);
	}
	table_head(d, d->sc, SC_NCOLS, 15);
}

/* A scorecard row: a KPI's last-week row (NULL: the KPI has none) and the
 * rows of its label set by week (for the change and the sparkline). */
typedef struct sc_row {
	const kpi_row *last;
	const kpi_row *const *week;
	const kpi_row *restated;    /* a restatement line of this last-week row's label set (last NULL) */
} sc_row;

/* ---- restatements (snapshot format 4) ---- */

/* Whether restated value `x` is of KPI `s` and the label set of `row`. */
static bool restated_of(const kpi_restated *x, const kpi_series *s, const kpi_row *row)
{
	if (strcmp(x->kpi, s->def->id) != 0 || x->nlabels != s->nlabels)
		return false;
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(x->label_names[i], s->label_names[i]) != 0 ||
		    strcmp(x->label_values[i], row->labels[i] ? row->labels[i] : "") != 0)
			return false;
	return true;
}

/* "2026-W45: 97.1% → 96.4% (pack 2026-W45 said 97.1%)": old → new of a
 * restated value, in the pack's units. */
static char *restated_text(char *buf, size_t size, const kpi_def *def, const kpi_restated *x)
{
	char a[96], b[96], wk[16];
	kpi__fmt_value(a, sizeof(a), x->old_has, x->old_value, def->unit, KPI__NUM_PEOPLE, &def->threshold);
	kpi__fmt_value(b, sizeof(b), x->new_has, x->new_value, def->unit, KPI__NUM_PEOPLE, &def->threshold);
	snprintf(buf, size, "%s: %s → %s (reported in pack %s)", kpi_week_format(wk, sizeof(wk), x->week), a, b, x->pack);
	return buf;
}

/* The scorecard's line for the restatements of one label set: every
 * restated week of it, oldest first; "" when none. */
static char *restated_line(char *buf, size_t size, const kpi_snapshot *snap, const kpi_series *s, const kpi_row *row)
{
	const kpi_restatements *r = snap->format >= 4 ? snap->restatements : NULL;
	size_t o = 0;
	char one[320];
	buf[0] = '\0';
	for (size_t i = 0; r && i < r->nvalues && o + 1 < size; i++)
		if (restated_of(&r->values[i], s, row))
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? "; " : "↻ RESTATED  ",
			                      restated_text(one, sizeof(one), s->def, &r->values[i]));
	return buf;
}

/* The texts of a scorecard row. */
typedef struct sc_texts {
	char labels[256], value[96], threshold[96], delta[128];
	int value_font, delta_font;
	kpi__rgb delta_color;
} sc_texts;

static void scorecard_texts(sc_texts *t, const doc *d, const kpi_def *def, const kpi_series *s, const sc_row *row)
{
	const kpi_row *last = row->last;
	const kpi_row *prev = last && d->w->nweeks > 1 ? row->week[d->w->nweeks - 2] : NULL;
	char dl[96];
	size_t o;

	memset(t, 0, sizeof(*t));
	if (!last) {
		snprintf(t->labels, sizeof(t->labels), "no row in the last week");
		return;
	}
	labels_text(t->labels, sizeof(t->labels), s, last);
	kpi__fmt_value(t->value, sizeof(t->value), last->has_value, last->value, def->unit, KPI__NUM_PEOPLE,
	               &def->threshold);
	o = strlen(t->value);
	if (last->partial && o < sizeof(t->value))
		o += (size_t)snprintf(t->value + o, sizeof(t->value) - o, "*");
	if (last->incomplete && o < sizeof(t->value))
		snprintf(t->value + o, sizeof(t->value) - o, "†");
	t->value_font = last->has_value ? KPI__F_BOLD : KPI__F_OBLIQUE;
	kpi__threshold_format(t->threshold, sizeof(t->threshold), &def->threshold, def->unit, KPI__TH_PACK);
	if (prev && prev->has_value && last->has_value && isfinite(prev->value) && isfinite(last->value)) {
		int sign = last->value > prev->value ? 1 : last->value < prev->value ? -1 : 0;
		int sense = delta_sense(&def->threshold, prev->value, last->value);
		t->delta_color = sense > 0 ? kpi__status_color(KPI_STATUS_OK) : sense < 0 ? KPI__RED : KPI__MUTED;
		kpi__fmt_delta(dl, sizeof(dl), prev->value, last->value, def->unit);
		snprintf(t->delta, sizeof(t->delta), "%s %s", sign > 0 ? "↑" : sign < 0 ? "↓" : "→", dl);
		t->delta_font = KPI__F_BOLD;
	} else {
		snprintf(t->delta, sizeof(t->delta), "—");
		t->delta_font = KPI__F_SANS;
		t->delta_color = KPI__FAINT;
	}
}

/* The scorecard rows of a collected KPI: its last-week rows in their order,
 * each with its label set's weeks (`ls`, built here: release it after
 * use); a KPI without one gets one row {NULL} that says so. Linear in the
 * rows. Returns how many; 0 when out of memory (d->rc set). */
static size_t scorecard_rows(doc *d, const kpi_series *s, kpi__lsets *ls, sc_row **out)
{
	size_t nr = 0;
	sc_row *rows;

	*out = NULL;
	if (kpi__lsets_build(ls, s, d->w) != 0 || !(rows = calloc(2 * s->nrows + 1, sizeof(*rows)))) {
		d->rc = KPI_ENOMEM;
		return 0;
	}
	for (size_t k = 0; k < s->nrows; k++)
		if (s->rows[k].period_start == d->w->starts[d->w->nweeks - 1] && ls->of_row[k] != SIZE_MAX) {
			char line[8];
			rows[nr].last = &s->rows[k];
			rows[nr++].week = ls->set[ls->of_row[k]].week;
			/* its label set restated: a line under it */
			if (restated_line(line, sizeof(line), d->snap, s, &s->rows[k])[0])
				rows[nr++] = (sc_row){ NULL, NULL, &s->rows[k] };
		}
	if (!nr)
		rows[nr++] = (sc_row){ NULL, NULL, NULL };
	*out = rows;
	return nr;
}

/* Fit the scorecard's columns (d->sc): the labels, value, threshold and
 * change columns as wide as their widest text (and header) needs, at most
 * their sc_cols width (beyond it a text is ellipsized, as before); the KPI
 * names get what they leave, measured with Pango like every text. */
static void scorecard_fit(doc *d)
{
	static const int fitted[] = { 1, 2, 3, 5 };
	double need[SC_NCOLS] = { 0 }, w, spare = 0;
	size_t n = kpi__kpi_count(d->snap);
	kpi__tstyle head = kpi__ts(KPI__F_BOLD, 7.5, KPI__INK);

	memcpy(d->sc, sc_cols, sizeof(d->sc));
	for (size_t c = 0; c < sizeof(fitted) / sizeof(fitted[0]); c++) {
		kpi__text_size(d->r, sc_cols[fitted[c]].head, &head, &w, NULL);
		need[fitted[c]] = w;
	}
	for (size_t i = 0; i < n; i++) {
		const kpi_series *s;
		const kpi_def *def = kpi__kpi_def(d->snap, i, &s);
		sc_row *rows;
		kpi__lsets ls;
		size_t nr;
		if (!s)
			continue;
		nr = scorecard_rows(d, s, &ls, &rows);
		for (size_t k = 0; k < nr; k++) {
			sc_texts t;
			kpi__tstyle st = kpi__ts(rows[k].last ? KPI__F_COND : KPI__F_OBLIQUE, 8, KPI__INK);
			if (rows[k].restated)
				continue; /* spans the columns, ellipsized */
			scorecard_texts(&t, d, def, s, &rows[k]);
			kpi__text_size(d->r, t.labels, &st, &w, NULL);
			need[1] = fmax(need[1], w);
			if (!rows[k].last)
				continue;
			st.font = t.value_font;
			kpi__text_size(d->r, t.value, &st, &w, NULL);
			need[2] = fmax(need[2], w);
			st.font = KPI__F_SANS;
			kpi__text_size(d->r, t.threshold, &st, &w, NULL);
			need[3] = fmax(need[3], w);
			st.font = t.delta_font;
			kpi__text_size(d->r, t.delta, &st, &w, NULL);
			need[5] = fmax(need[5], w);
		}
		free(rows);
		kpi__lsets_release(&ls);
	}
	for (size_t c = 0; c < sizeof(fitted) / sizeof(fitted[0]); c++) {
		tcol *col = &d->sc[fitted[c]];
		/* a point to spare against rounding, so nothing fitted is ellipsized */
		double want = ceil(need[fitted[c]] + 2 * CELL_PAD + 1);
		if (want < col->w) {
			spare += col->w - want;
			col->w = want;
		}
	}
	d->sc[0].w += spare;
}

/* One scorecard row; `title` is drawn over `title_lines` rows (0: none). */
static void scorecard_row(doc *d, const kpi_def *def, const kpi_series *s, const sc_row *sr, int title_lines)
{
	const tcol *sc = d->sc;
	const kpi_row *last = sr->last;
	double x, row_h = SC_ROW_H;
	trow row = row_begin(d, sc, row_h);
	sc_texts t;

	if (sr->restated) {
		/* an amber band under the row: what earlier packs said, at a glance */
		char line[2048];
		kpi__tstyle st = kpi__tsw(KPI__F_BOLD, 7.5, KPI__INK, CONTENT_W - sc[0].w - 2 * CELL_PAD, KPI__LEFT);
		x = MARGIN_X + sc[0].w;
		restated_line(line, sizeof(line), d->snap, s, sr->restated);
		kpi__set_rgb(d->r->cr, KPI__HOLD_AMBER);
		cairo_rectangle(d->r->cr, x + 1, d->y + 1.5, CONTENT_W - sc[0].w - 2, row_h - 3);
		cairo_fill(d->r->cr);
		st.color = KPI__WHITE;
		kpi__text(d->r, line, x + CELL_PAD, d->y + (row_h - kpi__line_height(d->r, st.font, st.size)) / 2, &st);
		rule_from(d, MARGIN_X + sc[0].w, row_h, false);
		d->y += row_h;
		return;
	}
	scorecard_texts(&t, d, def, s, sr);
	x = row_skip(&row);
	if (title_lines) {
		kpi__tstyle st = kpi__tsw(KPI__F_BOLD, 8, KPI__INK, sc[0].w - 2 * CELL_PAD, KPI__LEFT);
		double th;
		st.lines = title_lines;
		th = kpi__line_height(d->r, st.font, st.size);
		kpi__text(d->r, def->title, x + CELL_PAD, d->y + (row_h - th) / 2, &st);
	}
	if (!last) {
		row_cell(&row, t.labels, KPI__F_OBLIQUE, 8, KPI__MUTED);
	} else {
		row_cell(&row, t.labels, KPI__F_COND, 8, KPI__INK);
		row_cell(&row, t.value, t.value_font, 8, last->has_value ? KPI__INK : KPI__MUTED);
		row_cell(&row, t.threshold, KPI__F_SANS, 8, def->threshold.op == KPI_OP_NONE ? KPI__MUTED : KPI__INK);
		x = row_skip(&row);
		chip(d, x + (sc[4].w - 50) / 2, d->y + (row_h - 10) / 2, 50, 10, last->status);
		row_cell(&row, t.delta, t.delta_font, 8, t.delta_color);
		x = row_skip(&row);
		kpi__sparkline(d->r, s, sr->week, x + CELL_PAD, d->y + 2.5, sc[6].w - 2 * CELL_PAD, row_h - 5);
	}
	/* the rule leaves the title's column to a title over two rows */
	rule_from(d, MARGIN_X + sc[0].w, row_h, false);
	d->y += row_h;
}

static void scorecard(doc *d)
{
	double foot;
	size_t n = kpi__kpi_count(d->snap);

	page_begin(d, SEC_SCORECARD);
	scorecard_fit(d);
	foot = scorecard_foot(d, false) + 6;
	scorecard_page(d, true);
	for (size_t i = 0; i < n; i++) {
		const kpi_series *s;
		const kpi_def *def = kpi__kpi_def(d->snap, i, &s);
		sc_row *rows;
		kpi__lsets ls;
		size_t nr, done = 0;
		if (!s)
			continue; /* not collected: named in the footnote */
		nr = scorecard_rows(d, s, &ls, &rows);
		while (done < nr) {
			int fit = (int)floor((CONTENT_BOTTOM - foot - d->y) / SC_ROW_H), lines;
			if (fit < 1) {
				scorecard_foot(d, true);
				scorecard_page(d, false);
				continue;
			}
			/* the title over up to two rows of its group on this page */
			lines = nr - done >= 2 && fit >= 2 ? 2 : 1;
			if (done == 0 && d->y > CONTENT_TOP + 60)
				row_rule(d, -0.2, true);
			for (int k = 0; k < fit && done < nr; k++, done++)
				scorecard_row(d, def, s, &rows[done], k == 0 ? lines : 0);
		}
		free(rows);
		kpi__lsets_release(&ls);
	}
	scorecard_foot(d, true);
}

/* ---- charts ---- */

static void charts(doc *d)
{
	size_t n = kpi_render_chart_count(d->snap);
	for (size_t i = 0; i < n; i++) {
		const kpi_series *s;
		const kpi_def *def = kpi__chart_def(d->snap, i, &s);
		char buf[2048];
		kpi__tstyle st = kpi__tsw(KPI__F_SANS, 8.5, KPI__MUTED, CONTENT_W, KPI__LEFT);
		page_begin(d, SEC_CHARTS);
		d->chart_page[i] = d->pages;
		if (!d->r->dry)
			kpi__chart_draw(d->r, def, s, MARGIN_X, 38);
		st.lines = 5;
		snprintf(buf, sizeof(buf), "What it measures: %s", def->description ? def->description : "(no description in the catalogue)");
		kpi__text(d->r, buf, MARGIN_X, 38 + KPI__CHART_H + 12, &st);
	}
}

/* ---- the SLO page (snapshot "slo"; render/render_slo.c draws its charts) ---- */

static const tcol slo_cols[] = { { "Service", 118, KPI__LEFT },        { "Availability", 64, KPI__RIGHT },
	                         { "Budget left", 58, KPI__RIGHT },     { "Bad / allowed requests", 117, KPI__RIGHT },
	                         { "Page 1 h / 5 min > 14.4×", 137, KPI__LEFT },
	                         { "Page 6 h / 30 min > 6×", 137, KPI__LEFT },
	                         { "Ticket 3 d / 6 h > 1×", 137, KPI__LEFT } };

static void slo_row(doc *d, const kpi_slo_objective *o, const kpi_slo_service *s)
{
	trow row = row_begin_paged(d, slo_cols, 7, 15, 15, "SLO (continued)", 11);
	double e = s->day_errors[o->ndays - 1], q = s->day_requests[o->ndays - 1], left;
	char buf[128], a[48], b[48];

	row_cell(&row, s->labels[0], KPI__F_SANS, 8, KPI__INK);
	snprintf(buf, sizeof(buf), "%.3f %%", s->day_availability[o->ndays - 1]);
	row_cell(&row, isnan(s->day_availability[o->ndays - 1]) ? NULL : buf, KPI__F_SANS, 8,
	         s->day_availability[o->ndays - 1] < o->objective ? KPI__RED : KPI__INK);
	/* red when below zero as shown: a hair below it is "0.0 %" (kpi__fmt_fixed never writes "−0.0") */
	left = round(s->day_budget[o->ndays - 1] * 10) / 10;
	snprintf(buf, sizeof(buf), "%s %%", kpi__fmt_fixed(a, sizeof(a), left, 1));
	row_cell(&row, isnan(left) ? NULL : buf, KPI__F_BOLD, 8, left < 0 ? KPI__RED : KPI__INK);
	snprintf(buf, sizeof(buf), "%s / %s", kpi__fmt_num(a, sizeof(a), e, KPI__NUM_PEOPLE),
	         kpi__fmt_num(b, sizeof(b), q * (1 - o->objective / 100), KPI__NUM_PEOPLE));
	row_cell(&row, isnan(q) || !(q > 0) ? NULL : buf, KPI__F_SANS, 8, KPI__INK);
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++)
		row_cell(&row, kpi__slo_alert_text(buf, sizeof(buf), s, k), s->alerts[k].firing ? KPI__F_BOLD : KPI__F_SANS, 8,
		         s->alerts[k].firing ? (k < 2 ? KPI__RED : KPI__HOLD_AMBER) : KPI__INK);
	row_end(&row);
}

static void slo(doc *d)
{
	const kpi_slo_page *p = d->snap->slo;
	const double chart_h = 236;
	char buf[1024], t[48], t5[48], title[256], pct[32], span[32];

	for (size_t i = 0; p && i < p->nobjectives; i++) {
		const kpi_slo_objective *o = &p->objectives[i];
		page_begin(d, SEC_SLO);
		snprintf(buf, sizeof(buf), "SLO — %s", kpi__slo_title(title, sizeof(title), o));
		heading(d, buf, 15);
		if (kpi__slo_unmeasured(buf, sizeof(buf), o, d->w->tz)) {
			para(d, buf, 10, KPI__INK, KPI__F_BOLD);
			continue;
		}
		snprintf(buf, sizeof(buf), "As of %s (windows up to 6 h end at %s, longer ones at the hour). Error budget: "
		         "%s %% of the requests over %s. Counts: %s (%s). ▲: the window's burn rate is above the alert's "
		         "factor; an alert fires when both of its windows are.",
		         kpi__fmt_time(t, sizeof(t), o->as_of_hour, d->w->tz), kpi__fmt_time(t5, sizeof(t5), o->as_of_5m, d->w->tz) + 11,
		         kpi__fmt_num(pct, sizeof(pct), 100 - o->objective, KPI__NUM_PEOPLE), kpi__slo_span(span, sizeof(span), o->window),
		         o->query, o->counts);
		para(d, buf, 8.5, KPI__MUTED, KPI__F_SANS);
		table_head(d, slo_cols, 7, 15);
		for (size_t k = 0; k < o->nservices; k++)
			slo_row(d, o, &o->services[k]);
		if (kpi__slo_left_out(buf, sizeof(buf), o)) {
			d->y += 4;
			para(d, buf, 9, KPI__RED, KPI__F_BOLD);
		}
		d->y += 8;
		need(d, chart_h + 24);
		d->y += kpi__slo_budget_chart(d->r, o, d->w->tz, MARGIN_X, d->y, CONTENT_W, chart_h) + chart_h + 8;
		for (size_t k = 0; k < o->nservices; k++) {
			need(d, chart_h);
			kpi__slo_burn_chart(d->r, o, &o->services[k], d->w->tz, MARGIN_X, d->y, CONTENT_W, chart_h);
			d->y += chart_h + 8;
		}
	}
}

/* ---- drill-down ---- */

static void drill(doc *d)
{
	const kpi_snapshot *snap = d->snap;
	char buf[512], t[48], wk[16], why[320];
	const char *unread;
	static const tcol uc[] = { { "#", 30, KPI__RIGHT },          { "Design", 90, KPI__RIGHT },
		                   { "Tenant", 170, KPI__LEFT },     { "Style", 170, KPI__LEFT },
		                   { "Revision", 60, KPI__RIGHT },   { "Revision created", 150, KPI__LEFT },
		                   { "Age (days)", 98, KPI__RIGHT } };
	static const tcol mc[] = { { "Decided at", 104, KPI__LEFT },  { "Decision", 56, KPI__RIGHT },
		                   { "Design", 56, KPI__RIGHT },      { "Environment", 70, KPI__LEFT },
		                   { "Tenant", 92, KPI__LEFT },       { "Style", 92, KPI__LEFT },
		                   { "User", 66, KPI__LEFT },         { "Decided by", 62, KPI__LEFT },
		                   { "Metadata → outcome", 110, KPI__LEFT }, { "Migrated", 60, KPI__CENTER } };
	const double row_h = 15;

	unread = kpi__lists_unread(why, sizeof(why), snap);
	page_begin(d, SEC_DRILL);
	snprintf(buf, sizeof(buf), "Drill-down — %s", kpi_week_format(wk, sizeof(wk), d->w->last));
	heading(d, buf, 15);

	snprintf(buf, sizeof(buf), "Oldest uncovered legacy designs as of %s", kpi__fmt_time(t, sizeof(t), d->w->as_of, d->w->tz));
	heading(d, buf, 11);
	if (unread) {
		para(d, unread, 9, KPI__INK, KPI__F_SANS);
	} else if (!snap->nuncovered && !snap->uncovered_total) {
		para(d, "None: every design of the active legacy cohort is covered (migrated, or an unexpired cached export "
		        "of its latest revision exists). There is nothing to backfill.", 9, KPI__INK, KPI__F_SANS);
	} else {
		if (snap->uncovered_total > snap->nuncovered)
			snprintf(buf, sizeof(buf), "The backfill list of the outage playbook: the %zu oldest of %zu uncovered designs "
			         "(latest revision without a valid cached export), oldest first.", snap->nuncovered, snap->uncovered_total);
		else
			snprintf(buf, sizeof(buf), "The backfill list of the outage playbook: all %zu uncovered design%s (latest "
			         "revision without a valid cached export), oldest first.", snap->nuncovered, snap->nuncovered == 1 ? "" : "s");
		para(d, buf, 8.5, KPI__MUTED, KPI__F_SANS);
		table_head(d, uc, 7, 15);
		for (size_t i = 0; i < snap->nuncovered; i++) {
			const kpi_uncovered *u = &snap->uncovered[i];
			trow row = row_begin_paged(d, uc, 7, row_h, 15, "Oldest uncovered legacy designs (continued)", 11);
			snprintf(buf, sizeof(buf), "%zu", i + 1);
			row_cell(&row, buf, KPI__F_SANS, 8, KPI__MUTED);
			snprintf(buf, sizeof(buf), "%lld", (long long)u->design_id);
			row_cell(&row, buf, KPI__F_MONO, 8, KPI__INK);
			row_cell(&row, u->tenant_id, KPI__F_SANS, 8, KPI__INK);
			row_cell(&row, u->style_id, KPI__F_SANS, 8, KPI__INK);
			snprintf(buf, sizeof(buf), "%d", u->revision);
			row_cell(&row, buf, KPI__F_SANS, 8, KPI__INK);
			row_cell(&row, kpi__fmt_time(t, sizeof(t), u->revision_at, d->w->tz), KPI__F_SANS, 8, KPI__INK);
			/* uncovered for under 0.05 days reads "< 0.1", never "0.0" */
			if (u->age_days > 0 && u->age_days < 0.05)
				snprintf(buf, sizeof(buf), "< 0.1");
			else
				snprintf(buf, sizeof(buf), "%.1f", u->age_days);
			row_cell(&row, buf, KPI__F_BOLD, 8, u->age_days > 7 ? KPI__RED : KPI__INK);
			row_end(&row);
		}
		more_not_listed(d, snap->uncovered_total, snap->nuncovered, "uncovered design", "uncovered designs");
	}
	d->y += 12;
	need(d, 60);
	snprintf(buf, sizeof(buf), "Critical routing mismatches in %s", wk);
	heading(d, buf, 11);
	if (unread) {
		para(d, unread, 9, KPI__INK, KPI__F_SANS);
		return;
	}
	if (!snap->nmismatches && !snap->mismatches_total) {
		snprintf(buf, sizeof(buf), "None: no routing decision in %s sent a design to a provider other than its metadata "
		         "(servable legacy → owned routes of migrated designs are not critical).", wk);
		para(d, buf, 9, KPI__INK, KPI__F_SANS);
		return;
	}
	if (snap->mismatches_total > snap->nmismatches)
		snprintf(buf, sizeof(buf), "%zu critical mismatches in the week; the %zu newest are listed.", snap->mismatches_total,
		         snap->nmismatches);
	else
		snprintf(buf, sizeof(buf), "%zu critical mismatch%s in the week, newest first.", snap->nmismatches,
		         snap->nmismatches == 1 ? "" : "es");
	para(d, buf, 8.5, KPI__MUTED, KPI__F_SANS);
	table_head(d, mc, 10, 15);
	for (size_t i = 0; i < snap->nmismatches; i++) {
		const kpi_mismatch *m = &snap->mismatches[i];
		trow row = row_begin_paged(d, mc, 10, row_h, 15, "Critical routing mismatches (continued)", 11);
		row_cell(&row, kpi__fmt_time(t, sizeof(t), m->decided_at, d->w->tz), KPI__F_SANS, 7.5, KPI__INK);
		snprintf(buf, sizeof(buf), "%lld", (long long)m->id);
		row_cell(&row, buf, KPI__F_MONO, 7.5, KPI__INK);
		snprintf(buf, sizeof(buf), "%lld", (long long)m->design_id);
		row_cell(&row, buf, KPI__F_MONO, 7.5, KPI__INK);
		row_cell(&row, m->environment, KPI__F_SANS, 7.5, KPI__INK);
		row_cell(&row, m->tenant_id, KPI__F_SANS, 7.5, KPI__INK);
		row_cell(&row, m->style_id, KPI__F_SANS, 7.5, KPI__INK);
		row_cell(&row, m->user_id, KPI__F_SANS, 7.5, KPI__INK);
		row_cell(&row, m->decided_by, KPI__F_SANS, 7.5, KPI__INK);
		snprintf(buf, sizeof(buf), "%s → %s", m->provider_metadata ? m->provider_metadata : "?",
		         m->route_outcome ? m->route_outcome : "?");
		row_cell(&row, buf, KPI__F_BOLD, 7.5, KPI__RED);
		row_cell(&row, m->design_migrated ? "yes" : "no", KPI__F_SANS, 7.5, KPI__INK);
		row_end(&row);
	}
	more_not_listed(d, snap->mismatches_total, snap->nmismatches, "critical mismatch", "critical mismatches");
}

/* ---- appendix ---- */

/* A key/value line: the key in a narrow column, the value wrapped. */
static double kv(doc *d, const char *key, const char *val, int font, bool draw)
{
	kpi__tstyle ks = kpi__tsw(KPI__F_SANS, 8, KPI__MUTED, 118, KPI__LEFT);
	kpi__tstyle vs = kpi__tsw(font, font == KPI__F_MONO ? 7.5 : 8.5, KPI__INK, CONTENT_W - 126, KPI__LEFT);
	double h1, h2;
	vs.lines = -1;
	kpi__text_size(d->r, val, &vs, NULL, &h2);
	if (!draw)
		return h2 + 3;
	need(d, h2 + 3); /* never past the page's end: the rest on the next page */
	h1 = kpi__text(d->r, key, MARGIN_X, d->y, &ks);
	h2 = kpi__text(d->r, val, MARGIN_X + 126, d->y, &vs);
	d->y += fmax(h1, h2) + 3;
	return fmax(h1, h2) + 3;
}

static void def_lines(const kpi_def *def, const kpi_series *s, char vals[8][1024], const char *keys[8], int fonts[8],
                      size_t *n)
{
	size_t k = 0, o = 0;
	keys[k] = "Definition";
	fonts[k] = KPI__F_SANS;
	snprintf(vals[k++], 1024, "%s", def->description ? def->description : "(no description in the catalogue)");
	keys[k] = "Threshold";
	fonts[k] = KPI__F_SANS;
	if (def->threshold.op == KPI_OP_NONE)
		snprintf(vals[k++], 1024, "none (informational: status ok whenever there is a value)");
	else
		kpi__threshold_format(vals[k++], 1024, &def->threshold, def->unit, KPI__TH_PACK | KPI__TH_MARGIN);
	keys[k] = "Gating";
	fonts[k] = KPI__F_SANS;
	snprintf(vals[k++], 1024, "%s", def->gating ? "yes: a breach makes the week NO-GO" : "no: informational, never changes the verdict");
	keys[k] = "Missing data";
	fonts[k] = KPI__F_SANS;
	snprintf(vals[k++], 1024, "%s", def->missing == KPI_MISSING_BLOCK
	                                        ? "block: no data on this gating KPI makes the week HOLD"
	                                        : "ignore: no data does not affect the verdict");
	keys[k] = "Measured";
	fonts[k] = KPI__F_SANS;
	snprintf(vals[k++], 1024, "%s, unit %s (%s); source %s%s%s", def->state ? "state as of the week's end" : "flow over the week",
	         def->unit ? def->unit : "", kpi__unit_words(def->unit),
	         kpi_source_title(def->source), def->query ? ", query " : "",
	         def->query ? def->query : "");
	keys[k] = "Labels";
	fonts[k] = KPI__F_SANS;
	vals[k][0] = '\0';
	for (size_t i = 0; i < def->nlabels && o < 1024; i++) {
		o += (size_t)snprintf(vals[k] + o, 1024 - o, "%s%s", i ? "; " : "", def->labels[i].name);
		if (def->labels[i].nvalues) {
			for (size_t j = 0; j < def->labels[i].nvalues && o < 1024; j++)
				o += (size_t)snprintf(vals[k] + o, 1024 - o, "%s%s", j ? ", " : " ∈ {", def->labels[i].values[j]);
			if (o < 1024)
				o += (size_t)snprintf(vals[k] + o, 1024 - o, "}");
		} else if (o < 1024) {
			o += (size_t)snprintf(vals[k] + o, 1024 - o, " (open-ended)");
		}
	}
	if (!def->nlabels)
		snprintf(vals[k], 1024, "none (one value per week)");
	k++;
	keys[k] = "Query SHA-256";
	fonts[k] = KPI__F_MONO;
	snprintf(vals[k++], 1024, "%s", !s ? "(not collected in this snapshot)" : s->query_sha256[0] ? s->query_sha256 : "(no query text recorded)");
	*n = k;
}

static void appendix(doc *d)
{
	kpi__render *r = d->r;
	const kpi_snapshot *snap = d->snap;
	const kpi_window *w = d->w;
	size_t n = kpi__kpi_count(snap);
	char buf[1024], t[48], a[16], b[16];

	page_begin(d, SEC_APPENDIX);
	d->appendix_page[0] = d->pages;
	heading(d, "Appendix A — KPI definitions", 15);
	for (size_t i = 0; i < n; i++) {
		const kpi_series *s;
		const kpi_def *def = kpi__kpi_def(snap, i, &s);
		char vals[8][1024];
		const char *keys[8];
		int fonts[8];
		size_t nl;
		kpi__tstyle ts = kpi__tsw(KPI__F_BOLD, 10, KPI__INK, CONTENT_W, KPI__LEFT);
		kpi__tstyle is = kpi__tsw(KPI__F_MONO, 8, KPI__MUTED, CONTENT_W, KPI__LEFT);
		double th, ih, h;
		ts.lines = -1; /* the whole title, wrapped */
		def_lines(def, s, vals, keys, fonts, &nl);
		kpi__text_size(r, def->title, &ts, NULL, &th);
		kpi__text_size(r, def->id, &is, NULL, &ih);
		h = th + ih + 4;
		for (size_t k = 0; k < nl; k++)
			h += kv(d, keys[k], vals[k], fonts[k], false);
		need(d, h);
		d->y += kpi__text(r, def->title, MARGIN_X, d->y, &ts);
		d->y += kpi__text(r, def->id, MARGIN_X, d->y, &is) + 4;
		for (size_t k = 0; k < nl; k++)
			kv(d, keys[k], vals[k], fonts[k], true);
		d->y += 9;
	}

	/* B: rollout changes */
	{
		static const tcol cc[] = { { "#", 28, KPI__RIGHT },        { "Changed at", 120, KPI__LEFT },
			                   { "Layer", 80, KPI__LEFT },      { "Key", 170, KPI__LEFT },
			                   { "Old → new", 250, KPI__LEFT }, { "Actor", 120, KPI__LEFT } };
		const double row_h = 15;
		page_begin(d, SEC_APPENDIX);
		d->appendix_page[1] = d->pages;
		heading(d, "Appendix B — Rollout changes in the window", 15);
		{
			char t2[48];
			snprintf(buf, sizeof(buf), "Audited flag changes from %s to %s; the numbers are the markers on the charts.",
			         kpi__fmt_time(t, sizeof(t), w->from, w->tz), kpi__fmt_time(t2, sizeof(t2), w->as_of, w->tz));
		}
		para(d, buf, 8.5, KPI__MUTED, KPI__F_SANS);
		if (kpi__lists_unread(buf, sizeof(buf), snap)) {
			para(d, buf, 9, KPI__INK, KPI__F_SANS);
		} else if (!r->nchanges_in) {
			para(d, "None: no rollout change in the window.", 9, KPI__INK, KPI__F_SANS);
		} else {
			table_head(d, cc, 6, 15);
			for (size_t i = 0; i < snap->nchanges; i++) {
				const kpi_change *c = &snap->changes[i];
				trow row;
				if (!r->change_no[i])
					continue;
				row = row_begin_paged(d, cc, 6, row_h, 15, "Appendix B — Rollout changes (continued)", 12);
				snprintf(buf, sizeof(buf), "%d", r->change_no[i]);
				row_cell(&row, buf, KPI__F_BOLD, 8, KPI__INK);
				row_cell(&row, kpi__fmt_time(t, sizeof(t), c->changed_at, w->tz), KPI__F_SANS, 8, KPI__INK);
				row_cell(&row, c->layer, KPI__F_SANS, 8, KPI__INK);
				row_cell(&row, c->key, KPI__F_SANS, 8, KPI__INK);
				snprintf(buf, sizeof(buf), "%s → %s", c->old_value ? c->old_value : "(unset)",
				         c->new_value ? c->new_value : "(removed)");
				row_cell(&row, buf, KPI__F_SANS, 8, KPI__INK);
				row_cell(&row, c->actor, KPI__F_SANS, 8, KPI__INK);
				row_end(&row);
			}
		}
	}

	/* C: provenance */
	d->y += 14;
	need(d, 200);
	d->appendix_page[2] = d->pages;
	heading(d, "Appendix C — Provenance", 15);
	kv(d, "Snapshot SHA-256", snap->sha256[0] ? snap->sha256 : "(the snapshot was not serialised)", KPI__F_MONO, true);
	snprintf(buf, sizeof(buf), "format %d, collected by kpi %s; rendered by kpi %s (cairo %s, pango %s, DejaVu fonts "
	         "from fonts-dejavu-core)", snap->format, snap->tool_version ? snap->tool_version : "(unknown)",
	         kpi_version(), cairo_version_string(), pango_version_string());
	kv(d, "Tool versions", buf, KPI__F_SANS, true);
	if (!snap->nsources)
		kv(d, "Sources", "(none recorded)", KPI__F_SANS, true);
	for (size_t i = 0; i < snap->nsources; i++) {
		snprintf(buf, sizeof(buf), "%s: %s", snap->sources[i].kind ? snap->sources[i].kind : "?",
		         snap->sources[i].where ? snap->sources[i].where : "");
		kv(d, i ? "" : "Sources", buf, KPI__F_SANS, true);
	}
	/* format 4: a hot standby's replay lag ("data as of primary time T,
	 * lag N s"), snapshot/snapshot_provenance.c */
	for (size_t i = 0, k = 0; snap->provenance && i < snap->provenance->nsources; i++) {
		char line[600];
		if (!*kpi__freshness_text(line, sizeof(line), &snap->provenance->sources[i]))
			continue;
		snprintf(buf, sizeof(buf), "%s: %s", snap->provenance->sources[i].source, line);
		kv(d, k++ ? "" : "Freshness", buf, KPI__F_SANS, true);
	}
	{
		char t2[48], t3[48], dates[64];
		snprintf(buf, sizeof(buf), "%d ISO week%s %s – %s (%s), time zone %s", w->nweeks, w->nweeks == 1 ? "" : "s",
		         kpi_week_format(a, sizeof(a), w->first), kpi_week_format(b, sizeof(b), w->last),
		         kpi__fmt_week_dates(dates, sizeof(dates), w->from, w->to, w->tz), w->tz);
		kv(d, "Window", buf, KPI__F_SANS, true);
		snprintf(buf, sizeof(buf), "from %s, to %s (exclusive), as of %s%s", kpi__fmt_time(t, sizeof(t), w->from, w->tz),
		         kpi__fmt_time(t2, sizeof(t2), w->to, w->tz), kpi__fmt_time(t3, sizeof(t3), w->as_of, w->tz),
		         w->partial ? " — the last week is partial" : "");
		kv(d, "Instants", buf, KPI__F_SANS, true);
		snprintf(buf, sizeof(buf), "%s (%s UTC)", kpi__fmt_time(t, sizeof(t), snap->result->read_at, w->tz),
		         kpi_time_format(t2, sizeof(t2), snap->result->read_at));
		if (strcmp(w->tz, "UTC") == 0)
			kpi__fmt_time(buf, sizeof(buf), snap->result->read_at, w->tz);
		kv(d, "Data read", buf, KPI__F_SANS, true);
	}
	kpi__snapshot_not_collected(buf, sizeof(buf), snap, true, false);
	kv(d, "Not collected", buf, KPI__F_SANS, true);
	snprintf(buf, sizeof(buf), "%d days (legacy cohort: a design event within this many days before T)", snap->active_days);
	kv(d, "Active days", buf, KPI__F_SANS, true);
	kv(d, "Catalogue", snap->catalog && snap->catalog->path ? snap->catalog->path : "(not recorded)", KPI__F_SANS, true);
	kv(d, "Reproducing", "kpi render --snapshot snapshot.json renders this pack again from the snapshot alone; the same "
	                     "snapshot and kpi version give the same bytes.", KPI__F_SANS, true);
}

/* D: the words of the pack a non-engineer meets, explained. */
static const char *const glossary[][2] = {
	{ "GO / HOLD / NO-GO", "The verdict of a week. GO: every measure that decides the rollout was read and meets its "
	                       "target (or is excused by a waiver). NO-GO: at least one misses its target; the rollout does "
	                       "not proceed. HOLD: nothing misses its target, but something that decides it was not measured "
	                       "or has no data, so the decision waits." },
	{ "KPI", "Key performance indicator: one measured number of the rollout, each defined in Appendix A." },
	{ "Gating", "A gating KPI decides the verdict; the others are shown for information only." },
	{ "Threshold, target", "The value a KPI must meet (for example at least 99%); a warning margin marks values close to it." },
	{ "Not measured", "The run could not read the KPI at all (its data source is not set up, or could not be read). A "
	                  "gating KPI that is not measured holds the week unless a waiver excuses it." },
	{ "No data", "The KPI was read but the week has no value for it (nothing happened, or the data is incomplete). "
	             "Some KPIs hold the week when they have no data." },
	{ "Waiver", "An explicit, approved, time-boxed exception written in the configuration: who approved it, why, and "
	            "the last week it covers. It excuses a KPI that was not measured or has no data, never one that misses "
	            "its target. After its last week it expires and excuses nothing." },
	{ "p50, p95, p99", "Percentiles: p95 latency is the time within which 95 of 100 jobs or requests finish (5 take "
	                   "longer); p50 is the middle one, p99 all but the slowest 1 in 100." },
	{ "Latency", "How long something takes, from being asked for to being done." },
	{ "Coverage cohort", "The legacy designs in active use (touched within the active days), whose cached copies "
	                     "must exist in case the legacy service fails; coverage is the share of them that is cached." },
	{ "Flag layer", "Where a rollout switch is set: for everyone, a tenant, a style or a single user; the most "
	                "specific layer wins. Routing mismatches are counted by the layer that decided." },
	{ "Routing mismatch", "An export sent down a path other than the one the rollout switches said; a critical one "
	                      "could fail a customer." },
	{ "Drill", "An outage drill: the legacy service is switched off on purpose to check that exports still succeed "
	           "from the cache." },
	{ "Backlog, queue age", "Jobs waiting to start, and how long the oldest of them has waited." },
	{ "Restated", "A number reported in an earlier pack that has changed since (for example, late data arrived)." },
	{ "Snapshot, SHA-256", "All the numbers of this pack were read once and saved; the SHA-256 is a fingerprint of "
	                       "that file, so anyone can check the pack was made from it and nothing else." },
	{ "ISO week", "Weeks numbered Monday to Sunday as ISO 8601 does (2026-W46), in the pack's time zone." },
};

static void glossary_appendix(doc *d)
{
	d->y += 14;
	need(d, 60);
	heading(d, "Appendix D — Glossary", 15);
	para(d, "The words of this pack, for readers who do not work with the system every day.", 8.5, KPI__MUTED,
	     KPI__F_SANS);
	for (size_t i = 0; i < sizeof(glossary) / sizeof(glossary[0]); i++)
		kv(d, glossary[i][0], glossary[i][1], KPI__F_SANS, true);
}

/* E: restatements (snapshot format 4): every value and verdict of an
 * earlier week that differs from what an earlier pack reported. */
static void restatements_appendix(doc *d)
{
	static const tcol vc[] = { { "Week", 62, KPI__LEFT },        { "KPI", 250, KPI__LEFT },
		                   { "Labels", 170, KPI__LEFT },     { "Reported", 96, KPI__RIGHT },
		                   { "Now", 96, KPI__RIGHT },        { "Reported in pack", 94, KPI__LEFT } };
	const kpi_restatements *r = d->snap->format >= 4 ? d->snap->restatements : NULL;
	const double row_h = 15;
	char buf[1024], wk[16];
	size_t o = 0;

	if (!r)
		return;
	page_begin(d, SEC_APPENDIX);
	d->appendix_page[3] = d->pages;
	heading(d, "Appendix E — Restatements", 15);
	for (size_t i = 0; i < r->ncompared && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "", r->compared[i]);
	if (r->ncompared)
		snprintf(buf + o, sizeof(buf) - (o < sizeof(buf) ? o : sizeof(buf) - 1) , ".");
	{
		char text[1400];
		snprintf(text, sizeof(text), "Numbers of earlier weeks that differ from what the latest earlier pack "
		         "reporting the week said (same KPI, labels and week; compared exactly as stored; a value against no "
		         "value counts). %s%s", r->ncompared ? "Compared with the packs " : "No earlier pack in the reports "
		         "directory reported a week of this window.", r->ncompared ? buf : "");
		para(d, text, 8.5, KPI__MUTED, KPI__F_SANS);
	}
	for (size_t i = 0; i < r->nunread; i++) {
		snprintf(buf, sizeof(buf), "Warning: the earlier pack %s could not be read and was not compared: %s",
		         r->unread[i].pack, r->unread[i].reason);
		need(d, 14);
		para(d, buf, 8.5, KPI__RED, KPI__F_BOLD);
	}
	if (r->nverdicts) {
		static const tcol tc[] = { { "Week", 62, KPI__LEFT },     { "Reported", 96, KPI__LEFT },
			                   { "Now", 96, KPI__LEFT },      { "Reported in pack", 94, KPI__LEFT } };
		d->y += 4;
		need(d, 22 + 15 + row_h);
		heading(d, "Verdicts changed", 11);
		table_head(d, tc, 4, 15);
		for (size_t i = 0; i < r->nverdicts; i++) {
			const kpi_restated_verdict *v = &r->verdicts[i];
			trow row = row_begin_paged(d, tc, 4, row_h, 15, "Verdicts changed (continued)", 11);
			row_cell(&row, kpi_week_format(wk, sizeof(wk), v->week), KPI__F_BOLD, 8, KPI__INK);
			row_cell(&row, kpi_verdict_name(v->old_verdict), KPI__F_BOLD, 8, kpi__verdict_color(v->old_verdict));
			row_cell(&row, kpi_verdict_name(v->new_verdict), KPI__F_BOLD, 8, kpi__verdict_color(v->new_verdict));
			row_cell(&row, v->pack, KPI__F_SANS, 8, KPI__INK);
			row_end(&row);
		}
	}
	d->y += 4;
	need(d, 22 + 15 + row_h);
	snprintf(buf, sizeof(buf), "Values restated (%zu)", r->values_total);
	heading(d, buf, 11);
	if (!r->nvalues) {
		para(d, "None: every value of an earlier week is as its pack reported it.", 9, KPI__INK, KPI__F_SANS);
		return;
	}
	table_head(d, vc, 6, 15);
	for (size_t i = 0; i < r->nvalues; i++) {
		const kpi_restated *x = &r->values[i];
		const kpi_def *def = find_def(d->snap, x->kpi);
		trow row = row_begin_paged(d, vc, 6, row_h, 15, "Appendix E — Restatements (continued)", 12);
		char a[96], b[96];
		size_t lo = 0;
		row_cell(&row, kpi_week_format(wk, sizeof(wk), x->week), KPI__F_SANS, 8, KPI__INK);
		snprintf(buf, sizeof(buf), "%s (%s)", def ? def->title : x->kpi, x->kpi);
		row_cell(&row, buf, KPI__F_BOLD, 8, KPI__INK);
		buf[0] = '\0';
		for (size_t k = 0; k < x->nlabels && lo < sizeof(buf); k++)
			lo += (size_t)snprintf(buf + lo, sizeof(buf) - lo, "%s%s=%s", k ? ", " : "", x->label_names[k],
			                       x->label_values[k]);
		row_cell(&row, buf[0] ? buf : "—", KPI__F_COND, 8, KPI__INK);
		if (def) {
			kpi__fmt_value(a, sizeof(a), x->old_has, x->old_value, def->unit, KPI__NUM_PEOPLE, &def->threshold);
			kpi__fmt_value(b, sizeof(b), x->new_has, x->new_value, def->unit, KPI__NUM_PEOPLE, &def->threshold);
		} else {
			kpi_format_number(a, sizeof(a), x->old_has, x->old_value);
			kpi_format_number(b, sizeof(b), x->new_has, x->new_value);
		}
		row_cell(&row, a, KPI__F_SANS, 8, x->old_has ? KPI__INK : KPI__MUTED);
		row_cell(&row, b, KPI__F_BOLD, 8, x->new_has ? KPI__INK : KPI__MUTED);
		row_cell(&row, x->pack, KPI__F_SANS, 8, KPI__INK);
		row_end(&row);
	}
	more_not_listed(d, r->values_total, r->nvalues, "restated value", "restated values");
}

/* ---- the document ---- */

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return kpi_buf_append((kpi_buf *)closure, (const char *)data, len) ? CAIRO_STATUS_WRITE_ERROR
	                                                                    : CAIRO_STATUS_SUCCESS;
}

static void document(doc *d)
{
	cover(d);
	scorecard(d);
	charts(d);
	slo(d);
	drill(d);
	appendix(d);
	glossary_appendix(d);
	restatements_appendix(d);
	page_end(d);
}

int kpi__render_pdf_traced(kpi_buf *out, const kpi_snapshot *snap, kpi__rtrace *trace, kpi_error *err)
{
	kpi__render r;
	doc d;
	cairo_surface_t *dummy = NULL, *pdf = NULL;
	cairo_t *cr = NULL;
	int rc, total;
	size_t n, start;
	char buf[512], wk[16], a[16], date[32];

	if ((rc = kpi__render_check(snap, err)))
		return rc;
	if ((rc = kpi__render_open(&r, snap, err)))
		return rc;
	start = out->len;
	kpi__render_number_changes(&r);
	n = kpi_render_chart_count(snap);
	memset(&d, 0, sizeof(d));
	d.r = &r;
	d.snap = snap;
	d.w = &snap->result->window;
	d.v = &snap->verdicts[d.w->nweeks - 1];
	d.chart_page = calloc(n ? n : 1, sizeof(int));
	if (!d.chart_page) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}

	/* pass 1: measure */
	dummy = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cr = cairo_create(dummy);
	r.cr = cr;
	r.dry = true;
	document(&d);
	total = d.pages;
	if (d.rc) {
		rc = kpi_error_set(err, d.rc, "out of memory");
		goto done;
	}
	cairo_destroy(cr);
	cr = NULL;

	/* pass 2: draw */
	memset(d.sec_page, 0, sizeof(d.sec_page));
	memset(d.appendix_page, 0, sizeof(d.appendix_page));
	d.pages = 0;
	d.total = total;
	d.open = false;
	pdf = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	kpi_week_format(wk, sizeof(wk), d.w->last);
	snprintf(buf, sizeof(buf), "Rollout go/no-go pack %s — %s", wk, kpi__verdict_shown(d.snap, d.v, false, NULL));
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, buf);
	snprintf(buf, sizeof(buf), "KPI governance pack for ISO week %s (%s): verdict, scorecard, charts, drill-down and "
	         "definitions over %d weeks from %s", wk, d.w->tz, d.w->nweeks, kpi_week_format(a, sizeof(a), d.w->first));
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_SUBJECT, buf);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_AUTHOR, "kpi");
	snprintf(buf, sizeof(buf), "kpi %s", kpi_version());
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, buf);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_KEYWORDS, "rollout, go/no-go, KPI, governance");
	/* never the clock: the pack's as-of instant */
	kpi_time_format(date, sizeof(date), d.w->as_of);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_MOD_DATE, date);
	cr = cairo_create(pdf);
	r.cr = cr;
	r.dry = false;
	r.trace = trace;
	if (trace) {
		trace->page_w = PAGE_W;
		trace->page_h = PAGE_H;
	}
	document(&d);
	{
		int parent;
		char link[32];
		for (int s = 0; s < NSEC; s++) {
			if (!d.sec_page[s])
				continue;
			snprintf(link, sizeof(link), "page=%d", d.sec_page[s]);
			parent = cairo_pdf_surface_add_outline(pdf, CAIRO_PDF_OUTLINE_ROOT, sec_names[s], link,
			                                       s == SEC_CHARTS ? CAIRO_PDF_OUTLINE_FLAG_OPEN : 0);
			if (trace && trace->nsections < 8) {
				trace->section_page[trace->nsections] = d.sec_page[s];
				trace->section_name[trace->nsections++] = sec_names[s];
			}
			if (s == SEC_CHARTS)
				for (size_t i = 0; i < n; i++) {
					const kpi_series *ser;
					const kpi_def *def = kpi__chart_def(snap, i, &ser);
					snprintf(link, sizeof(link), "page=%d", d.chart_page[i]);
					cairo_pdf_surface_add_outline(pdf, parent, def->title, link, 0);
				}
			if (s == SEC_APPENDIX) {
				static const char *const parts[3] = { "A — KPI definitions", "B — Rollout changes",
					                              "C — Provenance" };
				for (int k = 0; k < 3; k++) {
					snprintf(link, sizeof(link), "page=%d", d.appendix_page[k]);
					cairo_pdf_surface_add_outline(pdf, parent, parts[k], link, 0);
				}
				if (d.appendix_page[3]) {
					snprintf(link, sizeof(link), "page=%d", d.appendix_page[3]);
					cairo_pdf_surface_add_outline(pdf, parent, "E — Restatements", link, 0);
				}
			}
		}
	}
	if (trace)
		trace->npages = d.pages;
	if (d.rc) {
		rc = kpi_error_set(err, d.rc, "out of memory");
		goto done;
	}
	cairo_destroy(cr);
	cr = NULL;
	cairo_surface_finish(pdf);
	if (cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS) {
		cairo_status_t st = cairo_surface_status(pdf);
		rc = kpi_error_set(err, st == CAIRO_STATUS_NO_MEMORY || st == CAIRO_STATUS_WRITE_ERROR ? KPI_ENOMEM : KPI_ERROR,
		                   "render: cairo PDF: %s", cairo_status_to_string(st));
		goto done;
	}
	if (d.pages != total) {
		rc = kpi_error_set(err, KPI_ERROR, "render: layout passes disagree (%d vs %d pages)", total, d.pages);
		goto done;
	}
done:
	if (cr)
		cairo_destroy(cr);
	if (pdf)
		cairo_surface_destroy(pdf);
	if (dummy)
		cairo_surface_destroy(dummy);
	free(d.chart_page);
	kpi__render_close(&r);
	if (rc)
		kpi__buf_truncate(out, start); /* nothing partial */
	return rc;
}

int kpi_render_pdf(kpi_buf *out, const kpi_snapshot *snap, kpi_error *err)
{
	return kpi__render_pdf_traced(out, snap, NULL, err);
}
