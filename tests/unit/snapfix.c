/* Snapshot fixtures for the renderer's tests and benchmark (snapfix.h). */
#include "snapfix.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *fmt, ...) KPI_PRINTF(1, 2);
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("snapfix: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d;
	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		die("out of memory");
	return d;
}

#define GROW(arr, n)                                                                  \
	do {                                                                          \
		void *g_ = realloc((arr), ((n) + 1) * sizeof(*(arr)));                \
		if (!g_)                                                              \
			die("out of memory");                                         \
		(arr) = g_;                                                           \
		memset(&(arr)[(n)], 0, sizeof(*(arr)));                               \
	} while (0)

kpi_snapshot *snapfix_new(const char *catalog_path, const char *last_week, int nweeks, const char *tz, int64_t now)
{
	kpi_snapshot *snap = xcalloc(1, sizeof(*snap));
	kpi_error err = KPI_ERROR_INIT;

	snap->format = 2; /* the golden fixtures are format 2, written back as such; format 3 adds "history" */
	snap->tool_version = xstrdup(kpi_version());
	snap->timezone = xstrdup(tz);
	snap->active_days = 90;
	if (kpi_catalog_load(&snap->catalog, catalog_path, &err) != 0)
		die("%s", err.message);
	/* the same provenance text wherever the source tree is (golden files) */
	if (strncmp(catalog_path, KPI_SOURCE_DIR "/", strlen(KPI_SOURCE_DIR) + 1) == 0) {
		char *rel = xstrdup(catalog_path + strlen(KPI_SOURCE_DIR) + 1);
		free(snap->catalog->path);
		snap->catalog->path = rel;
	}
	snap->result = xcalloc(1, sizeof(*snap->result));
	if (kpi_window_init(&snap->result->window, last_week, nweeks, tz, now, &err) != 0)
		die("%s", err.message);
	snap->result->read_at = now;
	snap->result->series = xcalloc(snap->catalog->nkpis, sizeof(kpi_series));
	snap->sources = xcalloc(1, sizeof(*snap->sources));
	snap->sources[0].kind = xstrdup("postgres");
	snap->sources[0].where = xstrdup("host=/tmp/kpi-test port=5432 dbname=kpi user=kpi_ro");
	snap->nsources = 1;
	snprintf(snap->sha256, sizeof(snap->sha256), "%s",
	         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	return snap;
}

kpi_series *snapfix_series(kpi_snapshot *snap, const char *id)
{
	kpi_result *res = snap->result;
	const kpi_def *def = kpi_catalog_find(snap->catalog, id);
	kpi_series *s;

	for (size_t i = 0; i < res->nseries; i++)
		if (strcmp(res->series[i].def->id, id) == 0)
			return &res->series[i];
	if (!def)
		die("no KPI '%s' in the catalogue", id);
	s = &res->series[res->nseries++];
	if (kpi__series_init(s, def, NULL) != 0)
		die("out of memory");
	snprintf(s->query_sha256, sizeof(s->query_sha256), "%064x", (unsigned)res->nseries);
	return s;
}

kpi_row *snapfix_row(kpi_snapshot *snap, const char *id, int week, const char *const *labels, bool has, double value)
{
	kpi_series *s = snapfix_series(snap, id);
	const kpi_window *w = &snap->result->window;
	kpi_row *r;

	if (week < 0 || week >= w->nweeks)
		die("week %d outside the window", week);
	GROW(s->rows, s->nrows);
	r = &s->rows[s->nrows++];
	r->labels = xcalloc(s->nlabels, sizeof(char *));
	for (size_t i = 0; i < s->nlabels; i++)
		r->labels[i] = xstrdup(labels[i]);
	r->period_start = w->starts[week];
	r->period_end = w->starts[week + 1];
	r->has_value = has;
	r->value = has ? value : 0;
	r->applicable = true;
	r->partial = w->partial && week == w->nweeks - 1;
	return r;
}

void snapfix_title(kpi_snapshot *snap, const char *id, const char *title)
{
	kpi_def *def = (kpi_def *)kpi_catalog_find(snap->catalog, id);
	if (!def)
		die("no KPI '%s'", id);
	free(def->title);
	def->title = xstrdup(title);
}

void snapfix_change(kpi_snapshot *snap, int64_t at, const char *layer, const char *key, const char *old_value,
                    const char *new_value, const char *actor)
{
	kpi_change *c;
	GROW(snap->changes, snap->nchanges);
	c = &snap->changes[snap->nchanges++];
	c->id = (int64_t)snap->nchanges;
	c->changed_at = at;
	c->layer = xstrdup(layer);
	c->key = xstrdup(key);
	c->old_value = xstrdup(old_value);
	c->new_value = xstrdup(new_value);
	c->actor = xstrdup(actor);
	if (snap->changes_total < snap->nchanges)
		snap->changes_total = snap->nchanges;
}

void snapfix_not_collected(kpi_snapshot *snap, const char *id, const char *title, bool gating, const char *reason,
                           const char *detail)
{
	kpi_not_collected *n;
	GROW(snap->not_collected, snap->nnot_collected);
	n = &snap->not_collected[snap->nnot_collected++];
	n->kpi = xstrdup(id);
	n->title = xstrdup(title);
	n->source = xstrdup("cloudwatch");
	n->gating = gating;
	n->reason = xstrdup(reason);
	n->detail = xstrdup(detail);
}

void snapfix_uncovered(kpi_snapshot *snap, int64_t design, const char *tenant, const char *style, int revision,
                       int64_t revision_at)
{
	kpi_uncovered *u;
	GROW(snap->uncovered, snap->nuncovered);
	u = &snap->uncovered[snap->nuncovered++];
	u->design_id = design;
	u->tenant_id = xstrdup(tenant);
	u->style_id = xstrdup(style);
	u->revision = revision;
	u->revision_at = revision_at;
	u->age_days = (double)(snap->result->window.as_of - revision_at) / 86400.0;
	if (snap->uncovered_total < snap->nuncovered)
		snap->uncovered_total = snap->nuncovered;
}

void snapfix_mismatch(kpi_snapshot *snap, int64_t id, int64_t at, int64_t design, const char *tenant,
                      const char *decided_by, const char *metadata, const char *outcome)
{
	kpi_mismatch *m;
	GROW(snap->mismatches, snap->nmismatches);
	m = &snap->mismatches[snap->nmismatches++];
	m->id = id;
	m->decided_at = at;
	m->design_id = design;
	m->environment = xstrdup("production");
	m->tenant_id = xstrdup(tenant);
	m->style_id = xstrdup("classic");
	m->user_id = xstrdup("u1001");
	m->decided_by = xstrdup(decided_by);
	m->provider_metadata = xstrdup(metadata);
	m->route_outcome = xstrdup(outcome);
	if (snap->mismatches_total < snap->nmismatches)
		snap->mismatches_total = snap->nmismatches;
}

static void verdicts(kpi_snapshot *snap)
{
	kpi_error err = KPI_ERROR_INIT;
	if (snap->verdicts)
		kpi_verdicts_free(snap->verdicts, (size_t)snap->result->window.nweeks);
	snap->verdicts = NULL;
	if (kpi_eval_verdicts(&snap->verdicts, snap->result, &err) != 0)
		die("%s", err.message);
}

void snapfix_finish(kpi_snapshot *snap)
{
	kpi_eval_result(snap->result);
	verdicts(snap);
}

kpi_snapshot *snapfix_read(const char *path)
{
	kpi_snapshot *snap = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_snapshot_load(&snap, path, &err) != 0)
		die("%s", err.message);
	return snap;
}

/* ---- synthetic ---- */

static uint64_t rng_state = 88172645463325252ull;

static double rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* A plausible value of KPI `def` for a label set in week `w` of `n`. */
static bool synth_value(const kpi_def *def, const char *const *labels, int w, int n, double *v, bool *na)
{
	const char *id = def->id;
	double t = n > 1 ? (double)w / (n - 1) : 1;
	*na = false;
	if (strcmp(id, "adoption_split") == 0) {
		double owned = 5 + 90 * t + (rnd() - 0.5) * 3;
		*v = strcmp(labels[0], "owned") == 0 ? owned : 100 - owned;
		return true;
	}
	if (strcmp(id, "export_success_rate") == 0) {
		*v = 99.6 + (rnd() - 0.5) * 0.8 - (w % 9 == 4 ? 1.2 : 0);
		return true;
	}
	if (strcmp(id, "job_latency_seconds") == 0) {
		double base = strcmp(labels[0], "export") == 0 ? 40 : 3;
		double mul = strcmp(labels[2], "p50") == 0 ? 1 : strcmp(labels[2], "p95") == 0 ? 3.5 : 9;
		if (strcmp(labels[1], "owned") == 0)
			base *= 0.45;
		*v = base * mul * (0.9 + rnd() * 0.2) * (w % 13 == 7 ? 2.5 : 1);
		return true;
	}
	if (strcmp(id, "queue_backlog") == 0) {
		*v = floor(rnd() * (strcmp(labels[0], "export") == 0 ? 80 : 5));
		return true;
	}
	if (strcmp(id, "queue_oldest_age_seconds") == 0) {
		*v = rnd() * (w % 11 == 5 ? 200000 : 900);
		return true;
	}
	if (strcmp(id, "legacy_coverage_pct") == 0) {
		if (w < 2)
			return false;
		*v = fmin(99.9, 50 + 60 * t + (rnd() - 0.5) * 3);
		return true;
	}
	if (strcmp(id, "uncached_legacy_max_age_days") == 0) {
		*v = rnd() * (w % 10 == 3 ? 20 : 6);
		return true;
	}
	if (strcmp(id, "outage_drill_success_pct") == 0) {
		if (w % 3 != 1)
			return false;
		*na = t < 0.3;
		*v = w % 6 == 4 ? 95 : 100;
		return true;
	}
	if (strcmp(id, "routing_mismatch_critical") == 0) {
		*v = w % 8 == 3 ? floor(20 + rnd() * 20) : 0;
		return true;
	}
	if (strcmp(id, "routing_mismatch_rate") == 0) {
		*v = strcmp(labels[0], "environment") == 0 || strcmp(labels[0], "tenant") == 0 ? rnd() * 15 * t : 0;
		return true;
	}
	/* anything else: around its target, or a positive magnitude */
	if (def->threshold.op != KPI_OP_NONE)
		*v = def->threshold.target * (0.8 + rnd() * 0.3);
	else
		*v = rnd() * 100;
	return true;
}

/* The drill-down lists of the synthetic snapshots, and what the last week
 * of the KPIs they back says about them. */
#define SYN_UNCOVERED_TOTAL 132
#define SYN_OLDEST_DAYS 30 /* whole days: the age computed from the list's times is exact */
#define SYN_MISMATCHES_TOTAL 74

kpi_snapshot *snapfix_synthetic(const char *catalog_path, int nweeks)
{
	return snapfix_synthetic_wide(catalog_path, nweeks, 3, NULL);
}

kpi_snapshot *snapfix_synthetic_wide(const char *catalog_path, int nweeks, size_t open_values, const char *wide)
{
	int64_t now = 1794787200; /* 2026-11-16T00:00:00Z, the end of 2026-W46 */
	kpi_snapshot *snap = snapfix_new(catalog_path, "2026-W46", nweeks, "UTC", now);
	const kpi_window *w = &snap->result->window;
	static const char *const tenants[] = { "acme", "globex", "initech", "umbrella", "hooli", "stark" };
	static const char *const named[] = { "alpha", "beta", "gamma" };
	char **open = xcalloc(open_values, sizeof(char *));

	if (open_values < 3)
		die("at least 3 values for the open labels");

	for (size_t k = 0; k < open_values; k++) {
		char name[32];
		if (open_values <= 3)
			snprintf(name, sizeof(name), "%s", named[k]);
		else
			snprintf(name, sizeof(name), "q%05zu", k);
		open[k] = xstrdup(name);
	}
	rng_state = 88172645463325252ull;
	for (size_t i = 0; i < snap->catalog->nkpis; i++) {
		const kpi_def *def = &snap->catalog->kpis[i];
		size_t combos = 1, nl = def->nlabels;
		size_t nopen = !wide || strcmp(wide, def->id) == 0 ? open_values : 3;
		snapfix_series(snap, def->id);
		for (size_t l = 0; l < nl; l++)
			combos *= def->labels[l].nvalues ? def->labels[l].nvalues : nopen;
		for (int wk = 0; wk < w->nweeks; wk++)
			for (size_t c = 0; c < combos; c++) {
				const char *labels[8];
				size_t rest = c;
				double v = 0;
				bool na, has;
				kpi_row *r;
				for (size_t l = nl; l-- > 0;) {
					size_t nv = def->labels[l].nvalues ? def->labels[l].nvalues : nopen;
					labels[l] = def->labels[l].nvalues ? def->labels[l].values[rest % nv]
					            : nopen == open_values ? open[rest % nv] : named[rest % nv];
					rest /= nv;
				}
				has = synth_value(def, labels, wk, w->nweeks, &v, &na);
				r = snapfix_row(snap, def->id, wk, labels, has, v);
				r->applicable = !na;
				if (wk == w->nweeks - 1 && strcmp(def->id, "uncached_legacy_max_age_days") == 0) {
					r->has_value = r->has_numerator = true;
					r->value = SYN_OLDEST_DAYS;
					r->numerator = SYN_UNCOVERED_TOTAL;
				} else if (wk == w->nweeks - 1 && strcmp(def->id, "routing_mismatch_critical") == 0) {
					r->has_value = true;
					r->value = SYN_MISMATCHES_TOTAL;
				}
			}
	}
	snapfix_finish(snap);
	for (int wk = 0; wk < w->nweeks; wk += 3)
		snapfix_change(snap, w->starts[wk] + 86400 + 9 * 3600, wk % 2 ? "tenant" : "user",
		               tenants[(size_t)wk % 6], wk % 4 ? "legacy" : NULL, "owned", "a.okafor");
	for (int k = 0; k < KPI_SNAPSHOT_UNCOVERED_MAX; k++)
		snapfix_uncovered(snap, 1000 + k, tenants[k % 6], "classic", 1 + k % 4,
		                  w->as_of - (int64_t)(SYN_OLDEST_DAYS - k) * 86400);
	snap->uncovered_total = SYN_UNCOVERED_TOTAL;
	for (int k = 0; k < KPI_SNAPSHOT_MISMATCHES_MAX; k++)
		snapfix_mismatch(snap, 90000 - k, w->as_of - 3600 * (k + 1), 2000 + k, tenants[k % 6], "tenant", "owned",
		                 "legacy");
	snap->mismatches_total = SYN_MISMATCHES_TOTAL;
	for (size_t k = 0; k < open_values; k++)
		free(open[k]);
	free(open);
	return snap;
}
