/* The pack's drill-down lists (kpi/snapshot.h): the queries of
 * queries/pack/, run in the run's read-only repeatable-read transaction
 * after the KPIs, so the lists and the KPIs describe the same instant of the
 * database and can be checked against each other. Text results, each
 * column checked before a value is used. */
#include "sources/postgres/pg.h"
#include <libpq-fe.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading the drill-down results (text format) ---- */

typedef struct drill {
	PGresult *r;
	const char *file;
	int ok;         /* 0 until a column or value is malformed */
	kpi_error *err;
} drill;

static void oom(drill *d)
{
	if (d->ok == 0) {
		d->ok = -1;
		kpi_error_set(d->err, KPI_ENOMEM, "out of memory");
	}
}

static int col(drill *d, const char *name)
{
	int c = PQfnumber(d->r, name);
	if (c < 0 && d->ok == 0) {
		d->ok = -1;
		kpi_error_set(d->err, KPI_ECONTRACT, "%s: result has no column '%s'", d->file, name);
	}
	return c;
}

static void bad(drill *d, int row, const char *name, const char *what)
{
	if (d->ok == 0) {
		d->ok = -1;
		kpi_error_set(d->err, KPI_ECONTRACT, "%s: row %d: column '%s' %s", d->file, row + 1, name, what);
	}
}

static int64_t get_int(drill *d, int row, const char *name)
{
	int c = col(d, name);
	const char *v;
	char *end;
	long long n;

	if (c < 0)
		return 0;
	if (PQgetisnull(d->r, row, c)) {
		bad(d, row, name, "is null");
		return 0;
	}
	v = PQgetvalue(d->r, row, c);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		bad(d, row, name, "is not a whole number");
	return (int64_t)n;
}

static double get_double(drill *d, int row, const char *name)
{
	int c = col(d, name);
	const char *v;
	char *end;
	double x;

	if (c < 0)
		return 0;
	if (PQgetisnull(d->r, row, c)) {
		bad(d, row, name, "is null");
		return 0;
	}
	v = PQgetvalue(d->r, row, c);
	x = strtod(v, &end);
	if (end == v || *end || !isfinite(x))
		bad(d, row, name, "is not a finite number");
	return x;
}

/* A text column as a new string; NULL for SQL null when `nullable`. */
static char *get_str(drill *d, int row, const char *name, bool nullable)
{
	int c = col(d, name);
	char *s;

	if (c < 0)
		return NULL;
	if (PQgetisnull(d->r, row, c)) {
		if (!nullable)
			bad(d, row, name, "is null");
		return NULL;
	}
	if (!(s = strdup(PQgetvalue(d->r, row, c))))
		oom(d);
	return s;
}

static bool get_bool(drill *d, int row, const char *name)
{
	int c = col(d, name);
	const char *v;

	if (c < 0)
		return false;
	v = PQgetisnull(d->r, row, c) ? "" : PQgetvalue(d->r, row, c);
	if (strcmp(v, "t") != 0 && strcmp(v, "f") != 0)
		bad(d, row, name, "is not a boolean");
	return v[0] == 't';
}

/* `total` of the first row (0 rows: 0), checked to be >= the row count. */
static size_t get_total(drill *d)
{
	int n = PQntuples(d->r);
	int64_t t;

	if (n == 0)
		return 0;
	t = get_int(d, 0, "total");
	if (d->ok == 0 && t < n)
		bad(d, 0, "total", "is smaller than the number of rows");
	return (size_t)(t < 0 ? 0 : t);
}

/* Run one drill-down query, with parameters n1 = v1, n2 = v2 and max_rows
 * the most rows it may return; `sha256` gets the SHA-256 of its text;
 * allocate `*items` (of `size` bytes each) for the rows and read `total`.
 * The caller reads the rows while d->ok == 0, then finish_drill(). Returns
 * the row count, or -1 with `err` set (finish_drill() is not needed then). */
static int open_drill(drill *d, char sha256[65], kpi_pg *pg, const char *file, const char *n1, const char *v1,
                      const char *n2, const char *v2, int max, void **items, size_t size, size_t *total,
                      kpi_error *err)
{
	char what[160], lim[16];
	const char *names[3] = { n1, n2, "max_rows" }, *values[3] = { v1, v2, lim };
	int n;

	memset(d, 0, sizeof(*d));
	d->file = file;
	d->err = err;
	snprintf(what, sizeof(what), "drill-down query %s", file);
	snprintf(lim, sizeof(lim), "%d", max);
	if (kpi__pg_query_file((struct pg_result **)&d->r, sha256, pg, file, what, 3, names, values, err))
		return -1;
	n = PQntuples(d->r);
	if (n > max)
		bad(d, 0, "total", "comes with more rows than the limit max_rows");
	else if (n > 0 && !(*items = calloc((size_t)n, size)))
		oom(d);
	*total = get_total(d);
	return d->ok ? 0 : n;
}

/* Record in the snapshot that query `file` (SHA-256 `sha256`) ran. */
static int record_query(kpi_snapshot *snap, const char *file, const char *sha256, kpi_error *err)
{
	kpi_query_ref *q = &snap->drill_queries[snap->ndrill_queries];

	if (!(q->name = strdup(file)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	memcpy(q->sha256, sha256, sizeof(q->sha256));
	snap->ndrill_queries++;
	return 0;
}

static int finish_drill(drill *d)
{
	PQclear(d->r);
	d->r = NULL;
	return d->ok ? d->err->code : 0;
}

#define UNCOVERED_QUERY "pack/uncovered_designs.sql"

void kpi__uncovered_free(kpi_uncovered *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].tenant_id);
		free(items[i].style_id);
	}
	free(items);
}

int kpi__pg_uncovered(kpi_uncovered **items, size_t *n, size_t *total, char sha256[65], kpi_pg *pg, int64_t as_of,
                      int active_days, int max, kpi_error *err)
{
	char t[32], days[16];
	drill d;
	int rows, rc;

	*items = NULL;
	*n = *total = 0;
	snprintf(days, sizeof(days), "%d", active_days);
	rows = open_drill(&d, sha256, pg, UNCOVERED_QUERY, "as_of", kpi_time_format(t, sizeof(t), as_of), "active_days",
	                  days, max, (void **)items, sizeof(**items), total, err);
	if (rows < 0)
		return err->code;
	for (int i = 0; i < rows && d.ok == 0; i++) {
		kpi_uncovered *u = &(*items)[(*n)++];
		u->design_id = get_int(&d, i, "design_id");
		u->tenant_id = get_str(&d, i, "tenant_id", false);
		u->style_id = get_str(&d, i, "style_id", false);
		u->revision = (int)get_int(&d, i, "revision");
		u->revision_at = get_int(&d, i, "revision_at");
		u->age_days = get_double(&d, i, "age_days");
	}
	if ((rc = finish_drill(&d))) {
		kpi__uncovered_free(*items, *n);
		*items = NULL;
		*n = *total = 0;
	}
	return rc;
}

static int fetch_uncovered(kpi_snapshot *snap, kpi_pg *pg, const kpi_window *w, kpi_error *err)
{
	char sha256[65];
	int rc;

	if ((rc = kpi__pg_uncovered(&snap->uncovered, &snap->nuncovered, &snap->uncovered_total, sha256, pg, w->as_of,
	                            snap->active_days, KPI_SNAPSHOT_UNCOVERED_MAX, err)))
		return rc;
	return record_query(snap, UNCOVERED_QUERY, sha256, err);
}

static int fetch_mismatches(kpi_snapshot *snap, kpi_pg *pg, const kpi_window *w, kpi_error *err)
{
	char from[32], to[32], sha256[65];
	drill d;
	int n;

	n = open_drill(&d, sha256, pg, "pack/critical_mismatches.sql", "from",
	               kpi_time_format(from, sizeof(from), w->starts[w->nweeks - 1]), "to",
	               kpi_time_format(to, sizeof(to), w->as_of), KPI_SNAPSHOT_MISMATCHES_MAX,
	               (void **)&snap->mismatches, sizeof(*snap->mismatches), &snap->mismatches_total, err);
	if (n < 0)
		return err->code;
	for (int i = 0; i < n && d.ok == 0; i++) {
		kpi_mismatch *m = &snap->mismatches[snap->nmismatches++];
		m->id = get_int(&d, i, "id");
		m->decided_at = get_int(&d, i, "decided_at");
		m->design_id = get_int(&d, i, "design_id");
		m->environment = get_str(&d, i, "environment", false);
		m->tenant_id = get_str(&d, i, "tenant_id", false);
		m->style_id = get_str(&d, i, "style_id", false);
		m->user_id = get_str(&d, i, "user_id", false);
		m->decided_by = get_str(&d, i, "decided_by", false);
		m->provider_metadata = get_str(&d, i, "provider_metadata", false);
		m->route_outcome = get_str(&d, i, "route_outcome", false);
		m->design_migrated = get_bool(&d, i, "design_migrated");
	}
	return finish_drill(&d) ? err->code : record_query(snap, "pack/critical_mismatches.sql", sha256, err);
}

static int fetch_changes(kpi_snapshot *snap, kpi_pg *pg, const kpi_window *w, kpi_error *err)
{
	char from[32], to[32], sha256[65];
	drill d;
	int n;

	n = open_drill(&d, sha256, pg, "pack/rollout_changes.sql", "from", kpi_time_format(from, sizeof(from), w->from),
	               "to", kpi_time_format(to, sizeof(to), w->as_of), KPI_SNAPSHOT_CHANGES_MAX, (void **)&snap->changes,
	               sizeof(*snap->changes), &snap->changes_total, err);
	if (n < 0)
		return err->code;
	for (int i = 0; i < n && d.ok == 0; i++) {
		kpi_change *c = &snap->changes[snap->nchanges++];
		c->id = get_int(&d, i, "id");
		c->changed_at = get_int(&d, i, "changed_at");
		c->layer = get_str(&d, i, "layer", false);
		c->key = get_str(&d, i, "key", false);
		c->old_value = get_str(&d, i, "old_value", true);
		c->new_value = get_str(&d, i, "new_value", true);
		c->actor = get_str(&d, i, "actor", false);
	}
	return finish_drill(&d) ? err->code : record_query(snap, "pack/rollout_changes.sql", sha256, err);
}

int kpi__pg_lists(kpi_snapshot *snap, kpi_pg *pg, const kpi_window *w, kpi_error *err)
{
	int rc;
	if (!snap->drill_queries && !(snap->drill_queries = calloc(3, sizeof(*snap->drill_queries))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* a standby lagging past database.max_lag: its lists would be as stale
	 * as its KPIs, which are missing data (the provenance says why) */
	if (kpi__pg_freshness(pg)->stale)
		return 0;
	if ((rc = fetch_uncovered(snap, pg, w, err)) || (rc = fetch_mismatches(snap, pg, w, err)) ||
	    (rc = fetch_changes(snap, pg, w, err)))
		return rc;
	return 0;
}
