/*
 * The KPI catalogue (catalog.c) and the configuration (config.c): loading,
 * per-KPI overrides, the environment, and errors that say file:line:col of
 * the offending value. Expected positions are computed from the fixture text
 * by the test (pos_of), so they follow the fixture if it is edited.
 */
#include "unit.h"
#include <unistd.h>

static const char *const env_vars[] = { "KPI_CONFIG",       "KPI_TIMEZONE",  "KPI_ACTIVE_DAYS",
	                                "KPI_STATEMENT_TIMEOUT_MS", "KPI_CATALOG", "KPI_QUERY_DIR",
	                                "KPI_DB_CONNECTIONS", NULL };

static int clean_env(void **state)
{
	(void)state;
	for (int i = 0; env_vars[i]; i++)
		unsetenv(env_vars[i]);
	setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	return 0;
}

/* ---- catalogue ---- */

static kpi_catalog *load_catalog_ok(const char *path)
{
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_catalog_load(&cat, path, &err) != 0) {
		print_error("kpi_catalog_load(%s): %s\n", path, err.message);
		fail();
	}
	assert_non_null(cat);
	return cat;
}

/* Loading the fixture `name` fails with KPI_ECONFIG at the `nth` occurrence
 * of `needle`; the message mentions `mention` (when not NULL). */
static void expect_catalog_error(const char *name, const char *needle, int nth, const char *mention)
{
	char path[4096];
	kpi_catalog *cat = (kpi_catalog *)0x1;
	kpi_error err = KPI_ERROR_INIT;
	int rc;

	snprintf(path, sizeof(path), "%s", fixture(name));
	rc = kpi_catalog_load(&cat, path, &err);
	if (rc != KPI_ECONFIG) {
		print_error("kpi_catalog_load(%s) = %d (%s), expected KPI_ECONFIG\n", name, rc, err.message);
		kpi_catalog_free(rc == 0 ? cat : NULL);
		fail();
	}
	assert_null(cat);
	assert_int_equal(err.code, KPI_ECONFIG);
	assert_error_at(&err, path, needle, nth);
	if (mention)
		assert_contains(err.message, mention);
}

static void test_catalog_load__reads_definitions(void **state)
{
	kpi_catalog *cat = load_catalog_ok(fixture("catalog_eval.json"));
	const kpi_def *d;
	(void)state;

	assert_int_equal(cat->nkpis, 5);
	assert_string_equal(cat->path, fixture("catalog_eval.json"));
	d = kpi_catalog_find(cat, "gate_rate");
	assert_non_null(d);
	assert_string_equal(d->id, "gate_rate");
	assert_string_equal(d->unit, "%");
	assert_string_equal(d->query, "gate_rate.sql");
	assert_string_equal(d->source, "postgres");
	assert_false(d->state);
	assert_int_equal(d->nlabels, 1);
	assert_string_equal(d->labels[0].name, "path");
	assert_int_equal(d->labels[0].nvalues, 2);
	assert_string_equal(d->labels[0].values[0], "legacy");
	assert_string_equal(d->labels[0].values[1], "owned");
	assert_int_equal(d->threshold.op, KPI_OP_GE);
	assert_double_equal(d->threshold.target, 99.0);
	assert_double_equal(d->threshold.warn_margin, 0.0);
	assert_true(d->gating);
	assert_int_equal(d->missing, KPI_MISSING_IGNORE);
	assert_int_equal(kpi_def_label_index(d, "path"), 0);
	assert_int_equal(kpi_def_label_index(d, "kind"), -1);

	d = kpi_catalog_find(cat, "gate_pct");
	assert_non_null(d);
	assert_true(d->state);
	assert_int_equal(d->nlabels, 0);
	assert_int_equal(d->missing, KPI_MISSING_BLOCK);
	assert_double_equal(d->threshold.warn_margin, 1.0);

	d = kpi_catalog_find(cat, "info_count");
	assert_non_null(d);
	assert_int_equal(d->threshold.op, KPI_OP_NONE);
	assert_false(d->gating);
	assert_true(d->empty_is_zero);

	d = kpi_catalog_find(cat, "drill_pct");
	assert_non_null(d);
	assert_int_equal(d->threshold.op, KPI_OP_EQ);
	assert_double_equal(d->threshold.target, 100.0);

	assert_null(kpi_catalog_find(cat, "no_such_kpi"));
	assert_null(kpi_catalog_find(cat, NULL));
	kpi_catalog_free(cat);
}

static void test_catalog_load__shipped_catalogue_is_valid(void **state)
{
	kpi_catalog *cat = load_catalog_ok(KPI_SOURCE_DIR "/templates/catalog.json");
	(void)state;
	assert_true(cat->nkpis > 0);
	for (size_t i = 0; i < cat->nkpis; i++)
		if (cat->kpis[i].gating)
			assert_int_not_equal(cat->kpis[i].threshold.op, KPI_OP_NONE);
	kpi_catalog_free(cat);
}

static void test_catalog_load__missing_file_is_a_config_error(void **state)
{
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_catalog_load(&cat, fixture("no-such-catalog.json"), &err), KPI_ECONFIG);
	assert_null(cat);
	assert_contains(err.message, "catalogue: cannot open '");
	assert_contains(err.message, "no-such-catalog.json");
}

static void test_catalog_load__syntax_error_has_line_and_column(void **state)
{
	(void)state;
	/* The ']' after the trailing comma in the label values. */
	expect_catalog_error("catalog_syntax_error.json", "]}]", 0, NULL);
}

static void test_catalog_load__rejects_duplicate_id_at_second_id(void **state)
{
	(void)state;
	expect_catalog_error("catalog_duplicate_id.json", "\"same_id\"", 1, "same_id");
}

static void test_catalog_load__rejects_gating_without_threshold_at_its_kpi(void **state)
{
	(void)state;
	expect_catalog_error("catalog_gating_without_threshold.json", "{\"id\": \"gate_nothing\"", 0,
	                     "gate_nothing");
}

static void test_catalog_load__rejects_label_value_that_is_not_a_string(void **state)
{
	(void)state;
	expect_catalog_error("catalog_label_value_not_string.json", "7]", 0, NULL);
}

static void test_catalog_load__rejects_label_values_that_are_not_an_array(void **state)
{
	(void)state;
	expect_catalog_error("catalog_label_values_not_array.json", "\"legacy,owned\"", 0, NULL);
}

static void test_catalog_load__rejects_duplicate_label_value(void **state)
{
	(void)state;
	/* A known value set gets one row per value and week: a repeated value
	 * would yield two rows for the same label set. */
	expect_catalog_error("catalog_duplicate_label_value.json", "\"legacy\"", 1, "legacy");
}

static void test_catalog_load__rejects_non_boolean_gating_at_its_value(void **state)
{
	(void)state;
	expect_catalog_error("catalog_gating_not_boolean.json", "\"yes\"", 0, "gating");
}

static void test_catalog_load__rejects_bad_op_at_its_value(void **state)
{
	(void)state;
	expect_catalog_error("catalog_bad_op.json", "\"=>\"", 0, NULL);
}

static void test_catalog_load__rejects_unknown_key_at_its_value(void **state)
{
	(void)state;
	expect_catalog_error("catalog_unknown_key.json", "{\"op\"", 0, "treshold");
}

static void test_catalog_load__rejects_id_outside_a_z_0_9_underscore(void **state)
{
	(void)state;
	expect_catalog_error("catalog_bad_id.json", "\"Export-Rate\"", 0, "Export-Rate");
}

static void test_op_parse__every_operator(void **state)
{
	static const struct {
		const char *text;
		kpi_op op;
	} cases[] = { { ">=", KPI_OP_GE }, { ">", KPI_OP_GT }, { "<=", KPI_OP_LE },
		      { "<", KPI_OP_LT },  { "=", KPI_OP_EQ }, { "==", KPI_OP_EQ } };
	kpi_op op;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		op = KPI_OP_NONE;
		assert_int_equal(kpi_op_parse(&op, cases[i].text), 0);
		assert_int_equal(op, cases[i].op);
	}
	assert_string_equal(kpi_op_name(KPI_OP_EQ), "=");
	assert_string_equal(kpi_op_name(KPI_OP_GE), ">=");
	assert_int_equal(kpi_op_parse(&op, "=>"), KPI_EUSAGE);
	assert_int_equal(kpi_op_parse(&op, ">= "), KPI_EUSAGE);
	assert_int_equal(kpi_op_parse(&op, ""), KPI_EUSAGE);
	assert_int_equal(kpi_op_parse(&op, NULL), KPI_EUSAGE);
}

static void test_threshold_format__op_target_and_unit(void **state)
{
	char buf[64];
	kpi_threshold ge = { KPI_OP_GE, 95, 1 }, le = { KPI_OP_LE, 7.5, 0 }, eq = { KPI_OP_EQ, 0, 0 };
	kpi_threshold none = { KPI_OP_NONE, 0, 0 };
	(void)state;
	assert_contains(kpi_threshold_format(buf, sizeof(buf), &ge, "%"), ">= 95");
	assert_contains(buf, "%");
	assert_contains(kpi_threshold_format(buf, sizeof(buf), &le, "d"), "<= 7.5");
	assert_contains(buf, "d");
	assert_string_equal(kpi_threshold_format(buf, sizeof(buf), &eq, "count"), "= 0");
	kpi_threshold_format(buf, sizeof(buf), &none, "%");
	assert_true(buf[0] != '\0');
	assert_null(strpbrk(buf, "0123456789<>="));
}

/* ---- configuration ---- */

static kpi_config *load_config_ok(const char *path)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_config_load(&cfg, path, &err) != 0) {
		print_error("kpi_config_load(%s): %s\n", path ? path : "(null)", err.message);
		fail();
	}
	assert_non_null(cfg);
	return cfg;
}

static void expect_config_error(const char *name, const char *needle, int nth, const char *mention)
{
	char path[4096];
	kpi_config *cfg = (kpi_config *)0x1;
	kpi_error err = KPI_ERROR_INIT;
	int rc;

	snprintf(path, sizeof(path), "%s", fixture(name));
	rc = kpi_config_load(&cfg, path, &err);
	if (rc != KPI_ECONFIG) {
		print_error("kpi_config_load(%s) = %d (%s), expected KPI_ECONFIG\n", name, rc, err.message);
		kpi_config_free(rc == 0 ? cfg : NULL);
		fail();
	}
	assert_null(cfg);
	assert_int_equal(err.code, KPI_ECONFIG);
	assert_error_at(&err, path, needle, nth);
	if (mention)
		assert_contains(err.message, mention);
}

/* Load the config fixture (valid as a file) and apply it to the fixture
 * catalogue: KPI_ECONFIG at the `nth` occurrence of `needle`. */
static void expect_apply_error(const char *name, const char *needle, int nth, const char *mention)
{
	char path[4096];
	kpi_config *cfg;
	kpi_catalog *cat;
	kpi_error err = KPI_ERROR_INIT;
	int rc;

	snprintf(path, sizeof(path), "%s", fixture(name));
	cfg = load_config_ok(path);
	cat = load_catalog_ok(fixture("catalog_eval.json"));
	rc = kpi_config_apply(cfg, cat, &err);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	if (rc != KPI_ECONFIG) {
		print_error("kpi_config_apply(%s) = %d (%s), expected KPI_ECONFIG\n", name, rc, err.message);
		fail();
	}
	assert_error_at(&err, path, needle, nth);
	if (mention)
		assert_contains(err.message, mention);
}

static void test_config_load__defaults_without_a_file(void **state)
{
	kpi_config *cfg = load_config_ok(NULL);
	(void)state;
	assert_null(cfg->path);
	assert_string_equal(cfg->timezone, "UTC");
	assert_int_equal(cfg->active_days, 90);
	assert_int_equal(cfg->statement_timeout_ms, 60000);
	assert_int_equal(cfg->connections, 2);
	assert_null(cfg->conninfo);
	assert_string_equal(cfg->catalog_path, KPI_SOURCE_DIR "/templates/catalog.json");
	assert_string_equal(cfg->query_dir, KPI_SOURCE_DIR "/queries");
	assert_string_equal(cfg->template_dir, KPI_SOURCE_DIR "/templates");
	kpi_config_free(cfg);
}

static void test_config_load__reads_a_valid_file(void **state)
{
	kpi_config *cfg = load_config_ok(fixture("config_valid.json"));
	(void)state;
	assert_string_equal(cfg->path, fixture("config_valid.json"));
	assert_string_equal(cfg->timezone, "Europe/Berlin");
	assert_int_equal(cfg->active_days, 30);
	assert_int_equal(cfg->statement_timeout_ms, 5000);
	assert_string_equal(cfg->conninfo, "host=db.example dbname=kpi user=kpi_ro");
	/* Paths in the file are relative to the file's directory. */
	assert_string_equal(cfg->catalog_path, UNIT_FIXTURES "/catalog_eval.json");
	assert_string_equal(cfg->query_dir, UNIT_FIXTURES "/../queries");
	kpi_config_free(cfg);
}

static void test_config_load__uses_kpi_config_env_without_path(void **state)
{
	kpi_config *cfg;
	(void)state;
	setenv("KPI_CONFIG", fixture("config_valid.json"), 1);
	cfg = load_config_ok(NULL);
	assert_string_equal(cfg->timezone, "Europe/Berlin");
	assert_int_equal(cfg->active_days, 30);
	kpi_config_free(cfg);
}

/* A config that is not there is a config error (exit 3, the result contract (docs/configuration.md)), not a
 * usage error. */
static void test_config_load__missing_file_is_a_config_error(void **state)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_config_load(&cfg, fixture("no-such-config.json"), &err), KPI_ECONFIG);
	assert_int_equal(err.code, KPI_ECONFIG);
	assert_null(cfg);
	assert_contains(err.message, "config: cannot open '");
	assert_contains(err.message, "no-such-config.json': No such file or directory");
}

/* --db: libpq must parse it; the message never quotes it (a password). */
static void test_config_set_conninfo__unparsable_is_a_config_error_without_the_string(void **state)
{
	static const char *const bad[] = {
		"host=db password=s3cr3t-pw 'unterminated",
		"dbname=kpi password=s3cr3t-pw nosuchkey=1",
		"postgresql://u:s3cr3t-pw@db:5432/kpi?bogus=1",
		"dbname=kpi password='s3cr3t-pw",
		"password=s3cr3t-pw host",
	};
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kpi_error e = KPI_ERROR_INIT;
		assert_int_equal(kpi_config_set_conninfo(cfg, bad[i], "--db", &e), KPI_ECONFIG);
		assert_contains(e.message, "--db: conninfo cannot be parsed by libpq");
		assert_not_contains(e.message, "s3cr3t");
		assert_null(cfg->conninfo);
	}
	assert_int_equal(kpi_config_set_conninfo(cfg, "host=/tmp dbname=kpi password=ok", "--db", &err), 0);
	assert_string_equal(cfg->conninfo, "host=/tmp dbname=kpi password=ok");
	kpi_config_free(cfg);
}

static void test_config_load__syntax_error_trailing_comma_at_closing_brace(void **state)
{
	(void)state;
	expect_config_error("config_syntax_trailing_comma.json", "}", 0, NULL);
}

static void test_config_load__syntax_error_missing_comma_at_next_key(void **state)
{
	(void)state;
	/* The error is where the unexpected token starts, not where it ends. */
	expect_config_error("config_syntax_missing_comma.json", "\"active_days\"", 0, NULL);
}

static void test_config_load__rejects_string_active_days_at_its_value(void **state)
{
	(void)state;
	expect_config_error("config_active_days_string.json", "\"90\"", 0, "active_days");
}

static void test_config_load__rejects_fractional_active_days_at_its_value(void **state)
{
	(void)state;
	expect_config_error("config_active_days_fraction.json", "45.5", 0, "active_days");
}

static void test_config_load__rejects_zero_active_days_at_its_value(void **state)
{
	(void)state;
	expect_config_error("config_active_days_zero.json", "0}", 0, "active_days");
}

static void test_config_load__rejects_nine_connections_at_its_value(void **state)
{
	(void)state;
	expect_config_error("config_connections_nine.json", "9\n", 0, "connections must be a whole number, 1..8");
}

static void test_config_load__rejects_unknown_key_at_its_value(void **state)
{
	(void)state;
	expect_config_error("config_unknown_key.json", "\"Europe/Berlin\"", 0, "timezon");
}

static void test_config_load__rejects_unknown_database_key_without_echoing_it(void **state)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	expect_config_error("config_unknown_database_key.json", "\"hunter2\"", 0, "password");
	assert_int_equal(kpi_config_load(&cfg, fixture("config_unknown_database_key.json"), &err),
	                 KPI_ECONFIG);
	assert_not_contains(err.message, "hunter2");
}

static void expect_no_secret(const char *name)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	assert_int_equal(kpi_config_load(&cfg, fixture(name), &err), KPI_ECONFIG);
	assert_null(cfg);
	assert_not_contains(err.message, "hunter2");
}

static void test_config_load__rejects_password_in_conninfo_at_its_value(void **state)
{
	(void)state;
	expect_config_error("config_password.json", "\"host=db user=kpi password", 0, "password");
	expect_no_secret("config_password.json");
}

static void test_config_load__rejects_password_in_conninfo_uri_at_its_value(void **state)
{
	(void)state;
	expect_config_error("config_password_uri.json", "\"postgresql://", 0, "password");
	expect_no_secret("config_password_uri.json");
}

static void test_config_load__malformed_conninfo_error_does_not_echo_password(void **state)
{
	(void)state;
	expect_config_error("config_conninfo_malformed_uri.json", "\"postgresql://", 0, "conninfo");
	expect_no_secret("config_conninfo_malformed_uri.json");
}

static void test_config_load__rejects_unknown_time_zone_at_its_value(void **state)
{
	(void)state;
	/* The line holds a non-ASCII character before the value: columns count
	 * characters, not bytes. */
	expect_config_error("config_unknown_timezone.json", "\"Mars/Olympus_Mons\"", 0, "Mars/Olympus_Mons");
}

static void test_config_load__rejects_non_object_root(void **state)
{
	(void)state;
	expect_config_error("config_not_object.json", "[", 0, NULL);
}

/* ---- kpi_config_apply ---- */

static void test_config_apply__overrides_threshold_gating_and_missing(void **state)
{
	kpi_config *cfg = load_config_ok(fixture("config_valid.json"));
	kpi_catalog *cat = load_catalog_ok(fixture("catalog_eval.json"));
	kpi_error err = KPI_ERROR_INIT;
	const kpi_def *d;
	(void)state;

	assert_int_equal(kpi_config_apply(cfg, cat, &err), 0);

	d = kpi_catalog_find(cat, "gate_pct");
	assert_int_equal(d->threshold.op, KPI_OP_GT);
	assert_double_equal(d->threshold.target, 90.0);
	assert_double_equal(d->threshold.warn_margin, 2.5);
	assert_false(d->gating);
	assert_int_equal(d->missing, KPI_MISSING_BLOCK); /* not overridden */

	d = kpi_catalog_find(cat, "gate_rate");
	assert_int_equal(d->missing, KPI_MISSING_BLOCK);
	assert_int_equal(d->threshold.op, KPI_OP_GE); /* not overridden */
	assert_double_equal(d->threshold.target, 99.0);
	assert_true(d->gating);

	d = kpi_catalog_find(cat, "info_count");
	assert_int_equal(d->threshold.op, KPI_OP_LE);
	assert_double_equal(d->threshold.target, 5.0);
	assert_double_equal(d->threshold.warn_margin, 0.0);
	assert_true(d->gating);

	d = kpi_catalog_find(cat, "nongate_age");
	assert_int_equal(d->threshold.op, KPI_OP_NONE);

	d = kpi_catalog_find(cat, "drill_pct");
	assert_int_equal(d->threshold.op, KPI_OP_EQ);
	assert_double_equal(d->threshold.target, 100.0);
	assert_true(d->gating);
	assert_int_equal(d->missing, KPI_MISSING_IGNORE);

	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

/* ---- waivers ---- */

static void test_config_waivers__read_in_file_order(void **state)
{
	kpi_config *cfg = load_config_ok(fixture("config_waivers.json"));
	kpi_catalog *cat = load_catalog_ok(fixture("catalog_eval.json"));
	kpi_error err = KPI_ERROR_INIT;
	kpi_waiver *w = NULL;
	size_t n = 0;
	char lb[64];
	(void)state;
	assert_int_equal(kpi_config_apply(cfg, cat, &err), 0);
	assert_int_equal(kpi_config_waivers(&w, &n, cfg, cat, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(w[0].kpi, "gate_pct");
	assert_int_equal(w[0].nlabels, 0);
	assert_string_equal(w[0].approved_by, "J. Rivera");
	assert_int_equal(w[0].until.year, 2026);
	assert_int_equal(w[0].until.week, 48);
	assert_string_equal(w[1].reason, "owned path not live in EU yet");
	assert_string_equal(kpi_waiver_labels_format(lb, sizeof(lb), &w[1]), "path=owned");
	assert_int_equal(w[1].until.year, 2027);
	kpi_waivers_free(w, n);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_config_waivers__errors_at_their_value(void **state)
{
	(void)state;
	expect_apply_error("config_waiver_unknown_kpi.json", "\"no_such_kpi\"", 0, "waiver of unknown KPI 'no_such_kpi'");
	expect_apply_error("config_waiver_bad_week.json", "\"2026-11-30\"", 0, "must be an ISO week");
	expect_apply_error("config_waiver_not_gating.json", "\"info_count\"", 0, "which is not gating");
	expect_apply_error("config_waiver_bad_label.json", "\"owned\"", 0, "KPI 'gate_rate' has no label 'route'");
	/* a value the catalogue does not list for the label: a waiver that would never match */
	expect_apply_error("config_waiver_bad_value.json", "\"ownd\"", 0,
	                   "waiver of KPI 'gate_rate': label 'path' has no value 'ownd' (the catalogue lists: legacy, owned)");
	expect_apply_error("config_waiver_no_approver.json", "{\"kpi\": \"gate_rate\"", 0, "a waiver needs 'approved_by'");
}

static void test_config_apply__without_file_changes_nothing(void **state)
{
	kpi_config *cfg = load_config_ok(NULL);
	kpi_catalog *cat = load_catalog_ok(fixture("catalog_eval.json"));
	const kpi_def *d;
	(void)state;
	assert_int_equal(kpi_config_apply(cfg, cat, NULL), 0);
	assert_int_equal(kpi_config_apply(NULL, cat, NULL), 0);
	d = kpi_catalog_find(cat, "gate_pct");
	assert_int_equal(d->threshold.op, KPI_OP_GE);
	assert_double_equal(d->threshold.target, 95.0);
	assert_true(d->gating);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

static void test_config_apply__rejects_bad_op_at_its_value(void **state)
{
	(void)state;
	expect_apply_error("config_bad_op.json", "\"=>\"", 0, NULL);
}

static void test_config_apply__rejects_unknown_kpi_at_its_override(void **state)
{
	(void)state;
	expect_apply_error("config_unknown_kpi.json", "{\"gating\": false}", 0, "no_such_kpi");
}

static void test_config_apply__rejects_non_boolean_gating_at_its_value(void **state)
{
	(void)state;
	expect_apply_error("config_gating_not_boolean.json", "\"yes\"", 0, "gating");
}

static void test_config_apply__rejects_gating_without_threshold_at_its_override(void **state)
{
	(void)state;
	expect_apply_error("config_gating_without_threshold.json", "{\"gating\": true}", 0, "info_count");
}

static void test_config_apply__rejects_bad_missing_policy_at_its_value(void **state)
{
	(void)state;
	expect_apply_error("config_missing_bad.json", "\"hold\"", 0, "missing");
}

/* ---- environment ---- */

static void test_config_env__timezone_overrides_file(void **state)
{
	kpi_config *cfg;
	(void)state;
	setenv("KPI_TIMEZONE", "America/New_York", 1);
	cfg = load_config_ok(fixture("config_valid.json"));
	assert_string_equal(cfg->timezone, "America/New_York");
	kpi_config_free(cfg);
}

static void test_config_env__unknown_timezone_is_an_error(void **state)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("KPI_TIMEZONE", "Mars/Olympus_Mons", 1);
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), KPI_ECONFIG);
	assert_null(cfg);
	assert_contains(err.message, "KPI_TIMEZONE");
	assert_contains(err.message, "Mars/Olympus_Mons");
}

static void test_config_env__active_days_overrides_file(void **state)
{
	kpi_config *cfg;
	(void)state;
	setenv("KPI_ACTIVE_DAYS", "12", 1);
	cfg = load_config_ok(fixture("config_valid.json"));
	assert_int_equal(cfg->active_days, 12);
	kpi_config_free(cfg);
}

static void test_config_env__invalid_active_days_is_an_error(void **state)
{
	static const char *const bad[] = { "abc", "12x", "0", "-5", "3661", "1e3", "99999999999999999999" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kpi_config *cfg = NULL;
		kpi_error err = KPI_ERROR_INIT;
		int rc;
		setenv("KPI_ACTIVE_DAYS", bad[i], 1);
		rc = kpi_config_load(&cfg, NULL, &err);
		if (rc != KPI_ECONFIG) {
			print_error("KPI_ACTIVE_DAYS='%s': rc %d, expected KPI_ECONFIG\n", bad[i], rc);
			kpi_config_free(cfg);
			fail();
		}
		assert_null(cfg);
		assert_contains(err.message, "KPI_ACTIVE_DAYS");
	}
}

static void test_config_env__statement_timeout_and_paths(void **state)
{
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("KPI_STATEMENT_TIMEOUT_MS", "2500", 1);
	setenv("KPI_CATALOG", "/srv/kpi/catalog.json", 1);
	setenv("KPI_QUERY_DIR", "/srv/kpi/queries", 1);
	cfg = load_config_ok(fixture("config_valid.json"));
	assert_int_equal(cfg->statement_timeout_ms, 2500);
	assert_string_equal(cfg->catalog_path, "/srv/kpi/catalog.json");
	assert_string_equal(cfg->query_dir, "/srv/kpi/queries");
	kpi_config_free(cfg);
	setenv("KPI_STATEMENT_TIMEOUT_MS", "soon", 1);
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "KPI_STATEMENT_TIMEOUT_MS");
	unsetenv("KPI_STATEMENT_TIMEOUT_MS");
	/* connections: 1..8 */
	setenv("KPI_DB_CONNECTIONS", "1", 1);
	cfg = load_config_ok(NULL);
	assert_int_equal(cfg->connections, 1);
	kpi_config_free(cfg);
	setenv("KPI_DB_CONNECTIONS", "0", 1);
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "environment KPI_DB_CONNECTIONS='0': expected a whole number 1..8");
}

/* ---- variants, parameters and sources ---- */

static char *write_tmp(char *dir, const char *name, const char *text)
{
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	FILE *f;
	assert_non_null(path);
	sprintf(path, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static const char variant_catalog[] =
	"{\"kpis\": [\n"
	" {\"id\": \"err\", \"title\": \"Errors\", \"unit\": \"%\", \"source\": \"cloudwatch\",\n"
	"  \"query\": \"cloudwatch/api_error_rate_pct.json\", \"labels\": [{\"name\": \"load_balancer\"}],\n"
	"  \"threshold\": {\"op\": \"<=\", \"target\": 1}, \"gating\": true,\n"
	"  \"alarm\": {\"period_seconds\": 60, \"evaluation_periods\": 5},\n"
	"  \"variants\": {\"pg\": {\"source\": \"postgres\", \"query\": \"export_success_rate.sql\",\n"
	"    \"labels\": [{\"name\": \"path\", \"values\": [\"legacy\", \"owned\"]}], \"alarm\": null}}},\n"
	" {\"id\": \"drill\", \"title\": \"Drill\", \"unit\": \"%\", \"query\": \"legacy_coverage.sql\",\n"
	"  \"params\": {\"active_days\": \"config.active_days\", \"coverage_target\": \"threshold.err\"}}\n"
	"]}\n";

static void test_catalog_variants__selected_by_the_config(void **state)
{
	char dir[] = "/tmp/kpi-variant.XXXXXX";
	char *cpath, *fpath;
	kpi_catalog *cat;
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	const kpi_def *d;
	(void)state;
	assert_non_null(mkdtemp(dir));
	cpath = write_tmp(dir, "catalog.json", variant_catalog);
	fpath = write_tmp(dir, "config.json", "{\"kpis\": {\"err\": {\"variant\": \"pg\", \"threshold\": "
	                                      "{\"op\": \"<=\", \"target\": 2}}}}\n");
	cat = load_catalog_ok(cpath);
	d = kpi_catalog_find(cat, "err");
	assert_string_equal(d->source, "cloudwatch");
	assert_true(kpi__has_alarm_rule(d));
	assert_int_equal(kpi_config_load(&cfg, fpath, &err), 0);
	assert_int_equal(kpi_config_apply(cfg, cat, &err), 0);
	d = kpi_catalog_find(cat, "err");
	assert_string_equal(d->source, "postgres");             /* the variant's keys */
	assert_string_equal(d->query, "export_success_rate.sql");
	assert_int_equal(d->nlabels, 1);
	assert_string_equal(d->labels[0].name, "path");
	assert_false(kpi__has_alarm_rule(d));                    /* "alarm": null in the variant */
	assert_string_equal(d->title, "Errors");                 /* the rest is the entry's */
	assert_double_equal(d->threshold.target, 2);             /* overrides apply to the variant */
	assert_string_equal(json_string_value(json_object_get(d->raw, "variant")), "pg");
	assert_int_equal(kpi_sources_check(cfg, cat, &err), 0);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);

	/* an unknown variant: at its value in the config, naming those there are */
	free(fpath);
	fpath = write_tmp(dir, "config.json", "{\"kpis\": {\"err\": {\"variant\": \"prom\"}}}\n");
	cat = load_catalog_ok(cpath);
	assert_int_equal(kpi_config_load(&cfg, fpath, &err), 0);
	assert_int_equal(kpi_config_apply(cfg, cat, &err), KPI_ECONFIG);
	assert_error_at(&err, fpath, "\"prom\"", 0);
	assert_contains(err.message, "KPI err has no variant 'prom' (pg)");
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	unlink(fpath);
	unlink(cpath);
	free(fpath);
	free(cpath);
	rmdir(dir);
}

static void test_catalog_variants__each_must_make_a_definition(void **state)
{
	char dir[] = "/tmp/kpi-variant.XXXXXX";
	char *path;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	path = write_tmp(dir, "c.json",
	                 "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\", \"query\": \"q.sql\",\n"
	                 "  \"variants\": {\"x\": {\"gating\": \"yes\"}}}]}\n");
	assert_int_equal(kpi_catalog_load(&cat, path, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "\"yes\"", 0); /* the variant's own value */
	assert_contains(err.message, "variant 'x'");
	unlink(path);
	free(path);
	path = write_tmp(dir, "c.json",
	                 "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\", \"query\": \"q.sql\",\n"
	                 "  \"variants\": {\"x\": {\"id\": \"b\"}}}]}\n");
	assert_int_equal(kpi_catalog_load(&cat, path, &err), KPI_ECONFIG);
	assert_contains(err.message, "may not change id");
	unlink(path);
	free(path);
	rmdir(dir);
}

/* An error about the definition a variant makes, which has no place of its
 * own in the file (gating without a threshold), is at the variant. */
static void test_catalog_variants__error_without_a_position_is_at_the_variant(void **state)
{
	char dir[] = "/tmp/kpi-variant.XXXXXX";
	char *path;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	path = write_tmp(dir, "c.json",
	                 "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\", \"query\": \"q.sql\",\n"
	                 "  \"threshold\": {\"op\": \">=\", \"target\": 1}, \"gating\": true,\n"
	                 "  \"variants\": {\"x\": {\"threshold\": null}}}]}\n");
	assert_int_equal(kpi_catalog_load(&cat, path, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "{\"threshold\": null}", 0);
	assert_contains(err.message, ": variant 'x': KPI 'a' is gating but has no threshold");
	assert_null(strstr(err.message, "thresholdvariant"));
	unlink(path);
	free(path);
	rmdir(dir);
}

/* A variant is checked at load as a whole definition, selected or not: its
 * source is a registered one, its threshold parameters name KPIs there are. */
static void test_catalog_variants__source_and_params_checked_unselected(void **state)
{
	char dir[] = "/tmp/kpi-variant.XXXXXX";
	char *path;
	kpi_catalog *cat = NULL;
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	path = write_tmp(dir, "c.json",
	                 "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\", \"query\": \"q.sql\",\n"
	                 "  \"variants\": {\"x\": {\"source\": \"promethus\", \"query\": \"x.json\"}}}]}\n");
	cat = load_catalog_ok(path);
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), 0);
	assert_int_equal(kpi_sources_check(cfg, cat, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "\"promethus\"", 0);
	assert_contains(err.message, "KPI a: variant 'x': unknown source 'promethus' (the sources are postgres");
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	unlink(path);
	free(path);
	path = write_tmp(dir, "c.json",
	                 "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\", \"query\": \"q.sql\",\n"
	                 "  \"variants\": {\"x\": {\"params\": {\"t\": \"threshold.nobody\"}}}}]}\n");
	assert_int_equal(kpi_catalog_load(&cat, path, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "\"threshold.nobody\"", 0);
	assert_contains(err.message, "KPI 'nobody', which is not in the catalogue");
	unlink(path);
	free(path);
	rmdir(dir);
}

static void test_catalog_params__origins_are_checked(void **state)
{
	char dir[] = "/tmp/kpi-params.XXXXXX";
	char *path;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	path = write_tmp(dir, "c.json",
	                 "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\", \"query\": \"q.sql\",\n"
	                 "  \"params\": {\"days\": \"config.days\"}}]}\n");
	assert_int_equal(kpi_catalog_load(&cat, path, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "\"config.days\"", 0);
	assert_contains(err.message, "window.from, window.to, config.active_days or threshold.KPI");
	unlink(path);
	free(path);
	path = write_tmp(dir, "c.json",
	                 "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\", \"query\": \"q.sql\",\n"
	                 "  \"params\": {\"t\": \"threshold.nobody\"}}]}\n");
	assert_int_equal(kpi_catalog_load(&cat, path, &err), KPI_ECONFIG);
	assert_error_at(&err, path, "\"threshold.nobody\"", 0);
	assert_contains(err.message, "KPI 'nobody', which is not in the catalogue");
	unlink(path);
	free(path);
	rmdir(dir);
}

static void test_sources_check__unknown_source_and_section_at_their_values(void **state)
{
	char dir[] = "/tmp/kpi-sources.XXXXXX";
	char *cpath, *fpath;
	kpi_catalog *cat;
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	cpath = write_tmp(dir, "c.json", "{\"kpis\": [{\"id\": \"a\", \"title\": \"A\", \"unit\": \"%\",\n"
	                                 "  \"source\": \"carrier_pigeon\", \"query\": \"q.sql\"}]}\n");
	cat = load_catalog_ok(cpath);
	assert_int_equal(kpi_config_load(&cfg, NULL, &err), 0);
	assert_int_equal(kpi_sources_check(cfg, cat, &err), KPI_ECONFIG);
	assert_error_at(&err, cpath, "\"carrier_pigeon\"", 0);
	assert_contains(err.message, "unknown source 'carrier_pigeon' (the sources are postgres, cloudwatch");
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	fpath = write_tmp(dir, "f.json", "{\"timezone\": \"UTC\", \"cloudwach\": {\"queues\": []}}\n");
	assert_int_equal(kpi_config_load(&cfg, fpath, &err), 0); /* a source's section, for all the file knows */
	assert_int_equal(kpi_sources_check(cfg, NULL, &err), KPI_ECONFIG);
	assert_error_at(&err, fpath, "{\"queues\"", 0);
	assert_contains(err.message, "unknown key 'cloudwach' in config");
	kpi_config_free(cfg);
	unlink(cpath);
	unlink(fpath);
	free(cpath);
	free(fpath);
	rmdir(dir);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, clean_env, clean_env)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_catalog_load__reads_definitions),
		T(test_catalog_load__shipped_catalogue_is_valid),
		T(test_catalog_load__missing_file_is_a_config_error),
		T(test_catalog_load__syntax_error_has_line_and_column),
		T(test_catalog_load__rejects_duplicate_id_at_second_id),
		T(test_catalog_load__rejects_gating_without_threshold_at_its_kpi),
		T(test_catalog_load__rejects_label_value_that_is_not_a_string),
		T(test_catalog_load__rejects_label_values_that_are_not_an_array),
		T(test_catalog_load__rejects_duplicate_label_value),
		T(test_catalog_load__rejects_non_boolean_gating_at_its_value),
		T(test_catalog_load__rejects_bad_op_at_its_value),
		T(test_catalog_load__rejects_unknown_key_at_its_value),
		T(test_catalog_load__rejects_id_outside_a_z_0_9_underscore),
		T(test_op_parse__every_operator),
		T(test_threshold_format__op_target_and_unit),
		T(test_config_load__defaults_without_a_file),
		T(test_config_load__reads_a_valid_file),
		T(test_config_load__uses_kpi_config_env_without_path),
		T(test_config_load__missing_file_is_a_config_error),
		T(test_config_set_conninfo__unparsable_is_a_config_error_without_the_string),
		T(test_config_load__syntax_error_trailing_comma_at_closing_brace),
		T(test_config_load__syntax_error_missing_comma_at_next_key),
		T(test_config_load__rejects_string_active_days_at_its_value),
		T(test_config_load__rejects_fractional_active_days_at_its_value),
		T(test_config_load__rejects_zero_active_days_at_its_value),
		T(test_config_load__rejects_unknown_key_at_its_value),
		T(test_config_load__rejects_unknown_database_key_without_echoing_it),
		T(test_config_load__rejects_password_in_conninfo_at_its_value),
		T(test_config_load__rejects_password_in_conninfo_uri_at_its_value),
		T(test_config_load__malformed_conninfo_error_does_not_echo_password),
		T(test_config_load__rejects_unknown_time_zone_at_its_value),
		T(test_config_load__rejects_non_object_root),
		T(test_config_apply__overrides_threshold_gating_and_missing),
		T(test_config_apply__without_file_changes_nothing),
		T(test_config_waivers__read_in_file_order),
		T(test_config_waivers__errors_at_their_value),
		T(test_config_apply__rejects_bad_op_at_its_value),
		T(test_config_apply__rejects_unknown_kpi_at_its_override),
		T(test_config_apply__rejects_non_boolean_gating_at_its_value),
		T(test_config_apply__rejects_gating_without_threshold_at_its_override),
		T(test_config_apply__rejects_bad_missing_policy_at_its_value),
		T(test_config_env__timezone_overrides_file),
		T(test_config_env__unknown_timezone_is_an_error),
		T(test_config_env__active_days_overrides_file),
		T(test_config_env__invalid_active_days_is_an_error),
		T(test_config_env__statement_timeout_and_paths),
		T(test_config_load__rejects_nine_connections_at_its_value),
		T(test_catalog_variants__selected_by_the_config),
		T(test_catalog_variants__each_must_make_a_definition),
		T(test_catalog_variants__error_without_a_position_is_at_the_variant),
		T(test_catalog_variants__source_and_params_checked_unselected),
		T(test_catalog_params__origins_are_checked),
		T(test_sources_check__unknown_source_and_section_at_their_values),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
