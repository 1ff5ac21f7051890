/*
 * What the renderer reads of a snapshot (render_int.h): whether it has what
 * a pack needs, its KPIs (the catalogue's, or its series') and charts (the
 * KPIs it collected), and the numbering of the rollout changes inside its
 * window that the charts and the appendix share.
 */
#include "render/render_int.h"

#include <stdlib.h>

size_t kpi__number_changes(int *no, const kpi_snapshot *snap)
{
	const kpi_window *w = &snap->result->window;
	size_t n = 0;
	for (size_t i = 0; i < snap->nchanges; i++)
		no[i] = snap->changes[i].changed_at >= w->from && snap->changes[i].changed_at < w->to ? (int)++n : 0;
	return n;
}

void kpi__render_number_changes(kpi__render *r)
{
	const kpi_snapshot *snap = r->snap;
	r->nchanges_in = 0;
	if (!snap->nchanges || !(r->change_no = calloc(snap->nchanges, sizeof(int))))
		return;
	r->nchanges_in = kpi__number_changes(r->change_no, snap);
}

int kpi__render_check(const kpi_snapshot *snap, kpi_error *err)
{
	if (!snap || !snap->result)
		return kpi_error_set(err, KPI_EDATA, "render: the snapshot has no result");
	if (snap->result->window.nweeks < 1 || snap->result->window.nweeks > KPI_MAX_WEEKS)
		return kpi_error_set(err, KPI_EDATA, "render: the snapshot's window has %d weeks (expected 1..%d)",
		                     snap->result->window.nweeks, KPI_MAX_WEEKS);
	if (!snap->verdicts)
		return kpi_error_set(err, KPI_EDATA, "render: the snapshot has no verdicts");
	for (size_t i = 0; i < snap->result->nseries; i++) {
		const kpi_series *s = &snap->result->series[i];
		if (!s->def)
			return kpi_error_set(err, KPI_EDATA, "render: series %zu of the snapshot has no definition", i);
		if (s->nlabels && !s->label_names)
			return kpi_error_set(err, KPI_EDATA, "render: KPI '%s' has no label names", s->def->id);
		for (size_t j = 0; j < s->nrows; j++)
			if (s->nlabels && !s->rows[j].labels)
				return kpi_error_set(err, KPI_EDATA, "render: row %zu of KPI '%s' has no labels", j, s->def->id);
	}
	for (size_t i = 0; i < snap->nchanges; i++)
		if (!snap->changes[i].layer || !snap->changes[i].key)
			return kpi_error_set(err, KPI_EDATA, "render: rollout change %zu has no layer or key", i);
	return 0;
}

size_t kpi__kpi_count(const kpi_snapshot *snap)
{
	if (!snap)
		return 0;
	if (snap->catalog)
		return snap->catalog->nkpis;
	return snap->result ? snap->result->nseries : 0;
}

const kpi_def *kpi__kpi_def(const kpi_snapshot *snap, size_t i, const kpi_series **series)
{
	const kpi_def *def;
	*series = NULL;
	if (!snap || i >= kpi__kpi_count(snap))
		return NULL;
	if (snap->catalog) {
		def = &snap->catalog->kpis[i];
		*series = kpi_result_find(snap->result, def->id);
		return def;
	}
	*series = &snap->result->series[i];
	return (*series)->def;
}

const kpi_def *kpi__chart_def(const kpi_snapshot *snap, size_t i, const kpi_series **series)
{
	size_t n = kpi__kpi_count(snap);
	*series = NULL;
	for (size_t k = 0; k < n; k++) {
		const kpi_def *def = kpi__kpi_def(snap, k, series);
		if (*series && i-- == 0)
			return def;
	}
	*series = NULL;
	return NULL;
}

int kpi__chart_open(kpi__render *r, const kpi_def **def, const kpi_series **s, const kpi_snapshot *snap, size_t i,
                    kpi_error *err)
{
	int rc;
	if ((rc = kpi__render_check(snap, err)))
		return rc;
	if (i >= kpi_render_chart_count(snap))
		return kpi_error_set(err, KPI_EUSAGE, "render: chart %zu out of range (the snapshot has %zu)", i,
		                     kpi_render_chart_count(snap));
	*def = kpi__chart_def(snap, i, s);
	if ((rc = kpi__render_open(r, snap, err)))
		return rc;
	kpi__render_number_changes(r);
	return 0;
}

size_t kpi_render_chart_count(const kpi_snapshot *snap)
{
	size_t n = 0, all = kpi__kpi_count(snap);
	for (size_t i = 0; i < all; i++) {
		const kpi_series *s;
		kpi__kpi_def(snap, i, &s);
		n += s != NULL;
	}
	return n;
}

const char *kpi_render_chart_name(const kpi_snapshot *snap, size_t i)
{
	const kpi_series *s;
	const kpi_def *def = i < kpi_render_chart_count(snap) ? kpi__chart_def(snap, i, &s) : NULL;
	return def ? def->id : NULL;
}
