#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

int kpi_collect(kpi_result **out, const kpi_catalog *cat, const kpi_config *cfg,
                const char *const *ids, size_t nids, const kpi_window *w, kpi_error *err)
{
	kpi_result *res = calloc(1, sizeof(*res));
	const kpi_def **defs = NULL;
	const kpi_def **cw = NULL;
	kpi_series *cwser = NULL;
	size_t *cwidx = NULL, ncw = 0;
	kpi_pg *pg = NULL;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!res)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	res->window = *w;
	res->read_at = (int64_t)time(NULL);
	defs = calloc(cat->nkpis + nids + 1, sizeof(*defs));
	if (!defs) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (ids) {
		for (size_t i = 0; i < nids; i++) {
			const kpi_def *d = kpi_catalog_find(cat, ids[i]);
			if (!d) {
				rc = kpi_error_set(err, KPI_ENOTFOUND, "unknown KPI '%s' (kpi list shows the catalogue)", ids[i]);
				goto done;
			}
			defs[n++] = d;
		}
	} else {
		/* The whole catalogue: CloudWatch KPIs whose load balancer or queues
		 * are not configured are not part of the run (kpi list says so);
		 * asked for by name they are an error (kpi_cloudwatch_fetch). */
		for (size_t i = 0; i < cat->nkpis; i++)
			if (cat->kpis[i].source != KPI_SOURCE_CLOUDWATCH || kpi_cloudwatch_configured(cfg, &cat->kpis[i]))
				defs[n++] = &cat->kpis[i];
	}
	res->series = calloc(n + 1, sizeof(*res->series));
	cw = calloc(n + 1, sizeof(*cw));
	cwser = calloc(n + 1, sizeof(*cwser));
	cwidx = calloc(n + 1, sizeof(*cwidx));
	if (!res->series || !cw || !cwser || !cwidx) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* Every slot is released on failure (an empty series releases cleanly). */
	res->nseries = n;
	for (size_t i = 0; i < n; i++) {
		const kpi_def *d = defs[i];
		if (d->source == KPI_SOURCE_POSTGRES) {
			if (!pg && (rc = kpi_pg_open(&pg, cfg, err)))
				goto done;
			if ((rc = kpi_pg_fetch(pg, cfg, cat, d, w, &res->series[i], err)))
				goto done;
		} else {
			cwidx[ncw] = i;
			cw[ncw++] = d;
		}
	}
	/* All CloudWatch KPIs of the run in one batch of GetMetricData calls. */
	if (ncw) {
		if ((rc = kpi_cloudwatch_fetch(cwser, cfg, cw, ncw, w, err)))
			goto done;
		for (size_t i = 0; i < ncw; i++)
			res->series[cwidx[i]] = cwser[i];
	}
	kpi_eval_result(res);
	*out = res;
	res = NULL;
done:
	kpi_pg_close(pg);
	kpi_result_free(res);
	free(defs);
	free(cw);
	free(cwser);
	free(cwidx);
	return rc;
}
