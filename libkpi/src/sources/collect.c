/* The one collection path of kpi query, kpi pack and kpi alert: KPIs are
 * read from the sources they name (each source gets all of its KPIs in one
 * fetch, so it can batch them: one exported snapshot on several PostgreSQL
 * connections, as few GetMetricData calls as the API allows), then
 * evaluated. */
#include "sources/source.h"
#include <stdlib.h>
#include <string.h>

/* The label sets of one KPI with an alarm rule, as rows of one period each:
 * the rule's state over the last datapoints decides the status (ALARM
 * breach, INSUFFICIENT_DATA no_data; OK is ok, or warn near the threshold,
 * and never ok on a partial answer); the latest datapoint is the value. */
static int alarm_series(kpi_series *s, void *session, const kpi__source *src, const kpi__collect_req *q,
                        kpi_error *err)
{
	const kpi_alarm_rule *ar = q->alarm;
	int64_t p = ar->period_seconds, to = q->now / p * p, from = to - (int64_t)kpi_alarm_range(ar) * p;
	kpi_datapoint_set *set = NULL;
	int rc;

	if (!src->datapoints)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s gives no per-period datapoints (its alarm rule needs them)",
		                     q->def->id, src->title);
	if ((rc = src->datapoints(session, q->def, from, to, ar->period_seconds, &set, err)) ||
	    (rc = kpi__series_init(s, q->def, err)))
		goto done;
	if (!(s->rows = calloc(set->nsets + 1, sizeof(*s->rows)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < set->nsets; i++) {
		const kpi_datapoints *d = &set->sets[i];
		kpi_row *row = &s->rows[s->nrows++];
		kpi_alarm_state st;

		row->period_start = from;
		row->period_end = to;
		row->applicable = true;
		row->incomplete = d->incomplete;
		if (!(row->labels = calloc(s->nlabels + 1, sizeof(char *)))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t k = 0; k < s->nlabels && k < set->nlabels; k++)
			if (!(row->labels[k] = strdup(d->labels[k]))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto done;
			}
		for (size_t k = d->n; k-- > 0;)
			if (d->present[k]) {
				row->has_value = true;
				row->value = d->values[k];
				break;
			}
		st = kpi_alarm_eval(ar, d->values, d->present, d->n,
		                    q->current ? q->current(q->ctx, s, row) : KPI_ALARM_OK);
		if (st == KPI_ALARM_ALARM) {
			row->status = KPI_STATUS_BREACH;
		} else if (st == KPI_ALARM_INSUFFICIENT_DATA || d->incomplete || !row->has_value) {
			row->status = KPI_STATUS_NO_DATA;
		} else {
			row->status = kpi_eval_status(&ar->threshold, true, row->value, true);
			if (row->status == KPI_STATUS_BREACH) /* one breaching datapoint is not M of N */
				row->status = KPI_STATUS_OK;
		}
	}
done:
	kpi_datapoint_set_free(set);
	return rc;
}

/* What a source computed from another's datapoints (kpi__fetch's
 * datapoints) reads: that source's datapoints in the run's session of it. */
int kpi__run_datapoints(void *ctx, const kpi_def *def, int64_t from, int64_t to, int period,
                          kpi_datapoint_set **out, kpi_error *err)
{
	kpi__run *run = ctx;
	const kpi__source *src = kpi__source_of(def);
	void *session;
	int rc;

	*out = NULL;
	if (!src || !src->datapoints)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s gives no per-period datapoints to compute it from",
		                     def->id, src ? src->title : def->source);
	if ((rc = kpi__run_session(&session, run, src, 1, err)))
		return rc;
	return src->datapoints(session, def, from, to, period, out, err);
}

int kpi__collect(kpi_result **out, kpi__run *run, const kpi__collect_req *reqs, size_t n, kpi_error *err)
{
	const kpi__source *const *srcs = kpi__sources();
	kpi_result *res = calloc(1, sizeof(*res));
	kpi__fetch *batch = NULL;
	size_t order[KPI__MAX_SOURCES + 1], norder = 0;
	int rc = 0;

	*out = NULL;
	if (!res || !(res->series = calloc(n + 1, sizeof(*res->series))) || !(batch = calloc(n + 1, sizeof(*batch)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* Every slot is released on failure (an empty series releases cleanly). */
	res->nseries = n;
	if (n && reqs[0].w)
		res->window = *reqs[0].w;
	if ((rc = kpi_config_now(run->cfg, &res->read_at, err)))
		goto done;
	for (size_t i = 0; i < n; i++)
		if (!kpi__source_of(reqs[i].def)) {
			rc = kpi_error_set(err, KPI_ECONFIG, "KPI %s: unknown source '%s' (see kpi list)", reqs[i].def->id,
			                   reqs[i].def->source);
			goto done;
		}
	run->progress.p.total += n;
	/* Source by source: the periods of all its KPIs in one fetch, then its
	 * alarm rules. First the sources computed from another's datapoints
	 * (the SLO source: counts()), then the others, each in registration
	 * order: their reads are the widest (the SLO window), and a CloudWatch
	 * session answers a later read of the same series over hours it has
	 * already read from what it read (cloudwatch/cache.c), so the weekly
	 * rows of the KPI whose counts they are ask for nothing again. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; srcs[k]; k++)
			if ((srcs[k]->counts != NULL) == (pass == 0))
				order[norder++] = k;
	for (size_t o = 0, read = run->progress.p.done; o < norder; o++) {
		size_t k = order[o], nb = 0, nalarm = 0;
		void *session;
		for (size_t i = 0; i < n; i++) {
			if (kpi__source_of(reqs[i].def) != srcs[k])
				continue;
			if (reqs[i].alarm) {
				nalarm++;
				continue;
			}
			batch[nb].def = reqs[i].def;
			batch[nb].w = reqs[i].w;
			batch[nb].progress = &run->progress;
			batch[nb].datapoints = kpi__run_datapoints;
			batch[nb].ctx = run;
			batch[nb++].out = &res->series[i];
		}
		if (!nb && !nalarm)
			continue;
		kpi__progress_phase(&run->progress, "reading", srcs[k]->title, 0);
		if ((rc = kpi__run_session(&session, run, srcs[k], nb + nalarm, err)))
			goto done;
		if (nb && (rc = srcs[k]->fetch(session, batch, nb, err)))
			goto done;
		kpi__progress_settle(&run->progress, read += nb);
		for (size_t b = 0; b < nb; b++)
			kpi_eval_series(batch[b].out);
		for (size_t i = 0; i < n && nalarm; i++)
			if (reqs[i].alarm && kpi__source_of(reqs[i].def) == srcs[k]) {
				if ((rc = alarm_series(&res->series[i], session, srcs[k], &reqs[i], err)))
					goto done;
				kpi__progress_settle(&run->progress, ++read);
			}
	}
	*out = res;
	res = NULL;
done:
	kpi_result_free(res);
	free(batch);
	return rc;
}

int kpi_collect(kpi_result **out, const kpi_catalog *cat, const kpi_config *cfg, const char *const *ids, size_t nids,
                const kpi_window *w, kpi_error *err)
{
	kpi__collect_req *reqs = calloc(cat->nkpis + nids + 1, sizeof(*reqs));
	kpi__run run;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!reqs)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; ids && i < nids; i++) {
		const kpi_def *d = kpi_catalog_find(cat, ids[i]);
		const char *hint;
		if (!d) {
			rc = kpi_error_set(err, KPI_ENOTFOUND, "unknown KPI '%s' (kpi list shows the catalogue)", ids[i]);
			goto done;
		}
		/* asked for by name, a KPI its source cannot read is an error */
		if (!kpi_source_configured(cfg, d, &hint)) {
			rc = kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s is not configured: %s", d->id,
			                   kpi_source_title(d->source), hint ? hint : "see docs/configuration.md");
			goto done;
		}
		reqs[n].def = d;
		reqs[n++].w = w;
	}
	/* The whole catalogue: the KPIs whose source is not configured to read
	 * them are not part of the run (kpi list says so). */
	for (size_t i = 0; !ids && i < cat->nkpis; i++)
		if (kpi__in_run(&cat->kpis[i], cfg)) {
			reqs[n].def = &cat->kpis[i];
			reqs[n++].w = w;
		}
	kpi__run_init(&run, cfg, cat);
	rc = kpi__collect(out, &run, reqs, n, err);
	kpi__run_close(&run);
done:
	free(reqs);
	return rc;
}
