/*
 * Times and dates for people in the pack (render/dates.h): local times with
 * the zone's abbreviation, days, a week's dates; English names, no locale.
 */
#include "core/internal.h"
#include "render/dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *kpi__fmt_time(char *buf, size_t size, int64_t t, const char *tz)
{
	return kpi_time_format_local(buf, size, t, tz && *tz ? tz : "UTC");
}

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Local civil date of `t` in `tz` with its weekday. */
static void local_date(int64_t t, const char *tz, int *y, int *m, int *d, int *wday)
{
	char b[16];
	struct tm tm;
	time_t tt;

	kpi_time_format_date(b, sizeof(b), t, tz && *tz ? tz : "UTC");
	*y = atoi(b);
	*m = atoi(b + 5);
	*d = atoi(b + 8);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = *y - 1900;
	tm.tm_mon = *m - 1;
	tm.tm_mday = *d;
	tm.tm_hour = 12;
	tt = timegm(&tm);
	gmtime_r(&tt, &tm);
	*wday = tm.tm_wday;
}

char *kpi__fmt_day(char *buf, size_t size, int64_t t, const char *tz)
{
	int y, m, d, wd;
	local_date(t, tz, &y, &m, &d, &wd);
	snprintf(buf, size, "%s %d", months[m - 1], d);
	return buf;
}

char *kpi__fmt_week_dates(char *buf, size_t size, int64_t start, int64_t end, const char *tz)
{
	int y1, m1, d1, w1, y2, m2, d2, w2;
	local_date(start, tz, &y1, &m1, &d1, &w1);
	local_date(end - 1, tz, &y2, &m2, &d2, &w2);
	if (y1 == y2)
		snprintf(buf, size, "%s %d %s – %s %d %s %d", wdays[w1], d1, months[m1 - 1], wdays[w2], d2,
		         months[m2 - 1], y2);
	else
		snprintf(buf, size, "%s %d %s %d – %s %d %s %d", wdays[w1], d1, months[m1 - 1], y1, wdays[w2],
		         d2, months[m2 - 1], y2);
	return buf;
}
