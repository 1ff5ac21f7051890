/*
 * The renderer's drawing context and text (render_int.h): a private
 * fontconfig configuration holding only the DejaVu files of
 * fonts-dejavu-core, a Pango context with fixed language, resolution and
 * unhinted metrics (so the layout is the same on every machine and at every
 * scale), and text placement with measurement (each box placed goes to the
 * trace, trace.c). Colours are color.c's, axes axis.c's, numbers
 * core/number.c's.
 */
#include "render/render_int.h"

#include <fontconfig/fontconfig.h>
#include <pango/pangofc-fontmap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef KPI_FONT_DIR
#define KPI_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#endif

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
	/* A zone that does not load shows UTC (kpi_time_format_local). */
	if (snap && snap->timezone)
		kpi__tz_hold(&r->zone, snap->timezone, NULL);
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
	kpi__tz_release(r->zone);
	r->zone = NULL;
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
		kpi__trace_box(r, text, e->ellipsized, x + (double)e->log.x / PANGO_SCALE, y + (double)e->log.y / PANGO_SCALE,
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
