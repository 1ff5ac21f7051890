/**
 * @file kpi/history.h
 * @brief The history page of a reports directory, `index.html`: every
 *        week's verdict and decision as a table and a colour strip, each
 *        KPI's long-run chart across every pack (SVG, drawn by the chart
 *        code of the PNGs through Cairo's SVG surface), and links to each
 *        pack's PDF, workbook and chart PNGs.
 *
 * One self-contained static HTML file: inline CSS and SVG, no script, no
 * web font, no external URL, relative links only (works from file:// and
 * behind any static server), alt texts (role="img" + <title>), table
 * headers with scope, a print style. Every string from data is escaped.
 * Built from the packs' snapshots alone (no database, no clock): the same
 * packs and decisions give the same bytes. docs/pack.md describes it.
 */
#ifndef KPI_HISTORY_H
#define KPI_HISTORY_H

#include "common.h"
#include "buf.h"
#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One pack of a reports directory, as the page sees it. Nothing is owned. */
typedef struct kpi_history_pack {
	const char *name;             /**< its directory, relative to the reports directory ("2026-W46") */
	const kpi_snapshot *snap;     /**< its snapshot.json, parsed */
	const char *const *files;     /**< its files (manifest.json's list), relative to the pack */
	size_t nfiles;
} kpi_history_pack;

/** One recorded decision (reports/decisions.jsonl, kpi/reports.h). Nothing is owned. */
typedef struct kpi_history_decision {
	kpi_week week;                /**< the week decided */
	kpi_verdict_kind decision;    /**< what the meeting decided */
	const char *by;               /**< who decided */
	int64_t at;                   /**< when it was recorded (UTC seconds) */
	const char *note;             /**< may be NULL */
	const char *kept;             /**< taken on a pack since replaced: the directory it is kept in
	                                   ("2026-W46.decided-fc574027b0d0", kpi_reports_pack_kept()),
	                                   relative to the page; NULL when taken on the week's pack */
	kpi_verdict_kind verdict;     /**< with `kept`: the verdict that pack computed (the record's) */
} kpi_history_decision;

/**
 * The page for `packs` (any order) and `decisions` (file order).
 *
 * Each week any pack covers gets one row: the verdict, reasons and values of
 * the newest pack holding that week (latest last week, then latest as-of,
 * then latest read_at), the decisions recorded for it, and links to the
 * files of the pack whose last week it is. The charts span the weeks of
 * every pack (the newest KPI_MAX_WEEKS when more), each week's values as
 * the newest pack holding it reported them; packs in another time zone than
 * the newest are listed but left out of the charts.
 * `warnings` (may be NULL) are shown at the top of the page, escaped.
 * @param[out] out receives the HTML (appended; left as it was on failure);
 *             the caller releases it.
 * @return 0; KPI_EDATA when a snapshot lacks what a chart needs; KPI_ENOMEM;
 *         KPI_ERROR when Cairo fails.
 */
KPI_EXTERN int kpi_history_html(kpi_buf *out, const kpi_history_pack *packs, size_t npacks,
                                const kpi_history_decision *decisions, size_t ndecisions,
                                const char *const *warnings, size_t nwarnings, kpi_error *err);

/** The name of the history page in a reports directory. */
#define KPI_HISTORY_FILE "index.html"

/**
 * Regenerate `reports_dir`/index.html (kpi index, and kpi pack / kpi render
 * after installing a pack): the packs kpi_reports_list() finds, each with
 * its snapshot.json, and the decisions of decisions.jsonl when present,
 * through kpi_history_html(); written atomically (temp + rename). What the
 * page cannot show is said on it as a warning, not an error: a directory
 * kpi_reports_list() skips (with its reason), a pack whose snapshot.json does
 * not parse, a decisions.jsonl that does not read or whose chain is broken
 * (its decisions are then left off; `kpi verify` names the record).
 * @param[out] path the page's path (the caller frees it); may be NULL.
 * @param[out] nwarnings how many warnings the page carries; may be NULL.
 * @return 0; KPI_ENOTFOUND when `reports_dir` is not a directory; KPI_EIO;
 *         KPI_ENOMEM; KPI_ERROR when Cairo fails.
 */
KPI_EXTERN int kpi_history_write(char **path, size_t *nwarnings, const char *reports_dir, kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
