/* The snapshot of one run: what a pack is rendered from (kpi/snapshot.h). */
#include "internal.h"
#include <stdlib.h>

void kpi_snapshot_free(kpi_snapshot *snap)
{
	if (!snap)
		return;
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
	if (snap->result)
		kpi_verdicts_free(snap->verdicts, (size_t)snap->result->window.nweeks);
	kpi_result_free(snap->result);
	kpi_catalog_free(snap->catalog);
	free(snap->tool_version);
	free(snap->timezone);
	free(snap);
}
