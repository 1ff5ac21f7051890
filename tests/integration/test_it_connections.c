/*
 * Integration: a run of several Postgres KPIs on more than one connection
 * (config database.connections, KPI_DB_CONNECTIONS; default 2), every
 * connection in the snapshot the first one exported. What a user sees must
 * not depend on it: the output of `kpi query all` over the demo dataset is
 * byte-identical with 1, 2 and 8 connections; the queries do run on
 * different server processes in one snapshot; and a failure is reported as
 * a serial run would report it (the first failing KPI in catalogue order,
 * even when a later one fails sooner). A query file answering several KPIs
 * (a kpi column) runs once for all of them in a run, on any number of
 * connections, and each gets what it gets alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "it_util.h"

#define NOW "KPI_NOW=2026-11-20T00:00:00Z"

static const char *fixtures(void)
{
	const char *f = getenv("KPI_IT_FIXTURES");
	return f && *f ? f : KPI_SOURCE_DIR "/tests/fixtures/integration";
}

/* The demo dataset's twelve weeks: the same bytes whatever the connections. */
static void test_same_output(void **state)
{
	(void)state;
	it_db *db = it_db_create("conn_demo");
	kpi_error err = KPI_ERROR_INIT;
	static const char *const formats[] = { "json", "csv", "table" };
	static const char *const conns[] = { "KPI_DB_CONNECTIONS=1", "KPI_DB_CONNECTIONS=2", "KPI_DB_CONNECTIONS=8" };

	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	for (size_t f = 0; f < 3; f++) {
		char *first = NULL;
		for (size_t c = 0; c < 3; c++) {
			const char *env[] = { NOW, conns[c], "NO_COLOR=1", NULL };
			const char *argv[] = { "kpi", "query", "all", "--week", "2026-W46", "--weeks", "12",
				               "--format", formats[f], "--db", db->conninfo, NULL };
			it_run_result r;
			it_run(&r, argv, env, 120);
			if (r.status != 0)
				fail_msg("query all --format %s with %s: exit %d: %s", formats[f], conns[c], r.status,
				         r.err);
			assert_true(strlen(r.out) > 1000);
			if (!first)
				first = strdup(r.out);
			else if (strcmp(first, r.out) != 0)
				fail_msg("query all --format %s: %s printed something else than %s", formats[f], conns[c],
				         conns[0]);
			it_run_free(&r);
		}
		free(first);
	}
	it_db_drop(db);
}

/* The value of the first row of KPI `id` in `kpi query all --format json`. */
static double first_value(json_t *doc, const char *id, const char *field)
{
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(doc, "kpis"), i, k)
		if (strcmp(json_string_value(json_object_get(k, "kpi")), id) == 0)
			return json_number_value(json_object_get(json_array_get(json_object_get(k, "rows"), 0), field));
	fail_msg("no KPI %s in the output", id);
	return 0;
}

/* Two KPIs: on two server processes with two connections, on one with
 * one; in the same snapshot either way. */
static void test_connections_used(void **state)
{
	(void)state;
	static const char *const files[] = { "backend.sql", "backend_b.sql" };
	it_db *db = it_db_create("conn_used");
	char *cat = it_fixture_catalog(files, 2, NULL);
	char catenv[512], qdir[512];

	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(qdir, sizeof(qdir), "KPI_QUERY_DIR=%s/queries", fixtures());
	for (int c = 1; c <= 2; c++) {
		char conns[32];
		const char *env[] = { NOW, catenv, qdir, conns, NULL };
		const char *argv[] = { "kpi", "query", "all", "--week", "2026-W10", "--weeks", "2", "--format", "json",
			               "--db", db->conninfo, NULL };
		json_error_t jerr;
		json_t *doc;
		it_run_result r;

		snprintf(conns, sizeof(conns), "KPI_DB_CONNECTIONS=%d", c);
		it_run(&r, argv, env, 30);
		if (r.status != 0)
			fail_msg("%s: exit %d: %s", conns, r.status, r.err);
		if (!(doc = json_loads(r.out, 0, &jerr)))
			fail_msg("%s: not JSON: %s", conns, jerr.text);
		if (c == 1)
			assert_true(first_value(doc, "fixture_0", "value") == first_value(doc, "fixture_1", "value"));
		else
			assert_true(first_value(doc, "fixture_0", "value") != first_value(doc, "fixture_1", "value"));
		assert_true(first_value(doc, "fixture_0", "numerator") == first_value(doc, "fixture_1", "numerator"));
		json_decref(doc);
		it_run_free(&r);
	}
	free(cat);
	it_tmp_cleanup();
	it_db_drop(db);
}

/* A slow KPI first, a broken one second: with statement_timeout 300 ms the
 * broken one fails at once on the second connection, but a serial run
 * would have stopped at the first, so that is the error (exit 5, naming
 * the first), and the KPIs after it are not waited for (a minute's sleep). */
static void test_first_failure_wins(void **state)
{
	(void)state;
	static const char *const files[] = { "slow.sql", "bad_type.sql", "slow.sql", "good.sql" };
	it_db *db = it_db_create("conn_fail");
	char *cat = it_fixture_catalog(files, 4, NULL);
	char catenv[512], qdir[512];
	const char *env[] = { NOW, catenv, qdir, "KPI_DB_CONNECTIONS=3", "KPI_STATEMENT_TIMEOUT_MS=300", NULL };
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W10", "--format", "json", "--db", db->conninfo,
		               NULL };
	it_run_result r;

	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(qdir, sizeof(qdir), "KPI_QUERY_DIR=%s/queries", fixtures());
	it_run(&r, argv, env, 30);
	if (r.status != 5)
		fail_msg("exit %d, expected 5 (the timeout of fixture_0): %s", r.status, r.err);
	assert_string_equal(r.out, "");
	assert_int_equal(it_count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "fixture_0"));
	assert_non_null(strstr(r.err, "slow.sql"));
	assert_true(r.seconds < 10);
	it_run_free(&r);

	/* the broken one first: exit 6 naming it, the slow one cancelled */
	{
		static const char *const files2[] = { "good.sql", "bad_type.sql", "slow.sql" };
		char *cat2 = it_fixture_catalog(files2, 3, NULL);
		const char *env2[] = { NOW, catenv, qdir, "KPI_DB_CONNECTIONS=3", NULL };
		snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat2);
		it_run(&r, argv, env2, 30);
		if (r.status != 6)
			fail_msg("exit %d, expected 6 (fixture_1's contract): %s", r.status, r.err);
		assert_non_null(strstr(r.err, "fixture_1"));
		assert_non_null(strstr(r.err, "bad_type.sql"));
		assert_true(r.seconds < 10);
		it_run_free(&r);
		free(cat2);
	}
	free(cat);
	it_tmp_cleanup();
	it_db_drop(db);
}

/* KPI `id`'s object in a `kpi query ... --format json` document. */
static json_t *kpi_of(json_t *doc, const char *id)
{
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(doc, "kpis"), i, k)
		if (strcmp(json_string_value(json_object_get(k, "kpi")), id) == 0)
			return k;
	fail_msg("no KPI %s in the output", id);
	return NULL;
}

/* `kpi query WHAT --week 2026-W46 --weeks 12 --format json` on the demo
 * database, with `conns` connections: the parsed output. */
static json_t *query_json(const it_db *db, const char *what, const char *conns)
{
	const char *env[] = { NOW, conns, NULL };
	const char *argv[] = { "kpi", "query", what, "--week", "2026-W46", "--weeks", "12", "--format", "json",
		               "--db", db->conninfo, NULL };
	json_error_t jerr;
	json_t *doc;
	it_run_result r;

	it_run(&r, argv, env, 120);
	if (r.status != 0)
		fail_msg("query %s with %s: exit %d: %s", what, conns, r.status, r.err);
	if (!(doc = json_loads(r.out, 0, &jerr)))
		fail_msg("query %s: not JSON: %s", what, jerr.text);
	it_run_free(&r);
	return doc;
}

/* The coverage family (legacy_coverage.sql answers three KPIs): `kpi query
 * all` runs it once, on one connection or two (counted in the server's
 * log), first on two (jobs_order), and each KPI's rows are those of `kpi
 * query KPI` alone. */
static void test_shared_query_runs_once(void **state)
{
	(void)state;
	static const char *const family[] = { "legacy_coverage_pct", "uncached_legacy_max_age_days",
		                              "outage_drill_success_pct" };
	it_db *db = it_db_create("conn_shared");
	kpi_error err = KPI_ERROR_INIT;
	char sql[200];

	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET log_statement = 'all'", db->name);
	it_admin_exec(sql);
	for (int c = 1; c <= 2; c++) {
		char conns[32];
		it_srvlog log;
		json_t *all;

		snprintf(conns, sizeof(conns), "KPI_DB_CONNECTIONS=%d", c);
		it_srvlog_open(&log);
		all = query_json(db, "all", conns);
		assert_int_equal(it_srvlog_count(&log, "-- legacy_coverage.sql:"), 1);
		assert_int_equal(it_srvlog_count(&log, "-- adoption_split:"), 1);
		/* one connection: in the catalogue's order, after the five queue and
		 * export KPIs; two: the shared execution is the first query of its
		 * connection (handed out first, jobs_order) */
		assert_int_equal(it_srvlog_rank(&log, "-- legacy_coverage.sql:"), c == 1 ? 6 : 1);
		for (size_t i = 0; i < 3; i++) {
			json_t *alone = query_json(db, family[i], conns);
			json_t *rows = json_object_get(kpi_of(all, family[i]), "rows");
			assert_true(json_array_size(rows) == 12);
			assert_string_equal(json_string_value(json_object_get(alone, "kpi")), family[i]);
			if (!json_equal(rows, json_object_get(alone, "rows")))
				fail_msg("%s: the rows of query all differ from those of query %s", conns, family[i]);
			json_decref(alone);
		}
		assert_int_equal(it_srvlog_count(&log, "-- legacy_coverage.sql:"), 4);
		json_decref(all);
	}
	it_db_drop(db);
}

/* `kpi query all` of the fixture catalogue of `files`: exit 6, one line
 * holding `kpi` and `msg`. */
static void shared_contract_error(const it_db *db, const char *const *files, size_t n, const char *kpi,
                                  const char *msg)
{
	char *cat = it_fixture_catalog(files, n, NULL);
	char catenv[512], qdir[512];
	const char *env[] = { NOW, catenv, qdir, "KPI_DB_CONNECTIONS=2", NULL };
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W10", "--weeks", "2", "--format", "json",
		               "--db", db->conninfo, NULL };
	it_run_result r;

	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(qdir, sizeof(qdir), "KPI_QUERY_DIR=%s/queries", fixtures());
	it_run(&r, argv, env, 30);
	assert_int_equal(r.status, 6);
	assert_int_equal(it_count_lines(r.err), 1);
	assert_non_null(strstr(r.err, kpi));
	assert_non_null(strstr(r.err, msg));
	it_run_free(&r);
	free(cat);
}

/* A fixture file answering fixture_0 and fixture_1 (and fixture_2 reading
 * another file): with two connections both come from one execution (the
 * same statement start), the other from its own; a null kpi, or a kpi
 * column naming other KPIs only, is a contract error naming KPI and file. */
static void test_shared_query_contract(void **state)
{
	(void)state;
	static const char *const files[] = { "shared.sql", "backend.sql", "shared.sql" };
	static const char *const null_files[] = { "good.sql", "shared_null.sql" };
	static const char *const other_files[] = { "shared_other.sql" };
	it_db *db = it_db_create("conn_shared_fx");
	char *cat = it_fixture_catalog(files, 3, NULL);
	char catenv[512], qdir[512];
	const char *env[] = { NOW, catenv, qdir, "KPI_DB_CONNECTIONS=2", NULL };
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W10", "--weeks", "2", "--format", "json",
		               "--db", db->conninfo, NULL };
	json_error_t jerr;
	json_t *doc;
	it_run_result r;

	snprintf(catenv, sizeof(catenv), "KPI_CATALOG=%s", cat);
	snprintf(qdir, sizeof(qdir), "KPI_QUERY_DIR=%s/queries", fixtures());
	it_run(&r, argv, env, 30);
	if (r.status != 0)
		fail_msg("exit %d: %s", r.status, r.err);
	if (!(doc = json_loads(r.out, 0, &jerr)))
		fail_msg("not JSON: %s", jerr.text);
	assert_true(first_value(doc, "fixture_0", "numerator") == first_value(doc, "fixture_2", "numerator"));
	assert_true(first_value(doc, "fixture_0", "value") == first_value(doc, "fixture_2", "value"));
	assert_true(first_value(doc, "fixture_0", "value") != first_value(doc, "fixture_1", "value"));
	json_decref(doc);
	it_run_free(&r);
	free(cat);

	shared_contract_error(db, null_files, 2, "KPI fixture_1 (", "shared_null.sql): row 1 has a null kpi");
	shared_contract_error(db, other_files, 1, "KPI fixture_0 (",
	                      "shared_other.sql): the result's kpi column names other KPIs only");
	it_tmp_cleanup();
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_output),
		cmocka_unit_test(test_connections_used),
		cmocka_unit_test(test_first_failure_wins),
		cmocka_unit_test(test_shared_query_runs_once),
		cmocka_unit_test(test_shared_query_contract),
	};
	if (!it_pg_wanted("integration_connections"))
		return 77;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
