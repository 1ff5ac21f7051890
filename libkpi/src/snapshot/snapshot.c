/*
 * The snapshot of one run: what a pack is rendered from (kpi/snapshot.h).
 *
 * Collection reads every KPI through kpi_collect's session and then, in the
 * same read-only repeatable-read transaction, the drill-down lists
 * (the queries in queries/pack/), so the lists and the KPIs describe the same instant
 * of the database and can be checked against each other.
 * Serialisation is in snapshot_json.c.
 */
#include "core/internal.h"
#include <libpq-fe.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void lists_release(kpi_snapshot *snap)
{
	for (size_t i = 0; i < snap->nuncovered; i++) {
		free(snap->uncovered[i].tenant_id);
		free(snap->uncovered[i].style_id);
	}
	free(snap->uncovered);
	for (size_t i = 0; i < snap->nmismatches; i++) {
		kpi_mismatch *m = &snap->mismatches[i];
		free(m->environment);
		free(m->tenant_id);
		free(m->style_id);
		free(m->user_id);
		free(m->decided_by);
		free(m->provider_metadata);
		free(m->route_outcome);
	}
	free(snap->mismatches);
	snap->uncovered = NULL;
	snap->mismatches = NULL;
	snap->nuncovered = snap->nmismatches = 0;
	snap->uncovered_total = snap->mismatches_total = 0;
}

void kpi_snapshot_free(kpi_snapshot *snap)
{
	if (!snap)
		return;
	lists_release(snap);
	for (size_t i = 0; i < snap->nchanges; i++) {
		kpi_change *c = &snap->changes[i];
		free(c->layer);
		free(c->key);
		free(c->old_value);
		free(c->new_value);
		free(c->actor);
	}
	free(snap->changes);
	for (size_t i = 0; i < snap->nsources; i++) {
		free(snap->sources[i].kind);
		free(snap->sources[i].where);
	}
	free(snap->sources);
	for (size_t i = 0; i < snap->ndrill_queries; i++)
		free(snap->drill_queries[i].name);
	free(snap->drill_queries);
	for (size_t i = 0; i < snap->nnot_collected; i++) {
		kpi_not_collected *n = &snap->not_collected[i];
		free(n->kpi);
		free(n->title);
		free(n->reason);
		free(n->detail);
	}
	free(snap->not_collected);
	if (snap->result)
		kpi_verdicts_free(snap->verdicts, (size_t)snap->result->window.nweeks);
	kpi_result_free(snap->result);
	kpi_catalog_free(snap->catalog);
	free(snap->tool_version);
	free(snap->timezone);
	free(snap);
}

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

/* Run one drill-down query, $1 and $2 as given and $3 the most rows it may
 * return; record its name and SHA-256 in the snapshot; allocate `*items` (of
 * `size` bytes each) for the rows and read `total`. The caller reads the
 * rows while d->ok == 0, then finish_drill(). Returns the row count, or -1
 * with `err` set (finish_drill() is not needed then). */
static int open_drill(drill *d, kpi_snapshot *snap, kpi_pg *pg, const kpi_config *cfg, const char *file,
                      const char *p1, const char *p2, int max, void **items, size_t size, size_t *total,
                      kpi_error *err)
{
	kpi_query_ref *q = &snap->drill_queries[snap->ndrill_queries];
	char what[160], lim[16];
	const char *params[3] = { p1, p2, lim };
	int n;

	memset(d, 0, sizeof(*d));
	d->file = file;
	d->err = err;
	snprintf(what, sizeof(what), "drill-down query %s", file);
	snprintf(lim, sizeof(lim), "%d", max);
	if (kpi__pg_query_file((struct pg_result **)&d->r, q->sha256, pg, cfg, file, what, 3, params, err))
		return -1;
	if (!(q->name = strdup(file))) {
		PQclear(d->r);
		kpi_error_set(err, KPI_ENOMEM, "out of memory");
		return -1;
	}
	snap->ndrill_queries++;
	n = PQntuples(d->r);
	if (n > max)
		bad(d, 0, "total", "comes with more rows than the limit $3");
	else if (n > 0 && !(*items = calloc((size_t)n, size)))
		oom(d);
	*total = get_total(d);
	return d->ok ? 0 : n;
}

static int finish_drill(drill *d)
{
	PQclear(d->r);
	d->r = NULL;
	return d->ok ? d->err->code : 0;
}

static int fetch_uncovered(kpi_snapshot *snap, kpi_pg *pg, const kpi_config *cfg, const kpi_window *w,
                           kpi_error *err)
{
	char t[32], days[16];
	drill d;
	int n;

	snprintf(days, sizeof(days), "%d", cfg->active_days);
	n = open_drill(&d, snap, pg, cfg, "pack/uncovered_designs.sql", kpi_time_format(t, sizeof(t), w->as_of), days,
	               KPI_SNAPSHOT_UNCOVERED_MAX, (void **)&snap->uncovered, sizeof(*snap->uncovered),
	               &snap->uncovered_total, err);
	if (n < 0)
		return err->code;
	for (int i = 0; i < n && d.ok == 0; i++) {
		kpi_uncovered *u = &snap->uncovered[snap->nuncovered++];
		u->design_id = get_int(&d, i, "design_id");
		u->tenant_id = get_str(&d, i, "tenant_id", false);
		u->style_id = get_str(&d, i, "style_id", false);
		u->revision = (int)get_int(&d, i, "revision");
		u->revision_at = get_int(&d, i, "revision_at");
		u->age_days = get_double(&d, i, "age_days");
	}
	return finish_drill(&d);
}

static int fetch_mismatches(kpi_snapshot *snap, kpi_pg *pg, const kpi_config *cfg, const kpi_window *w,
                            kpi_error *err)
{
	char from[32], to[32];
	drill d;
	int n;

	n = open_drill(&d, snap, pg, cfg, "pack/critical_mismatches.sql",
	               kpi_time_format(from, sizeof(from), w->starts[w->nweeks - 1]),
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
	return finish_drill(&d);
}

static int fetch_changes(kpi_snapshot *snap, kpi_pg *pg, const kpi_config *cfg, const kpi_window *w,
                         kpi_error *err)
{
	char from[32], to[32];
	drill d;
	int n;

	n = open_drill(&d, snap, pg, cfg, "pack/rollout_changes.sql", kpi_time_format(from, sizeof(from), w->from),
	               kpi_time_format(to, sizeof(to), w->as_of), KPI_SNAPSHOT_CHANGES_MAX, (void **)&snap->changes,
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
	return finish_drill(&d);
}

/* The last week's row of a label-less KPI, or NULL when the catalogue has no
 * such KPI (a site may drop it) or it has labels. */
static const kpi_row *last_row(const kpi_result *res, const char *id)
{
	const kpi_series *s = kpi_result_find(res, id);
	int64_t last = res->window.starts[res->window.nweeks - 1];

	if (!s || s->nlabels)
		return NULL;
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].period_start == last)
			return &s->rows[i];
	return NULL;
}

static bool same(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

int kpi__snapshot_check_lists(const kpi_snapshot *snap, kpi_error *err)
{
	const kpi_row *age = last_row(snap->result, "uncached_legacy_max_age_days");
	const kpi_row *crit = last_row(snap->result, "routing_mismatch_critical");
	double oldest = snap->nuncovered ? snap->uncovered[0].age_days : 0;

	if (age && age->has_value && age->has_numerator &&
	    (!same((double)snap->uncovered_total, age->numerator) || !same(oldest, age->value)))
		return kpi_error_set(err, KPI_ECONTRACT,
		                     "the uncovered designs list (%zu in all, oldest %.17g d) disagrees with "
		                     "KPI uncached_legacy_max_age_days (numerator %.17g, value %.17g)",
		                     snap->uncovered_total, oldest, age->numerator, age->value);
	if (crit && crit->has_value && !same((double)snap->mismatches_total, crit->value))
		return kpi_error_set(err, KPI_ECONTRACT,
		                     "the critical mismatches list (%zu in all) disagrees with KPI "
		                     "routing_mismatch_critical (%.17g)",
		                     snap->mismatches_total, crit->value);
	return 0;
}

static bool in_run(const kpi_def *d, const void *cfg)
{
	return d->source != KPI_SOURCE_CLOUDWATCH || kpi_cloudwatch_configured(cfg, d);
}

/* The catalogue's KPIs the run leaves out (not in_run), and why. */
static int record_not_collected(kpi_snapshot *snap, const kpi_catalog *cat, const kpi_config *cfg, kpi_error *err)
{
	if (!(snap->not_collected = calloc(cat->nkpis + 1, sizeof(*snap->not_collected))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		kpi_not_collected *n;
		if (in_run(d, cfg))
			continue;
		n = &snap->not_collected[snap->nnot_collected++];
		n->source = d->source;
		n->gating = d->gating;
		if (!(n->kpi = strdup(d->id)) || !(n->title = strdup(d->title)) ||
		    !(n->reason = strdup("CloudWatch not configured")) ||
		    !(n->detail = strdup(kpi__cw_configure_hint(cfg, d))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

/* "a, b (detail)" for the entries of `reason` whose detail is `detail`
 * (NULL: all of the reason's), appended at `o`. */
static size_t append_ids(char *buf, size_t size, size_t o, const kpi_snapshot *snap, const char *reason,
                         const char *detail)
{
	size_t k = 0;
	for (size_t i = 0; i < snap->nnot_collected && o < size; i++) {
		const kpi_not_collected *n = &snap->not_collected[i];
		if (strcmp(n->reason, reason) != 0 || (detail && strcmp(n->detail, detail) != 0))
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", k++ ? ", " : "", n->kpi);
	}
	if (detail && o < size)
		o += (size_t)snprintf(buf + o, size - o, " (%s)", detail);
	return o;
}

/* Whether entry `i` is the first with its `reason` (and, when `by_detail`,
 * its detail). */
static bool first_of(const kpi_snapshot *snap, size_t i, bool by_detail)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(snap->not_collected[j].reason, snap->not_collected[i].reason) == 0 &&
		    (!by_detail || strcmp(snap->not_collected[j].detail, snap->not_collected[i].detail) == 0))
			return false;
	return true;
}

size_t kpi__snapshot_not_collected(char *buf, size_t size, const kpi_snapshot *snap, bool detail)
{
	size_t o = 0, ngating = 0;

	buf[0] = '\0';
	if (snap->format < 2) {
		snprintf(buf, size, "not recorded (a snapshot of format %d does not say which catalogue KPIs the run "
		         "left out)", snap->format);
		return 0;
	}
	if (!snap->nnot_collected) {
		snprintf(buf, size, "none: every KPI of the catalogue was collected");
		return 0;
	}
	/* one group per reason, in catalogue order; with the details, one
	 * subgroup per setting that would collect it */
	for (size_t i = 0; i < snap->nnot_collected && o < size; i++) {
		const kpi_not_collected *n = &snap->not_collected[i];
		ngating += n->gating;
		if (!first_of(snap, i, false))
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s: ", o ? ". " : "", n->reason);
		if (!detail) {
			o = append_ids(buf, size, o, snap, n->reason, NULL);
			continue;
		}
		for (size_t j = i, k = 0; j < snap->nnot_collected && o < size; j++)
			if (strcmp(snap->not_collected[j].reason, n->reason) == 0 && first_of(snap, j, true)) {
				if (k++)
					o += (size_t)snprintf(buf + o, size - o, "; ");
				o = append_ids(buf, size, o, snap, n->reason, snap->not_collected[j].detail);
			}
	}
	if (ngating && o < size)
		snprintf(buf + o, size - o, ". %zu of them %s gating: the verdicts do not weigh %s", ngating,
		         ngating == 1 ? "is" : "are", ngating == 1 ? "it" : "them");
	return snap->nnot_collected;
}

int kpi_snapshot_collect(kpi_snapshot **out, const kpi_catalog *cat, const kpi_config *cfg,
                         const kpi_window *w, kpi_error *err)
{
	kpi_snapshot *snap = calloc(1, sizeof(*snap));
	kpi_error local = KPI_ERROR_INIT;
	kpi_pg *pg = NULL;
	int rc = 0;

	*out = NULL;
	if (!err)
		err = &local;
	if (!snap)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	snap->format = KPI_SNAPSHOT_FORMAT;
	snap->active_days = cfg->active_days;
	if (!(snap->tool_version = strdup(kpi_version())) || !(snap->timezone = strdup(w->tz)) ||
	    !(snap->drill_queries = calloc(3, sizeof(*snap->drill_queries)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* The series point into the snapshot's own copy of the definitions: of
	 * the KPIs of the run, as kpi_collect chooses them (a CloudWatch KPI
	 * whose load balancer or queues are not configured is not part of it). */
	if ((rc = kpi__catalog_dup(&snap->catalog, cat, in_run, cfg, err)) ||
	    (rc = record_not_collected(snap, cat, cfg, err)) ||
	    (rc = kpi__collect_session(&snap->result, &pg, snap->catalog, cfg, NULL, 0, w, err)) ||
	    (rc = kpi_eval_verdicts(&snap->verdicts, snap->result, err)))
		goto done;
	if (!pg && (rc = kpi_pg_open(&pg, cfg, err)))
		goto done;
	if ((rc = fetch_uncovered(snap, pg, cfg, w, err)) || (rc = fetch_mismatches(snap, pg, cfg, w, err)) ||
	    (rc = fetch_changes(snap, pg, cfg, w, err)))
		goto done;
	/* Provenance: PostgreSQL (the drill-downs always read it), CloudWatch
	 * when a KPI of the run comes from there; never a secret. */
	if (!(snap->sources = calloc(2, sizeof(*snap->sources)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	snap->nsources = 1;
	if (!(snap->sources[0].kind = strdup("postgres")) ||
	    !(snap->sources[0].where = strdup(kpi__pg_where(pg)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < snap->result->nseries; i++)
		if (snap->result->series[i].def->source == KPI_SOURCE_CLOUDWATCH) {
			kpi_source_info *src = &snap->sources[snap->nsources++];
			if (!(src->kind = strdup("cloudwatch"))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto done;
			}
			if ((rc = kpi_cloudwatch_where(&src->where, cfg, err)))
				goto done;
			break;
		}
	if ((rc = kpi__snapshot_check_lists(snap, err)))
		goto done;
	*out = snap;
	snap = NULL;
done:
	kpi_pg_close(pg);
	kpi_snapshot_free(snap);
	return rc;
}
