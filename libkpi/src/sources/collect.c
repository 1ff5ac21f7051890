#include "core/internal.h"
#include <stdlib.h>
#include <string.h>

int kpi__collect_session(kpi_result **out, kpi_pg **pgp, const kpi_catalog *cat, const kpi_config *cfg,
                         const char *const *ids, size_t nids, const kpi_window *w, kpi_error *err)
{
	kpi_result *res = calloc(1, sizeof(*res));
	const kpi_def **defs = NULL;
	const kpi_def **cw = NULL, **pgd = NULL;
	kpi_series *cwser = NULL, *pgser = NULL;
	size_t *cwidx = NULL, ncw = 0, *pgidx = NULL, npg = 0;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!res)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	res->window = *w;
	if ((rc = kpi_config_now(cfg, &res->read_at, err)))
		goto done;
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
	pgd = calloc(n + 1, sizeof(*pgd));
	pgser = calloc(n + 1, sizeof(*pgser));
	pgidx = calloc(n + 1, sizeof(*pgidx));
	if (!res->series || !cw || !cwser || !cwidx || !pgd || !pgser || !pgidx) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* Every slot is released on failure (an empty series releases cleanly). */
	res->nseries = n;
	for (size_t i = 0; i < n; i++) {
		const kpi_def *d = defs[i];
		if (d->source == KPI_SOURCE_POSTGRES) {
			pgidx[npg] = i;
			pgd[npg++] = d;
		} else {
			cwidx[ncw] = i;
			cw[ncw++] = d;
		}
	}
	/* The Postgres KPIs on up to cfg->connections connections, all in the
	 * snapshot of this session's transaction. */
	if (npg) {
		if (!*pgp && (rc = kpi__pg_open_shared(pgp, cfg, npg > 1, err)))
			goto done;
		if ((rc = kpi__pg_fetch_many(*pgp, cfg, cat, pgd, npg, w, pgser, err)))
			goto done;
		for (size_t i = 0; i < npg; i++)
			res->series[pgidx[i]] = pgser[i];
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
	kpi_result_free(res);
	free(defs);
	free(cw);
	free(cwser);
	free(cwidx);
	free(pgd);
	free(pgser);
	free(pgidx);
	return rc;
}

int kpi_collect(kpi_result **out, const kpi_catalog *cat, const kpi_config *cfg,
                const char *const *ids, size_t nids, const kpi_window *w, kpi_error *err)
{
	kpi_pg *pg = NULL;
	int rc = kpi__collect_session(out, &pg, cat, cfg, ids, nids, w, err);
	kpi_pg_close(pg);
	return rc;
}
