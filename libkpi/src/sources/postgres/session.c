/* A PostgreSQL session of a run, put together: connect (pg.c), read how
 * fresh a hot standby's data is (standby.c) just before the transaction's
 * snapshot is taken, so the data holds at least what it says, begin the
 * read-only transaction and export its snapshot (pg.c), look for
 * pg_stat_statements (costs.c); and a fetch of KPIs: a lagging standby's
 * KPIs are missing data, the others are read with their costs counted,
 * and read again in a new transaction when a recovery conflict cancelled
 * a query, within the run's deadline. */
#include "sources/postgres/pg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int session_setup(kpi_pg *pg, kpi_error *err)
{
	int rc;
	if ((rc = kpi__pg_session_connect(pg, err)) || (rc = kpi__pg_read_freshness(pg, err)) ||
	    (rc = kpi__pg_session_begin(pg, err)) || (rc = kpi__pg_costs_probe(pg, err)))
		return rc;
	return 0;
}

int kpi__pg_open(kpi_pg **out, const kpi_config *cfg, const kpi_catalog *cat, bool share, kpi_error *err)
{
	kpi_pg *pg = kpi__pg_session_new(cfg, cat, share);
	int rc;

	*out = NULL;
	if (!pg)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = session_setup(pg, err))) {
		kpi__pg_close(pg);
		return rc;
	}
	*out = pg;
	return 0;
}

/* Whether to read the KPIs again after a recovery conflict: at most
 * KPI__PG_CONFLICT_RETRIES times, after the backoff of
 * docs/requirements.md, never when the wait would pass the run's deadline.
 * 0: the session is open again (a new transaction, its freshness read
 * again); else `err` (the conflict) says why kpi gave up. */
static int conflict_retry(kpi_pg *pg, kpi_error *err)
{
	kpi_source_freshness *f = kpi__pg_freshness(pg);
	int attempt = f->conflict_retries;
	double delay = kpi_backoff_delay(KPI__PG_CONFLICT_BASE_S, KPI__PG_CONFLICT_MAX_S, attempt, kpi_random_unit());
	double deadline = kpi__pg_run_deadline(pg);
	char msg[sizeof(err->message)];

	snprintf(msg, sizeof(msg), "%s", err->message);
	if (attempt >= KPI__PG_CONFLICT_RETRIES)
		return kpi_error_set(err, err->code, "%s (a recovery conflict on the hot standby: gave up after %d retr%s)",
		                     msg, attempt, attempt == 1 ? "y" : "ies");
	if (deadline > 0 && kpi__mono_now() + delay >= deadline)
		return kpi_error_set(err, err->code,
		                     "%s (a recovery conflict on the hot standby: after %d retr%s, another would pass the "
		                     "run's deadline)",
		                     msg, attempt, attempt == 1 ? "y" : "ies");
	kpi_log_fields(KPI_LOG_WARN, "pg.retry",
	               json_pack("{s:i, s:f, s:s, s:s}", "retry", attempt + 1, "delay_seconds", delay, "where",
	                         kpi__pg_where(pg), "error", msg),
	               "a query on the PostgreSQL hot standby was cancelled by a recovery conflict: reading every KPI "
	               "again in a new transaction");
	kpi__sleep(delay);
	f->conflict_retries = attempt + 1;
	return session_setup(pg, err);
}

int kpi__pg_fetch(kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	kpi__pg_costs *costs = NULL;
	int rc;

	for (;;) {
		int conflicts = kpi__pg_conflicts(pg);
		if (kpi__pg_freshness(pg)->stale)
			return kpi__pg_fetch_stale(pg, reqs, n, err);
		if (!(rc = kpi__pg_costs_before(&costs, pg, reqs, n, err)) && !(rc = kpi__pg_fetch_once(pg, reqs, n, err)) &&
		    (rc = kpi__pg_costs_after(costs, pg, reqs, n, err)))
			for (size_t i = 0; i < n; i++)
				kpi__series_release(reqs[i].out);
		kpi__pg_costs_free(costs);
		costs = NULL;
		if (!rc)
			break;
		if (kpi__pg_conflicts(pg) == conflicts)
			return rc;
		if ((rc = conflict_retry(pg, err)))
			return rc;
	}
	/* each KPI's cost in the JSON log (debug: KPI_LOG_LEVEL=debug), as in
	 * the snapshot's provenance */
	for (size_t i = 0; i < n; i++) {
		const kpi_series *s = reqs[i].out;
		kpi_log_fields(KPI_LOG_DEBUG, "pg.cost",
		               json_pack("{s:s, s:f, s:o, s:o, s:i}", "kpi", reqs[i].def->id, "seconds", s->query_seconds,
		                         "shared_blks_hit", s->has_blocks ? json_real(s->shared_blks_hit) : json_null(),
		                         "shared_blks_read", s->has_blocks ? json_real(s->shared_blks_read) : json_null(),
		                         "conflict_retries", kpi__pg_freshness(pg)->conflict_retries),
		               NULL);
	}
	return 0;
}
