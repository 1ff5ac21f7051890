/*
 * ISO weeks, time zones, reporting windows and ISO-8601 instants (week.c,
 * result.c kpi_window_*). Expected instants come from timegm(), not from
 * libkpi's own calendar code.
 */
#include "unit.h"
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

/* Monday 00:00 UTC of ISO week `week` of `year`, from the ISO rule "week 1
 * holds January 4th", with the C library's calendar. */
static int64_t iso_monday_utc(int year, int week)
{
	int64_t jan4 = utc(year, 1, 4, 0, 0, 0);
	time_t t = (time_t)jan4;
	struct tm tm;
	int wday;

	gmtime_r(&t, &tm);
	wday = tm.tm_wday == 0 ? 7 : tm.tm_wday; /* ISO: Monday 1 .. Sunday 7 */
	return jan4 - (int64_t)(wday - 1) * 86400 + (int64_t)(week - 1) * 7 * 86400;
}

static void expect_week_parse_rejected(const char *text)
{
	kpi_week w = { 0, 0 };
	kpi_error err = KPI_ERROR_INIT;
	int rc = kpi_week_parse(&w, text, &err);

	if (rc != KPI_EUSAGE) {
		print_error("kpi_week_parse(\"%s\") = %d (week %d-%d), expected KPI_EUSAGE\n", text, rc,
		            w.year, w.week);
		fail();
	}
	assert_int_equal(err.code, KPI_EUSAGE);
	assert_true(err.message[0] != '\0');
}

static kpi_week parse_ok(const char *text)
{
	kpi_week w = { 0, 0 };
	kpi_error err = KPI_ERROR_INIT;
	int rc = kpi_week_parse(&w, text, &err);
	if (rc != 0) {
		print_error("kpi_week_parse(\"%s\") = %d: %s\n", text, rc, err.message);
		fail();
	}
	return w;
}

static void assert_week(kpi_week w, int year, int week)
{
	if (w.year != year || w.week != week) {
		print_error("week %04d-W%02d, expected %04d-W%02d\n", w.year, w.week, year, week);
		fail();
	}
}

/* ---- kpi_week_parse / kpi_week_format / kpi_week_count ---- */

static void test_week_parse__accepts_canonical_form(void **state)
{
	(void)state;
	assert_week(parse_ok("2026-W07"), 2026, 7);
	assert_week(parse_ok("2026-W01"), 2026, 1);
	assert_week(parse_ok("2025-W52"), 2025, 52);
}

static void test_week_parse__accepts_week_53_of_53_week_year(void **state)
{
	(void)state;
	assert_week(parse_ok("2026-W53"), 2026, 53);
	assert_week(parse_ok("2020-W53"), 2020, 53);
}

static void test_week_parse__rejects_week_53_of_52_week_year(void **state)
{
	kpi_week w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_week_parse(&w, "2025-W53", &err), KPI_EUSAGE);
	assert_contains(err.message, "2025-W53");
	expect_week_parse_rejected("2021-W53");
}

static void test_week_parse__rejects_missing_dash(void **state)
{
	(void)state;
	expect_week_parse_rejected("2026W07");
	expect_week_parse_rejected("2026-07");
}

static void test_week_parse__rejects_single_digit_week(void **state)
{
	(void)state;
	expect_week_parse_rejected("2026-W7");
}

static void test_week_parse__rejects_week_00_and_54(void **state)
{
	(void)state;
	expect_week_parse_rejected("2026-W00");
	expect_week_parse_rejected("2026-W54");
	expect_week_parse_rejected("2026-W99");
}

/* The messages say what is wrong, on one line (issue 17). */
static void test_week_parse__messages_are_exact_and_one_line(void **state)
{
	kpi_week w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_week_parse(&w, "2026-W00", &err), KPI_EUSAGE);
	assert_string_equal(err.message, "week '2026-W00': ISO weeks are numbered from 01 (2026 has 01 to 53)");
	assert_int_equal(kpi_week_parse(&w, "1970-W01", &err), KPI_EUSAGE);
	assert_string_equal(err.message, "week '1970-W01': year 1970 out of range: kpi reads years 1971 to 9998 "
	                                 "(timestamps start at 1970-01-01, the Unix epoch)");
	assert_int_equal(kpi_week_parse(&w, "9999-W01", &err), KPI_EUSAGE);
	assert_contains(err.message, "year 9999 out of range: kpi reads years 1971 to 9998");
	assert_int_equal(kpi_week_parse(&w, "2025-W53", &err), KPI_EUSAGE);
	assert_string_equal(err.message, "week '2025-W53': 2025 has 52 ISO weeks");
	/* a newline or another control character is escaped: one line */
	assert_int_equal(kpi_week_parse(&w, "2026-W0\n7", &err), KPI_EUSAGE);
	assert_string_equal(err.message, "malformed week '2026-W0\\n7': expected YYYY-Www, e.g. 2026-W07");
	assert_int_equal(kpi_week_parse(&w, "2026\x1b[2J\r\t", &err), KPI_EUSAGE);
	assert_string_equal(err.message, "malformed week '2026\\x1b[2J\\r\\t': expected YYYY-Www, e.g. 2026-W07");
	/* and a wrapped message too */
	kpi_error_wrap(&err, "config 'a\nb'");
	assert_null(strchr(err.message, '\n'));
	assert_contains(err.message, "config 'a\\nb': malformed week");
	/* UTF-8 stays as it is */
	assert_int_equal(kpi_week_parse(&w, "2026-Wé", &err), KPI_EUSAGE);
	assert_contains(err.message, "'2026-Wé'");
}

static void test_week_parse__rejects_trailing_and_leading_junk(void **state)
{
	(void)state;
	expect_week_parse_rejected("2026-W07x");
	expect_week_parse_rejected("2026-W07 ");
	expect_week_parse_rejected("2026-W07\n");
	expect_week_parse_rejected("2026-W070");
	expect_week_parse_rejected(" 2026-W07");
	expect_week_parse_rejected("2026-W0x");
	expect_week_parse_rejected("20a6-W07");
	expect_week_parse_rejected("2026-X07");
}

static void test_week_parse__rejects_empty_and_null(void **state)
{
	(void)state;
	expect_week_parse_rejected("");
	expect_week_parse_rejected(NULL);
}

static void test_week_format__zero_pads_week(void **state)
{
	char buf[16];
	kpi_week w = { 2026, 7 };
	(void)state;
	assert_string_equal(kpi_week_format(buf, sizeof(buf), w), "2026-W07");
	w.week = 53;
	assert_string_equal(kpi_week_format(buf, sizeof(buf), w), "2026-W53");
}

static void test_week_format__round_trips_through_parse(void **state)
{
	char buf[16];
	(void)state;
	for (int y = 2019; y <= 2028; y++)
		for (int wk = 1; wk <= kpi_week_count(y); wk++) {
			kpi_week w = { y, wk };
			assert_week(parse_ok(kpi_week_format(buf, sizeof(buf), w)), y, wk);
		}
}

static void test_week_count__matches_iso_rule_for_1971_to_2100(void **state)
{
	(void)state;
	/* 53 weeks iff the next year's week 1 starts 53 weeks after this one's. */
	for (int y = 1971; y <= 2100; y++) {
		int64_t span = iso_monday_utc(y + 1, 1) - iso_monday_utc(y, 1);
		int want = (int)(span / (7 * 86400));
		if (kpi_week_count(y) != want) {
			print_error("kpi_week_count(%d) = %d, expected %d\n", y, kpi_week_count(y), want);
			fail();
		}
	}
	assert_int_equal(kpi_week_count(2025), 52);
	assert_int_equal(kpi_week_count(2026), 53);
	assert_int_equal(kpi_week_count(2020), 53);
}

/* ---- kpi_week_add / kpi_week_cmp ---- */

static void test_week_add__crosses_into_next_year_after_week_53(void **state)
{
	kpi_week w = { 2026, 53 };
	(void)state;
	assert_week(kpi_week_add(w, 1), 2027, 1);
	assert_week(kpi_week_add(w, 0), 2026, 53);
	assert_week(kpi_week_add((kpi_week){ 2025, 52 }, 1), 2026, 1);
}

static void test_week_add__crosses_into_previous_year_with_53_weeks(void **state)
{
	(void)state;
	assert_week(kpi_week_add((kpi_week){ 2021, 1 }, -1), 2020, 53);
	assert_week(kpi_week_add((kpi_week){ 2026, 1 }, -1), 2025, 52);
}

static void test_week_add__moves_by_seven_days_per_week(void **state)
{
	kpi_week base = { 2024, 30 };
	(void)state;
	for (int d = -300; d <= 300; d++) {
		kpi_week w = kpi_week_add(base, d);
		int64_t want = iso_monday_utc(base.year, base.week) + (int64_t)d * 7 * 86400;
		if (iso_monday_utc(w.year, w.week) != want || w.week < 1 || w.week > kpi_week_count(w.year)) {
			print_error("2024-W30 %+d gave %04d-W%02d\n", d, w.year, w.week);
			fail();
		}
		assert_week(kpi_week_add(w, -d), 2024, 30);
	}
}

static void test_week_cmp__orders_by_year_then_week(void **state)
{
	(void)state;
	assert_true(kpi_week_cmp((kpi_week){ 2026, 53 }, (kpi_week){ 2027, 1 }) < 0);
	assert_true(kpi_week_cmp((kpi_week){ 2027, 1 }, (kpi_week){ 2026, 53 }) > 0);
	assert_true(kpi_week_cmp((kpi_week){ 2026, 7 }, (kpi_week){ 2026, 8 }) < 0);
	assert_int_equal(kpi_week_cmp((kpi_week){ 2026, 7 }, (kpi_week){ 2026, 7 }), 0);
}

/* ---- kpi_week_of ---- */

static kpi_week week_of(int64_t t, const char *tz)
{
	kpi_week w = { 0, 0 };
	kpi_error err = KPI_ERROR_INIT;
	int rc = kpi_week_of(&w, t, tz, &err);
	if (rc != 0) {
		print_error("kpi_week_of(%lld, %s) = %d: %s\n", (long long)t, tz, rc, err.message);
		fail();
	}
	return w;
}

static void test_week_of__new_years_day_2027_is_in_2026_w53(void **state)
{
	(void)state;
	assert_week(week_of(utc(2027, 1, 1, 0, 0, 0), "UTC"), 2026, 53);
	assert_week(week_of(utc(2026, 12, 31, 23, 59, 59), "UTC"), 2026, 53);
	assert_week(week_of(utc(2027, 1, 3, 23, 59, 59), "UTC"), 2026, 53);
	assert_week(week_of(utc(2027, 1, 4, 0, 0, 0), "UTC"), 2027, 1);
}

static void test_week_of__2024_12_30_is_in_2025_w01(void **state)
{
	(void)state;
	assert_week(week_of(utc(2024, 12, 30, 0, 0, 0), "UTC"), 2025, 1);
	assert_week(week_of(utc(2024, 12, 29, 23, 59, 59), "UTC"), 2024, 52);
	assert_week(week_of(utc(2021, 1, 3, 12, 0, 0), "UTC"), 2020, 53);
}

static void test_week_of__uses_local_date_of_the_zone(void **state)
{
	int64_t t = utc(2027, 1, 3, 23, 30, 0); /* Sunday in UTC, Monday 00:30 in Berlin */
	(void)state;
	assert_week(week_of(t, "UTC"), 2026, 53);
	assert_week(week_of(t, "Europe/Berlin"), 2027, 1);
	t = utc(2027, 1, 4, 3, 0, 0); /* Monday in UTC, Sunday 22:00 in New York */
	assert_week(week_of(t, "UTC"), 2027, 1);
	assert_week(week_of(t, "America/New_York"), 2026, 53);
}

static void test_week_of__rejects_unknown_zone(void **state)
{
	kpi_week w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_week_of(&w, 0, "Mars/Olympus_Mons", &err), KPI_ECONFIG);
	assert_contains(err.message, "Mars/Olympus_Mons");
}

static void test_week_of__does_not_leak_zone_into_process(void **state)
{
	kpi_week w;
	const char *tz;
	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	assert_int_equal(kpi_week_of(&w, 0, "Europe/Berlin", NULL), 0);
	tz = getenv("TZ");
	assert_non_null(tz);
	assert_string_equal(tz, "Asia/Tokyo");
	unsetenv("TZ");
	assert_int_equal(kpi_week_of(&w, 0, "Europe/Berlin", NULL), 0);
	assert_null(getenv("TZ"));
	tzset();
}

/* ---- kpi_week_bounds / kpi_tz_check ---- */

static void test_week_bounds__utc_week_is_monday_to_monday(void **state)
{
	int64_t s = 0, e = 0;
	(void)state;
	assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ 2026, 7 }, "UTC", NULL), 0);
	assert_true(s == utc(2026, 2, 9, 0, 0, 0));
	assert_true(e == utc(2026, 2, 16, 0, 0, 0));
}

static void test_week_bounds__utc_matches_iso_rule_for_every_week_2015_2030(void **state)
{
	(void)state;
	for (int y = 2015; y <= 2030; y++)
		for (int wk = 1; wk <= kpi_week_count(y); wk++) {
			int64_t s = 0, e = 0;
			assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ y, wk }, "UTC", NULL), 0);
			if (s != iso_monday_utc(y, wk) || e - s != 7 * 86400) {
				print_error("%04d-W%02d: [%lld, %lld)\n", y, wk, (long long)s, (long long)e);
				fail();
			}
		}
}

static void test_week_bounds__berlin_autumn_dst_week_lasts_7_days_1_hour(void **state)
{
	int64_t s = 0, e = 0;
	(void)state;
	/* 2026-W43 is Mon 2026-10-19 .. Mon 2026-10-26; CEST ends on Sun 10-25. */
	assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ 2026, 43 }, "Europe/Berlin", NULL), 0);
	assert_true(s == utc(2026, 10, 18, 22, 0, 0)); /* 00:00 CEST = 22:00Z */
	assert_true(e == utc(2026, 10, 25, 23, 0, 0)); /* 00:00 CET = 23:00Z */
	assert_true(e - s == 7 * 86400 + 3600);
}

static void test_week_bounds__berlin_week_without_dst_change_is_offset_one_hour(void **state)
{
	int64_t s = 0, e = 0;
	(void)state;
	assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ 2026, 7 }, "Europe/Berlin", NULL), 0);
	assert_true(s == utc(2026, 2, 8, 23, 0, 0));
	assert_true(e - s == 7 * 86400);
}

static void test_week_bounds__new_york_spring_dst_week_lasts_7_days_minus_1_hour(void **state)
{
	int64_t s = 0, e = 0;
	(void)state;
	/* 2026-W10 is Mon 03-02 .. Mon 03-09; EDT starts on Sun 2026-03-08. */
	assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ 2026, 10 }, "America/New_York", NULL), 0);
	assert_true(s == utc(2026, 3, 2, 5, 0, 0)); /* 00:00 EST = 05:00Z */
	assert_true(e == utc(2026, 3, 9, 4, 0, 0)); /* 00:00 EDT = 04:00Z */
	assert_true(e - s == 7 * 86400 - 3600);
}

static void test_week_bounds__accepts_null_out_pointers(void **state)
{
	int64_t s = 0, e = 0;
	(void)state;
	assert_int_equal(kpi_week_bounds(&s, NULL, (kpi_week){ 2026, 43 }, "Europe/Berlin", NULL), 0);
	assert_int_equal(kpi_week_bounds(NULL, &e, (kpi_week){ 2026, 43 }, "Europe/Berlin", NULL), 0);
	assert_true(e - s == 7 * 86400 + 3600);
	assert_int_equal(kpi_week_bounds(NULL, NULL, (kpi_week){ 2026, 43 }, "UTC", NULL), 0);
}

static void test_week_bounds__rejects_unknown_zone(void **state)
{
	int64_t s = 0, e = 0;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ 2026, 7 }, "Europe/Atlantis", &err),
	                 KPI_ECONFIG);
	assert_int_equal(err.code, KPI_ECONFIG);
	assert_contains(err.message, "Europe/Atlantis");
}

static void test_tz_check__accepts_iana_names_and_utc(void **state)
{
	(void)state;
	assert_int_equal(kpi_tz_check("UTC", NULL, NULL), 0);
	assert_int_equal(kpi_tz_check("Europe/Berlin", NULL, NULL), 0);
	assert_int_equal(kpi_tz_check("America/New_York", NULL, NULL), 0);
}

static void test_tz_check__rejects_unknown_empty_paths_and_directories(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_tz_check("Mars/Olympus_Mons", NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "Mars/Olympus_Mons");
	assert_int_equal(kpi_tz_check("", NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check(NULL, NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check("/etc/passwd", NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check("../../etc/passwd", NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check(":Europe/Berlin", NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check("Europe", NULL, NULL), KPI_ECONFIG); /* a directory */
}

static void test_tz_check__rejects_tz_database_files_that_are_not_zones(void **state)
{
	struct stat st;
	(void)state;
	if (stat("/usr/share/zoneinfo/zone.tab", &st) != 0)
		skip();
	/* zone.tab is a regular file of the tz directory, but a text table, not
	 * a TZif zone: with TZ=zone.tab the C library silently falls back to UTC. */
	assert_int_equal(kpi_tz_check("zone.tab", NULL, NULL), KPI_ECONFIG);
}

static void test_tz_check__rejects_posix_rules_and_offsets(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	/* No file of the database: a TZ rule or an offset must never become a
	 * zone (GLib would read "Foo5" as UTC-5). */
	assert_int_equal(kpi_tz_check("Foo5", NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "unknown time zone 'Foo5'");
	assert_int_equal(kpi_tz_check("CET-1CEST,M3.5.0,M10.5.0/3", NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check("+01:00", NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check("Z", NULL, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_week_bounds(NULL, NULL, (kpi_week){ 2026, 7 }, "Foo5", NULL), KPI_ECONFIG);
}

/* kpi_tz_check looks in the directory it is given: a copy of Berlin's file
 * there is a zone, a text file is not, and neither is in the system's. */
static void test_tz_check__uses_the_given_tz_directory(void **state)
{
	char dir[] = "/tmp/kpi-tzdir.XXXXXX", path[128];
	FILE *f;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Kpi_Test", dir);
	{
		FILE *in = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
		char buf[4096];
		size_t n;
		assert_non_null(in);
		assert_non_null(f = fopen(path, "wb"));
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			assert_int_equal(fwrite(buf, 1, n, f), n);
		fclose(in);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/notes.tab", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("# TZif is not at the start of this file\n", f);
	fclose(f);
	assert_int_equal(kpi_tz_check("Kpi_Test", dir, NULL), 0);
	assert_int_equal(kpi_tz_check("UTC", dir, NULL), 0);
	assert_int_equal(kpi_tz_check("Kpi_Test", NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "Kpi_Test");
	assert_int_equal(kpi_tz_check("notes.tab", dir, &err), KPI_ECONFIG);
	assert_contains(err.message, "unknown time zone 'notes.tab'");
	assert_int_equal(kpi_tz_check("Europe/Berlin", dir, NULL), KPI_ECONFIG);
	assert_int_equal(kpi_tz_check("../Kpi_Test", dir, NULL), KPI_ECONFIG);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Kpi_Test", dir);
	unlink(path);
	rmdir(dir);
}

/* Ireland keeps Irish Standard Time (+01) in summer and GMT in winter as a
 * "negative DST": its zone file's rule for the years after 2037 is
 * "IST-1GMT0,M10.5.0,M3.5.0/1". GLib misreads that rule's explicit zero
 * offset (GMT at +02); week.c restates it. The C library read it right, and
 * so must libkpi, also far beyond 2037. */
static void test_week_bounds__dublin_after_2037_winter_is_gmt(void **state)
{
	int64_t s = 0, e = 0;
	char buf[64];
	(void)state;
	/* 2038-W44: Mon 2038-11-01 .. Mon 11-08, GMT (IST ended Sun 10-31) */
	assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ 2038, 44 }, "Europe/Dublin", NULL), 0);
	assert_true(s == utc(2038, 11, 1, 0, 0, 0));
	assert_true(e == utc(2038, 11, 8, 0, 0, 0));
	assert_string_equal(kpi_time_format_local(buf, sizeof(buf), s, "Europe/Dublin"), "2038-11-01 00:00 GMT");
	/* 2038-W43 ends at the change back to GMT: 7 days + 1 hour */
	assert_int_equal(kpi_week_bounds(&s, &e, (kpi_week){ 2038, 43 }, "Europe/Dublin", NULL), 0);
	assert_true(s == utc(2038, 10, 24, 23, 0, 0));
	assert_true(e - s == 7 * 86400 + 3600);
	/* summer 2039 is IST, winter 2039/40 GMT, and again in 2100 */
	assert_string_equal(kpi_time_format_local(buf, sizeof(buf), utc(2039, 7, 1, 12, 0, 0), "Europe/Dublin"),
	                    "2039-07-01 13:00 IST");
	assert_string_equal(kpi_time_format_local(buf, sizeof(buf), utc(2039, 12, 20, 12, 0, 0), "Europe/Dublin"),
	                    "2039-12-20 12:00 GMT");
	assert_string_equal(kpi_time_format_local(buf, sizeof(buf), utc(2100, 1, 4, 0, 30, 0), "Europe/Dublin"),
	                    "2100-01-04 00:30 GMT");
	assert_string_equal(kpi_time_format_date(buf, sizeof(buf), utc(2040, 3, 25, 0, 59, 59), "Europe/Dublin"),
	                    "2040-03-25");
	assert_string_equal(kpi_time_format_local(buf, sizeof(buf), utc(2040, 3, 25, 1, 0, 0), "Europe/Dublin"),
	                    "2040-03-25 02:00 IST");
	/* and before 2038 (the file's own transitions) as ever */
	assert_int_equal(kpi_week_bounds(&s, NULL, (kpi_week){ 2026, 44 }, "Europe/Dublin", NULL), 0);
	assert_true(s == utc(2026, 10, 26, 0, 0, 0));
}

/* The right/ zones of the database count leap seconds in the instant (as a
 * clock that includes them would). libkpi's instants are POSIX time, as
 * PostgreSQL's and the system clock's are: with TZ=right/Europe/Berlin the C
 * library put every week start 27 s late (Monday 00:00:27 in 2026), counting
 * the first seconds of Monday into the week before, and Debian's right/ files
 * have no rule after the leap second list expires (mid-2026: DST never ends
 * again). Such a zone is refused, not silently a little wrong. */
static void test_tz_check__rejects_leap_second_zones(void **state)
{
	struct stat st;
	kpi_error err = KPI_ERROR_INIT;
	int64_t s = 0;
	(void)state;
	if (stat("/usr/share/zoneinfo/right/Europe/Berlin", &st) != 0)
		skip();
	assert_int_equal(kpi_tz_check("right/Europe/Berlin", NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "'right/Europe/Berlin' counts leap seconds");
	assert_contains(err.message, "outside right/");
	assert_int_equal(kpi_week_bounds(&s, NULL, (kpi_week){ 2026, 43 }, "right/UTC", &err), KPI_ECONFIG);
	assert_contains(err.message, "right/UTC");
	assert_int_equal(kpi_tz_check("Europe/Berlin", NULL, NULL), 0);
}

/* ---- several threads at once ----
 *
 * The conversions keep no state and touch no process-wide setting (the C
 * library's TZ, which an earlier version switched around each call): threads
 * converting weeks of different zones at the same time get exactly what one
 * thread gets. Run under ThreadSanitizer too (scripts/test, build-tsan/). */

#define MT_THREADS 8
#define MT_ROUNDS 1

static const char *const mt_zones[] = {
	"Europe/Berlin",    "America/New_York", "Australia/Lord_Howe", /* DST of 30 min */
	"Asia/Kolkata",     "Pacific/Chatham",  /* +12:45/+13:45 */
	"America/Sao_Paulo", "Europe/Dublin",   "UTC",
};
#define MT_NZONES (sizeof(mt_zones) / sizeof(mt_zones[0]))
#define MT_FIRST_YEAR 2025
#define MT_YEARS 2

typedef struct mt_case {
	const char *tz;
	kpi_week week, prev;
	int64_t start, end;
	char monday[16], sunday[16], local[48];
} mt_case;

typedef struct mt_run {
	const mt_case *cases;
	size_t ncases, first, count;
	bool held; /* the zones are held by the main thread (loaded once) */
	pthread_barrier_t *go;
	int failures;
	char first_failure[256];
} mt_run;

static void mt_fail(mt_run *r, const mt_case *c, const char *what)
{
	char w[16];
	if (!r->failures++)
		snprintf(r->first_failure, sizeof(r->first_failure), "%s %s: %s", c->tz,
		         kpi_week_format(w, sizeof(w), c->week), what);
}

static void *mt_worker(void *arg)
{
	mt_run *r = arg;
	pthread_barrier_wait(r->go);
	for (int round = 0; round < MT_ROUNDS; round++)
		for (size_t k = 0; k < r->count; k++) {
			/* each thread starts elsewhere: different zones at the same time */
			const mt_case *c = &r->cases[(r->first + k) % r->ncases];
			int64_t s = 0, e = 0;
			kpi_week w = { 0, 0 };
			char buf[64];

			if (kpi_week_bounds(&s, &e, c->week, c->tz, NULL) || s != c->start || e != c->end)
				mt_fail(r, c, "kpi_week_bounds");
			if (kpi_week_of(&w, c->start, c->tz, NULL) || kpi_week_cmp(w, c->week) != 0)
				mt_fail(r, c, "kpi_week_of(start)");
			if (kpi_week_of(&w, c->start - 1, c->tz, NULL) || kpi_week_cmp(w, c->prev) != 0)
				mt_fail(r, c, "kpi_week_of(start - 1)");
			if (strcmp(kpi_time_format_date(buf, sizeof(buf), c->start, c->tz), c->monday) != 0 ||
			    strcmp(kpi_time_format_date(buf, sizeof(buf), c->start - 1, c->tz), c->sunday) != 0)
				mt_fail(r, c, "kpi_time_format_date");
			if (strcmp(kpi_time_format_local(buf, sizeof(buf), c->start, c->tz), c->local) != 0)
				mt_fail(r, c, "kpi_time_format_local");
		}
	return NULL;
}

/* Run the cases on MT_THREADS threads, each taking `per_thread` of them. */
static void mt_run_threads(const mt_case *cases, size_t ncases, size_t per_thread, bool held)
{
	pthread_t th[MT_THREADS];
	mt_run runs[MT_THREADS];
	pthread_barrier_t go;

	assert_int_equal(pthread_barrier_init(&go, NULL, MT_THREADS), 0);
	for (int i = 0; i < MT_THREADS; i++) {
		runs[i] = (mt_run){ cases, ncases, (size_t)i * ncases / MT_THREADS, per_thread, held, &go, 0, "" };
		assert_int_equal(pthread_create(&th[i], NULL, mt_worker, &runs[i]), 0);
	}
	for (int i = 0; i < MT_THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&go);
	for (int i = 0; i < MT_THREADS; i++)
		if (runs[i].failures) {
			print_error("thread %d (%s): %d failures, first: %s\n", i, held ? "zones held" : "zones loaded per call",
			            runs[i].failures, runs[i].first_failure);
			fail();
		}
}

static void test_week__threads_convert_weeks_of_several_zones_at_once(void **state)
{
	size_t n = 0, cap = MT_NZONES * (size_t)MT_YEARS * 53;
	mt_case *cases = calloc(cap, sizeof(*cases));
	kpi__tz *held[MT_NZONES];
	(void)state;
	assert_non_null(cases);
	/* The expectations, from one thread, checked against the calendar: a week
	 * starts on its Monday (local date) and the instant before is Sunday's. */
	for (size_t z = 0; z < MT_NZONES; z++)
		for (int y = MT_FIRST_YEAR; y < MT_FIRST_YEAR + MT_YEARS; y++)
			for (int wk = 1; wk <= kpi_week_count(y); wk++) {
				mt_case *c = &cases[n++];
				int64_t monday = iso_monday_utc(y, wk);
				time_t t;
				struct tm tm;
				c->tz = mt_zones[z];
				c->week = (kpi_week){ y, wk };
				c->prev = kpi_week_add(c->week, -1);
				assert_int_equal(kpi_week_bounds(&c->start, &c->end, c->week, c->tz, NULL), 0);
				kpi_time_format_local(c->local, sizeof(c->local), c->start, c->tz);
				t = (time_t)monday;
				gmtime_r(&t, &tm);
				strftime(c->monday, sizeof(c->monday), "%Y-%m-%d", &tm);
				t = (time_t)(monday - 86400);
				gmtime_r(&t, &tm);
				strftime(c->sunday, sizeof(c->sunday), "%Y-%m-%d", &tm);
				assert_true(c->end - c->start >= 7 * 86400 - 3600 && c->end - c->start <= 7 * 86400 + 3600);
				assert_non_null(strstr(c->local, " 00:00 ")); /* no gap at midnight in these */
			}
	/* Every case on every thread, the zones held (loaded once, one object
	 * shared by all threads), then a few per thread with each call loading and
	 * releasing its zone (GLib's table of loaded zones changing under them). */
	for (size_t z = 0; z < MT_NZONES; z++)
		assert_int_equal(kpi__tz_hold(&held[z], mt_zones[z], NULL), 0);
	mt_run_threads(cases, n, n, true);
	for (size_t z = 0; z < MT_NZONES; z++)
		kpi__tz_release(held[z]);
	mt_run_threads(cases, n, 12, false);
	free(cases);
}

/* ---- kpi_window_init_range ---- */

static void test_window_init_range__one_period_as_of_its_end(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	int64_t now = utc(2026, 2, 18, 12, 30, 0);
	(void)state;
	assert_int_equal(kpi_window_init_range(&w, now - 3600, now, "UTC", &err), 0);
	assert_int_equal(w.nweeks, 1);
	assert_true(w.from == now - 3600);
	assert_true(w.starts[0] == now - 3600);
	assert_true(w.starts[1] == now);
	assert_true(w.to == now);
	assert_true(w.as_of == now);
	assert_false(w.partial);
	assert_week(w.first, 2026, 8);
	assert_week(w.last, 2026, 8);
	assert_string_equal(w.tz, "UTC");
	assert_int_equal(kpi_window_index(&w, now - 3600), 0);
	assert_int_equal(kpi_window_index(&w, now), -1);
}

static void test_window_init_range__week_of_from_follows_the_zone(void **state)
{
	kpi_window w;
	/* Sunday 2026-02-15 23:30 UTC is Monday 00:30 in Berlin: W08 there, W07 in UTC. */
	int64_t from = utc(2026, 2, 15, 23, 30, 0);
	(void)state;
	assert_int_equal(kpi_window_init_range(&w, from, from + 86400, "Europe/Berlin", NULL), 0);
	assert_week(w.first, 2026, 8);
	assert_int_equal(kpi_window_init_range(&w, from, from + 86400, "UTC", NULL), 0);
	assert_week(w.first, 2026, 7);
}

static void test_window_init_range__accepts_exactly_one_week(void **state)
{
	kpi_window w;
	int64_t to = utc(2026, 2, 18, 0, 0, 0);
	(void)state;
	assert_int_equal(kpi_window_init_range(&w, to - 7 * 86400, to, "UTC", NULL), 0);
	assert_true(w.starts[1] - w.starts[0] == 7 * 86400);
}

static void test_window_init_range__rejects_empty_reversed_and_longer_than_a_week(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	int64_t to = utc(2026, 2, 18, 0, 0, 0);
	(void)state;
	assert_int_equal(kpi_window_init_range(&w, to, to, "UTC", &err), KPI_EUSAGE);
	assert_contains(err.message, "2026-02-18T00:00:00Z");
	assert_int_equal(kpi_window_init_range(&w, to + 1, to, "UTC", NULL), KPI_EUSAGE);
	assert_int_equal(kpi_window_init_range(&w, to - 7 * 86400 - 1, to, "UTC", &err), KPI_EUSAGE);
	assert_contains(err.message, "one week");
	assert_int_equal(kpi_window_init_range(&w, to - 60, to, "Nowhere/Atlantis", &err), KPI_ECONFIG);
}

/* ---- kpi_window_init ---- */

/* Wednesday 2026-02-18 12:00 UTC: inside 2026-W08. */
#define NOW_W08 utc(2026, 2, 18, 12, 0, 0)

static void test_window_init__last_is_previous_complete_week(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "last", 1, "UTC", NOW_W08, &err), 0);
	assert_week(w.last, 2026, 7);
	assert_week(w.first, 2026, 7);
	assert_int_equal(w.nweeks, 1);
	assert_true(w.from == utc(2026, 2, 9, 0, 0, 0));
	assert_true(w.to == utc(2026, 2, 16, 0, 0, 0));
	assert_true(w.as_of == w.to);
	assert_false(w.partial);
	assert_string_equal(w.tz, "UTC");
}

static void test_window_init__current_is_partial_as_of_now(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "current", 1, "UTC", NOW_W08, &err), 0);
	assert_week(w.last, 2026, 8);
	assert_true(w.from == utc(2026, 2, 16, 0, 0, 0));
	assert_true(w.to == utc(2026, 2, 23, 0, 0, 0));
	assert_true(w.as_of == NOW_W08);
	assert_true(w.partial);
}

static void test_window_init__explicit_week_with_several_weeks_oldest_first(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "2026-W02", 4, "UTC", NOW_W08, &err), 0);
	assert_week(w.first, 2025, 51);
	assert_week(w.last, 2026, 2);
	assert_int_equal(w.nweeks, 4);
	for (int i = 0; i <= 4; i++)
		assert_true(w.starts[i] == iso_monday_utc(2025, 51) + (int64_t)i * 7 * 86400);
	assert_true(w.from == w.starts[0]);
	assert_true(w.to == w.starts[4]);
	assert_true(w.as_of == w.to);
	assert_false(w.partial);
	assert_int_equal(kpi_window_index(&w, w.starts[2]), 2);
	assert_int_equal(kpi_window_index(&w, w.starts[4]), -1);
	assert_int_equal(kpi_window_index(&w, w.starts[0] + 1), -1);
}

static void test_window_init__explicit_current_week_is_partial(void **state)
{
	kpi_window w;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "2026-W08", 2, "UTC", NOW_W08, NULL), 0);
	assert_true(w.partial);
	assert_true(w.as_of == NOW_W08);
	assert_true(w.to == utc(2026, 2, 23, 0, 0, 0));
}

static void test_window_init__week_starting_exactly_now_has_started(void **state)
{
	kpi_window w;
	int64_t monday = utc(2026, 2, 16, 0, 0, 0);
	(void)state;
	assert_int_equal(kpi_window_init(&w, "current", 1, "UTC", monday, NULL), 0);
	assert_week(w.last, 2026, 8);
	assert_true(w.partial);
	assert_true(w.as_of == monday);
	assert_int_equal(kpi_window_init(&w, "last", 1, "UTC", monday, NULL), 0);
	assert_week(w.last, 2026, 7);
	assert_false(w.partial);
	assert_true(w.as_of == monday);
}

static void test_window_init__rejects_week_that_has_not_started(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "2026-W09", 1, "UTC", NOW_W08, &err), KPI_EUSAGE);
	assert_contains(err.message, "2026-W09");
	assert_int_equal(kpi_window_init(&w, "2027-W01", 3, "UTC", NOW_W08, NULL), KPI_EUSAGE);
}

static void test_window_init__rejects_weeks_outside_1_to_60(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "last", 0, "UTC", NOW_W08, &err), KPI_EUSAGE);
	assert_int_equal(kpi_window_init(&w, "last", -1, "UTC", NOW_W08, NULL), KPI_EUSAGE);
	assert_int_equal(kpi_window_init(&w, "last", KPI_MAX_WEEKS + 1, "UTC", NOW_W08, &err),
	                 KPI_EUSAGE);
	assert_contains(err.message, "61");
	assert_int_equal(KPI_MAX_WEEKS, 60);
}

static void test_window_init__accepts_60_weeks_across_year_boundary(void **state)
{
	kpi_window w;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "2026-W07", KPI_MAX_WEEKS, "UTC", NOW_W08, NULL), 0);
	assert_int_equal(w.nweeks, 60);
	/* 2026-W07 minus 59 weeks: 2025 has 52 weeks, so 2024-W52. */
	assert_week(w.first, 2024, 52);
	for (int i = 0; i < 60; i++)
		assert_true(w.starts[i + 1] - w.starts[i] == 7 * 86400);
	assert_true(w.starts[0] == iso_monday_utc(2024, 52));
}

static void test_window_init__rejects_malformed_week_and_unknown_zone(void **state)
{
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "2026-W7", 1, "UTC", NOW_W08, &err), KPI_EUSAGE);
	assert_int_equal(kpi_window_init(&w, "yesterday", 1, "UTC", NOW_W08, NULL), KPI_EUSAGE);
	assert_int_equal(kpi_window_init(&w, "last", 1, "Mars/Base", NOW_W08, &err), KPI_ECONFIG);
	assert_contains(err.message, "Mars/Base");
}

static void test_window_init__last_follows_the_zone_calendar(void **state)
{
	kpi_window w;
	/* Sunday 23:30 UTC = Monday 00:30 in Berlin: W08 has begun there. */
	int64_t now = utc(2026, 2, 15, 23, 30, 0);
	(void)state;
	assert_int_equal(kpi_window_init(&w, "last", 1, "UTC", now, NULL), 0);
	assert_week(w.last, 2026, 6);
	assert_int_equal(kpi_window_init(&w, "last", 1, "Europe/Berlin", now, NULL), 0);
	assert_week(w.last, 2026, 7);
	assert_true(w.to == utc(2026, 2, 15, 23, 0, 0));
	assert_false(w.partial);
	assert_string_equal(w.tz, "Europe/Berlin");
}

static void test_window_init__starts_follow_dst_in_berlin(void **state)
{
	kpi_window w;
	(void)state;
	assert_int_equal(kpi_window_init(&w, "2026-W44", 2, "Europe/Berlin", utc(2027, 1, 1, 0, 0, 0), NULL), 0);
	assert_week(w.first, 2026, 43);
	assert_true(w.starts[0] == utc(2026, 10, 18, 22, 0, 0));
	assert_true(w.starts[1] == utc(2026, 10, 25, 23, 0, 0));
	assert_true(w.starts[2] == utc(2026, 11, 1, 23, 0, 0));
}

/* ---- kpi_time_parse / kpi_time_format ---- */

static int64_t parse_time_ok(const char *text)
{
	int64_t t = 0;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_time_parse(&t, text, &err) != 0) {
		print_error("kpi_time_parse(\"%s\"): %s\n", text, err.message);
		fail();
	}
	return t;
}

static void expect_time_rejected(const char *text)
{
	int64_t t = 0;
	kpi_error err = KPI_ERROR_INIT;
	int rc = kpi_time_parse(&t, text, &err);
	if (rc != KPI_EUSAGE) {
		print_error("kpi_time_parse(\"%s\") = %d (t=%lld), expected KPI_EUSAGE\n", text, rc,
		            (long long)t);
		fail();
	}
}

static void test_time_parse__utc_z(void **state)
{
	(void)state;
	assert_true(parse_time_ok("2026-11-16T09:30:00Z") == utc(2026, 11, 16, 9, 30, 0));
	assert_true(parse_time_ok("2026-11-16T09:30Z") == utc(2026, 11, 16, 9, 30, 0));
	assert_true(parse_time_ok("1970-01-01T00:00:00Z") == 0);
}

static void test_time_parse__offsets(void **state)
{
	(void)state;
	assert_true(parse_time_ok("2026-11-16T09:30:00+02:00") == utc(2026, 11, 16, 7, 30, 0));
	assert_true(parse_time_ok("2026-11-16T09:30:00-05:30") == utc(2026, 11, 16, 15, 0, 0));
	assert_true(parse_time_ok("2026-11-16T09:30:00+0530") == utc(2026, 11, 16, 4, 0, 0));
	assert_true(parse_time_ok("2026-11-16T00:30:00+01") == utc(2026, 11, 15, 23, 30, 0));
}

static void test_time_parse__fractional_seconds_are_truncated(void **state)
{
	(void)state;
	assert_true(parse_time_ok("2026-11-16T09:30:00.999Z") == utc(2026, 11, 16, 9, 30, 0));
	assert_true(parse_time_ok("2026-11-16T09:30:59.123456+00:00") == utc(2026, 11, 16, 9, 30, 59));
}

static void test_time_parse__bare_date_is_utc_midnight(void **state)
{
	(void)state;
	assert_true(parse_time_ok("2024-02-29") == utc(2024, 2, 29, 0, 0, 0));
}

static void test_time_parse__rejects_malformed(void **state)
{
	(void)state;
	expect_time_rejected("");
	expect_time_rejected(NULL);
	expect_time_rejected("2026-11-16T09:30:00");  /* no zone */
	expect_time_rejected("2026-11-16T09:30:00Zx"); /* trailing junk */
	expect_time_rejected("2026-11-16 junk");
	expect_time_rejected("2026-13-01");
	expect_time_rejected("2026-00-10");
	expect_time_rejected("2026-11-32");
	expect_time_rejected("2026-11-16T24:00:00Z");
	expect_time_rejected("2026-11-16T09:60:00Z");
	expect_time_rejected("2026-11-16T9:30:00Z");
	expect_time_rejected("26-11-16");
	expect_time_rejected("2026/11/16");
	expect_time_rejected("2026-11-16T09:30:00+2");
}

static void test_time_parse__rejects_day_beyond_end_of_month(void **state)
{
	(void)state;
	/* Day 31 is checked, but not the month's real length. */
	expect_time_rejected("2026-02-30");
	expect_time_rejected("2026-02-29"); /* 2026 is not a leap year */
	expect_time_rejected("2026-04-31T00:00:00Z");
}

static void test_time_parse__rejects_out_of_range_offset(void **state)
{
	(void)state;
	/* "+99:99" would silently move the instant by more than four days. */
	expect_time_rejected("2026-11-16T09:30:00+99:99");
	expect_time_rejected("2026-11-16T09:30:00+02:60");
}

static void test_time_parse__rejects_dangling_colon_and_empty_fraction(void **state)
{
	(void)state;
	expect_time_rejected("2026-11-16T09:30:00+02:");
	expect_time_rejected("2026-11-16T09:30:00.Z");
}

static void test_time_format__iso_utc_with_z(void **state)
{
	char buf[32];
	(void)state;
	assert_string_equal(kpi_time_format(buf, sizeof(buf), utc(2026, 11, 16, 0, 0, 0)),
	                    "2026-11-16T00:00:00Z");
	assert_string_equal(kpi_time_format(buf, sizeof(buf), 0), "1970-01-01T00:00:00Z");
	assert_string_equal(kpi_time_format(buf, sizeof(buf), -1), "1969-12-31T23:59:59Z");
	assert_string_equal(kpi_time_format(buf, sizeof(buf), utc(2024, 2, 29, 23, 59, 58)),
	                    "2024-02-29T23:59:58Z");
}

static void test_time_format__extreme_instants_stay_defined(void **state)
{
	/* An answer's time never reaches here unchecked (sources/answer.h), but
	 * the conversions themselves must not overflow for any int64. */
	static const int64_t ts[] = { INT64_MAX, INT64_MIN, INT64_MAX - 86399, INT64_MIN + 1, (int64_t)1 << 62,
		                      -((int64_t)1 << 62) };
	char buf[64];
	kpi_week w;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		assert_non_null(kpi_time_format(buf, sizeof(buf), ts[i]));
		assert_non_null(kpi_time_format_local(buf, sizeof(buf), ts[i], "Europe/Berlin"));
		assert_non_null(kpi_time_format_date(buf, sizeof(buf), ts[i], "America/New_York"));
		assert_int_equal(kpi_week_of(&w, ts[i], "Europe/Berlin", &err), 0);
		assert_int_equal(kpi_week_of(&w, ts[i], "UTC", &err), 0);
	}
}

static void test_time_format__round_trips_through_parse(void **state)
{
	char buf[32];
	(void)state;
	for (int64_t t = utc(2019, 12, 28, 0, 0, 0); t < utc(2021, 1, 5, 0, 0, 0); t += 86400 * 3 + 3607)
		assert_true(parse_time_ok(kpi_time_format(buf, sizeof(buf), t)) == t);
}

static void test_time_format_date__uses_zone_calendar(void **state)
{
	char buf[16];
	int64_t t = utc(2026, 10, 25, 22, 30, 0); /* 23:30 CET in Berlin */
	(void)state;
	assert_string_equal(kpi_time_format_date(buf, sizeof(buf), t, "UTC"), "2026-10-25");
	assert_string_equal(kpi_time_format_date(buf, sizeof(buf), t + 3600, "Europe/Berlin"),
	                    "2026-10-26");
	assert_string_equal(kpi_time_format_date(buf, sizeof(buf), t, "America/New_York"), "2026-10-25");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_week_parse__accepts_canonical_form),
		cmocka_unit_test(test_week_parse__accepts_week_53_of_53_week_year),
		cmocka_unit_test(test_week_parse__rejects_week_53_of_52_week_year),
		cmocka_unit_test(test_week_parse__rejects_missing_dash),
		cmocka_unit_test(test_week_parse__rejects_single_digit_week),
		cmocka_unit_test(test_week_parse__rejects_week_00_and_54),
		cmocka_unit_test(test_week_parse__messages_are_exact_and_one_line),
		cmocka_unit_test(test_week_parse__rejects_trailing_and_leading_junk),
		cmocka_unit_test(test_week_parse__rejects_empty_and_null),
		cmocka_unit_test(test_week_format__zero_pads_week),
		cmocka_unit_test(test_week_format__round_trips_through_parse),
		cmocka_unit_test(test_week_count__matches_iso_rule_for_1971_to_2100),
		cmocka_unit_test(test_week_add__crosses_into_next_year_after_week_53),
		cmocka_unit_test(test_week_add__crosses_into_previous_year_with_53_weeks),
		cmocka_unit_test(test_week_add__moves_by_seven_days_per_week),
		cmocka_unit_test(test_week_cmp__orders_by_year_then_week),
		cmocka_unit_test(test_week_of__new_years_day_2027_is_in_2026_w53),
		cmocka_unit_test(test_week_of__2024_12_30_is_in_2025_w01),
		cmocka_unit_test(test_week_of__uses_local_date_of_the_zone),
		cmocka_unit_test(test_week_of__rejects_unknown_zone),
		cmocka_unit_test(test_week_of__does_not_leak_zone_into_process),
		cmocka_unit_test(test_week_bounds__utc_week_is_monday_to_monday),
		cmocka_unit_test(test_week_bounds__utc_matches_iso_rule_for_every_week_2015_2030),
		cmocka_unit_test(test_week_bounds__berlin_autumn_dst_week_lasts_7_days_1_hour),
		cmocka_unit_test(test_week_bounds__berlin_week_without_dst_change_is_offset_one_hour),
		cmocka_unit_test(test_week_bounds__new_york_spring_dst_week_lasts_7_days_minus_1_hour),
		cmocka_unit_test(test_week_bounds__accepts_null_out_pointers),
		cmocka_unit_test(test_week_bounds__rejects_unknown_zone),
		cmocka_unit_test(test_tz_check__accepts_iana_names_and_utc),
		cmocka_unit_test(test_tz_check__rejects_unknown_empty_paths_and_directories),
		cmocka_unit_test(test_tz_check__rejects_tz_database_files_that_are_not_zones),
		cmocka_unit_test(test_tz_check__rejects_posix_rules_and_offsets),
		cmocka_unit_test(test_tz_check__uses_the_given_tz_directory),
		cmocka_unit_test(test_week_bounds__dublin_after_2037_winter_is_gmt),
		cmocka_unit_test(test_tz_check__rejects_leap_second_zones),
		cmocka_unit_test(test_week__threads_convert_weeks_of_several_zones_at_once),
		cmocka_unit_test(test_window_init__last_is_previous_complete_week),
		cmocka_unit_test(test_window_init__current_is_partial_as_of_now),
		cmocka_unit_test(test_window_init__explicit_week_with_several_weeks_oldest_first),
		cmocka_unit_test(test_window_init__explicit_current_week_is_partial),
		cmocka_unit_test(test_window_init__week_starting_exactly_now_has_started),
		cmocka_unit_test(test_window_init__rejects_week_that_has_not_started),
		cmocka_unit_test(test_window_init__rejects_weeks_outside_1_to_60),
		cmocka_unit_test(test_window_init__accepts_60_weeks_across_year_boundary),
		cmocka_unit_test(test_window_init__rejects_malformed_week_and_unknown_zone),
		cmocka_unit_test(test_window_init__last_follows_the_zone_calendar),
		cmocka_unit_test(test_window_init__starts_follow_dst_in_berlin),
		cmocka_unit_test(test_window_init_range__one_period_as_of_its_end),
		cmocka_unit_test(test_window_init_range__week_of_from_follows_the_zone),
		cmocka_unit_test(test_window_init_range__accepts_exactly_one_week),
		cmocka_unit_test(test_window_init_range__rejects_empty_reversed_and_longer_than_a_week),
		cmocka_unit_test(test_time_parse__utc_z),
		cmocka_unit_test(test_time_parse__offsets),
		cmocka_unit_test(test_time_parse__fractional_seconds_are_truncated),
		cmocka_unit_test(test_time_parse__bare_date_is_utc_midnight),
		cmocka_unit_test(test_time_parse__rejects_malformed),
		cmocka_unit_test(test_time_parse__rejects_day_beyond_end_of_month),
		cmocka_unit_test(test_time_parse__rejects_out_of_range_offset),
		cmocka_unit_test(test_time_parse__rejects_dangling_colon_and_empty_fraction),
		cmocka_unit_test(test_time_format__iso_utc_with_z),
		cmocka_unit_test(test_time_format__extreme_instants_stay_defined),
		cmocka_unit_test(test_time_format__round_trips_through_parse),
		cmocka_unit_test(test_time_format_date__uses_zone_calendar),
	};
	return cmocka_run_group_tests_name("week", tests, NULL, NULL);
}
