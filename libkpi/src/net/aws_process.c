/* credential_process: run a program, read its JSON (aws_process.h). */
#define _GNU_SOURCE /* pipe2 */
#include "net/aws_process.h"
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OUTPUT (64 * 1024)

int kpi__aws_process_parse(kpi__aws_keys *out, const char *json, int64_t now, kpi_error *err)
{
	static const kpi__aws_json_names names = { "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration",
		                                   false, false };
	json_error_t jerr;
	json_t *doc = json_loads(json, 0, &jerr), *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!doc)
		return kpi_error_set(err, KPI_EDATA, "credential_process: its output is not JSON (line %d, column %d)",
		                     jerr.line, jerr.column);
	v = json_object_get(doc, "Version");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		rc = kpi_error_set(err, KPI_EDATA, "credential_process: its output has %s, kpi reads version 1",
		                   v ? "another Version" : "no Version");
	else
		rc = kpi__aws_keys_from_json(out, doc, &names, now, "credential_process: its output", err);
	json_decref(doc);
	return rc;
}

/* Append what is readable on `fd` to `b` (at most `max` kept, the rest
 * counted in *dropped). @return false at end of file. */
static bool drain(int fd, kpi_buf *b, size_t max, size_t *dropped)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	if (b && b->len + (size_t)n <= max)
		kpi_buf_append(b, chunk, (size_t)n);
	else
		*dropped += (size_t)n;
	memset(chunk, 0, sizeof(chunk));
	return true;
}

int kpi__aws_process_credentials(kpi__aws_keys *out, const char *command, char *const *envp, double timeout_s,
                                 kpi_error *err)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, status = 0, rc = 0;
	char **argv = NULL, prog[160];
	GError *gerr = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	double until = kpi__mono_now() + timeout_s;
	size_t over = 0, errbytes = 0;
	kpi_buf so = KPI_BUF_INIT;
	bool timed_out = false;
	pid_t pid = -1;

	memset(out, 0, sizeof(*out));
	if (!g_shell_parse_argv(command, NULL, &argv, &gerr)) {
		rc = kpi_error_set(err, KPI_ECONFIG, "credential_process cannot be split into words: %s", gerr->message);
		g_error_free(gerr);
		return rc;
	}
	snprintf(prog, sizeof(prog), "%s", argv[0]);
	if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
		rc = kpi_error_set(err, KPI_ESOURCE, "credential_process: cannot make a pipe: %s", strerror(errno));
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
	posix_spawnattr_init(&attr);
	/* its own process group: a timeout kills whatever it started too; no
	 * signal blocked (kpi pack blocks SIGINT and SIGTERM for its signal
	 * thread, tools/signals.c: a child must not inherit that) */
	{
		sigset_t none;
		sigemptyset(&none);
		posix_spawnattr_setsigmask(&attr, &none);
	}
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setpgroup(&attr, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (rc != 0) {
		pid = -1;
		rc = kpi_error_set(err, KPI_ECONFIG, "credential_process: cannot run '%s': %s", prog, strerror(rc));
		goto done;
	}
	while (outp[0] >= 0 || errp[0] >= 0) {
		struct pollfd fds[2];
		int nf = 0, wait_ms;
		double left = until - kpi__mono_now();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		wait_ms = (int)(left * 1000.0) + 1;
		if (outp[0] >= 0)
			fds[nf++] = (struct pollfd){ outp[0], POLLIN, 0 };
		if (errp[0] >= 0)
			fds[nf++] = (struct pollfd){ errp[0], POLLIN, 0 };
		if (poll(fds, (nfds_t)nf, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nf; i++) {
			bool is_out = fds[i].fd == outp[0];
			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!drain(fds[i].fd, is_out ? &so : NULL, MAX_OUTPUT, is_out ? &over : &errbytes)) {
				close(fds[i].fd);
				*(is_out ? &outp[0] : &errp[0]) = -1;
			}
		}
		if (over)
			break; /* more than the contract ever needs */
	}
	/* a program that closed its output but does not exit is held to the
	 * same deadline */
	while (!timed_out && !over) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (kpi__mono_now() >= until)
			timed_out = true;
		else
			kpi__sleep(0.01);
	}
	if (timed_out || over) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (timed_out) {
		rc = kpi_error_set(err, KPI_ETIMEOUT, "credential_process: '%s' did not finish within %.0f s and was killed",
		                   prog, timeout_s);
	} else if (over) {
		rc = kpi_error_set(err, KPI_EDATA, "credential_process: '%s' wrote more than %d bytes", prog, MAX_OUTPUT);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char how[64];
		if (WIFEXITED(status))
			snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
		else
			snprintf(how, sizeof(how), "was killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		rc = kpi_error_set(err, WIFEXITED(status) && WEXITSTATUS(status) == 127 ? KPI_ECONFIG : KPI_EAUTH,
		                   "credential_process: '%s' %s (its standard error, %zu bytes, is not shown: it may "
		                   "hold secrets; run the command by hand to read it)",
		                   prog, how, errbytes);
	} else if (kpi_buf_puts(&so, "")) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	} else {
		rc = kpi__aws_process_parse(out, so.data, (int64_t)time(NULL), err);
	}
done:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (so.data)
		memset(so.data, 0, so.len);
	kpi_buf_release(&so);
	g_strfreev(argv);
	return rc;
}
