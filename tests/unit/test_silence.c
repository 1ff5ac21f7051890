/*
 * Unit tests of kpi alert's silences and mute windows (alert_silence.c):
 * mute windows across their edges (start inclusive, end exclusive), across
 * midnight and across Europe/Berlin's DST changes of 2026 (the last Sundays
 * of March and October); a silence's matching (KPI id equal, labels a
 * subset) and its [start, end); --until; the silences file written and read
 * back; alert.mute_windows' config errors.
 */
#include "unit.h"
#include "alert/alert_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t at(const char *iso)
{
	int64_t t;
	if (kpi_time_parse(&t, iso, NULL))
		fail_msg("bad time %s", iso);
	return t;
}

static kpi__mute_window window(unsigned days, const char *start, const char *end)
{
	kpi__mute_window w = { 0 };
	int h, m;
	w.days = days;
	sscanf(start, "%d:%d", &h, &m);
	w.start = h * 60 + m;
	sscanf(end, "%d:%d", &h, &m);
	w.end = h * 60 + m;
	return w;
}

enum { MON = 1, TUE = 2, WED = 4, THU = 8, FRI = 16, SAT = 32, SUN = 64 };

static void expect(const kpi__mute_window *w, const kpi__tz *tz, const char *iso, bool active)
{
	if (kpi__mute_window_active(w, tz, at(iso)) != active)
		fail_msg("at %s the window should be %s", iso, active ? "active" : "inactive");
}

static void test_mute_window__edges_start_inclusive_end_exclusive(void **state)
{
	kpi__tz *tz = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi__mute_window w = window(MON | WED, "09:00", "17:30");
	(void)state;
	assert_int_equal(kpi__tz_hold(&tz, "UTC", &err), 0);
	/* 2026-11-16 is a Monday */
	expect(&w, tz, "2026-11-16T08:59:59Z", false);
	expect(&w, tz, "2026-11-16T09:00:00Z", true);
	expect(&w, tz, "2026-11-16T17:29:59Z", true);
	expect(&w, tz, "2026-11-16T17:30:00Z", false);
	expect(&w, tz, "2026-11-17T12:00:00Z", false); /* Tuesday */
	expect(&w, tz, "2026-11-18T12:00:00Z", true);  /* Wednesday */
	/* until midnight: 24:00 */
	w = window(SUN, "20:00", "24:00");
	expect(&w, tz, "2026-11-22T23:59:59Z", true);
	expect(&w, tz, "2026-11-23T00:00:00Z", false);
	kpi__tz_release(tz);
}

static void test_mute_window__crossing_midnight_belongs_to_its_start_day(void **state)
{
	kpi__tz *tz = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi__mute_window w = window(SAT | SUN, "22:00", "06:00");
	(void)state;
	assert_int_equal(kpi__tz_hold(&tz, "Europe/Berlin", &err), 0);
	/* Friday night is not in it; Saturday 22:00 CET to Sunday 06:00, Sunday
	 * 22:00 to Monday 06:00 are (2026-11-20 is a Friday) */
	expect(&w, tz, "2026-11-20T21:00:00Z", false); /* Fri 22:00 CET */
	expect(&w, tz, "2026-11-21T05:00:00Z", false); /* Sat 06:00: Friday's would end here */
	expect(&w, tz, "2026-11-21T04:59:59Z", false); /* Sat 05:59:59: Friday is not a start day */
	expect(&w, tz, "2026-11-21T20:59:59Z", false); /* Sat 21:59:59 CET */
	expect(&w, tz, "2026-11-21T21:00:00Z", true);  /* Sat 22:00 CET */
	expect(&w, tz, "2026-11-22T04:59:59Z", true);  /* Sun 05:59:59 */
	expect(&w, tz, "2026-11-22T05:00:00Z", false); /* Sun 06:00 */
	expect(&w, tz, "2026-11-22T21:00:00Z", true);  /* Sun 22:00 */
	expect(&w, tz, "2026-11-23T04:59:59Z", true);  /* Mon 05:59:59 */
	expect(&w, tz, "2026-11-23T05:00:00Z", false); /* Mon 06:00 */
	expect(&w, tz, "2026-11-23T21:00:00Z", false); /* Mon 22:00 */
	kpi__tz_release(tz);
}

static void test_mute_window__dst_changes_in_europe_berlin(void **state)
{
	kpi__tz *tz = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi__mute_window w = window(SUN, "01:30", "03:30");
	(void)state;
	assert_int_equal(kpi__tz_hold(&tz, "Europe/Berlin", &err), 0);
	/* 2026-03-29: 02:00 CET becomes 03:00 CEST; the window is wall-clock
	 * 01:30-03:30, one real hour on that night */
	expect(&w, tz, "2026-03-29T00:29:59Z", false); /* 01:29:59 CET */
	expect(&w, tz, "2026-03-29T00:30:00Z", true);  /* 01:30 CET */
	expect(&w, tz, "2026-03-29T00:59:59Z", true);  /* 01:59:59 CET */
	expect(&w, tz, "2026-03-29T01:00:00Z", true);  /* 03:00 CEST */
	expect(&w, tz, "2026-03-29T01:29:59Z", true);  /* 03:29:59 CEST */
	expect(&w, tz, "2026-03-29T01:30:00Z", false); /* 03:30 CEST */
	/* a window inside the skipped hour does not happen that night */
	w = window(SUN, "02:15", "02:45");
	expect(&w, tz, "2026-03-29T00:59:59Z", false);
	expect(&w, tz, "2026-03-29T01:00:00Z", false);
	expect(&w, tz, "2026-03-22T01:15:00Z", true); /* the Sunday before: 02:15 CET */
	/* 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:00-02:30 happens twice */
	w = window(SUN, "02:00", "02:30");
	expect(&w, tz, "2026-10-24T23:59:59Z", false); /* 01:59:59 CEST */
	expect(&w, tz, "2026-10-25T00:00:00Z", true);  /* 02:00 CEST */
	expect(&w, tz, "2026-10-25T00:29:59Z", true);  /* 02:29:59 CEST */
	expect(&w, tz, "2026-10-25T00:30:00Z", false); /* 02:30 CEST */
	expect(&w, tz, "2026-10-25T01:00:00Z", true);  /* 02:00 CET, again */
	expect(&w, tz, "2026-10-25T01:30:00Z", false); /* 02:30 CET */
	/* a night window across the change: Saturday 22:00 to Sunday 06:00 is
	 * nine real hours in October, seven in March */
	w = window(SAT, "22:00", "06:00");
	expect(&w, tz, "2026-10-24T19:59:59Z", false); /* Sat 21:59:59 CEST */
	expect(&w, tz, "2026-10-24T20:00:00Z", true);  /* Sat 22:00 CEST */
	expect(&w, tz, "2026-10-25T04:59:59Z", true);  /* Sun 05:59:59 CET */
	expect(&w, tz, "2026-10-25T05:00:00Z", false); /* Sun 06:00 CET */
	expect(&w, tz, "2026-03-28T21:00:00Z", true);  /* Sat 22:00 CET */
	expect(&w, tz, "2026-03-29T03:59:59Z", true);  /* Sun 05:59:59 CEST */
	expect(&w, tz, "2026-03-29T04:00:00Z", false); /* Sun 06:00 CEST */
	kpi__tz_release(tz);
}

static void test_mute_window__covers_kpis_labels_and_sinks(void **state)
{
	kpi__mute_window w = window(MON, "00:00", "24:00");
	json_t *labels = json_pack("{s:s, s:s}", "path", "legacy", "region", "eu");
	json_t *other = json_pack("{s:s}", "path", "owned");
	(void)state;
	assert_true(kpi__mute_window_covers(&w, "a", labels, "pd"));
	w.kpis = json_pack("[s]", "a");
	w.labels = json_pack("{s:s}", "path", "legacy");
	w.sinks = json_pack("[s]", "slack");
	assert_true(kpi__mute_window_covers(&w, "a", labels, NULL));
	assert_true(kpi__mute_window_covers(&w, "a", labels, "slack"));
	assert_false(kpi__mute_window_covers(&w, "a", labels, "pd"));
	assert_false(kpi__mute_window_covers(&w, "b", labels, "slack"));
	assert_false(kpi__mute_window_covers(&w, "a", other, "slack"));
	json_decref(w.kpis);
	json_decref(w.labels);
	json_decref(w.sinks);
	json_decref(labels);
	json_decref(other);
}

static void test_silence__matches_kpi_and_label_subset_on_start_to_end(void **state)
{
	kpi__silences s = { 0 };
	kpi__silence x[2] = { 0 };
	json_t *alert = json_pack("{s:s, s:s}", "load_balancer", "app/prod", "zone", "a");
	json_t *other = json_pack("{s:s}", "load_balancer", "app/staging");
	int64_t t0 = at("2026-11-16T08:00:00Z");
	(void)state;
	x[0].id = "s-1";
	x[0].kpi = "api_error_rate_pct";
	x[0].labels = json_pack("{s:s}", "load_balancer", "app/prod");
	x[0].starts = t0;
	x[0].ends = t0 + 3600;
	x[1].id = "s-2";
	x[1].kpi = "uncached_legacy_max_age_days";
	x[1].labels = json_object();
	x[1].starts = t0;
	x[1].ends = t0 + 60;
	s.v = x;
	s.n = 2;
	assert_null(kpi__silence_match(&s, "api_error_rate_pct", alert, t0 - 1));
	assert_string_equal(kpi__silence_match(&s, "api_error_rate_pct", alert, t0)->id, "s-1");
	assert_string_equal(kpi__silence_match(&s, "api_error_rate_pct", alert, t0 + 3599)->id, "s-1");
	assert_null(kpi__silence_match(&s, "api_error_rate_pct", alert, t0 + 3600));
	assert_null(kpi__silence_match(&s, "api_error_rate_pct", other, t0));
	assert_null(kpi__silence_match(&s, "api_latency_p95_ms", alert, t0));
	/* no labels: every alert of the KPI */
	assert_string_equal(kpi__silence_match(&s, "uncached_legacy_max_age_days", other, t0 + 59)->id, "s-2");
	assert_null(kpi__silence_match(&s, "uncached_legacy_max_age_days", other, t0 + 60));
	assert_null(kpi__silence_match(NULL, "api_error_rate_pct", alert, t0));
	json_decref(x[0].labels);
	json_decref(x[1].labels);
	json_decref(alert);
	json_decref(other);
}

static void test_silence__until_is_a_time_with_offset_or_a_duration(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	int64_t now = at("2026-11-16T08:00:00Z"), t;
	(void)state;
	assert_int_equal(kpi__silence_until_parse(&t, "2h", now, &err), 0);
	assert_int_equal(t, now + 7200);
	assert_int_equal(kpi__silence_until_parse(&t, "90m", now, &err), 0);
	assert_int_equal(t, now + 5400);
	assert_int_equal(kpi__silence_until_parse(&t, "2026-11-16T12:00:00+01:00", now, &err), 0);
	assert_int_equal(t, at("2026-11-16T11:00:00Z"));
	assert_int_equal(kpi__silence_until_parse(&t, "2026-11-16T12:00:00Z", now, &err), 0);
	assert_int_equal(t, now + 4 * 3600);
	assert_int_equal(kpi__silence_until_parse(&t, "2026-11-16T12:00:00", now, &err), KPI_EUSAGE);
	assert_contains(err.message, "needs its offset");
	assert_int_equal(kpi__silence_until_parse(&t, "soon", now, &err), KPI_EUSAGE);
	assert_int_equal(kpi__silence_until_parse(&t, "0", now, &err), KPI_EUSAGE);
	assert_int_equal(kpi__silence_until_parse(&t, "", now, &err), KPI_EUSAGE);
}

static void test_silence__file_round_trip_and_damage_named(void **state)
{
	char dir[] = "/tmp/kpi-unit-sil.XXXXXX", path[128];
	kpi__silences s = { 0 }, *back = NULL;
	kpi__silence x = { 0 };
	kpi_error err = KPI_ERROR_INIT;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/silences.json", dir);
	/* none yet: no silences */
	assert_int_equal(kpi__silences_load(&back, path, &err), 0);
	assert_int_equal(back->n, 0);
	kpi__silences_free(back);
	x.id = "s-abc";
	x.kpi = "api_error_rate_pct";
	x.labels = json_pack("{s:s}", "load_balancer", "app/prod");
	x.starts = x.created = at("2026-11-16T08:00:00Z");
	x.ends = at("2026-11-16T10:00:00Z");
	x.by = "alice";
	x.comment = "DB upgrade, CHG-1234";
	s.v = &x;
	s.n = 1;
	assert_int_equal(kpi__silences_save(path, &s, &err), 0);
	assert_int_equal(kpi__silences_load(&back, path, &err), 0);
	assert_int_equal(back->n, 1);
	assert_string_equal(back->v[0].id, "s-abc");
	assert_string_equal(back->v[0].comment, "DB upgrade, CHG-1234");
	assert_string_equal(json_string_value(json_object_get(back->v[0].labels, "load_balancer")), "app/prod");
	assert_int_equal(back->v[0].ends, x.ends);
	assert_int_equal(back->v[0].expired, 0);
	kpi__silences_free(back);
	json_decref(x.labels);
	/* a damaged file is named, with its place */
	f = fopen(path, "w");
	fputs("{\"format\": \"kpi-silences\", \"version\": 1, \"silences\": [{\"id\": 1}]}", f);
	fclose(f);
	assert_int_equal(kpi__silences_load(&back, path, &err), KPI_EDATA);
	assert_contains(err.message, "silences[0]");
	assert_contains(err.message, path);
	f = fopen(path, "w");
	fputs("{\"format\": \"kpi-silences\",\n oops}", f);
	fclose(f);
	assert_int_equal(kpi__silences_load(&back, path, &err), KPI_EDATA);
	assert_contains(err.message, ":2:");
	unlink(path);
	rmdir(dir);
}

/* alert.mute_windows in a config file: the settings (rc, message). */
static int settings_rc(const char *mutes, kpi_error *err)
{
	char dir[] = "/tmp/kpi-unit-mute.XXXXXX", path[128];
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi__alert_settings *st = NULL;
	FILE *f;
	int rc;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"timezone\": \"Europe/Berlin\", \"alert\": {\"sinks\": {\"cmd\": {\"type\": \"command\", \"argv\": "
	           "[\"/bin/cat\"]}},\n \"mute_windows\": %s}}",
	        mutes);
	fclose(f);
	assert_int_equal(kpi_config_load(&cfg, path, err), 0);
	assert_int_equal(kpi_catalog_load(&cat, cfg->catalog_path, err), 0);
	rc = kpi__alert_settings_load(&st, cfg, cat, err);
	if (!rc) {
		assert_int_equal(st->nmutes, 1);
		assert_string_equal(st->mutes[0].name, "weekend");
		assert_int_equal(st->mutes[0].days, SAT | SUN);
		assert_int_equal(st->mutes[0].start, 22 * 60);
		assert_int_equal(st->mutes[0].end, 6 * 60);
	}
	kpi__alert_settings_free(st);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	unlink(path);
	rmdir(dir);
	return rc;
}

static void test_mute_window__config_checked_with_its_place(void **state)
{
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{}", "alert.mute_windows must be an array" },
		{ "[{\"days\": [\"sat\"], \"start\": \"22:00\", \"end\": \"06:00\"}]", "every window needs a name" },
		{ "[{\"name\": \"w\", \"days\": [\"saturday\"], \"start\": \"22:00\", \"end\": \"06:00\"}]",
		  "mute window 'w': days holds mon, tue" },
		{ "[{\"name\": \"w\", \"days\": [], \"start\": \"22:00\", \"end\": \"06:00\"}]", "days must be a non-empty array" },
		{ "[{\"name\": \"w\", \"days\": [\"sat\"], \"start\": \"24:00\", \"end\": \"06:00\"}]", "start must be a local time" },
		{ "[{\"name\": \"w\", \"days\": [\"sat\"], \"start\": \"22:00\", \"end\": \"6:00\"}]", "end must be a local time" },
		{ "[{\"name\": \"w\", \"days\": [\"sat\"], \"start\": \"22:00\", \"end\": \"06:00\", \"kpis\": [\"nope\"]}]",
		  "'nope' is not one" },
		{ "[{\"name\": \"w\", \"days\": [\"sat\"], \"start\": \"22:00\", \"end\": \"06:00\", \"sinks\": [\"pd\"]}]",
		  "names of alert.sinks ('pd' is not one)" },
		{ "[{\"name\": \"w\", \"days\": [\"sat\"], \"start\": \"22:00\", \"end\": \"06:00\", \"labels\": {\"a\": 1}}]",
		  "labels must be an object" },
		{ "[{\"name\": \"w\", \"days\": [\"sat\"], \"start\": \"22:00\", \"end\": \"06:00\", \"zone\": \"UTC\"}]",
		  "zone" },
		{ "[{\"name\": \"w\", \"days\": [\"sat\"], \"start\": \"22:00\", \"end\": \"06:00\"},"
		  " {\"name\": \"w\", \"days\": [\"sun\"], \"start\": \"22:00\", \"end\": \"06:00\"}]",
		  "two windows are named 'w'" },
	};
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kpi_error_clear(&err);
		if (settings_rc(bad[i].json, &err) != KPI_ECONFIG)
			fail_msg("accepted: %s", bad[i].json);
		assert_contains(err.message, bad[i].msg);
		assert_contains(err.message, "c.json:2:"); /* file:line:col */
	}
	if (settings_rc("[{\"name\": \"weekend\", \"days\": [\"sat\", \"sun\"], \"start\": \"22:00\", \"end\": \"06:00\","
	                " \"kpis\": [\"api_error_rate_pct\", \"kpi_source\"], \"labels\": {\"load_balancer\": \"app/prod\"},"
	                " \"sinks\": [\"cmd\"]}]",
	                &err))
		fail_msg("%s", err.message);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mute_window__edges_start_inclusive_end_exclusive),
		cmocka_unit_test(test_mute_window__crossing_midnight_belongs_to_its_start_day),
		cmocka_unit_test(test_mute_window__dst_changes_in_europe_berlin),
		cmocka_unit_test(test_mute_window__covers_kpis_labels_and_sinks),
		cmocka_unit_test(test_mute_window__config_checked_with_its_place),
		cmocka_unit_test(test_silence__matches_kpi_and_label_subset_on_start_to_end),
		cmocka_unit_test(test_silence__until_is_a_time_with_offset_or_a_duration),
		cmocka_unit_test(test_silence__file_round_trip_and_damage_named),
	};
	return cmocka_run_group_tests_name("unit_silence", tests, NULL, NULL);
}
