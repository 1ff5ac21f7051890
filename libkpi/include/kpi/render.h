/**
 * @file kpi/render.h
 * @brief The go/no-go pack as a PDF (A4 landscape) and its charts as PNGs,
 *        drawn with Cairo and laid out with Pango from a snapshot alone.
 *
 * Renderers read only the `const kpi_snapshot *`: no database, no clock, no
 * environment. Fonts are DejaVu from Debian's fonts-dejavu-core, loaded from
 * a fixed directory into a private fontconfig configuration (so other fonts
 * installed on the machine cannot change the output) and embedded in the PDF.
 * Same snapshot + same kpi version (and the same Debian 12 cairo, pango,
 * freetype and font packages) = the same bytes.
 *
 * The PDF: a cover with the verdict of the last week and every reason behind
 * it, the scorecard, one chart per KPI, the drill-down lists, and an appendix
 * (definitions, rollout changes, provenance). One bookmark per section; the
 * creation and modification dates are the window's as-of instant.
 *
 * Each PNG is the chart of one KPI drawn by the same code as its PDF page,
 * KPI_RENDER_PNG_WIDTH x KPI_RENDER_PNG_HEIGHT pixels.
 *
 * The font map and the laid-out texts are kept for the life of the process
 * (bounded); calls from several threads are safe and take turns drawing
 * (PNG encoding, the larger part of a chart PNG, runs outside those turns).
 * docs/pack.md describes every page and chart.
 */
#ifndef KPI_RENDER_H
#define KPI_RENDER_H

#include "common.h"
#include "buf.h"
#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Width in pixels of a chart PNG. */
#define KPI_RENDER_PNG_WIDTH 1200
/** Height in pixels of a chart PNG. */
#define KPI_RENDER_PNG_HEIGHT 675

/**
 * Render the whole PDF of a snapshot.
 * Deterministic: same snapshot + same version = same bytes.
 * @param[out] out receives the PDF bytes (appended); on failure it is left
 *             as it was. The caller releases it with kpi_buf_release().
 * @param snap the snapshot (result, verdicts and catalogue required).
 * @return 0; KPI_EDATA when the snapshot lacks what a pack needs (no result,
 *         no verdicts, no weeks, rows without labels); KPI_ENOTFOUND when a
 *         font file is missing;
 *         KPI_ENOMEM; KPI_ERROR when Cairo fails (message names the status).
 */
KPI_EXTERN int kpi_render_pdf(kpi_buf *out, const kpi_snapshot *snap, kpi_error *err);

/** At most this many sentences in the week in plain words. */
#define KPI_RENDER_WORDS_MAX 6

/**
 * The week in plain words, the sentences the pack's cover leads with (3 to
 * KPI_RENDER_WORDS_MAX), from the snapshot alone, in meeting language (no
 * KPI ids): what decides the last week's verdict; which measure with a
 * target moved most since the week before, relative to its target; an
 * informational measure heading the wrong way (a wait, age, backlog or
 * mismatch count at least half as much again as the week before, "is 2.35
 * days, up from 8 minutes"); what was excused by a waiver, which waivers ran
 * out, what background measures were not read. Values with the pack's
 * number formatter, units in words.
 * @param[out] out NULL-terminated array of sentences; free with
 *             kpi_render_words_free().
 * @return 0; KPI_EUSAGE (a snapshot with no verdict); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_render_week_words(char ***out, const kpi_snapshot *snap, kpi_error *err);

/** Free what kpi_render_week_words() returned. Accepts NULL. */
KPI_EXTERN void kpi_render_words_free(char **words);

/**
 * Number of charts of a snapshot: one per KPI of its catalogue that it
 * collected (has a series, even one without data), in catalogue order. A
 * catalogue KPI the run did not collect (a CloudWatch KPI not configured)
 * gets no chart; the scorecard and the appendix say it was not collected.
 * @return 0 when `snap` is NULL or has neither catalogue nor result.
 */
KPI_EXTERN size_t kpi_render_chart_count(const kpi_snapshot *snap);

/**
 * File stem of chart `i`: the KPI id (a-z, 0-9, _). Owned by the snapshot.
 * @return NULL when `i` >= kpi_render_chart_count().
 */
KPI_EXTERN const char *kpi_render_chart_name(const kpi_snapshot *snap, size_t i);

/**
 * Render chart `i` as a PNG of KPI_RENDER_PNG_WIDTH x KPI_RENDER_PNG_HEIGHT
 * pixels, drawn by the same code as the chart page of the PDF.
 * @param[out] out receives the PNG bytes (appended; left as it was on
 *             failure); the caller releases it.
 * @return 0; KPI_EUSAGE when `i` is out of range; otherwise as kpi_render_pdf().
 */
KPI_EXTERN int kpi_render_chart_png(kpi_buf *out, const kpi_snapshot *snap, size_t i, kpi_error *err);

/**
 * Render chart `i` as an SVG element to sit inline in an HTML page (the
 * history page, kpi/history.h): drawn by the same code as the PNG and the
 * PDF page through Cairo's SVG surface, KPI_RENDER_PNG_WIDTH-proportioned
 * (a viewBox, no fixed size), with role="img" and a <title> (`title`, or
 * the KPI's title when NULL, escaped), no XML declaration, and every id
 * prefixed with `id_prefix` (letters, digits, '-') so charts of one page do
 * not share ids. Deterministic: same snapshot, same bytes.
 * @param[out] out receives the SVG text (appended; left as it was on
 *             failure); the caller releases it.
 * @return 0; KPI_EUSAGE when `i` is out of range; otherwise as kpi_render_pdf().
 */
KPI_EXTERN int kpi_render_chart_svg(kpi_buf *out, const kpi_snapshot *snap, size_t i, const char *id_prefix,
                                    const char *title, kpi_error *err);

/**
 * Every chart of a snapshot as PNGs, encoded in the background while the
 * caller goes on (with the PDF, the workbook...): kpi_render_charts_start()
 * draws the charts (in the calling thread, taking turns with other renders)
 * and hands the images to encoder threads, one per processor beyond the
 * first (none on one: then it encodes them itself); the caller collects the
 * PNGs with kpi_render_charts_finish() and frees the job with
 * kpi_render_charts_free(). The bytes are those of kpi_render_chart_png()
 * for each chart, whichever thread encoded them. At most a few drawn images
 * (3.2 MB each) wait for an encoder: when the encoders fall behind, the
 * drawing thread encodes too.
 */
typedef struct kpi_render_charts kpi_render_charts;

/**
 * Draw every chart of `snap` and start encoding them. `snap` must stay
 * unchanged until kpi_render_charts_free().
 * @param[out] out the job; free it with kpi_render_charts_free() (also after
 *             kpi_render_charts_finish()).
 * @return 0; otherwise as kpi_render_pdf() (nothing to free then).
 */
KPI_EXTERN int kpi_render_charts_start(kpi_render_charts **out, const kpi_snapshot *snap, kpi_error *err);

/**
 * Wait for the encoders (helping them) and move the PNGs out.
 * @param[out] pngs kpi_render_chart_count() buffers, chart i in pngs[i]
 *             (overwritten, not appended to); the caller releases each with
 *             kpi_buf_release(). Untouched on failure.
 * @return 0; KPI_ENOMEM or KPI_ERROR (the first chart that failed, named).
 */
KPI_EXTERN int kpi_render_charts_finish(kpi_render_charts *job, kpi_buf *pngs, kpi_error *err);

/** Stop and free a job (its encoders joined, PNGs not collected released).
 *  Accepts NULL. */
KPI_EXTERN void kpi_render_charts_free(kpi_render_charts *job);

#ifdef __cplusplus
}
#endif
#endif
