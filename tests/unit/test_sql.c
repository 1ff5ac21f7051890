/*
 * Query files as the PostgreSQL source reads them (sources/postgres/sql.c):
 * parameter declarations, fragments included with `-- @include` and their
 * ${name} parameters, and errors that say file:line(:col) of the file the
 * line comes from. No database: kpi__sql_load only reads and checks.
 */
#include "unit.h"
#include "sources/postgres/pg.h"
#include <sys/stat.h>
#include <unistd.h>

static char qdir[] = "/tmp/kpi-sql.XXXXXX";

static int make_dir(void **state)
{
	char sub[64];
	(void)state;
	assert_non_null(mkdtemp(qdir));
	snprintf(sub, sizeof(sub), "%s/fragments", qdir);
	assert_int_equal(mkdir(sub, 0755), 0);
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", qdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", qdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* err->message starts with "<qdir>/<name>:<where>: " */
static void assert_at(const kpi_error *err, const char *name, const char *where)
{
	char want[512];
	snprintf(want, sizeof(want), "%s/%s:%s: ", qdir, name, where);
	if (strncmp(err->message, want, strlen(want)) != 0) {
		print_error("error '%s'\n  does not start with '%s'\n", err->message, want);
		fail();
	}
}

static void test_sql_load__params_fragments_and_positions(void **state)
{
	kpi__sql q;
	kpi_error err = KPI_ERROR_INIT;
	char at[600];
	(void)state;
	put("fragments/f.sql", "-- f\nSELECT ${to}::timestamptz AS t\n");
	put("top.sql", "-- @param $1 from timestamptz: start\n"
	               "-- @param $2 to timestamptz: end\n"
	               "-- @include fragments/f.sql\n"
	               "UNION ALL SELECT $1::timestamptz\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), 0);
	assert_int_equal(q.nparams, 2);
	assert_string_equal(q.params[0].name, "from");
	assert_string_equal(q.params[1].name, "to");
	assert_int_equal(q.params[1].oid, 1184);
	assert_non_null(strstr(q.text, "SELECT $2::timestamptz AS t\nUNION ALL SELECT $1"));
	/* line 4 of the text is the fragment's line 2; line 5 is top.sql's line 4 */
	kpi__sql_position(at, sizeof(at), &q, (long)(strstr(q.text, "AS t") - q.text) + 1);
	assert_string_equal(at + strlen(qdir) + 1, "fragments/f.sql:2:27");
	kpi__sql_position(at, sizeof(at), &q, (long)(strstr(q.text, "UNION") - q.text) + 1);
	assert_string_equal(at + strlen(qdir) + 1, "top.sql:4:1");
	kpi__sql_release(&q);
}

/* A column after a ${name} is the column in the file, not in the expanded
 * line (where ${to} became $2, three characters shorter). */
static void test_sql_load__column_after_a_named_parameter_is_the_files(void **state)
{
	kpi__sql q;
	kpi_error err = KPI_ERROR_INIT;
	char at[600];
	(void)state;
	put("fragments/g.sql", "SELECT ${to}, ${from}, $5\n");
	put("top.sql", "-- @param $1 from timestamptz: start\n"
	               "-- @param $2 to timestamptz: end\n"
	               "-- @include fragments/g.sql\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), KPI_ECONFIG);
	assert_at(&err, "fragments/g.sql", "1:24"); /* "SELECT ${to}, ${from}, " is 23 characters */
	assert_non_null(strstr(err.message, "$5 is not declared"));
	put("fragments/g.sql", "SELECT 'é', ${to}, $5\n"); /* characters, not bytes */
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), KPI_ECONFIG);
	assert_at(&err, "fragments/g.sql", "1:20");

	/* where PostgreSQL would point: at, inside and after the replaced text */
	put("fragments/g.sql", "SELECT ${to}, ${from}, é $1\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), 0);
	kpi__sql_position(at, sizeof(at), &q, (long)(strstr(q.text, "SELECT $2") - q.text) + 8);
	assert_string_equal(at + strlen(qdir) + 1, "fragments/g.sql:1:8"); /* the $ of $2 */
	kpi__sql_position(at, sizeof(at), &q, (long)(strstr(q.text, ", $1,") - q.text) + 1);
	assert_string_equal(at + strlen(qdir) + 1, "fragments/g.sql:1:13");
	/* the last $1: PostgreSQL counts characters, and é is two bytes */
	kpi__sql_position(at, sizeof(at), &q, (long)(strstr(q.text, "$1\n") - q.text));
	assert_string_equal(at + strlen(qdir) + 1, "fragments/g.sql:1:26");
	kpi__sql_release(&q);
}

/* A fragment that is not there: a config error at the @include line. */
static void test_sql_load__missing_fragment_at_its_include(void **state)
{
	kpi__sql q;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	put("top.sql", "-- @param $1 from timestamptz: start\n"
	               "SELECT $1\n"
	               "-- @include fragments/nope.sql\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), KPI_ECONFIG);
	assert_int_equal(err.code, KPI_ECONFIG);
	assert_at(&err, "top.sql", "3");
	assert_non_null(strstr(err.message, "@include fragments/nope.sql: cannot open"));
	assert_non_null(strstr(err.message, "No such file"));
	assert_null(q.text);
}

/* A cycle of includes is named at the include that closes it. */
static void test_sql_load__include_cycle_at_the_include_that_closes_it(void **state)
{
	kpi__sql q;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	put("fragments/a.sql", "-- a\n-- @include fragments/b.sql\n");
	put("fragments/b.sql", "-- @include fragments/a.sql\n");
	put("top.sql", "-- @param $1 from timestamptz: start\n"
	               "-- @include fragments/a.sql\n"
	               "SELECT $1\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), KPI_ECONFIG);
	assert_at(&err, "fragments/b.sql", "1");
	assert_non_null(strstr(err.message, "a cycle"));
	assert_non_null(strstr(err.message, "fragments/a.sql -> fragments/b.sql -> fragments/a.sql"));

	put("fragments/a.sql", "-- @include fragments/a.sql\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), KPI_ECONFIG);
	assert_at(&err, "fragments/a.sql", "1");
	assert_non_null(strstr(err.message, "a cycle"));

	put("fragments/a.sql", "-- @include top.sql\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), KPI_ECONFIG);
	assert_at(&err, "fragments/a.sql", "1");
	assert_non_null(strstr(err.message, "top.sql -> fragments/a.sql -> top.sql"));
}

/* A declared parameter the text does not use: at its declaration. */
static void test_sql_load__unused_parameter_at_its_declaration(void **state)
{
	kpi__sql q;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	put("top.sql", "-- a query\n"
	               "-- @param $1 from timestamptz: start\n"
	               "-- @param $2 to timestamptz: end\n"
	               "SELECT $2\n");
	assert_int_equal(kpi__sql_load(&q, qdir, "top.sql", &err), KPI_ECONFIG);
	assert_at(&err, "top.sql", "2");
	assert_non_null(strstr(err.message, "declares $1 from but does not use it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sql_load__params_fragments_and_positions),
		cmocka_unit_test(test_sql_load__column_after_a_named_parameter_is_the_files),
		cmocka_unit_test(test_sql_load__missing_fragment_at_its_include),
		cmocka_unit_test(test_sql_load__include_cycle_at_the_include_that_closes_it),
		cmocka_unit_test(test_sql_load__unused_parameter_at_its_declaration),
	};
	return cmocka_run_group_tests_name("sql", tests, make_dir, remove_dir);
}
