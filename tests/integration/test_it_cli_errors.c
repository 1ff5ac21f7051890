/*
 * Integration: bad input through the kpi command. Every failure must give its
 * documented exit code (kpi_exit_codes in tools/opts.c: 2 usage, 3 config,
 * 4 source, 5 timeout, 6 contract), exactly one line on stderr, nothing on
 * stdout (no partial table), no crash and no hang; secrets never appear in
 * any output.
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

#define WEEK "2026-W10"
#define NOW "KPI_NOW=2026-05-01T00:00:00Z"

static const char *fixtures(void)
{
	const char *f = getenv("KPI_IT_FIXTURES");
	return f && *f ? f : KPI_SOURCE_DIR "/tests/fixtures/integration";
}

/* Run and check a failure; returns the run so the caller can look closer. */
static void expect_fail(it_run_result *r, const char *const *argv, const char *const *env, int want,
                        const char *const *must, const char *const *must_not)
{
	it_run(r, argv, env, 20);
	if (r->status != want)
		fail_msg("kpi %s %s: exit %d, expected %d; stderr: %s", argv[1], argv[2] ? argv[2] : "", r->status,
		         want, r->err);
	if (r->out[0])
		fail_msg("kpi %s: nothing may go to stdout on failure, got: %s", argv[1], r->out);
	if (it_count_lines(r->err) != 1 || r->err[strlen(r->err) - 1] != '\n')
		fail_msg("kpi %s: expected exactly one line on stderr, got %d:\n%s", argv[1], it_count_lines(r->err),
		         r->err);
	if (strncmp(r->err, "kpi", 3) != 0)
		fail_msg("kpi %s: the message should start with the program name: %s", argv[1], r->err);
	for (const char *const *m = must; m && *m; m++)
		if (!strstr(r->err, *m))
			fail_msg("kpi %s: stderr should mention '%s': %s", argv[1], *m, r->err);
	for (const char *const *m = must_not; m && *m; m++)
		if (strstr(r->err, *m) || strstr(r->out, *m))
			fail_msg("kpi %s: output must not contain '%s': %s", argv[1], *m, r->err);
}

static void test_unknown_kpi(void **state)
{
	(void)state;
	it_run_result r;
	const char *argv[] = { "kpi", "query", "no_such_kpi", "--week", WEEK, "--format", "json", NULL };
	const char *must[] = { "no_such_kpi", NULL };
	expect_fail(&r, argv, NULL, 2, must, NULL);
	it_run_free(&r);
}

/* A command missing its argument says so once, after its own name: "kpi
 * export: what to export? ...", never "kpi export: kpi export: ...". */
static void test_missing_argument_named_once(void **state)
{
	static const char *const cmds[] = { "deliver", "explain", "export", "index", "seed", "silence", "verify", NULL };
	(void)state;
	for (const char *const *c = cmds; *c; c++) {
		it_run_result r;
		char prefix[64], twice[128];
		const char *argv[] = { "kpi", *c, NULL };
		snprintf(prefix, sizeof(prefix), "kpi %s: ", *c);
		snprintf(twice, sizeof(twice), "kpi %s: kpi", *c);
		const char *must[] = { prefix, NULL }, *must_not[] = { twice, NULL };
		expect_fail(&r, argv, NULL, 2, must, must_not);
		if (strncmp(r.err, prefix, strlen(prefix)) != 0)
			fail_msg("kpi %s: the message should start with '%s': %s", *c, prefix, r.err);
		it_run_free(&r);
	}
}

static void test_malformed_week(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2026-10",   /* not YYYY-Www */
		"2026-W7",   /* one digit */
		"2025-W53",  /* 2025 has 52 ISO weeks */
		"2026-W00",
		"W10-2026",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		it_run_result r;
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", bad[i], "--format", "json", NULL };
		expect_fail(&r, argv, NULL, 2, NULL, NULL);
		it_run_free(&r);
	}
	{
		it_run_result r;
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--weeks", "0", NULL };
		expect_fail(&r, argv, NULL, 2, NULL, NULL);
		it_run_free(&r);
	}
}

/* A newline or another control character in what the user typed (a week,
 * a KPI id, a path, a command) is escaped: the error stays one line. */
static void test_control_characters_are_escaped(void **state)
{
	static const struct {
		const char *argv[8];
		int want;
		const char *must;
	} cases[] = {
		{ { "kpi", "query", "adoption_split", "--week", "2026-W0\n7", NULL }, 2, "'2026-W0\\n7'" },
		{ { "kpi", "query", "adoption_split", "--week", "2026-W\r\x1b[", NULL }, 2, "'2026-W\\r\\x1b['" },
		{ { "kpi", "query", "no_such\nkpi", "--week", WEEK, NULL }, 2, "no_such\\nkpi" },
		{ { "kpi", "query", "adoption_split", "--week", WEEK, "--config", "/nonexistent/a\nb.json", NULL }, 3,
		  "/nonexistent/a\\nb.json" },
		{ { "kpi", "no\tsuch", NULL }, 2, "unknown command 'no\\tsuch'" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		it_run_result r;
		const char *must[] = { cases[i].must, NULL };
		expect_fail(&r, cases[i].argv, NULL, cases[i].want, must, NULL);
		it_run_free(&r);
	}
}

/* Config errors: exit 3 and "file:line:col:" at the offending place.
 * Line 3 of each file, columns counted from 1:
 *   `  "active_days": 90,,`           the second ',' is column 21
 *   `  "active_days": "ninety"`       the value starts at column 18
 *   `    "no_such_kpi": {"gating": false}`  the override object starts at column 20
 *   `  "timezone": "Mars/Olympus"`    the value starts at column 15 */
static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *file, *text, *pos;
	} cases[] = {
		{ "syntax.json", "{\n  \"timezone\": \"UTC\",\n  \"active_days\": 90,,\n}\n", ":3:21:" },
		{ "active_days.json", "{\n  \"timezone\": \"UTC\",\n  \"active_days\": \"ninety\"\n}\n", ":3:18:" },
		{ "unknown_kpi.json", "{\n  \"kpis\": {\n    \"no_such_kpi\": {\"gating\": false}\n  }\n}\n", ":3:20:" },
		{ "timezone.json", "{\n  \"active_days\": 30,\n  \"timezone\": \"Mars/Olympus\"\n}\n", ":3:15:" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = it_write_tmp(cases[i].file, cases[i].text);
		char where[512];
		const char *must[] = { where, NULL };
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--config", path, NULL };
		it_run_result r;

		snprintf(where, sizeof(where), "%s%s", path, cases[i].pos);
		expect_fail(&r, argv, NULL, 3, must, NULL);
		it_run_free(&r);
		/* the same file through KPI_CONFIG */
		{
			char env0[600];
			const char *env[] = { env0, NULL };
			const char *argv2[] = { "kpi", "query", "adoption_split", "--week", WEEK, NULL };
			snprintf(env0, sizeof(env0), "KPI_CONFIG=%s", path);
			expect_fail(&r, argv2, env, 3, must, NULL);
			it_run_free(&r);
		}
		free(path);
	}
	it_tmp_cleanup();
}

/* A config or catalogue that is not there is a config error (3), as an
 * invalid one is, for every command that reads them. */
static void test_missing_config_or_catalogue(void **state)
{
	static const char *const cmds[][8] = {
		{ "kpi", "query", "adoption_split", "--week", WEEK, "--config", "/nonexistent/kpi.json", NULL },
		{ "kpi", "list", "--config", "/nonexistent/kpi.json", NULL },
		{ "kpi", "explain", "adoption_split", "--config", "/nonexistent/kpi.json", NULL },
		{ "kpi", "pack", "--week", WEEK, "--config", "/nonexistent/kpi.json", NULL },
		{ "kpi", "publish", "--prom-textfile", "/tmp/kpi-it-never.prom", "--config", "/nonexistent/kpi.json", NULL },
	};
	const char *must[] = { "config: cannot open '/nonexistent/kpi.json': No such file or directory", NULL };
	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		it_run_result r;
		expect_fail(&r, cmds[i], NULL, 3, must, NULL);
		it_run_free(&r);
	}
	{
		it_run_result r;
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, NULL };
		const char *env[] = { "KPI_CONFIG=/nonexistent/kpi.json", NULL };
		expect_fail(&r, argv, env, 3, must, NULL);
		it_run_free(&r);
	}
	{
		it_run_result r;
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, NULL };
		const char *env[] = { "KPI_CATALOG=/nonexistent/catalog.json", NULL };
		const char *cmust[] = { "catalogue: cannot open '/nonexistent/catalog.json'", NULL };
		expect_fail(&r, argv, env, 3, cmust, NULL);
		it_run_free(&r);
	}
}

/* --db that libpq cannot parse: a config error (3) before any connection,
 * the string (and the password in it) never shown. */
static void test_malformed_db_conninfo(void **state)
{
	static const char *const bad[] = {
		"host=/tmp password=kpi-it-Secret-77 'unterminated",
		"dbname=kpi password='kpi-it-Secret-77",
		"dbname=kpi password=kpi-it-Secret-77 no_such_option=1",
		"postgresql://kpi:kpi-it-Secret-77@localhost/kpi?no_such_param=1",
	};
	const char *must[] = { "--db: conninfo cannot be parsed by libpq", NULL };
	const char *no_secret[] = { "kpi-it-Secret-77", NULL };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--db", bad[i], NULL };
		const char *seed[] = { "kpi", "seed", "demo", "--db", bad[i], NULL };
		it_run_result r;
		expect_fail(&r, argv, NULL, 3, must, no_secret);
		assert_true(r.seconds < 5);
		it_run_free(&r);
		expect_fail(&r, seed, NULL, 3, must, no_secret);
		it_run_free(&r);
	}
	{ /* libpq's reason when it names a key, not a value */
		static const struct {
			const char *db, *why;
		} named[] = {
			{ "hots=x password=kpi-it-Secret-77", ": invalid connection option \"hots\"" },
			{ "dbname=kpi password=kpi-it-Secret-77 no_such_option=1", ": invalid connection option \"no_such_option\"" },
			{ "postgresql://kpi:kpi-it-Secret-77@localhost/kpi?no_such_param=1",
			  ": invalid URI query parameter: \"no_such_param\"" },
		};
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
			const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--db", named[i].db, NULL };
			const char *why[] = { "--db: conninfo cannot be parsed by libpq", named[i].why, NULL };
			it_run_result r;
			expect_fail(&r, argv, NULL, 3, why, no_secret);
			it_run_free(&r);
		}
	}
	{ /* a token quoted by libpq may be a password typed without its key: not shown */
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--db", "dbname=kpi kpi-it-Secret-77",
			               NULL };
		it_run_result r;
		expect_fail(&r, argv, NULL, 3, must, no_secret);
		it_run_free(&r);
	}
}

/* kpi seed demo into reference tables that hold rows: a usage error (2,
 * the command needs --reset), not a source that cannot be read (4); no row
 * is added. */
static void test_seed_into_a_seeded_database(void **state)
{
	it_db *db = it_db_create("cli_seed_seeded");
	const char *argv[] = { "kpi", "seed", "demo", "--db", db->conninfo, NULL };
	const char *must[] = { "kpi: the reference tables are not empty (designs, jobs): kpi seed demo --reset "
		               "replaces them",
		               NULL };
	it_run_result r;
	PGresult *res;
	(void)state;
	it_db_exec(db, "INSERT INTO designs VALUES (1, 't', 's', 'u', 'prod', 'legacy', now(), NULL)");
	expect_fail(&r, argv, NULL, 2, must, NULL);
	it_run_free(&r);
	res = PQexec(db->conn, "SELECT count(*) FROM designs");
	assert_string_equal(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	it_db_drop(db);
}

/* A socket directory with no server in it: exit 4, quickly. */
static void test_unreachable_database(void **state)
{
	(void)state;
	char dir[] = "/tmp/kpi-it-nosrv.XXXXXX";
	char conninfo[128];
	it_run_result r;

	assert_non_null(mkdtemp(dir));
	snprintf(conninfo, sizeof(conninfo), "host=%s port=5432 dbname=kpi", dir);
	{
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--format", "json", "--db",
			               conninfo, NULL };
		const char *env[] = { NOW, "PGCONNECT_TIMEOUT=5", NULL };
		expect_fail(&r, argv, env, 4, NULL, NULL);
		assert_true(r.seconds < 10);
		it_run_free(&r);
	}
	/* also through the PG* environment, for `kpi query all` in table format */
	{
		char host[160];
		const char *argv[] = { "kpi", "query", "all", "--week", WEEK, NULL };
		const char *env[] = { NOW, host, "PGCONNECT_TIMEOUT=5", NULL };
		snprintf(host, sizeof(host), "PGHOST=%s", dir);
		expect_fail(&r, argv, env, 4, NULL, NULL);
		it_run_free(&r);
	}
	/* a textfile (the staleness signal) with no directory to go to is
	 * refused before the database is tried: exit 7, one line naming it */
	{
		char host[160];
		const char *argv[] = { "kpi", "publish", "--week", WEEK, "--prom-textfile", "/nonexistent-kpi/dir/kpi.prom",
			               NULL };
		const char *env[] = { NOW, host, "PGCONNECT_TIMEOUT=5", NULL };
		const char *must[] = { "kpi: cannot write the textfile /nonexistent-kpi/dir/kpi.prom: "
			               "/nonexistent-kpi/dir: no such directory",
			               NULL };
		const char *must_not[] = { "PostgreSQL", NULL };
		snprintf(host, sizeof(host), "PGHOST=%s", dir);
		expect_fail(&r, argv, env, 7, must, must_not);
		it_run_free(&r);
	}
	/* the database unreachable and the textfile not written (a directory
	 * is in its way): one line that says both, exit 4 */
	{
		char host[160], prom[200], sub[220];
		const char *argv[] = { "kpi", "publish", "--week", WEEK, "--prom-textfile", prom, NULL };
		const char *env[] = { NOW, host, "PGCONNECT_TIMEOUT=5", NULL };
		const char *must[] = { "kpi: cannot connect to PostgreSQL",
			               "; the textfile that would tell of it was not written either: cannot rename", NULL };
		snprintf(host, sizeof(host), "PGHOST=%s", dir);
		snprintf(prom, sizeof(prom), "%s/kpi.prom", dir);
		snprintf(sub, sizeof(sub), "%s/kpi.prom/x", dir);
		assert_int_equal(mkdir(prom, 0755), 0);
		assert_int_equal(mkdir(sub, 0755), 0);
		expect_fail(&r, argv, env, 4, must, NULL);
		it_run_free(&r);
		rmdir(sub);
		rmdir(prom);
	}
	/* --out where no directory can be made: exit 7 naming it, before the
	 * database is tried (and not as the decisions file beside it) */
	{
		char host[160];
		const char *argv[] = { "kpi", "pack", "--week", WEEK, "--out", "/dev/null/x", "--quiet", NULL };
		const char *env[] = { NOW, host, "PGCONNECT_TIMEOUT=5", NULL };
		const char *must[] = { "kpi: cannot create the pack directory /dev/null/x: /dev/null is not a directory",
			               NULL };
		const char *must_not[] = { "decisions", "PostgreSQL", NULL };
		snprintf(host, sizeof(host), "PGHOST=%s", dir);
		expect_fail(&r, argv, env, 7, must, must_not);
		it_run_free(&r);
	}
	/* kpi render: the same line, no database at all */
	{
		const char *argv[] = { "kpi", "render", "--snapshot",
		                       KPI_SOURCE_DIR "/tests/fixtures/render/demo-w46.snapshot.json", "--out", "/dev/null/x",
		                       NULL };
		const char *must[] = { "kpi: cannot create the pack directory /dev/null/x: /dev/null is not a directory",
			               NULL };
		const char *must_not[] = { "decisions", NULL };
		expect_fail(&r, argv, NULL, 7, must, must_not);
		it_run_free(&r);
	}
	rmdir(dir);
}

#define RIGHT_PW "kpi-it-Right-9f3c71"
#define WRONG_PW "kpi-it-Wrong-52ab0e"

/* pg_hba of scripts/test: `local all kpi_pw scram-sha-256` before `local all
 * all trust`. A wrong password is exit 4, and neither password is printed. */
static void test_wrong_password(void **state)
{
	(void)state;
	it_db *db = it_db_create("cli_wrong_password");
	it_run_result r;
	const char *no_secret[] = { RIGHT_PW, WRONG_PW, NULL };

	it_admin_exec("DO $$ BEGIN CREATE ROLE kpi_pw LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
	              "ALTER ROLE kpi_pw LOGIN PASSWORD '" RIGHT_PW "'");
	it_db_exec(db, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO kpi_pw");

	/* PGPASSWORD from the environment */
	{
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--format", "json", "--db",
			               db->conninfo, NULL };
		const char *env[] = { NOW, "PGUSER=kpi_pw", "PGPASSWORD=" WRONG_PW, NULL };
		const char *must[] = { "password authentication failed", NULL };
		expect_fail(&r, argv, env, 4, must, no_secret);
		it_run_free(&r);
	}
	/* a password inside --db (as a user might type it) */
	{
		char conninfo[256];
		const char *argv[] = { "kpi", "query", "all", "--week", WEEK, "--db", conninfo, NULL };
		const char *env[] = { NOW, NULL };
		snprintf(conninfo, sizeof(conninfo), "%s user=kpi_pw password=%s", db->conninfo, WRONG_PW);
		expect_fail(&r, argv, env, 4, NULL, no_secret);
		it_run_free(&r);
	}
	/* the right one works: the failure above was the password, nothing else */
	{
		const char *argv[] = { "kpi", "query", "adoption_split", "--week", WEEK, "--format", "json", "--db",
			               db->conninfo, NULL };
		const char *env[] = { NOW, "PGUSER=kpi_pw", "PGPASSWORD=" RIGHT_PW, NULL };
		it_run(&r, argv, env, 20);
		if (r.status != 0)
			fail_msg("with the right password: exit %d: %s", r.status, r.err);
		assert_null(strstr(r.out, RIGHT_PW));
		assert_null(strstr(r.err, RIGHT_PW));
		assert_non_null(strstr(r.out, "\"kpi\":\"adoption_split\""));
		it_run_free(&r);
	}
	it_db_drop(db);
}

/* statement_timeout from the config; the query of a fixture catalogue sleeps
 * for a minute. Exit 5 within a few seconds, the message names the KPI. */
static void test_statement_timeout(void **state)
{
	(void)state;
	it_db *db = it_db_create("cli_statement_timeout");
	char *cfg = it_write_tmp("timeout.json", "{\"database\": {\"statement_timeout_ms\": 200}}\n");
	char cat[512], qdir[512];
	const char *env[] = { NOW, cat, qdir, NULL };
	const char *argv[] = { "kpi", "query", "fixture_slow", "--week", WEEK, "--format", "json", "--db",
		               db->conninfo, "--config", cfg, NULL };
	const char *must[] = { "fixture_slow", "slow.sql", NULL };
	it_run_result r;

	snprintf(cat, sizeof(cat), "KPI_CATALOG=%s/catalog.json", fixtures());
	snprintf(qdir, sizeof(qdir), "KPI_QUERY_DIR=%s/queries", fixtures());
	expect_fail(&r, argv, env, 5, must, NULL);
	assert_true(r.seconds < 10);
	it_run_free(&r);

	/* the same through KPI_STATEMENT_TIMEOUT_MS */
	{
		const char *env2[] = { NOW, cat, qdir, "KPI_STATEMENT_TIMEOUT_MS=200", NULL };
		const char *argv2[] = { "kpi", "query", "fixture_slow", "--week", WEEK, "--db", db->conninfo, NULL };
		expect_fail(&r, argv2, env2, 5, must, NULL);
		it_run_free(&r);
	}
	/* 1 ms: the session's own statements (the pg_stat_statements and
	 * standby checks) are cancelled too, and are a timeout as well (exit 5,
	 * not 4), said in one readable line */
	{
		const char *env3[] = { NOW, cat, qdir, "KPI_STATEMENT_TIMEOUT_MS=1", NULL };
		const char *argv3[] = { "kpi", "query", "fixture_slow", "--week", WEEK, "--db", db->conninfo, NULL };
		const char *must3[] = { "statement_timeout 1 ms", NULL };
		for (int i = 0; i < 3; i++) {
			expect_fail(&r, argv3, env3, 5, must3, NULL);
			assert_null(strstr(r.err, ":  PostgreSQL"));
			it_run_free(&r);
		}
	}
	/* the run's first statement cancelled (it waits here for a lock held on
	 * the catalogue, as it would on a server too slow for the limit): the
	 * message says which statement, that it comes before any KPI, and what
	 * to raise, not as if pg_stat_statements were the problem */
	{
		const char *env4[] = { NOW, cat, qdir, "KPI_STATEMENT_TIMEOUT_MS=300", NULL };
		const char *argv4[] = { "kpi", "query", "fixture_slow", "--week", WEEK, "--db", db->conninfo, NULL };
		const char *must4[] = { "kpi: the run's first statement (checking for pg_stat_statements, before any "
			                "KPI) was cancelled after statement_timeout 300 ms, too low for this server: "
			                "raise KPI_STATEMENT_TIMEOUT_MS or the config's database.statement_timeout_ms",
			                NULL };
		const char *must_not4[] = { "looking for", "fixture_slow", NULL };
		PGresult *res = PQexec(db->conn, "BEGIN; LOCK TABLE pg_catalog.pg_extension IN ACCESS EXCLUSIVE MODE");
		assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
		PQclear(res);
		expect_fail(&r, argv4, env4, 5, must4, must_not4);
		it_run_free(&r);
		res = PQexec(db->conn, "ROLLBACK");
		PQclear(res);
	}
	free(cfg);
	it_tmp_cleanup();
	it_db_drop(db);
}

/* Queries whose result breaks the contract (docs/configuration.md, the result contract): exit 6, the message names
 * the KPI and the query file. With `all`, the KPI before it succeeded, yet
 * nothing is printed. */
static void test_result_contract(void **state)
{
	(void)state;
	static const char *const ids[] = { "fixture_bad_type", "fixture_extra_column", "fixture_missing_column" };
	static const char *const files[] = { "bad_type.sql", "extra_column.sql", "missing_column.sql" };
	it_db *db = it_db_create("cli_result_contract");
	char cat[512], qdir[512];
	const char *env[] = { NOW, cat, qdir, NULL };
	it_run_result r;

	snprintf(cat, sizeof(cat), "KPI_CATALOG=%s/catalog.json", fixtures());
	snprintf(qdir, sizeof(qdir), "KPI_QUERY_DIR=%s/queries", fixtures());

	/* the good fixture works, so the failures below are the contract's */
	{
		const char *argv[] = { "kpi", "query", "fixture_good", "--week", WEEK, "--weeks", "2", "--format",
			               "json", "--db", db->conninfo, NULL };
		json_error_t jerr;
		json_t *doc;
		it_run(&r, argv, env, 20);
		if (r.status != 0)
			fail_msg("fixture_good: exit %d: %s", r.status, r.err);
		doc = json_loads(r.out, 0, &jerr);
		assert_non_null(doc);
		assert_int_equal(json_array_size(json_object_get(doc, "rows")), 2);
		json_decref(doc);
		it_run_free(&r);
	}
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *argv[] = { "kpi", "query", ids[i], "--week", WEEK, "--format", "json", "--db", db->conninfo,
			               NULL };
		const char *must[] = { ids[i], files[i], NULL };
		expect_fail(&r, argv, env, 6, must, NULL);
		it_run_free(&r);
	}
	{
		const char *argv[] = { "kpi", "query", "all", "--week", WEEK, "--format", "table", "--db", db->conninfo,
			               NULL };
		const char *must[] = { "fixture_bad_type", "bad_type.sql", NULL };
		expect_fail(&r, argv, env, 6, must, NULL);
		it_run_free(&r);
	}
	{
		const char *argv[] = { "kpi", "query", "all", "--week", WEEK, "--format", "csv", "--db", db->conninfo,
			               NULL };
		expect_fail(&r, argv, env, 6, NULL, NULL);
		it_run_free(&r);
	}
	it_db_drop(db);
}

/* --log-format is every command's (SPEC: JSON logs, `--log-format text` for
 * a person): each accepts it, and a run's log lines follow it. */
static void test_log_format_every_command(void **state)
{
	static const char *const cmds[] = { "alert", "decide", "deliver", "explain", "export", "index", "list",
		                            "pack", "publish", "query", "render", "seed", "silence", "uncovered",
		                            "verify", NULL };
	it_db *db = it_db_create("cli_log_format");
	char cat[512], qdir[512];
	const char *env[] = { NOW, cat, qdir, "KPI_LOG_LEVEL=debug", NULL };
	it_run_result r;
	(void)state;
	for (const char *const *c = cmds; *c; c++) {
		const char *argv[] = { "kpi", *c, "--log-format", "text", "--help", NULL };
		it_run(&r, argv, NULL, 20);
		if (r.status != 0)
			fail_msg("kpi %s --log-format text: exit %d: %s", *c, r.status, r.err);
		it_run_free(&r);
	}
	snprintf(cat, sizeof(cat), "KPI_CATALOG=%s/catalog.json", fixtures());
	snprintf(qdir, sizeof(qdir), "KPI_QUERY_DIR=%s/queries", fixtures());
	for (int text = 0; text < 2; text++) {
		const char *argv[] = { "kpi", "query", "fixture_good", "--week", WEEK, "--weeks", "2", "--db", db->conninfo,
			               text ? "--log-format" : NULL, "text", NULL };
		it_run(&r, argv, env, 20);
		if (r.status != 0)
			fail_msg("query --log-format %s: exit %d: %s", text ? "text" : "json", r.status, r.err);
		if (!strstr(r.err, "pg.cost"))
			fail_msg("query at KPI_LOG_LEVEL=debug: no pg.cost log line: %s", r.err);
		for (const char *l = r.err; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
			if (text ? !(l[0] >= '0' && l[0] <= '9' && l[4] == '-') : l[0] != '{')
				fail_msg("query --log-format %s: not a %s log line: %s", text ? "text" : "json",
				         text ? "text" : "JSON", l);
		it_run_free(&r);
	}
	it_db_drop(db);
}

/* A syntax error the server finds in a fragment: exit 4 at file:line:col of
 * the fragment, where PostgreSQL's position (characters, not bytes) lands
 * after a non-ASCII character and a ${name} (expanded as the shorter $2). */
static void test_syntax_error_position(void **state)
{
	(void)state;
	it_db *db = it_db_create("cli_syntax_position");
	char *cat = it_write_tmp("catalog.json", "{\"kpis\": [{\"id\": \"fixture_syntax\", \"title\": \"S\", "
	                                         "\"unit\": \"count\", \"query\": \"syn.sql\", \"empty\": \"zero\"}]}\n");
	char *frag = it_write_tmp("frag.sql", "-- a fragment\n"
	                                      "SELECT 'é' AS a, ${to} AS b FRM x\n");
	char *top = it_write_tmp("syn.sql", "-- @param $1 from timestamptz: start\n"
	                                    "-- @param $2 to timestamptz: end\n"
	                                    "-- @include frag.sql\n"
	                                    "WHERE $1::timestamptz IS NOT NULL\n");
	char env_cat[600], env_q[600], at[600];
	const char *env[] = { NOW, env_cat, env_q, NULL };
	const char *argv[] = { "kpi", "query", "fixture_syntax", "--week", WEEK, "--db", db->conninfo, NULL };
	const char *must[] = { at, "syntax error at or near \"FRM\"", NULL };
	it_run_result r;

	snprintf(env_cat, sizeof(env_cat), "KPI_CATALOG=%s", cat);
	snprintf(env_q, sizeof(env_q), "KPI_QUERY_DIR=%.*s", (int)(strrchr(top, '/') - top), top);
	snprintf(at, sizeof(at), "kpi: %s:2:29: KPI fixture_syntax: ", frag); /* FRM is the 29th character */
	expect_fail(&r, argv, env, 4, must, NULL);
	if (strncmp(r.err, at, strlen(at)) != 0)
		fail_msg("the message should start with '%s': %s", at, r.err);
	it_run_free(&r);
	free(cat);
	free(frag);
	free(top);
	it_tmp_cleanup();
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_kpi),
		cmocka_unit_test(test_malformed_week),
		cmocka_unit_test(test_control_characters_are_escaped),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_missing_config_or_catalogue),
		cmocka_unit_test(test_malformed_db_conninfo),
		cmocka_unit_test(test_seed_into_a_seeded_database),
		cmocka_unit_test(test_unreachable_database),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_statement_timeout),
		cmocka_unit_test(test_result_contract),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_missing_argument_named_once),
		cmocka_unit_test(test_log_format_every_command),
	};
	if (!it_pg_wanted("integration_cli_errors"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_cli_errors", tests, NULL, NULL);
}
