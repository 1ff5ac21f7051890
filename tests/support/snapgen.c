#include "snapgen.h"
#include "internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KPI_SOURCE_DIR
#error "KPI_SOURCE_DIR must be defined by the build"
#endif

void snapgen_set(char **dst, const char *value)
{
	free(*dst);
	*dst = value ? strdup(value) : NULL;
}

/* A uniform number in [0, 1) from the seed and three coordinates (splitmix64). */
static double unit(unsigned seed, size_t a, size_t b, size_t c)
{
	uint64_t z = (uint64_t)seed * 0x9E3779B97F4A7C15ull + a * 0xBF58476D1CE4E5B9ull + b * 0x94D049BB133111EBull +
	             c * 0x2545F4914F6CDD1Dull + 1;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

/* Values around the threshold so that every status occurs. */
static void make_value(unsigned seed, size_t k, const kpi_def *d, int wi, size_t combo, kpi_row *r)
{
	double u = unit(seed, k, (size_t)wi, combo), u2 = unit(seed + 1, k, (size_t)wi, combo);
	bool pct = strcmp(d->unit, "%") == 0, count = strcmp(d->unit, "count") == 0;
	double t = d->threshold.target, v;

	if (!d->empty_is_zero && u2 < 0.06) {
		r->has_value = false;
		if (pct) {
			r->has_numerator = r->has_denominator = true; /* 0 / 0 */
		}
		return;
	}
	switch (d->threshold.op) {
	case KPI_OP_GE:
	case KPI_OP_GT: v = t - 4 + 6 * u; break;
	case KPI_OP_LE:
	case KPI_OP_LT: v = t * 1.6 * u; break;
	case KPI_OP_EQ: v = u < 0.75 ? t : count ? t + 1 + floor(u * 40) : t - 20 * u; break;
	default: v = pct ? 100 * u : count ? floor(60 * u) : 3600 * u * u;
	}
	if (pct && v > 100)
		v = 100;
	r->has_value = true;
	r->value = v;
	if (pct) {
		double den = 50 + floor(2000 * u2), num = round(v / 100 * den);
		r->has_numerator = r->has_denominator = true;
		r->numerator = num;
		r->denominator = den;
		r->value = 100 * num / den;
	}
}

static int make_series(kpi_series *s, const kpi_def *d, size_t k, const kpi_window *w, unsigned seed,
                       kpi_error *err)
{
	size_t ncombo = 1;
	int rc;

	if ((rc = kpi__series_init(s, d, err)))
		return rc;
	for (size_t i = 0; i < d->nlabels; i++)
		ncombo *= d->labels[i].nvalues ? d->labels[i].nvalues : 2;
	s->rows = calloc((size_t)w->nweeks * ncombo + 1, sizeof(*s->rows));
	if (!s->rows)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	snprintf(s->query_sha256, sizeof(s->query_sha256), "%064zx", k + 1);
	for (int wi = 0; wi < w->nweeks; wi++)
		for (size_t c = 0; c < ncombo; c++) {
			kpi_row *r = &s->rows[s->nrows++];
			size_t rem = c;
			r->period_start = w->starts[wi];
			r->period_end = w->starts[wi + 1];
			r->partial = w->partial && wi == w->nweeks - 1;
			r->applicable = true;
			r->labels = calloc(d->nlabels + 1, sizeof(char *));
			if (!r->labels)
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			for (size_t li = d->nlabels; li-- > 0;) {
				const kpi_label_def *l = &d->labels[li];
				size_t nv = l->nvalues ? l->nvalues : 2;
				char open[32];
				snprintf(open, sizeof(open), "value-%zu", rem % nv);
				r->labels[li] = strdup(l->nvalues ? l->values[rem % nv] : open);
				rem /= nv;
			}
			make_value(seed, k, d, wi, c, r);
			if (strcmp(d->id, "uncached_legacy_max_age_days") == 0) {
				double u = unit(seed + 7, k, (size_t)wi, c);
				r->has_numerator = true;
				r->numerator = floor(40 * u);
				r->value = r->numerator ? 1 + 11 * u : 0;
			}
		}
	return 0;
}

static const kpi_row *last_of(const kpi_snapshot *snap, const char *id)
{
	const kpi_series *s = kpi_result_find(snap->result, id);
	const kpi_window *w = &snap->result->window;
	for (size_t i = 0; s && i < s->nrows; i++)
		if (s->rows[i].period_start == w->starts[w->nweeks - 1])
			return &s->rows[i];
	return NULL;
}

int snapgen_sync_lists(kpi_snapshot *snap, kpi_error *err)
{
	const kpi_window *w = &snap->result->window;
	const kpi_row *age = last_of(snap, "uncached_legacy_max_age_days");
	const kpi_row *crit = last_of(snap, "routing_mismatch_critical");
	size_t n;

	kpi__snapshot_lists_release(snap);
	snap->uncovered_total = age && age->has_numerator ? (size_t)age->numerator : 0;
	n = snap->uncovered_total < KPI_SNAPSHOT_UNCOVERED_MAX ? snap->uncovered_total : KPI_SNAPSHOT_UNCOVERED_MAX;
	snap->uncovered = calloc(n + 1, sizeof(*snap->uncovered));
	snap->nuncovered = n;
	for (size_t i = 0; i < n && snap->uncovered; i++) {
		kpi_uncovered *u = &snap->uncovered[i];
		char t[32];
		u->design_id = 100000 + (int64_t)i * 7;
		snprintf(t, sizeof(t), "tenant-%zu", i % 5);
		u->tenant_id = strdup(t);
		snprintf(t, sizeof(t), "style-%zu", i % 3);
		u->style_id = strdup(t);
		u->revision = 1 + (int)(i % 4);
		u->age_days = i == 0 ? age->value : age->value * (double)(n - i) / (double)n;
		u->revision_at = w->as_of - (int64_t)floor(u->age_days * 86400);
	}
	snap->mismatches_total = crit && crit->has_value ? (size_t)crit->value : 0;
	n = snap->mismatches_total < KPI_SNAPSHOT_MISMATCHES_MAX ? snap->mismatches_total : KPI_SNAPSHOT_MISMATCHES_MAX;
	snap->mismatches = calloc(n + 1, sizeof(*snap->mismatches));
	snap->nmismatches = n;
	for (size_t i = 0; i < n && snap->mismatches; i++) {
		kpi_mismatch *m = &snap->mismatches[i];
		m->id = 900000 - (int64_t)i;
		m->decided_at = w->as_of - 1 - (int64_t)i * 600;
		m->design_id = 5000 + (int64_t)i;
		m->environment = strdup("production");
		m->tenant_id = strdup(i % 2 ? "acme" : "globex");
		m->style_id = strdup("vintage-poster");
		m->user_id = strdup("u-1");
		m->decided_by = strdup(i % 2 ? "tenant" : "style");
		m->provider_metadata = strdup(i % 2 ? "owned" : "legacy");
		m->route_outcome = strdup(i % 2 ? "legacy" : "owned");
		m->design_migrated = false;
	}
	if (!snap->uncovered || !snap->mismatches)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int snapgen_build(kpi_snapshot **out, const snapgen_opts *o, kpi_error *err)
{
	kpi_snapshot *snap = calloc(1, sizeof(*snap));
	const char *cat_path = o->catalog ? o->catalog : KPI_SOURCE_DIR "/templates/catalog.json";
	int64_t now = o->now;
	kpi_result *res;
	int rc = 0;

	*out = NULL;
	if (!snap)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!now && (rc = kpi_time_parse(&now, "2026-12-01T00:00:00Z", err)))
		goto fail;
	snap->format = KPI_SNAPSHOT_FORMAT;
	snap->tool_version = strdup(kpi_version());
	snap->timezone = strdup(o->tz ? o->tz : "UTC");
	snap->active_days = 90;
	if ((rc = kpi_catalog_load(&snap->catalog, cat_path, err)))
		goto fail;
	/* a stable path in the snapshot, wherever the tests run */
	snapgen_set(&snap->catalog->path, "templates/catalog.json");
	if (!(res = snap->result = calloc(1, sizeof(*res))) ||
	    !(res->series = calloc(snap->catalog->nkpis + 1, sizeof(*res->series)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = kpi_window_init(&res->window, o->week ? o->week : "2026-W46", o->nweeks ? o->nweeks : 12,
	                          snap->timezone, now, err)))
		goto fail;
	res->read_at = now;
	for (size_t k = 0; k < snap->catalog->nkpis; k++) {
		if ((rc = make_series(&res->series[k], &snap->catalog->kpis[k], k, &res->window, o->seed, err)))
			goto fail;
		res->nseries++;
	}
	snap->sources = calloc(1, sizeof(*snap->sources));
	snap->drill_queries = calloc(3, sizeof(*snap->drill_queries));
	snap->changes = calloc(o->nchanges + 1, sizeof(*snap->changes));
	if (!snap->sources || !snap->drill_queries || !snap->changes) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto fail;
	}
	snap->nsources = 1;
	snap->sources[0].kind = strdup("postgres");
	snap->sources[0].where = strdup("host=/tmp/kpi-test port=5432 dbname=kpi user=kpi_reader");
	{
		static const char *const q[] = { "pack/uncovered_designs.sql", "pack/critical_mismatches.sql",
			                         "pack/rollout_changes.sql" };
		for (int i = 0; i < 3; i++) {
			snap->drill_queries[i].name = strdup(q[i]);
			snprintf(snap->drill_queries[i].sha256, 65, "%064x", 0xd0 + i);
		}
		snap->ndrill_queries = 3;
	}
	for (size_t i = 0; i < o->nchanges; i++) {
		kpi_change *c = &snap->changes[snap->nchanges++];
		const kpi_window *w = &res->window;
		c->id = (int64_t)i + 1;
		c->changed_at = w->from + (int64_t)(i + 1) * ((w->as_of - w->from) / (int64_t)(o->nchanges + 1));
		c->layer = strdup(i % 3 == 0 ? "tenant" : i % 3 == 1 ? "style" : "environment");
		c->key = strdup(i % 3 == 0 ? "acme" : i % 3 == 1 ? "gold-foil" : "staging");
		c->old_value = i % 4 == 0 ? NULL : strdup("legacy");
		c->new_value = strdup("owned");
		c->actor = strdup("deploy-bot");
	}
	snap->changes_total = snap->nchanges;
	if (o->edit)
		o->edit(o->ctx, snap);
	if ((rc = snapgen_sync_lists(snap, err)))
		goto fail;
	kpi_eval_result(res);
	if ((rc = kpi_eval_verdicts(&snap->verdicts, res, err)))
		goto fail;
	*out = snap;
	return 0;
fail:
	kpi_snapshot_free(snap);
	return rc;
}
