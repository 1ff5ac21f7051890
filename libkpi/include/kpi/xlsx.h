/**
 * @file kpi/xlsx.h
 * @brief The pack's workbook (libxlsxwriter), written from a snapshot only.
 *
 * Sheets: **Summary** (the verdict of the last week and its reasons, then the
 * scorecard: one row per KPI row of the last week with value, unit,
 * threshold, status, previous value and delta; status colours by conditional
 * format, frozen header, autofilter), one sheet **per KPI** (the weekly series
 * as numbers with number formats, their statuses, and a native Excel chart
 * with the threshold as its own series), **Drill-down** (uncovered designs,
 * critical mismatches, rollout changes), **Definitions** (every KPI's
 * definition, threshold, policies and query SHA-256, then the provenance)
 * and the hidden **Chart data** the charts plot (no_data and not_applicable
 * weeks are empty cells there: gaps). Every column is sized to its widest
 * cell as shown, every row of wrapped text to its lines.
 *
 * Deterministic: the same snapshot and version give the same bytes (the
 * document's creation time is the snapshot's as-of time; the zip entries are
 * dated 1980-01-01 by libxlsxwriter).
 */
#ifndef KPI_XLSX_H
#define KPI_XLSX_H

#include "common.h"
#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Write the workbook of `snap` to `path` (its directory also takes
 * libxlsxwriter's temporary files). Not atomic by itself: the pack writes
 * into a directory that is swapped in whole (kpi/pack.h).
 * @return 0; KPI_EIO when the file cannot be written; KPI_ENOMEM; KPI_ERROR
 *         for another libxlsxwriter failure (its message in `err`).
 */
KPI_EXTERN int kpi_xlsx_write(const kpi_snapshot *snap, const char *path, kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
