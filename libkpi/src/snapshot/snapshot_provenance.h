/* The "provenance" section of snapshot.json (format 4): the sources'
 * freshness (a hot standby's replay lag) and the KPIs' costs
 * (kpi_provenance, kpi/provenance.h). */
#ifndef KPI_SNAPSHOT_PROVENANCE_H
#define KPI_SNAPSHOT_PROVENANCE_H

#include "sources/source.h"

/* Build the provenance of a run: what every source the run opened says of
 * its freshness, and each series' cost. `*out` is the caller's
 * (kpi_provenance_free()). 0 or KPI_ENOMEM. */
int kpi__provenance_collect(kpi_provenance **out, kpi__run *run, const kpi_result *res, kpi_error *err);

/* Append ",\n  \"provenance\": {...}" (null for NULL). 0, KPI_EDATA (text
 * that is not UTF-8, a number JSON cannot hold) or KPI_ENOMEM; `b` may hold
 * part of it on failure (the caller truncates). */
int kpi__provenance_write(kpi_buf *b, const kpi_provenance *p, kpi_error *err);

/* Parse and validate the value of "provenance" (`v`; JSON null: *out NULL)
 * of `doc`: every cost names a series of the snapshot (`res`), in series
 * order. Errors are KPI_EDATA at the value's position. */
int kpi__provenance_parse(kpi_provenance **out, const kpi__jsondoc *doc, const json_t *v, const kpi_result *res,
                          kpi_error *err);

/* "data as of primary time 2026-11-20 09:14:03 UTC, lag 2 s" for a
 * standby (its basis when the lag is unknown, and the limit when above
 * it); "" when `f` is not a standby. @return buf. */
char *kpi__freshness_text(char *buf, size_t size, const kpi_source_freshness *f);

/* Why the drill-down lists (uncovered designs, critical mismatches, rollout
 * changes) of `snap` were not read — a PostgreSQL standby lagging past
 * database.max_lag, whose lists would be as stale as its KPIs — in one
 * sentence into `buf`; NULL when they were read (an empty list then means
 * none). */
const char *kpi__lists_unread(char *buf, size_t size, const kpi_snapshot *snap);

#endif
