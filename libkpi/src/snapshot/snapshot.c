/*
 * The snapshot of one run: what a pack is rendered from (kpi/snapshot.h).
 *
 * Collection reads every KPI through the run's collection (kpi__collect)
 * and then, in the same PostgreSQL transaction, the drill-down lists (the
 * queries in queries/pack/, sources/postgres/lists.c), so the lists and the
 * KPIs describe the same instant of the database and can be checked against
 * each other.
 * Serialisation is in snapshot_json.c.
 */
#include "snapshot/snapshot_history.h"
#include "snapshot/snapshot_provenance.h"
#include "sources/slo/slo_page.h"
#include "sources/postgres/pg.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void lists_release(kpi_snapshot *snap)
{
	for (size_t i = 0; i < snap->nuncovered; i++) {
		free(snap->uncovered[i].tenant_id);
		free(snap->uncovered[i].style_id);
	}
	free(snap->uncovered);
	for (size_t i = 0; i < snap->nmismatches; i++) {
		kpi_mismatch *m = &snap->mismatches[i];
		free(m->environment);
		free(m->tenant_id);
		free(m->style_id);
		free(m->user_id);
		free(m->decided_by);
		free(m->provider_metadata);
		free(m->route_outcome);
	}
	free(snap->mismatches);
	snap->uncovered = NULL;
	snap->mismatches = NULL;
	snap->nuncovered = snap->nmismatches = 0;
	snap->uncovered_total = snap->mismatches_total = 0;
}

void kpi_snapshot_free(kpi_snapshot *snap)
{
	if (!snap)
		return;
	kpi__history_free(snap->history);
	kpi_restatements_free(snap->restatements);
	kpi_provenance_free(snap->provenance);
	kpi_slo_page_free(snap->slo);
	lists_release(snap);
	for (size_t i = 0; i < snap->nchanges; i++) {
		kpi_change *c = &snap->changes[i];
		free(c->layer);
		free(c->key);
		free(c->old_value);
		free(c->new_value);
		free(c->actor);
	}
	free(snap->changes);
	for (size_t i = 0; i < snap->nsources; i++) {
		free(snap->sources[i].kind);
		free(snap->sources[i].where);
	}
	free(snap->sources);
	for (size_t i = 0; i < snap->ndrill_queries; i++)
		free(snap->drill_queries[i].name);
	free(snap->drill_queries);
	for (size_t i = 0; i < snap->nnot_collected; i++) {
		kpi_not_collected *n = &snap->not_collected[i];
		free(n->kpi);
		free(n->title);
		free(n->source);
		free(n->reason);
		free(n->detail);
	}
	free(snap->not_collected);
	kpi_waivers_free(snap->waivers, snap->nwaivers);
	if (snap->result)
		kpi_verdicts_free(snap->verdicts, (size_t)snap->result->window.nweeks);
	kpi_result_free(snap->result);
	kpi_catalog_free(snap->catalog);
	free(snap->tool_version);
	free(snap->timezone);
	free(snap);
}

/* The last week's row of a label-less KPI, or NULL when the catalogue has no
 * such KPI (a site may drop it) or it has labels. */
static const kpi_row *last_row(const kpi_result *res, const char *id)
{
	const kpi_series *s = kpi_result_find(res, id);
	int64_t last = res->window.starts[res->window.nweeks - 1];

	if (!s || s->nlabels)
		return NULL;
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].period_start == last)
			return &s->rows[i];
	return NULL;
}

static bool same(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

int kpi__snapshot_check_lists(const kpi_snapshot *snap, kpi_error *err)
{
	const kpi_row *age = last_row(snap->result, "uncached_legacy_max_age_days");
	const kpi_row *crit = last_row(snap->result, "routing_mismatch_critical");
	double oldest = snap->nuncovered ? snap->uncovered[0].age_days : 0;

	if (age && age->has_value && age->has_numerator &&
	    (!same((double)snap->uncovered_total, age->numerator) || !same(oldest, age->value)))
		return kpi_error_set(err, KPI_ECONTRACT,
		                     "the uncovered designs list (%zu in all, oldest %.17g d) disagrees with "
		                     "KPI uncached_legacy_max_age_days (numerator %.17g, value %.17g)",
		                     snap->uncovered_total, oldest, age->numerator, age->value);
	if (crit && crit->has_value && !same((double)snap->mismatches_total, crit->value))
		return kpi_error_set(err, KPI_ECONTRACT,
		                     "the critical mismatches list (%zu in all) disagrees with KPI "
		                     "routing_mismatch_critical (%.17g)",
		                     snap->mismatches_total, crit->value);
	return 0;
}

/* The catalogue's KPIs the run leaves out (their source is not configured
 * to read them), and why: "<source> not configured" and the setting that
 * would collect each. */
static int record_not_collected(kpi_snapshot *snap, const kpi_catalog *cat, const kpi_config *cfg, kpi_error *err)
{
	if (!(snap->not_collected = calloc(cat->nkpis + 1, sizeof(*snap->not_collected))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		const char *hint = NULL;
		char reason[128];
		kpi_not_collected *n;
		if (kpi_source_configured(cfg, d, &hint))
			continue;
		n = &snap->not_collected[snap->nnot_collected++];
		n->gating = d->gating;
		kpi__unmeasured_why(reason, sizeof(reason), d);
		if (!(n->kpi = strdup(d->id)) || !(n->title = strdup(d->title)) || !(n->source = strdup(d->source)) ||
		    !(n->reason = strdup(reason)) || !(n->detail = strdup(hint ? hint : "see docs/configuration.md")))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

/* "a, b (detail)" for the entries of `reason` whose detail is `detail`
 * (NULL: all of the reason's), appended at `o`; at most *left ids (each
 * one listed counts down). */
static size_t append_ids(char *buf, size_t size, size_t o, const kpi_snapshot *snap, const char *reason,
                         const char *detail, size_t *left)
{
	size_t k = 0;
	for (size_t i = 0; i < snap->nnot_collected && o < size && *left; i++) {
		const kpi_not_collected *n = &snap->not_collected[i];
		if (strcmp(n->reason, reason) != 0 || (detail && strcmp(n->detail, detail) != 0))
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", k++ ? ", " : "", n->kpi);
		--*left;
	}
	if (detail && o < size)
		o += (size_t)snprintf(buf + o, size - o, " (%s)", detail);
	return o;
}

/* Whether entry `i` is the first with its `reason` (and, when `by_detail`,
 * its detail). */
static bool first_of(const kpi_snapshot *snap, size_t i, bool by_detail)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(snap->not_collected[j].reason, snap->not_collected[i].reason) == 0 &&
		    (!by_detail || strcmp(snap->not_collected[j].detail, snap->not_collected[i].detail) == 0))
			return false;
	return true;
}

/* ". N of them are gating: ..." after what is in buf[0..o) */
static size_t gating_sentence(char *buf, size_t size, size_t o, const kpi_snapshot *snap, size_t ngating)
{
	const char *sep = ". ";
	if (!ngating || o >= size)
		return o;
	if (snap->format < 3)
		o += (size_t)snprintf(buf + o, size - o, "%s%zu of them %s gating: the verdicts do not weigh %s", sep,
		                      ngating, ngating == 1 ? "is" : "are", ngating == 1 ? "it" : "them");
	else
		o += (size_t)snprintf(buf + o, size - o, "%s%zu of them %s gating: not measured, %s hold%s the verdict unless waived",
		                      sep, ngating, ngating == 1 ? "is" : "are", ngating == 1 ? "it" : "they",
		                      ngating == 1 ? "s" : "");
	return o;
}

size_t kpi__go_unweighed(const kpi_snapshot *snap, const kpi_verdict *v, char *list, size_t size)
{
	size_t ng = 0, k = 0, o = 0;
	if (list && size)
		list[0] = '\0';
	if (v->verdict != KPI_VERDICT_GO || snap->format >= 3)
		return 0;
	for (size_t i = 0; i < snap->nnot_collected; i++)
		ng += snap->not_collected[i].gating;
	for (size_t i = 0; list && i < snap->nnot_collected && o < size; i++)
		if (snap->not_collected[i].gating) {
			o += (size_t)snprintf(list + o, size - o, "%s%s", k == 0 ? "" : k + 1 == ng ? " and " : ", ",
			                      snap->not_collected[i].title);
			k++;
		}
	return ng;
}

const char *kpi__verdict_shown(const kpi_snapshot *snap, const kpi_verdict *v, bool brief, kpi_verdict_kind *read)
{
	bool hold = kpi__go_unweighed(snap, v, NULL, 0) > 0;
	if (read)
		*read = hold ? KPI_VERDICT_HOLD : v->verdict;
	if (hold)
		return brief ? "GO→HOLD" : "GO as recorded, read as HOLD";
	return kpi_verdict_name(v->verdict);
}

size_t kpi__snapshot_not_collected(char *buf, size_t size, const kpi_snapshot *snap, bool detail, bool gating_first)
{
	return kpi__snapshot_not_collected_max(buf, size, snap, detail, gating_first, SIZE_MAX);
}

size_t kpi__snapshot_not_collected_max(char *buf, size_t size, const kpi_snapshot *snap, bool detail,
                                       bool gating_first, size_t max_ids)
{
	size_t o = 0, ngating = 0, left = max_ids;

	buf[0] = '\0';
	if (snap->format < 2) {
		snprintf(buf, size, "not recorded (a snapshot of format %d does not say which catalogue KPIs the run "
		         "left out)", snap->format);
		return 0;
	}
	if (!snap->nnot_collected) {
		snprintf(buf, size, "none: every KPI of the catalogue was collected");
		return 0;
	}
	for (size_t i = 0; i < snap->nnot_collected; i++)
		ngating += snap->not_collected[i].gating;
	if (gating_first) {
		o += (size_t)snprintf(buf, size, "%zu KPI%s", snap->nnot_collected, snap->nnot_collected == 1 ? "" : "s");
		o = gating_sentence(buf, size, o, snap, ngating);
		if (o < size)
			o += (size_t)snprintf(buf + o, size - o, ". ");
	}
	/* one group per reason, in catalogue order; with the details, one
	 * subgroup per setting that would collect it */
	for (size_t i = 0, g = 0; i < snap->nnot_collected && o < size && left; i++) {
		const kpi_not_collected *n = &snap->not_collected[i];
		if (!first_of(snap, i, false))
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s: ", g++ ? ". " : "", n->reason);
		if (!detail) {
			o = append_ids(buf, size, o, snap, n->reason, NULL, &left);
			continue;
		}
		for (size_t j = i, k = 0; j < snap->nnot_collected && o < size && left; j++)
			if (strcmp(snap->not_collected[j].reason, n->reason) == 0 && first_of(snap, j, true)) {
				if (k++)
					o += (size_t)snprintf(buf + o, size - o, "; ");
				o = append_ids(buf, size, o, snap, n->reason, snap->not_collected[j].detail, &left);
			}
	}
	/* the ids left out: counted, never cut mid-name */
	if (max_ids < snap->nnot_collected && o < size)
		o += (size_t)snprintf(buf + o, size - o, "%s… and %zu more (see the scorecard)", max_ids ? " " : "",
		                      snap->nnot_collected - max_ids);
	if (!gating_first)
		gating_sentence(buf, size, o, snap, ngating);
	return snap->nnot_collected;
}

int kpi_snapshot_collect(kpi_snapshot **out, const kpi_catalog *cat, const kpi_config *cfg,
                         const kpi_window *w, kpi_error *err)
{
	kpi_snapshot *snap = calloc(1, sizeof(*snap));
	kpi_error local = KPI_ERROR_INIT;
	kpi__collect_req *reqs = NULL;
	kpi__run run;
	void *pg;
	int rc = 0;

	*out = NULL;
	if (!err)
		err = &local;
	kpi__run_init(&run, cfg, NULL);
	if (!snap)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	snap->format = KPI_SNAPSHOT_FORMAT;
	snap->active_days = cfg->active_days;
	if (!(snap->tool_version = strdup(kpi_version())) || !(snap->timezone = strdup(w->tz))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* The series point into the snapshot's own copy of the definitions: of
	 * the KPIs of the run (those whose source is configured to read them). */
	if ((rc = kpi__catalog_dup(&snap->catalog, cat, kpi__in_run, cfg, err)) ||
	    (rc = record_not_collected(snap, cat, cfg, err)) ||
	    (rc = kpi_config_waivers(&snap->waivers, &snap->nwaivers, cfg, cat, err)))
		goto done;
	if (!(reqs = calloc(snap->catalog->nkpis + 1, sizeof(*reqs)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < snap->catalog->nkpis; i++) {
		reqs[i].def = &snap->catalog->kpis[i];
		reqs[i].w = w;
	}
	run.cat = snap->catalog;
	/* The KPIs, then in the same PostgreSQL transaction the drill-down
	 * lists; provenance of every source the run read, never a secret. */
	if ((rc = kpi__collect(&snap->result, &run, reqs, snap->catalog->nkpis, err)) ||
	    (rc = kpi__snapshot_verdicts(&snap->verdicts, snap, err)) ||
	    (snap->has_slo = true, rc = kpi__slo_page_collect(&snap->slo, &run, cat, w, err)) || /* the SLO page */
	    (kpi__progress_phase(&run.progress, "reading", "lists", 0), 0) ||
	    (rc = kpi__run_session(&pg, &run, kpi__source_find("postgres"), 0, err)) ||
	    (rc = kpi__pg_lists(snap, pg, w, err)) ||
	    (rc = kpi__run_sources(&snap->sources, &snap->nsources, &run, err)) ||
	    (rc = kpi__provenance_collect(&snap->provenance, &run, snap->result, err)) ||
	    (rc = kpi__snapshot_check_lists(snap, err)))
		goto done;
	*out = snap;
	snap = NULL;
done:
	kpi__run_close(&run);
	free(reqs);
	kpi_snapshot_free(snap);
	return rc;
}
