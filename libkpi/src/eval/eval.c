#include "core/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool meets(kpi_op op, double v, double t)
{
	switch (op) {
	case KPI_OP_GE: return v >= t;
	case KPI_OP_GT: return v > t;
	case KPI_OP_LE: return v <= t;
	case KPI_OP_LT: return v < t;
	case KPI_OP_EQ: return v == t;
	default: return true;
	}
}

kpi_status kpi_eval_status(const kpi_threshold *th, bool has_value, double value, bool applicable)
{
	if (!applicable)
		return KPI_STATUS_NOT_APPLICABLE;
	if (!has_value || isnan(value))
		return KPI_STATUS_NO_DATA;
	if (!th || th->op == KPI_OP_NONE)
		return KPI_STATUS_OK;
	if (!meets(th->op, value, th->target))
		return KPI_STATUS_BREACH;
	if (th->warn_margin > 0) {
		switch (th->op) {
		case KPI_OP_GE:
		case KPI_OP_GT:
			if (value < th->target + th->warn_margin)
				return KPI_STATUS_WARN;
			break;
		case KPI_OP_LE:
		case KPI_OP_LT:
			if (value > th->target - th->warn_margin)
				return KPI_STATUS_WARN;
			break;
		default:
			break;
		}
	}
	return KPI_STATUS_OK;
}

void kpi_eval_series(kpi_series *s)
{
	for (size_t j = 0; j < s->nrows; j++) {
		kpi_row *r = &s->rows[j];
		r->status = kpi_eval_status(&s->def->threshold, r->has_value, r->value, r->applicable);
		if (r->incomplete && (r->status == KPI_STATUS_OK || r->status == KPI_STATUS_WARN))
			r->status = KPI_STATUS_NO_DATA;
	}
}

void kpi_eval_result(kpi_result *res)
{
	for (size_t i = 0; i < res->nseries; i++)
		kpi_eval_series(&res->series[i]);
}

const char *kpi_verdict_name(kpi_verdict_kind v)
{
	switch (v) {
	case KPI_VERDICT_GO: return "GO";
	case KPI_VERDICT_HOLD: return "HOLD";
	default: return "NO-GO";
	}
}

static void reasons_free(kpi_reason *rs, size_t n)
{
	for (size_t j = 0; rs && j < n; j++) {
		kpi_reason *r = &rs[j];
		for (size_t k = 0; k < r->nlabels; k++) {
			free(r->label_names ? r->label_names[k] : NULL);
			free(r->label_values ? r->label_values[k] : NULL);
		}
		free(r->label_names);
		free(r->label_values);
		free(r->kpi);
		free(r->labels);
		free(r->threshold);
		free(r->not_measured);
		free(r->expired_waiver);
	}
	free(rs);
}

void kpi_verdicts_free(kpi_verdict *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		reasons_free(v[i].reasons, v[i].nreasons);
		reasons_free(v[i].waived, v[i].nwaived);
	}
	free(v);
}

bool kpi_waiver_covers(const kpi_waiver *w, const char *kpi, size_t nlabels, char *const *label_names,
                       char *const *label_values, kpi_week week, bool *expired)
{
	if (expired)
		*expired = false;
	if (strcmp(w->kpi, kpi) != 0)
		return false;
	/* a KPI not measured at all: only a waiver of the whole KPI covers it */
	if (!label_names && w->nlabels)
		return false;
	for (size_t k = 0; k < w->nlabels; k++) {
		bool found = false;
		for (size_t j = 0; j < nlabels && !found; j++)
			found = strcmp(w->label_names[k], label_names[j]) == 0 && label_values[j] &&
			        strcmp(w->label_values[k], label_values[j]) == 0;
		if (!found)
			return false;
	}
	if (kpi_week_cmp(week, w->until) > 0) {
		if (expired)
			*expired = true;
		return false;
	}
	return true;
}

static kpi_reason *reason_new(kpi_reason **arr, size_t *n)
{
	kpi_reason *a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return NULL;
	*arr = a;
	memset(&a[*n], 0, sizeof(*a));
	return &a[(*n)++];
}

static int add_reason(kpi_reason **arr, size_t *nr, const kpi_series *s, const kpi_row *r, kpi_error *err)
{
	char labels[512], th[128];
	kpi_reason *n = reason_new(arr, nr);
	if (!n)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (s->nlabels && (!(n->label_names = calloc(s->nlabels, sizeof(char *))) ||
	                   !(n->label_values = calloc(s->nlabels, sizeof(char *)))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	n->nlabels = s->nlabels;
	for (size_t i = 0; i < s->nlabels; i++)
		if (!(n->label_names[i] = strdup(s->label_names[i])) ||
		    !(n->label_values[i] = strdup(r->labels[i] ? r->labels[i] : "")))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	n->kpi = strdup(s->def->id);
	n->labels = strdup(kpi_row_labels_format(labels, sizeof(labels), s, r));
	n->has_value = r->has_value;
	n->value = r->value;
	n->status = r->status;
	n->threshold = strdup(kpi_threshold_format(th, sizeof(th), &s->def->threshold, s->def->unit));
	if (!n->kpi || !n->labels || !n->threshold)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

static int add_unmeasured(kpi_reason **arr, size_t *nr, const kpi_unmeasured *u, kpi_error *err)
{
	kpi_reason *n = reason_new(arr, nr);
	if (!n)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	n->status = KPI_STATUS_NO_DATA;
	if (!(n->kpi = strdup(u->kpi)) || !(n->labels = strdup("")) || !(n->threshold = strdup("")) ||
	    !(n->not_measured = strdup(u->why ? u->why : "not collected")))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

/* The first waiver that covers the row (NULL names: a KPI not measured) in
 * `week`, or -1. */
static long waiver_of(const kpi_verdict_in *in, const char *kpi, size_t nl, char *const *names, char *const *values,
                      kpi_week week)
{
	for (size_t i = 0; in && i < in->nwaivers; i++)
		if (kpi_waiver_covers(&in->waivers[i], kpi, nl, names, values, week, NULL))
			return (long)i;
	return -1;
}

/* The reason `n` holds the week: the first waiver that would cover it but
 * ran out before `week`, as text in n->expired_waiver. */
static int expired_of(kpi_reason *n, const kpi_verdict_in *in, const kpi_series *s, const kpi_row *r, kpi_week week,
                      kpi_error *err)
{
	char buf[512], until[16];
	for (size_t i = 0; in && i < in->nwaivers; i++) {
		const kpi_waiver *w = &in->waivers[i];
		bool expired = false;
		if (s ? kpi_waiver_covers(w, s->def->id, s->nlabels, s->label_names, r->labels, week, &expired)
		      : kpi_waiver_covers(w, n->kpi, 0, NULL, NULL, week, &expired))
			continue;
		if (!expired)
			continue;
		snprintf(buf, sizeof(buf), "approved by %s until %s", w->approved_by,
		         kpi_week_format(until, sizeof(until), w->until));
		if (!(n->expired_waiver = strdup(buf)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		return 0;
	}
	return 0;
}

/* A blocking gap of week `v`: held, or waived. */
static int gap(kpi_verdict *v, const kpi_verdict_in *in, const kpi_series *s, const kpi_row *r,
               const kpi_unmeasured *u, kpi_error *err)
{
	long k = s ? waiver_of(in, s->def->id, s->nlabels, s->label_names, r->labels, v->week)
	           : waiver_of(in, u->kpi, 0, NULL, NULL, v->week);
	int rc;
	if (k >= 0) {
		rc = s ? add_reason(&v->waived, &v->nwaived, s, r, err) : add_unmeasured(&v->waived, &v->nwaived, u, err);
		if (!rc)
			v->waived[v->nwaived - 1].waiver = (size_t)k;
		return rc;
	}
	if (v->verdict == KPI_VERDICT_GO)
		v->verdict = KPI_VERDICT_HOLD;
	if ((rc = s ? add_reason(&v->reasons, &v->nreasons, s, r, err) : add_unmeasured(&v->reasons, &v->nreasons, u, err)))
		return rc;
	return expired_of(&v->reasons[v->nreasons - 1], in, s, r, v->week, err);
}

void kpi_verdict_warn_expired(const kpi_verdict *v, const char *event)
{
	char wk[16];
	kpi_week_format(wk, sizeof(wk), v->week);
	for (size_t i = 0; i < v->nreasons; i++) {
		const kpi_reason *r = &v->reasons[i];
		if (!r->expired_waiver)
			continue;
		if (r->not_measured)
			kpi_log_msg(KPI_LOG_WARN, event,
			            "the waiver of gating KPI %s (%s) no longer covers %s: it is not measured (%s) and holds "
			            "the go/no-go verdict", r->kpi, r->expired_waiver, wk, r->not_measured);
		else
			kpi_log_msg(KPI_LOG_WARN, event,
			            "the waiver of gating KPI %s (%s) no longer covers %s: its row %s has no data and holds "
			            "the go/no-go verdict", r->kpi, r->expired_waiver, wk, r->labels);
	}
}

int kpi_eval_verdicts_in(kpi_verdict **out, const kpi_result *res, const kpi_verdict_in *in, kpi_error *err)
{
	int nw = res->window.nweeks, rc = 0;
	kpi_verdict *v = calloc((size_t)nw, sizeof(*v));

	*out = NULL;
	if (!v)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (int w = 0; w < nw && !rc; w++) {
		v[w].period_start = res->window.starts[w];
		v[w].week = kpi_week_add(res->window.first, w);
		/* Two passes so breaches are listed before blocking gaps. */
		for (int pass = 0; pass < 2 && !rc; pass++) {
			for (size_t i = 0; i < res->nseries && !rc; i++) {
				const kpi_series *s = &res->series[i];
				if (!s->def->gating)
					continue;
				for (size_t j = 0; j < s->nrows && !rc; j++) {
					const kpi_row *r = &s->rows[j];
					if (r->period_start != v[w].period_start)
						continue;
					if (pass == 0 && r->status == KPI_STATUS_BREACH) {
						v[w].verdict = KPI_VERDICT_NOGO;
						rc = add_reason(&v[w].reasons, &v[w].nreasons, s, r, err);
					} else if (pass == 1 && r->status == KPI_STATUS_NO_DATA &&
					           s->def->missing == KPI_MISSING_BLOCK) {
						rc = gap(&v[w], in, s, r, NULL, err);
					}
				}
			}
		}
		/* then the gating KPIs that were not measured at all */
		for (size_t i = 0; in && i < in->nunmeasured && !rc; i++)
			if (in->unmeasured[i].gating)
				rc = gap(&v[w], in, NULL, NULL, &in->unmeasured[i], err);
	}
	if (rc) {
		kpi_verdicts_free(v, (size_t)nw);
		return rc;
	}
	*out = v;
	return 0;
}

int kpi_eval_verdicts(kpi_verdict **out, const kpi_result *res, kpi_error *err)
{
	return kpi_eval_verdicts_in(out, res, NULL, err);
}
