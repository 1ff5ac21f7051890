/* The pack's SLO page for the tests: see slofix.h. */
#include "slofix.h"
#include "sources/slo/slo_page.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *need(void *p)
{
	if (!p) {
		fprintf(stderr, "slofix: out of memory\n");
		abort();
	}
	return p;
}

static double errors_at(const slofix_counts *c, int64_t as_of_hour, int64_t t)
{
	int64_t back = as_of_hour - t; /* seconds before the as-of hour of the period's start */
	return back <= c->incident_from && back > c->incident_to ? c->incident_errors : c->errors;
}

static void init(kpi_datapoints *d, int64_t start, int period, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->start = start;
	d->period = period;
	d->n = n;
	d->values = need(calloc(n + 1, sizeof(double)));
	d->numerator = need(calloc(n + 1, sizeof(double)));
	d->denominator = need(calloc(n + 1, sizeof(double)));
	d->present = need(calloc(n + 1, sizeof(bool)));
}

void slofix_datapoints(kpi_datapoints *coarse, kpi_datapoints *fine, const slofix_counts *c, int64_t as_of_hour,
                       int64_t start, size_t n, int64_t fstart, size_t fn)
{
	init(coarse, start, 3600, n);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 12; k++) {
			int64_t t = start + (int64_t)i * 3600 + k * 300;
			coarse->numerator[i] += errors_at(c, as_of_hour, t);
			coarse->denominator[i] += c->requests;
		}
		coarse->present[i] = true;
		coarse->values[i] = coarse->numerator[i] / coarse->denominator[i] * 100;
	}
	if (!fine)
		return;
	init(fine, fstart, 300, fn);
	for (size_t i = 0; i < fn; i++) {
		fine->numerator[i] = errors_at(c, as_of_hour, fstart + (int64_t)i * 300);
		fine->denominator[i] = c->requests;
		fine->present[i] = true;
		fine->values[i] = fine->numerator[i] / fine->denominator[i] * 100;
	}
}

void slofix_datapoints_free(kpi_datapoints *d)
{
	free(d->values);
	free(d->numerator);
	free(d->denominator);
	free(d->present);
	memset(d, 0, sizeof(*d));
}

static kpi_slo_objective *objective(kpi_snapshot *snap)
{
	kpi_slo_page *p = need(calloc(1, sizeof(*p)));
	kpi_slo_objective *o;

	kpi_slo_page_free(snap->slo);
	snap->slo = p;
	snap->has_slo = true;
	p->objectives = need(calloc(2, sizeof(*p->objectives)));
	p->nobjectives = 1;
	o = &p->objectives[0];
	o->target_kpi = need(strdup("api_availability_pct"));
	o->objective = 99.9;
	o->window = 28 * 86400;
	o->ndays = 28;
	o->counts = need(strdup("cloudwatch"));
	o->query = need(strdup("cloudwatch/api_error_rate_pct.json"));
	o->kpis = need(calloc(snap->catalog->nkpis + 1, sizeof(char *)));
	for (size_t i = 0; i < snap->catalog->nkpis; i++)
		if (strcmp(snap->catalog->kpis[i].source, "slo") == 0)
			o->kpis[o->nkpis++] = need(strdup(snap->catalog->kpis[i].id));
	for (size_t i = 0; i < snap->nnot_collected; i++)
		if (strcmp(snap->not_collected[i].source, "slo") == 0)
			o->kpis[o->nkpis++] = need(strdup(snap->not_collected[i].kpi));
	if (!o->nkpis) {
		fprintf(stderr, "slofix: the snapshot has no SLO KPI\n");
		abort();
	}
	o->label_names = need(calloc(2, sizeof(char *)));
	o->label_names[0] = need(strdup("load_balancer"));
	o->nlabels = 1;
	return o;
}

void slofix_attach(kpi_snapshot *snap, const slofix_counts *c, size_t n)
{
	kpi_slo_objective *o = objective(snap);
	kpi_error err = KPI_ERROR_INIT;
	const int64_t as_of = snap->result->window.as_of;
	const size_t hours = 28 * 24 + 27 * 24;

	o->as_of_hour = as_of / 3600 * 3600;
	o->as_of_5m = as_of / 300 * 300;
	o->services = need(calloc(n + 1, sizeof(*o->services)));
	for (size_t k = 0; k < n; k++) {
		kpi_slo_service *s = &o->services[o->nservices++];
		kpi_datapoints coarse, fine;
		int64_t fstart = o->as_of_hour - 174 * 3600;
		if (kpi__slo_service_init(s, 1, o->ndays, &err)) {
			fprintf(stderr, "slofix: %s\n", err.message);
			abort();
		}
		s->labels[0] = need(strdup(c[k].service));
		slofix_datapoints(&coarse, &fine, &c[k], o->as_of_hour, o->as_of_hour - (int64_t)hours * 3600, hours, fstart,
		                  (size_t)((o->as_of_5m - fstart) / 300));
		kpi__slo_page_fill(s, o, &fine, &coarse);
		o->nservices_total = o->nservices;
		slofix_datapoints_free(&coarse);
		slofix_datapoints_free(&fine);
	}
}

void slofix_attach_unmeasured(kpi_snapshot *snap, const char *why, const char *detail)
{
	kpi_slo_objective *o = objective(snap);
	o->not_measured = need(strdup(why));
	o->detail = detail ? need(strdup(detail)) : NULL;
}

void slofix_attach_demo(kpi_snapshot *snap)
{
	const slofix_counts c[] = {
		{ "app/api/alpha", 60, 0, 50 * 3600, 48 * 3600, 3 },
		{ "app/api/beta", 60, 0.12, 0, 0, 0 },
	};
	slofix_attach(snap, c, 2);
}
