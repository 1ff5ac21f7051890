/*
 * Thresholds as text (core/threshold.c): the operators' names and the one
 * threshold formatter every output uses. Not installed.
 */
#ifndef KPI_CORE_THRESHOLD_H
#define KPI_CORE_THRESHOLD_H

#include "kpi/catalog.h"

/* Styles of kpi__threshold_format(), combined with |. */
enum {
	/* ">= 95%", "<= 7 d", "<= 7200 s": ASCII operators and the target as
	 * written (kpi_format_number): kpi query's table, the verdict reasons
	 * of the table/CSV/JSON/snapshot, alert notifications, kpi list and kpi
	 * explain (kpi_threshold_format()), the workbook */
	KPI__TH_ASCII = 0,
	/* "≥ 95%", "≤ 2 h" (7200 s): typographic operators and the target for
	 * people, a duration in the unit its size reads best in: the PDF and
	 * the PNGs */
	KPI__TH_PACK = 1,
	/* with the warning margin when there is one: ASCII ">= 95% (warn within
	 * 0.5)", PACK "≥ 95%; warn within 0.5 pp of the target" */
	KPI__TH_MARGIN = 2,
	/* PACK: the target is already in `unit` (a chart axis' unit): no
	 * duration ladder */
	KPI__TH_NO_LADDER = 4,
};

/* The threshold `th` of values in `unit` as text, in `style`; "none" when
 * there is none (th NULL or KPI_OP_NONE). @return buf. */
char *kpi__threshold_format(char *buf, size_t size, const kpi_threshold *th, const char *unit, unsigned style);

#endif
