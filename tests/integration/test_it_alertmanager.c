/*
 * Integration: the Alertmanager sink against a real Prometheus Alertmanager
 * (Debian's prometheus-alertmanager, started here on loopback with basic
 * auth, its webhook receiver being the tests' responder) and the throwaway
 * PostgreSQL: a breach reaches the receiver with its labels and
 * annotations; `amtool silence add` suppresses the notification; every run
 * refreshes the firing alert (endsAt) without paging again and without
 * growing the outbox; recovery delivers the resolve; an HA pair down for
 * two runs, then one of them up, then both: delivered to both, once.
 * `kpi alert --test` with the right and a wrong password. A KPI with labels
 * (export_success_rate per path): its labels on the alert, endsAt moved on
 * by every run while it fires.
 *
 * Alertmanager judges startsAt/endsAt by its own clock, so these runs are
 * "now" (the data is inserted relative to now()), not the fixed instants
 * of the other alert tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_alert.h"
#include "net/http.h"

/* bcrypt (cost 4: fast) of IT_AM_PASSWORD, for Alertmanager's web config */
#define AM_BCRYPT "$2b$04$Y32o72RX1aOL.uHUQ4cDG.BsTSQXFyjBDf2MS1vRH6W9xrVbQoCVi"
#define AM_ALERTNAME "uncached_legacy_max_age_days"

/* One legacy design of the active cohort whose only revision, 10 days old,
 * has no artifact: uncached_legacy_max_age_days is 10 d, > 7 d. */
static const char *const breach_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at) VALUES\n"
	" (1, 't', 's', 'u', 'prod', 'legacy', now() - interval '60 days');\n"
	"INSERT INTO design_events (design_id, at, kind) VALUES (1, now() - interval '1 day', 'edited');\n"
	"INSERT INTO decoration_revisions (design_id, revision, created_at) VALUES (1, 1, now() - interval '10 days');\n";
static const char *const fix_sql = "INSERT INTO export_artifacts (design_id, revision, source, created_at)"
                                   " VALUES (1, 1, 'cached', now() - interval '1 minute')";

/* A Prometheus Alertmanager of the test's own. */
typedef struct it_am {
	pid_t pid;
	int port;
	char dir[64];         /* its files: config, web config, storage, log */
	char url[64];         /* http://127.0.0.1:PORT */
} it_am;

typedef struct fixture {
	it_alert *a;
	it_am *am[2];
} fixture;

static const char *am_binary(void)
{
	static const char *const names[] = { "/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager",
		                             "/usr/bin/alertmanager", NULL };
	for (const char *const *n = names; *n; n++)
		if (access(*n, X_OK) == 0)
			return *n;
	fail_msg("no Alertmanager binary (Debian package prometheus-alertmanager; scripts/test installs it)");
	return NULL;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[200];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* GET `path` of an Alertmanager with the basic credentials; its status and body. */
static long am_get(const it_am *m, const char *path, char **body)
{
	char url[160];
	const char *headers[] = { "Authorization: Basic " IT_AM_BASIC, NULL };
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	long status = 0;

	snprintf(url, sizeof(url), "%s%s", m->url, path);
	req.url = url;
	req.method = "GET";
	req.headers = headers;
	req.timeout_ms = 2000;
	req.what = "Alertmanager";
	if (kpi__http_do(&resp, &req, &err) == 0)
		status = resp.status;
	if (body)
		*body = status ? strdup(resp.body.data ? resp.body.data : "") : NULL;
	kpi__http_resp_release(&resp);
	return status;
}

static void am_start(it_am *m)
{
	char config[128], web[128], storage[128], log[128], listen[64];
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	const char *bin = am_binary();

	snprintf(config, sizeof(config), "--config.file=%s/am.yml", m->dir);
	snprintf(web, sizeof(web), "--web.config.file=%s/web.yml", m->dir);
	snprintf(storage, sizeof(storage), "--storage.path=%s/data", m->dir);
	snprintf(log, sizeof(log), "%s/am.log", m->dir);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", m->port);
	fflush(NULL);
	m->pid = fork();
	assert_true(m->pid >= 0);
	if (m->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlives the test */
		execl(bin, bin, config, web, storage, listen, "--cluster.listen-address=", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400; i++) { /* up to 20 s on a busy machine */
		int status;
		if (am_get(m, "/-/ready", NULL) == 200)
			return;
		if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
			m->pid = 0;
			fail_msg("Alertmanager exited at start (see %s)", log);
		}
		nanosleep(&pause, NULL);
	}
	fail_msg("Alertmanager did not get ready on %s within 20 s (see %s)", m->url, log);
}

/* Stop it by its pid (SIGTERM, then SIGKILL); its files stay for a restart. */
static void am_stop(it_am *m)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int status;
	if (m->pid <= 0)
		return;
	kill(m->pid, SIGTERM);
	for (int i = 0; i < 250; i++) {
		if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
			m->pid = 0;
			return;
		}
		nanosleep(&pause, NULL);
	}
	kill(m->pid, SIGKILL);
	waitpid(m->pid, &status, 0);
	m->pid = 0;
}

/* An Alertmanager on a free loopback port, basic auth on, routing every
 * alert to the responder's /am-hook with short group timers. */
static it_am *am_new(const it_alert *a)
{
	it_am *m = calloc(1, sizeof(*m));
	char yml[1024];

	assert_non_null(m);
	snprintf(m->dir, sizeof(m->dir), "%s/am.XXXXXX", a->root);
	assert_non_null(mkdtemp(m->dir));
	m->port = it_free_port();
	snprintf(m->url, sizeof(m->url), "http://127.0.0.1:%d", m->port);
	snprintf(yml, sizeof(yml),
	         "route:\n"
	         "  receiver: hook\n"
	         "  group_by: [alertname]\n"
	         "  group_wait: 1s\n"
	         "  group_interval: 1s\n"
	         "  repeat_interval: 1h\n"
	         "receivers:\n"
	         "  - name: hook\n"
	         "    webhook_configs:\n"
	         "      - url: %s/am-hook\n"
	         "        send_resolved: true\n",
	         a->resp->url);
	write_file(m->dir, "am.yml", yml);
	write_file(m->dir, "web.yml", "basic_auth_users:\n  kpi: " AM_BCRYPT "\n");
	/* amtool's client config (password_file: never on its command line) */
	write_file(m->dir, "password", IT_AM_PASSWORD);
	snprintf(yml, sizeof(yml), "basic_auth:\n  username: kpi\n  password_file: %s/password\n", m->dir);
	write_file(m->dir, "http.yml", yml);
	am_start(m);
	return m;
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (!f)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (f->am[i])
			am_stop(f->am[i]);
		free(f->am[i]);
	}
	it_alert_free(f->a); /* removes the AMs' directories too */
	free(f);
	*state = NULL;
	return 0;
}

/* amtool against `m` with the test's credentials; its standard output
 * (caller frees); fails the test when it exits non-zero. */
static char *amtool(const it_am *m, const char *args)
{
	char cmd[1024], buf[512];
	kpi_buf out = KPI_BUF_INIT;
	FILE *p;
	snprintf(cmd, sizeof(cmd), "amtool --alertmanager.url=%s --http.config.file=%s/http.yml %s 2>&1", m->url, m->dir,
	         args);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(buf, sizeof(buf), p))
		kpi_buf_puts(&out, buf);
	if (pclose(p) != 0)
		fail_msg("%s failed: %s", cmd, out.data ? out.data : "");
	return out.data ? out.data : strdup("");
}

/* The alerts Alertmanager holds (active, silenced, inhibited). */
static json_t *am_alerts(const it_am *m)
{
	char *body = NULL;
	json_t *j;
	assert_int_equal(am_get(m, "/api/v2/alerts", &body), 200);
	assert_non_null(j = json_loads(body, 0, NULL));
	free(body);
	return j;
}

/* The one alert of that name Alertmanager holds (fails when not exactly one). */
static json_t *am_alert(const it_am *m, const char *alertname)
{
	json_t *all = am_alerts(m), *q, *found = NULL;
	size_t i, n = 0;
	json_array_foreach(all, i, q)
		if (strcmp(it_str(q, "labels.alertname"), alertname) == 0) {
			found = q;
			n++;
		}
	if (n != 1)
		fail_msg("Alertmanager %s holds %zu alerts named %s", m->url, n, alertname);
	json_incref(found);
	json_decref(all);
	return found;
}

/* The notifications Alertmanager sent to the receiver so far. */
static json_t *hooks(it_alert *a)
{
	return it_alert_requests(a, "/am-hook");
}

/* Wait until the receiver got a notification of `status` (firing or
 * resolved) from Alertmanager; the last such one (caller decrefs). */
static json_t *wait_hook(it_alert *a, const char *status)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	for (int i = 0; i < 200; i++) { /* 20 s */
		json_t *h = hooks(a), *q, *found = NULL;
		size_t k;
		json_array_foreach(h, k, q)
			if (strcmp(it_str(json_object_get(q, "json"), "status"), status) == 0)
				found = json_object_get(q, "json");
		if (found) {
			json_incref(found);
			json_decref(h);
			return found;
		}
		json_decref(h);
		nanosleep(&pause, NULL);
	}
	fail_msg("the receiver got no '%s' notification from Alertmanager within 20 s", status);
	return NULL;
}

/* A run as of the real now (Alertmanager's clock), with the password in
 * the environment (`password`: that one instead). */
static void run_now(it_alert *a, it_run_result *r, const char *const *extra, const char *password)
{
	char now[32], pw[128];
	const char *env[] = { pw, NULL };
	snprintf(pw, sizeof(pw), "KPI_IT_AM_PASSWORD=%s", password ? password : IT_AM_PASSWORD);
	kpi_time_format(now, sizeof(now), (int64_t)time(NULL));
	it_alert_run_at(a, r, now, extra, env);
	it_assert_no_secrets(a->state, r->out, r->err);
}

/* A run while the alert fires (exit 2); the ledger after it, with `nout`
 * outbox entries (caller frees). */
static kpi__ledger *run_firing(it_alert *a, size_t nout)
{
	it_run_result r;
	kpi__ledger *l;
	run_now(a, &r, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_run_free(&r);
	l = it_alert_ledger(a);
	assert_int_equal(l->nout, nout);
	return l;
}

/* Let a waiting entry's backoff pass: next_attempt_at is in whole seconds
 * (a backoff of at most 0.75 s rounds up to 1 s), as cron's minutes would. */
static void past_backoff(void)
{
	sleep(2);
}

/* The outbox entries of sink `sink`. */
static size_t entries(const kpi__ledger *l, const char *sink, const char *action, kpi__entry_status status)
{
	size_t n = 0;
	for (size_t i = 0; i < l->nout; i++)
		n += strcmp(l->outbox[i].sink, sink) == 0 && (!action || strcmp(l->outbox[i].action, action) == 0) &&
		     l->outbox[i].status == status;
	return n;
}

static int64_t iso(const char *s)
{
	int64_t t = 0;
	if (!s || kpi_time_parse(&t, s, NULL))
		fail_msg("not an ISO-8601 time: %s", s ? s : "(null)");
	return t;
}

static fixture *fixture_new(void **state, const char *name, int nams, const char *extra_keys)
{
	fixture *f = *state = calloc(1, sizeof(*f));
	char cfg[2048], urls[256] = "";

	assert_non_null(f);
	f->a = it_alert_new(name, false, "{}");
	it_db_exec(f->a->db, breach_sql);
	for (int i = 0; i < nams; i++) {
		f->am[i] = am_new(f->a);
		snprintf(urls + strlen(urls), sizeof(urls) - strlen(urls), "%s\"%s/\"", i ? ", " : "", f->am[i]->url);
	}
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery_deadline_seconds\": 2, \"retry\": {\"base_seconds\": 0.1, \"max_seconds\": 0.5, \"max_attempts\": 100}, " IT_ONLY_UNCACHED ","
	         " \"sinks\": {\"am\": {\"type\": \"alertmanager\", \"urls\": [%s], \"basic_auth_user\": \"kpi\","
	         " \"basic_auth_password_env\": \"KPI_IT_AM_PASSWORD\", \"timeout_seconds\": 5%s}}}",
	         urls, extra_keys);
	it_alert_config(f->a, cfg);
	return f;
}

static void test_alertmanager__breach_silenced_then_notified_refreshed_and_resolved(void **state)
{
	fixture *f = fixture_new(state, "am_life", 1,
	                         ", \"resolve_timeout\": \"10m\","
	                         " \"generator_url\": \"https://grafana.example.com/d/kpi?var-kpi={kpi}\"");
	it_alert *a = f->a;
	it_am *am = f->am[0];
	char args[256], *silence, *updated1;
	it_run_result r;
	json_t *al, *h, *ha;
	kpi__ledger *l;
	int64_t t0;

	/* a silence first: the alert arrives, nobody is paged */
	silence = amtool(am, "silence add alertname=" AM_ALERTNAME " --comment=kpi-it --duration=1h --author=kpi-it");
	silence[strcspn(silence, "\n")] = '\0';
	assert_true(strlen(silence) > 10);
	t0 = (int64_t)time(NULL);
	run_now(a, &r, NULL, NULL);
	assert_int_equal(r.status, 2);
	it_assert_line(r.out, "KPI CRITICAL - " AM_ALERTNAME " 10 d > 7 d");
	it_run_free(&r);
	al = am_alert(am, AM_ALERTNAME);
	assert_string_equal(it_str(al, "status.state"), "suppressed");
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(al, "status"), "silencedBy"), 0)),
	                    silence);
	/* endsAt: the time of sending + resolve_timeout, startsAt the episode's start */
	assert_true(iso(it_str(al, "endsAt")) >= t0 + 600 && iso(it_str(al, "endsAt")) <= (int64_t)time(NULL) + 601);
	assert_true(iso(it_str(al, "startsAt")) >= t0 - 1 && iso(it_str(al, "startsAt")) <= (int64_t)time(NULL));
	updated1 = strdup(it_str(al, "updatedAt"));
	json_decref(al);
	sleep(3); /* past group_wait and group_interval: nothing was sent */
	h = hooks(a);
	assert_int_equal(json_array_size(h), 0);
	json_decref(h);

	/* the silence expires: the receiver gets the alert as kpi sent it */
	snprintf(args, sizeof(args), "silence expire %s", silence);
	free(amtool(am, args));
	h = wait_hook(a, "firing");
	ha = json_array_get(json_object_get(h, "alerts"), 0);
	assert_int_equal(json_array_size(json_object_get(h, "alerts")), 1);
	assert_int_equal(json_object_size(json_object_get(ha, "labels")), 3);
	assert_string_equal(it_str(ha, "labels.alertname"), AM_ALERTNAME);
	assert_string_equal(it_str(ha, "labels.severity"), "critical");
	assert_string_equal(it_str(ha, "labels.service"), "kpi");
	assert_string_equal(it_str(ha, "annotations.summary"),
	                    "[critical] Max age of uncached legacy exports: 10 d (threshold <= 7 d)");
	assert_string_equal(it_str(ha, "annotations.value"), "10 d");
	assert_string_equal(it_str(ha, "annotations.threshold"), "<= 7 d");
	assert_string_equal(it_str(ha, "annotations.runbook_url"), "docs/runbook.md#uncached-legacy-max-age-days");
	assert_contains(it_str(ha, "annotations.description"), "KPI: ");
	assert_contains(it_str(ha, "annotations.dedupe_key"), "kpi:" AM_ALERTNAME ":");
	assert_string_equal(it_str(ha, "generatorURL"), "https://grafana.example.com/d/kpi?var-kpi=" AM_ALERTNAME);
	json_decref(h);

	/* two more runs while it fires: each refreshes it (a newer updatedAt);
	 * Alertmanager pages nobody again, and the outbox keeps one refresh */
	for (int run = 0; run < 2; run++) {
		l = run_firing(a, 2);
		assert_int_equal(entries(l, "am", "trigger", KPI__ENTRY_DELIVERED), 1);
		assert_int_equal(entries(l, "am", "refresh", KPI__ENTRY_DELIVERED), 1);
		kpi__ledger_free(l);
	}
	al = am_alert(am, AM_ALERTNAME);
	assert_string_equal(it_str(al, "status.state"), "active");
	assert_string_not_equal(it_str(al, "updatedAt"), updated1);
	json_decref(al);
	free(updated1);
	h = hooks(a);
	assert_int_equal(json_array_size(h), 1);
	json_decref(h);

	/* recovery: the resolve, and Alertmanager tells the receiver */
	it_db_exec(a->db, fix_sql);
	run_now(a, &r, NULL, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - " AM_ALERTNAME " 0 d <= 7 d (resolved after ");
	it_run_free(&r);
	h = wait_hook(a, "resolved");
	ha = json_array_get(json_object_get(h, "alerts"), 0);
	assert_string_equal(it_str(ha, "labels.alertname"), AM_ALERTNAME);
	assert_string_equal(it_str(ha, "status"), "resolved");
	assert_true(iso(it_str(ha, "endsAt")) <= (int64_t)time(NULL));
	json_decref(h);
	/* the resolve superseded the refresh: a --replay cannot fire it again */
	l = it_alert_ledger(a);
	assert_int_equal(l->nout, 2);
	assert_int_equal(entries(l, "am", "trigger", KPI__ENTRY_DELIVERED), 1);
	assert_int_equal(entries(l, "am", "resolve", KPI__ENTRY_DELIVERED), 1);
	kpi__ledger_free(l);
	free(silence);
}

static void test_alertmanager__ha_pair_down_for_two_runs_then_up_gets_it_once(void **state)
{
	fixture *f = fixture_new(state, "am_down", 2, "");
	it_alert *a = f->a;
	const char *test[] = { "--test", "am", NULL };
	it_run_result r;
	kpi__ledger *l;
	json_t *h, *al;

	/* --test: accepted by both (trigger, then its resolve) */
	run_now(a, &r, test, NULL);
	assert_int_equal(r.status, 0);
	it_assert_line(r.out, "KPI OK - test notification delivered to sink 'am' (HTTP 200");
	it_run_free(&r);
	/* a wrong password is refused at once, and said without a secret */
	{
		run_now(a, &r, test, "not-the-password");
		assert_int_equal(r.status, 3);
		it_assert_line(r.out, "KPI UNKNOWN - test notification not accepted: sink 'am' (alertmanager): HTTP 401");
		assert_contains(r.out, "(not retryable)");
		assert_not_contains(r.out, "not-the-password");
		assert_not_contains(r.err, "not-the-password");
		it_run_free(&r);
	}

	/* both down for two runs: one entry waits, retried, never duplicated */
	am_stop(f->am[0]);
	am_stop(f->am[1]);
	for (int run = 0; run < 2; run++) {
		l = run_firing(a, 1);
		assert_int_equal(entries(l, "am", "trigger", KPI__ENTRY_PENDING), 1);
		assert_true(l->outbox[0].attempts >= run + 1);
		assert_contains(l->outbox[0].last_error, "sink 'am' (alertmanager)");
		assert_contains(l->outbox[0].last_error, "0 of 2 accepted it");
		kpi__ledger_free(l);
	}
	/* one of the pair back: not delivered until every one has it */
	am_start(f->am[0]);
	past_backoff();
	l = run_firing(a, 1);
	assert_int_equal(entries(l, "am", "trigger", KPI__ENTRY_PENDING), 1);
	assert_contains(l->outbox[0].last_error, "1 of 2 accepted it");
	assert_contains(l->outbox[0].last_error, f->am[1]->url);
	kpi__ledger_free(l);
	al = am_alert(f->am[0], AM_ALERTNAME);
	json_decref(al);
	/* both back: delivered, to both */
	am_start(f->am[1]);
	past_backoff();
	l = run_firing(a, 1);
	assert_int_equal(entries(l, "am", "trigger", KPI__ENTRY_DELIVERED), 1);
	assert_contains(json_string_value(json_object_get(
	                    json_array_get(l->outbox[0].history, json_array_size(l->outbox[0].history) - 1), "outcome")),
	                "delivered (HTTP 200, every Alertmanager accepted it)");
	kpi__ledger_free(l);
	for (int i = 0; i < 2; i++) {
		al = am_alert(f->am[i], AM_ALERTNAME);
		assert_string_equal(it_str(al, "status.state"), "active");
		assert_string_equal(it_str(al, "labels.severity"), "critical");
		json_decref(al);
	}
	h = wait_hook(a, "firing");
	json_decref(h);

	/* one of them down while it fires: the refresh waits; the next run's
	 * refresh takes its place (one entry, its history says so); once the
	 * peer is back, delivered (a restarted Alertmanager has no alerts until
	 * told again: that is what the refresh is for) */
	am_stop(f->am[1]);
	for (int run = 0; run < 2; run++) {
		l = run_firing(a, 2);
		assert_int_equal(entries(l, "am", "refresh", KPI__ENTRY_PENDING), 1);
		if (run == 1) {
			const kpi__outbox_entry *e = &l->outbox[1];
			bool superseded = false;
			for (size_t i = 0; i < json_array_size(e->history); i++)
				superseded |= strcmp(it_str(json_array_get(e->history, i), "outcome"), "superseded by a newer refresh") == 0;
			assert_true(superseded);
		}
		kpi__ledger_free(l);
	}
	am_start(f->am[1]);
	past_backoff();
	l = run_firing(a, 2);
	assert_int_equal(entries(l, "am", "refresh", KPI__ENTRY_DELIVERED), 1);
	kpi__ledger_free(l);
	al = am_alert(f->am[1], AM_ALERTNAME);
	assert_string_equal(it_str(al, "status.state"), "active");
	json_decref(al);
}

/* A KPI with labels (export_success_rate per path: 20 failed legacy exports
 * in the last hour): its labels become the alert's, beside alertname,
 * severity and service; its runbook anchor is the runbook_url; endsAt moves
 * on with every run while it fires. */
static void test_alertmanager__kpi_labels_and_endsat_refreshed_every_run(void **state)
{
	fixture *f = fixture_new(state, "am_labels", 1, "");
	it_alert *a = f->a;
	char cfg[1024];
	json_t *al;
	int64_t ends1;

	it_db_exec(a->db, "INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, drill_id)"
	                  " SELECT 1000 + g, 1, 'export', 'legacy', 'failed', now() - interval '12 minutes',"
	                  " now() - interval '11 minutes', now() - interval '10 minutes', NULL"
	                  " FROM generate_series(1, 20) AS g");
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery_deadline_seconds\": 2, \"retry\": {\"base_seconds\": 0.1, \"max_seconds\": 0.5},"
	         " \"kpis\": {\"legacy_coverage_pct\": {\"enabled\": false}, \"uncached_legacy_max_age_days\": {\"enabled\": false},"
	         " \"outage_drill_success_pct\": {\"enabled\": false}, \"routing_mismatch_critical\": {\"enabled\": false},"
	         " \"export_success_rate\": {\"for\": 0}},"
	         " \"sinks\": {\"am\": {\"type\": \"alertmanager\", \"urls\": [\"%s\"], \"basic_auth_user\": \"kpi\","
	         " \"basic_auth_password_env\": \"KPI_IT_AM_PASSWORD\", \"resolve_timeout\": \"10m\"}}}",
	         f->am[0]->url);
	it_alert_config(a, cfg);
	kpi__ledger_free(run_firing(a, 1));
	al = am_alert(f->am[0], "export_success_rate");
	assert_int_equal(json_object_size(json_object_get(al, "labels")), 4);
	assert_string_equal(it_str(al, "labels.path"), "legacy");
	assert_string_equal(it_str(al, "labels.severity"), "critical");
	assert_string_equal(it_str(al, "labels.service"), "kpi");
	assert_string_equal(it_str(al, "annotations.value"), "0%");
	assert_string_equal(it_str(al, "annotations.threshold"), ">= 99%");
	assert_string_equal(it_str(al, "annotations.runbook_url"), "docs/runbook.md#export-success-rate");
	ends1 = iso(it_str(al, "endsAt"));
	json_decref(al);
	sleep(2);
	kpi__ledger_free(run_firing(a, 2)); /* the trigger and one refresh */
	al = am_alert(f->am[0], "export_success_rate");
	assert_true(iso(it_str(al, "endsAt")) >= ends1 + 2);
	assert_string_equal(it_str(al, "status.state"), "active");
	json_decref(al);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alertmanager__breach_silenced_then_notified_refreshed_and_resolved, teardown),
		cmocka_unit_test_teardown(test_alertmanager__ha_pair_down_for_two_runs_then_up_gets_it_once, teardown),
		cmocka_unit_test_teardown(test_alertmanager__kpi_labels_and_endsat_refreshed_every_run, teardown),
	};
	if (!it_pg_wanted("integration_alertmanager"))
		return IT_SKIP;
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integration_alertmanager", tests, NULL, NULL);
}
