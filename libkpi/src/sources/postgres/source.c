/* The PostgreSQL source's operations table (sources/source.h): the KPI
 * queries (the .sql files of queries/) on one read-only, repeatable-read transaction,
 * shared by several connections through an exported snapshot. */
#include "sources/postgres/pg.h"
#include <stdlib.h>
#include <string.h>

static int pg_open(void **out, const kpi_config *cfg, const kpi_catalog *cat, size_t nkpis, kpi_error *err)
{
	return kpi__pg_open((kpi_pg **)out, cfg, cat, nkpis > 1, err);
}

static int pg_fetch(void *session, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	return kpi__pg_fetch(session, reqs, n, err);
}

static int pg_where(void *session, char **out, kpi_error *err)
{
	*out = strdup(kpi__pg_where(session));
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

static void pg_close(void *session)
{
	kpi__pg_close(session);
}

static void pg_deadline(void *session, double deadline)
{
	kpi__pg_set_deadline(session, deadline);
}

/* A copy of the session's freshness, the snapshot's provenance. */
static int pg_freshness(void *session, kpi_source_freshness *out, kpi_error *err)
{
	const kpi_source_freshness *f = kpi__pg_freshness(session);

	*out = *f;
	out->source = out->basis = out->blocks = NULL;
	if ((f->source && !(out->source = strdup(f->source))) || (f->basis && !(out->basis = strdup(f->basis))) ||
	    (f->blocks && !(out->blocks = strdup(f->blocks)))) {
		free(out->source);
		free(out->basis);
		free(out->blocks);
		out->source = out->basis = out->blocks = NULL;
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

/* The other KPIs of the catalogue whose query is the same file: the file
 * answers them too (its kpi column), and a run that reads them for the
 * same window runs it once (docs/configuration.md, "One query for several
 * KPIs"). Nothing when there are none. */
static void explain_shared(kpi_buf *out, const kpi_catalog *cat, const kpi_def *def)
{
	size_t n = 0;

	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *o = &cat->kpis[i];
		if (o == def || !o->source || !o->query || strcmp(o->source, def->source) != 0 ||
		    strcmp(o->query, def->query) != 0)
			continue;
		kpi_buf_printf(out, "%s%s", n++ ? ", " : "-- shared with: ", o->id);
	}
	if (n)
		kpi_buf_puts(out, " (the same query file: a run reading them for the same window runs it once; "
		                  "with a kpi column each KPI takes the rows that name it)\n");
}

/* The query file, its SHA-256, each parameter with its value and where the
 * value comes from, the KPIs it answers besides this one, and the expanded
 * text. */
static int pg_explain(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                      const kpi_window *w, kpi_error *err)
{
	char values[KPI__SQL_MAX_PARAMS][64];
	kpi__sql q;
	int rc;

	if ((rc = kpi__sql_load(&q, cfg->query_dir, def->query, err)))
		return kpi_error_wrap(err, "KPI %s", def->id);
	if (!(rc = kpi__pg_param_values(values, &q, cfg, cat, def, w, err))) {
		kpi_buf_printf(out, "-- query file: %s\n-- sha256: %s (of the text below, includes expanded)\n"
		                    "-- time zone: %s (session TimeZone)\n",
		               q.path, q.sha256, cfg->timezone);
		for (size_t i = 0; i < q.nparams; i++)
			kpi_buf_printf(out, "-- $%zu %-16s = %s (%s %s)\n", i + 1, q.params[i].name, values[i],
			               q.params[i].type, kpi__param_origin(def, q.params[i].name));
		explain_shared(out, cat, def);
		kpi_buf_printf(out, "\n%s", q.text);
		if (out->len && out->data[out->len - 1] != '\n')
			kpi_buf_puts(out, "\n");
	}
	kpi__sql_release(&q);
	return rc;
}

const kpi__source kpi__source_postgres = {
	.name = "postgres",
	.title = "PostgreSQL",
	.alarm_only = false,
	.check = NULL,
	.configured = NULL,
	.open = pg_open,
	.fetch = pg_fetch,
	.datapoints = NULL,
	.explain = pg_explain,
	.analyze = kpi__pg_analyze,
	.where = pg_where,
	.close = pg_close,
	.deadline = pg_deadline,
	.freshness = pg_freshness,
};
