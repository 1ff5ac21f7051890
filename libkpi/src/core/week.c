/*
 * ISO weeks and time zones.
 *
 * Calendar arithmetic is done on day numbers (days since 1970-01-01, proleptic
 * Gregorian, H. Hinnant's civil-date algorithms). Conversions between local
 * wall time and UTC use the system tz database through GLib's GTimeZone (see
 * "time zones" below): no process-wide state is touched, so every function
 * here may be called from any thread at once.
 */
#include "core/internal.h"
#include <ctype.h>
#include <glib.h>
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
	/* 1971: a window of weeks before it must not start before the Unix
	 * epoch (1970-W01 begins on 1969-12-29); 9998: the week after it still
	 * has a four-digit year */
	if (y < 1971 || y > 9998)
		return kpi_error_set(err, KPI_EUSAGE,
		                     "week '%s': year %d out of range: kpi reads years 1971 to 9998 "
		                     "(timestamps start at 1970-01-01, the Unix epoch)",
		                     text, y);
	if (w == 0)
		return kpi_error_set(err, KPI_EUSAGE, "week '%s': ISO weeks are numbered from 01 (%d has 01 to %02d)",
		                     text, y, kpi_week_count(y));
	if (w > kpi_week_count(y))
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

/* ---- time zones ----
 *
 * Local wall time comes from GLib's GTimeZone (linked already, through
 * Pango): an immutable, reference-counted zone object built from one TZif
 * file of the system tz database, which any number of threads may query at
 * once. glibc has no per-call zone API: localtime_r and mktime read the
 * process-wide TZ, and switching that variable around a call races with
 * every thread that reads the environment or the local time: the pack's PNG
 * encoder threads, and whatever threads a program using libkpi runs.
 *
 * A zone is loaded by the absolute path of its file, so the file GLib reads
 * is the file kpi_tz_check looked at: GLib never sees a bare name, which it
 * would otherwise try as an offset ("+01") or a POSIX TZ rule ("Foo5", "GMT0")
 * before the database, nor looks the name up through the environment (TZDIR).
 *
 * One GLib defect is worked around. A TZif file ends with a POSIX TZ rule for
 * the years after its last transition (2037 in Debian's files); GLib (2.74,
 * and its main branch as of 2025) takes an explicit daylight-saving offset of
 * zero there for "not given" and uses standard time + 1 h instead. That is
 * Europe/Dublin's rule, "IST-1GMT0,M10.5.0,M3.5.0/1" (Irish Standard Time,
 * +01, in summer; GMT as a negative DST in winter), so GLib puts Irish winter
 * at +02 from 2038 on. Such a rule is restated with standard and daylight
 * time swapped, "GMT0IST-1,M3.5.0/1,M10.5.0" (the same offsets at the same
 * instants, only the DST flag moves, which nothing here uses), which GLib
 * reads right, and used from the file's last transition on (zone.tail).
 */

#define KPI_TZDIR_DEFAULT "/usr/share/zoneinfo"

struct kpi__tz {
	GTimeZone *file; /* the zone as GLib reads its file */
	GTimeZone *tail; /* NULL, or the file's rule restated, in force from tail_from on */
	int64_t tail_from;
};
typedef struct kpi__tz zone;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* What week.c needs of a TZif file (RFC 8536) beyond GLib's reading of it:
 * its last transition and its footer (the POSIX TZ rule after it). */
typedef struct tzif_info {
	bool leap_seconds; /* a right/ zone: instants count leap seconds */
	bool has_last;
	int64_t last;
	char footer[128]; /* "" when none */
} tzif_info;

/* Read the file at `path`: 0 when it is a TZif file (it starts with the
 * magic "TZif"), -1 otherwise. The database directory also holds zone.tab,
 * leapseconds and the like, which are no zones (the C library took them for
 * UTC; GLib rejects them only after a critical warning on stderr). A file
 * whose version 2+ data is cut short just has no footer here. */
static int tzif_read(const char *path, tzif_info *info)
{
	unsigned char head[44], *data = NULL;
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	uint64_t skip, cnt[6]; /* isut, isstd, leap, time, type, char */

	memset(info, 0, sizeof(*info));
	if (!f)
		return -1;
	if (fread(head, 1, 44, f) != 44 || memcmp(head, "TZif", 4) != 0) {
		fclose(f);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		cnt[i] = be32(head + 20 + 4 * i);
	info->leap_seconds = cnt[2] > 0;
	if (head[4] < '2')
		goto done; /* version 1: 32-bit data, no footer */
	skip = cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 + cnt[1] + cnt[0];
	if (skip > (1u << 24) || fseek(f, (long)skip, SEEK_CUR) != 0 || fread(head, 1, 44, f) != 44 ||
	    memcmp(head, "TZif", 4) != 0)
		goto done;
	for (int i = 0; i < 6; i++)
		cnt[i] = be32(head + 20 + 4 * i);
	skip = cnt[3] * 9 + cnt[4] * 6 + cnt[5] + cnt[2] * 12 + cnt[1] + cnt[0];
	if (skip > (1u << 24) || !(data = malloc((size_t)skip + sizeof(info->footer) + 2)))
		goto done;
	n = fread(data, 1, (size_t)skip + sizeof(info->footer) + 2, f);
	if (n < skip)
		goto done;
	if (cnt[3] > 0) {
		const unsigned char *p = data + (cnt[3] - 1) * 8;
		info->has_last = true;
		info->last = (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
	}
	if (n > skip + 1 && data[skip] == '\n') {
		const unsigned char *s = data + skip + 1, *e = memchr(s, '\n', n - skip - 1);
		if (e && (size_t)(e - s) < sizeof(info->footer))
			memcpy(info->footer, s, (size_t)(e - s));
	}
done:
	free(data);
	fclose(f);
	return 0;
}

/* The end of the POSIX TZ zone name at s ("<+01>" or three letters or more),
 * or NULL. */
static const char *rule_name_end(const char *s)
{
	const char *p = s;
	if (*p == '<')
		return (p = strchr(p, '>')) ? p + 1 : NULL;
	while (isalpha((unsigned char)*p))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* The end of the POSIX TZ offset at s ([+-]hh[:mm[:ss]]), its value in *secs;
 * NULL when there is none. */
static const char *rule_offset_end(const char *s, long *secs)
{
	long part[3] = { 0, 0, 0 }, sign = *s == '-' ? -1 : 1;
	const char *p = s + (*s == '+' || *s == '-');

	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p))
			part[i] = part[i] * 10 + (*p++ - '0');
		if (*p != ':')
			break;
		p++;
	}
	*secs = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return p;
}

/* Restate `rule` for GLib into out (see above): 1 when it has an explicit
 * daylight-saving offset of zero, which GLib misreads, and could be swapped;
 * 0 when GLib reads it right as it is. */
static int rule_restate(char *out, size_t size, const char *rule)
{
	const char *std_end, *std_off_end, *dst_end, *dst_off_end, *second;
	long std_off, dst_off;

	if (!(std_end = rule_name_end(rule)) || !(std_off_end = rule_offset_end(std_end, &std_off)) ||
	    !(dst_end = rule_name_end(std_off_end)) || !(dst_off_end = rule_offset_end(dst_end, &dst_off)) ||
	    dst_off != 0 || std_off == 0 || *dst_off_end != ',' || !(second = strchr(dst_off_end + 1, ',')))
		return 0;
	/* DST name and offset, standard name and offset, end rule, start rule */
	snprintf(out, size, "%.*s%.*s%.*s%.*s,%s,%.*s", (int)(dst_end - std_off_end), std_off_end,
	         (int)(dst_off_end - dst_end), dst_end, (int)(std_end - rule), rule,
	         (int)(std_off_end - std_end), std_end, second + 1, (int)(second - dst_off_end - 1),
	         dst_off_end + 1);
	return 1;
}

static void zone_close(zone *z)
{
	if (z->file)
		g_time_zone_unref(z->file);
	if (z->tail)
		g_time_zone_unref(z->tail);
	memset(z, 0, sizeof(*z));
}

/* Open zone `tz` of the tz database in directory `tzdir` (NULL: the system
 * one); zone_close releases it. */
static int zone_open(zone *z, const char *tz, const char *tzdir, kpi_error *err)
{
	char path[512], restated[sizeof(((tzif_info *)0)->footer) + 8];
	struct stat st;
	tzif_info info;
	int n;

	memset(z, 0, sizeof(*z));
	if (!tz || !*tz)
		return kpi_error_set(err, KPI_ECONFIG, "empty time zone");
	if (strcmp(tz, "UTC") == 0) {
		z->file = g_time_zone_new_utc();
		return 0;
	}
	if (tz[0] == '/' || strstr(tz, "..") || tz[0] == ':')
		return kpi_error_set(err, KPI_ECONFIG, "time zone '%s' is not an IANA zone name", tz);
	n = snprintf(path, sizeof(path), "%s/%s", tzdir && *tzdir ? tzdir : KPI_TZDIR_DEFAULT, tz);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    tzif_read(path, &info) != 0)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "unknown time zone '%s' (not in the system tz database)", tz);
	/* The right/ zones are for clocks that count leap seconds; kpi's instants
	 * are POSIX time (PostgreSQL's, the system clock's), which does not. The C
	 * library shifted every local time by the leap seconds so far (a week
	 * started at Monday 00:00:27 in 2026); GLib ignores them but takes the
	 * files' transition times as POSIX ones (27 s late). Either way the zone
	 * would silently be a little wrong, and Debian's right/ files, cut at the
	 * leap second list's expiry, have no rule for the years after it (their
	 * DST never ends after mid-2026): refuse them. */
	if (info.leap_seconds)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "time zone '%s' counts leap seconds, but kpi's instants are POSIX time: "
		                     "use the zone of the same name outside right/", tz);
	if (!(z->file = g_time_zone_new_identifier(path)))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "unknown time zone '%s' (not in the system tz database)", tz);
	/* A bare rule never names a file, so GLib parses it as the rule it is. */
	if (info.has_last && rule_restate(restated, sizeof(restated), info.footer) &&
	    (z->tail = g_time_zone_new_identifier(restated)))
		z->tail_from = info.last;
	return 0;
}

/* For the formatting functions, which cannot fail: a zone that does not load
 * (never one a config accepted) shows UTC, as the C library did. */
static void zone_open_or_utc(zone *z, const char *tz)
{
	if (zone_open(z, tz && *tz ? tz : "UTC", NULL, NULL))
		z->file = g_time_zone_new_utc();
}

int kpi_tz_check(const char *tz, const char *tzdir, kpi_error *err)
{
	zone z;
	int rc = zone_open(&z, tz, tzdir, err);
	zone_close(&z);
	return rc;
}

int kpi__tz_hold(kpi__tz **out, const char *tz, kpi_error *err)
{
	zone z;
	int rc;

	*out = NULL;
	if ((rc = zone_open(&z, tz, NULL, err)))
		return rc;
	if (!(*out = malloc(sizeof(z)))) {
		zone_close(&z);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	**out = z;
	return 0;
}

void kpi__tz_release(kpi__tz *z)
{
	if (z) {
		zone_close(z);
		free(z);
	}
}

/* The interval of instant t (numbered over the file's intervals, then the
 * tail's, so the number grows with t), its UTC offset (seconds east) and
 * abbreviation. */
static int64_t zone_find(const zone *z, int64_t t, int32_t *offset, const char **abbrev)
{
	GTimeZone *g = z->tail && t >= z->tail_from ? z->tail : z->file;
	int i = g_time_zone_find_interval(g, G_TIME_TYPE_UNIVERSAL, t);

	if (offset)
		*offset = g_time_zone_get_offset(g, i);
	if (abbrev)
		*abbrev = g_time_zone_get_abbreviation(g, i);
	return g == z->tail ? ((int64_t)1 << 32) + i : i;
}

/* a / b rounded down (b > 0), for every a: no negation, no overflow. */
static int64_t floor_div(int64_t a, int64_t b)
{
	/* b > 0; no negation of a, which overflows for INT64_MIN */
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* An instant kept within +-2^62 s, so adding a zone offset cannot overflow
 * (times outside that range are not dates anyone can mean). */
static int64_t clamp_time(int64_t t)
{
	const int64_t lim = (int64_t)1 << 62;
	return t > lim ? lim : t < -lim ? -lim : t;
}

/* Local day number of instant t. */
static int64_t local_day(const zone *z, int64_t t)
{
	int32_t off;
	t = clamp_time(t);
	zone_find(z, t, &off, NULL);
	return floor_div(t + off, 86400);
}

int64_t kpi__tz_wall(const kpi__tz *z, int64_t t)
{
	int32_t off;
	t = clamp_time(t);
	zone_find(z, t, &off, NULL);
	return t + off;
}

/* The first instant of local day `days`: the earliest instant whose local
 * date is that day or a later one. Where local midnight is ambiguous (clocks
 * went back across it) that is its first occurrence; where it does not exist
 * (a gap at midnight) it is the end of the gap, the day's first instant, which
 * is also what mktime normalised 00:00 into.
 *
 * Only UTC -> local lookups are used (GLib's interval of an instant), never
 * GLib's local -> UTC ones, whose choice in gaps and overlaps is theirs: the
 * zone's intervals are walked from two days before midnight (farther than any
 * UTC offset) until the one in which local time reaches midnight. Interval
 * numbers grow with the instant, so an interval's end is found by bisection. */
static int64_t day_start(const zone *z, int64_t days)
{
	const int64_t midnight = days * 86400; /* local wall-clock seconds */
	int64_t t = midnight - 2 * 86400;      /* an instant of interval i */
	int32_t off;
	int64_t i = zone_find(z, t, &off, NULL);

	for (;;) {
		/* In interval i local time is t + off: midnight at c. */
		int64_t c = midnight - off, lo = t, hi = c;

		if (c <= t) /* local time was past midnight from the interval's start on */
			return t;
		if (zone_find(z, c, NULL, NULL) == i)
			return c;
		/* Interval i ends before its midnight: go on from the first instant
		 * of the next one (lo is in interval i, hi is not). */
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			if (zone_find(z, mid, NULL, NULL) == i)
				lo = mid;
			else
				hi = mid;
		}
		t = hi;
		i = zone_find(z, t, &off, NULL);
	}
}

int kpi_week_bounds(int64_t *start, int64_t *end, kpi_week week, const char *tz, kpi_error *err)
{
	zone z;
	int rc = zone_open(&z, tz, NULL, err);
	if (rc)
		return rc;
	if (start)
		*start = day_start(&z, week_monday(week));
	if (end)
		*end = day_start(&z, week_monday(week) + 7);
	zone_close(&z);
	return 0;
}

int kpi_week_of(kpi_week *out, int64_t t, const char *tz, kpi_error *err)
{
	zone z;
	int rc = zone_open(&z, tz, NULL, err);
	if (rc)
		return rc;
	*out = week_of_day(local_day(&z, t));
	zone_close(&z);
	return 0;
}

char *kpi_time_format(char *buf, size_t size, int64_t t)
{
	int64_t days = floor_div(t, 86400);
	int64_t secs = t % 86400 < 0 ? t % 86400 + 86400 : t % 86400;
	int y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
	         (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}

char *kpi_time_format_date(char *buf, size_t size, int64_t t, const char *tz)
{
	zone z;
	int y;
	unsigned m, d;

	zone_open_or_utc(&z, tz);
	civil_from_days(local_day(&z, t), &y, &m, &d);
	zone_close(&z);
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
	zone z;
	int32_t off;
	const char *abbrev;
	int64_t local, days, secs;
	int y;
	unsigned m, d;

	zone_open_or_utc(&z, tz);
	t = clamp_time(t);
	zone_find(&z, t, &off, &abbrev);
	local = t + off;
	days = floor_div(local, 86400);
	secs = local - days * 86400;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04d-%02u-%02u %02d:%02d %s", y, m, d, (int)(secs / 3600),
	         (int)(secs / 60 % 60), abbrev ? abbrev : "");
	zone_close(&z);
	return buf;
}
