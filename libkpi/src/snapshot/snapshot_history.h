/* The "history" section of snapshot.json (format 3): the last decision on
 * record and the open action items (kpi_history, kpi/snapshot.h). */
#ifndef KPI_SNAPSHOT_HISTORY_H
#define KPI_SNAPSHOT_HISTORY_H

#include "core/internal.h"

/* Append ",\n  \"history\": ..." (null for NULL). 0, KPI_EDATA (text that
 * is not UTF-8) or KPI_ENOMEM; `b` may hold part of it on failure (the
 * caller truncates). */
int kpi__history_write(kpi_buf *b, const kpi_history *h, kpi_error *err);

/* Parse and validate the value of "history" (`v`, may be JSON null: *out
 * NULL) of `doc`; errors are KPI_EDATA at the value's position. */
int kpi__history_parse(kpi_history **out, const kpi__jsondoc *doc, const json_t *v, kpi_error *err);

void kpi__history_free(kpi_history *h);

#endif
