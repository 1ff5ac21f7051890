/*
 * Integration: the "Add a KPI" recipe of docs/architecture.md, followed as a
 * site would follow it, with no C: a query file declaring its parameters and
 * a catalogue entry, in a data directory of its own (a copy of the shipped
 * queries and templates), then kpi list, explain, query and pack.
 *
 * The KPI: preview_success_rate, succeeded / (succeeded + failed) x 100 per
 * path over non-drill preview jobs that finished in the week, >= 90 %.
 * Calendar (UTC): W11 = [2026-03-09, 03-16), W12 = [03-16, 03-23).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DONE "2026-05-01T00:00:00Z"

static const char query_sql[] =
	"-- preview_success_rate: succeeded / (succeeded + failed) x 100 per path over\n"
	"-- non-drill preview jobs that finished in the period with one of those statuses.\n"
	"-- @param $1 from timestamptz: start of the first period\n"
	"-- @param $2 to timestamptz: end of the last period (a week's end, or now)\n"
	"WITH periods AS (\n"
	"    SELECT g.ws AS period_start, least(g.ws + interval '1 week', $2::timestamptz) AS period_end\n"
	"    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',\n"
	"                         interval '1 week') AS g (ws)\n"
	")\n"
	"SELECT p.period_start, j.path,\n"
	"       (100.0 * count(*) FILTER (WHERE j.status = 'succeeded') / nullif(count(*), 0))::float8 AS value,\n"
	"       count(*) FILTER (WHERE j.status = 'succeeded')::float8 AS numerator,\n"
	"       count(*)::float8 AS denominator\n"
	"FROM periods p\n"
	"JOIN jobs j ON j.kind = 'preview' AND j.drill_id IS NULL AND j.status IN ('succeeded', 'failed')\n"
	"           AND j.finished_at >= p.period_start AND j.finished_at < p.period_end\n"
	"GROUP BY p.period_start, j.path\n"
	"ORDER BY p.period_start, j.path;\n";

static const char entry_json[] =
	"{\"id\": \"preview_success_rate\", \"title\": \"Preview success rate by path\", \"unit\": \"%\","
	" \"source\": \"postgres\", \"query\": \"preview_success_rate.sql\", \"kind\": \"flow\","
	" \"labels\": [{\"name\": \"path\", \"values\": [\"legacy\", \"owned\"]}],"
	" \"threshold\": {\"op\": \">=\", \"target\": 90}, \"gating\": false, \"missing\": \"ignore\","
	" \"empty\": \"null\", \"chart\": \"line\","
	" \"description\": \"succeeded / (succeeded + failed) x 100 over non-drill preview jobs that finished in the week.\"}";

static const char data_sql[] =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at)\n"
	"VALUES (1, 't1', 's1', 'u1', 'prod', 'owned', '2026-01-05T00:00:00Z');\n"
	"INSERT INTO outage_drills (id, name, started_at, ended_at)\n"
	"VALUES (1, 'drill', '2026-03-10T10:00:00Z', '2026-03-10T11:00:00Z');\n"
	"INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id) VALUES\n"
	/* W11 legacy: 3 succeeded, 1 failed -> 75 % (3 of 4); not counted: a drill
	 * job, an export job, a cancelled preview, one finished in W10 */
	" (1, 1, 'preview', 'legacy', 'succeeded', '2026-03-09T01:00:00Z', '2026-03-09T01:01:00Z', '2026-03-09T01:02:00Z', NULL),\n"
	" (2, 1, 'preview', 'legacy', 'succeeded', '2026-03-10T01:00:00Z', '2026-03-10T01:01:00Z', '2026-03-10T01:02:00Z', NULL),\n"
	" (3, 1, 'preview', 'legacy', 'succeeded', '2026-03-11T01:00:00Z', '2026-03-11T01:01:00Z', '2026-03-11T01:02:00Z', NULL),\n"
	" (4, 1, 'preview', 'legacy', 'failed',    '2026-03-12T01:00:00Z', '2026-03-12T01:01:00Z', '2026-03-12T01:02:00Z', NULL),\n"
	" (5, 1, 'preview', 'legacy', 'failed',    '2026-03-10T10:10:00Z', '2026-03-10T10:11:00Z', '2026-03-10T10:12:00Z', 1),\n"
	" (6, 1, 'export',  'legacy', 'failed',    '2026-03-12T01:00:00Z', '2026-03-12T01:01:00Z', '2026-03-12T01:02:00Z', NULL),\n"
	" (7, 1, 'preview', 'legacy', 'cancelled', '2026-03-13T01:00:00Z', NULL, '2026-03-13T01:02:00Z', NULL),\n"
	" (8, 1, 'preview', 'legacy', 'failed',    '2026-03-08T23:00:00Z', '2026-03-08T23:01:00Z', '2026-03-08T23:59:59Z', NULL),\n"
	/* W12 owned: 2 succeeded -> 100 % (one finished at exactly 03-16 00:00) */
	" (9, 1, 'preview', 'owned', 'succeeded', '2026-03-15T23:00:00Z', '2026-03-15T23:30:00Z', '2026-03-16T00:00:00Z', NULL),\n"
	" (10, 1, 'preview', 'owned', 'succeeded', '2026-03-20T01:00:00Z', '2026-03-20T01:01:00Z', '2026-03-20T01:02:00Z', NULL);\n";

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_recipe__add_a_kpi_without_c(void **state)
{
	char dir[] = "/tmp/kpi-recipe.XXXXXX", path[512], cmd[1200], datadir[600], conn[600], out[600];
	json_t *cat, *entry;
	json_error_t jerr;
	it_db *db;
	it_run_result r;
	kpi_config *cfg = NULL;
	kpi_catalog *kcat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi_window w;
	(void)state;

	/* 1. a data directory: the shipped queries and templates, plus the KPI */
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -r '%s/queries' '%s/templates' '%s/'", KPI_SOURCE_DIR, KPI_SOURCE_DIR, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/queries/preview_success_rate.sql", dir);
	put(path, query_sql);
	snprintf(path, sizeof(path), "%s/templates/catalog.json", dir);
	assert_non_null(cat = json_load_file(path, 0, &jerr));
	assert_non_null(entry = json_loads(entry_json, 0, &jerr));
	assert_int_equal(json_array_append_new(json_object_get(cat, "kpis"), entry), 0);
	assert_int_equal(json_dump_file(cat, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
	json_decref(cat);
	snprintf(datadir, sizeof(datadir), "KPI_DATADIR=%s", dir);

	db = it_db_create("recipe_kpi");
	it_db_exec(db, data_sql);
	snprintf(conn, sizeof(conn), "%s", db->conninfo);
	{
		const char *env[] = { datadir, "KPI_NOW=" DONE, NULL };

		/* 2. kpi list knows it */
		const char *list[] = { "kpi", "list", NULL };
		it_run(&r, list, env, 30);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "preview_success_rate"));
		assert_non_null(strstr(r.out, ">= 90%"));
		it_run_free(&r);

		/* 3. kpi explain: its parameters by name, its text */
		{
			const char *argv[] = { "kpi", "explain", "preview_success_rate", "--week", "2026-W12", NULL };
			it_run(&r, argv, env, 30);
			assert_int_equal(r.status, 0);
			assert_non_null(strstr(r.out, "-- $1 from             = 2026-03-16T00:00:00Z (timestamptz window.from)"));
			assert_non_null(strstr(r.out, "-- $2 to               = 2026-03-23T00:00:00Z (timestamptz window.to)"));
			assert_non_null(strstr(r.out, "JOIN jobs j ON j.kind = 'preview'"));
			it_run_free(&r);
		}

		/* 4. kpi query: the hand-computed rows */
		{
			static const it_row exp[] = {
				{ 0, "path=legacy", 75, 3, 4, "breach" },
				{ 0, "path=owned", NULLV, NULLV, NULLV, "no_data" },
				{ 1, "path=legacy", NULLV, NULLV, NULLV, "no_data" },
				{ 1, "path=owned", 100, 2, 2, "ok" },
			};
			const char *argv[] = { "kpi", "query", "preview_success_rate", "--week", "2026-W12", "--weeks", "2",
				               "--format", "json", "--db", conn, NULL };
			const char *const cenv[] = { datadir, NULL };
			it_run(&r, argv, env, 60);
			if (r.status != 0)
				fail_msg("kpi query exited %d: %s", r.status, r.err);
			assert_int_equal(kpi_config_load_env(&cfg, NULL, cenv, &err), 0);
			assert_int_equal(kpi_catalog_load(&kcat, cfg->catalog_path, &err), 0);
			it_window(&w, "2026-W12", 2, "UTC", DONE);
			it_check_json(r.out, kpi_catalog_find(kcat, "preview_success_rate"), &w, exp, N(exp));
			it_run_free(&r);
		}

		/* 5. kpi pack: a chart, a sheet and the rows, checked by verify */
		{
			const char *argv[] = { "kpi", "pack", "--week", "2026-W12", "--weeks", "2", "--out", out, "--db",
				               conn, NULL };
			const char *verify[] = { "kpi", "verify", out, NULL };
			struct stat st;
			snprintf(out, sizeof(out), "%s/pack", dir);
			it_run(&r, argv, env, 120);
			if (r.status != 0)
				fail_msg("kpi pack exited %d: %s", r.status, r.err);
			it_run_free(&r);
			snprintf(path, sizeof(path), "%s/charts/preview_success_rate.png", out);
			assert_int_equal(stat(path, &st), 0);
			assert_true(st.st_size > 1000);
			it_run(&r, verify, env, 60);
			assert_int_equal(r.status, 0);
			it_run_free(&r);
		}
	}
	kpi_catalog_free(kcat);
	kpi_config_free(cfg);
	it_db_drop(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recipe__add_a_kpi_without_c),
	};
	if (!it_pg_wanted("integration_recipe_kpi"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_recipe_kpi", tests, NULL, NULL);
}
