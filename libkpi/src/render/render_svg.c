/*
 * A chart as SVG (kpi/render.h): drawn by the chart code of the PDF pages
 * and the PNGs (render_chart.c) onto Cairo's SVG surface
 * (cairo_svg_surface_create_for_stream), then made fit to sit inline in an
 * HTML page with other charts: the XML declaration dropped, the root
 * element rewritten with a viewBox, role="img" and a <title>, and every id
 * Cairo gives (glyph0-1, clip3, surface5...) and every reference to one
 * prefixed, so the ids of two charts of a page never collide. Cairo 1.16
 * writes no date, but numbers its surfaces for the whole process (the
 * second chart drawn holds "surface6"): those ids are renumbered in order of
 * appearance, so the same snapshot gives the same bytes whatever was drawn
 * before.
 */
#include "render/render_int.h"

#include <cairo-svg.h>
#include <stdlib.h>
#include <string.h>

static cairo_status_t svg_sink(void *closure, const unsigned char *data, unsigned int len)
{
	return kpi_buf_append(closure, (const char *)data, len) ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

/* Append `s` with &, <, > and " escaped (XML text and attribute values). */
static int xml_text(kpi_buf *out, const char *s)
{
	int rc = 0;
	for (; *s && !rc; s++) {
		switch (*s) {
		case '&': rc = kpi_buf_puts(out, "&amp;"); break;
		case '<': rc = kpi_buf_puts(out, "&lt;"); break;
		case '>': rc = kpi_buf_puts(out, "&gt;"); break;
		case '"': rc = kpi_buf_puts(out, "&quot;"); break;
		default: rc = kpi_buf_append(out, s, 1);
		}
	}
	return rc;
}

/* Copy Cairo's SVG document `in` to `out`: the root element replaced by
 * ours, ids and references to them prefixed. */
static int svg_rewrite(kpi_buf *out, const char *in, size_t len, const char *prefix, const char *title)
{
	static const char *const refs[] = {" id=\"", "href=\"#", "url(#"};
	const char *p = strstr(in, "<svg"), *end = in + len, *q;
	unsigned long *surf = NULL;
	size_t nsurf_ = 0, *nsurf = &nsurf_;
	int rc;

	if (!p || !(q = strchr(p, '>')))
		return KPI_ERROR;
	rc = kpi_buf_printf(out,
	                    "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
	                    "viewBox=\"0 0 %g %g\" role=\"img\">\n<title>",
	                    KPI__CHART_W, KPI__CHART_H);
	if (!rc)
		rc = xml_text(out, title);
	if (!rc)
		rc = kpi_buf_puts(out, "</title>");
	for (p = q + 1; p < end && !rc;) {
		const char *hit = NULL;
		size_t hl = 0;
		for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
			const char *h = strstr(p, refs[k]);
			if (h && h < end && (!hit || h < hit)) {
				hit = h;
				hl = strlen(refs[k]);
			}
		}
		if (!hit) {
			rc = kpi_buf_append(out, p, (size_t)(end - p));
			break;
		}
		rc = kpi_buf_append(out, p, (size_t)(hit - p) + hl);
		if (!rc)
			rc = kpi_buf_printf(out, "%s-", prefix);
		p = hit + hl;
		/* Cairo numbers surfaces process-wide (surface1, then surface6 in
		 * the next chart...): renumbered in order of appearance */
		if (!rc && !strncmp(p, "surface", 7) && p[7] >= '0' && p[7] <= '9') {
			char *e;
			unsigned long n = strtoul(p + 7, &e, 10);
			size_t k = 0;
			while (k < *nsurf && surf[k] != n)
				k++;
			if (k == *nsurf) {
				unsigned long *ns = realloc(surf, (k + 1) * sizeof(*ns));
				if (!ns) {
					rc = KPI_ENOMEM;
					break;
				}
				surf = ns;
				surf[(*nsurf)++] = n;
			}
			rc = kpi_buf_printf(out, "surface%zu", k + 1);
			p = e;
		}
	}
	free(surf);
	return rc;
}

int kpi_render_chart_svg(kpi_buf *out, const kpi_snapshot *snap, size_t i, const char *id_prefix, const char *title,
                         kpi_error *err)
{
	kpi__render r;
	kpi_buf doc = {0};
	cairo_surface_t *svg;
	cairo_t *cr;
	const kpi_series *s;
	const kpi_def *def;
	cairo_status_t st;
	size_t start = out->len;
	int rc;

	if ((rc = kpi__chart_open(&r, &def, &s, snap, i, err)))
		return rc;
	svg = cairo_svg_surface_create_for_stream(svg_sink, &doc, KPI__CHART_W, KPI__CHART_H);
	cairo_svg_surface_restrict_to_version(svg, CAIRO_SVG_VERSION_1_1);
	cr = cairo_create(svg);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	r.cr = cr;
	kpi__chart_draw(&r, def, s, 0, 0);
	cairo_destroy(cr);
	cairo_surface_finish(svg);
	st = cairo_surface_status(svg);
	cairo_surface_destroy(svg);
	kpi__render_close(&r);
	if (st != CAIRO_STATUS_SUCCESS) {
		kpi_buf_release(&doc);
		return kpi_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? KPI_ENOMEM : KPI_ERROR, "render: chart '%s' as SVG: %s",
		                     def->id, cairo_status_to_string(st));
	}
	rc = svg_rewrite(out, doc.data ? doc.data : "", doc.len, id_prefix, title ? title : def->title);
	kpi_buf_release(&doc);
	if (rc) {
		kpi__buf_truncate(out, start);
		return rc == KPI_ERROR ? kpi_error_set(err, KPI_ERROR, "render: chart '%s': Cairo wrote no <svg> element", def->id)
		                       : kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}
