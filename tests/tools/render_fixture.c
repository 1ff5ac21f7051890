/*
 * render_fixture: render a renderer fixture (a JSON file of tests/fixtures/render/, or
 * "synthetic:N" for the benchmark's N-week snapshot) into a directory as
 * pack.pdf and one PNG per chart, to look at the pages while working on the
 * renderer (`pdftoppm -r 60 -png DIR/pack.pdf DIR/page`). Not a test.
 *
 *   render_fixture FIXTURE|synthetic:N OUTDIR
 */
#include "snapfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	kpi_snapshot *snap;
	kpi_buf pdf = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char path[4096];
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: render_fixture FIXTURE|synthetic:N OUTDIR\n");
		return 2;
	}
	if (strncmp(argv[1], "synthetic:", 10) == 0)
		snap = snapfix_synthetic(KPI_SOURCE_DIR "/templates/catalog.json", atoi(argv[1] + 10));
	else
		snap = snapfix_load(argv[1]);
	if (kpi_render_pdf(&pdf, snap, &err) != 0) {
		fprintf(stderr, "render_fixture: %s\n", err.message);
		rc = 1;
		goto done;
	}
	snprintf(path, sizeof(path), "%s/pack.pdf", argv[2]);
	if (kpi__write_file_atomic(path, pdf.data, pdf.len, &err) != 0) {
		fprintf(stderr, "render_fixture: %s\n", err.message);
		rc = 1;
		goto done;
	}
	for (size_t i = 0; i < kpi_render_chart_count(snap); i++) {
		kpi_buf png = KPI_BUF_INIT;
		if (kpi_render_chart_png(&png, snap, i, &err) != 0) {
			fprintf(stderr, "render_fixture: %s\n", err.message);
			rc = 1;
		} else {
			snprintf(path, sizeof(path), "%s/%s.png", argv[2], kpi_render_chart_name(snap, i));
			if (kpi__write_file_atomic(path, png.data, png.len, &err) != 0) {
				fprintf(stderr, "render_fixture: %s\n", err.message);
				rc = 1;
			}
		}
		kpi_buf_release(&png);
	}
done:
	kpi_buf_release(&pdf);
	kpi_snapshot_free(snap);
	return rc;
}
