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

#include "it_prom.h"
#include "it_http.h"
#include "net/http.h"


char *it_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc((size_t)n + 1, 1);
	if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

void it_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

char *it_http_get(const char *url)
{
	kpi__http_req req = { 0 };
	kpi__http_resp r = KPI__HTTP_RESP_INIT;
	char *out;
	req.method = "GET";
	req.url = url;
	req.timeout_ms = 5000;
	req.what = "test GET";
	if (kpi__http_do(&r, &req, NULL) == 0 && r.status == 200 && r.body.data)
		out = strdup(r.body.data);
	else
		out = strdup("");
	kpi__http_resp_release(&r);
	return out;
}

static bool answers(const char *url)
{
	char *body = it_http_get(url);
	bool ok = *body != '\0';
	free(body);
	return ok;
}

/* Fork and exec argv with stdout and stderr into `log`; the child dies with the test. */
static pid_t spawn(const char *const *argv, const char *log)
{
	pid_t pid;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Wait up to a minute (a busy machine) for `url` to answer 200. */
static void wait_ready(pid_t pid, const char *url, const char *what, const char *log)
{
	for (int i = 0; i < 600 && !answers(url); i++) {
		struct timespec pause = { 0, 100 * 1000 * 1000 };
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char *text = it_slurp(log);
			fail_msg("%s exited (status %d) before it was ready:\n%s", what, status, text);
		}
		nanosleep(&pause, NULL);
	}
	if (!answers(url)) {
		char *text = it_slurp(log);
		fail_msg("%s did not answer %s within 60 s:\n%s", what, url, text);
	}
}

void it_proc_stop(pid_t pid)
{
	int status;
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

void it_prom_start(it_prom *p, void (*write_openmetrics)(const char *path), const char *scrape)
{
	char om[128], tsdb[128], yml[128], log[128], listen[64], ready[96], a1[160], a2[160];
	FILE *f;
	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/kpi-it-prom.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(om, sizeof(om), "%s/data.om", p->dir);
	snprintf(tsdb, sizeof(tsdb), "%s/tsdb", p->dir);
	snprintf(yml, sizeof(yml), "%s/prometheus.yml", p->dir);
	snprintf(log, sizeof(log), "%s/promtool.log", p->dir);
	if (write_openmetrics) {
		const char *promtool[] = { "promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb, NULL };
		pid_t pid;
		int status = 0;
		write_openmetrics(om);
		pid = spawn(promtool, log);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char *text = it_slurp(log);
			fail_msg("promtool tsdb create-blocks-from openmetrics failed (Debian package prometheus; "
			         "scripts/lib.sh installs it):\n%s",
			         text);
		}
	}
	assert_non_null(f = fopen(yml, "w"));
	if (scrape)
		fprintf(f, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
		           "scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['%s']\n",
		        scrape);
	else /* no scrape targets: the server only answers queries over the blocks */
		fprintf(f, "global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\n");
	fclose(f);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", it_free_port());
	snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%s", strrchr(listen, ':') + 1);
	snprintf(log, sizeof(log), "%s/prometheus.log", p->dir);
	snprintf(a1, sizeof(a1), "--config.file=%s", yml);
	snprintf(a2, sizeof(a2), "--storage.tsdb.path=%s", tsdb);
	{
		/* a long retention: blocks older than it would be deleted at start */
		const char *argv[] = { "prometheus", a1, a2, "--storage.tsdb.retention.time=100y", listen,
			               "--log.level=warn", NULL };
		p->pid = spawn(argv, log);
	}
	snprintf(ready, sizeof(ready), "%s/-/ready", p->url);
	wait_ready(p->pid, ready, "prometheus", log);
}

void it_prom_stop(it_prom *p)
{
	char cmd[128];
	it_proc_stop(p->pid);
	p->pid = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	if (p->dir[0] && system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", p->dir);
}

pid_t it_node_exporter_start(char *addr, size_t size, const char *log)
{
	char listen[64], url[96];
	pid_t pid;
	snprintf(addr, size, "127.0.0.1:%d", it_free_port());
	snprintf(listen, sizeof(listen), "--web.listen-address=%s", addr);
	{
		const char *argv[] = { "prometheus-node-exporter", listen, "--collector.disable-defaults",
			               "--collector.meminfo", "--collector.filesystem", NULL };
		pid = spawn(argv, log);
	}
	snprintf(url, sizeof(url), "http://%s/metrics", addr);
	wait_ready(pid, url, "prometheus-node-exporter (Debian package; scripts/lib.sh installs it)", log);
	return pid;
}
