/* The pack's charts, charts/<kpi_id>.png: drawn when the pack starts and
 * encoded in the background while the PDF and the workbook are written
 * (kpi_render_charts_start(): the encoding is the larger part of the
 * render), then written here. */
#include "pack/output.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int start_charts(void **job, const kpi_snapshot *snap, kpi_error *err)
{
	for (size_t i = 0; i < kpi_render_chart_count(snap); i++) {
		const char *stem = kpi_render_chart_name(snap, i);
		if (!stem || !*stem || strchr(stem, '/') || strlen(stem) > 64)
			return kpi_error_set(err, KPI_ERROR, "pack: chart %zu has no usable file name", i);
	}
	return kpi_render_charts_start((kpi_render_charts **)job, snap, err);
}

static int write_charts(void *job, const kpi_snapshot *snap, const char *tmp, kpi_pack_paths *paths,
                        kpi_error *err)
{
	size_t n = kpi_render_chart_count(snap);
	kpi_buf *pngs = calloc(n ? n : 1, sizeof(*pngs));
	char name[96];
	int rc;

	(void)paths;
	if (!pngs)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* the directory even for a pack without charts, as before */
	if (!(rc = kpi__pack_put(tmp, "charts/", NULL, 0, err)) && !(rc = kpi_render_charts_finish(job, pngs, err)))
		for (size_t i = 0; !rc && i < n; i++) {
			snprintf(name, sizeof(name), "charts/%s.png", kpi_render_chart_name(snap, i));
			rc = kpi__pack_put(tmp, name, pngs[i].data, pngs[i].len, err);
		}
	for (size_t i = 0; i < n; i++)
		kpi_buf_release(&pngs[i]);
	free(pngs);
	return rc;
}

static void free_charts(void *job)
{
	kpi_render_charts_free(job);
}

const kpi__pack_out kpi__pack_out_charts = {
	.name = "charts",
	.start = start_charts,
	.write = write_charts,
	.free = free_charts,
};
