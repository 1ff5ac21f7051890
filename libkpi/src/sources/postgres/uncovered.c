/* `kpi uncovered` (kpi/lists.h): the pack's list of the oldest uncovered
 * legacy designs (lists.c reads it), as of one instant and as long as asked,
 * in a session of its own like any run's: read-only, repeatable-read
 * transaction, statement_timeout, deadlines, and a hot standby lagging past
 * database.max_lag refused, as its KPIs would be missing data. */
#include "sources/postgres/pg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A standby too far behind: its list would be stale, which a backfill list
 * must never be without saying so; the pack leaves its lists out then. */
static int stale_error(kpi_pg *pg, kpi_error *err)
{
	const kpi_source_freshness *f = kpi__pg_freshness(pg);

	if (f->has_primary_time)
		return kpi_error_set(err, KPI_ESOURCE,
		                     "PostgreSQL (%s) is a hot standby %.0f s behind its primary, above database.max_lag %d s: "
		                     "its uncovered designs would be stale (read the primary with --db)",
		                     kpi__pg_where(pg), f->lag_seconds, f->max_lag);
	return kpi_error_set(err, KPI_ESOURCE,
	                     "PostgreSQL (%s) is a hot standby whose lag is not known to be within database.max_lag %d s "
	                     "(%s): its uncovered designs would be stale (read the primary with --db)",
	                     kpi__pg_where(pg), f->max_lag, f->basis ? f->basis : "no replay time");
}

int kpi_uncovered_read(kpi_uncovered_list **out, const kpi_config *cfg, const kpi_window *w, size_t limit,
                       kpi_error *err)
{
	kpi_error local = KPI_ERROR_INIT;
	kpi_uncovered_list *l = NULL;
	kpi_pg *pg = NULL;
	int rc;

	*out = NULL;
	if (!err)
		err = &local;
	if (limit < 1 || limit > KPI_UNCOVERED_LIMIT_MAX)
		return kpi_error_set(err, KPI_EUSAGE, "limit %zu out of range: expected 1..%d", limit,
		                     KPI_UNCOVERED_LIMIT_MAX);
	if (!(l = calloc(1, sizeof(*l))) || !(l->query = strdup("pack/uncovered_designs.sql"))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	l->as_of = w->as_of;
	l->week = w->last;
	l->partial = w->partial;
	l->active_days = cfg->active_days;
	l->limit = limit;
	if ((rc = kpi__pg_open(&pg, cfg, NULL, false, err)))
		goto done;
	if (!(l->source = strdup(kpi__pg_where(pg)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (kpi__pg_freshness(pg)->stale) {
		rc = stale_error(pg, err);
		goto done;
	}
	if ((rc = kpi__pg_uncovered(&l->designs, &l->ndesigns, &l->total, l->sha256, pg, l->as_of, l->active_days,
	                            (int)limit, err)))
		goto done;
	*out = l;
	l = NULL;
done:
	kpi__pg_close(pg);
	kpi_uncovered_list_free(l);
	return rc;
}

void kpi_uncovered_list_free(kpi_uncovered_list *l)
{
	if (!l)
		return;
	kpi__uncovered_free(l->designs, l->ndesigns);
	free(l->query);
	free(l->source);
	free(l);
}
