/*
 * Times and dates for people in the pack (render/dates.c). Not installed.
 */
#ifndef KPI_RENDER_DATES_H
#define KPI_RENDER_DATES_H

#include <stddef.h>
#include <stdint.h>

/* Local time in the zone: "2026-11-16 00:00 UTC" / "2026-11-16 01:00 CET". */
char *kpi__fmt_time(char *buf, size_t size, int64_t t, const char *tz);
/* "Nov 9": the local day of `t` in the zone. */
char *kpi__fmt_day(char *buf, size_t size, int64_t t, const char *tz);
/* "Mon 9 Nov – Sun 15 Nov 2026" for [start, end) in the zone. */
char *kpi__fmt_week_dates(char *buf, size_t size, int64_t start, int64_t end, const char *tz);

#endif
