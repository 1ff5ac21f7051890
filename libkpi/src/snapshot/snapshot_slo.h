/* The "slo" section of snapshot.json (format 4): what the pack's SLO page
 * shows (kpi_slo_page, kpi/slo.h): per objective and service the alert
 * pairs as of the as-of instant, the daily error budget and the hourly burn
 * rates. */
#ifndef KPI_SNAPSHOT_SLO_H
#define KPI_SNAPSHOT_SLO_H

#include "sources/slo/slo_page.h"

/* Append ",\n  \"slo\": ..." (null for NULL) when snap->has_slo; nothing
 * otherwise (a format-4 snapshot written before the key existed). 0,
 * KPI_EDATA (a non-finite number, text that is not UTF-8) or KPI_ENOMEM;
 * `b` may hold part of it on failure (the caller truncates). */
int kpi__slo_snap_write(kpi_buf *b, const kpi_snapshot *snap, kpi_error *err);

/* Parse and validate the member "slo" of `root` (absent: has_slo false;
 * null: slo NULL) against `snap` (its catalogue, not_collected and window,
 * parsed before); errors are KPI_EDATA at the value's position. */
int kpi__slo_snap_parse(kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *root, kpi_error *err);

#endif
