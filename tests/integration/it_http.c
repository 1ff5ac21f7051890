#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_http.h"

static void write_atomic(const char *path, const char *text)
{
	char tmp[200];
	FILE *f;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		fail_msg("cannot write %s: %s", tmp, strerror(errno));
	fputs(text, f);
	fclose(f);
	if (rename(tmp, path) != 0)
		fail_msg("cannot rename %s: %s", tmp, strerror(errno));
}

it_responder *it_responder_start(const char *script_json)
{
	it_responder *r = calloc(1, sizeof(*r));
	char portfile[160], prog[512];
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	if (!r)
		fail_msg("out of memory");
	snprintf(r->dir, sizeof(r->dir), "/tmp/kpi-resp.XXXXXX");
	if (!mkdtemp(r->dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	snprintf(r->script, sizeof(r->script), "%s/script.json", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/requests.jsonl", r->dir);
	snprintf(portfile, sizeof(portfile), "%s/port", r->dir);
	snprintf(prog, sizeof(prog), "%s/tests/tools/responder.py", KPI_SOURCE_DIR);
	if (script_json)
		write_atomic(r->script, script_json);
	r->pid = fork();
	if (r->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (r->pid == 0) {
		/* Own output file and session: a responder left behind by a crashed
		 * test must not hold the test's stdout/stderr pipes open (ctest would
		 * wait for them), and must not get the test's terminal signals. */
		char out[200];
		int fd;
		snprintf(out, sizeof(out), "%s/responder.log", r->dir);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* and dies with the test */
		execlp("python3", "python3", prog, "--script", r->script, "--log", r->log, "--port-file",
		       portfile, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) { /* up to 10 s */
		FILE *f = fopen(portfile, "r");
		int status;
		if (f) {
			int ok = fscanf(f, "%d", &r->port) == 1;
			fclose(f);
			if (ok) {
				snprintf(r->url, sizeof(r->url), "http://127.0.0.1:%d", r->port);
				return r;
			}
		}
		if (waitpid(r->pid, &status, WNOHANG) == r->pid)
			fail_msg("the test responder (%s) exited with status %d", prog, status);
		nanosleep(&pause, NULL);
	}
	fail_msg("the test responder did not start listening within 10 s");
	return NULL;
}

void it_responder_script(it_responder *r, const char *script_json)
{
	write_atomic(r->script, script_json);
}

json_t *it_responder_requests(const it_responder *r)
{
	json_t *arr = json_array();
	FILE *f = fopen(r->log, "r");
	char *line = NULL;
	size_t cap = 0;
	if (!f)
		return arr;
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *o = json_loads(line, JSON_ALLOW_NUL, &je); /* NUL: binary uploads */
		if (!o)
			fail_msg("responder log %s: %s", r->log, je.text);
		json_array_append_new(arr, o);
	}
	free(line);
	fclose(f);
	return arr;
}

size_t it_responder_count(const it_responder *r)
{
	json_t *a = it_responder_requests(r);
	size_t n = json_array_size(a);
	json_decref(a);
	return n;
}

void it_responder_clear(it_responder *r)
{
	FILE *f = fopen(r->log, "w");
	if (f)
		fclose(f);
}

void it_responder_stop(it_responder *r)
{
	char cmd[200];
	if (!r)
		return;
	if (r->pid > 0) {
		int status;
		kill(r->pid, SIGTERM);
		for (int i = 0; i < 100; i++) {
			struct timespec pause = { 0, 20 * 1000 * 1000 };
			if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
				r->pid = 0;
				break;
			}
			nanosleep(&pause, NULL);
		}
		if (r->pid > 0) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", r->dir);
	free(r);
}

int it_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}
