/*
 * The verdicts of a run over the whole catalogue (kpi/source.h): the one
 * verdict rule of kpi/eval.h, told which gating KPIs the run could not
 * measure and which waivers the config grants.
 */
#include "core/internal.h"
#include "sources/source.h"
#include <stdio.h>
#include <stdlib.h>

char *kpi__unmeasured_why(char *buf, size_t size, const kpi_def *def)
{
	/* a KPI computed from another source's counts (the SLO source) is not
	 * measured when that source is not configured */
	const kpi__source *src = kpi__source_of(def);
	kpi_label_def *labels = src && src->counts ? calloc(def->nlabels + 1, sizeof(*labels)) : NULL;
	kpi_def c;
	if (labels && src->counts(&c, labels, def, NULL) == 0)
		snprintf(buf, size, "%s not configured", kpi_source_title(c.source));
	else
		snprintf(buf, size, "%s not configured", kpi_source_title(def->source));
	free(labels);
	return buf;
}

int kpi_collect_verdicts(kpi_verdict **out, const kpi_result *res, const kpi_catalog *cat, const kpi_config *cfg,
                         kpi_error *err)
{
	kpi_unmeasured *u = calloc(cat->nkpis + 1, sizeof(*u));
	char (*why)[96] = calloc(cat->nkpis + 1, sizeof(*why));
	kpi_verdict_in in = { 0 };
	kpi_waiver *w = NULL;
	size_t nw = 0;
	int rc;

	*out = NULL;
	if (!u || !why) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		if (kpi__in_run(d, cfg))
			continue;
		u[in.nunmeasured].kpi = d->id;
		u[in.nunmeasured].gating = d->gating;
		u[in.nunmeasured++].why = kpi__unmeasured_why(why[i], sizeof(why[i]), d);
	}
	if ((rc = kpi_config_waivers(&w, &nw, cfg, cat, err)))
		goto done;
	in.unmeasured = u;
	in.waivers = w;
	in.nwaivers = nw;
	rc = kpi_eval_verdicts_in(out, res, &in, err);
done:
	kpi_waivers_free(w, nw);
	free(why);
	free(u);
	return rc;
}
