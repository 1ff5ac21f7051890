#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "it_util.h"

static const char *const kpi_env[] = {
	"KPI_CONFIG", "KPI_TIMEZONE", "KPI_ACTIVE_DAYS", "KPI_CATALOG", "KPI_QUERY_DIR",
	"KPI_STATEMENT_TIMEOUT_MS", "KPI_NOW", "PGPASSWORD", "PGSERVICE", NULL,
};

bool it_pg_wanted(const char *suite)
{
	const char *v = getenv("KPI_TEST_PG");

	for (const char *const *e = kpi_env; *e; e++)
		unsetenv(*e);
	if (!getenv("KPI_DATADIR"))
		setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	atexit(it_tmp_cleanup); /* also after a failed test */
	if (v && *v)
		return true;
	fprintf(stderr, "%s: skipped: KPI_TEST_PG is not set (scripts/test starts a throwaway "
	                "PostgreSQL and sets it)\n", suite);
	return false;
}

static PGconn *admin_connect(void)
{
	/* The PG* environment of scripts/test: PGDATABASE=kpi, PGUSER=postgres. */
	PGconn *c = PQconnectdb("");
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		PQfinish(c);
		fail_msg("cannot connect to the test PostgreSQL (PGHOST=%s): %s",
		         getenv("PGHOST") ? getenv("PGHOST") : "(unset)", msg);
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	return c;
}

static void exec_on(PGconn *c, const char *sql, const char *where)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		PQclear(r);
		fail_msg("SQL on %s failed: %s", where, msg);
	}
	PQclear(r);
}

void it_admin_exec(const char *sql)
{
	PGconn *c = admin_connect();
	exec_on(c, sql, "the default database");
	PQfinish(c);
}

it_db *it_db_create(const char *name)
{
	it_db *db = calloc(1, sizeof(*db));
	kpi_error err = KPI_ERROR_INIT;
	char sql[256];
	PGconn *admin;
	int rc;

	assert_non_null(db);
	snprintf(db->name, sizeof(db->name), "kpi_it_%s", name);
	snprintf(db->conninfo, sizeof(db->conninfo), "dbname=%s", db->name);
	admin = admin_connect();
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
	exec_on(admin, sql, "the default database");
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db->name);
	exec_on(admin, sql, "the default database");
	PQfinish(admin);

	rc = kpi_config_load(&db->cfg, NULL, &err);
	if (rc)
		fail_msg("kpi_config_load: %s", err.message);
	free(db->cfg->conninfo);
	db->cfg->conninfo = strdup(db->conninfo);
	if ((rc = kpi_seed(db->cfg, NULL, 1, true, &err)))
		fail_msg("kpi_seed (schema only) into %s: %s", db->name, err.message);
	if ((rc = kpi_catalog_load(&db->cat, db->cfg->catalog_path, &err)) ||
	    (rc = kpi_config_apply(db->cfg, db->cat, &err)))
		fail_msg("catalogue %s: %s", db->cfg->catalog_path, err.message);

	db->conn = PQconnectdb(db->conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK)
		fail_msg("cannot connect to %s: %s", db->name, PQerrorMessage(db->conn));
	exec_on(db->conn, "SET client_min_messages = warning; SET TimeZone = 'UTC'", db->name);
	return db;
}

void it_db_exec(it_db *db, const char *sql)
{
	exec_on(db->conn, sql, db->name);
}

void it_db_drop(it_db *db)
{
	char sql[256];
	PGconn *admin;

	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	kpi_catalog_free(db->cat);
	kpi_config_free(db->cfg);
	admin = admin_connect();
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
	exec_on(admin, sql, "the default database");
	PQfinish(admin);
	free(db);
}

int64_t it_time(const char *iso)
{
	kpi_error err = KPI_ERROR_INIT;
	int64_t t = 0;
	if (kpi_time_parse(&t, iso, &err))
		fail_msg("bad time in the test: %s: %s", iso, err.message);
	return t;
}

void it_window(kpi_window *w, const char *week, int nweeks, const char *tz, const char *now)
{
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_window_init(w, week, nweeks, tz, it_time(now), &err))
		fail_msg("kpi_window_init(%s, %d, %s, %s): %s", week, nweeks, tz, now, err.message);
}

kpi_result *it_collect(it_db *db, const char *kpi, const kpi_window *w)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_result *res = NULL;
	const char *ids[1] = { kpi };

	if (kpi_collect(&res, db->cat, db->cfg, ids, 1, w, &err))
		fail_msg("kpi_collect(%s): %s", kpi, err.message);
	assert_non_null(res);
	assert_int_equal(res->nseries, 1);
	return res;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void check_number(const char *kpi, size_t i, const it_row *e, const char *what, double want,
                         bool has, double got)
{
	if (isnan(want)) {
		if (has)
			fail_msg("%s row %zu (week %d, '%s'): %s: expected null, got %.17g", kpi, i, e->week,
			         e->labels, what, got);
	} else if (!has) {
		fail_msg("%s row %zu (week %d, '%s'): %s: expected %.17g, got null", kpi, i, e->week, e->labels,
		         what, want);
	} else if (!near(got, want)) {
		fail_msg("%s row %zu (week %d, '%s'): %s: expected %.17g, got %.17g", kpi, i, e->week,
		         e->labels, what, want, got);
	}
}

void it_check_series(const kpi_series *s, const kpi_window *w, const it_row *exp, size_t n)
{
	const char *id = s->def->id;

	if (s->nrows != n)
		fail_msg("%s: expected %zu rows (every week x every label value), got %zu", id, n, s->nrows);
	for (size_t i = 0; i < n; i++) {
		const kpi_row *r = &s->rows[i];
		const it_row *e = &exp[i];
		char lb[256];
		bool partial = w->partial && e->week == w->nweeks - 1;

		kpi_row_labels_format(lb, sizeof(lb), s, r);
		if (r->period_start != w->starts[e->week] || r->period_end != w->starts[e->week + 1])
			fail_msg("%s row %zu: expected week %d [%lld, %lld), got [%lld, %lld)", id, i, e->week,
			         (long long)w->starts[e->week], (long long)w->starts[e->week + 1],
			         (long long)r->period_start, (long long)r->period_end);
		if (strcmp(lb, e->labels) != 0)
			fail_msg("%s row %zu (week %d): expected labels '%s', got '%s'", id, i, e->week, e->labels, lb);
		check_number(id, i, e, "value", e->value, r->has_value, r->value);
		check_number(id, i, e, "numerator", e->num, r->has_numerator, r->numerator);
		check_number(id, i, e, "denominator", e->den, r->has_denominator, r->denominator);
		if (strcmp(kpi_status_name(r->status), e->status) != 0)
			fail_msg("%s row %zu (week %d, '%s'): expected status %s, got %s", id, i, e->week, e->labels,
			         e->status, kpi_status_name(r->status));
		if (r->partial != partial)
			fail_msg("%s row %zu (week %d): expected partial %d, got %d", id, i, e->week, partial, r->partial);
	}
}

static void check_json_number(const char *kpi, size_t i, const it_row *e, const char *what, double want,
                              const json_t *v)
{
	if (!v)
		fail_msg("%s JSON row %zu: no \"%s\"", kpi, i, what);
	if (json_is_null(v)) {
		check_number(kpi, i, e, what, want, false, 0);
		return;
	}
	if (!json_is_number(v))
		fail_msg("%s JSON row %zu: \"%s\" is neither a number nor null", kpi, i, what);
	check_number(kpi, i, e, what, want, true, json_number_value(v));
}

static void check_iso_utc(const char *kpi, size_t i, const char *what, const json_t *v, int64_t want)
{
	const char *s = json_string_value(v);
	char buf[32];
	int64_t t;

	if (!s)
		fail_msg("%s JSON row %zu: \"%s\" is not a string", kpi, i, what);
	/* YYYY-MM-DDTHH:MM:SSZ, UTC */
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != 'Z')
		fail_msg("%s JSON row %zu: \"%s\" '%s' is not ISO-8601 UTC (YYYY-MM-DDTHH:MM:SSZ)", kpi, i, what, s);
	t = it_time(s);
	if (t != want)
		fail_msg("%s JSON row %zu: \"%s\" expected %s, got %s", kpi, i, what,
		         kpi_time_format(buf, sizeof(buf), want), s);
}

void it_check_json(const char *json, const kpi_def *def, const kpi_window *w, const it_row *exp, size_t n)
{
	json_error_t jerr;
	json_t *doc = json_loads(json, 0, &jerr), *rows;
	const char *id = def->id;

	if (!doc)
		fail_msg("%s: kpi query printed invalid JSON (%d:%d: %s):\n%s", id, jerr.line, jerr.column,
		         jerr.text, json);
	if (!json_is_object(doc) || json_object_size(doc) != 3 || !json_object_get(doc, "kpi") ||
	    !json_object_get(doc, "unit") || !json_object_get(doc, "rows"))
		fail_msg("%s: the JSON must be exactly {\"kpi\", \"unit\", \"rows\"}:\n%s", id, json);
	assert_string_equal(json_string_value(json_object_get(doc, "kpi")), id);
	assert_string_equal(json_string_value(json_object_get(doc, "unit")), def->unit);
	rows = json_object_get(doc, "rows");
	if (!json_is_array(rows) || json_array_size(rows) != n)
		fail_msg("%s: expected %zu JSON rows, got %zu", id, n, json_array_size(rows));
	for (size_t i = 0; i < n; i++) {
		static const char *const keys[] = { "period_start", "period_end", "labels", "value",
			                            "numerator", "denominator", "status" };
		const it_row *e = &exp[i];
		json_t *r = json_array_get(rows, i), *labels, *partial;
		bool want_partial = w->partial && e->week == w->nweeks - 1;
		char lb[256] = "";

		if (!json_is_object(r))
			fail_msg("%s JSON row %zu is not an object", id, i);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!json_object_get(r, keys[k]))
				fail_msg("%s JSON row %zu has no \"%s\"", id, i, keys[k]);
		partial = json_object_get(r, "partial");
		if (json_object_size(r) != 7 + (want_partial ? 1 : 0) || (want_partial && !json_is_true(partial)) ||
		    (!want_partial && partial))
			fail_msg("%s JSON row %zu: keys must be exactly period_start, period_end, labels, value, "
			         "numerator, denominator, status%s", id, i, want_partial ? ", partial (true)" : "");
		check_iso_utc(id, i, "period_start", json_object_get(r, "period_start"), w->starts[e->week]);
		check_iso_utc(id, i, "period_end", json_object_get(r, "period_end"), w->starts[e->week + 1]);
		labels = json_object_get(r, "labels");
		if (!json_is_object(labels) || json_object_size(labels) != def->nlabels)
			fail_msg("%s JSON row %zu: labels must be an object with %zu entries", id, i, def->nlabels);
		for (size_t l = 0; l < def->nlabels; l++) {
			const char *v = json_string_value(json_object_get(labels, def->labels[l].name));
			if (!v)
				fail_msg("%s JSON row %zu: label '%s' missing or not a string", id, i, def->labels[l].name);
			snprintf(lb + strlen(lb), sizeof(lb) - strlen(lb), "%s%s=%s", l ? "," : "",
			         def->labels[l].name, v);
		}
		if (strcmp(lb, e->labels) != 0)
			fail_msg("%s JSON row %zu (week %d): expected labels '%s', got '%s'", id, i, e->week, e->labels, lb);
		check_json_number(id, i, e, "value", e->value, json_object_get(r, "value"));
		check_json_number(id, i, e, "numerator", e->num, json_object_get(r, "numerator"));
		check_json_number(id, i, e, "denominator", e->den, json_object_get(r, "denominator"));
		if (!json_is_string(json_object_get(r, "status")) ||
		    strcmp(json_string_value(json_object_get(r, "status")), e->status) != 0)
			fail_msg("%s JSON row %zu (week %d, '%s'): expected status %s, got %s", id, i, e->week,
			         e->labels, e->status,
			         json_string_value(json_object_get(r, "status")) ? json_string_value(json_object_get(r, "status"))
			                                                         : "(not a string)");
	}
	json_decref(doc);
}

void it_check_kpi(it_db *db, const char *kpi, const char *week, int nweeks, const char *now,
                  const char *config, const it_row *exp, size_t n)
{
	kpi_window w;
	kpi_result *res;
	it_run_result run;
	char nbuf[16], envnow[64];
	const char *argv[16];
	const char *env[] = { envnow, NULL };
	int a = 0;

	/* the library */
	it_window(&w, week, nweeks, db->cfg->timezone, now);
	res = it_collect(db, kpi, &w);
	it_check_series(&res->series[0], &w, exp, n);
	kpi_result_free(res);

	/* the command */
	snprintf(nbuf, sizeof(nbuf), "%d", nweeks);
	snprintf(envnow, sizeof(envnow), "KPI_NOW=%s", now);
	argv[a++] = "kpi";
	argv[a++] = "query";
	argv[a++] = kpi;
	argv[a++] = "--week";
	argv[a++] = week;
	argv[a++] = "--weeks";
	argv[a++] = nbuf;
	argv[a++] = "--format";
	argv[a++] = "json";
	argv[a++] = "--db";
	argv[a++] = db->conninfo;
	if (config) {
		argv[a++] = "--config";
		argv[a++] = config;
	}
	argv[a] = NULL;
	it_run(&run, argv, env, 30);
	if (run.status != 0)
		fail_msg("kpi query %s exited %d: %s", kpi, run.status, run.err);
	it_check_json(run.out, kpi_catalog_find(db->cat, kpi), &w, exp, n);
	it_run_free(&run);
}

/* ---- running the command ---- */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	char *p = realloc(*buf, *len + n + 1);
	assert_non_null(p);
	memcpy(p + *len, data, n);
	*len += n;
	p[*len] = '\0';
	*buf = p;
}

void it_run(it_run_result *r, const char *const *argv, const char *const *env, int timeout_s)
{
	int po[2], pe[2];
	pid_t pid;
	size_t olen = 0, elen = 0;
	double start = mono();
	int open_fds = 2, wstatus = 0;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	assert_non_null(r->out);
	assert_non_null(r->err);
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		for (const char *const *e = env; e && *e; e++) {
			const char *eq = strchr(*e, '=');
			if (eq) {
				char name[128];
				snprintf(name, sizeof(name), "%.*s", (int)(eq - *e), *e);
				setenv(name, eq + 1, 1);
			} else {
				unsetenv(*e);
			}
		}
		execv(KPI_BINARY, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", KPI_BINARY, strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	{
		struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		while (open_fds > 0) {
			double left = start + timeout_s - mono();
			int n;
			if (left <= 0) {
				r->timed_out = true;
				kill(pid, SIGKILL);
				break;
			}
			n = poll(fds, 2, (int)(left * 1000) + 1);
			if (n < 0 && errno == EINTR)
				continue;
			assert_true(n >= 0);
			for (int i = 0; i < 2; i++) {
				if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
					char buf[4096];
					ssize_t k = read(fds[i].fd, buf, sizeof(buf));
					if (k > 0) {
						if (i == 0)
							append(&r->out, &olen, buf, (size_t)k);
						else
							append(&r->err, &elen, buf, (size_t)k);
					} else {
						close(fds[i].fd);
						fds[i].fd = -1;
						open_fds--;
					}
				}
			}
		}
		for (int i = 0; i < 2; i++)
			if (fds[i].fd >= 0)
				close(fds[i].fd);
	}
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	r->seconds = mono() - start;
	if (WIFEXITED(wstatus))
		r->status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		r->status = 128 + WTERMSIG(wstatus);
	if (r->timed_out)
		fail_msg("%s %s timed out after %d s (killed)", KPI_BINARY, argv[1] ? argv[1] : "", timeout_s);
}

void it_run_free(it_run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void it_run_ok_at(const char *const *argv, const char *now, char **out, char **errout)
{
	it_run_result r;
	char env0[64];
	const char *env[] = { env0, "KPI_CONFIG", NULL };
	snprintf(env0, sizeof(env0), "KPI_NOW=%s", now);
	it_run(&r, argv, env, 180);
	if (r.status != 0)
		fail_msg("kpi %s exited %d: %s", argv[1], r.status, r.err);
	if (out)
		*out = strdup(r.out);
	if (errout)
		*errout = strdup(r.err);
	it_run_free(&r);
}

void it_srvlog_open(it_srvlog *s)
{
	const char *host = getenv("PGHOST");
	FILE *f;
	assert_non_null(host);
	snprintf(s->path, sizeof(s->path), "%s/pg.log", host);
	f = fopen(s->path, "r");
	if (!f)
		fail_msg("cannot read the test server's log %s (started by scripts/lib.sh's kpi_pg_start?)", s->path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	s->start = ftell(f);
	fclose(f);
}

/* The text of the statement a log line says was executed, or NULL. */
static const char *srvlog_statement(const char *line)
{
	const char *p = strstr(line, "execute ");
	return p && (p = strstr(p, ": ")) ? p + 2 : NULL;
}

int it_srvlog_count(const it_srvlog *s, const char *head)
{
	FILE *f = fopen(s->path, "r");
	char line[4096];
	const char *st;
	int n = 0;
	assert_non_null(f);
	assert_int_equal(fseek(f, s->start, SEEK_SET), 0);
	while (fgets(line, sizeof(line), f))
		if ((st = srvlog_statement(line)) && strncmp(st, head, strlen(head)) == 0)
			n++;
	fclose(f);
	return n;
}

int it_srvlog_rank(const it_srvlog *s, const char *head)
{
	FILE *f = fopen(s->path, "r");
	char line[4096], pid[32] = "";
	const char *st, *a, *b;
	int n = 0;
	assert_non_null(f);
	/* the server process of the first such statement: the "[pid]" of the
	 * log line (log_line_prefix "%m [%p] ") */
	assert_int_equal(fseek(f, s->start, SEEK_SET), 0);
	while (!pid[0] && fgets(line, sizeof(line), f))
		if ((st = srvlog_statement(line)) && strncmp(st, head, strlen(head)) == 0 && (a = strchr(line, '[')) &&
		    (b = strchr(a, ']')) && b < st && (size_t)(b - a) < sizeof(pid))
			snprintf(pid, sizeof(pid), "%.*s", (int)(b - a + 1), a);
	assert_int_equal(fseek(f, s->start, SEEK_SET), 0);
	while (pid[0] && fgets(line, sizeof(line), f)) {
		if (!(st = srvlog_statement(line)) || strncmp(st, "-- ", 3) != 0 || !strstr(line, pid) || strstr(line, pid) > st)
			continue;
		n++;
		if (strncmp(st, head, strlen(head)) == 0)
			break;
	}
	fclose(f);
	return n;
}

int it_count_lines(const char *s)
{
	int n = 0;
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	if (len && s[len - 1] != '\n')
		n++;
	return n;
}

static char tmpdir[256];
static pid_t tmpdir_owner;
static char *tmpfiles[32];
static size_t ntmpfiles;

char *it_write_tmp(const char *basename, const char *text)
{
	char *path;
	FILE *f;
	size_t len;

	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/kpi-it.XXXXXX");
		assert_non_null(mkdtemp(tmpdir));
		tmpdir_owner = getpid();
	}
	assert_true(ntmpfiles < sizeof(tmpfiles) / sizeof(tmpfiles[0]));
	len = strlen(tmpdir) + strlen(basename) + 2;
	path = malloc(len);
	assert_non_null(path);
	snprintf(path, len, "%s/%s", tmpdir, basename);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	tmpfiles[ntmpfiles++] = strdup(path);
	return path;
}

/* Remove `path` and everything under it (not following symbolic links). */
void it_tmp_cleanup(void)
{
	for (size_t i = 0; i < ntmpfiles; i++)
		free(tmpfiles[i]);
	ntmpfiles = 0;
	/* the whole directory, with what the tests' kpi runs wrote into it
	 * (packs, reports, state); only by the process that made it, not by a
	 * forked child that exits */
	if (tmpdir[0] && tmpdir_owner == getpid()) {
		kpi_error err = { 0 };
		if (kpi__remove_tree(tmpdir, &err))
			fprintf(stderr, "it_util: %s\n", err.message);
	}
	tmpdir[0] = '\0';
}

char *it_fixture_catalog(const char *const *files, size_t n, const char *threshold)
{
	char buf[8192];
	size_t len = 0;

	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "{\"version\": 1, \"kpis\": [");
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		                        "%s{\"id\": \"fixture_%zu\", \"title\": \"Fixture %zu\", \"unit\": \"count\", "
		                        "\"source\": \"postgres\", \"query\": \"%s\", \"kind\": \"flow\", "
		                        "\"labels\": [], %s, \"gating\": false, "
		                        "\"missing\": \"ignore\", \"empty\": \"zero\", \"description\": \"d\"}",
		                        i ? ", " : "", i, i, files[i], threshold ? threshold : "\"threshold\": null");
	assert_true(len + 4 < sizeof(buf));
	snprintf(buf + len, sizeof(buf) - len, "]}\n");
	return it_write_tmp("catalog.json", buf);
}

void it_check_kpi_config(const char *config, const char *kpi, const char *week, int nweeks, const char *now,
                         const it_row *exp, size_t n)
{
	char nbuf[16], envnow[64];
	const char *argv[] = { "kpi", "query", kpi, "--week", week, "--weeks", nbuf, "--format", "json", "--config",
		               config, NULL };
	const char *env[] = { envnow, NULL };
	kpi_error err = KPI_ERROR_INIT;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_result *res = NULL;
	const char *ids[1] = { kpi };
	it_run_result run;
	kpi_window w;

	/* the library, configured by the file alone */
	if (kpi_config_load(&cfg, config, &err) || kpi_catalog_load(&cat, cfg->catalog_path, &err) ||
	    kpi_config_apply(cfg, cat, &err))
		fail_msg("%s: %s", config, err.message);
	it_window(&w, week, nweeks, cfg->timezone, now);
	if (kpi_collect(&res, cat, cfg, ids, 1, &w, &err))
		fail_msg("kpi_collect(%s): %s", kpi, err.message);
	it_check_series(&res->series[0], &w, exp, n);
	kpi_result_free(res);
	/* the command */
	snprintf(nbuf, sizeof(nbuf), "%d", nweeks);
	snprintf(envnow, sizeof(envnow), "KPI_NOW=%s", now);
	it_run(&run, argv, env, 60);
	if (run.status != 0)
		fail_msg("kpi query %s exited %d: %s", kpi, run.status, run.err);
	it_check_json(run.out, kpi_catalog_find(cat, kpi), &w, exp, n);
	it_run_free(&run);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
}

int it_count(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}
