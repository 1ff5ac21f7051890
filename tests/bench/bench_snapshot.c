/*
 * bench_snapshot: write a synthetic snapshot.json of N weeks (every KPI of
 * templates/catalog.json, ending 2026-W46: snapfix_synthetic) for
 * tests/bench/bench_render.sh. Not a test.
 *
 *   bench_snapshot N OUT.json [LABEL_SETS [KPI]]
 *
 * LABEL_SETS (default 3) is how many values the label the catalogue leaves
 * open gets (the CloudWatch KPIs' load_balancer and queue) in KPI (default:
 * in each of those four KPIs): the many-label-set figures.
 */
#include "snapfix.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	kpi_snapshot *snap;
	kpi_buf json = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	int n, sets = 3, rc = 0;

	if (argc < 3 || argc > 5 || (n = atoi(argv[1])) < 1 || n > KPI_MAX_WEEKS ||
	    (argc >= 4 && ((sets = atoi(argv[3])) < 3 || sets > 1000000))) {
		fprintf(stderr, "usage: bench_snapshot WEEKS(1..%d) OUT.json [LABEL_SETS(3..1000000) [KPI]]\n",
		        KPI_MAX_WEEKS);
		return 2;
	}
	snap = snapfix_synthetic_wide(KPI_SOURCE_DIR "/templates/catalog.json", n, (size_t)sets,
	                              argc == 5 ? argv[4] : NULL);
	if (kpi_snapshot_write(&json, snap, &err) || kpi__write_file_atomic(argv[2], json.data, json.len, &err)) {
		fprintf(stderr, "bench_snapshot: %s\n", err.message);
		rc = 1;
	}
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
	return rc;
}
