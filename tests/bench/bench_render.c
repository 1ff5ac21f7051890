/*
 * bench_render: wall time and peak memory of the renderer's part of a pack
 * for the demo fixture (12 weeks) and synthetic 12- and 52-week snapshots:
 * kpi_render_pdf() plus every chart PNG one after the other, and the pack's
 * way (kpi_render_charts_start(), the PDF while the PNGs are encoded in the
 * background, kpi_render_charts_finish()). Not a ctest test: run it by hand,
 * results go to docs/performance.md ("Rendering the PDF and the PNGs").
 *
 *   build/tests/bench/bench_render [--cpu] [RUNS]
 */
#include "snapfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Wall time, or with --cpu the process CPU time (steadier on a busy machine). */
static int use_cpu;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(use_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void bench(const char *name, kpi_snapshot *snap, int runs)
{
	double pdf_ms[64], png_ms[64], all_ms[64], pack_ms[64];
	size_t pdf_bytes = 0, png_bytes = 0;
	kpi_error err = KPI_ERROR_INIT;

	for (int k = 0; k < runs && k < 64; k++) {
		kpi_buf pdf = KPI_BUF_INIT;
		double t0 = now_ms(), t1, t2;
		if (kpi_render_pdf(&pdf, snap, &err) != 0) {
			fprintf(stderr, "bench_render: %s\n", err.message);
			exit(1);
		}
		t1 = now_ms();
		png_bytes = 0;
		for (size_t i = 0; i < kpi_render_chart_count(snap); i++) {
			kpi_buf png = KPI_BUF_INIT;
			if (kpi_render_chart_png(&png, snap, i, &err) != 0) {
				fprintf(stderr, "bench_render: %s\n", err.message);
				exit(1);
			}
			png_bytes += png.len;
			kpi_buf_release(&png);
		}
		t2 = now_ms();
		pdf_bytes = pdf.len;
		kpi_buf_release(&pdf);
		pdf_ms[k] = t1 - t0;
		png_ms[k] = t2 - t1;
		all_ms[k] = t2 - t0;
	}
	for (int k = 0; k < runs && k < 64; k++) {
		size_t n = kpi_render_chart_count(snap);
		kpi_buf pdf = KPI_BUF_INIT, *pngs = calloc(n ? n : 1, sizeof(*pngs));
		kpi_render_charts *job = NULL;
		double t0 = now_ms();
		if (!pngs || kpi_render_charts_start(&job, snap, &err) != 0 || kpi_render_pdf(&pdf, snap, &err) != 0 ||
		    kpi_render_charts_finish(job, pngs, &err) != 0) {
			fprintf(stderr, "bench_render: %s\n", err.message);
			exit(1);
		}
		pack_ms[k] = now_ms() - t0;
		kpi_render_charts_free(job);
		for (size_t i = 0; i < n; i++)
			kpi_buf_release(&pngs[i]);
		free(pngs);
		kpi_buf_release(&pdf);
	}
	qsort(pack_ms, (size_t)runs, sizeof(double), cmp);
	qsort(pdf_ms, (size_t)runs, sizeof(double), cmp);
	qsort(png_ms, (size_t)runs, sizeof(double), cmp);
	qsort(all_ms, (size_t)runs, sizeof(double), cmp);
	printf("%-24s %3d weeks %2zu charts  PDF %7.1f ms (%6zu KiB)  PNGs %7.1f ms (%6zu KiB)  total median %7.1f ms, "
	       "max %7.1f ms; the pack's way %7.1f ms\n",
	       name, snap->result->window.nweeks, kpi_render_chart_count(snap), pdf_ms[runs / 2], pdf_bytes / 1024,
	       png_ms[runs / 2], png_bytes / 1024, all_ms[runs / 2], all_ms[runs - 1], pack_ms[runs / 2]);
}

int main(int argc, char **argv)
{
	int runs;
	if (argc > 1 && strcmp(argv[1], "--cpu") == 0) {
		use_cpu = 1;
		argv++;
		argc--;
	}
	runs = argc > 1 ? atoi(argv[1]) : 7;
	struct rusage ru;
	kpi_snapshot *snap;

	if (runs < 1 || runs > 64)
		runs = 7;
	snap = snapfix_read(KPI_SOURCE_DIR "/tests/fixtures/render/demo-w46.snapshot.json");
	bench("demo fixture (2026-W46)", snap, runs);
	kpi_snapshot_free(snap);
	snap = snapfix_synthetic(KPI_SOURCE_DIR "/templates/catalog.json", 12);
	bench("synthetic", snap, runs);
	kpi_snapshot_free(snap);
	snap = snapfix_synthetic(KPI_SOURCE_DIR "/templates/catalog.json", 52);
	bench("synthetic", snap, runs);
	kpi_snapshot_free(snap);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS of the whole run: %.1f MiB (runs per case: %d, %s time)\n", (double)ru.ru_maxrss / 1024.0, runs,
	       use_cpu ? "CPU" : "wall");
	return 0;
}
