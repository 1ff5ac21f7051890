/**
 * @file kpi/format.h
 * @brief Table, CSV (RFC 4180) and JSON renderings of a result, into a buffer.
 */
#ifndef KPI_FORMAT_H
#define KPI_FORMAT_H

#include "common.h"
#include "buf.h"
#include "result.h"
#include "eval.h"
#include "config.h"
#include "lists.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Format a number the way every output shows it: shortest round-trip
 *  decimal ("%.17g" trimmed), "null" when absent. @return buf. */
KPI_EXTERN char *kpi_format_number(char *buf, size_t size, bool has, double v);

/**
 * JSON of one series exactly as docs/requirements.md (the product's contracts) says: {"kpi","unit","rows":[...]}.
 */
KPI_EXTERN int kpi_format_json_series(kpi_buf *out, const kpi_series *s, kpi_error *err);

/**
 * JSON of a whole result: {"window":{...},"kpis":[series...],"verdicts":[...]}.
 * `verdicts` may be NULL.
 */
KPI_EXTERN int kpi_format_json_result(kpi_buf *out, const kpi_result *res,
                                      const kpi_verdict *verdicts, kpi_error *err);

/** CSV (RFC 4180, CRLF line ends), one record per row, header
 *  kpi,period_start,period_end,labels,value,numerator,denominator,status,partial;
 *  no value is an empty field; partial is true or false (true on the rows
 *  of the week in progress). */
KPI_EXTERN int kpi_format_csv(kpi_buf *out, const kpi_result *res, kpi_error *err);

/** Table options. */
typedef struct kpi_table_opts {
	bool color;          /**< ANSI colours for statuses */
	bool unicode;        /**< sparklines with block characters */
} kpi_table_opts;

#define KPI_TABLE_OPTS_INIT { false, true }

/**
 * An aligned table: one line per KPI and label set showing the last week's
 * value, threshold and status, the previous week's value and a sparkline
 * across the window; the week of a partial row is marked `*`, explained by a
 * footnote line under the table ("* YYYY-Www is not over: values so far,
 * as of ... (the week ends ...)") printed only then; then the verdict of
 * each week when `verdicts` is set.
 */
KPI_EXTERN int kpi_format_table(kpi_buf *out, const kpi_result *res,
                                const kpi_verdict *verdicts,
                                const kpi_table_opts *opts, kpi_error *err);

/**
 * The catalogue for `kpi list`: a table (id, unit, labels, threshold, gating,
 * missing-data policy, source — marked '*' when the config does not say
 * enough for it to read the KPI, with what would below — and title), or,
 * with `json`, an array of {"id", "title", "unit", "labels": [names],
 * "threshold": {"op", "target", "warn_margin"} | null, "gating", "missing",
 * "source", "configured", "configure" (when not configured: what would)}.
 */
KPI_EXTERN int kpi_format_catalog(kpi_buf *out, const kpi_catalog *cat, const kpi_config *cfg, bool json,
                                  kpi_error *err);

/** Sparkline of `n` values (block characters, a middle dot for a missing one). */
KPI_EXTERN int kpi_format_sparkline(kpi_buf *out, const double *v, const bool *has, size_t n);

/**
 * The uncovered designs of `kpi uncovered` as an aligned table (design,
 * tenant, style, latest revision, its creation, age in days; the age
 * coloured by the status `th` gives it when opts->color and `th` is not
 * NULL), then one line that says how many are uncovered in all and whether
 * all are listed; with none, one sentence saying so.
 */
KPI_EXTERN int kpi_format_uncovered_table(kpi_buf *out, const kpi_uncovered_list *l, const kpi_threshold *th,
                                          const kpi_table_opts *opts, kpi_error *err);

/** The uncovered designs as CSV (RFC 4180, CRLF line ends), header
 *  design_id,tenant_id,style_id,revision,revision_at,age_days,as_of,total;
 *  every record carries the instant and how many are uncovered in all. */
KPI_EXTERN int kpi_format_uncovered_csv(kpi_buf *out, const kpi_uncovered_list *l, kpi_error *err);

/** The uncovered designs as one JSON object: {"as_of", "week", "partial",
 *  "active_days", "total" (uncovered in all), "listed", "limit", "query":
 *  {"file", "sha256"}, "source", "designs": [{"design_id", "tenant_id",
 *  "style_id", "revision", "revision_at", "age_days"}]}, oldest first. */
KPI_EXTERN int kpi_format_uncovered_json(kpi_buf *out, const kpi_uncovered_list *l, kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
