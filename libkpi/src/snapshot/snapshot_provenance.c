/* snapshot.json's "provenance" section (format 4): collect, write, parse,
 * validate, free. Written as
 *   "provenance": {
 *     "sources": [{"source", "standby", "primary_time" (ISO UTC | null),
 *                  "lag_seconds" (number | null), "basis" (text | null),
 *                  "max_lag", "stale", "conflict_retries", "blocks" (text | null)}, ...],
 *     "costs": [{"kpi", "seconds" (number | null),
 *                "shared_blks_hit", "shared_blks_read" (numbers | null)}, ...]}
 * one cost per series, in series order (docs/pack.md, "snapshot.json"). */
#include "snapshot/snapshot_provenance.h"
#include "snapshot/snapshot_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void freshness_release(kpi_source_freshness *f)
{
	free(f->source);
	free(f->basis);
	free(f->blocks);
}

void kpi_provenance_free(kpi_provenance *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsources; i++)
		freshness_release(&p->sources[i]);
	free(p->sources);
	for (size_t i = 0; i < p->ncosts; i++)
		free(p->costs[i].kpi);
	free(p->costs);
	free(p);
}

int kpi__provenance_collect(kpi_provenance **out, kpi__run *run, const kpi_result *res, kpi_error *err)
{
	const kpi__source *const *srcs = kpi__sources();
	kpi_provenance *p = calloc(1, sizeof(*p));
	int rc = 0;

	*out = NULL;
	if (!p || !(p->sources = calloc(KPI__MAX_SOURCES + 1, sizeof(*p->sources))) ||
	    !(p->costs = calloc(res->nseries + 1, sizeof(*p->costs)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t k = 0; srcs[k] && k < KPI__MAX_SOURCES; k++) {
		kpi_source_freshness *f = &p->sources[p->nsources];
		if (!run->open[k] || !srcs[k]->freshness)
			continue;
		if ((rc = srcs[k]->freshness(run->session[k], f, err)))
			goto done;
		if (f->source)
			p->nsources++;
		else
			freshness_release(f);
	}
	for (size_t i = 0; i < res->nseries; i++) {
		const kpi_series *s = &res->series[i];
		kpi_kpi_cost *c = &p->costs[p->ncosts++];
		if (!(c->kpi = strdup(s->def->id))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		/* Not the run's times and blocks: they differ on every run, and a
		 * pack of unchanged data must keep its bytes (its manifest, which
		 * kpi deliver sends once). They are in the JSON log (pg.cost) and
		 * kpi publish's kpi_query_seconds; the entries stay, null. */
		(void)s;
	}
	*out = p;
	p = NULL;
done:
	kpi_provenance_free(p);
	return rc;
}

/* ---- writing ---- */

typedef kpi__snapw wr;

int kpi__provenance_write(kpi_buf *b, const kpi_provenance *p, kpi_error *err)
{
	wr w = { b, 0, err };

	if (!p) {
		kpi__snapw_put(&w, ",\n  \"provenance\": null");
		return w.rc;
	}
	kpi__snapw_put(&w, ",\n  \"provenance\": {\n    \"sources\": [");
	for (size_t i = 0; i < p->nsources; i++) {
		const kpi_source_freshness *f = &p->sources[i];
		kpi__snapw_put(&w, i ? ",\n      {\"source\": " : "\n      {\"source\": ");
		kpi__snapw_str(&w, f->source, "provenance text");
		kpi__snapw_put(&w, f->standby ? ", \"standby\": true, \"primary_time\": "
		                              : ", \"standby\": false, \"primary_time\": ");
		if (f->has_primary_time)
			kpi__snapw_time(&w, f->primary_time);
		else
			kpi__snapw_put(&w, "null");
		kpi__snapw_put(&w, ", \"lag_seconds\": ");
		kpi__snapw_num(&w, f->has_primary_time, f->lag_seconds, "a provenance number");
		kpi__snapw_put(&w, ", \"basis\": ");
		kpi__snapw_str(&w, f->basis, "provenance text");
		kpi__snapw_putf(&w, ", \"max_lag\": %d", f->max_lag);
		kpi__snapw_put(&w, f->stale ? ", \"stale\": true" : ", \"stale\": false");
		kpi__snapw_putf(&w, ", \"conflict_retries\": %d", f->conflict_retries);
		kpi__snapw_put(&w, ", \"blocks\": ");
		kpi__snapw_str(&w, f->blocks, "provenance text");
		kpi__snapw_put(&w, "}");
	}
	kpi__snapw_put(&w, p->nsources ? "\n    ],\n    \"costs\": [" : "],\n    \"costs\": [");
	for (size_t i = 0; i < p->ncosts; i++) {
		const kpi_kpi_cost *c = &p->costs[i];
		kpi__snapw_put(&w, i ? ",\n      {\"kpi\": " : "\n      {\"kpi\": ");
		kpi__snapw_str(&w, c->kpi, "provenance text");
		kpi__snapw_put(&w, ", \"seconds\": ");
		kpi__snapw_num(&w, c->has_seconds, c->seconds, "a provenance number");
		kpi__snapw_put(&w, ", \"shared_blks_hit\": ");
		kpi__snapw_num(&w, c->has_blocks, c->shared_blks_hit, "a provenance number");
		kpi__snapw_put(&w, ", \"shared_blks_read\": ");
		kpi__snapw_num(&w, c->has_blocks, c->shared_blks_read, "a provenance number");
		kpi__snapw_put(&w, "}");
	}
	kpi__snapw_put(&w, p->ncosts ? "\n    ]}" : "]}");
	return w.rc;
}

/* ---- parsing ---- */

/* Text or, when `nullable`, null; copied to *out. */
static int text(char **out, const kpi__jsondoc *doc, const json_t *o, const char *key, bool nullable, kpi_error *err)
{
	return kpi__json_text_member(out, doc, o, key, nullable, "provenance", err);
}

/* A number >= 0 or, when `nullable`, null. */
static int number(bool *has, double *out, const kpi__jsondoc *doc, const json_t *o, const char *key, bool nullable,
                  kpi_error *err)
{
	const json_t *v = json_object_get(o, key);
	*has = false;
	*out = 0;
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) >= 0))
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_EDATA, "provenance: '%s' must be %sa number >= 0", key,
		                          nullable ? "null or " : "");
	*has = true;
	*out = json_number_value(v);
	return 0;
}

static int whole(int *out, const kpi__jsondoc *doc, const json_t *o, const char *key, kpi_error *err)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000000)
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_EDATA, "provenance: '%s' must be a whole number >= 0", key);
	*out = (int)json_integer_value(v);
	return 0;
}

static int flag(bool *out, const kpi__jsondoc *doc, const json_t *o, const char *key, kpi_error *err)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_boolean(v))
		return kpi__jsondoc_error(doc, o, err, KPI_EDATA, "provenance: '%s' must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

static int parse_source(kpi_source_freshness *f, const kpi__jsondoc *doc, const json_t *o, kpi_error *err)
{
	static const char *const keys[] = { "source", "standby", "primary_time", "lag_seconds", "basis", "max_lag",
		                            "stale", "conflict_retries", "blocks", NULL };
	const json_t *pt;
	bool has_lag;
	int rc;

	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_EDATA, "provenance.sources: an entry must be an object");
	if (kpi__json_check_keys(doc, o, keys, "a provenance source", err))
		return err->code = KPI_EDATA;
	if ((rc = text(&f->source, doc, o, "source", false, err)) || (rc = flag(&f->standby, doc, o, "standby", err)) ||
	    (rc = number(&has_lag, &f->lag_seconds, doc, o, "lag_seconds", true, err)) ||
	    (rc = text(&f->basis, doc, o, "basis", true, err)) || (rc = whole(&f->max_lag, doc, o, "max_lag", err)) ||
	    (rc = flag(&f->stale, doc, o, "stale", err)) ||
	    (rc = whole(&f->conflict_retries, doc, o, "conflict_retries", err)) ||
	    (rc = text(&f->blocks, doc, o, "blocks", true, err)))
		return rc;
	pt = json_object_get(o, "primary_time");
	if (!json_is_null(pt)) {
		char back[32];
		if (!json_is_string(pt) || kpi_time_parse(&f->primary_time, json_string_value(pt), NULL) ||
		    strcmp(kpi_time_format(back, sizeof(back), f->primary_time), json_string_value(pt)) != 0)
			return kpi__jsondoc_error(doc, pt ? pt : o, err, KPI_EDATA,
			                          "provenance: 'primary_time' must be null or an ISO 8601 UTC time "
			                          "(YYYY-MM-DDThh:mm:ssZ)");
		f->has_primary_time = true;
	}
	if (has_lag != f->has_primary_time)
		return kpi__jsondoc_error(doc, o, err, KPI_EDATA,
		                          "provenance: 'lag_seconds' and 'primary_time' must both be set or both null");
	if (f->has_primary_time && !f->standby)
		return kpi__jsondoc_error(doc, o, err, KPI_EDATA, "provenance: a primary time is only a standby's");
	return 0;
}

static int parse_cost(kpi_kpi_cost *c, const kpi__jsondoc *doc, const json_t *o, const kpi_series *s,
                      kpi_error *err)
{
	static const char *const keys[] = { "kpi", "seconds", "shared_blks_hit", "shared_blks_read", NULL };
	bool has_read;
	int rc;

	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_EDATA, "provenance.costs: an entry must be an object");
	if (kpi__json_check_keys(doc, o, keys, "a provenance cost", err))
		return err->code = KPI_EDATA;
	if ((rc = text(&c->kpi, doc, o, "kpi", false, err)) ||
	    (rc = number(&c->has_seconds, &c->seconds, doc, o, "seconds", true, err)) ||
	    (rc = number(&c->has_blocks, &c->shared_blks_hit, doc, o, "shared_blks_hit", true, err)) ||
	    (rc = number(&has_read, &c->shared_blks_read, doc, o, "shared_blks_read", true, err)))
		return rc;
	if (has_read != c->has_blocks)
		return kpi__jsondoc_error(doc, o, err, KPI_EDATA,
		                          "provenance: 'shared_blks_hit' and 'shared_blks_read' must both be set or both null");
	if (strcmp(c->kpi, s->def->id) != 0)
		return kpi__jsondoc_error(doc, json_object_get(o, "kpi"), err, KPI_EDATA,
		                          "provenance.costs: '%s' where the series say '%s' (one cost per series, in "
		                          "their order)", c->kpi, s->def->id);
	return 0;
}

int kpi__provenance_parse(kpi_provenance **out, const kpi__jsondoc *doc, const json_t *v, const kpi_result *res,
                          kpi_error *err)
{
	static const char *const keys[] = { "sources", "costs", NULL };
	kpi_provenance *p = NULL;
	const json_t *srcs, *costs;
	int rc = 0;

	*out = NULL;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return kpi__jsondoc_error(doc, v ? v : doc->root, err, KPI_EDATA, "'provenance' must be an object or null");
	if (kpi__json_check_keys(doc, v, keys, "provenance", err))
		return err->code = KPI_EDATA;
	srcs = json_object_get(v, "sources");
	costs = json_object_get(v, "costs");
	if (!json_is_array(srcs) || json_array_size(srcs) > KPI__MAX_SOURCES)
		return kpi__jsondoc_error(doc, srcs ? srcs : v, err, KPI_EDATA,
		                          "provenance.sources must be a list of at most %d", KPI__MAX_SOURCES);
	if (!json_is_array(costs) || json_array_size(costs) != res->nseries)
		return kpi__jsondoc_error(doc, costs ? costs : v, err, KPI_EDATA,
		                          "provenance.costs must be a list of one cost per series (%zu)", res->nseries);
	if (!(p = calloc(1, sizeof(*p))) || !(p->sources = calloc(json_array_size(srcs) + 1, sizeof(*p->sources))) ||
	    !(p->costs = calloc(res->nseries + 1, sizeof(*p->costs)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < json_array_size(srcs); i++) {
		p->nsources++;
		if ((rc = parse_source(&p->sources[i], doc, json_array_get(srcs, i), err)))
			goto done;
		for (size_t k = 0; k < i; k++)
			if (strcmp(p->sources[k].source, p->sources[i].source) == 0) {
				rc = kpi__jsondoc_error(doc, json_array_get(srcs, i), err, KPI_EDATA,
				                        "provenance.sources: '%s' twice", p->sources[i].source);
				goto done;
			}
	}
	for (size_t i = 0; i < res->nseries; i++) {
		p->ncosts++;
		if ((rc = parse_cost(&p->costs[i], doc, json_array_get(costs, i), &res->series[i], err)))
			goto done;
	}
	*out = p;
	p = NULL;
done:
	kpi_provenance_free(p);
	return rc;
}

char *kpi__freshness_text(char *buf, size_t size, const kpi_source_freshness *f)
{
	char t[32], lag[32];
	size_t o;

	buf[0] = '\0';
	if (!f->standby)
		return buf;
	if (!f->has_primary_time) {
		o = (size_t)snprintf(buf, size, "a hot standby; replay lag unknown (%s)", f->basis ? f->basis : "not recorded");
	} else {
		kpi_time_format(t, sizeof(t), f->primary_time);
		kpi_format_number(lag, sizeof(lag), true, round(f->lag_seconds));
		o = (size_t)snprintf(buf, size, "a hot standby: data as of primary time %.10s %.8s UTC, lag %s s (%s)", t,
		                     t + 11, lag, f->basis ? f->basis : "");
	}
	if (o < size && f->stale)
		o += (size_t)snprintf(buf + o, size - o, " — %s database.max_lag %d s: its KPIs are missing data in this run, "
		                      "no value shown", f->has_primary_time ? "above" : "not known to be within", f->max_lag);
	else if (o < size && f->max_lag)
		o += (size_t)snprintf(buf + o, size - o, "; database.max_lag %d s", f->max_lag);
	if (o < size && f->conflict_retries)
		snprintf(buf + o, size - o, "; %d read%s cancelled by a recovery conflict and run again", f->conflict_retries,
		         f->conflict_retries == 1 ? "" : "s");
	return buf;
}

const char *kpi__lists_unread(char *buf, size_t size, const kpi_snapshot *snap)
{
	for (size_t i = 0; snap->provenance && i < snap->provenance->nsources; i++) {
		const kpi_source_freshness *f = &snap->provenance->sources[i];
		char lag[32];
		/* only a database source has standbys, and the lists are its */
		if (!f->stale)
			continue;
		if (f->has_primary_time)
			snprintf(buf, size, "Not read: the %s hot standby was %s s behind its primary, above "
			         "database.max_lag %d s; the list would be as stale as the KPIs, which are missing data in "
			         "this run.", f->source, kpi_format_number(lag, sizeof(lag), true, round(f->lag_seconds)),
			         f->max_lag);
		else
			snprintf(buf, size, "Not read: the %s hot standby's replay lag is not known to be within "
			         "database.max_lag %d s; the list would be as stale as the KPIs, which are missing data in "
			         "this run.", f->source, f->max_lag);
		return buf;
	}
	return NULL;
}
