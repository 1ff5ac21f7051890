/*
 * The pack's SLO page data (sources/slo/slo_page.c) and snapshot.json's
 * "slo" section (snapshot/snapshot_slo.c): the daily error budget and the
 * hourly burn rates against numbers worked out by hand, the alert pairs as
 * of the as-of instant, the section's exact round trip, a format-4
 * snapshot without it, and every kind of damaged section refused with
 * KPI_EDATA at file:line:col.
 */
#include "unit.h"
#include "packfix.h"
#include "slofix.h"
#include "xlsxread.h"

/* A damaged copy of a snapshot: `from` replaced after `after`, by default
 * in its "slo" section. */
static char *replace(const char *text, const char *after, const char *from, const char *to)
{
	return unit_replace(text, after ? after : "\"slo\":", from, to);
}
#include "sources/slo/slo_page.h"

#define EPS 1e-9

static kpi_snapshot *demo(void)
{
	kpi_snapshot *snap = packfix_synthetic(4);
	slofix_attach_demo(snap);
	return snap;
}

/* alpha: 60 requests every 5 minutes (720 an hour, 17,280 a day), no error
 * but in the 2 hours that start 50 h before the as-of hour: 3 errors every
 * 5 minutes (36 an hour, 5 %). beta: 0.12 errors every 5 minutes (0.2 %). */
static void test_slo_page__series_hand_computed(void **state)
{
	kpi_snapshot *snap = demo();
	const kpi_slo_objective *o = &snap->slo->objectives[0];
	const kpi_slo_service *a = &o->services[0], *b = &o->services[1];
	(void)state;

	assert_int_equal(o->nservices, 2);
	assert_string_equal(a->labels[0], "app/api/alpha");
	assert_int_equal(o->ndays, 28);
	/* 2026-W46 ends 2026-11-16T00:00:00Z: already on the hour */
	assert_int_equal(o->as_of_hour, utc(2026, 11, 16, 0, 0, 0));
	assert_int_equal(o->as_of_5m, o->as_of_hour);

	/* daily: the 28-day window ending at the as-of hour holds 28 x 17,280
	 * = 483,840 requests and the incident's 2 x 36 = 72 errors:
	 * availability (1 - 72/483840) x 100 = 99.98511904761905,
	 * burn (72/483840)/0.001 = 0.1488095238095238, budget 85.11904761904762 */
	assert_true(fabs(a->day_requests[27] - 483840) < EPS);
	assert_true(fabs(a->day_errors[27] - 72) < EPS);
	assert_true(fabs(a->day_availability[27] - 99.98511904761905) < 1e-9);
	assert_true(fabs(a->day_budget[27] - 85.11904761904762) < 1e-9);
	/* the windows ending 1 and 2 days back still hold the incident (it
	 * ends exactly 48 h back); 3 days back: nothing spent */
	assert_true(fabs(a->day_budget[25] - 85.11904761904762) < 1e-9);
	assert_true(fabs(a->day_budget[24] - 100) < EPS);
	assert_true(fabs(a->day_budget[0] - 100) < EPS);
	/* beta burns 2 all along: (1 - 2) x 100 = -100 % (spent twice over) */
	assert_true(fabs(b->day_budget[27] + 100) < 1e-6);
	assert_true(fabs(b->day_availability[27] - 99.8) < 1e-9);

	/* hourly: hour h ends (167 - h) hours before the as-of hour; the
	 * incident is hours 118 and 119: 36 errors of 720 -> 1 h burn
	 * 0.05 / 0.001 = 50 */
	assert_true(fabs(a->hour_errors[119] - 36) < EPS);
	assert_true(fabs(a->hour_requests[119] - 720) < EPS);
	assert_true(fabs(a->hour_burn[0][118] - 50) < 1e-9);
	assert_true(fabs(a->hour_burn[0][119] - 50) < 1e-9);
	assert_true(fabs(a->hour_burn[0][117]) < EPS);
	assert_true(fabs(a->hour_burn[0][120]) < EPS);
	/* 6 h ending at hour 119: 72 of 4320 -> 16.666...; at 118: 36 of 4320 */
	assert_true(fabs(a->hour_burn[1][119] - 72.0 / 4320 / 0.001) < 1e-9);
	assert_true(fabs(a->hour_burn[1][118] - 36.0 / 4320 / 0.001) < 1e-9);
	/* 3 d ending at hour 119: 72 of 51,840 -> 1.3888...; at 118: 0.694... */
	assert_true(fabs(a->hour_burn[2][119] - 72.0 / 51840 / 0.001) < 1e-9);
	assert_true(fabs(a->hour_burn[2][118] - 36.0 / 51840 / 0.001) < 1e-9);
	/* page 1 h (14.4x 1 h & 5 min) fires at the incident's two hours */
	assert_int_equal(a->hour_fired[117], 0);
	assert_true(a->hour_fired[118] & 1u);
	assert_true(a->hour_fired[119] & 1u);
	assert_false(a->hour_fired[120] & 1u);
	/* page 6 h (6x 6 h & 30 min): 8.33 and 16.67 over 6 h, 50 over 30 min */
	assert_true(a->hour_fired[118] & 2u);
	assert_true(a->hour_fired[119] & 2u);
	assert_false(a->hour_fired[120] & 2u);
	/* ticket (1x 3 d & 6 h): from hour 119 (3 d at 1.39) while the 6 h
	 * window holds the incident, up to hour 124 (6 h ending 43 h back) */
	assert_false(a->hour_fired[118] & 4u);
	for (int h = 119; h <= 124; h++)
		assert_true(a->hour_fired[h] & 4u);
	assert_false(a->hour_fired[125] & 4u);

	/* as of T: alpha's 3-day window still holds the incident (1.39x), its
	 * 6 h does not: no alert; beta: 2x everywhere, the ticket fires */
	assert_true(a->alerts[2].has_long);
	assert_true(fabs(a->alerts[2].burn_long - 72.0 / 51840 / 0.001) < 1e-9);
	assert_true(a->alerts[2].has_short);
	assert_true(fabs(a->alerts[2].burn_short) < EPS);
	assert_false(a->alerts[2].firing);
	assert_false(a->alerts[0].firing);
	assert_true(b->alerts[2].firing);
	assert_false(b->alerts[1].firing);
	assert_true(fabs(b->alerts[0].burn_short - 2) < 1e-6);
	kpi_snapshot_free(snap);
}

/* Without 5-minute datapoints (older than CloudWatch keeps them) the
 * windows under an hour have no value: the pages cannot fire, the hourly
 * burn rates and the ticket still can; no request: no value, never 100 %. */
static void test_slo_page__no_fine_data_no_requests(void **state)
{
	kpi_slo_objective o;
	kpi_slo_service s;
	kpi_datapoints coarse;
	kpi_error err = KPI_ERROR_INIT;
	const slofix_counts burning = { "x", 60, 0.12, 0, 0, 0 }, idle = { "y", 0, 0, 0, 0, 0 };
	const int64_t hour = utc(2026, 11, 16, 0, 0, 0);
	const size_t n = 55 * 24;
	(void)state;

	memset(&o, 0, sizeof(o));
	o.objective = 99.9;
	o.window = 28 * 86400;
	o.ndays = 28;
	o.as_of_hour = o.as_of_5m = hour;
	assert_int_equal(kpi__slo_service_init(&s, 1, 28, &err), 0);
	slofix_datapoints(&coarse, NULL, &burning, hour, hour - (int64_t)n * 3600, n, 0, 0);
	kpi__slo_page_fill(&s, &o, NULL, &coarse);
	assert_false(s.alerts[0].has_short);
	assert_false(s.alerts[0].firing);
	assert_true(s.alerts[2].firing);
	assert_true(fabs(s.hour_burn[0][167] - 2) < 1e-6);
	assert_int_equal(s.hour_fired[100], 4u);
	slofix_datapoints_free(&coarse);
	kpi__slo_service_release(&s, 1);
	assert_int_equal(kpi__slo_service_init(&s, 1, 28, &err), 0);
	slofix_datapoints(&coarse, NULL, &idle, hour, hour - (int64_t)n * 3600, n, 0, 0);
	kpi__slo_page_fill(&s, &o, NULL, &coarse);
	assert_true(s.day_requests[27] == 0);
	assert_true(isnan(s.day_availability[27]));
	assert_true(isnan(s.day_budget[27]));
	assert_true(isnan(s.hour_burn[2][167]));
	assert_false(s.alerts[2].has_long);
	slofix_datapoints_free(&coarse);
	kpi__slo_service_release(&s, 1);
}

/* ---- snapshot.json's "slo" ---- */


static kpi_buf written(kpi_snapshot *snap)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf b = KPI_BUF_INIT;
	if (kpi_snapshot_write(&b, snap, &err))
		fail_msg("%s", err.message);
	return b;
}

static kpi_snapshot *parsed(const char *text, size_t len)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *snap = NULL;
	if (kpi_snapshot_parse(&snap, "snapshot.json", text, len, &err))
		fail_msg("%s", err.message);
	return snap;
}

/* Written, parsed and written again: the same bytes, the same numbers. */
static void test_slo_snapshot__round_trip(void **state)
{
	kpi_snapshot *snap = demo(), *back;
	kpi_buf b = written(snap), again;
	const kpi_slo_service *s, *t;
	(void)state;

	assert_non_null(strstr(b.data, "\n  \"slo\": {\"objectives\": [\n    {\"target_kpi\": \"api_availability_pct\""));
	back = parsed(b.data, b.len);
	assert_true(back->has_slo);
	assert_non_null(back->slo);
	again = written(back);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	s = &snap->slo->objectives[0].services[1];
	t = &back->slo->objectives[0].services[1];
	assert_string_equal(t->labels[0], "app/api/beta");
	assert_true(t->day_budget[27] == s->day_budget[27]);
	assert_true(t->hour_burn[2][5] == s->hour_burn[2][5]);
	assert_int_equal(t->hour_fired[5], s->hour_fired[5]);
	assert_true(t->alerts[2].firing);
	assert_int_equal(back->slo->objectives[0].as_of_hour, snap->slo->objectives[0].as_of_hour);
	kpi_buf_release(&b);
	kpi_buf_release(&again);
	kpi_snapshot_free(back);
	kpi_snapshot_free(snap);
}

/* The seed of the snapshot fuzz target, tests/fuzz/corpus/snapshot/slo.json:
 * one week, no series, one service with the incident (KPI_UPDATE_GOLDEN=1
 * rewrites it); it reads and writes back byte for byte. */
static void test_slo_snapshot__fuzz_seed(void **state)
{
	const slofix_counts c = { "app/api/alpha", 60, 0.01, 50 * 3600, 48 * 3600, 3 };
	kpi_snapshot *snap = snapfix_new(KPI_SOURCE_DIR "/templates/catalog.json", "2026-W46", 1, "UTC",
	                                 utc(2026, 11, 20, 10, 0, 0)), *back;
	const char *seed = KPI_SOURCE_DIR "/tests/fuzz/corpus/snapshot/slo.json";
	kpi_buf b, again;
	char *text;
	size_t len;
	(void)state;

	snapfix_finish(snap);
	slofix_attach(snap, &c, 1);
	b = written(snap);
	if (getenv("KPI_UPDATE_GOLDEN"))
		packfix_write(seed, b.data, b.len);
	text = packfix_read(seed, &len);
	assert_non_null(text);
	back = parsed(text, len);
	assert_int_equal(back->slo->objectives[0].nservices, 1);
	again = written(back);
	assert_int_equal(again.len, len);
	assert_memory_equal(again.data, text, len);
	free(text);
	kpi_buf_release(&b);
	kpi_buf_release(&again);
	kpi_snapshot_free(back);
	kpi_snapshot_free(snap);
}

/* Not measured: the reason and the setting, no services; "slo": null; and
 * a format-4 snapshot without the key (written before it) reads and is
 * written back without it, byte for byte. */
static void test_slo_snapshot__unmeasured_null_absent(void **state)
{
	kpi_snapshot *snap = packfix_synthetic(2), *back;
	kpi_buf b, again;
	char *text;
	size_t len;
	(void)state;

	slofix_attach_unmeasured(snap, "CloudWatch not configured",
	                         "set cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER");
	b = written(snap);
	assert_non_null(strstr(b.data, "\"not_measured\": \"CloudWatch not configured\""));
	assert_non_null(strstr(b.data, "\"as_of_hour\": null, \"as_of_5m\": null, \"label_names\": [\"load_balancer\"], "
	                               "\"services\": [], \"services_total\": 0}"));
	back = parsed(b.data, b.len);
	assert_string_equal(back->slo->objectives[0].not_measured, "CloudWatch not configured");
	assert_int_equal(back->slo->objectives[0].nservices, 0);
	again = written(back);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	kpi_buf_release(&b);
	kpi_buf_release(&again);
	kpi_snapshot_free(back);

	kpi_slo_page_free(snap->slo);
	snap->slo = NULL;
	b = written(snap);
	assert_non_null(strstr(b.data, ",\n  \"slo\": null\n}\n"));
	back = parsed(b.data, b.len);
	assert_true(back->has_slo);
	assert_null(back->slo);
	kpi_snapshot_free(back);
	{
		kpi_error err = KPI_ERROR_INIT;
		char *bad = replace(b.data, NULL, "\"slo\": null", "\"slo\": [3]");
		back = NULL;
		assert_int_equal(kpi_snapshot_parse(&back, "s.json", bad, strlen(bad), &err), KPI_EDATA);
		assert_non_null(strstr(err.message, "s.json:"));
		assert_non_null(strstr(err.message, "slo: 'slo' must be an object"));
		free(bad);
	}
	kpi_buf_release(&b);
	kpi_snapshot_free(back);
	kpi_snapshot_free(snap);

	text = packfix_read(PACKFIX_GOLDEN, &len);
	back = parsed(text, len);
	assert_int_equal(back->format, 4);
	assert_false(back->has_slo);
	again = written(back);
	assert_int_equal(again.len, len);
	assert_memory_equal(again.data, text, len);
	kpi_buf_release(&again);
	kpi_snapshot_free(back);
	free(text);
}

typedef struct bad_case {
	const char *from;    /* the first occurrence (after `after`) is replaced */
	const char *to;
	const char *after;   /* NULL: from the "slo" key */
	const char *msg;     /* in the message */
} bad_case;

static const bad_case bad_cases[] = {
	{ "\"slo\": {\"objectives\"", "\"slo\": {\"objectivez\"", NULL, "unknown key 'objectivez'" },
	{ "\"target_kpi\": \"api_availability_pct\"", "\"target_kpi\": \"nope\"", NULL, "target KPI 'nope' is not in" },
	{ "\"objective\": 99.9", "\"objective\": 100", NULL, "'objective' must be a percentage" },
	{ "\"objective\": 99.9", "\"objective\": \"99.9\"", NULL, "'objective' must be a percentage" },
	{ "\"window_seconds\": 2419200", "\"window_seconds\": 2419201", NULL, "'window_seconds' must be whole hours" },
	{ "\"window_seconds\": 2419200", "\"window_seconds\": 1e9", NULL, "'window_seconds' must be whole hours" },
	{ "\"kpis\": [\"api_availability_pct\"", "\"kpis\": [\"legacy_coverage_pc\"", NULL, "is not a KPI of the snapshot's catalogue" },
	{ "\"kpis\": [\"api_availability_pct\"", "\"kpis\": [\"api_availability_pct\", \"api_availability_pct\"", NULL,
	  "has 'api_availability_pct' twice" },
	{ "\"kpis\": [", "\"kpis\": [], \"k\": [", NULL, "unknown key 'k'" },
	{ "\"services_total\": 2", "\"services_total\": 3", NULL, "'services_total' must be the number of services" },
	{ "\"services_total\": 2", "\"services_total\": 1", NULL, "'services_total' must be the number of services" },
	{ "\"services_total\": 2", "\"services_total\": \"2\"", NULL, "'services_total' must be the number of services" },
	{ "\"not_measured\": null", "\"not_measured\": 7", NULL, "not_measured" },
	{ "\"detail\": null", "\"detail\": \"set x\"", NULL, "'detail' must be null when the objective is measured" },
	{ "\"as_of_hour\": \"2026-11-16T00:00:00Z\"", "\"as_of_hour\": \"2026-11-16T01:00:00Z\"", NULL,
	  "'as_of_hour' must be the window's as-of instant rounded down" },
	{ "\"as_of_hour\": \"2026-11-16T00:00:00Z\"", "\"as_of_hour\": \"2026-11-15T23:00:00Z\"", NULL,
	  "'as_of_hour' must be the window's as-of instant rounded down" },
	{ "\"as_of_5m\": \"2026-11-16T00:00:00Z\"", "\"as_of_5m\": \"monday\"", NULL, "'as_of_5m' must be an ISO 8601" },
	{ "\"label_names\": [\"load_balancer\"]", "\"label_names\": [\"load_balancer\", 4]", NULL,
	  "'label_names'[1] must be a non-empty text" },
	{ "{\"load_balancer\": \"app/api/alpha\"}", "{\"lb\": \"app/api/alpha\"}", NULL, "'load_balancer'" },
	{ "{\"load_balancer\": \"app/api/beta\"}", "{\"load_balancer\": \"app/api/alpha\"}", NULL,
	  "a service with these labels twice" },
	{ "{\"name\": \"page_1h\"", "{\"name\": \"page_2h\"", NULL, "alert 0 must be named 'page_1h'" },
	{ "\"firing\": false}],\n         \"daily\"", "\"firing\": true}],\n         \"daily\"", NULL,
	  "'firing' of ticket_3d must be whether both burn rates are above 1" },
	{ "\"burn_short\": 0,", "\"burn_short\": -1,", NULL, "'burn_short' must be null or a finite number >= 0" },
	{ "\"daily\": {\"errors\": [0, ", "\"daily\": {\"errors\": [", NULL, "'errors' must be a list of 28" },
	{ "\"daily\": {\"errors\": [0, ", "\"daily\": {\"errors\": [null, ", NULL,
	  "errors[0] and requests[0] must both be null or errors <= requests" },
	{ "\"daily\": {\"errors\": [0, ", "\"daily\": {\"errors\": [1e9, ", NULL,
	  "errors[0] and requests[0] must both be null or errors <= requests" },
	{ "\"availability\": [100, ", "\"availability\": [100.5, ", NULL, "'availability'[0] must be null or a finite" },
	{ "\"availability\": [100, ", "\"availability\": [null, ", NULL,
	  "availability[0] and budget_remaining[0] must both be null" },
	{ "\"budget_remaining\": [100, ", "\"budget_remaining\": [1e999, ", NULL, "" },
	{ "\"hourly\": {\"errors\": [0, ", "\"hourly\": {\"errors\": [-1, ", NULL, "'errors'[0] must be null or a finite" },
	{ "\"burn_1h\": [0, ", "\"burn_1h\": [0, 0, ", NULL, "'burn_1h' must be a list of 168" },
	{ "\"fired\": [[], ", "\"fired\": [[\"page_1h\"], ", NULL,
	  "page_1h cannot have fired at hour 0: its long window's burn rate is not above 14.4" },
	{ "\"fired\": [[], ", "\"fired\": [[\"page_9h\"], ", NULL, "must name alerts of page_1h, page_6h, ticket_3d" },
	{ "[\"ticket_3d\"]", "[\"ticket_3d\", \"ticket_3d\"]", NULL, "once each, in that order" },
	{ "\"fired\": [[], ", "\"fired\": [[], [], ", NULL, "'fired' must be a list of 168" },
	{ "\"hourly\": {\"errors\"", "\"hourly\": {\"fired\": [], \"errors\"", NULL, "" },
};

static void test_slo_snapshot__rejected(void **state)
{
	kpi_snapshot *snap = demo();
	kpi_buf b = written(snap);
	(void)state;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const bad_case *c = &bad_cases[i];
		kpi_error err = KPI_ERROR_INIT;
		kpi_snapshot *got = NULL;
		char *bad = replace(b.data, c->after, c->from, c->to);
		int rc = kpi_snapshot_parse(&got, "snapshot.json", bad, strlen(bad), &err);
		if (rc != KPI_EDATA || !strstr(err.message, c->msg) || !strstr(err.message, "snapshot.json:"))
			fail_msg("case %zu (%s -> %s): rc %d, message '%s', want '%s'", i, c->from, c->to, rc, err.message,
			         c->msg);
		assert_null(got);
		free(bad);
	}
	kpi_buf_release(&b);
	kpi_snapshot_free(snap);
}

/* A not-measured objective with services, or an unknown KPI in it, and a
 * format-3 snapshot with the key, are refused. */
static void test_slo_snapshot__rejected_unmeasured(void **state)
{
	kpi_snapshot *snap = packfix_synthetic(2);
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *got = NULL;
	kpi_buf b;
	char *bad;
	(void)state;

	slofix_attach_unmeasured(snap, "CloudWatch not configured", NULL);
	b = written(snap);
	bad = replace(b.data, NULL, "\"as_of_hour\": null", "\"as_of_hour\": \"2026-11-16T00:00:00Z\"");
	assert_int_equal(kpi_snapshot_parse(&got, "s.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_non_null(strstr(err.message, "an objective not measured has null as_of_hour"));
	free(bad);
	bad = replace(b.data, NULL, "\"kpis\": [\"", "\"kpis\": [\"nope\", \"");
	assert_int_equal(kpi_snapshot_parse(&got, "s.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_non_null(strstr(err.message, "'nope' is not a KPI of the snapshot's catalogue nor one the run left out"));
	free(bad);
	bad = replace(b.data, "\"format\"", "\"format\": 4", "\"format\": 3");
	assert_int_equal(kpi_snapshot_parse(&got, "s.json", bad, strlen(bad), &err), KPI_EDATA);
	free(bad);
	assert_null(got);
	kpi_buf_release(&b);
	kpi_snapshot_free(snap);
}

/* The workbook's "SLO" sheet: the state per service, then the daily and
 * hourly series behind the PDF's charts; none without SLO KPIs. */
static void test_slo_xlsx__sheet(void **state)
{
	kpi_snapshot *snap = demo();
	kpi_error err = KPI_ERROR_INIT;
	const char *path = packfix_path(packfix_tmpdir(), "slo.xlsx");
	const xr_sheet *sh;
	xr_book *b;
	xr_cell c;
	(void)state;

	if (kpi_xlsx_write(snap, path, &err))
		fail_msg("%s", err.message);
	b = xr_open(path);
	assert_non_null(b);
	sh = xr_sheet_by_name(b, "SLO");
	assert_non_null(sh);
	assert_string_equal(xr_text(b, sh, 0, 0), "SLO: Availability ≥ 99.9 % over 28 days (api_availability_pct)");
	assert_string_equal(xr_text(b, sh, 3, 0), "app/api/alpha");
	c = xr_get(b, sh, 3, 3); /* 72 bad of 483,840 */
	assert_true(c.is_number && c.number == 72);
	xr_cell_release(&c);
	c = xr_get(b, sh, 3, 4);
	assert_true(c.is_number && c.number == 483840);
	xr_cell_release(&c);
	c = xr_get(b, sh, 3, 2);
	assert_true(c.is_number && fabs(c.number - 85.11904761904762) < 1e-9);
	xr_cell_release(&c);
	assert_string_equal(xr_text(b, sh, 4, 14), "FIRING"); /* beta's ticket */
	assert_string_equal(xr_text(b, sh, 7, 0), "SLO window ends (UTC)");
	c = xr_get(b, sh, 8 + 27, 5); /* alpha's last day */
	assert_true(c.is_number && fabs(c.number - 85.11904761904762) < 1e-9);
	xr_cell_release(&c);
	assert_string_equal(xr_text(b, sh, 66, 0), "Hour ends (UTC)");
	c = xr_get(b, sh, 67 + 119, 2); /* alpha's incident hour: 36 bad, burn 50 */
	assert_true(c.is_number && c.number == 36);
	xr_cell_release(&c);
	c = xr_get(b, sh, 67 + 119, 4);
	assert_true(c.is_number && fabs(c.number - 50) < 1e-9);
	xr_cell_release(&c);
	assert_string_equal(xr_text(b, sh, 67 + 119, 7), "page_1h, page_6h, ticket_3d");
	xr_close(b);
	kpi_slo_page_free(snap->slo);
	snap->slo = NULL;
	if (kpi_xlsx_write(snap, path, &err))
		fail_msg("%s", err.message);
	b = xr_open(path);
	assert_null(xr_sheet_by_name(b, "SLO"));
	xr_close(b);
	kpi_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slo_page__series_hand_computed),
		cmocka_unit_test(test_slo_page__no_fine_data_no_requests),
		cmocka_unit_test(test_slo_snapshot__round_trip),
		cmocka_unit_test(test_slo_snapshot__fuzz_seed),
		cmocka_unit_test(test_slo_snapshot__unmeasured_null_absent),
		cmocka_unit_test(test_slo_snapshot__rejected),
		cmocka_unit_test(test_slo_snapshot__rejected_unmeasured),
		cmocka_unit_test(test_slo_xlsx__sheet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
