/*
 * The pack's colours (render/color.c). Not installed.
 */
#ifndef KPI_RENDER_COLOR_H
#define KPI_RENDER_COLOR_H

#include "kpi/eval.h"

#include <cairo.h>

typedef struct kpi__rgb {
	double r, g, b;
} kpi__rgb;

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

/* ink, greys, white and the breach red */
extern const kpi__rgb KPI__INK, KPI__MUTED, KPI__FAINT, KPI__GRID, KPI__WHITE, KPI__RED;
/* a chart's weeks: not applicable (grey hatching, grey values), the partial
 * week (blue tint), a gap that holds the verdict (amber hatching) */
extern const kpi__rgb KPI__NA_GREY, KPI__PARTIAL_BLUE, KPI__HOLD_AMBER;
/* fills: a table's header row, the box of a chart without data */
extern const kpi__rgb KPI__HEAD_FILL, KPI__EMPTY_FILL;

#endif
