/* The "restatements" section of snapshot.json (format 4): what changed since
 * the earlier packs of the reports directory (kpi_restatements,
 * kpi/snapshot.h). */
#ifndef KPI_SNAPSHOT_RESTATE_H
#define KPI_SNAPSHOT_RESTATE_H

#include "core/internal.h"

/* Append ",\n  \"restatements\": ..." (null for NULL). 0, KPI_EDATA (a
 * non-finite value, text that is not UTF-8) or KPI_ENOMEM; `b` may hold part
 * of it on failure (the caller truncates). */
int kpi__restate_write(kpi_buf *b, const kpi_restatements *r, kpi_error *err);

/* Parse and validate the value of "restatements" (`v`, may be JSON null:
 * snap->restatements stays NULL) against `snap` (its catalogue, window and
 * verdicts, parsed before); errors are KPI_EDATA at the value's position. */
int kpi__restate_parse(kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *v, kpi_error *err);

/* The index of week `wk` in window `w`, or -1. */
int kpi__window_week_index(const kpi_window *w, kpi_week wk);

#endif
