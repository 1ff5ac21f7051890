/*
 * The crontab line of docs/runbook.md works as written: it is taken from the
 * runbook, only its paths are pointed at the test's files, and it is run the
 * way cron runs it (/bin/sh -c, cron's nearly empty environment). The man
 * page shows the very same line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it_alert.h"

#define CRON_PREFIX "*/5 * * * * "

/* The first line of `path` (leading blanks skipped) that starts with the
 * five time fields; caller frees. Roff escapes (\-, \e) are undone. */
static char *crontab_line(const char *path)
{
	char *text = NULL, *line = NULL;
	const char *p;
	if (kpi__read_file(&text, NULL, path, NULL))
		fail_msg("cannot read %s", path);
	for (p = text; p && *p;) {
		const char *s = p, *e = strchr(p, '\n');
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, CRON_PREFIX, strlen(CRON_PREFIX)) == 0) {
			size_t n = e ? (size_t)(e - s) : strlen(s), k = 0;
			line = malloc(n + 1);
			for (size_t i = 0; i < n; i++) {
				if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '-' || s[i + 1] == 'e')) {
					line[k++] = s[i + 1] == '-' ? '-' : '\\';
					i++;
				} else {
					line[k++] = s[i];
				}
			}
			line[k] = '\0';
			break;
		}
		p = e ? e + 1 : NULL;
	}
	free(text);
	if (!line)
		fail_msg("no crontab line (starting '%s') in %s", CRON_PREFIX, path);
	return line;
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	kpi_buf b = KPI_BUF_INIT;
	const char *q;
	bool found = false;
	while ((q = strstr(s, from))) {
		kpi_buf_append(&b, s, (size_t)(q - s));
		kpi_buf_puts(&b, to);
		s = q + strlen(from);
		found = true;
	}
	kpi_buf_puts(&b, s);
	if (!found)
		fail_msg("the crontab line no longer names '%s'", from);
	return b.data;
}

/* Run a crontab command the way cron does; its exit status. */
static int run_as_cron(const char *cmd, char *home)
{
	pid_t pid;
	int status;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cron's environment: HOME, LOGNAME, PATH=/usr/bin:/bin, SHELL=/bin/sh */
		char *const envp[] = { home, "LOGNAME=kpi", "PATH=/usr/bin:/bin", "SHELL=/bin/sh", NULL };
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, envp);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_alert_docs__runbook_crontab_line_runs_as_cron_runs_it(void **state)
{
	it_alert *a = *state = it_alert_new("cron", true, "{" IT_ONLY_UNCACHED ", \"sinks\": {" IT_PD_SINK "}}");
	char *line = crontab_line(KPI_SOURCE_DIR "/docs/runbook.md"), *man = crontab_line(KPI_SOURCE_DIR "/docs/kpi.1");
	char envfile[200], logfile[200], home[200], *cmd, *tmp, *log = NULL;
	const char *pgh = getenv("PGHOST"), *pgp = getenv("PGPORT"), *pgu = getenv("PGUSER");
	FILE *f;
	json_t *reqs;

	assert_string_equal(line, man);
	snprintf(envfile, sizeof(envfile), "%s/alert.env", a->root);
	snprintf(logfile, sizeof(logfile), "%s/alert.log", a->root);
	snprintf(home, sizeof(home), "HOME=%s", a->root);
	/* The env file as the runbook describes it: NAME=value lines. */
	f = fopen(envfile, "w");
	assert_non_null(f);
	fprintf(f, "PGHOST=%s\nPGPORT=%s\nPGUSER=%s\nPGDATABASE=%s\nPGOPTIONS='-c jit=off'\nKPI_IT_PD_KEY=%s\nKPI_NOW=%s\n",
	        pgh ? pgh : "",
	        pgp ? pgp : "5432", pgu ? pgu : "postgres", a->db->name, IT_PD_KEY, it_at(0));
	assert_int_equal(fclose(f), 0);
	chmod(envfile, 0600);
	cmd = strdup(line + strlen(CRON_PREFIX));
	tmp = replace_all(cmd, "/usr/local/bin/kpi", KPI_BINARY), free(cmd), cmd = tmp;
	tmp = replace_all(cmd, "/etc/default/kpi", envfile), free(cmd), cmd = tmp;
	tmp = replace_all(cmd, "/etc/kpi/config.json", a->config), free(cmd), cmd = tmp;
	tmp = replace_all(cmd, "/var/lib/kpi/alert", a->state), free(cmd), cmd = tmp;
	tmp = replace_all(cmd, "/var/log/kpi/alert.log", logfile), free(cmd), cmd = tmp;
	print_message("cron runs: %s\n", cmd);
	assert_int_equal(run_as_cron(cmd, home), 2); /* exec: cron sees kpi's own status */
	assert_int_equal(kpi__read_file(&log, NULL, logfile, NULL), 0);
	assert_contains(log, "KPI CRITICAL - uncached_legacy_max_age_days 10 d > 7 d");
	assert_contains(log, "\"event\":\"alert.run.end\"");
	it_assert_no_secrets(a->state, log, NULL);
	reqs = it_alert_requests(a, "/v2/enqueue");
	assert_int_equal(json_array_size(reqs), 1);
	json_decref(reqs);
	/* the next run finds the alert firing and sends nothing new */
	assert_int_equal(run_as_cron(cmd, home), 2);
	assert_int_equal(it_responder_count(a->resp), 1);
	free(log);
	assert_int_equal(kpi__read_file(&log, NULL, logfile, NULL), 0);
	assert_contains(log, "KPI CRITICAL - no change");
	free(log);
	free(cmd);
	free(line);
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alert_docs__runbook_crontab_line_runs_as_cron_runs_it, it_alert_teardown),
	};
	if (!it_pg_wanted("integration_alert_docs"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_alert_docs", tests, NULL, NULL);
}
