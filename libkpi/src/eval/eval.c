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

void kpi_verdicts_free(kpi_verdict *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].nreasons; j++) {
			kpi_reason *r = &v[i].reasons[j];
			for (size_t k = 0; k < r->nlabels; k++) {
				free(r->label_names ? r->label_names[k] : NULL);
				free(r->label_values ? r->label_values[k] : NULL);
			}
			free(r->label_names);
			free(r->label_values);
			free(r->kpi);
			free(r->labels);
			free(r->threshold);
		}
		free(v[i].reasons);
	}
	free(v);
}

static int add_reason(kpi_verdict *v, const kpi_series *s, const kpi_row *r, kpi_error *err)
{
	char labels[512], th[128];
	kpi_reason *n = realloc(v->reasons, (v->nreasons + 1) * sizeof(*n));
	if (!n)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	v->reasons = n;
	n = &v->reasons[v->nreasons++];
	memset(n, 0, sizeof(*n));
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

int kpi_eval_verdicts(kpi_verdict **out, const kpi_result *res, kpi_error *err)
{
	int nw = res->window.nweeks, rc = 0;
	kpi_verdict *v = calloc((size_t)nw, sizeof(*v));

	*out = NULL;
	if (!v)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (int w = 0; w < nw; w++) {
		v[w].period_start = res->window.starts[w];
		v[w].week = kpi_week_add(res->window.first, w);
		/* Two passes so breaches are listed before blocking gaps. */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = 0; i < res->nseries; i++) {
				const kpi_series *s = &res->series[i];
				if (!s->def->gating)
					continue;
				for (size_t j = 0; j < s->nrows; j++) {
					const kpi_row *r = &s->rows[j];
					if (r->period_start != v[w].period_start)
						continue;
					if (pass == 0 && r->status == KPI_STATUS_BREACH) {
						v[w].verdict = KPI_VERDICT_NOGO;
						rc = add_reason(&v[w], s, r, err);
					} else if (pass == 1 && r->status == KPI_STATUS_NO_DATA &&
					           s->def->missing == KPI_MISSING_BLOCK) {
						if (v[w].verdict == KPI_VERDICT_GO)
							v[w].verdict = KPI_VERDICT_HOLD;
						rc = add_reason(&v[w], s, r, err);
					}
					if (rc) {
						kpi_verdicts_free(v, (size_t)nw);
						return rc;
					}
				}
			}
		}
	}
	*out = v;
	return 0;
}
