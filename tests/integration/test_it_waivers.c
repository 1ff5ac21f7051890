/*
 * No GO on unmeasured gating KPIs, through the command against the demo
 * dataset (CloudWatch not configured, so the two gating API KPIs are not
 * measured): kpi query all and kpi pack hold the week "not measured"; a
 * waiver of both excuses them (GO, "waived"); an expired one does not; a
 * label-level waiver does not cover a KPI not measured at all; the pack's
 * snapshot records the waivers and its cover shows them; a bad waiver is a
 * config error with file:line:col.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_util.h"
#include "core/internal.h"

static it_db *db;
static const char *const env[] = { "KPI_NOW=2026-12-01T00:00:00Z", NULL };

/* A config file with these waivers (JSON array members). */
static char *config(const char *waivers)
{
	char text[4096];
	snprintf(text, sizeof(text), "{\n  \"waivers\": [\n%s\n  ]\n}\n", waivers);
	return it_write_tmp("config.json", text);
}

#define WAIVE(kpi, until) \
	"    {\"kpi\": \"" kpi "\", \"reason\": \"ALB moves account\", \"approved_by\": \"J. Rivera\", \"until\": \"" until "\"}"

/* kpi query all of W45..W46 as JSON, with `cfg` (NULL: none); its stderr
 * to *stderr_out when not NULL (caller frees). */
static char *query_all_err(const char *cfg, char **stderr_out)
{
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W46", "--weeks", "2", "--format", "json", "--db",
		               db->conninfo, cfg ? "--config" : NULL, cfg, NULL };
	it_run_result r;
	char *out;
	it_run(&r, argv, env, 120);
	if (r.status != 0)
		fail_msg("kpi query all: exit %d: %s", r.status, r.err);
	out = strdup(r.out);
	if (stderr_out)
		*stderr_out = strdup(r.err);
	it_run_free(&r);
	return out;
}

static char *query_all(const char *cfg)
{
	return query_all_err(cfg, NULL);
}

/* The text of verdict `week` in the JSON of query all. */
static const char *verdict_of(const char *json, const char *week)
{
	char key[64];
	const char *p;
	snprintf(key, sizeof(key), "{\"week\":\"%s\"", week);
	p = strstr(json, key);
	assert_non_null(p);
	return p;
}

static void test_query_all__not_measured_holds(void **state)
{
	(void)state;
	char *json = query_all(NULL);
	const char *v = verdict_of(json, "2026-W46");
	assert_non_null(strstr(v, "\"verdict\":\"HOLD\""));
	assert_non_null(strstr(v, "{\"kpi\":\"api_error_rate_pct\",\"labels\":{},\"value\":null,\"status\":\"no_data\","
	                          "\"threshold\":\"\",\"not_measured\":\"CloudWatch not configured\"}"));
	assert_non_null(strstr(v, "\"kpi\":\"api_latency_p95_ms\""));
	free(json);
	{
		const char *argv[] = { "kpi", "query", "all", "--week", "2026-W46", "--db", db->conninfo, NULL };
		it_run_result r;
		it_run(&r, argv, env, 120);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "2026-W46  HOLD   api_error_rate_pct not measured (CloudWatch not configured); "
		                              "api_latency_p95_ms not measured (CloudWatch not configured)"));
		it_run_free(&r);
	}
}

static void test_query_all__valid_expired_and_partial_waivers(void **state)
{
	(void)state;
	char *cfg, *json, *err;
	const char *v;

	/* both waived through W46: GO, with what was waived */
	cfg = config(WAIVE("api_error_rate_pct", "2026-W46") ",\n" WAIVE("api_latency_p95_ms", "2026-W46"));
	json = query_all(cfg);
	v = verdict_of(json, "2026-W46");
	assert_non_null(strstr(v, "\"verdict\":\"GO\",\"reasons\":[],\"waived\":[{\"kpi\":\"api_error_rate_pct\""));
	free(json);
	free(cfg);
	/* one expired in W45: W45 goes, W46 holds on it alone */
	cfg = config(WAIVE("api_error_rate_pct", "2026-W45") ",\n" WAIVE("api_latency_p95_ms", "2026-W46"));
	json = query_all_err(cfg, &err);
	assert_non_null(strstr(verdict_of(json, "2026-W45"), "\"verdict\":\"GO\""));
	v = verdict_of(json, "2026-W46");
	assert_non_null(strstr(v, "\"verdict\":\"HOLD\",\"reasons\":[{\"kpi\":\"api_error_rate_pct\""));
	assert_non_null(strstr(v, "\"not_measured\":\"CloudWatch not configured\",\"expired_waiver\":\"approved by "
	                          "J. Rivera until 2026-W45\"}"));
	assert_non_null(strstr(v, "\"waived\":[{\"kpi\":\"api_latency_p95_ms\""));
	/* warned as kpi alert does: once, for W46 (W45 is still waived) */
	assert_non_null(strstr(err, "\"event\":\"query.waiver.expired\""));
	assert_non_null(strstr(err, "the waiver of gating KPI api_error_rate_pct (approved by J. Rivera until 2026-W45) "
	                            "no longer covers 2026-W46: it is not measured (CloudWatch not configured) and holds "
	                            "the go/no-go verdict"));
	assert_null(strstr(strstr(err, "query.waiver.expired") + 1, "query.waiver.expired"));
	free(err);
	free(json);
	{ /* the table says so too */
		const char *argv[] = { "kpi", "query", "all", "--week", "2026-W46", "--weeks", "2", "--db", db->conninfo,
			               "--config", cfg, NULL };
		it_run_result r;
		it_run(&r, argv, env, 120);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "2026-W46  HOLD   api_error_rate_pct not measured (CloudWatch not configured; "
		                              "waiver expired: approved by J. Rivera until 2026-W45)"));
		assert_non_null(strstr(r.err, "query.waiver.expired"));
		it_run_free(&r);
	}
	free(cfg);
	/* a label-level waiver never covers a KPI that was not measured at all */
	cfg = config("    {\"kpi\": \"api_error_rate_pct\", \"labels\": {\"load_balancer\": \"app/web/1\"}, \"reason\": \"r\", "
	             "\"approved_by\": \"a\", \"until\": \"2026-W52\"},\n" WAIVE("api_latency_p95_ms", "2026-W52"));
	json = query_all(cfg);
	v = verdict_of(json, "2026-W46");
	assert_non_null(strstr(v, "\"verdict\":\"HOLD\",\"reasons\":[{\"kpi\":\"api_error_rate_pct\""));
	free(json);
	free(cfg);
}

static void test_config__bad_waiver_is_exit_3_at_its_position(void **state)
{
	(void)state;
	char *cfg = config("    {\"kpi\": \"api_error_rate_pct\", \"reason\": \"r\", \"approved_by\": \"a\", \"until\": \"W48\"}");
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W46", "--db", db->conninfo, "--config", cfg, NULL };
	it_run_result r;
	char want[600];
	it_run(&r, argv, env, 60);
	assert_int_equal(r.status, 3);
	snprintf(want, sizeof(want), "%s:3:", cfg);
	assert_non_null(strstr(r.err, want));
	assert_non_null(strstr(r.err, "waiver 'until' must be an ISO week"));
	it_run_free(&r);
	free(cfg);
}

static void test_pack__holds_and_records_the_waivers(void **state)
{
	(void)state;
	char *cfg = config(WAIVE("api_error_rate_pct", "2026-W44") ",\n" WAIVE("api_latency_p95_ms", "2026-W52"));
	char tmp[] = "/tmp/kpi-it-waivers.XXXXXX", out[600], path[700], cmd[800];
	const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "4", "--out", out, "--db", db->conninfo,
		               "--config", cfg, NULL };
	it_run_result r;
	FILE *f;
	char *text;
	long n;

	assert_non_null(mkdtemp(tmp));
	snprintf(out, sizeof(out), "%s/pack", tmp);
	it_run(&r, argv, env, 300);
	if (r.status != 0)
		fail_msg("kpi pack: exit %d: %s", r.status, r.err);
	it_run_free(&r);
	snprintf(path, sizeof(path), "%s/snapshot.json", out);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	assert_non_null(strstr(text, "\"format\": 4,"));
	assert_non_null(strstr(text, "\"waivers\": [\n    {\"kpi\": \"api_error_rate_pct\", \"labels\": {}, "
	                             "\"reason\": \"ALB moves account\", \"approved_by\": \"J. Rivera\", \"until\": \"2026-W44\"}"));
	assert_non_null(strstr(text, "\"verdict\": \"HOLD\", \"reasons\": [{\"kpi\": \"api_error_rate_pct\", \"labels\": \"\", "
	                             "\"value\": null, \"status\": \"no_data\", \"threshold\": \"\", \"not_measured\": "
	                             "\"CloudWatch not configured\"}]}"));
	free(text);
	/* the cover: HOLD, the waivers' box with the expired one and its warning */
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 -f 1 -l 3 '%s/kpi-2026-W46.pdf' -", out);
	{
		FILE *p = popen(cmd, "r");
		char buf[65536];
		size_t got;
		assert_non_null(p);
		got = fread(buf, 1, sizeof(buf) - 1, p);
		buf[got] = '\0';
		assert_int_equal(pclose(p), 0);
		assert_non_null(strstr(buf, "HOLD"));
		assert_non_null(strstr(buf, "NOT MEASURED"));
		assert_non_null(strstr(buf, "EXPIRED"));
		assert_non_null(strstr(buf, "IN FORCE"));
		assert_non_null(strstr(buf, "1 waiver expired before 2026-W46"));
	}
	{
		const char *vargv[] = { "kpi", "verify", out, NULL };
		it_run(&r, vargv, env, 120);
		assert_int_equal(r.status, 0);
		it_run_free(&r);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	free(cfg);
}

/* kpi alert with `cfg` (NULL: none) into state directory `state`. */
static void alert(it_run_result *r, const char *cfg, const char *state)
{
	const char *argv[] = { "kpi", "alert", "--state-dir", state, "--db", db->conninfo, cfg ? "--config" : NULL, cfg,
		               NULL };
	it_run(r, argv, env, 120);
}

/* kpi alert follows the verdict rule (kpi_collect_verdicts(), current week
 * 2026-W49 at KPI_NOW): the gating KPIs not measured are shown with perfdata
 * and kept in the ledger with since when; a waived one is not shown; an
 * expired waiver is named and warned; none of it changes the exit code. */
static void test_alert__not_measured_shown_waived_not_expired_warned(void **state)
{
	(void)state;
	char dir[] = "/tmp/kpi-it-alert-nm.XXXXXX", path[256], *ledger = NULL, *p;
	it_run_result r;
	char *cfg;
	int status;

	assert_non_null(mkdtemp(dir));
	alert(&r, NULL, dir);
	status = r.status; /* the demo's alerts, whatever they are: the line does not change it */
	assert_true(status == 0 || status == 1 || status == 2);
	if (!strstr(r.out, "KPI NOT MEASURED - 2 gating KPIs, the go/no-go verdict holds on them: api_error_rate_pct "
	                   "(CloudWatch not configured), api_latency_p95_ms (CloudWatch not configured) | not_measured=2;;;0\n"))
		fail_msg("no NOT MEASURED line:\n%s", r.out);
	it_run_free(&r);
	snprintf(path, sizeof(path), "%s/ledger.json", dir);
	assert_int_equal(kpi__read_file(&ledger, NULL, path, NULL), 0);
	p = strstr(ledger, "\"not_measured\"");
	assert_non_null(p);
	assert_non_null(strstr(p, "\"kpi\": \"api_error_rate_pct\""));
	assert_non_null(strstr(p, "\"since\": \"2026-12-01T00:00:00Z\""));
	free(ledger);

	/* with waivers: what the NOT MEASURED line says (NULL: no line), and
	 * what stderr warns (NULL: nothing asked) */
	{
		static const struct {
			const char *what, *waivers, *line, *warning;
		} cases[] = {
			{ "one waived until 2026-W52: only the other is shown", WAIVE("api_error_rate_pct", "2026-W52"),
			  "KPI NOT MEASURED - 1 gating KPI, the go/no-go verdict holds on it: api_latency_p95_ms "
			  "(CloudWatch not configured) | not_measured=1;;;0\n",
			  NULL },
			{ "its waiver expired in 2026-W44: shown again, the waiver named, a warning",
			  WAIVE("api_error_rate_pct", "2026-W44"),
			  "api_error_rate_pct (CloudWatch not configured; waiver expired: approved by J. Rivera until "
			  "2026-W44), api_latency_p95_ms (CloudWatch not configured) | not_measured=2;;;0",
			  "alert.waiver.expired" },
			{ "both waived: no line",
			  WAIVE("api_error_rate_pct", "2026-W52") ",\n" WAIVE("api_latency_p95_ms", "2026-W52"), NULL,
			  NULL },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			cfg = config(cases[i].waivers);
			alert(&r, cfg, dir);
			assert_int_equal(r.status, status);
			if (cases[i].line ? !strstr(r.out, cases[i].line) : strstr(r.out, "NOT MEASURED") != NULL)
				fail_msg("%s: the NOT MEASURED line is not as expected:\n%s", cases[i].what, r.out);
			if (cases[i].warning && !strstr(r.err, cases[i].warning))
				fail_msg("%s: no %s on stderr:\n%s", cases[i].what, cases[i].warning, r.err);
			it_run_free(&r);
			free(cfg);
		}
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	kpi_error err = KPI_ERROR_INIT;
	int rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_all__not_measured_holds),
		cmocka_unit_test(test_query_all__valid_expired_and_partial_waivers),
		cmocka_unit_test(test_config__bad_waiver_is_exit_3_at_its_position),
		cmocka_unit_test(test_pack__holds_and_records_the_waivers),
		cmocka_unit_test(test_alert__not_measured_shown_waived_not_expired_warned),
	};
	if (!it_pg_wanted("waivers"))
		return 77;
	db = it_db_create("waivers");
	if (kpi_seed(db->cfg, "demo", 1, true, &err)) {
		fprintf(stderr, "kpi_seed demo: %s\n", err.message);
		it_db_drop(db);
		return 1;
	}
	rc = cmocka_run_group_tests_name("integration_waivers", tests, NULL, NULL);
	it_db_drop(db);
	it_tmp_cleanup();
	return rc;
}
