/* What each KPI's query cost in shared blocks, from pg_stat_statements
 * when the server has it (installed with CREATE EXTENSION and loaded by
 * shared_preload_libraries, so mainly on real deployments): before a
 * fetch, each query's id (EXPLAIN VERBOSE prints "Query Identifier" when
 * compute_query_id is on, which pg_stat_statements turns on) and the
 * extension's counters for those ids; after it, the counters again. A KPI
 * whose entry was called exactly once in between (the run's own call, no
 * other run's) gets the difference of shared_blks_hit and
 * shared_blks_read; else it has its wall time only. Without the extension
 * every KPI has its wall time only, and the provenance says why. */
#include "sources/postgres/pg.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cost_entry {
	bool has_id;
	long long id;
	double calls, hit, read; /* before the fetch; 0 when it had no entry */
} cost_entry;

struct kpi__pg_costs {
	cost_entry *e;
	size_t n;
};

#define NOT_INSTALLED "not measured: pg_stat_statements is not installed in this database (wall time only)"
#define NOT_LOADED "not measured: pg_stat_statements is installed but not loaded (shared_preload_libraries; wall time only)"
#define NO_QUERY_ID "not measured: the server computes no query identifiers (compute_query_id; wall time only)"

/* What an error of the probe is about: it is a run's first statement, so a
 * statement_timeout too low for the server shows here, not at a KPI. */
#define PSS_WHAT "the run's first statement (checking for pg_stat_statements, before any KPI)"

static int set_blocks_note(kpi_pg *pg, const char *s, kpi_error *err)
{
	kpi_source_freshness *f = kpi__pg_freshness(pg);
	free(f->blocks);
	if (!(f->blocks = strdup(s)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__pg_costs_probe(kpi_pg *pg, kpi_error *err)
{
	PGresult *r = NULL;
	char *pss = kpi__pg_pss(pg), sql[256];
	int rc;

	pss[0] = '\0';
	if ((rc = kpi__pg_session_sql((struct pg_result **)&r, pg, PSS_WHAT,
	                              "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n "
	                              "ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'",
	                              0, NULL, err)))
		return rc;
	if (PQntuples(r) != 1 || strlen(PQgetvalue(r, 0, 0)) > 100) {
		PQclear(r);
		return set_blocks_note(pg, NOT_INSTALLED, err);
	}
	snprintf(sql, sizeof(sql), "%s.pg_stat_statements", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	/* the view fails when the library is not loaded: a savepoint keeps
	 * the transaction (and its exported snapshot) alive */
	if ((rc = kpi__pg_session_sql((struct pg_result **)&r, pg, PSS_WHAT,
	                              "SAVEPOINT kpi_pss", 0, NULL, err)))
		return rc;
	PQclear(r);
	r = NULL;
	{
		char probe[300];
		kpi_error ignored = KPI_ERROR_INIT;
		snprintf(probe, sizeof(probe), "SELECT 1 FROM %s LIMIT 1", sql);
		rc = kpi__pg_session_sql((struct pg_result **)&r, pg, PSS_WHAT, probe, 0, NULL,
		                         &ignored);
		PQclear(r);
		r = NULL;
		if (rc == KPI_ETIMEOUT) {
			*err = ignored;
			return rc;
		}
	}
	if ((rc ? kpi__pg_session_sql((struct pg_result **)&r, pg, PSS_WHAT,
	                              "ROLLBACK TO SAVEPOINT kpi_pss", 0, NULL, err)
	        : kpi__pg_session_sql((struct pg_result **)&r, pg, PSS_WHAT,
	                              "RELEASE SAVEPOINT kpi_pss", 0, NULL, err))) {
		PQclear(r);
		return err->code;
	}
	PQclear(r);
	if (rc)
		return set_blocks_note(pg, NOT_LOADED, err);
	snprintf(pss, 160, "%s", sql);
	return set_blocks_note(pg, "pg_stat_statements", err);
}

void kpi__pg_costs_free(kpi__pg_costs *c)
{
	if (!c)
		return;
	free(c->e);
	free(c);
}

/* The query id of one KPI's query, from EXPLAIN (VERBOSE, FORMAT JSON)
 * with its parameters (planned, not run). */
static int query_id(cost_entry *e, kpi_pg *pg, const kpi__fetch *req, kpi_error *err)
{
	char values[KPI__SQL_MAX_PARAMS][64], what[160];
	const char *vals[KPI__SQL_MAX_PARAMS];
	const kpi_config *cfg = kpi__pg_config(pg);
	kpi__sql q;
	kpi_buf text = KPI_BUF_INIT;
	PGresult *r = NULL;
	json_t *doc = NULL, *id;
	int rc;

	snprintf(what, sizeof(what), "KPI %s (its query id for pg_stat_statements)", req->def->id);
	if ((rc = kpi__sql_load(&q, cfg->query_dir, req->def->query, err)))
		return kpi_error_wrap(err, "KPI %s", req->def->id);
	if ((rc = kpi__pg_param_values(values, &q, cfg, kpi__pg_catalog(pg), req->def, req->w, err)))
		goto done;
	for (size_t i = 0; i < q.nparams; i++)
		vals[i] = values[i];
	if (kpi_buf_printf(&text, "EXPLAIN (VERBOSE, FORMAT JSON) %s", q.text)) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi__pg_exec_sql((struct pg_result **)&r, pg, &q, text.data, vals, what, err)))
		goto done;
	if (PQntuples(r) == 1 && (doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL)) &&
	    json_is_integer(id = json_object_get(json_array_get(doc, 0), "Query Identifier"))) {
		e->has_id = true;
		e->id = (long long)json_integer_value(id);
	}
done:
	json_decref(doc);
	PQclear(r);
	kpi_buf_release(&text);
	kpi__sql_release(&q);
	return rc;
}

/* pg_stat_statements' counters of the ids in `c` (this role, this
 * database, top-level statements): into `calls`/`hit`/`read` of each
 * entry when `set`, else the difference into the series of `reqs`. */
static int counters(kpi__pg_costs *c, kpi_pg *pg, kpi__fetch *reqs, bool set, kpi_error *err)
{
	kpi_buf ids = KPI_BUF_INIT, sql = KPI_BUF_INIT;
	const char *vals[1];
	PGresult *r = NULL;
	int rc = 0;

	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].has_id && kpi_buf_printf(&ids, "%s%lld", ids.len ? "," : "{", c->e[i].id))
			rc = KPI_ENOMEM;
	if (!ids.len)
		goto done;
	if (rc || kpi_buf_puts(&ids, "}") ||
	    kpi_buf_printf(&sql,
	                   "SELECT queryid, calls::float8, shared_blks_hit::float8, shared_blks_read::float8 FROM %s "
	                   "WHERE toplevel AND queryid = ANY($1::bigint[]) AND dbid = (SELECT oid FROM pg_database "
	                   "WHERE datname = current_database()) AND userid = (SELECT oid FROM pg_roles WHERE rolname "
	                   "= current_user)",
	                   kpi__pg_pss(pg))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	vals[0] = ids.data;
	if ((rc = kpi__pg_session_sql((struct pg_result **)&r, pg, "reading pg_stat_statements", sql.data, 1, vals, err)))
		goto done;
	for (size_t i = 0; i < c->n; i++) {
		cost_entry *e = &c->e[i];
		double calls = 0, hit = 0, read = 0;
		if (!e->has_id)
			continue;
		for (int k = 0; k < PQntuples(r); k++)
			if (strtoll(PQgetvalue(r, k, 0), NULL, 10) == e->id) {
				calls += strtod(PQgetvalue(r, k, 1), NULL);
				hit += strtod(PQgetvalue(r, k, 2), NULL);
				read += strtod(PQgetvalue(r, k, 3), NULL);
			}
		if (set) {
			e->calls = calls;
			e->hit = hit;
			e->read = read;
		} else if (calls - e->calls == 1 && hit >= e->hit && read >= e->read) {
			kpi_series *s = reqs[i].out;
			s->has_blocks = true;
			s->shared_blks_hit = hit - e->hit;
			s->shared_blks_read = read - e->read;
		}
	}
done:
	PQclear(r);
	kpi_buf_release(&ids);
	kpi_buf_release(&sql);
	return rc;
}

int kpi__pg_costs_before(kpi__pg_costs **out, kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	kpi__pg_costs *c;
	bool any = false;
	int rc;

	*out = NULL;
	if (!kpi__pg_pss(pg)[0] || !n)
		return 0;
	if (!(c = calloc(1, sizeof(*c))) || !(c->e = calloc(n, sizeof(*c->e)))) {
		free(c);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		if ((rc = query_id(&c->e[i], pg, &reqs[i], err)))
			goto fail;
		any |= c->e[i].has_id;
	}
	if (!any) {
		kpi__pg_costs_free(c);
		return set_blocks_note(pg, NO_QUERY_ID, err);
	}
	if ((rc = counters(c, pg, reqs, true, err)))
		goto fail;
	*out = c;
	return 0;
fail:
	kpi__pg_costs_free(c);
	return rc;
}

int kpi__pg_costs_after(kpi__pg_costs *c, kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	if (!c || c->n != n)
		return 0;
	return counters(c, pg, reqs, false, err);
}
