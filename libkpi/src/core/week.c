/*
 * ISO weeks and time zones.
 *
 * Calendar arithmetic is done on day numbers (days since 1970-01-01, proleptic
 * Gregorian, H. Hinnant's civil-date algorithms). Conversions between local
 * wall time and UTC use the system tz database through the C library
 * (TZ + tzset + mktime/localtime_r); glibc has no per-call zone API, so the
 * process's TZ is switched for the duration of a call and restored. libkpi is
 * therefore not thread-safe across zone conversions (the kpi tool is single
 * threaded).
 */
#include "core/internal.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t yy = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

/* ISO weekday 1 (Monday) .. 7 (Sunday) of a day number. */
static int iso_wday(int64_t days)
{
	int64_t w = (days + 3) % 7; /* 1970-01-01 was a Thursday (3 with Monday=0) */
	if (w < 0)
		w += 7;
	return (int)w + 1;
}

/* Day number of Monday of ISO week 1 of `year`. */
static int64_t week1_monday(int year)
{
	int64_t jan4 = days_from_civil(year, 1, 4);
	return jan4 - (iso_wday(jan4) - 1);
}

int kpi_week_count(int year)
{
	return (int)((week1_monday(year + 1) - week1_monday(year)) / 7);
}

static int64_t week_monday(kpi_week w)
{
	return week1_monday(w.year) + 7 * (int64_t)(w.week - 1);
}

static kpi_week week_of_day(int64_t days)
{
	kpi_week w;
	int y;
	unsigned m, d;
	int64_t monday = days - (iso_wday(days) - 1);

	/* The ISO year is the year of the week's Thursday. */
	civil_from_days(monday + 3, &y, &m, &d);
	w.year = y;
	w.week = (int)((monday - week1_monday(y)) / 7) + 1;
	return w;
}

kpi_week kpi_week_add(kpi_week week, int delta)
{
	return week_of_day(week_monday(week) + 7 * (int64_t)delta);
}

int kpi_week_cmp(kpi_week a, kpi_week b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.week != b.week)
		return a.week < b.week ? -1 : 1;
	return 0;
}

int kpi_week_parse(kpi_week *out, const char *text, kpi_error *err)
{
	int y = 0, w = 0;

	if (!text || strlen(text) != 8 || text[4] != '-' || (text[5] != 'W' && text[5] != 'w'))
		goto bad;
	for (int i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)text[i]))
			goto bad;
		y = y * 10 + (text[i] - '0');
	}
	for (int i = 6; i < 8; i++) {
		if (!isdigit((unsigned char)text[i]))
			goto bad;
		w = w * 10 + (text[i] - '0');
	}
	if (y < 1971 || y > 9998)
		return kpi_error_set(err, KPI_EUSAGE, "week '%s': year out of range", text);
	if (w < 1 || w > kpi_week_count(y))
		return kpi_error_set(err, KPI_EUSAGE, "week '%s': %d has %d ISO weeks", text, y,
		                     kpi_week_count(y));
	out->year = y;
	out->week = w;
	return 0;
bad:
	return kpi_error_set(err, KPI_EUSAGE, "malformed week '%s': expected YYYY-Www, e.g. 2026-W07",
	                     text ? text : "");
}

char *kpi_week_format(char *buf, size_t size, kpi_week week)
{
	snprintf(buf, size, "%04d-W%02d", week.year, week.week);
	return buf;
}

/* ---- time zones ---- */

typedef struct tzsave {
	char *old;
	int had;
} tzsave;

static void tz_enter(tzsave *s, const char *tz)
{
	const char *old = getenv("TZ");
	s->had = old != NULL;
	s->old = old ? strdup(old) : NULL;
	setenv("TZ", tz && *tz ? tz : "UTC", 1);
	tzset();
}

static void tz_leave(tzsave *s)
{
	if (s->had)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(s->old);
}

/* A zone file starts with the magic "TZif" (RFC 8536); the database
 * directory also holds zone.tab, leapseconds and the like, which glibc would
 * silently treat as UTC. */
static int is_tzif(const char *path)
{
	char magic[4];
	FILE *f = fopen(path, "rb");
	int ok;
	if (!f)
		return 0;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

int kpi_tz_check(const char *tz, kpi_error *err)
{
	char path[512];
	struct stat st;
	const char *dir = getenv("TZDIR");

	if (!tz || !*tz)
		return kpi_error_set(err, KPI_ECONFIG, "empty time zone");
	if (strcmp(tz, "UTC") == 0)
		return 0;
	if (tz[0] == '/' || strstr(tz, "..") || tz[0] == ':')
		return kpi_error_set(err, KPI_ECONFIG, "time zone '%s' is not an IANA zone name", tz);
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !is_tzif(path))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "unknown time zone '%s' (not in the system tz database)", tz);
	return 0;
}

/* UTC instant of local midnight of day number `days` in the current TZ. */
static int64_t local_midnight(int64_t days)
{
	struct tm tm;
	int y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	tm.tm_isdst = -1;
	/* A zone whose DST starts at midnight has no 00:00 that day: mktime
	 * normalises into the gap's end, which is the day's first instant. */
	return (int64_t)mktime(&tm);
}

/* Local day number of instant t in the current TZ. */
static int64_t local_day(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	localtime_r(&tt, &tm);
	return days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

int kpi_week_bounds(int64_t *start, int64_t *end, kpi_week week, const char *tz, kpi_error *err)
{
	tzsave s;
	int rc = kpi_tz_check(tz, err);
	if (rc)
		return rc;
	tz_enter(&s, tz);
	if (start)
		*start = local_midnight(week_monday(week));
	if (end)
		*end = local_midnight(week_monday(week) + 7);
	tz_leave(&s);
	return 0;
}

int kpi_week_of(kpi_week *out, int64_t t, const char *tz, kpi_error *err)
{
	tzsave s;
	int rc = kpi_tz_check(tz, err);
	if (rc)
		return rc;
	tz_enter(&s, tz);
	*out = week_of_day(local_day(t));
	tz_leave(&s);
	return 0;
}

char *kpi_time_format(char *buf, size_t size, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
	         (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}

char *kpi_time_format_date(char *buf, size_t size, int64_t t, const char *tz)
{
	tzsave s;
	int y;
	unsigned m, d;

	tz_enter(&s, tz);
	civil_from_days(local_day(t), &y, &m, &d);
	tz_leave(&s);
	snprintf(buf, size, "%04d-%02u-%02u", y, m, d);
	return buf;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int kpi_time_parse(int64_t *out, const char *text, kpi_error *err)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 1;
	const char *p = text;

	if (!text || strlen(text) < 10 || digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) ||
	    p[7] != '-' || digits(p + 8, 2, &d))
		goto bad;
	p += 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			goto bad;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &se))
				goto bad;
			p += 3;
			if (*p == '.') {
				if (!isdigit((unsigned char)p[1]))
					goto bad;
				for (p++; isdigit((unsigned char)*p); p++)
					;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1 : 1;
			if (digits(p + 1, 2, &oh))
				goto bad;
			p += 3;
			if (*p == ':') {
				p++;
				if (!isdigit((unsigned char)*p))
					goto bad;
			}
			if (isdigit((unsigned char)*p)) {
				if (digits(p, 2, &om))
					goto bad;
				p += 2;
			}
			if (oh > 14 || om > 59)
				goto bad;
		} else {
			goto bad; /* a time without a zone is ambiguous */
		}
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60)
		goto bad;
	{
		static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (d > mdays[mo - 1] + (mo == 2 && leap))
			goto bad;
	}
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
	       sign * (oh * 3600 + om * 60);
	return 0;
bad:
	return kpi_error_set(err, KPI_EUSAGE,
	                     "malformed time '%s': expected ISO 8601 like 2026-11-16T09:30:00Z",
	                     text ? text : "");
}

char *kpi_time_format_local(char *buf, size_t size, int64_t t, const char *tz)
{
	tzsave s;
	struct tm tm;
	time_t tt = (time_t)t;

	tz_enter(&s, tz);
	localtime_r(&tt, &tm);
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_zone ? tm.tm_zone : "");
	tz_leave(&s);
	return buf;
}
