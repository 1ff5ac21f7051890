/**
 * @file kpi/result.h
 * @brief The reporting window and the typed series a run produces.
 *
 * Data flows one way: sources fill a kpi_result (one kpi_series per KPI,
 * one kpi_row per week and label set), evaluation sets each row's status,
 * outputs read it.
 */
#ifndef KPI_RESULT_H
#define KPI_RESULT_H

#include "common.h"
#include "week.h"
#include "catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Maximum number of weeks in one window. */
#define KPI_MAX_WEEKS 60

/** Status of one KPI row. */
typedef enum kpi_status {
	KPI_STATUS_OK = 0,
	KPI_STATUS_WARN,
	KPI_STATUS_BREACH,
	KPI_STATUS_NO_DATA,
	KPI_STATUS_NOT_APPLICABLE
} kpi_status;

/** "ok", "warn", "breach", "no_data", "not_applicable". */
KPI_EXTERN const char *kpi_status_name(kpi_status status);

/** Parse a status name. @return 0 or KPI_EUSAGE. */
KPI_EXTERN int kpi_status_parse(kpi_status *out, const char *name);

/** N consecutive ISO weeks ending with `last`, in a time zone. */
typedef struct kpi_window {
	char tz[64];
	kpi_week first;
	kpi_week last;
	int nweeks;
	int64_t from;     /**< start of the first week (UTC seconds) */
	int64_t to;       /**< end of the last week */
	int64_t as_of;    /**< min(to, now): T of the last week */
	bool partial;     /**< the last week is not over yet (as_of < to) */
	int64_t starts[KPI_MAX_WEEKS + 1]; /**< week i is [starts[i], starts[i+1]) */
} kpi_window;

/**
 * Resolve a week spec and fill a window.
 * @param spec "YYYY-Www", "last" (the last complete week) or "current"
 *             (the week in progress, evaluated as of `now`).
 * @param nweeks 1..KPI_MAX_WEEKS.
 * @param now the current instant (UTC seconds).
 */
KPI_EXTERN int kpi_window_init(kpi_window *out, const char *spec, int nweeks,
                               const char *tz, int64_t now, kpi_error *err);

/**
 * Fill a window of one period of arbitrary length, `[from, to)`, evaluated
 * as of `to` (not partial). For evaluations "as of now" such as `kpi alert`:
 * a flow KPI over a trailing window `[now - trailing, now)`, a state KPI as
 * of `to`. The KPI queries bucket by weeks from `$1` with T = least(week
 * end, `$2`), so a range of at most one week yields exactly one period.
 * `first`/`last` are the ISO week holding `from`.
 * @return 0, KPI_EUSAGE when `from >= to` or the range is longer than a
 *         week (604800 s), KPI_ECONFIG for an unknown zone.
 */
KPI_EXTERN int kpi_window_init_range(kpi_window *out, int64_t from, int64_t to, const char *tz,
                                     kpi_error *err);

/** Index of the week starting at `period_start`, or -1. */
KPI_EXTERN int kpi_window_index(const kpi_window *w, int64_t period_start);

/** One row: a week and a label set. */
typedef struct kpi_row {
	int64_t period_start;
	int64_t period_end;
	char **labels;        /**< values, parallel to the series' label names */
	bool has_value;
	double value;
	bool has_numerator;
	double numerator;
	bool has_denominator;
	double denominator;
	bool applicable;      /**< false: the threshold does not apply this week */
	bool partial;         /**< the week is still in progress */
	bool incomplete;      /**< the source answered only in part (CloudWatch PartialData,
	                           gaps): the value, if any, is a lower bound of what is known.
	                           Evaluation never reports such a row as healthy (see kpi/eval.h) */
	kpi_status status;
} kpi_row;

/** The rows of one KPI over a window, oldest week first, then labels in
 *  catalogue order. */
typedef struct kpi_series {
	const kpi_def *def;
	size_t nlabels;
	char **label_names;
	kpi_row *rows;
	size_t nrows;
	char query_sha256[65]; /**< SHA-256 of the query text, hex; "" if none */
	double query_seconds;  /**< wall time of its query as its source measured it; 0 unknown */
	bool has_blocks;          /**< its source counted the query's shared blocks */
	double shared_blks_hit;   /**< shared buffers it found in the server's cache */
	double shared_blks_read;  /**< shared buffers it read from the OS or disk */
} kpi_series;

/** Everything one run read. */
typedef struct kpi_result {
	kpi_window window;
	int64_t read_at;      /**< when the data was read (UTC seconds) */
	kpi_series *series;
	size_t nseries;
} kpi_result;

/** Find the series of a KPI; NULL when absent. */
KPI_EXTERN const kpi_series *kpi_result_find(const kpi_result *res, const char *id);

/** Format the labels of a row as "a=x,b=y" ("" when none). @return buf. */
KPI_EXTERN char *kpi_row_labels_format(char *buf, size_t size, const kpi_series *s, const kpi_row *row);

/** Free a result (and its series). Accepts NULL. */
KPI_EXTERN void kpi_result_free(kpi_result *res);

#ifdef __cplusplus
}
#endif
#endif
