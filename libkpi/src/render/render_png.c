/*
 * The charts as PNG images (kpi/render.h): each drawn by the chart code of
 * the PDF's chart pages (render_chart.c) onto a 1200 x 675 image, under the
 * renderer's lock, then encoded (png_pool.c) without it: one at a time, or
 * every chart of a pack with the encoding in the background.
 */
#include "render/render_int.h"
#include "render/png_pool.h"

#include <math.h>
#include <stdlib.h>

#define PNG_MARGIN 16.0 /* pixels */

/* Draw chart `i` into a new RGB24 image of the PNG's size (the caller
 * destroys it), under the renderer's lock; encoding it needs no lock. */
static int chart_image(cairo_surface_t **out, const kpi_snapshot *snap, size_t i, kpi__rtrace *trace,
                       kpi_error *err)
{
	kpi__render r;
	cairo_surface_t *img = NULL;
	cairo_t *cr = NULL;
	const kpi_series *s;
	const kpi_def *def;
	cairo_status_t st;
	int rc;

	*out = NULL;
	if ((rc = kpi__chart_open(&r, &def, &s, snap, i, err)))
		return rc;
	img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, KPI_RENDER_PNG_WIDTH, KPI_RENDER_PNG_HEIGHT);
	cr = cairo_create(img);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	/* the chart's design box, scaled into the image with a margin: the same
	 * drawing as the PDF page */
	{
		double sc = fmin((KPI_RENDER_PNG_WIDTH - 2 * PNG_MARGIN) / KPI__CHART_W,
		                 (KPI_RENDER_PNG_HEIGHT - 2 * PNG_MARGIN) / KPI__CHART_H);
		cairo_translate(cr, (KPI_RENDER_PNG_WIDTH - sc * KPI__CHART_W) / 2,
		                (KPI_RENDER_PNG_HEIGHT - sc * KPI__CHART_H) / 2);
		cairo_scale(cr, sc, sc);
	}
	r.cr = cr;
	r.trace = trace;
	if (trace) {
		trace->page_w = KPI__CHART_W;
		trace->page_h = KPI__CHART_H;
		trace->npages = 1;
	}
	kpi__chart_draw(&r, def, s, 0, 0);
	cairo_destroy(cr);
	cairo_surface_flush(img);
	kpi__render_close(&r);
	st = cairo_surface_status(img);
	if (st != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return kpi_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? KPI_ENOMEM : KPI_ERROR, "render: chart '%s': %s",
		                     def->id, cairo_status_to_string(st));
	}
	*out = img;
	return 0;
}

int kpi__render_chart_png_traced(kpi_buf *out, const kpi_snapshot *snap, size_t i, kpi__rtrace *trace,
                                 kpi_error *err)
{
	cairo_surface_t *img;
	size_t start = out->len;
	int rc = chart_image(&img, snap, i, trace, err);

	if (rc)
		return rc;
	rc = kpi__png_encode(out, img, kpi_render_chart_name(snap, i), err);
	cairo_surface_destroy(img);
	if (rc)
		kpi__buf_truncate(out, start);
	return rc;
}

int kpi_render_chart_png(kpi_buf *out, const kpi_snapshot *snap, size_t i, kpi_error *err)
{
	return kpi__render_chart_png_traced(out, snap, i, NULL, err);
}

/* ---- every chart, encoded in the background ---- */

struct kpi_render_charts {
	kpi__png_pool *pool;
};

void kpi_render_charts_free(kpi_render_charts *job)
{
	if (!job)
		return;
	kpi__png_pool_free(job->pool);
	free(job);
}

int kpi_render_charts_start(kpi_render_charts **out, const kpi_snapshot *snap, kpi_error *err)
{
	kpi_render_charts *job;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = kpi__render_check(snap, err)))
		return rc;
	if (!(job = calloc(1, sizeof(*job))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	n = kpi_render_chart_count(snap);
	if ((rc = kpi__png_pool_new(&job->pool, n, err))) {
		kpi_render_charts_free(job);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		cairo_surface_t *img;
		if ((rc = chart_image(&img, snap, i, NULL, err))) {
			kpi_render_charts_free(job);
			return rc;
		}
		kpi__png_pool_put(job->pool, img, kpi_render_chart_name(snap, i));
	}
	*out = job;
	return 0;
}

int kpi_render_charts_finish(kpi_render_charts *job, kpi_buf *pngs, kpi_error *err)
{
	return kpi__png_pool_finish(job->pool, pngs, err);
}
