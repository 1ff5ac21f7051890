/*
 * The renderer's drawing context and text (kpi/render.h, render_int.h):
 * a private fontconfig configuration holding only the DejaVu files of
 * fonts-dejavu-core, a Pango context with fixed language, resolution and
 * unhinted metrics (so the layout is the same on every machine and at every
 * scale), text placement with measurement and the trace the tests read;
 * colours; numbers, thresholds and times formatted for people; nice axes.
 */
#include "render/render_int.h"

#include <fontconfig/fontconfig.h>
#include <float.h>
#include <pango/pangofc-fontmap.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef KPI_FONT_DIR
#define KPI_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#endif

/* ---- trace ---- */

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

static void trace_add(kpi__render *r, const char *text, bool ellipsized, double x, double y, double w, double h)
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

/* ---- context ---- */

/* The faces the renderer uses, all from fonts-dejavu-core. */
static const char *const font_files[] = {
	"DejaVuSans.ttf",          "DejaVuSans-Bold.ttf",          "DejaVuSans-Oblique.ttf",
	"DejaVuSansMono.ttf",      "DejaVuSansCondensed.ttf",      "DejaVuSansCondensed-Bold.ttf",
};

/* The font map, the Pango context and the font descriptions are built once
 * per process and kept: building the map reads and indexes the font files,
 * and a fresh one per chart would also throw away the glyph caches (a third
 * of a PNG's time). Laid-out texts are kept too (layout_get()): the same
 * labels come back on every chart. Pango is not thread-safe, so renders take
 * turns (kpi__render_open() to _close()). */
static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	PangoFontMap *fontmap;
	PangoContext *pango;
	PangoFontDescription *fonts[KPI__NFONTS];
} shared;

static int shared_build(kpi_error *err)
{
	FcConfig *fc;
	cairo_font_options_t *fo;
	int rc = 0;

	/* A configuration of our own: no system or user fonts.conf, no other
	 * installed font, no FONTCONFIG_* variable can change which glyphs (and
	 * so which bytes) the pack gets. */
	fc = FcConfigCreate();
	if (!fc)
		return kpi_error_set(err, KPI_ENOMEM, "render: cannot create a fontconfig configuration");
	for (size_t i = 0; i < sizeof(font_files) / sizeof(font_files[0]); i++) {
		char path[512];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", KPI_FONT_DIR, font_files[i]);
		if (stat(path, &st) != 0) {
			rc = kpi_error_set(err, KPI_ENOTFOUND,
			                   "render: font file '%s' not found (install fonts-dejavu-core)", path);
			goto done;
		}
		if (!FcConfigAppFontAddFile(fc, (const FcChar8 *)path)) {
			rc = kpi_error_set(err, KPI_ERROR, "render: fontconfig cannot load '%s'", path);
			goto done;
		}
	}
	shared.fontmap = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
	if (!shared.fontmap || !PANGO_IS_FC_FONT_MAP(shared.fontmap)) {
		if (shared.fontmap)
			g_object_unref(shared.fontmap);
		shared.fontmap = NULL;
		rc = kpi_error_set(err, KPI_ERROR, "render: pango has no fontconfig/FreeType font map");
		goto done;
	}
	pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(shared.fontmap), fc); /* takes a reference */
	shared.pango = pango_font_map_create_context(shared.fontmap);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	pango_cairo_context_set_font_options(shared.pango, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_context_set_resolution(shared.pango, 72.0);
	pango_context_set_round_glyph_positions(shared.pango, FALSE);
	/* The default language comes from the environment (LANG): fix it. */
	pango_context_set_language(shared.pango, pango_language_from_string("en-gb"));
	pango_context_set_base_dir(shared.pango, PANGO_DIRECTION_LTR);
	for (int f = 0; f < KPI__NFONTS; f++) {
		PangoFontDescription *d = pango_font_description_new();
		pango_font_description_set_family(d, f == KPI__F_MONO ? "DejaVu Sans Mono" : "DejaVu Sans");
		pango_font_description_set_weight(d, (f == KPI__F_BOLD || f == KPI__F_COND_BOLD)
		                                             ? PANGO_WEIGHT_BOLD
		                                             : PANGO_WEIGHT_NORMAL);
		pango_font_description_set_style(d, f == KPI__F_OBLIQUE ? PANGO_STYLE_OBLIQUE : PANGO_STYLE_NORMAL);
		pango_font_description_set_stretch(d, (f == KPI__F_COND || f == KPI__F_COND_BOLD)
		                                              ? PANGO_STRETCH_CONDENSED
		                                              : PANGO_STRETCH_NORMAL);
		shared.fonts[f] = d;
	}
done:
	FcConfigDestroy(fc);
	return rc;
}

int kpi__render_open(kpi__render *r, const kpi_snapshot *snap, kpi_error *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->snap = snap;
	r->page = 1;
	pthread_mutex_lock(&render_lock);
	r->locked = true;
	if (!shared.fontmap && (rc = shared_build(err))) {
		kpi__render_close(r);
		return rc;
	}
	r->fontmap = shared.fontmap;
	r->pango = shared.pango;
	memcpy(r->fonts, shared.fonts, sizeof(r->fonts));
	return 0;
}

void kpi__render_close(kpi__render *r)
{
	free(r->change_no);
	r->change_no = NULL;
	r->fontmap = NULL;
	r->pango = NULL;
	memset(r->fonts, 0, sizeof(r->fonts));
	if (r->locked)
		pthread_mutex_unlock(&render_lock);
	r->locked = false;
}

kpi__tstyle kpi__ts(int font, double size, kpi__rgb color)
{
	kpi__tstyle st;
	memset(&st, 0, sizeof(st));
	st.font = font;
	st.size = size;
	st.color = color;
	return st;
}

kpi__tstyle kpi__tsw(int font, double size, kpi__rgb color, double width, int align)
{
	kpi__tstyle st = kpi__ts(font, size, color);
	st.width = width;
	st.align = align;
	return st;
}

/* A layout for `text` in style `st`. Text from data may hold invalid UTF-8
 * or control characters: make it valid and one line (a stray newline would
 * add a line the layout did not plan for). */
static PangoLayout *layout_new(kpi__render *r, const char *text, const kpi__tstyle *st)
{
	PangoLayout *l = pango_layout_new(r->pango);
	char *t = g_utf8_make_valid(text ? text : "", -1);

	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	pango_font_description_set_absolute_size(r->fonts[st->font], st->size * PANGO_SCALE);
	pango_layout_set_font_description(l, r->fonts[st->font]);
	pango_layout_set_alignment(l, st->align == KPI__CENTER  ? PANGO_ALIGN_CENTER
	                              : st->align == KPI__RIGHT ? PANGO_ALIGN_RIGHT
	                                                        : PANGO_ALIGN_LEFT);
	if (st->width > 0) {
		pango_layout_set_width(l, (int)(st->width * PANGO_SCALE));
		if (st->lines > 1 || st->lines < 0) {
			pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
			pango_layout_set_ellipsize(l, st->lines > 1 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
			pango_layout_set_height(l, st->lines > 1 ? -st->lines : -1);
		} else {
			pango_layout_set_wrap(l, PANGO_WRAP_WORD);
			pango_layout_set_ellipsize(l, st->ellipsize ? (PangoEllipsizeMode)st->ellipsize
			                                            : PANGO_ELLIPSIZE_END);
		}
	}
	pango_layout_set_text(l, t, -1);
	g_free(t);
	return l;
}

/* Laid-out texts by style and text, kept for the process (under the
 * renderer's lock): the week labels, ticks, legends and rollout changes of
 * one chart come back on every other, in the PDF and in the PNGs. A full
 * slot is overwritten: the table stays bounded. */
#define LCACHE_SIZE 4096 /* a power of two */
#define LCACHE_PROBE 8

typedef struct lcache_ent {
	char *key;
	PangoLayout *layout;
	PangoRectangle log;
	bool ellipsized;
} lcache_ent;

static lcache_ent lcache[LCACHE_SIZE];

static const lcache_ent *layout_get(kpi__render *r, const char *text, const kpi__tstyle *st)
{
	char head[160], *key;
	uint64_t h = 1469598103934665603ull;
	size_t hl, tl = strlen(text ? text : ""), slot, victim;
	lcache_ent *e;

	hl = (size_t)snprintf(head, sizeof(head), "%d %a %a %d %d %d|", st->font, st->size, st->width, st->align,
	                      st->ellipsize, st->lines);
	key = malloc(hl + tl + 1);
	if (!key)
		return NULL;
	memcpy(key, head, hl);
	memcpy(key + hl, text ? text : "", tl + 1);
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	victim = slot = (size_t)h & (LCACHE_SIZE - 1);
	for (size_t k = 0; k < LCACHE_PROBE; k++) {
		e = &lcache[(slot + k) & (LCACHE_SIZE - 1)];
		if (e->key && strcmp(e->key, key) == 0) {
			free(key);
			return e;
		}
		if (!e->key) {
			victim = (slot + k) & (LCACHE_SIZE - 1);
			break;
		}
	}
	e = &lcache[victim];
	free(e->key);
	if (e->layout)
		g_object_unref(e->layout);
	e->key = key;
	e->layout = layout_new(r, text, st);
	pango_layout_get_extents(e->layout, NULL, &e->log);
	e->ellipsized = pango_layout_is_ellipsized(e->layout);
	return e;
}

void kpi__text_size(kpi__render *r, const char *text, const kpi__tstyle *st, double *w, double *h)
{
	const lcache_ent *e = layout_get(r, text, st);
	if (w)
		*w = e ? (double)e->log.width / PANGO_SCALE : 0;
	if (h)
		*h = e ? (double)e->log.height / PANGO_SCALE : 0;
}

double kpi__text(kpi__render *r, const char *text, double x, double y, const kpi__tstyle *st)
{
	const lcache_ent *e = layout_get(r, text, st);

	if (!e)
		return 0; /* out of memory: the text is missing, the layout goes on */
	if (!r->dry && text && *text) {
		kpi__set_rgb(r->cr, st->color);
		cairo_move_to(r->cr, x, y);
		pango_cairo_show_layout(r->cr, e->layout);
		trace_add(r, text, e->ellipsized, x + (double)e->log.x / PANGO_SCALE, y + (double)e->log.y / PANGO_SCALE,
		          (double)e->log.width / PANGO_SCALE, (double)e->log.height / PANGO_SCALE);
	}
	return (double)e->log.height / PANGO_SCALE;
}

double kpi__line_height(kpi__render *r, int font, double size)
{
	kpi__tstyle st = kpi__ts(font, size, KPI__INK);
	double h;
	for (size_t i = 0; i < r->nlh; i++)
		if (r->lh[i].font == font && r->lh[i].size == size)
			return r->lh[i].h;
	kpi__text_size(r, "Wg", &st, NULL, &h);
	if (r->nlh < sizeof(r->lh) / sizeof(r->lh[0])) {
		r->lh[r->nlh].font = font;
		r->lh[r->nlh].size = size;
		r->lh[r->nlh++].h = h;
	}
	return h;
}

void kpi__text_cell(kpi__render *r, const char *text, double x, double y, const kpi__tstyle *st)
{
	if (!r->dry)
		kpi__text(r, text, x, y, st);
}

/* ---- colours and shapes ---- */

const kpi__rgb KPI__INK = { 0.122, 0.161, 0.200 };    /* #1f2933 */
const kpi__rgb KPI__MUTED = { 0.322, 0.376, 0.427 };  /* #52606d */
const kpi__rgb KPI__FAINT = { 0.604, 0.647, 0.694 };  /* #9aa5b1 */
const kpi__rgb KPI__GRID = { 0.894, 0.906, 0.922 };   /* #e4e7eb */
const kpi__rgb KPI__WHITE = { 1, 1, 1 };
const kpi__rgb KPI__RED = { 0.776, 0.157, 0.157 };    /* #c62828 */

kpi__rgb kpi__rgb_hex(unsigned hex)
{
	kpi__rgb c = { ((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0, (hex & 0xff) / 255.0 };
	return c;
}

void kpi__set_rgb(cairo_t *cr, kpi__rgb c)
{
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void kpi__set_rgba(cairo_t *cr, kpi__rgb c, double a)
{
	cairo_set_source_rgba(cr, c.r, c.g, c.b, a);
}

kpi__rgb kpi__status_color(kpi_status s)
{
	switch (s) {
	case KPI_STATUS_OK: return kpi__rgb_hex(0x2e7d32);
	case KPI_STATUS_WARN: return kpi__rgb_hex(0xb86e00);
	case KPI_STATUS_BREACH: return KPI__RED;
	case KPI_STATUS_NO_DATA: return kpi__rgb_hex(0x7b8794);
	default: return kpi__rgb_hex(0x7a8ba6);
	}
}

kpi__rgb kpi__verdict_color(kpi_verdict_kind v)
{
	switch (v) {
	case KPI_VERDICT_GO: return kpi__rgb_hex(0x2e7d32);
	case KPI_VERDICT_HOLD: return kpi__rgb_hex(0xb86e00);
	default: return KPI__RED;
	}
}

kpi__rgb kpi__series_color(size_t i)
{
	/* Okabe-Ito without vermilion and yellow, then a few distinct extras. */
	static const unsigned pal[] = { 0x0072b2, 0xe69f00, 0x009e73, 0xcc79a7,
		                        0x56b4e9, 0x6a3d9a, 0x8c564b, 0x404040 };
	return kpi__rgb_hex(pal[i % (sizeof(pal) / sizeof(pal[0]))]);
}

const char *kpi__status_chip(kpi_status s)
{
	switch (s) {
	case KPI_STATUS_OK: return "OK";
	case KPI_STATUS_WARN: return "WARN";
	case KPI_STATUS_BREACH: return "BREACH";
	case KPI_STATUS_NO_DATA: return "NO DATA";
	default: return "N/A";
	}
}

void kpi__round_rect(cairo_t *cr, double x, double y, double w, double h, double rad)
{
	if (rad > w / 2)
		rad = w / 2;
	if (rad > h / 2)
		rad = h / 2;
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - rad, y + rad, rad, -M_PI / 2, 0);
	cairo_arc(cr, x + w - rad, y + h - rad, rad, 0, M_PI / 2);
	cairo_arc(cr, x + rad, y + h - rad, rad, M_PI / 2, M_PI);
	cairo_arc(cr, x + rad, y + rad, rad, M_PI, 3 * M_PI / 2);
	cairo_close_path(cr);
}

void kpi__hatch(cairo_t *cr, double x, double y, double w, double h, kpi__rgb c, double step)
{
	cairo_save(cr);
	cairo_rectangle(cr, x, y, w, h);
	cairo_clip(cr);
	kpi__set_rgba(cr, c, 0.75);
	cairo_set_line_width(cr, 0.6);
	for (double d = -h; d < w; d += step) {
		cairo_move_to(cr, x + d, y + h);
		cairo_line_to(cr, x + d + h, y);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

/* ---- times ---- */

char *kpi__fmt_time(char *buf, size_t size, int64_t t, const char *tz)
{
	return kpi_time_format_local(buf, size, t, tz && *tz ? tz : "UTC");
}

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Local civil date of `t` in `tz` with its weekday. */
static void local_date(int64_t t, const char *tz, int *y, int *m, int *d, int *wday)
{
	char b[16];
	struct tm tm;
	time_t tt;

	kpi_time_format_date(b, sizeof(b), t, tz && *tz ? tz : "UTC");
	*y = atoi(b);
	*m = atoi(b + 5);
	*d = atoi(b + 8);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = *y - 1900;
	tm.tm_mon = *m - 1;
	tm.tm_mday = *d;
	tm.tm_hour = 12;
	tt = timegm(&tm);
	gmtime_r(&tt, &tm);
	*wday = tm.tm_wday;
}

char *kpi__fmt_day(char *buf, size_t size, int64_t t, const char *tz)
{
	int y, m, d, wd;
	local_date(t, tz, &y, &m, &d, &wd);
	snprintf(buf, size, "%s %d", months[m - 1], d);
	return buf;
}

char *kpi__fmt_week_dates(char *buf, size_t size, int64_t start, int64_t end, const char *tz)
{
	int y1, m1, d1, w1, y2, m2, d2, w2;
	local_date(start, tz, &y1, &m1, &d1, &w1);
	local_date(end - 1, tz, &y2, &m2, &d2, &w2);
	if (y1 == y2)
		snprintf(buf, size, "%s %d %s – %s %d %s %d", wdays[w1], d1, months[m1 - 1], wdays[w2], d2,
		         months[m2 - 1], y2);
	else
		snprintf(buf, size, "%s %d %s %d – %s %d %s %d", wdays[w1], d1, months[m1 - 1], y1, wdays[w2],
		         d2, months[m2 - 1], y2);
	return buf;
}

/* ---- axes ---- */

double kpi__add_sat(double a, double b)
{
	double r = a + b;
	return isinf(r) && isfinite(a) && isfinite(b) ? (r > 0 ? DBL_MAX : -DBL_MAX) : r;
}

double kpi__frac(double v, double lo, double hi)
{
	int e;
	frexp(fmax(fmax(fabs(lo), fabs(hi)), fabs(v)), &e);
	return (ldexp(v, -e) - ldexp(lo, -e)) / (ldexp(hi, -e) - ldexp(lo, -e));
}

/* v x 10^k without an intermediate overflow or underflow (in steps of at
 * most 10^300, towards the result). */
static double scale10(double v, int k)
{
	while (k > 300) {
		v *= 1e300;
		k -= 300;
	}
	while (k < -300) {
		v *= 1e-300;
		k += 300;
	}
	return v * pow(10, k);
}

/* Magnitudes between these are handled in plain units (e10 = 0). */
#define AXIS_PLAIN_MAX 1e290
#define AXIS_PLAIN_MIN 1e-290

void kpi__axis_nice(kpi__axis *ax, double lo, double hi, int target)
{
	double raw, mag, f, step, maxabs;

	memset(ax, 0, sizeof(*ax));
	ax->div = 1;
	ax->suffix = "";
	if (isnan(lo) || isnan(hi)) {
		lo = 0;
		hi = 1;
	}
	lo = fmax(fmin(lo, DBL_MAX), -DBL_MAX);
	hi = fmax(fmin(hi, DBL_MAX), -DBL_MAX);
	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	/* beyond plain double arithmetic (hi - lo or the rounded-up top tick
	 * overflows; steps underflow): work in units of 10^e10, where the
	 * bounds are within ±10 */
	maxabs = fmax(fabs(lo), fabs(hi));
	if (maxabs > AXIS_PLAIN_MAX || (maxabs > 0 && maxabs < AXIS_PLAIN_MIN)) {
		ax->e10 = (int)floor(log10(maxabs));
		lo = scale10(lo, -ax->e10);
		hi = scale10(hi, -ax->e10);
	}
	if (hi == lo) {
		double pad = lo == 0 ? 1 : fabs(lo) * 0.1;
		lo -= lo == 0 ? 0 : pad;
		hi += pad;
	}
	if (target < 2)
		target = 2;
	raw = (hi - lo) / (target - 1);
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	/* a small tolerance so 100 stays the top tick of [0, 100] */
	ax->lo = floor(lo / step + 1e-9) * step;
	ax->hi = ceil(hi / step - 1e-9) * step;
	ax->step = step;
	ax->nticks = (int)floor((ax->hi - ax->lo) / step + 0.5) + 1;
	if (ax->nticks < 2) {
		ax->nticks = 2;
		ax->hi = ax->lo + step;
	}
	maxabs = fmax(fabs(ax->lo), fabs(ax->hi));
	if (ax->e10 || maxabs >= 1e15 || step < 1e-3) {
		int e = (int)floor(log10(maxabs) + 1e-9);
		ax->div = pow(10, e);
		kpi__fmt_pow10(ax->scale_note, sizeof(ax->scale_note), e + ax->e10);
		{
			char tmp[32];
			snprintf(tmp, sizeof(tmp), "×%s", ax->scale_note);
			snprintf(ax->scale_note, sizeof(ax->scale_note), "%s", tmp);
		}
	} else if (maxabs >= 1e12) {
		ax->div = 1e12;
		ax->suffix = "tn";
	} else if (maxabs >= 1e9) {
		ax->div = 1e9;
		ax->suffix = "bn";
	} else if (maxabs >= 1e6) {
		ax->div = 1e6;
		ax->suffix = "M";
	} else if (maxabs >= 1e4) {
		ax->div = 1e3;
		ax->suffix = "k";
	}
	{
		double s = step / ax->div;
		ax->decimals = s >= 1 ? 0 : (int)ceil(-log10(s) - 1e-9);
		if (ax->decimals > 9)
			ax->decimals = 9;
	}
}

double kpi__axis_tick(const kpi__axis *ax, int i)
{
	return ax->lo + i * ax->step;
}

double kpi__axis_units(const kpi__axis *ax, double v)
{
	return ax->e10 ? scale10(v, -ax->e10) : v;
}

double kpi__axis_frac(const kpi__axis *ax, double v)
{
	return (kpi__axis_units(ax, v) - ax->lo) / (ax->hi - ax->lo);
}

char *kpi__axis_label(char *buf, size_t size, const kpi__axis *ax, double x)
{
	char num[64];
	x /= ax->div;
	if (fabs(x) < 1e-9 * (ax->step / ax->div)) {
		snprintf(buf, size, "0");
		return buf;
	}
	kpi__fmt_fixed(num, sizeof(num), x, ax->decimals);
	snprintf(buf, size, "%s%s", num, ax->suffix);
	return buf;
}
