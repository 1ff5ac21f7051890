/**
 * @file kpi/week.h
 * @brief ISO weeks and instants in a time zone (system tz database).
 *
 * Instants are `int64_t` seconds since the Unix epoch (UTC). A week is
 * `[Monday 00:00, next Monday 00:00)` in a named IANA time zone.
 */
#ifndef KPI_WEEK_H
#define KPI_WEEK_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An ISO-8601 week: year 1..9999, week 1..53. */
typedef struct kpi_week {
	int year;
	int week;
} kpi_week;

/** Number of ISO weeks (52 or 53) in ISO year `year`. */
KPI_EXTERN int kpi_week_count(int year);

/** Parse "YYYY-Www" strictly (e.g. "2026-W07"). KPI_EUSAGE when malformed
 *  or out of range (week 53 of a 52-week year). */
KPI_EXTERN int kpi_week_parse(kpi_week *out, const char *text, kpi_error *err);

/** Format as "YYYY-Www" into buf (at least 9 bytes). @return buf. */
KPI_EXTERN char *kpi_week_format(char *buf, size_t size, kpi_week week);

/** The week `delta` weeks after (negative: before) `week`. */
KPI_EXTERN kpi_week kpi_week_add(kpi_week week, int delta);

/** Compare: <0, 0, >0. */
KPI_EXTERN int kpi_week_cmp(kpi_week a, kpi_week b);

/** The ISO week that contains instant `t` in time zone `tz`. */
KPI_EXTERN int kpi_week_of(kpi_week *out, int64_t t, const char *tz, kpi_error *err);

/** Start and end instants (UTC seconds) of `week` in time zone `tz`: local
 *  Monday 00:00 and the next local Monday 00:00 (not always 7*86400 apart
 *  across a DST change). Either out-pointer may be NULL. */
KPI_EXTERN int kpi_week_bounds(int64_t *start, int64_t *end, kpi_week week,
                               const char *tz, kpi_error *err);

/** Check that `tz` names a zone of the system tz database ("UTC" always does).
 *  KPI_ECONFIG otherwise. */
KPI_EXTERN int kpi_tz_check(const char *tz, kpi_error *err);

/** Format instant `t` as ISO-8601 UTC, "2026-11-16T00:00:00Z" (buf >= 21). */
KPI_EXTERN char *kpi_time_format(char *buf, size_t size, int64_t t);

/** Format instant `t` as local date "YYYY-MM-DD" in `tz` (buf >= 11). */
KPI_EXTERN char *kpi_time_format_date(char *buf, size_t size, int64_t t, const char *tz);

/** Format instant `t` as local time "YYYY-MM-DD HH:MM ZONE" in `tz`, with the
 *  zone's abbreviation ("2026-11-16 01:00 CET"; buf >= 32). @return buf. */
KPI_EXTERN char *kpi_time_format_local(char *buf, size_t size, int64_t t, const char *tz);

/** Parse an ISO-8601 instant: "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH[:MM])" or a
 *  bare date (UTC midnight). KPI_EUSAGE when malformed. */
KPI_EXTERN int kpi_time_parse(int64_t *out, const char *text, kpi_error *err);


#ifdef __cplusplus
}
#endif
#endif
