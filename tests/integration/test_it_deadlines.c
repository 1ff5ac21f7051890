/*
 * Integration: every wait for PostgreSQL has a deadline. kpi's backend
 * frozen with SIGSTOP in the middle of a query (kpi query on one
 * connection, query all on two, kpi alert) ends in the documented timeout
 * within statement_timeout + the 5 s margin (+ the 2 s a cancel request may
 * take), with one clear line and none of libpq's raw text; a terminated
 * backend gives one clear error; a kpi alert run stuck past its deadline is
 * reported by the next run, which still delivers the "kpi cannot read its
 * data" alert, and the run after the stuck one ends resolves it.
 *
 * Every process the tests stop is continued by the teardown, and by a
 * watchdog process should the test itself die first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_alert.h"

#define STMT_ENV "KPI_STATEMENT_TIMEOUT_MS=2000"
/* statement_timeout + the margin: when kpi gives up waiting */
#define DEADLINE_S 7.0
/* what a cancel request may add, and kpi's start on a busy machine */
#define CANCEL_S 2.0
#define SLACK_S 4.0

static const char *fixtures(void)
{
	const char *f = getenv("KPI_IT_FIXTURES");
	return f && *f ? f : KPI_SOURCE_DIR "/tests/fixtures/integration";
}

/* ---- processes stopped, always continued ---- */

static pid_t stopped[8], watchdogs[8];
static size_t nstopped;
static pid_t children[8];
static size_t nchildren;

static void continue_all(void)
{
	/* kpi runs of the test first (stopped or not: killed, never continued) */
	for (size_t i = 0; i < nchildren; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	nchildren = 0;
	for (size_t i = 0; i < nstopped; i++) {
		kill(stopped[i], SIGCONT);
		kill(watchdogs[i], SIGKILL);
		waitpid(watchdogs[i], NULL, 0);
	}
	nstopped = 0;
}

/* SIGSTOP `pid`; a watchdog continues it after 120 s whatever becomes of
 * the test (a backend left stopped would keep its database from being
 * dropped). */
static void stop_process(pid_t pid)
{
	pid_t w;

	assert_true(nstopped < sizeof(stopped) / sizeof(stopped[0]));
	fflush(NULL);
	w = fork();
	assert_true(w >= 0);
	if (w == 0) {
		setsid();
		sleep(120);
		kill(pid, SIGCONT);
		_exit(0);
	}
	stopped[nstopped] = pid;
	watchdogs[nstopped++] = w;
	assert_int_equal(kill(pid, SIGSTOP), 0);
}

static int db_teardown(void **state)
{
	continue_all();
	it_db_drop(*state);
	*state = NULL;
	it_tmp_cleanup();
	return 0;
}

static int alert_teardown(void **state)
{
	continue_all();
	it_tmp_cleanup();
	return it_alert_teardown(state);
}

/* The pid of kpi's backend in database `db` that sleeps in a fixture's
 * pg_sleep (so stopping it stops nothing but that sleep). */
static pid_t sleeping_backend(const char *db)
{
	PGconn *c = PQconnectdb("");
	char sql[256];
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to the test PostgreSQL: %s", PQerrorMessage(c));
	snprintf(sql, sizeof(sql),
	         "SELECT pid FROM pg_stat_activity WHERE application_name = 'kpi' AND datname = '%s' "
	         "AND wait_event = 'PgSleep' ORDER BY pid LIMIT 1",
	         db);
	for (int i = 0; i < 1000; i++) {
		PGresult *r = PQexec(c, sql);
		pid_t pid = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? (pid_t)atol(PQgetvalue(r, 0, 0)) : 0;
		PQclear(r);
		if (pid > 0) {
			PQfinish(c);
			return pid;
		}
		nanosleep(&pause, NULL);
	}
	PQfinish(c);
	fail_msg("no backend of kpi sleeping in database %s within 20 s", db);
	return 0;
}

/* ---- kpi in the background ---- */

typedef struct bg {
	pid_t pid;
	double start;
	char out[200], err[200];
} bg;

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start KPI_BINARY argv with env changes ("NAME=value"), its stdout and
 * stderr into files of the test's temp dir. */
static void bg_start(bg *b, const char *const *argv, const char *const *env, const char *name)
{
	char *dummy = it_write_tmp(name, "");
	pid_t pid;

	snprintf(b->out, sizeof(b->out), "%s.out", dummy);
	snprintf(b->err, sizeof(b->err), "%s.err", dummy);
	free(dummy);
	fflush(NULL);
	b->start = mono();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(b->out, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(b->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0)
			_exit(127);
		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		for (const char *const *v = env; v && *v; v++) {
			const char *eq = strchr(*v, '=');
			char n[128];
			snprintf(n, sizeof(n), "%.*s", (int)(eq - *v), *v);
			setenv(n, eq + 1, 1);
		}
		execv(KPI_BINARY, (char *const *)argv);
		_exit(127);
	}
	b->pid = pid;
	assert_true(nchildren < sizeof(children) / sizeof(children[0]));
	children[nchildren++] = pid;
}

/* Wait for a background run (fails the test after `timeout_s`): its exit
 * status, how long it ran, and its stdout and stderr (caller frees). */
static int bg_wait(bg *b, double timeout_s, double *seconds, char **out, char **err)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int status = 0;

	for (;;) {
		pid_t w = waitpid(b->pid, &status, WNOHANG);
		if (w == b->pid)
			break;
		if (mono() - b->start > timeout_s)
			fail_msg("kpi did not end within %g s", timeout_s);
		nanosleep(&pause, NULL);
	}
	*seconds = mono() - b->start;
	for (size_t i = 0; i < nchildren; i++)
		if (children[i] == b->pid)
			children[i] = children[--nchildren];
	assert_int_equal(kpi__read_file(out, NULL, b->out, NULL), 0);
	assert_int_equal(kpi__read_file(err, NULL, b->err, NULL), 0);
	unlink(b->out);
	unlink(b->err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* stderr of kpi query: exactly one line, "kpi: ...", and nothing of
 * libpq's own text. */
static void assert_one_clear_line(const char *err)
{
	if (it_count_lines(err) != 1 || strncmp(err, "kpi: ", 5) != 0)
		fail_msg("stderr must be one line 'kpi: ...', got:\n%s", err);
	assert_not_contains(err, "WARNING");
	assert_not_contains(err, "FATAL");
	assert_not_contains(err, "\t");
}

/* stderr of kpi alert: JSON log lines only. */
static void assert_json_lines(const char *err)
{
	for (const char *p = err; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_t *line = json_loadb(p, n, 0, NULL);
		if (!line)
			fail_msg("a line on stderr that is not a JSON log line: %.*s", (int)n, p);
		json_decref(line);
		p += n + (nl ? 1 : 0);
	}
}

static void query_env(const char **env, char *catenv, size_t cs, char *qdir, size_t qs, const char *cat)
{
	snprintf(catenv, cs, "KPI_CATALOG=%s", cat);
	snprintf(qdir, qs, "KPI_QUERY_DIR=%s/queries", fixtures());
	env[0] = catenv;
	env[1] = qdir;
}

/* kpi query all over the fixture queries `files` (STMT_ENV, and `more`
 * when not NULL), the backend of a query stopped while it sleeps (SIGSTOP),
 * or terminated (pg_terminate_backend) when `terminate`. Stopped: exit 5
 * after the deadline (+ `late`: when the stopped query may have begun), one
 * clear line naming the query file and the deadline. Terminated: exit 4 at
 * once, one clear line. */
static void hit_query(void **state, const char *name, const char *const *files, size_t n, const char *more,
                      bool terminate, double late)
{
	it_db *db = *state = it_db_create(name);
	char *cat = it_fixture_catalog(files, n, NULL), catenv[512], qdir[512], want[160], *out, *err;
	const char *env[] = { NULL, NULL, terminate ? more : STMT_ENV, terminate ? NULL : more, NULL };
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W10", "--format", "json", "--db", db->conninfo,
		               NULL };
	double secs;
	bg b;
	int rc;

	query_env(env, catenv, sizeof(catenv), qdir, sizeof(qdir), cat);
	bg_start(&b, argv, env, name);
	if (terminate) {
		snprintf(want, sizeof(want), "SELECT pg_terminate_backend(%ld)", (long)sleeping_backend(db->name));
		it_admin_exec(want);
	} else {
		stop_process(sleeping_backend(db->name));
	}
	rc = bg_wait(&b, 60, &secs, &out, &err);
	print_message("kpi query all (%zu KPIs, %s), a backend %s: exit %d after %.2f s: %s", n,
	              more ? more : "one connection", terminate ? "terminated" : "stopped", rc, secs, err);
	assert_int_equal(rc, terminate ? 4 : 5);
	assert_string_equal(out, "");
	assert_one_clear_line(err);
	assert_contains(err, "kpi: KPI fixture_");
	if (terminate) {
		snprintf(want, sizeof(want), "%s): lost the connection to PostgreSQL (host=", files[0]);
		assert_contains(err, want);
		assert_true(secs < 10);
	} else {
		snprintf(want, sizeof(want), "%s): no answer from PostgreSQL (host=", files[0]);
		assert_contains(err, want);
		assert_contains(err, "within 7 s (statement_timeout 2000 ms + 5 s): the query was cancelled and the "
		                     "connection closed");
		assert_true(secs >= DEADLINE_S && secs < DEADLINE_S + late + CANCEL_S + SLACK_S);
	}
	free(out);
	free(err);
	free(cat);
}

/* kpi query: the backend stopped in the middle of the query. */
static void test_query__frozen_backend_times_out(void **state)
{
	static const char *const files[] = { "slow.sql" };
	hit_query(state, "dl_query", files, 1, NULL, false, 0);
}

/* query all on two connections: one of them stopped, the other goes on
 * with the queries that are left; the stopped one's KPI times out. The
 * stopped query began within the first two seconds. */
static void test_query_all__two_connections_one_frozen(void **state)
{
	static const char *const files[] = { "sleep.sql", "sleep.sql", "sleep.sql", "sleep.sql", "sleep.sql", "sleep.sql" };
	hit_query(state, "dl_conns", files, 6, "KPI_DB_CONNECTIONS=2", false, 2);
}

/* pg_terminate_backend in the middle of the query: one clear error. */
static void test_query__terminated_backend_is_one_clear_error(void **state)
{
	static const char *const files[] = { "slow.sql", "slow.sql" };
	/* one connection: on two, the backend terminated may be the one of the
	 * second query while the first still sleeps, and kpi waits for the
	 * first (the error a serial run would report: kpi__pg_fetch), here up to
	 * its 60 s sleep with no statement_timeout set */
	hit_query(state, "dl_term", files, 2, "KPI_DB_CONNECTIONS=1", true, 0);
}

/* A warning the server sends while kpi connects (a setting of the database
 * that is invalid at session start) goes through the log, as a pg.notice
 * line, never raw to stderr: the receiver is in place before the first
 * message of the server. */
static void test_query__warning_at_connect_goes_to_the_log(void **state)
{
	static const char *const files[] = { "good.sql" };
	it_db *db = *state = it_db_create("dl_notice");
	char *cat = it_fixture_catalog(files, 1, NULL), catenv[512], qdir[512], sql[160];
	const char *env[] = { NULL, NULL, NULL };
	const char *argv[] = { "kpi", "query", "all", "--week", "2026-W10", "--format", "json", "--db", db->conninfo,
		               NULL };
	json_t *line;
	it_run_result r;

	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET default_text_search_config = 'public.nope'", db->name);
	it_admin_exec(sql);
	query_env(env, catenv, sizeof(catenv), qdir, sizeof(qdir), cat);
	it_run(&r, argv, env, 30);
	print_message("kpi query, a warning at connect: exit %d, stderr: %s", r.status, r.err);
	assert_int_equal(r.status, 0);
	assert_int_equal(it_count_lines(r.err), 1);
	assert_non_null(line = json_loads(r.err, 0, NULL));
	assert_string_equal(it_str(line, "event"), "pg.notice");
	assert_string_equal(it_str(line, "level"), "warn");
	assert_string_equal(it_str(line, "severity"), "WARNING");
	assert_contains(it_str(line, "msg"), "default_text_search_config");
	json_decref(line);
	it_run_free(&r);
	free(cat);
}

#define ALERT_FIXTURE "\"threshold\": {\"op\": \"<=\", \"target\": 1000000}, \"alert\": {}"
#define FILE_SINK "\"file\": {\"type\": \"command\", \"argv\": [\"tee\", \"-a\", \"%ROOT%/alerts.jsonl\"]}"

static void alert_argv(const char **argv, it_alert *a, const char *now)
{
	const char *v[] = { "kpi", "alert", "--config", a->config, "--db", a->conninfo, "--state-dir", a->state, "--now",
		            now, NULL };
	memcpy(argv, v, sizeof(v));
}

/* The notifications the command sink got (JSON Lines); caller decrefs. */
static json_t *sink_lines(it_alert *a)
{
	char path[200], *text = NULL;
	json_t *all = json_array();
	snprintf(path, sizeof(path), "%s/alerts.jsonl", a->root);
	if (kpi__read_file(&text, NULL, path, NULL) != 0)
		return all;
	for (char *p = text, *nl; *p; p = nl + 1) {
		json_t *n;
		if (!(nl = strchr(p, '\n')))
			break;
		if (!(n = json_loadb(p, (size_t)(nl - p), 0, NULL)))
			fail_msg("the command sink got a line that is not JSON: %.*s", (int)(nl - p), p);
		json_array_append_new(all, n);
	}
	free(text);
	return all;
}

/* kpi alert with its backend stopped: exit 3 within the deadline, the
 * blind monitor's record one failed run further, the ledger whole. */
static void test_alert__frozen_backend_is_a_failed_run(void **state)
{
	static const char *const files[] = { "slow.sql" };
	it_alert *a = *state = it_alert_new("dl_frozen", false,
	                                    "{\"lock_wait_seconds\": 1, \"delivery_deadline_seconds\": 2, "
	                                    "\"sinks\": {" FILE_SINK "}}");
	char *cat = it_fixture_catalog(files, 1, ALERT_FIXTURE), catenv[512], qdir[512], *out, *err, tmp[300];
	const char *env[] = { NULL, NULL, STMT_ENV, NULL }, *argv[16];
	kpi__ledger *l;
	const kpi__alert_rec *src;
	struct stat st;
	double secs;
	bg b;
	int rc;

	query_env(env, catenv, sizeof(catenv), qdir, sizeof(qdir), cat);
	alert_argv(argv, a, it_at(0));
	bg_start(&b, argv, env, "alert");
	stop_process(sleeping_backend(a->db->name));
	rc = bg_wait(&b, 60, &secs, &out, &err);
	print_message("kpi alert, its backend stopped: exit %d after %.2f s: %s", rc, secs, out);
	assert_int_equal(rc, 3);
	it_assert_line(out, "KPI UNKNOWN - cannot read the data (failed run 1 in a row; the 'kpi cannot read its data' "
	                    "alert fires at 3): KPI fixture_0 (");
	assert_contains(out, "slow.sql): no answer from PostgreSQL (host=");
	assert_int_equal(it_count_lines(out), 1);
	assert_json_lines(err);
	assert_not_contains(err, "WARNING:");
	assert_true(secs >= DEADLINE_S && secs < DEADLINE_S + CANCEL_S + SLACK_S);
	/* the ledger parses (checksum and all) and counts the failed run */
	l = it_alert_ledger(a);
	assert_non_null(src = kpi__ledger_find(l, KPI__SOURCE_RECORD));
	assert_int_equal(src->state, KPI_ALERT_PENDING);
	assert_int_equal(src->pending, 1);
	assert_contains(src->note, "no answer from PostgreSQL");
	kpi__ledger_free(l);
	snprintf(tmp, sizeof(tmp), "%s/ledger.json.tmp.%ld", a->state, (long)b.pid);
	assert_int_not_equal(stat(tmp, &st), 0);
	free(out);
	free(err);
	free(cat);
}

/* A run stuck past its deadline (stopped: SIGSTOP) keeps the lock. The
 * next run reports it and delivers the blind-monitor alert without the
 * ledger; once the stuck run is gone, the next run takes that over and
 * resolves it. */
static void test_alert__stuck_holder_is_reported_and_the_blind_monitor_fires(void **state)
{
	static const char *const files[] = { "slow.sql" };
	it_alert *a = *state = it_alert_new("dl_stuck", false,
	                                    "{\"lock_wait_seconds\": 1, \"delivery_deadline_seconds\": 2, "
	                                    "\"source_failures_before_alert\": 2, \"sinks\": {" FILE_SINK "}}");
	char *cat = it_fixture_catalog(files, 1, ALERT_FIXTURE), catenv[512], qdir[512], lockp[200], side[200],
	     ledger[200], want[200], key[256], *text = NULL;
	const char *env[] = { NULL, NULL, STMT_ENV, "KPI_ALERT_RUN_DEADLINE_SECONDS=12", NULL }, *argv[16];
	kpi__lock_holder h = { 0 };
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct stat st;
	it_run_result r;
	json_t *got;
	kpi__ledger *l;
	bg holder;

	query_env(env, catenv, sizeof(catenv), qdir, sizeof(qdir), cat);
	alert_argv(argv, a, it_at(0));
	bg_start(&holder, argv, env, "holder");
	/* it holds the lock (its file names it): stop it there */
	snprintf(lockp, sizeof(lockp), "%s/lock", a->state);
	for (int i = 0; i < 1000 && h.pid != holder.pid; i++) {
		free(text);
		text = NULL;
		if (kpi__read_file(&text, NULL, lockp, NULL) == 0)
			kpi__lock_holder_parse(&h, text);
		nanosleep(&pause, NULL);
	}
	free(text);
	assert_int_equal(h.pid, holder.pid);
	assert_true(h.deadline == 12);
	stop_process(holder.pid);
	while ((int64_t)time(NULL) <= h.started + 12)
		nanosleep(&pause, NULL);

	/* the next run: reported, the alert delivered, the ledger untouched */
	{
		const char *env2[] = { catenv, qdir, NULL };
		it_alert_run(a, &r, 5, NULL, env2);
	}
	print_message("a run blocked by one stuck past its deadline: exit %d after %.2f s:\n%s", r.status, r.seconds,
	              r.out);
	assert_int_equal(r.status, 3);
	snprintf(want, sizeof(want), "KPI UNKNOWN - run %ld has held the lock for ", (long)holder.pid);
	it_assert_line(r.out, want);
	assert_contains(r.out, "s, past its 12s deadline (alert.run_deadline_seconds)");
	snprintf(want, sizeof(want), "KPI CRITICAL - kpi_source (cannot read its data, 2 failed runs in a row: run %ld has "
	                             "held the lock for",
	         (long)holder.pid);
	it_assert_line(r.out, want);
	assert_json_lines(r.err);
	assert_true(r.seconds < 1 + 2 + SLACK_S);
	it_run_free(&r);
	got = sink_lines(a);
	assert_int_equal(json_array_size(got), 1);
	assert_string_equal(it_str(json_array_get(got, 0), "action"), "trigger");
	assert_string_equal(it_str(json_array_get(got, 0), "kpi"), "kpi_source");
	assert_contains(it_str(json_array_get(got, 0), "summary"), "kpi cannot read its data");
	snprintf(key, sizeof(key), "%s", it_str(json_array_get(got, 0), "dedupe_key"));
	json_decref(got);
	snprintf(side, sizeof(side), "%s/ledger.blocked.json", a->state);
	assert_int_equal(stat(side, &st), 0);
	snprintf(ledger, sizeof(ledger), "%s/ledger.json", a->state);
	assert_int_not_equal(stat(ledger, &st), 0); /* the stuck run never saved; nobody else writes it */

	/* the operator stops the stuck run; the next run reads the data again */
	continue_all();
	it_alert_run(a, &r, 10, NULL, NULL);
	print_message("the run after: exit %d:\n%s", r.status, r.out);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - kpi_source (data readable again)");
	it_run_free(&r);
	got = sink_lines(a);
	assert_int_equal(json_array_size(got), 2);
	assert_string_equal(it_str(json_array_get(got, 1), "action"), "resolve");
	assert_string_equal(it_str(json_array_get(got, 1), "dedupe_key"), key);
	json_decref(got);
	assert_int_not_equal(stat(side, &st), 0);
	l = it_alert_ledger(a);
	assert_int_equal(kpi__ledger_find(l, KPI__SOURCE_RECORD)->state, KPI_ALERT_OK);
	kpi__ledger_free(l);
	free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_query__frozen_backend_times_out, db_teardown),
		cmocka_unit_test_teardown(test_query_all__two_connections_one_frozen, db_teardown),
		cmocka_unit_test_teardown(test_query__terminated_backend_is_one_clear_error, db_teardown),
		cmocka_unit_test_teardown(test_query__warning_at_connect_goes_to_the_log, db_teardown),
		cmocka_unit_test_teardown(test_alert__frozen_backend_is_a_failed_run, alert_teardown),
		cmocka_unit_test_teardown(test_alert__stuck_holder_is_reported_and_the_blind_monitor_fires, alert_teardown),
	};
	if (!it_pg_wanted("integration_deadlines"))
		return 77;
	atexit(continue_all);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
