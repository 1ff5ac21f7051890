/*
 * The pack's colours (render/color.h): ink and greys, the status and
 * verdict colours, a colour-blind-safe series palette without red, the
 * status chips' words, and the two fills drawn with them (rounded chips,
 * hatching).
 */
#include "render/color.h"

#include <math.h>

const kpi__rgb KPI__INK = { 0.122, 0.161, 0.200 };    /* #1f2933 */
const kpi__rgb KPI__MUTED = { 0.322, 0.376, 0.427 };  /* #52606d */
const kpi__rgb KPI__FAINT = { 0.604, 0.647, 0.694 };  /* #9aa5b1 */
const kpi__rgb KPI__GRID = { 0.894, 0.906, 0.922 };   /* #e4e7eb */
const kpi__rgb KPI__WHITE = { 1, 1, 1 };
const kpi__rgb KPI__RED = { 0.776, 0.157, 0.157 };    /* #c62828 */
const kpi__rgb KPI__NA_GREY = { 0.63, 0.68, 0.75 };
const kpi__rgb KPI__PARTIAL_BLUE = { 0.45, 0.62, 0.85 };
const kpi__rgb KPI__HOLD_AMBER = { 0.722, 0.431, 0.0 };
const kpi__rgb KPI__HEAD_FILL = { 0xee / 255.0, 0xf1 / 255.0, 0xf5 / 255.0 };  /* #eef1f5 */
const kpi__rgb KPI__EMPTY_FILL = { 0xf5 / 255.0, 0xf7 / 255.0, 0xfa / 255.0 }; /* #f5f7fa */

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
