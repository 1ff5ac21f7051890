/* What a new pack shows of the reports directory it joins (snapshot
 * "history", format 3): the decision in force of the newest earlier week
 * and the action items still open (kpi/reports.h). */
#include "core/internal.h"
#include "reports/reports_int.h"
#include "snapshot/snapshot_history.h"

#include <stdlib.h>
#include <string.h>

int kpi_reports_history(kpi_snapshot *snap, const char *dir, kpi_error *err)
{
	const kpi_window *w = &snap->result->window;
	char *path = kpi__path_join(dir, KPI_DECISIONS_FILE), today[16];
	kpi_decisions *d = NULL;
	kpi_history *h = calloc(1, sizeof(*h));
	const kpi_decision *last = NULL;
	const kpi_action **open = NULL;
	size_t nopen = 0;
	int rc;

	if (!path || !h) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	rc = kpi_decisions_load(&d, path, err);
	if (rc == KPI_ENOTFOUND) {
		rc = 0;
		goto install; /* nothing on record yet */
	}
	if (rc) {
		kpi_error_wrap(err, "the pack shows the decisions on record");
		goto done;
	}
	/* the newest earlier week with a decision; its last record is in force */
	for (size_t i = 0; i < d->n; i++)
		if (kpi_week_cmp(d->rec[i].week, w->last) < 0 && (!last || kpi_week_cmp(d->rec[i].week, last->week) >= 0))
			last = &d->rec[i];
	if (last) {
		h->has_decision = true;
		h->week = last->week;
		h->decision = last->decision;
		h->verdict = last->verdict;
		h->at = last->at;
		if (!(h->by = kpi__strdup(last->by)) || (last->note && !(h->note = kpi__strdup(last->note)))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
	}
	if ((rc = kpi_decisions_open_actions(&open, &nopen, d, err)))
		goto done;
	if (nopen && !(h->actions = calloc(nopen, sizeof(*h->actions)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* overdue: due before the date the week was evaluated as of */
	kpi_time_format_date(today, sizeof(today), w->as_of, w->tz);
	for (size_t i = 0; i < nopen; i++) {
		kpi_snap_action *a = &h->actions[h->nactions++];
		if (!(a->id = kpi__strdup(open[i]->id)) || !(a->owner = kpi__strdup(open[i]->owner)) ||
		    !(a->text = kpi__strdup(open[i]->text)) || !(a->due = kpi__strdup(open[i]->due))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		a->overdue = strcmp(a->due, today) < 0;
	}
install:
	kpi__history_free(snap->history);
	snap->history = h;
	h = NULL;
	if (snap->format == 1 || snap->format == 2)
		snap->format = KPI_SNAPSHOT_FORMAT;
done:
	kpi__history_free(h);
	free(open);
	kpi_decisions_free(d);
	free(path);
	return rc;
}
