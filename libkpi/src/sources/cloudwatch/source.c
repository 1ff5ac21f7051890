/*
 * The CloudWatch source's operations table (sources/source.h): its session,
 * the weekly rows, the datapoints of alarm rules, explain and provenance,
 * over GetMetricData (AWS JSON 1.0, signed by libcurl: net/aws.c), batched
 * and paginated (plan.c).
 *
 * Weekly rows. Sums and maxima are read as hourly datapoints over the whole
 * window, in as few calls as the limits allow, and combined per ISO week in
 * the configured zone: a week of 167 h or 169 h (DST) is just fewer or more
 * hourly datapoints, so any zone whose weeks start on a whole UTC hour works.
 * A percentile cannot be combined from hourly percentiles, so a weekly p95 is
 * asked for directly with Period = the week's length: consecutive weeks of the
 * same length (604800 s, or 601200 / 608400 s around a DST change) share one
 * query whose buckets are exactly those weeks (every such length is a multiple
 * of 3600 s, as CloudWatch requires for data older than 63 days).
 *
 * Honesty rules: a source that cannot be read fails the run (never no_data);
 * an answer with StatusCode PartialData, or with gaps (hours of a week with
 * no datapoint of a metric that is reported every period, or errors counted
 * in an hour without requests), marks the week's row `incomplete`, which
 * evaluation never reports as healthy.
 */
#include "sources/cloudwatch/cw.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* ---- the source's session ---- */

/* A run's session: the settings, the credentials once resolved, and the
 * series read so far (a later read of the same hours is answered from
 * them: cache.c). */
typedef struct cw_session {
	const kpi_config *cfg;
	kpi__cw_settings settings;
	kpi__aws aws;
	bool resolved;
	kpi__cw_cache cache;
} cw_session;

static int session_aws(cw_session *ss, kpi_error *err)
{
	int rc;
	if (ss->resolved)
		return 0;
	if ((rc = kpi__aws_resolve(&ss->aws, ss->cfg, &kpi__aws_cloudwatch, ss->settings.region, err)))
		return rc;
	ss->resolved = true;
	return 0;
}

/* ---- weekly rows ---- */

/* Everything one run needs for one KPI. */
typedef struct kpi_work {
	kpi__cw_spec spec;
	const kpi_window *w;
	const char *const *values;
	size_t nvalues;
	size_t first_unit;      /* units of this KPI: [first_unit, first_unit + nunits) */
	size_t nunits;
	kpi__cw_discovery disc; /* a spec with "labels": its label sets (values is NULL) */
} kpi_work;

typedef struct cw_run {
	const cw_session *ss;
	kpi_work *work;
	size_t nwork;
	kpi__cw_unit *units;
	size_t nunits, cap;
	/* a discovered label set's further series: unit [0] folds into unit [1] */
	size_t (*merge)[2];
	size_t nmerge;
} cw_run;

static void run_release(cw_run *r)
{
	for (size_t i = 0; i < r->nwork; i++) {
		kpi__cw_spec_release(&r->work[i].spec);
		kpi__cw_discovery_release(&r->work[i].disc);
	}
	free(r->work);
	free(r->merge);
	for (size_t i = 0; i < r->nunits; i++)
		kpi__cw_unit_release(&r->units[i]);
	free(r->units);
	memset(r, 0, sizeof(*r));
}

static int push_unit(cw_run *r, const kpi_def *def, const kpi__cw_metric *m, const char *dim, const char *val,
                     int64_t t0, int64_t t1, int period, kpi_error *err)
{
	if (r->nunits == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		kpi__cw_unit *p = realloc(r->units, nc * sizeof(*p));
		if (!p)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		r->units = p;
		r->cap = nc;
	}
	if (kpi__cw_unit_init(&r->units[r->nunits], def->id, m, dim, val, t0, t1, period, err))
		return err ? err->code : KPI_ERROR;
	r->nunits++;
	return 0;
}

static const char *not_configured(const kpi__cw_spec *spec)
{
	if (spec->label_dims)
		return "set cloudwatch.hosts to \"discover\" in the config file or KPI_CW_HOSTS=discover";
	return strcmp(spec->values_from, "load_balancer") == 0
	               ? "set cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER"
	               : "set cloudwatch.queues in the config file or KPI_CW_QUEUES";
}

/* The hourly period for weekly sums and maxima: 3600 s, provided every week
 * of the window starts on a whole hour from the first one. */
static int hourly(const kpi_window *w, const char *kpi, kpi_error *err)
{
	for (int i = 0; i <= w->nweeks; i++)
		if ((w->starts[i] - w->from) % 3600 != 0)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "KPI %s: the weeks of time zone %s do not all start on the same minute of "
			                     "the hour, so CloudWatch's hourly datapoints cannot be split into them",
			                     kpi, w->tz);
	return 3600;
}

/* The end of the hourly units of a window: nothing after the as-of time
 * can exist, so the end of its hour (at least one hour). */
static int64_t hourly_end(const kpi_window *w)
{
	int64_t end = w->to;
	if (w->as_of < w->to)
		end = w->from + ((w->as_of - w->from + 3599) / 3600) * 3600;
	return end <= w->from ? w->from + 3600 : end;
}

/* The unit of series `set` of discovered label set `v`. */
static int push_found(cw_run *r, const kpi_work *k, size_t v, size_t set, int64_t t0, int64_t t1, int period,
                      kpi_error *err)
{
	const kpi__cw_dimset *ds = &k->disc.found[v].sets[set];
	int rc;
	if (period < 0)
		return period;
	if ((rc = push_unit(r, k->spec.def, &k->spec.metrics[0], ds->names[0], ds->rest, t0, t1, period, err)))
		return rc;
	r->units[r->nunits - 1].dims = ds;
	return 0;
}

/* Units for the further series of every discovered label set, after the
 * first ones (unit first_unit + v), each noted to fold into its label set's. */
static int push_merges(cw_run *r, const kpi_work *k, int64_t t0, int64_t t1, int period, kpi_error *err)
{
	int rc;
	if (k->values != NULL)
		return 0;
	for (size_t v = 0; v < k->nvalues; v++)
		for (size_t j = 1; j < k->disc.found[v].nsets; j++) {
			size_t (*p)[2] = realloc(r->merge, (r->nmerge + 1) * sizeof(*p));
			if (!p)
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			r->merge = p;
			if ((rc = push_found(r, k, v, j, t0, t1, period, err)))
				return rc;
			r->merge[r->nmerge][0] = r->nunits - 1;
			r->merge[r->nmerge][1] = k->first_unit + v;
			r->nmerge++;
		}
	return 0;
}

/* Fold the further series of each discovered label set into its first:
 * per period the maximum of those present ("use" is the fullest). */
static void fold_merges(cw_run *r)
{
	for (size_t i = 0; i < r->nmerge; i++) {
		const kpi__cw_unit *e = &r->units[r->merge[i][0]];
		kpi__cw_unit *t = &r->units[r->merge[i][1]];
		for (size_t k = 0; k < t->n && k < e->n; k++) {
			if ((e->flags[k] & KPI__CW_PRESENT) && (!(t->flags[k] & KPI__CW_PRESENT) || e->values[k] > t->values[k]))
				t->values[k] = e->values[k];
			t->flags[k] |= e->flags[k];
		}
	}
}

/* Find the series of the discovered KPIs of a run (ListMetrics). */
static int discover_all(cw_run *r, cw_session *ss, kpi__cw_stats *st, kpi_error *err)
{
	int rc;
	for (size_t i = 0; i < r->nwork; i++) {
		kpi_work *k = &r->work[i];
		if (!k->spec.label_dims)
			continue;
		if ((rc = session_aws(ss, err)) ||
		    (rc = kpi__cw_discover(&k->disc, &k->spec, &ss->aws, &ss->settings.retry, &st->aws, err)))
			return rc;
		k->nvalues = k->disc.n;
		kpi_log_fields(KPI_LOG_DEBUG, "cloudwatch.discover",
		               json_pack("{s:s, s:I, s:I, s:i}", "kpi", k->spec.def->id, "label_sets", (json_int_t)k->disc.n,
		                         "skipped", (json_int_t)k->disc.skipped, "pages", k->disc.pages),
		               NULL);
	}
	return 0;
}

/* The label values of value v of a KPI (def->nlabels of them). */
static char *const *value_labels(const kpi_work *k, size_t v)
{
	return k->values ? (char *const *)&k->values[v] : k->disc.found[v].labels;
}

/* Copy of a value's labels for a row or a datapoint set (caller frees). */
static char **labels_dup(const kpi_work *k, size_t v, kpi_error *err)
{
	size_t n = k->spec.def->nlabels;
	char *const *src = value_labels(k, v);
	char **out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(src[i]))) {
			for (size_t j = 0; j < i; j++)
				free(out[j]);
			free(out);
			out = NULL;
		}
	if (!out)
		kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return out;
}

/* Units for the weekly rows of one KPI over its window. */
static int weekly_units(cw_run *r, kpi_work *k, kpi_error *err)
{
	const kpi_def *def = k->spec.def;
	const kpi_window *w = k->w;
	int rc;

	k->first_unit = r->nunits;
	for (size_t v = 0; v < k->nvalues; v++) {
		if (k->values == NULL) {
			/* a discovered label set: its first series here, the others after */
			if ((rc = push_found(r, k, v, 0, k->w->from, hourly_end(k->w), hourly(k->w, def->id, err), err)))
				return rc;
			continue;
		}
		for (size_t m = 0; m < k->spec.nmetrics; m++) {
			const kpi__cw_metric *mt = &k->spec.metrics[m];
			if (k->spec.combine == KPI__CW_PERCENTILE) {
				/* One query per run of equal-length weeks, Period = that length. */
				for (int a = 0; a < w->nweeks;) {
					int64_t len = w->starts[a + 1] - w->starts[a];
					int b = a + 1;
					while (b < w->nweeks && w->starts[b + 1] - w->starts[b] == len)
						b++;
					if (len > INT32_MAX)
						return kpi_error_set(err, KPI_ECONFIG, "KPI %s: week too long", def->id);
					if ((rc = push_unit(r, def, mt, k->spec.dimension, k->values[v], w->starts[a], w->starts[b],
					                    (int)len, err)))
						return rc;
					a = b;
				}
			} else {
				int p = hourly(w, def->id, err);
				if (p < 0)
					return p;
				if ((rc = push_unit(r, def, mt, k->spec.dimension, k->values[v], w->from, hourly_end(w), p,
				                    err)))
					return rc;
			}
		}
	}
	if ((rc = push_merges(r, k, k->w->from, hourly_end(k->w), hourly(k->w, def->id, err), err)))
		return rc;
	k->nunits = r->nunits - k->first_unit;
	return 0;
}

/* Open the run: each KPI's query file and label values. */
static int run_open(cw_run *r, const cw_session *ss, const kpi_def *const *defs, size_t n, bool require,
                    kpi_error *err)
{
	int rc;
	memset(r, 0, sizeof(*r));
	r->ss = ss;
	if (!(r->work = calloc(n + 1, sizeof(*r->work))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		kpi_work *k = &r->work[r->nwork];
		if ((rc = kpi__cw_spec_load(&k->spec, ss->cfg, defs[i], err)))
			return rc;
		r->nwork++;
		k->values = kpi__cw_values(&ss->settings, &k->spec, &k->nvalues);
		if (k->spec.label_dims) {
			if (!ss->settings.hosts && require)
				return kpi_error_set(err, KPI_ECONFIG, "KPI %s: CloudWatch is not configured: %s", defs[i]->id,
				                     not_configured(&k->spec));
			continue;
		}
		if (!k->nvalues && require)
			return kpi_error_set(err, KPI_ECONFIG, "KPI %s: CloudWatch is not configured: %s", defs[i]->id,
			                     not_configured(&k->spec));
	}
	return 0;
}

typedef struct week_acc {
	bool any;
	double v;         /* sum or max */
	double num, den;
	size_t present, expected;
	bool incomplete;
} week_acc;

/* Fold the slots of `u` that fall in [s, e) into `a` (slots ending after
 * `as_of` are not expected to exist yet). */
static void fold(week_acc *a, const kpi__cw_unit *u, int64_t s, int64_t e, int64_t as_of, kpi__cw_combine c)
{
	for (int64_t t = s; t < e; t += u->period) {
		size_t k;
		if (t < u->t0 || t >= u->t1)
			continue;
		k = (size_t)((t - u->t0) / u->period);
		if (u->flags[k] & KPI__CW_PARTIAL)
			a->incomplete = true;
		if (t + u->period <= as_of)
			a->expected++;
		if (!(u->flags[k] & KPI__CW_PRESENT))
			continue;
		a->present++;
		if (c == KPI__CW_MAX)
			a->v = a->any ? fmax(a->v, u->values[k]) : u->values[k];
		else
			a->v += u->values[k];
		a->any = true;
	}
}
/* A week's sum of a count (a ratio's part, a "sum" KPI) within the metric's
 * bounds: KPI_EDATA naming the datapoint where the running sum leaves them. */
static int check_week_sum(const kpi__cw_unit *u, int64_t s, int64_t e, kpi_error *err)
{
	double sum = 0;
	char a[32], b[32], when[32], why[96];
	for (int64_t t = s; t < e; t += u->period) {
		size_t k;
		if (t < u->t0 || t >= u->t1 || !(u->flags[(t - u->t0) / u->period] & KPI__CW_PRESENT))
			continue;
		k = (size_t)((t - u->t0) / u->period);
		sum += u->values[k];
		if (kpi__bounds_check(&u->metric->bounds, sum, why, sizeof(why)))
			return kpi__cw_unit_bad(err, u, "the week %s..%s adds up to %.15g by its datapoint at %s (%.15g): %s",
			                        kpi_time_format(a, sizeof(a), s), kpi_time_format(b, sizeof(b), e), sum,
			                        kpi_time_format(when, sizeof(when), t), u->values[k], why);
	}
	return 0;
}

/* A week's numerator above its denominator (5xx answers above requests):
 * KPI_EDATA naming the first period where the numerator's datapoint is above
 * the denominator's, when there is one. */
static int check_ratio(const kpi__cw_unit *un, const kpi__cw_unit *ud, double num, double den, int64_t s, int64_t e,
                       kpi_error *err)
{
	char a[32], b[32], when[32];
	if (!kpi__answer_ratio_exceeds(num, den))
		return 0;
	kpi_time_format(a, sizeof(a), s);
	kpi_time_format(b, sizeof(b), e);
	for (int64_t t = s; t < e; t += un->period) {
		size_t k = (size_t)((t - un->t0) / un->period);
		double dv;
		if (t < un->t0 || t >= un->t1 || !(un->flags[k] & KPI__CW_PRESENT))
			continue;
		dv = (ud->flags[k] & KPI__CW_PRESENT) ? ud->values[k] : 0;
		if (kpi__answer_ratio_exceeds(un->values[k], dv))
			return kpi__cw_unit_bad(err, un,
			                        "the week %s..%s counts %.15g, more than the %.15g of %s; first at the datapoint "
			                        "at %s (%.15g against %.15g)",
			                        a, b, num, den, ud->metric->name, kpi_time_format(when, sizeof(when), t),
			                        un->values[k], dv);
	}
	return kpi__cw_unit_bad(err, un, "the week %s..%s counts %.15g, more than the %.15g of %s", a, b, num, den,
	                        ud->metric->name);
}

static int fill_week_row(kpi_row *row, const kpi_work *k, const cw_run *r, size_t v, int64_t s, int64_t e,
                         int64_t as_of, kpi_error *err)
{
	const kpi__cw_spec *sp = &k->spec;
	const kpi__cw_unit *units = r->units + k->first_unit + v * sp->nmetrics;
	const kpi__cw_unit *first = &units[0];
	int rc;

	row->has_value = false;
	row->value = 0;
	if (sp->combine == KPI__CW_RATIO_PCT) {
		week_acc num = { 0 }, den = { 0 };
		const kpi__cw_unit *un = sp->metrics[0].role == KPI__CW_NUMERATOR ? &units[0] : &units[1];
		const kpi__cw_unit *ud = un == &units[0] ? &units[1] : &units[0];
		if ((rc = check_week_sum(un, s, e, err)) || (rc = check_week_sum(ud, s, e, err)))
			return rc;
		fold(&num, un, s, e, as_of, KPI__CW_SUM);
		fold(&den, ud, s, e, as_of, KPI__CW_SUM);
		if (den.v > 0 && (rc = check_ratio(un, ud, num.v, den.v, s, e, err)))
			return rc;
		row->incomplete = num.incomplete || den.incomplete;
		/* Errors counted in an hour with no requests: a gap in the requests. */
		for (int64_t t = s; t < e && !row->incomplete; t += un->period) {
			size_t kk = (size_t)((t - un->t0) / un->period);
			if (t >= un->t0 && t < un->t1 && (un->flags[kk] & KPI__CW_PRESENT) && un->values[kk] > 0 &&
			    !((ud->flags[kk] & KPI__CW_PRESENT) && ud->values[kk] > 0))
				row->incomplete = true;
		}
		row->has_numerator = row->has_denominator = true;
		row->numerator = num.v;
		row->denominator = den.v;
		if (den.v > 0) {
			row->has_value = true;
			row->value = num.v / den.v * 100.0 * sp->scale;
		}
	} else if (sp->combine == KPI__CW_PERCENTILE) {
		const kpi__cw_unit *u = NULL;
		for (size_t i = 0; i < k->nunits / k->nvalues; i++) {
			const kpi__cw_unit *c = &units[i];
			if (s >= c->t0 && s < c->t1)
				u = c;
		}
		/* units of a label value: one per run of weeks */
		if (u) {
			size_t kk = (size_t)((s - u->t0) / u->period);
			first = u;
			row->incomplete = (u->flags[kk] & KPI__CW_PARTIAL) != 0;
			if (u->flags[kk] & KPI__CW_PRESENT) {
				row->has_value = true;
				row->value = u->values[kk] * sp->scale;
			}
		}
	} else {
		week_acc a = { 0 };
		if (sp->combine == KPI__CW_SUM && (rc = check_week_sum(&units[0], s, e, err)))
			return rc;
		fold(&a, &units[0], s, e, as_of, sp->combine);
		row->incomplete = a.incomplete;
		if (!sp->metrics[0].sparse && a.present > 0 && a.present < a.expected)
			row->incomplete = true;
		if (a.any) {
			row->has_value = true;
			row->value = a.v * sp->scale;
		}
	}
	if (row->has_value && !isfinite(row->value)) {
		char a[32], b[32];
		return kpi__cw_unit_bad(err, first, "the week %s..%s gives a value that is not a finite number (scale %g)",
		                        kpi_time_format(a, sizeof(a), s), kpi_time_format(b, sizeof(b), e), sp->scale);
	}
	return 0;
}

static int build_rows(kpi_series *s, const kpi_work *k, const cw_run *r, kpi_error *err)
{
	const kpi_window *w = k->w;
	int rc;
	if ((rc = kpi__series_init(s, k->spec.def, err)))
		return rc;
	memcpy(s->query_sha256, k->spec.sha256, sizeof(s->query_sha256));
	s->rows = calloc((size_t)w->nweeks * k->nvalues + 1, sizeof(*s->rows));
	if (!s->rows)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (int wi = 0; wi < w->nweeks; wi++) {
		for (size_t v = 0; v < k->nvalues; v++) {
			kpi_row *row = &s->rows[s->nrows];
			kpi__row_week_period(row, w, wi);
			if (!(row->labels = labels_dup(k, v, err)))
				return KPI_ENOMEM;
			s->nrows++;
			/* The units of label value v of a percentile KPI are the runs
			 * of weeks; fill_week_row finds the one holding this week. */
			if (k->spec.combine == KPI__CW_PERCENTILE) {
				kpi_work one = *k;
				size_t per = k->nunits / k->nvalues;
				one.first_unit = k->first_unit + v * per;
				one.nvalues = 1;
				one.nunits = per;
				rc = fill_week_row(row, &one, r, 0, w->starts[wi], w->starts[wi + 1], w->as_of, err);
			} else {
				rc = fill_week_row(row, k, r, v, w->starts[wi], w->starts[wi + 1], w->as_of, err);
			}
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* `reused`: the units answered from the session's cache (of `nunits`). */
static void log_stats(const char *event, const kpi__cw_stats *st, size_t nunits, size_t reused)
{
	kpi_log_fields(KPI_LOG_DEBUG, event,
	               json_pack("{s:i, s:i, s:i, s:I, s:I, s:I, s:f}", "calls", st->calls, "requests", st->aws.requests,
	                         "retries", st->aws.retries, "queries", (json_int_t)st->queries, "datapoints",
	                         (json_int_t)st->datapoints, "reused", (json_int_t)reused, "seconds", st->aws.seconds),
	               nunits ? "CloudWatch read" : NULL);
}

/* ---- the operations (sources/source.h) ---- */

static int cw_check(const kpi_config *cfg, kpi_error *err)
{
	kpi__cw_settings s;
	int rc = kpi__cw_settings_load(&s, cfg, err);
	kpi__cw_settings_release(&s);
	return rc;
}

static int cw_open(void **out, const kpi_config *cfg, const kpi_catalog *cat, size_t nkpis, kpi_error *err)
{
	cw_session *ss = calloc(1, sizeof(*ss));
	int rc;
	(void)cat;
	(void)nkpis;
	*out = NULL;
	if (!ss)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	ss->cfg = cfg;
	if ((rc = kpi__cw_settings_load(&ss->settings, cfg, err))) {
		free(ss);
		return rc;
	}
	*out = ss;
	return 0;
}

static void cw_close(void *session)
{
	cw_session *ss = session;
	if (!ss)
		return;
	kpi__aws_release(&ss->aws);
	kpi__cw_settings_release(&ss->settings);
	kpi__cw_cache_release(&ss->cache);
	free(ss);
}

/* All the weekly rows of all the KPIs in one batch of GetMetricData calls. */
static int cw_fetch(void *session, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	cw_session *ss = session;
	const kpi_def **defs = calloc(n + 1, sizeof(*defs));
	kpi__cw_stats st = { { 0, 0, 0 }, 0, 0, 0 };
	cw_run r;
	size_t reused;
	int rc;

	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < n; i++)
		memset(reqs[i].out, 0, sizeof(*reqs[i].out));
	if (!defs) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		defs[i] = reqs[i].def;
	if ((rc = run_open(&r, ss, defs, n, true, err)) || (rc = discover_all(&r, ss, &st, err)))
		goto done;
	for (size_t i = 0; i < r.nwork; i++) {
		r.work[i].w = reqs[i].w;
		if ((rc = weekly_units(&r, &r.work[i], err)))
			goto done;
	}
	if ((rc = session_aws(ss, err)))
		goto done;
	reused = ss->cache.reused;
	if ((rc = kpi__cw_run_cached(r.units, r.nunits, &ss->cache, &ss->aws, &ss->settings.retry, (int64_t)time(NULL),
	                             &st, err)))
		goto done;
	fold_merges(&r);
	log_stats("cloudwatch.fetch", &st, r.nunits, ss->cache.reused - reused);
	for (size_t i = 0; i < r.nwork; i++)
		if ((rc = build_rows(reqs[i].out, &r.work[i], &r, err)))
			goto done;
done:
	if (rc)
		for (size_t i = 0; i < n; i++)
			kpi__series_release(reqs[i].out);
	run_release(&r);
	free(defs);
	return rc;
}

static bool cw_configured(const kpi_config *cfg, const kpi_def *def, const char **hint)
{
	kpi__cw_settings s;
	kpi__cw_spec spec;
	size_t n = 0;

	if (hint)
		*hint = "set cloudwatch.load_balancer or cloudwatch.queues in the config file";
	if (kpi__cw_settings_load(&s, cfg, NULL))
		return false;
	if (kpi__cw_spec_load(&spec, cfg, def, NULL) == 0) {
		kpi__cw_values(&s, &spec, &n);
		if (spec.label_dims)
			n = s.hosts;
		if (hint)
			*hint = not_configured(&spec);
		kpi__cw_spec_release(&spec);
	} else {
		/* An unreadable query file: count the KPI in so the run reports it. */
		n = 1;
	}
	kpi__cw_settings_release(&s);
	return n > 0;
}

/* ---- datapoints for alarms ---- */

static int cw_datapoints(void *session, const kpi_def *def, int64_t from, int64_t to, int period,
                         kpi_datapoint_set **out, kpi_error *err)
{
	cw_session *ss = session;
	cw_run r;
	kpi__cw_stats st = { { 0, 0, 0 }, 0, 0, 0 };
	kpi_datapoint_set *set = NULL;
	const kpi_def *defs[1] = { def };
	kpi_work *k;
	size_t reused;
	int rc;

	*out = NULL;
	if ((rc = run_open(&r, ss, defs, 1, true, err)) || (rc = discover_all(&r, ss, &st, err)))
		goto done;
	k = &r.work[0];
	k->first_unit = 0;
	for (size_t v = 0; v < k->nvalues; v++)
		for (size_t m = 0; m < k->spec.nmetrics; m++)
			if ((rc = k->values ? push_unit(&r, def, &k->spec.metrics[m], k->spec.dimension, k->values[v], from, to,
			                                period, err)
			                    : push_found(&r, k, v, 0, from, to, period, err)))
				goto done;
	if ((rc = push_merges(&r, k, from, to, period, err)))
		goto done;
	k->nunits = r.nunits;
	reused = ss->cache.reused;
	if ((rc = session_aws(ss, err)) || (rc = kpi__cw_run_cached(r.units, r.nunits, &ss->cache, &ss->aws,
	                                                            &ss->settings.retry, (int64_t)time(NULL), &st, err)))
		goto done;
	fold_merges(&r);
	log_stats("cloudwatch.datapoints", &st, r.nunits, ss->cache.reused - reused);
	if (!(set = calloc(1, sizeof(*set))) || !(set->sets = calloc(k->nvalues + 1, sizeof(*set->sets)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	set->def = def;
	set->nlabels = def->nlabels;
	for (size_t v = 0; v < k->nvalues; v++) {
		kpi_datapoints *d = &set->sets[set->nsets++];
		const kpi__cw_unit *u = &r.units[v * k->spec.nmetrics];
		d->start = from;
		d->period = period;
		d->n = u->n;
		d->labels = labels_dup(&r.work[0], v, err);
		d->values = calloc(d->n + 1, sizeof(double));
		d->present = calloc(d->n + 1, sizeof(bool));
		if (k->spec.combine == KPI__CW_RATIO_PCT && (!(d->numerator = calloc(d->n + 1, sizeof(double))) ||
		                                             !(d->denominator = calloc(d->n + 1, sizeof(double))))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		if (!d->labels || !d->values || !d->present) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < d->n && !rc; i++) {
			if (k->spec.combine == KPI__CW_RATIO_PCT) {
				const kpi__cw_unit *un = k->spec.metrics[0].role == KPI__CW_NUMERATOR ? &u[0] : &u[1];
				const kpi__cw_unit *ud = un == &u[0] ? &u[1] : &u[0];
				double num = (un->flags[i] & KPI__CW_PRESENT) ? un->values[i] : 0;
				d->incomplete = d->incomplete || ((un->flags[i] | ud->flags[i]) & KPI__CW_PARTIAL);
				if ((ud->flags[i] & KPI__CW_PRESENT) && ud->values[i] > 0 &&
				    kpi__answer_ratio_exceeds(num, ud->values[i])) {
					char when[32];
					rc = kpi__cw_unit_bad(err, un, "the period at %s counts %.15g, more than the %.15g of %s",
					                      kpi_time_format(when, sizeof(when), from + (int64_t)i * period), num,
					                      ud->values[i], ud->metric->name);
				} else if ((ud->flags[i] & KPI__CW_PRESENT) && ud->values[i] > 0) {
					d->present[i] = true;
					d->values[i] = num / ud->values[i] * 100.0 * k->spec.scale;
					d->numerator[i] = num;
					d->denominator[i] = ud->values[i];
				}
			} else {
				d->incomplete = d->incomplete || (u->flags[i] & KPI__CW_PARTIAL);
				if (u->flags[i] & KPI__CW_PRESENT) {
					d->present[i] = true;
					d->values[i] = u->values[i] * k->spec.scale;
				}
			}
			if (d->present[i] && !isfinite(d->values[i])) {
				char when[32];
				rc = kpi__cw_unit_bad(err, u, "the period at %s gives a value that is not a finite number",
				                      kpi_time_format(when, sizeof(when), from + (int64_t)i * period));
			}
		}
		if (rc)
			goto done;
	}
	*out = set;
	set = NULL;
done:
	kpi_datapoint_set_free(set);
	run_release(&r);
	return rc;
}

/* ---- explain and provenance ---- */

static int cw_where(void *session, char **out, kpi_error *err)
{
	cw_session *ss = session;
	int rc;
	*out = NULL;
	if ((rc = session_aws(ss, err)))
		return rc;
	*out = strdup(ss->aws.where);
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

static int cw_explain(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                      const kpi_window *w, kpi_error *err)
{
	cw_session *ss = NULL;
	cw_run r;
	kpi__cw_call *calls = NULL;
	size_t ncalls = 0;
	const kpi_def *defs[1] = { def };
	kpi_error aerr = KPI_ERROR_INIT;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = cw_open((void **)&ss, cfg, cat, 1, err)) || (rc = run_open(&r, ss, defs, 1, false, err)))
		goto done;
	kpi_buf_printf(out, "-- query file: %s\n-- sha256: %s\n", r.work[0].spec.path, r.work[0].spec.sha256);
	if (session_aws(ss, &aerr) == 0)
		kpi_buf_printf(out,
		               "-- POST %s/ (AWS JSON 1.0), region %s\n"
		               "-- Content-Type: application/x-amz-json-1.0\n-- X-Amz-Target: %s\n"
		               "-- signed by libcurl with SigV4 \"%s\", credentials from %s%s\n",
		               ss->aws.endpoint, ss->aws.region, GMD_TARGET, ss->aws.sigv4, ss->aws.source,
		               ss->aws.session_token ? " (with a session token)" : "");
	else
		kpi_buf_printf(out, "-- X-Amz-Target: %s, SigV4 service monitoring\n-- credentials: %s\n", GMD_TARGET,
		               aerr.message);
	if (r.work[0].spec.label_dims && ss->settings.hosts) {
		kpi_buf_printf(out, "-- the series: ListMetrics (X-Amz-Target: %s), NextToken followed to the end\n", LM_TARGET);
		if ((rc = kpi__cw_list_body(out, &r.work[0].spec, NULL, true, err)))
			goto done;
		kpi_buf_printf(out,
		               "\n-- then, for every series listed with dimension(s)");
		for (size_t i = 0; i < def->nlabels; i++)
			kpi_buf_printf(out, "%s %s (label %s)", i ? "," : "", r.work[0].spec.label_dims[i], def->labels[i].name);
		kpi_buf_printf(out, ": GetMetricData %s %s, hourly, with all its dimensions, batched as above; the week's "
		                    "value is the maximum\n",
		               r.work[0].spec.metrics[0].name, r.work[0].spec.metrics[0].stat);
		goto done;
	}
	if (!r.work[0].nvalues) {
		kpi_buf_printf(out, "-- not configured: %s\n", not_configured(&r.work[0].spec));
		goto done;
	}
	r.work[0].w = w;
	if ((rc = weekly_units(&r, &r.work[0], err)) ||
	    (rc = kpi__cw_plan(&calls, &ncalls, r.units, r.nunits, (int64_t)time(NULL), err)))
		goto done;
	kpi_buf_printf(out,
	               "-- %zu GetMetricData request%s for this KPI alone (NextToken followed to the end); in a run, "
	               "a series the run has already read over these periods (as the SLO KPIs' counts) is not asked "
	               "again\n",
	               ncalls, ncalls == 1 ? "" : "s");
	for (size_t i = 0; i < ncalls && !rc; i++) {
		char a[32], b[32];
		kpi_buf_printf(out, "\n-- request %zu: %s .. %s\n", i + 1, kpi_time_format(a, sizeof(a), calls[i].t0),
		               kpi_time_format(b, sizeof(b), calls[i].t1));
		rc = kpi__cw_request_body(out, &calls[i], r.units, NULL, true, err);
		kpi_buf_puts(out, "\n");
	}
done:
	kpi__cw_plan_free(calls, ncalls);
	run_release(&r);
	cw_close(ss);
	return rc;
}

const kpi__source kpi__source_cloudwatch = {
	.name = "cloudwatch",
	.title = "CloudWatch",
	/* weekly rows come from whole hours: alerts use an alarm rule's periods */
	.alarm_only = true,
	.check = cw_check,
	.configured = cw_configured,
	.open = cw_open,
	.fetch = cw_fetch,
	.datapoints = cw_datapoints,
	.explain = cw_explain,
	.where = cw_where,
	.close = cw_close,
};
