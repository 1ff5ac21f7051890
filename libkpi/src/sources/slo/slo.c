/*
 * The SLO source: KPIs of a service level objective (availability over a
 * rolling window, the error budget left, burn rates and the workbook's
 * alert pairs, kpi/slo.h) computed from the error and request counts of
 * another source's ratio query, read as per-period datapoints through that
 * source's table (CloudWatch's ALB counts, Prometheus' RED counters). What
 * a catalogue entry asks is its "slo" object (docs/kpis.md, "SLO KPIs"):
 *
 *   "slo": {"counts": "cloudwatch",            the source of the query file
 *           "value": "availability_pct" | "budget_remaining_pct" |
 *                    "burn_rate" | "burn_pair",
 *           "target": "api_availability_pct",  the KPI whose threshold is the
 *                                              objective (config overrides apply)
 *           "window": "28d",                   the SLO window (default 28d)
 *           "windows": ["1h", "5m"]}           burn_pair: long and short window
 *
 * A burn_rate KPI has a label "window" whose known values are the windows.
 *
 * Each row is evaluated as of T = min(its period's end, the window's as-of):
 * windows of up to 6 h from 5-minute datapoints ending at T rounded down to
 * 5 minutes, longer ones from hourly datapoints ending at T rounded down to
 * the hour (CloudWatch keeps 5-minute data 63 days: older rows read hourly
 * data only, and their windows under an hour have no value). A window with
 * no request has no value. Fetches are shared by the KPIs of a run.
 */
#include "sources/source.h"
#include "sources/slo/slo_page.h"
#include "kpi/slo.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FINE_PERIOD 300
#define FINE_SPAN (6 * 3600)
#define COARSE_PERIOD 3600
/* 5-minute CloudWatch datapoints are kept 63 days */
#define FINE_MAX_AGE (62 * 86400)

typedef enum slo_value { V_AVAILABILITY, V_BUDGET, V_BURN, V_BURN_PAIR } slo_value;

typedef struct slo_spec {
	slo_value value;
	double target;
	int64_t slo_window;
	int64_t pair[2];               /* burn_pair: long, short */
	int64_t *label_windows;        /* burn_rate: the "window" label's values */
	int window_label;              /* its index, -1 none */
	kpi_def counts;                /* the counts query as a KPI of the counts source */
	kpi_label_def *counts_labels;
} slo_spec;

typedef struct cached {
	char *source;
	char *query;
	int64_t from, to;
	int period;
	kpi_datapoint_set *set;
} cached;

typedef struct slo_session {
	const kpi_config *cfg;
	const kpi_catalog *cat;
	cached *cache;
	size_t ncache;
} slo_session;

static void spec_release(slo_spec *sp)
{
	free(sp->label_windows);
	free(sp->counts_labels);
	memset(sp, 0, sizeof(*sp));
}

static const json_t *slo_object(const kpi_def *def)
{
	return def->raw ? json_object_get(def->raw, "slo") : NULL;
}

/* The counts of `def` as a KPI of its counts source: same id (errors name
 * it), query file and labels but "window" (into `labels`, room for
 * def->nlabels); nothing else is looked at. */
static void counts_def(kpi_def *out, kpi_label_def *labels, const kpi_def *def, const char *source, int window_label)
{
	memset(out, 0, sizeof(*out));
	out->id = def->id;
	out->title = def->title;
	out->unit = def->unit;
	out->query = def->query;
	out->source = (char *)source;
	for (size_t i = 0; i < def->nlabels; i++)
		if ((int)i != window_label)
			labels[out->nlabels++] = def->labels[i];
	out->labels = labels;
}

static int bad(const kpi_def *def, kpi_error *err, const char *what)
{
	return kpi_error_set(err, KPI_ECONFIG, "KPI %s: catalogue \"slo\" object: %s (docs/kpis.md, \"SLO KPIs\")",
	                     def->id, what);
}

/* The spec of `def`; `cat` NULL: only what configured() needs (the counts). */
static int spec_load(slo_spec *sp, const kpi_def *def, const kpi_catalog *cat, kpi_error *err)
{
	const json_t *o = slo_object(def);
	const char *counts = json_string_value(json_object_get(o, "counts"));
	const char *value = json_string_value(json_object_get(o, "value"));
	const char *target = json_string_value(json_object_get(o, "target"));
	const char *window = json_string_value(json_object_get(o, "window"));
	const json_t *windows = json_object_get(o, "windows");
	const kpi_def *t;

	memset(sp, 0, sizeof(*sp));
	sp->window_label = kpi_def_label_index(def, "window");
	if (!o || !counts || strcmp(counts, "slo") == 0)
		return bad(def, err, "\"counts\" must name the source of the query file (cloudwatch, prometheus)");
	if (!value)
		return bad(def, err, "\"value\" is missing");
	if (strcmp(value, "availability_pct") == 0)
		sp->value = V_AVAILABILITY;
	else if (strcmp(value, "budget_remaining_pct") == 0)
		sp->value = V_BUDGET;
	else if (strcmp(value, "burn_rate") == 0)
		sp->value = V_BURN;
	else if (strcmp(value, "burn_pair") == 0)
		sp->value = V_BURN_PAIR;
	else
		return bad(def, err, "\"value\" must be availability_pct, budget_remaining_pct, burn_rate or burn_pair");
	if (!(sp->counts_labels = calloc(def->nlabels + 1, sizeof(*sp->counts_labels))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	counts_def(&sp->counts, sp->counts_labels, def, counts, sp->window_label);
	if (!cat)
		return 0;
	sp->slo_window = 28 * 86400;
	if (window && (kpi_slo_window_parse(&sp->slo_window, window) || sp->slo_window % COARSE_PERIOD))
		return bad(def, err, "\"window\" must be whole hours or days (\"28d\")");
	if (!target || !(t = kpi_catalog_find(cat, target)))
		return bad(def, err, "\"target\" must name a KPI of the catalogue whose threshold is the objective");
	if ((t->threshold.op != KPI_OP_GE && t->threshold.op != KPI_OP_GT) || !kpi_slo_target_ok(t->threshold.target))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "KPI %s: the objective is the threshold of KPI %s, which must be '>=' a percentage "
		                     "between 0 and 100 (as 99.9)", def->id, target);
	sp->target = t->threshold.target;
	if (sp->value == V_BURN_PAIR) {
		if (json_array_size(windows) != 2 ||
		    kpi_slo_window_parse(&sp->pair[0], json_string_value(json_array_get(windows, 0))) ||
		    kpi_slo_window_parse(&sp->pair[1], json_string_value(json_array_get(windows, 1))) ||
		    sp->pair[1] > sp->pair[0])
			return bad(def, err, "\"windows\" must be the long and the short window, as [\"1h\", \"5m\"]");
	}
	if (sp->value == V_BURN) {
		const kpi_label_def *l = sp->window_label >= 0 ? &def->labels[sp->window_label] : NULL;
		if (!l || !l->nvalues)
			return bad(def, err, "a burn_rate KPI needs a label \"window\" with its windows as known values");
		if (!(sp->label_windows = calloc(l->nvalues, sizeof(int64_t))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		for (size_t i = 0; i < l->nvalues; i++)
			if (kpi_slo_window_parse(&sp->label_windows[i], l->values[i]))
				return bad(def, err, "the values of label \"window\" must be windows (\"5m\", \"1h\", \"3d\")");
	}
	return 0;
}

/* ---- the session ---- */

static int slo_open(void **out, const kpi_config *cfg, const kpi_catalog *cat, size_t nkpis, kpi_error *err)
{
	slo_session *ss = calloc(1, sizeof(*ss));
	(void)nkpis;
	*out = NULL;
	if (!ss)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	ss->cfg = cfg;
	ss->cat = cat;
	*out = ss;
	return 0;
}

static void slo_close(void *session)
{
	slo_session *ss = session;
	if (!ss)
		return;
	for (size_t i = 0; i < ss->ncache; i++) {
		free(ss->cache[i].source);
		free(ss->cache[i].query);
		kpi_datapoint_set_free(ss->cache[i].set);
	}
	free(ss->cache);
	free(ss);
}

/* The counts of `sp` in the `period`s of [from, to), once per run, read
 * through the run (`q`). */
static int counts(const kpi_datapoint_set **out, slo_session *ss, const kpi__fetch *q, const slo_spec *sp,
                  int64_t from, int64_t to, int period, kpi_error *err)
{
	kpi_datapoint_set *set = NULL;
	cached *c;
	int rc;

	for (size_t i = 0; i < ss->ncache; i++) {
		c = &ss->cache[i];
		if (c->from == from && c->to == to && c->period == period && strcmp(c->source, sp->counts.source) == 0 &&
		    strcmp(c->query, sp->counts.query) == 0) {
			*out = c->set;
			return 0;
		}
	}
	if (!q->datapoints)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: no source to read its counts from", sp->counts.id);
	if ((rc = q->datapoints(q->ctx, &sp->counts, from, to, period, &set, err)))
		return rc;
	for (size_t i = 0; i < set->nsets; i++)
		if (!set->sets[i].numerator) {
			kpi_datapoint_set_free(set);
			return kpi_error_set(err, KPI_ECONFIG, "KPI %s: the query file %s is not a ratio of errors to requests",
			                     sp->counts.id, sp->counts.query);
		}
	c = realloc(ss->cache, (ss->ncache + 1) * sizeof(*ss->cache));
	if (!c) {
		kpi_datapoint_set_free(set);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	ss->cache = c;
	c = &ss->cache[ss->ncache];
	c->source = strdup(sp->counts.source);
	c->query = strdup(sp->counts.query);
	c->from = from;
	c->to = to;
	c->period = period;
	c->set = set;
	ss->ncache++;
	if (!c->source || !c->query)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	*out = set;
	return 0;
}

/* ---- rows ---- */

/* What one row is evaluated from: the datapoints as of T. */
typedef struct as_of {
	const kpi_datapoint_set *fine;   /* FINE_PERIOD over FINE_SPAN, or NULL */
	const kpi_datapoint_set *coarse; /* hours over the SLO window (at least 3 d) */
} as_of;

static bool same_labels(char *const *a, char *const *b, size_t nl)
{
	size_t l = 0;
	while (l < nl && strcmp(a[l], b[l]) == 0)
		l++;
	return l == nl;
}

/* The datapoints of label set `labels` (counts' labels) in `set`, or NULL. */
static const kpi_datapoints *find_set(const kpi_datapoint_set *set, char *const *labels, size_t nl)
{
	for (size_t i = 0; set && i < set->nsets; i++)
		if (same_labels(set->sets[i].labels, labels, nl))
			return &set->sets[i];
	return NULL;
}

/* Errors and requests of the last `len` seconds before T; false: no value
 * (no request, or a window the datapoints cannot make). */
static bool window_counts(double *errors, double *requests, bool *incomplete, const as_of *a, char *const *labels,
                          size_t nl, int64_t len)
{
	const kpi_datapoint_set *set = NULL;
	const kpi_datapoints *d;
	size_t present;

	if (a->fine && len <= FINE_SPAN && len % FINE_PERIOD == 0)
		set = a->fine;
	else if (len % COARSE_PERIOD == 0)
		set = a->coarse;
	if (!set || !(d = find_set(set, labels, nl)) || (size_t)(len / d->period) > d->n)
		return false;
	*errors = kpi_slo_sum(d->numerator, d->present, d->n, (size_t)(len / d->period), &present);
	*requests = kpi_slo_sum(d->denominator, d->present, d->n, (size_t)(len / d->period), NULL);
	*incomplete = *incomplete || d->incomplete;
	return present > 0 && *requests > 0;
}

static bool burn(double *out, bool *incomplete, const slo_spec *sp, const as_of *a, char *const *labels, size_t nl,
                 int64_t len)
{
	double e, r;
	return window_counts(&e, &r, incomplete, a, labels, nl, len) && kpi_slo_burn_rate(out, e, r, sp->target);
}

/* Fill `row` (labels set) of the counts' label set `labels`. */
static void fill_row(kpi_row *row, const slo_spec *sp, const as_of *a, char *const *labels, size_t nl,
                     int64_t window_len)
{
	double e, r, bl, bs;
	bool hl, hs;

	switch (sp->value) {
	case V_AVAILABILITY:
	case V_BUDGET:
		if (!window_counts(&e, &r, &row->incomplete, a, labels, nl, sp->slo_window))
			return;
		if (sp->value == V_AVAILABILITY) {
			row->has_value = kpi_slo_availability(&row->value, e, r);
			row->has_numerator = row->has_denominator = row->has_value;
			row->numerator = r - e;
			row->denominator = r;
		} else {
			row->has_value = kpi_slo_budget_remaining(&row->value, e, r, sp->target);
		}
		return;
	case V_BURN:
		if (!window_counts(&e, &r, &row->incomplete, a, labels, nl, window_len))
			return;
		row->has_value = kpi_slo_burn_rate(&row->value, e, r, sp->target);
		row->has_numerator = row->has_denominator = row->has_value;
		row->numerator = e;
		row->denominator = r;
		return;
	case V_BURN_PAIR:
		/* fires when both are above the factor: min(long, short) above it */
		hl = burn(&bl, &row->incomplete, sp, a, labels, nl, sp->pair[0]);
		hs = burn(&bs, &row->incomplete, sp, a, labels, nl, sp->pair[1]);
		if (hl && hs) {
			row->has_value = true;
			row->value = bl < bs ? bl : bs;
		}
		return;
	}
}

/* How far back the hourly datapoints of a row go: the SLO window whenever
 * any hourly window is needed (one fetch a row, shared by every SLO KPI of
 * the run), 0 when the 5-minute ones make every window. */
static int64_t coarse_span(const slo_spec *sp, size_t nwin)
{
	bool hourly = sp->value == V_AVAILABILITY || sp->value == V_BUDGET ||
	              (sp->value == V_BURN_PAIR && sp->pair[0] > FINE_SPAN);
	for (size_t k = 0; sp->value == V_BURN && k < nwin; k++)
		hourly = hourly || sp->label_windows[k] > FINE_SPAN;
	if (!hourly)
		return 0;
	return sp->pair[0] > sp->slo_window ? sp->pair[0] : sp->slo_window;
}

static int fetch_one(slo_session *ss, kpi__fetch *q, int64_t now, kpi_error *err)
{
	const kpi_def *def = q->def;
	const kpi_window *w = q->w;
	kpi_series *s = q->out;
	slo_spec sp;
	as_of *at = NULL;
	char ***sets = NULL; /* the counts' label sets, in order of first appearance */
	size_t nsets = 0, nl, nwin;
	int rc;

	if ((rc = spec_load(&sp, def, ss->cat, err)) || (rc = kpi__series_init(s, def, err)))
		goto done;
	nl = sp.counts.nlabels;
	nwin = sp.value == V_BURN ? def->labels[sp.window_label].nvalues : 1;
	if (!(at = calloc((size_t)w->nweeks + 1, sizeof(*at)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < w->nweeks; i++) {
		int64_t t = w->starts[i + 1] < w->as_of ? w->starts[i + 1] : w->as_of;
		int64_t fine_to = t / FINE_PERIOD * FINE_PERIOD, coarse_to = t / COARSE_PERIOD * COARSE_PERIOD;
		int64_t span = coarse_span(&sp, nwin);
		const kpi_datapoint_set *got[2] = { NULL, NULL };
		bool fine = sp.value == V_BURN || (sp.value == V_BURN_PAIR && sp.pair[1] <= FINE_SPAN);

		if (fine && now - (fine_to - FINE_SPAN) <= FINE_MAX_AGE) {
			if ((rc = counts(&at[i].fine, ss, q, &sp, fine_to - FINE_SPAN, fine_to, FINE_PERIOD, err)))
				goto done;
			got[0] = at[i].fine;
		}
		if (span > 0) {
			span = (span + COARSE_PERIOD - 1) / COARSE_PERIOD * COARSE_PERIOD;
			if ((rc = counts(&at[i].coarse, ss, q, &sp, coarse_to - span, coarse_to, COARSE_PERIOD, err)))
				goto done;
			got[1] = at[i].coarse;
		}
		for (size_t g = 0; g < 2; g++)
			for (size_t k = 0; got[g] && k < got[g]->nsets; k++) {
				char **l = got[g]->sets[k].labels, ***grown;
				size_t j = 0;
				while (j < nsets && !same_labels(sets[j], l, nl))
					j++;
				if (j < nsets)
					continue;
				if (!(grown = realloc(sets, (nsets + 1) * sizeof(*sets)))) {
					rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
					goto done;
				}
				sets = grown;
				sets[nsets++] = l;
			}
	}
	if (!(s->rows = calloc((size_t)w->nweeks * nsets * nwin + 1, sizeof(*s->rows)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < w->nweeks; i++)
		for (size_t k = 0; k < nsets; k++)
			for (size_t v = 0; v < nwin; v++) {
				kpi_row *row = &s->rows[s->nrows++];
				size_t c = 0;
				if ((rc = kpi__row_week_init(row, w, i, def->nlabels, err)))
					goto done;
				for (size_t l = 0; l < def->nlabels; l++) {
					const char *val = (int)l == sp.window_label ? def->labels[l].values[v] : sets[k][c++];
					if (!(row->labels[l] = strdup(val))) {
						rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
						goto done;
					}
				}
				fill_row(row, &sp, &at[i], sets[k], nl, sp.value == V_BURN ? sp.label_windows[v] : 0);
				if (row->has_value && !isfinite(row->value))
					row->has_value = false;
			}
done:
	if (rc)
		kpi__series_release(s);
	free(sets);
	free(at);
	spec_release(&sp);
	return rc;
}

static int slo_fetch(void *session, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	slo_session *ss = session;
	int64_t now;
	int rc;

	if ((rc = kpi_config_now(ss->cfg, &now, err)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = fetch_one(ss, &reqs[i], now, err))) {
			for (size_t j = 0; j < i; j++)
				kpi__series_release(reqs[j].out);
			return rc;
		}
	return 0;
}

/* ---- configured, explain, provenance ---- */

static int slo_counts(kpi_def *out, kpi_label_def *labels, const kpi_def *def, kpi_error *err)
{
	slo_spec sp;
	int rc = spec_load(&sp, def, NULL, err);
	if (!rc)
		counts_def(out, labels, def, sp.counts.source, sp.window_label);
	spec_release(&sp);
	return rc;
}

static int slo_explain(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                       const kpi_window *w, kpi_error *err)
{
	static const char *const values[] = { "availability over the SLO window (%)",
		                              "error budget remaining over the SLO window (% of the budget)",
		                              "burn rate per window", "burn rate of an alert pair: the lower of the two" };
	const json_t *o = slo_object(def);
	slo_spec sp;
	char win[96] = "";
	int rc;

	if ((rc = spec_load(&sp, def, cat, err)))
		goto done;
	if (sp.value == V_BURN_PAIR)
		snprintf(win, sizeof(win), ", alert windows %s and %s",
		         json_string_value(json_array_get(json_object_get(o, "windows"), 0)),
		         json_string_value(json_array_get(json_object_get(o, "windows"), 1)));
	kpi_buf_printf(out,
	               "-- SLO KPI: %s\n-- objective: %g %% (the threshold of KPI %s), SLO window %s%s\n"
	               "-- burn rate = (errors / requests) / (1 - objective); a window without requests has no value\n"
	               "-- counts: the numerator (errors) and denominator (requests) of %s, per period (5 minutes for "
	               "windows up to 6 h, else hours), from the source %s (kpi explain of the KPI of that query shows it)\n",
	               values[sp.value], sp.target, json_string_value(json_object_get(o, "target")),
	               json_string_value(json_object_get(o, "window")) ? json_string_value(json_object_get(o, "window"))
	                                                               : "28d",
	               win, sp.counts.query, sp.counts.source);
	(void)cfg;
	(void)w;
done:
	spec_release(&sp);
	return rc;
}

static int slo_where(void *session, char **out, kpi_error *err)
{
	(void)session;
	*out = strdup("computed from the counts of the sources above (kpi/slo.h)");
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

const kpi__source kpi__source_slo = {
	.name = "slo",
	.title = "SLO",
	.alarm_only = false,
	.check = NULL,
	.configured = NULL,
	.open = slo_open,
	.fetch = slo_fetch,
	.datapoints = NULL,
	.explain = slo_explain,
	.analyze = NULL,
	.where = slo_where,
	.close = slo_close,
	.deadline = NULL,
	.counts = slo_counts,
};

/* ---- what the pack's SLO page reads (sources/slo/slo_page.c) ---- */

int kpi__slo_def_load(kpi__slo_def *out, const kpi_def *def, const kpi_catalog *cat, kpi_error *err)
{
	slo_spec sp;
	int rc = spec_load(&sp, def, cat, err);

	memset(out, 0, sizeof(*out));
	if (!rc) {
		out->target_kpi = json_string_value(json_object_get(slo_object(def), "target"));
		out->target = sp.target;
		out->window = sp.slo_window;
		out->counts = sp.counts;
		out->labels = sp.counts_labels;
		sp.counts_labels = NULL;
	}
	spec_release(&sp);
	return rc;
}

int kpi__slo_counts_read(const kpi_datapoint_set **out, void *session, const kpi__fetch *q, const kpi_def *counts_of,
                         int64_t from, int64_t to, int period, kpi_error *err)
{
	slo_spec sp;
	memset(&sp, 0, sizeof(sp));
	sp.counts = *counts_of;
	return counts(out, session, q, &sp, from, to, period, err);
}

bool kpi__slo_same_labels(char *const *a, char *const *b, size_t nl)
{
	return same_labels(a, b, nl);
}

const kpi_datapoints *kpi__slo_find_set(const kpi_datapoint_set *set, char *const *labels, size_t nl)
{
	return find_set(set, labels, nl);
}
