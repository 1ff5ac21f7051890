/*
 * A command: argv run without a shell (searched in PATH when not absolute),
 * the notification JSON on its standard input as one line ending in a
 * newline (so `tee -a FILE` makes a JSON Lines file), its standard output
 * discarded, its standard error quoted in errors; exit 0 = delivered; killed
 * with its process group at the timeout. 126/127 ("cannot execute", "not
 * found") and a program that cannot be started are terminal, any other
 * failure is retried.
 */
#define _GNU_SOURCE /* pipe2 */
#include "alert/sinks/sink.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct command {
	char **argv;         /* NULL-terminated */
} command;

static const char *const keys[] = { "argv", NULL };

static int parse(void **state, const kpi__sink_parse *p, kpi_error *err)
{
	json_t *argv = json_object_get(p->obj, "argv"), *a;
	command *c = calloc(1, sizeof(*c));
	size_t i;

	if (!(*state = c))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!json_is_array(argv) || json_array_size(argv) == 0)
		return kpi__jsondoc_error(p->doc, argv ? argv : p->obj, err, KPI_ECONFIG,
		                          "sink '%s' (command): argv must be a non-empty array of strings "
		                          "(the program and its arguments; no shell)",
		                          p->name);
	if (!(c->argv = calloc(json_array_size(argv) + 1, sizeof(char *))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_array_foreach(argv, i, a) {
		if (!json_is_string(a) || (i == 0 && !json_string_length(a)))
			return kpi__jsondoc_error(p->doc, a, err, KPI_ECONFIG, "sink '%s': argv holds strings only", p->name);
		if (!(c->argv[i] = strdup(json_string_value(a))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

/* Write to a pipe whose reader may be gone without dying of SIGPIPE: block
 * the signal in this thread and take back a SIGPIPE this write raised (the
 * library must not change the process's signal dispositions). */
static ssize_t write_nosigpipe(int fd, const char *p, size_t n)
{
	sigset_t block, old, pending;
	ssize_t w;
	int e;

	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	w = write(fd, p, n);
	e = errno;
	if (w < 0 && e == EPIPE) {
		struct timespec zero = { 0, 0 };
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			sigtimedwait(&block, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

static void run_command(kpi__send_result *res, const kpi__sink *s, const char *json, long timeout_ms,
                        const kpi__alert_settings *st)
{
	const command *cmd = s->state;
	int in[2] = { -1, -1 }, errp[2] = { -1, -1 }, status = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	double start = kpi__mono_now(), until = start + (double)timeout_ms / 1000.0;
	size_t off = 0, len = strlen(json), elen = 0;
	char errbuf[512];
	bool exited = false, timed_out = false;
	pid_t pid;
	int rc;

	errbuf[0] = '\0';
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): cannot make a pipe: %s", s->name,
		         strerror(errno));
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	/* the command's stdout must not mix with ours (the Nagios lines) */
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
	posix_spawnattr_init(&attr);
	/* its own process group, so a timeout kills whatever it started too */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	rc = posix_spawnp(&pid, cmd->argv[0], &fa, &attr, cmd->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(errp[1]);
	in[0] = errp[1] = -1;
	if (rc != 0) {
		res->outcome = KPI__DELIV_TERMINAL;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): cannot run '%s': %s", s->name, cmd->argv[0],
		         strerror(rc));
		goto done;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (!exited) {
		struct pollfd fds[2];
		int nf = 0, wait_ms;
		double left = until - kpi__mono_now();
		pid_t w;

		if (left <= 0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (in[1] >= 0)
			fds[nf++] = (struct pollfd){ in[1], POLLOUT, 0 };
		if (errp[0] >= 0)
			fds[nf++] = (struct pollfd){ errp[0], POLLIN, 0 };
		wait_ms = (int)(left * 1000) + 1;
		if (wait_ms > 20 && errp[0] < 0)
			wait_ms = 20; /* only waiting for the exit now */
		if (nf)
			poll(fds, (nfds_t)nf, wait_ms);
		else
			poll(NULL, 0, wait_ms);
		for (int i = 0; i < nf; i++) {
			if (fds[i].fd == in[1] && (fds[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
				ssize_t k = write_nosigpipe(in[1], json + off, len - off);
				if (k > 0)
					off += (size_t)k;
				if ((k < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
					close(in[1]);
					in[1] = -1;
				}
			} else if (fds[i].fd == errp[0] && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				char buf[512];
				ssize_t k = read(errp[0], buf, sizeof(buf));
				if (k > 0) {
					size_t room = sizeof(errbuf) - 1 - elen;
					size_t c = (size_t)k < room ? (size_t)k : room;
					memcpy(errbuf + elen, buf, c);
					elen += c;
					errbuf[elen] = '\0';
				} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
					close(errp[0]);
					errp[0] = -1;
				}
			}
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			exited = true;
	}
	res->seconds = kpi__mono_now() - start;
	for (size_t i = 0; i < elen; i++)
		if ((unsigned char)errbuf[i] < 0x20)
			errbuf[i] = ' ';
	kpi__alert_redact(st, errbuf, sizeof(errbuf));
	if (timed_out) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): '%s' did not finish within %ld ms (killed)",
		         s->name, cmd->argv[0], timeout_ms);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		res->outcome = KPI__DELIV_OK;
		snprintf(res->detail, sizeof(res->detail), "exit 0");
	} else if (WIFEXITED(status)) {
		res->status = WEXITSTATUS(status);
		/* 126/127: the shell convention for "cannot execute" / "not found" */
		res->outcome = res->status == 126 || res->status == 127 ? KPI__DELIV_TERMINAL : KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): '%s' exited %ld%s%.200s", s->name,
		         cmd->argv[0], res->status, elen ? ": " : "", errbuf);
	} else {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): '%s' was killed by signal %d", s->name,
		         cmd->argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
done:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
}

static void deliver(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	/* one line with its newline, as line-reading programs (read, jq,
	 * `tee -a FILE.jsonl`) expect */
	kpi_buf line = KPI_BUF_INIT;
	char *text = kpi__notification_dump(n);

	(void)idem; /* the notification's id is in the JSON */
	if (!text || kpi_buf_puts(&line, text) || kpi_buf_puts(&line, "\n")) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "out of memory");
	} else {
		run_command(res, s, line.data, timeout_ms, st);
	}
	free(text);
	kpi_buf_release(&line);
}

static void where(char *buf, size_t size, const void *state)
{
	const command *c = state;
	snprintf(buf, size, "%s", c->argv[0]);
}

static void free_state(void *state)
{
	command *c = state;
	if (!c)
		return;
	for (char **a = c->argv; a && *a; a++)
		free(*a);
	free(c->argv);
	free(c);
}

const kpi__sink_type kpi__sink_command = {
	.name = "command",
	.keys = keys,
	.parse = parse,
	.send = deliver,
	.where = where,
	.free = free_state,
};
