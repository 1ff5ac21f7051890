/*
 * The pack's SLO page (kpi_slo_page, kpi/slo.h; docs/pack.md, "The SLO
 * page"): per objective and service, the error budget of the SLO window
 * ending at each of the window's last days, the burn rates of the three
 * alert pairs' long windows at each of the last KPI_SLO_PAGE_HOURS hours,
 * the hours where a pair fired, and the pairs as of the as-of instant.
 *
 * Read from the same counts as the SLO KPIs (slo.c), through the SLO
 * source's session, so a fetch is shared with them when it is the same:
 * hourly datapoints over the SLO window plus its days (one request per
 * counts' query, ~1,300 hourly periods for 28 days), 5-minute ones over the
 * last 7 days and 6 hours (~2,100 periods; none when older than CloudWatch
 * keeps them). Windows are made as the KPIs make them: up to 6 h from
 * 5-minute periods, longer from hourly ones; a window without requests
 * has no value.
 */
#include "sources/slo/slo_page.h"
#include "kpi/slo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FINE 300
#define COARSE 3600
#define FINE_SPAN (6 * 3600)
/* 5-minute CloudWatch datapoints are kept 63 days (as slo.c) */
#define FINE_MAX_AGE (62 * 86400)

const kpi_slo_alert *kpi__slo_page_alerts(void)
{
	size_t n;
	return kpi_slo_alerts(&n);
}

const char *kpi__slo_alert_long_name(size_t k)
{
	static const char *const names[KPI_SLO_PAGE_ALERTS] = { "1h", "6h", "3d" };
	return k < KPI_SLO_PAGE_ALERTS ? names[k] : "";
}

void kpi__slo_service_release(kpi_slo_service *s, size_t nlabels)
{
	for (size_t l = 0; s->labels && l < nlabels; l++)
		free(s->labels[l]);
	free(s->labels);
	free(s->day_errors);
	free(s->day_requests);
	free(s->day_availability);
	free(s->day_budget);
	free(s->hour_errors);
	free(s->hour_requests);
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++)
		free(s->hour_burn[k]);
	free(s->hour_fired);
}

void kpi_slo_page_free(kpi_slo_page *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nobjectives; i++) {
		kpi_slo_objective *o = &p->objectives[i];
		for (size_t k = 0; k < o->nservices; k++)
			kpi__slo_service_release(&o->services[k], o->nlabels);
		free(o->services);
		for (size_t k = 0; k < o->nkpis; k++)
			free(o->kpis[k]);
		free(o->kpis);
		for (size_t k = 0; o->label_names && k < o->nlabels; k++)
			free(o->label_names[k]);
		free(o->label_names);
		free(o->target_kpi);
		free(o->counts);
		free(o->query);
		free(o->not_measured);
		free(o->detail);
	}
	free(p->objectives);
	free(p);
}

static double *nans(size_t n)
{
	double *v = malloc((n + 1) * sizeof(*v));
	for (size_t i = 0; v && i < n; i++)
		v[i] = NAN;
	return v;
}

int kpi__slo_service_init(kpi_slo_service *s, size_t nlabels, size_t ndays, kpi_error *err)
{
	bool ok;

	memset(s, 0, sizeof(*s));
	ok = (s->labels = calloc(nlabels + 1, sizeof(char *))) && (s->day_errors = nans(ndays)) &&
	     (s->day_requests = nans(ndays)) && (s->day_availability = nans(ndays)) && (s->day_budget = nans(ndays)) &&
	     (s->hour_errors = nans(KPI_SLO_PAGE_HOURS)) && (s->hour_requests = nans(KPI_SLO_PAGE_HOURS)) &&
	     (s->hour_fired = calloc(KPI_SLO_PAGE_HOURS, sizeof(unsigned)));
	for (size_t k = 0; ok && k < KPI_SLO_PAGE_ALERTS; k++)
		ok = (s->hour_burn[k] = nans(KPI_SLO_PAGE_HOURS)) != NULL;
	return ok ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

/* ---- windows over the datapoints ---- */

typedef struct counts_at {
	const kpi_datapoints *fine;   /* 5-minute periods, or NULL */
	const kpi_datapoints *coarse; /* hourly periods, or NULL */
} counts_at;

/* Errors and requests of [end - len, end): from 5-minute periods up to 6 h
 * (as slo.c), else hourly ones. `*present` whether any period had a
 * datapoint; false: the datapoints cannot make that window. */
static bool window(double *errors, double *requests, bool *present, const counts_at *c, int64_t end, int64_t len)
{
	const kpi_datapoints *d = NULL;
	size_t n, idx, got;

	if (c->fine && len <= FINE_SPAN && len % FINE == 0)
		d = c->fine;
	else if (len % COARSE == 0)
		d = c->coarse;
	if (!d || end < d->start || (end - d->start) % d->period)
		return false;
	idx = (size_t)((end - d->start) / d->period);
	n = (size_t)(len / d->period);
	if (idx > d->n || idx < n)
		return false;
	*errors = kpi_slo_sum(d->numerator, d->present, idx, n, &got);
	*requests = kpi_slo_sum(d->denominator, d->present, idx, n, NULL);
	*present = got > 0;
	return true;
}

/* The burn rate of [end - len, end) against `target`; false: no value. */
static bool burn(double *out, const counts_at *c, int64_t end, int64_t len, double target)
{
	double e, r;
	bool present;
	return window(&e, &r, &present, c, end, len) && present && kpi_slo_burn_rate(out, e, r, target);
}

void kpi__slo_page_fill(kpi_slo_service *s, const kpi_slo_objective *o, const kpi_datapoints *fine,
                        const kpi_datapoints *coarse)
{
	const counts_at cc = { fine, coarse }, *c = &cc;
	const kpi_slo_alert *al = kpi__slo_page_alerts();
	double e, r;
	bool present;

	for (size_t k = 0; k < o->ndays; k++) {
		int64_t end = o->as_of_hour - (int64_t)(o->ndays - 1 - k) * 86400;
		if (!window(&e, &r, &present, c, end, o->window) || !present)
			continue;
		s->day_errors[k] = e;
		s->day_requests[k] = r;
		if (kpi_slo_availability(&s->day_availability[k], e, r) &&
		    !kpi_slo_budget_remaining(&s->day_budget[k], e, r, o->objective))
			s->day_availability[k] = NAN;
	}
	for (size_t h = 0; h < KPI_SLO_PAGE_HOURS; h++) {
		int64_t end = o->as_of_hour - (int64_t)(KPI_SLO_PAGE_HOURS - 1 - h) * 3600;
		counts_at hourly = { NULL, c->coarse };
		if (window(&e, &r, &present, &hourly, end, 3600) && present && e <= r) {
			s->hour_errors[h] = e;
			s->hour_requests[h] = r;
		}
		for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
			double bl, bs;
			bool hl = burn(&bl, c, end, al[k].long_s, o->objective);
			bool hs = burn(&bs, c, end, al[k].short_s, o->objective);
			if (hl)
				s->hour_burn[k][h] = bl;
			if (kpi_slo_pair_fires(hl, bl, hs, bs, al[k].factor))
				s->hour_fired[h] |= 1u << k;
		}
	}
	/* as of T: windows up to 6 h end at T rounded down to 5 minutes,
	 * longer ones at the hour (the KPIs' rows of the last week) */
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
		kpi_slo_alert_state *a = &s->alerts[k];
		int64_t el = al[k].long_s <= FINE_SPAN && c->fine ? o->as_of_5m : o->as_of_hour;
		int64_t es = al[k].short_s <= FINE_SPAN && c->fine ? o->as_of_5m : o->as_of_hour;
		a->has_long = burn(&a->burn_long, c, el, al[k].long_s, o->objective);
		a->has_short = burn(&a->burn_short, c, es, al[k].short_s, o->objective);
		if (!a->has_long)
			a->burn_long = 0;
		if (!a->has_short)
			a->burn_short = 0;
		a->firing = kpi_slo_pair_fires(a->has_long, a->burn_long, a->has_short, a->burn_short, al[k].factor);
	}
}

/* ---- objectives ---- */

static char *dup_or(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*ok = false;
	return d;
}

/* The objective of `def` in `p` (same target, counts and window), or a new
 * one. */
static int objective_of(kpi_slo_objective **out, kpi_slo_page *p, const kpi_def *def, const kpi__slo_def *sd,
                        kpi_error *err)
{
	kpi_slo_objective *o;
	bool ok = true;

	for (size_t i = 0; i < p->nobjectives; i++) {
		o = &p->objectives[i];
		if (strcmp(o->target_kpi, sd->target_kpi) == 0 && strcmp(o->counts, sd->counts.source) == 0 &&
		    strcmp(o->query, sd->counts.query) == 0 && o->window == sd->window)
			goto add;
	}
	if (p->nobjectives == KPI_SLO_PAGE_OBJECTIVES_MAX)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: more than %d SLO objectives for the pack's SLO page",
		                     def->id, KPI_SLO_PAGE_OBJECTIVES_MAX);
	o = &p->objectives[p->nobjectives++];
	o->target_kpi = dup_or(sd->target_kpi, &ok);
	o->objective = sd->target;
	o->window = sd->window;
	o->ndays = (size_t)((sd->window + 86399) / 86400);
	o->counts = dup_or(sd->counts.source, &ok);
	o->query = dup_or(sd->counts.query, &ok);
	if (!ok || !(o->label_names = calloc(sd->counts.nlabels + 1, sizeof(char *))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t l = 0; l < sd->counts.nlabels; l++) {
		if (!(o->label_names[l] = strdup(sd->counts.labels[l].name)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		o->nlabels++;
	}
add:
	if (o->nkpis >= 64)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: more than 64 SLO KPIs share one objective", def->id);
	{
		char **grown = realloc(o->kpis, (o->nkpis + 2) * sizeof(char *));
		if (!grown)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		o->kpis = grown;
		if (!(o->kpis[o->nkpis] = strdup(def->id)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		o->nkpis++;
	}
	*out = o;
	return 0;
}

/* Read the counts of a measured objective and fill its services. */
/* Whether the label set of set i of the coarse (g 0) or fine (g 1) answer
 * came earlier: in the coarse answer, or before i in its own. */
static bool listed_before(const kpi_datapoint_set *coarse, const kpi_datapoint_set *fine, int g, size_t i,
                          size_t nlabels)
{
	const kpi_datapoint_set *set = g ? fine : coarse;
	for (int h = 0; h <= g; h++) {
		const kpi_datapoint_set *e = h ? fine : coarse;
		size_t n = h == g ? i : (e ? e->nsets : 0);
		for (size_t j = 0; e && j < n; j++)
			if (kpi__slo_same_labels(e->sets[j].labels, set->sets[i].labels, nlabels))
				return true;
	}
	return false;
}

static int measure(kpi_slo_objective *o, kpi__run *run, const kpi__slo_def *sd, const kpi_window *w, kpi_error *err)
{
	const kpi__source *src = kpi__source_find("slo");
	const kpi_datapoint_set *coarse = NULL, *fine = NULL;
	kpi__fetch q;
	void *session;
	int64_t now, span, fine_from;
	int rc;

	memset(&q, 0, sizeof(q));
	q.datapoints = kpi__run_datapoints;
	q.ctx = run;
	o->as_of_hour = w->as_of / COARSE * COARSE;
	o->as_of_5m = w->as_of / FINE * FINE;
	/* hourly: the SLO window ending at each day, and the 3-day window
	 * ending at each hour of the burn-rate chart */
	span = o->window + (int64_t)(o->ndays - 1) * 86400;
	if (span < (KPI_SLO_PAGE_HOURS + 72) * 3600)
		span = (KPI_SLO_PAGE_HOURS + 72) * 3600;
	fine_from = o->as_of_hour - (KPI_SLO_PAGE_HOURS - 1) * 3600 - FINE_SPAN - 3600;
	if (!src || (rc = kpi__run_session(&session, run, src, 0, err)) || (rc = kpi_config_now(run->cfg, &now, err)))
		return src ? rc : kpi_error_set(err, KPI_ECONFIG, "no SLO source");
	if ((rc = kpi__slo_counts_read(&coarse, session, &q, &sd->counts, o->as_of_hour - span, o->as_of_hour, COARSE,
	                               err)))
		return rc;
	if (now - fine_from <= FINE_MAX_AGE &&
	    (rc = kpi__slo_counts_read(&fine, session, &q, &sd->counts, fine_from, o->as_of_5m, FINE, err)))
		return rc;
	if (!(o->services = calloc(KPI_SLO_PAGE_SERVICES_MAX + 1, sizeof(*o->services))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* the services in the order the hourly answer gives them, then any
	 * only the 5-minute one has; at most KPI_SLO_PAGE_SERVICES_MAX on the
	 * page, and every distinct one counted: the page says how many it left out */
	o->nservices_total = 0;
	for (int g = 0; g < 2; g++) {
		const kpi_datapoint_set *set = g ? fine : coarse;
		for (size_t i = 0; set && i < set->nsets; i++) {
			char **labels = set->sets[i].labels;
			counts_at c;
			kpi_slo_service *s;
			if (listed_before(coarse, fine, g, i, o->nlabels))
				continue;
			o->nservices_total++;
			if (o->nservices == KPI_SLO_PAGE_SERVICES_MAX)
				continue;
			c.fine = kpi__slo_find_set(fine, labels, o->nlabels);
			c.coarse = kpi__slo_find_set(coarse, labels, o->nlabels);
			s = &o->services[o->nservices++];
			if ((rc = kpi__slo_service_init(s, o->nlabels, o->ndays, err)))
				return rc;
			for (size_t l = 0; l < o->nlabels; l++)
				if (!(s->labels[l] = strdup(labels[l])))
					return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			kpi__slo_page_fill(s, o, c.fine, c.coarse);
		}
	}
	return 0;
}

int kpi__slo_page_collect(kpi_slo_page **out, kpi__run *run, const kpi_catalog *cat, const kpi_window *w,
                          kpi_error *err)
{
	kpi_slo_page *p = NULL;
	kpi__slo_def *defs = NULL;
	kpi_slo_objective **of = NULL;
	int rc = 0;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))) ||
	    !(p->objectives = calloc(KPI_SLO_PAGE_OBJECTIVES_MAX + 1, sizeof(*p->objectives))) ||
	    !(defs = calloc(cat->nkpis + 1, sizeof(*defs))) || !(of = calloc(cat->nkpis + 1, sizeof(*of)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		kpi_slo_objective *o = NULL;
		if (strcmp(d->source, "slo") != 0)
			continue;
		if ((rc = kpi__slo_def_load(&defs[i], d, cat, err)) || (rc = objective_of(&o, p, d, &defs[i], err)))
			goto done;
		of[i] = o;
		/* an objective is measured when its KPIs are part of the run */
		if (!o->not_measured && !kpi__in_run(d, run->cfg)) {
			char why[128];
			const char *hint = NULL;
			kpi_source_configured(run->cfg, d, &hint);
			kpi__unmeasured_why(why, sizeof(why), d);
			if (!(o->not_measured = strdup(why)) || (hint && !(o->detail = strdup(hint)))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	for (size_t k = 0; k < p->nobjectives; k++) {
		kpi_slo_objective *o = &p->objectives[k];
		size_t i = 0;
		if (o->not_measured)
			continue;
		while (of[i] != o)
			i++;
		if ((rc = measure(o, run, &defs[i], w, err)))
			goto done;
	}
	if (p->nobjectives) {
		*out = p;
		p = NULL;
	}
done:
	for (size_t i = 0; defs && i < cat->nkpis; i++)
		free(defs[i].labels);
	free(defs);
	free(of);
	kpi_slo_page_free(p);
	return rc;
}
