#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_alert.h"

/* One legacy design in the active cohort whose only revision (2026-11-06
 * 08:00) has no artifact: at IT_T0 it is 10 days uncached, > 7 d. */
static const char *const breach_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at) VALUES\n"
	" (1, 't', 's', 'u', 'prod', 'legacy', '2026-01-05T00:00:00Z');\n"
	"INSERT INTO design_events (design_id, at, kind) VALUES (1, '2026-11-15T00:00:00Z', 'edited');\n"
	"INSERT INTO decoration_revisions (design_id, revision, created_at) VALUES (1, 1, '2026-11-06T08:00:00Z');\n";

const char *it_at(int minutes)
{
	static char bufs[8][32];
	static int k;
	char *b = bufs[k++ % 8];
	return kpi_time_format(b, 32, (int64_t)IT_T0 + (int64_t)minutes * 60);
}

static char *subst(const char *text, const it_alert *a)
{
	kpi_buf b = KPI_BUF_INIT;
	for (const char *p = text; *p;) {
		if (strncmp(p, "%URL%", 5) == 0) {
			kpi_buf_puts(&b, a->resp->url);
			p += 5;
		} else if (strncmp(p, "%ROOT%", 6) == 0) {
			kpi_buf_puts(&b, a->root);
			p += 6;
		} else {
			kpi_buf_append(&b, p++, 1);
		}
	}
	return b.data;
}

/* The alert tests step through minutes: every KPI is read on every run
 * ("use_cadence": false) unless the test's alert object says otherwise
 * (test_it_alert_cadence.c). Inserted as text after the opening brace, so
 * an alert object that is not one (the tests of config errors) is left as
 * it is. Returns a new string. */
static char *every_run(const it_alert *a, char *body)
{
	const char *p = body;
	char *out;
	(void)a;
	while (*p == ' ' || *p == '\n')
		p++;
	if (*p != '{' || strstr(body, "\"use_cadence\""))
		return body;
	p++;
	while (*p == ' ' || *p == '\n')
		p++;
	out = malloc(strlen(body) + 32);
	assert_non_null(out);
	sprintf(out, "{\"use_cadence\": false%s%s", *p == '}' ? " " : ", ", p);
	free(body);
	return out;
}

void it_alert_config(it_alert *a, const char *alert_json)
{
	char *body = every_run(a, subst(alert_json, a));
	FILE *f = fopen(a->config, "w");
	assert_non_null(f);
	fprintf(f, "{\"timezone\": \"UTC\", \"alert\": %s}\n", body);
	assert_int_equal(fclose(f), 0);
	free(body);
}

it_alert *it_alert_new(const char *name, bool breach, const char *alert_json)
{
	it_alert *a = calloc(1, sizeof(*a));
	char dbname[64];

	assert_non_null(a);
	snprintf(dbname, sizeof(dbname), "alert_%s", name);
	a->db = it_db_create(dbname);
	if (breach)
		it_db_exec(a->db, breach_sql);
	a->resp = it_responder_start("{\"default\": {\"status\": 202, \"body\": \"{\\\"status\\\":\\\"success\\\"}\"}}");
	snprintf(a->root, sizeof(a->root), "/tmp/kpi-it-alert.XXXXXX");
	assert_non_null(mkdtemp(a->root));
	snprintf(a->state, sizeof(a->state), "%s/state", a->root);
	snprintf(a->config, sizeof(a->config), "%s/config.json", a->root);
	snprintf(a->conninfo, sizeof(a->conninfo), "%s", a->db->conninfo);
	snprintf(a->pd_env, sizeof(a->pd_env), "KPI_IT_PD_KEY=%s", IT_PD_KEY);
	snprintf(a->hook_url, sizeof(a->hook_url), "%s/hook/%s", a->resp->url, IT_HOOK_TOKEN);
	snprintf(a->hook_env, sizeof(a->hook_env), "KPI_IT_HOOK_URL=%s", a->hook_url);
	it_alert_config(a, alert_json);
	return a;
}

void it_alert_free(it_alert *a)
{
	char cmd[200];
	if (!a)
		return;
	it_responder_stop(a->resp);
	it_db_drop(a->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", a->root);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", a->root);
	free(a);
}

int it_alert_teardown(void **state)
{
	it_alert_free(*state);
	*state = NULL;
	return 0;
}

const char *it_str(const json_t *o, const char *path)
{
	char key[64];
	const char *p = path, *dot;
	while ((dot = strchr(p, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - p), p);
		o = json_object_get(o, key);
		p = dot + 1;
	}
	return json_string_value(json_object_get(o, p));
}

void it_alert_fix_breach(it_alert *a)
{
	it_db_exec(a->db, "INSERT INTO export_artifacts (design_id, revision, source, created_at)"
	                  " VALUES (1, 1, 'cached', '2026-11-16T08:20:00Z')");
}

static void build_argv(it_alert *a, const char **argv, const char *now, const char *const *extra)
{
	int n = 0;
	argv[n++] = "kpi";
	argv[n++] = "alert";
	argv[n++] = "--config";
	argv[n++] = a->config;
	argv[n++] = "--db";
	argv[n++] = a->conninfo;
	argv[n++] = "--state-dir";
	argv[n++] = a->state;
	argv[n++] = "--now";
	argv[n++] = now;
	for (const char *const *e = extra; e && *e && n < 30; e++)
		argv[n++] = *e;
	argv[n] = NULL;
}

void it_alert_run(it_alert *a, it_run_result *r, int minute, const char *const *extra, const char *const *env)
{
	it_alert_run_at(a, r, it_at(minute), extra, env);
}

void it_alert_run_at(it_alert *a, it_run_result *r, const char *now, const char *const *extra, const char *const *env)
{
	const char *argv[32], *envv[16];
	int n = 0;
	build_argv(a, argv, now, extra);
	envv[n++] = a->pd_env;
	envv[n++] = a->hook_env;
	for (const char *const *e = env; e && *e && n < 15; e++)
		envv[n++] = *e;
	envv[n] = NULL;
	it_run(r, argv, envv, 60);
}

pid_t it_alert_spawn(it_alert *a, int minute, const char *out_path)
{
	const char *argv[32];
	pid_t pid;
	build_argv(a, argv, it_at(minute), NULL);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		setenv("KPI_IT_PD_KEY", IT_PD_KEY, 1);
		setenv("KPI_IT_HOOK_URL", a->hook_url, 1);
		execv(KPI_BINARY, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int it_alert_wait(pid_t pid, double timeout_s)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int status = 0;
	for (int i = 0; i < (int)(timeout_s * 100); i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fail_msg("a background kpi alert run did not finish within %g s", timeout_s);
	return -1;
}

json_t *it_alert_requests(it_alert *a, const char *path)
{
	json_t *all = it_responder_requests(a->resp), *out = json_array(), *r;
	size_t i;
	json_array_foreach(all, i, r) {
		const char *p = json_string_value(json_object_get(r, "path"));
		json_t *body;
		if (path && (!p || strncmp(p, path, strlen(path)) != 0))
			continue;
		body = json_loads(json_string_value(json_object_get(r, "body")), 0, NULL);
		if (body)
			json_object_set_new(r, "json", body);
		json_array_append(out, r);
	}
	json_decref(all);
	return out;
}

void it_alert_wait_requests(it_alert *a, size_t n)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	for (int i = 0; i < 1000; i++) {
		if (it_responder_count(a->resp) >= n)
			return;
		nanosleep(&pause, NULL);
	}
	fail_msg("the receiver did not get %zu request(s) within 10 s", n);
}

kpi__ledger *it_alert_ledger(it_alert *a)
{
	char path[200];
	char *text = NULL;
	size_t len = 0;
	kpi__ledger *l = NULL;
	kpi_error err = KPI_ERROR_INIT;
	snprintf(path, sizeof(path), "%s/ledger.json", a->state);
	if (kpi__read_file(&text, &len, path, &err))
		fail_msg("%s", err.message);
	if (kpi__ledger_parse(&l, text, len, &err))
		fail_msg("ledger %s: %s", path, err.message);
	free(text);
	return l;
}

static void no_secret_in(const char *what, const char *text)
{
	static const char *const secrets[] = { IT_PD_KEY, IT_HOOK_TOKEN, IT_ALERT_AWS_SECRET, IT_AM_PASSWORD, IT_AM_BASIC,
		                                       NULL };
	for (const char *const *s = secrets; *s; s++)
		if (text && strstr(text, *s))
			fail_msg("a secret (%.6s...) appears in %s", *s, what);
}

static void scan_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[1024];
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			scan_dir(path);
		} else if (S_ISREG(st.st_mode)) {
			char *text = NULL;
			if (kpi__read_file(&text, NULL, path, NULL) == 0)
				no_secret_in(path, text);
			free(text);
		}
	}
	closedir(d);
}

void it_assert_no_secrets(const char *dir, const char *out, const char *err)
{
	no_secret_in("standard output", out);
	no_secret_in("standard error (the logs)", err);
	if (dir)
		scan_dir(dir);
}

void it_assert_line(const char *out, const char *prefix)
{
	for (const char *p = out; p && *p;) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	fail_msg("no line starting with '%s' in:\n%s", prefix, out ? out : "(null)");
}
