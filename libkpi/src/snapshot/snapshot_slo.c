/* snapshot.json's "slo" section (format 4): write, parse, validate. Written
 * as (docs/pack.md, "snapshot.json")
 *   "slo": {"objectives": [
 *     {"target_kpi": "api_availability_pct", "objective": 99.9, "window_seconds": 2419200,
 *      "counts": "cloudwatch", "query": "cloudwatch/api_error_rate_pct.json",
 *      "kpis": ["api_availability_pct", ...], "not_measured": null, "detail": null,
 *      "as_of_hour": "2026-11-23T00:00:00Z", "as_of_5m": "2026-11-23T00:00:00Z",
 *      "label_names": ["load_balancer"], "services": [
 *        {"labels": {"load_balancer": "app/api/1"},
 *         "alerts": [{"name": "page_1h", "burn_long": 0.5, "burn_short": null, "firing": false}, ...],
 *         "daily": {"errors": [...], "requests": [...], "availability": [...], "budget_remaining": [...]},
 *         "hourly": {"errors": [...], "requests": [...], "burn_1h": [...], "burn_6h": [...],
 *                    "burn_3d": [...], "fired": [[], ["page_6h"], ...]}}]}]}
 * or "slo": null when the catalogue has no SLO KPI. A format-4 snapshot
 * written before the key existed has no "slo" and is written back without
 * it. Numbers are null where there is no value (NAN in kpi_slo_page). */
#include "snapshot/snapshot_slo.h"
#include "snapshot/snapshot_write.h"
#include "sources/slo/slo_page.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef kpi__snapw wr;

static void put_nums(wr *w, const char *key, const double *v, size_t n, bool last)
{
	kpi__snapw_putf(w, "\"%s\": [", key);
	for (size_t i = 0; i < n; i++) {
		kpi__snapw_put(w, i ? ", " : "");
		kpi__snapw_num(w, !isnan(v[i]), v[i], "an SLO number");
	}
	kpi__snapw_put(w, last ? "]" : "], ");
}

static void put_texts(wr *w, char *const *s, size_t n)
{
	kpi__snapw_put(w, "[");
	for (size_t i = 0; i < n; i++) {
		kpi__snapw_put(w, i ? ", " : "");
		kpi__snapw_str(w, s[i], "an SLO text");
	}
	kpi__snapw_put(w, "]");
}

static void put_service(wr *w, const kpi_slo_objective *o, const kpi_slo_service *s)
{
	const kpi_slo_alert *al = kpi__slo_page_alerts();

	kpi__snapw_put(w, "\n        {\"labels\": {");
	for (size_t l = 0; l < o->nlabels; l++) {
		kpi__snapw_put(w, l ? ", " : "");
		kpi__snapw_str(w, o->label_names[l], "an SLO label");
		kpi__snapw_put(w, ": ");
		kpi__snapw_str(w, s->labels[l], "an SLO label");
	}
	kpi__snapw_put(w, "},\n         \"alerts\": [");
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
		const kpi_slo_alert_state *a = &s->alerts[k];
		kpi__snapw_putf(w, "%s{\"name\": \"%s\", \"burn_long\": ", k ? ", " : "", al[k].name);
		kpi__snapw_num(w, a->has_long, a->burn_long, "an SLO burn rate");
		kpi__snapw_put(w, ", \"burn_short\": ");
		kpi__snapw_num(w, a->has_short, a->burn_short, "an SLO burn rate");
		kpi__snapw_put(w, a->firing ? ", \"firing\": true}" : ", \"firing\": false}");
	}
	kpi__snapw_put(w, "],\n         \"daily\": {");
	put_nums(w, "errors", s->day_errors, o->ndays, false);
	put_nums(w, "requests", s->day_requests, o->ndays, false);
	put_nums(w, "availability", s->day_availability, o->ndays, false);
	put_nums(w, "budget_remaining", s->day_budget, o->ndays, true);
	kpi__snapw_put(w, "},\n         \"hourly\": {");
	put_nums(w, "errors", s->hour_errors, KPI_SLO_PAGE_HOURS, false);
	put_nums(w, "requests", s->hour_requests, KPI_SLO_PAGE_HOURS, false);
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
		char key[16];
		snprintf(key, sizeof(key), "burn_%s", kpi__slo_alert_long_name(k));
		put_nums(w, key, s->hour_burn[k], KPI_SLO_PAGE_HOURS, false);
	}
	kpi__snapw_put(w, "\"fired\": [");
	for (size_t h = 0; h < KPI_SLO_PAGE_HOURS; h++) {
		kpi__snapw_put(w, h ? ", [" : "[");
		for (size_t k = 0, n = 0; k < KPI_SLO_PAGE_ALERTS; k++)
			if (s->hour_fired[h] & (1u << k))
				kpi__snapw_putf(w, "%s\"%s\"", n++ ? ", " : "", al[k].name);
		kpi__snapw_put(w, "]");
	}
	kpi__snapw_put(w, "]}}");
}

int kpi__slo_snap_write(kpi_buf *b, const kpi_snapshot *snap, kpi_error *err)
{
	const kpi_slo_page *p = snap->slo;
	wr w = { b, 0, err };

	if (!snap->has_slo)
		return 0;
	if (!p) {
		kpi__snapw_put(&w, ",\n  \"slo\": null");
		return w.rc;
	}
	kpi__snapw_put(&w, ",\n  \"slo\": {\"objectives\": [");
	for (size_t i = 0; i < p->nobjectives; i++) {
		const kpi_slo_objective *o = &p->objectives[i];
		kpi__snapw_put(&w, i ? ",\n    {\"target_kpi\": " : "\n    {\"target_kpi\": ");
		kpi__snapw_str(&w, o->target_kpi, "an SLO text");
		kpi__snapw_put(&w, ", \"objective\": ");
		kpi__snapw_num(&w, true, o->objective, "an SLO objective");
		kpi__snapw_putf(&w, ", \"window_seconds\": %lld, \"counts\": ", (long long)o->window);
		kpi__snapw_str(&w, o->counts, "an SLO text");
		kpi__snapw_put(&w, ", \"query\": ");
		kpi__snapw_str(&w, o->query, "an SLO text");
		kpi__snapw_put(&w, ",\n     \"kpis\": ");
		put_texts(&w, o->kpis, o->nkpis);
		kpi__snapw_put(&w, ",\n     \"not_measured\": ");
		kpi__snapw_str(&w, o->not_measured, "an SLO text");
		kpi__snapw_put(&w, ", \"detail\": ");
		kpi__snapw_str(&w, o->detail, "an SLO text");
		kpi__snapw_put(&w, ",\n     \"as_of_hour\": ");
		if (o->not_measured)
			kpi__snapw_put(&w, "null, \"as_of_5m\": null");
		else {
			kpi__snapw_time(&w, o->as_of_hour);
			kpi__snapw_put(&w, ", \"as_of_5m\": ");
			kpi__snapw_time(&w, o->as_of_5m);
		}
		kpi__snapw_put(&w, ", \"label_names\": ");
		put_texts(&w, o->label_names, o->nlabels);
		kpi__snapw_put(&w, ", \"services\": [");
		for (size_t k = 0; k < o->nservices; k++) {
			kpi__snapw_put(&w, k ? "," : "");
			put_service(&w, o, &o->services[k]);
		}
		kpi__snapw_putf(&w, o->nservices ? "\n     ], \"services_total\": %zu}" : "], \"services_total\": %zu}",
		                o->nservices_total);
	}
	kpi__snapw_put(&w, p->nobjectives ? "\n  ]}" : "]}");
	return w.rc;
}

/* ---- parsing ---- */

typedef struct rd {
	const kpi__jsondoc *doc;
	kpi_error *err;
	const kpi_snapshot *snap;
} rd;

#define FAIL(r, v, at, ...) kpi__jsondoc_error((r)->doc, (v) ? (v) : (at), (r)->err, KPI_EDATA, __VA_ARGS__)

static int keys(rd *r, const json_t *o, const char *const *allowed, const char *what)
{
	if (!json_is_object(o))
		return FAIL(r, o, r->doc->root, "slo: %s must be an object", what);
	if (kpi__json_check_keys(r->doc, o, allowed, what, r->err))
		return r->err->code = KPI_EDATA;
	return 0;
}

static int text(rd *r, char **out, const json_t *o, const char *key, bool nullable)
{
	return kpi__json_text_member(out, r->doc, o, key, nullable, KPI__SLO_SNAPSHOT_KEY, r->err);
}

/* An instant on a `step` grid in (as_of - step, as_of]. */
static int instant(rd *r, int64_t *out, const json_t *o, const char *key, int64_t step)
{
	const json_t *v = json_object_get(o, key);
	const kpi_window *w = &r->snap->result->window;
	char back[32];

	if (!json_is_string(v) || kpi_time_parse(out, json_string_value(v), NULL) ||
	    strcmp(kpi_time_format(back, sizeof(back), *out), json_string_value(v)) != 0)
		return FAIL(r, v, o, "slo: '%s' must be an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ssZ)", key);
	if (*out % step || *out > w->as_of || *out <= w->as_of - step || *out < w->from)
		return FAIL(r, v, o, "slo: '%s' must be the window's as-of instant rounded down to %lld s", key,
		            (long long)step);
	return 0;
}

/* Whether `id` is a KPI of the snapshot: in its catalogue (`measured`) or
 * among the KPIs the run left out. */
static bool known_kpi(const kpi_snapshot *snap, const char *id, bool measured)
{
	if (measured)
		return kpi_catalog_find(snap->catalog, id) != NULL;
	for (size_t i = 0; i < snap->nnot_collected; i++)
		if (strcmp(snap->not_collected[i].kpi, id) == 0)
			return true;
	return kpi_catalog_find(snap->catalog, id) != NULL;
}

/* A list of `n` numbers (or null) in [lo, hi]. */
static int nums(rd *r, double *out, const json_t *o, const char *key, size_t n, double lo, double hi)
{
	const json_t *a = json_object_get(o, key);
	if (!json_is_array(a) || json_array_size(a) != n)
		return FAIL(r, a, o, "slo: '%s' must be a list of %zu numbers or nulls", key, n);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		double x;
		if (json_is_null(v)) {
			out[i] = NAN;
			continue;
		}
		x = json_number_value(v);
		if (!json_is_number(v) || !isfinite(x) || x < lo || x > hi)
			return FAIL(r, v, o, "slo: '%s'[%zu] must be null or a finite number in [%g, %g]", key, i, lo, hi);
		out[i] = x;
	}
	return 0;
}

/* Errors and requests both known or both not, errors <= requests, and the
 * quantities derived from them known only when they are. */
static int counts_agree(rd *r, const json_t *o, const double *e, const double *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(e[i]) != isnan(q[i]) || (!isnan(e[i]) && e[i] > q[i]))
			return FAIL(r, json_object_get(o, "errors"), o,
			            "slo: errors[%zu] and requests[%zu] must both be null or errors <= requests", i, i);
	return 0;
}

static int alert_index(const char *name)
{
	const kpi_slo_alert *al = kpi__slo_page_alerts();
	for (int k = 0; k < KPI_SLO_PAGE_ALERTS; k++)
		if (strcmp(al[k].name, name) == 0)
			return k;
	return -1;
}

static int parse_alerts(rd *r, kpi_slo_service *s, const json_t *a, const json_t *at)
{
	static const char *const akeys[] = { "name", "burn_long", "burn_short", "firing", NULL };
	const kpi_slo_alert *al = kpi__slo_page_alerts();
	int rc;

	if (!json_is_array(a) || json_array_size(a) != KPI_SLO_PAGE_ALERTS)
		return FAIL(r, a, at, "slo: 'alerts' must be a list of the %d alert pairs", KPI_SLO_PAGE_ALERTS);
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
		const json_t *o = json_array_get(a, k), *f;
		kpi_slo_alert_state *st = &s->alerts[k];
		double v[2];
		if ((rc = keys(r, o, akeys, "an SLO alert")))
			return rc;
		if (!json_is_string(json_object_get(o, "name")) ||
		    strcmp(json_string_value(json_object_get(o, "name")), al[k].name) != 0)
			return FAIL(r, json_object_get(o, "name"), o, "slo: alert %zu must be named '%s'", k, al[k].name);
		for (int j = 0; j < 2; j++) {
			const json_t *x = json_object_get(o, j ? "burn_short" : "burn_long");
			if (!json_is_null(x) && (!json_is_number(x) || !isfinite(json_number_value(x)) ||
			                         json_number_value(x) < 0))
				return FAIL(r, x, o, "slo: '%s' must be null or a finite number >= 0",
				            j ? "burn_short" : "burn_long");
			v[j] = json_is_null(x) ? 0 : json_number_value(x);
		}
		st->has_long = !json_is_null(json_object_get(o, "burn_long"));
		st->has_short = !json_is_null(json_object_get(o, "burn_short"));
		st->burn_long = v[0];
		st->burn_short = v[1];
		f = json_object_get(o, "firing");
		if (!json_is_boolean(f))
			return FAIL(r, f, o, "slo: 'firing' must be true or false");
		st->firing = json_is_true(f);
		if (st->firing != kpi_slo_pair_fires(st->has_long, st->burn_long, st->has_short, st->burn_short,
		                                     al[k].factor))
			return FAIL(r, f, o, "slo: 'firing' of %s must be whether both burn rates are above %g", al[k].name,
			            al[k].factor);
	}
	return 0;
}

static int parse_fired(rd *r, kpi_slo_service *s, const json_t *o)
{
	const kpi_slo_alert *al = kpi__slo_page_alerts();
	const json_t *a = json_object_get(o, "fired");

	if (!json_is_array(a) || json_array_size(a) != KPI_SLO_PAGE_HOURS)
		return FAIL(r, a, o, "slo: 'fired' must be a list of %d lists of alert names", KPI_SLO_PAGE_HOURS);
	for (size_t h = 0; h < KPI_SLO_PAGE_HOURS; h++) {
		const json_t *l = json_array_get(a, h);
		int prev = -1;
		if (!json_is_array(l) || json_array_size(l) > KPI_SLO_PAGE_ALERTS)
			return FAIL(r, l, a, "slo: 'fired'[%zu] must be a list of alert names", h);
		for (size_t j = 0; j < json_array_size(l); j++) {
			const json_t *n = json_array_get(l, j);
			int k = json_is_string(n) ? alert_index(json_string_value(n)) : -1;
			if (k <= prev)
				return FAIL(r, n, l, "slo: 'fired'[%zu] must name alerts of page_1h, page_6h, ticket_3d once "
				            "each, in that order", h);
			if (!(s->hour_burn[k][h] > al[k].factor))
				return FAIL(r, n, l, "slo: %s cannot have fired at hour %zu: its long window's burn rate is "
				            "not above %g", al[k].name, h, al[k].factor);
			s->hour_fired[h] |= 1u << k;
			prev = k;
		}
	}
	return 0;
}

static int parse_service(rd *r, kpi_slo_service *s, const kpi_slo_objective *ob, const json_t *o)
{
	static const char *const skeys[] = { "labels", "alerts", "daily", "hourly", NULL };
	static const char *const dkeys[] = { "errors", "requests", "availability", "budget_remaining", NULL };
	static const char *const hkeys[] = { "errors", "requests", "burn_1h", "burn_6h", "burn_3d", "fired", NULL };
	const json_t *labels, *d, *h;
	int rc;

	if ((rc = keys(r, o, skeys, "an SLO service")))
		return rc;
	labels = json_object_get(o, "labels");
	if (!json_is_object(labels) || json_object_size(labels) != ob->nlabels)
		return FAIL(r, labels, o, "slo: 'labels' must be an object of the %zu label_names", ob->nlabels);
	for (size_t l = 0; l < ob->nlabels; l++)
		if ((rc = text(r, &s->labels[l], labels, ob->label_names[l], false)))
			return rc;
	if ((rc = parse_alerts(r, s, json_object_get(o, "alerts"), o)))
		return rc;
	d = json_object_get(o, "daily");
	h = json_object_get(o, "hourly");
	if ((rc = keys(r, d, dkeys, "an SLO service's daily points")) ||
	    (rc = nums(r, s->day_errors, d, "errors", ob->ndays, 0, HUGE_VAL)) ||
	    (rc = nums(r, s->day_requests, d, "requests", ob->ndays, 0, HUGE_VAL)) ||
	    (rc = counts_agree(r, d, s->day_errors, s->day_requests, ob->ndays)) ||
	    (rc = nums(r, s->day_availability, d, "availability", ob->ndays, 0, 100)) ||
	    (rc = nums(r, s->day_budget, d, "budget_remaining", ob->ndays, -HUGE_VAL, 100)))
		return rc;
	for (size_t i = 0; i < ob->ndays; i++)
		if (isnan(s->day_availability[i]) != isnan(s->day_budget[i]) ||
		    (!isnan(s->day_availability[i]) && !(s->day_requests[i] > 0)))
			return FAIL(r, json_object_get(d, "availability"), d,
			            "slo: availability[%zu] and budget_remaining[%zu] must both be null or both have a "
			            "value with requests", i, i);
	if ((rc = keys(r, h, hkeys, "an SLO service's hourly points")) ||
	    (rc = nums(r, s->hour_errors, h, "errors", KPI_SLO_PAGE_HOURS, 0, HUGE_VAL)) ||
	    (rc = nums(r, s->hour_requests, h, "requests", KPI_SLO_PAGE_HOURS, 0, HUGE_VAL)) ||
	    (rc = counts_agree(r, h, s->hour_errors, s->hour_requests, KPI_SLO_PAGE_HOURS)))
		return rc;
	for (size_t k = 0; k < KPI_SLO_PAGE_ALERTS; k++) {
		char key[16];
		snprintf(key, sizeof(key), "burn_%s", kpi__slo_alert_long_name(k));
		if ((rc = nums(r, s->hour_burn[k], h, key, KPI_SLO_PAGE_HOURS, 0, HUGE_VAL)))
			return rc;
	}
	return parse_fired(r, s, h);
}

static int parse_texts(rd *r, char ***out, size_t *n, const json_t *o, const char *key, size_t max)
{
	const json_t *a = json_object_get(o, key);

	if (!json_is_array(a) || json_array_size(a) > max)
		return FAIL(r, a, o, "slo: '%s' must be a list of at most %zu texts", key, max);
	if (!(*out = calloc(json_array_size(a) + 1, sizeof(char *))))
		return kpi_error_set(r->err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		if (!json_is_string(v) || !json_string_length(v))
			return FAIL(r, v, a, "slo: '%s'[%zu] must be a non-empty text", key, i);
		for (size_t j = 0; j < i; j++)
			if (strcmp((*out)[j], json_string_value(v)) == 0)
				return FAIL(r, v, a, "slo: '%s' has '%s' twice", key, json_string_value(v));
		if (!((*out)[i] = strdup(json_string_value(v))))
			return kpi_error_set(r->err, KPI_ENOMEM, "out of memory");
		(*n)++;
	}
	return 0;
}

static bool same_service(const kpi_slo_service *a, const kpi_slo_service *b, size_t nl)
{
	for (size_t l = 0; l < nl; l++)
		if (strcmp(a->labels[l], b->labels[l]) != 0)
			return false;
	return true;
}

static int parse_objective(rd *r, kpi_slo_objective *ob, const json_t *o)
{
	static const char *const okeys[] = { "target_kpi", "objective", "window_seconds", "counts", "query", "kpis",
		                             "not_measured", "detail", "as_of_hour", "as_of_5m", "label_names",
		                             "services", "services_total", NULL };
	const json_t *v, *svcs;
	bool measured;
	int rc;

	if ((rc = keys(r, o, okeys, "an SLO objective")) || (rc = text(r, &ob->target_kpi, o, "target_kpi", false)) ||
	    (rc = text(r, &ob->counts, o, "counts", false)) || (rc = text(r, &ob->query, o, "query", false)) ||
	    (rc = text(r, &ob->not_measured, o, "not_measured", true)) ||
	    (rc = text(r, &ob->detail, o, "detail", true)))
		return rc;
	measured = !ob->not_measured;
	if (measured && ob->detail)
		return FAIL(r, json_object_get(o, "detail"), o, "slo: 'detail' must be null when the objective is measured");
	v = json_object_get(o, "objective");
	if (!json_is_number(v) || !kpi_slo_target_ok(json_number_value(v)))
		return FAIL(r, v, o, "slo: 'objective' must be a percentage between 0 and 100 (99.9)");
	ob->objective = json_number_value(v);
	v = json_object_get(o, "window_seconds");
	if (!json_is_integer(v) || json_integer_value(v) < 3600 || json_integer_value(v) > 90 * 86400 ||
	    json_integer_value(v) % 3600)
		return FAIL(r, v, o, "slo: 'window_seconds' must be whole hours, up to 90 days");
	ob->window = json_integer_value(v);
	ob->ndays = (size_t)((ob->window + 86399) / 86400);
	if (!known_kpi(r->snap, ob->target_kpi, measured))
		return FAIL(r, json_object_get(o, "target_kpi"), o, "slo: target KPI '%s' is not in the snapshot's catalogue",
		            ob->target_kpi);
	if ((rc = parse_texts(r, &ob->kpis, &ob->nkpis, o, "kpis", 64)))
		return rc;
	if (!ob->nkpis)
		return FAIL(r, json_object_get(o, "kpis"), o, "slo: 'kpis' must name the objective's SLO KPIs");
	for (size_t i = 0; i < ob->nkpis; i++) {
		if (!known_kpi(r->snap, ob->kpis[i], measured))
			return FAIL(r, json_array_get(json_object_get(o, "kpis"), i), o,
			            "slo: '%s' is not a KPI of the snapshot's catalogue%s", ob->kpis[i],
			            measured ? "" : " nor one the run left out");
	}
	if ((rc = parse_texts(r, &ob->label_names, &ob->nlabels, o, "label_names", 8)))
		return rc;
	svcs = json_object_get(o, "services");
	if (!json_is_array(svcs) || json_array_size(svcs) > KPI_SLO_PAGE_SERVICES_MAX)
		return FAIL(r, svcs, o, "slo: 'services' must be a list of at most %d", KPI_SLO_PAGE_SERVICES_MAX);
	/* how many services the counts had: the page holds the first
	 * KPI_SLO_PAGE_SERVICES_MAX and says how many it left out */
	v = json_object_get(o, "services_total");
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)json_array_size(svcs) ||
	    (json_integer_value(v) > (json_int_t)json_array_size(svcs) &&
	     json_array_size(svcs) < KPI_SLO_PAGE_SERVICES_MAX))
		return FAIL(r, v ? v : o, o, "slo: 'services_total' must be the number of services: the length of "
		            "'services', or more when it holds %d", KPI_SLO_PAGE_SERVICES_MAX);
	ob->nservices_total = (size_t)json_integer_value(v);
	if (!measured) {
		if (!json_is_null(json_object_get(o, "as_of_hour")) || !json_is_null(json_object_get(o, "as_of_5m")) ||
		    json_array_size(svcs))
			return FAIL(r, svcs, o, "slo: an objective not measured has null as_of_hour and as_of_5m and no "
			            "services");
		return 0;
	}
	if ((rc = instant(r, &ob->as_of_hour, o, "as_of_hour", 3600)) ||
	    (rc = instant(r, &ob->as_of_5m, o, "as_of_5m", 300)))
		return rc;
	if (!(ob->services = calloc(json_array_size(svcs) + 1, sizeof(*ob->services))))
		return kpi_error_set(r->err, KPI_ENOMEM, "out of memory");
	for (size_t k = 0; k < json_array_size(svcs); k++) {
		kpi_slo_service *s = &ob->services[ob->nservices++];
		if ((rc = kpi__slo_service_init(s, ob->nlabels, ob->ndays, r->err)) ||
		    (rc = parse_service(r, s, ob, json_array_get(svcs, k))))
			return rc;
		for (size_t j = 0; j < k; j++)
			if (same_service(&ob->services[j], s, ob->nlabels))
				return FAIL(r, json_array_get(svcs, k), svcs, "slo: a service with these labels twice");
	}
	return 0;
}

int kpi__slo_snap_parse(kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *root, kpi_error *err)
{
	static const char *const pkeys[] = { "objectives", NULL };
	const json_t *v = json_object_get(root, KPI__SLO_SNAPSHOT_KEY), *obs;
	rd r = { doc, err, snap };
	kpi_slo_page *p;
	int rc;

	snap->has_slo = v != NULL;
	if (!v || json_is_null(v))
		return 0;
	if ((rc = keys(&r, v, pkeys, "'slo'")))
		return rc;
	obs = json_object_get(v, "objectives");
	if (!json_is_array(obs) || json_array_size(obs) > KPI_SLO_PAGE_OBJECTIVES_MAX)
		return FAIL(&r, obs, v, "slo: 'objectives' must be a list of at most %d", KPI_SLO_PAGE_OBJECTIVES_MAX);
	if (!(p = snap->slo = calloc(1, sizeof(*p))) ||
	    !(p->objectives = calloc(json_array_size(obs) + 1, sizeof(*p->objectives))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(obs); i++) {
		p->nobjectives++;
		if ((rc = parse_objective(&r, &p->objectives[i], json_array_get(obs, i))))
			return rc;
		for (size_t j = 0; j < i; j++)
			for (size_t a = 0; a < p->objectives[j].nkpis; a++)
				for (size_t b = 0; b < p->objectives[i].nkpis; b++)
					if (strcmp(p->objectives[j].kpis[a], p->objectives[i].kpis[b]) == 0)
						return FAIL(&r, json_array_get(obs, i), obs, "slo: KPI '%s' in two objectives",
						            p->objectives[i].kpis[b]);
	}
	return 0;
}
