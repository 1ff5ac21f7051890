/*
 * Delivery of one notification to one sink, one attempt. The outcome says
 * whether to retry: 429, 5xx, timeouts, refused or broken connections and
 * failing commands are retried (by the run, then by later runs); any other
 * 4xx and a command that cannot be started are terminal at once.
 *
 *   pagerduty  POST {base}/v2/enqueue, Events API v2, dedup_key = the
 *              ledger's key; 202 queued
 *   slack      POST the incoming-webhook URL, {"text", "blocks"}; 200 "ok"
 *   webhook    POST the URL, the notification JSON, Idempotency-Key header
 *   sns        Publish (query protocol, SigV4 by libcurl, service "sns")
 *   command    argv run without a shell, the notification JSON on stdin
 *              (one line, ending in a newline),
 *              exit 0 = delivered, bounded by the timeout
 *
 * Secrets (routing key, webhook URLs) are added here, at send time, never
 * stored; every message that quotes a receiver's answer is scrubbed of them.
 */
#define _GNU_SOURCE /* pipe2 */
#include "alert/alert_internal.h"
#include "net/http.h"
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

static const char *nstr(const json_t *n, const char *key)
{
	const char *s = json_string_value(json_object_get(n, key));
	return s ? s : "";
}

char *kpi__notification_dump(const json_t *n)
{
	return json_dumps(n, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

/* ---- HTTP sinks ---- */

static json_t *pagerduty_body(const kpi__sink *s, const json_t *n)
{
	const char *action = nstr(n, "action");
	json_t *b = json_object(), *p, *d;
	char summary[1025];

	json_object_set_new(b, "routing_key", json_string(s->secret));
	json_object_set_new(b, "dedup_key", json_string(nstr(n, "dedupe_key")));
	if (strcmp(action, "resolve") == 0) {
		json_object_set_new(b, "event_action", json_string("resolve"));
		return b;
	}
	json_object_set_new(b, "event_action", json_string("trigger"));
	snprintf(summary, sizeof(summary), "%s", nstr(n, "summary"));
	p = json_object();
	json_object_set_new(p, "summary", json_string(summary));
	json_object_set_new(p, "source", json_string(nstr(n, "source")));
	json_object_set_new(p, "severity", json_string(nstr(n, "severity")));
	json_object_set_new(p, "timestamp", json_string(nstr(n, "at")));
	json_object_set_new(p, "component", json_string(nstr(n, "kpi")));
	json_object_set_new(p, "group", json_string("kpi"));
	json_object_set_new(p, "class", json_string(nstr(n, "status")));
	d = json_object();
	{
		static const char *const keys[] = { "title", "labels", "value", "unit", "threshold", "since", "runbook",
			                            "body", "repeat", "error", NULL };
		for (const char *const *k = keys; *k; k++)
			if (json_object_get(n, *k))
				json_object_set(d, *k, json_object_get(n, *k));
	}
	json_object_set_new(p, "custom_details", d);
	json_object_set_new(b, "payload", p);
	json_object_set_new(b, "client", json_string("kpi"));
	if (strncmp(nstr(n, "runbook"), "http://", 7) == 0 || strncmp(nstr(n, "runbook"), "https://", 8) == 0) {
		json_t *l = json_object();
		json_object_set_new(l, "href", json_string(nstr(n, "runbook")));
		json_object_set_new(l, "text", json_string("Runbook"));
		json_object_set_new(b, "links", json_pack("[o]", l));
	}
	return b;
}

/* Slack mrkdwn: only &, < and > need escaping. */
static void slack_escape(kpi_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			kpi_buf_puts(b, "&amp;");
		else if (*s == '<')
			kpi_buf_puts(b, "&lt;");
		else if (*s == '>')
			kpi_buf_puts(b, "&gt;");
		else
			kpi_buf_append(b, s, 1);
	}
}

static json_t *slack_body(const json_t *n)
{
	const char *action = nstr(n, "action"), *sev = nstr(n, "severity");
	const char *icon = strcmp(action, "resolve") == 0       ? ":white_check_mark:"
	                   : strcmp(action, "test") == 0         ? ":information_source:"
	                   : strcmp(sev, "critical") == 0        ? ":rotating_light:"
	                   : strcmp(sev, "error") == 0           ? ":x:"
	                                                         : ":warning:";
	kpi_buf t = KPI_BUF_INIT, m = KPI_BUF_INIT;
	json_t *b = json_object(), *sec;

	kpi_buf_printf(&t, "%s %s", icon, nstr(n, "summary"));
	kpi_buf_printf(&m, "%s *", icon);
	slack_escape(&m, nstr(n, "summary"));
	kpi_buf_puts(&m, "*\n");
	slack_escape(&m, nstr(n, "body"));
	json_object_set_new(b, "text", json_string(t.data ? t.data : ""));
	sec = json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type", "mrkdwn", "text",
	                m.data ? m.data : "");
	json_object_set_new(b, "blocks", json_pack("[o]", sec));
	kpi_buf_release(&t);
	kpi_buf_release(&m);
	return b;
}

/* One line of a receiver's answer for messages: printable, short, scrubbed. */
static void answer_snippet(char *out, size_t size, const kpi_buf *body, const kpi__alert_settings *st)
{
	size_t n = 0;
	for (size_t i = 0; body->data && i < body->len && n + 1 < size && n < 200; i++) {
		unsigned char c = (unsigned char)body->data[i];
		out[n++] = c >= 0x20 && c != 0x7f ? (char)c : ' ';
	}
	out[n] = '\0';
	kpi__scrub(out, size, st->secrets);
}

static void classify_http(kpi__send_result *res, const kpi__http_resp *resp, const kpi__sink *s,
                          const kpi__alert_settings *st)
{
	char snip[256], ra[32];

	res->status = resp->status;
	if (resp->status >= 200 && resp->status <= 299) {
		res->outcome = KPI__DELIV_OK;
		snprintf(res->detail, sizeof(res->detail), "HTTP %ld", resp->status);
		return;
	}
	answer_snippet(snip, sizeof(snip), &resp->body, st);
	res->outcome = kpi__http_retryable(resp->status) ? KPI__DELIV_RETRY : KPI__DELIV_TERMINAL;
	if (kpi__http_header(resp, "retry-after", ra, sizeof(ra))) {
		char *end;
		double v = strtod(ra, &end);
		if (end != ra && v > 0)
			res->retry_after = v;
	}
	snprintf(res->detail, sizeof(res->detail), "sink '%s' (%s): HTTP %ld%s%s%s", s->name, kpi__sink_kind_name(s->kind),
	         resp->status, snip[0] ? ": " : "", snip,
	         res->outcome == KPI__DELIV_TERMINAL ? " (not retryable)" : "");
}

static void send_http(kpi__send_result *res, const kpi__sink *s, const char *url, const char *const *headers,
                      const char *body, long timeout_ms, const kpi__alert_settings *st)
{
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char what[160];
	int rc;

	snprintf(what, sizeof(what), "sink '%s' (%s)", s->name, kpi__sink_kind_name(s->kind));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = timeout_ms;
	req.what = what;
	req.max_response = 1 << 20;
	rc = kpi__http_do(&resp, &req, &err);
	res->seconds = resp.seconds;
	if (rc) {
		/* unreachable, refused, reset, cut short, timed out: all worth another try */
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "%s", err.message);
		kpi__scrub(res->detail, sizeof(res->detail), st->secrets);
	} else {
		classify_http(res, &resp, s, st);
	}
	kpi__http_resp_release(&resp);
}

/* ---- Amazon SNS ---- */

/* application/x-www-form-urlencoded: unreserved characters as they are,
 * a space as '+' (the form encoding; moto re-encodes spaces that way before
 * it checks a signature, NOTES.md), everything else %XX. */
static void form_value(kpi_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
			kpi_buf_append(b, (const char *)p, 1);
		} else if (*p == ' ') {
			kpi_buf_puts(b, "+");
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			kpi_buf_append(b, e, 3);
		}
	}
}

static void form_param(kpi_buf *b, const char *name, const char *value)
{
	kpi_buf_printf(b, "%s%s=", b->len ? "&" : "", name);
	form_value(b, value);
}

/* Publish: the notification JSON as the message (machine subscribers read
 * it; CloudWatch alarms publish JSON too), its summary as the subject. */
static void send_sns(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                     const kpi__alert_settings *st)
{
	kpi__aws_retry retry = KPI__AWS_RETRY_INIT;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf body = KPI_BUF_INIT;
	char subject[101], what[160], *msg = kpi__notification_dump(n);
	const char *sum = nstr(n, "summary"), *id, *idend;
	size_t k = 0;
	int rc;

	/* Subject: at most 100 printable ASCII characters */
	for (const char *p = sum; *p && k < sizeof(subject) - 1; p++)
		subject[k++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
	subject[k] = '\0';
	form_param(&body, "Action", "Publish");
	form_param(&body, "Version", "2010-03-31");
	form_param(&body, "TopicArn", s->topic_arn);
	form_param(&body, "Subject", subject[0] ? subject : "kpi alert");
	form_param(&body, "Message", msg ? msg : "{}");
	if (strlen(s->topic_arn) > 5 && strcmp(s->topic_arn + strlen(s->topic_arn) - 5, ".fifo") == 0) {
		/* FIFO topics dedupe by id within 5 minutes: a re-send folds */
		form_param(&body, "MessageGroupId", "kpi-alert");
		form_param(&body, "MessageDeduplicationId", idem);
	}
	free(msg);
	snprintf(what, sizeof(what), "sink '%s' (sns)", s->name);
	/* One request per attempt: the outbox does the retrying (base past the
	 * deadline: kpi__aws_call gives up instead of waiting). */
	retry.deadline_s = (double)timeout_ms / 1000.0;
	retry.base_s = retry.max_s = 2 * retry.deadline_s + 1;
	retry.timeout_ms = timeout_ms;
	rc = kpi__aws_call(&resp, s->aws, "application/x-www-form-urlencoded; charset=utf-8", NULL, body.data ? body.data : "",
	                   body.len, what, &retry, NULL, &err);
	res->status = resp.status;
	res->seconds = resp.seconds;
	if (rc == 0) {
		res->outcome = KPI__DELIV_OK;
		id = resp.body.data ? strstr(resp.body.data, "<MessageId>") : NULL;
		idend = id ? strstr(id, "</MessageId>") : NULL;
		if (id && idend && idend - id - 11 < 200)
			snprintf(res->detail, sizeof(res->detail), "HTTP %ld, MessageId %.*s", resp.status, (int)(idend - id - 11),
			         id + 11);
		else
			snprintf(res->detail, sizeof(res->detail), "HTTP %ld", resp.status);
	} else {
		/* throttling, 5xx and transport faults end as KPI_ETIMEOUT here;
		 * auth failures and other 4xx are not worth repeating */
		res->outcome = rc == KPI_ETIMEOUT || rc == KPI_ENOMEM ? KPI__DELIV_RETRY : KPI__DELIV_TERMINAL;
		snprintf(res->detail, sizeof(res->detail), "%s%s", err.message,
		         res->outcome == KPI__DELIV_TERMINAL ? " (not retryable)" : "");
		kpi__scrub(res->detail, sizeof(res->detail), st->secrets);
	}
	kpi__http_resp_release(&resp);
	kpi_buf_release(&body);
}

/* ---- the command sink ---- */

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

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void send_command(kpi__send_result *res, const kpi__sink *s, const char *json, long timeout_ms,
                         const kpi__alert_settings *st)
{
	int in[2] = { -1, -1 }, errp[2] = { -1, -1 }, status = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	double start = mono(), until = start + (double)timeout_ms / 1000.0;
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
	rc = posix_spawnp(&pid, s->argv[0], &fa, &attr, s->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(errp[1]);
	in[0] = errp[1] = -1;
	if (rc != 0) {
		res->outcome = KPI__DELIV_TERMINAL;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): cannot run '%s': %s", s->name, s->argv[0],
		         strerror(rc));
		goto done;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (!exited) {
		struct pollfd fds[2];
		int nf = 0, wait_ms;
		double left = until - mono();
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
	res->seconds = mono() - start;
	for (size_t i = 0; i < elen; i++)
		if ((unsigned char)errbuf[i] < 0x20)
			errbuf[i] = ' ';
	kpi__scrub(errbuf, sizeof(errbuf), st->secrets);
	if (timed_out) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): '%s' did not finish within %ld ms (killed)",
		         s->name, s->argv[0], timeout_ms);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		res->outcome = KPI__DELIV_OK;
		snprintf(res->detail, sizeof(res->detail), "exit 0");
	} else if (WIFEXITED(status)) {
		res->status = WEXITSTATUS(status);
		/* 126/127: the shell convention for "cannot execute" / "not found" */
		res->outcome = res->status == 126 || res->status == 127 ? KPI__DELIV_TERMINAL : KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): '%s' exited %ld%s%.200s", s->name,
		         s->argv[0], res->status, elen ? ": " : "", errbuf);
	} else {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "sink '%s' (command): '%s' was killed by signal %d", s->name,
		         s->argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
done:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
}

void kpi__sink_send(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	json_t *body = NULL;
	char *text = NULL, url[2048], idem_h[320];
	const char *json_headers[] = { "Content-Type: application/json", NULL, NULL };

	memset(res, 0, sizeof(*res));
	switch (s->kind) {
	case KPI__SINK_PAGERDUTY:
		body = pagerduty_body(s, n);
		snprintf(url, sizeof(url), "%s/v2/enqueue", s->url);
		/* a trailing '/' in base_url would make "//v2" */
		if (strstr(url, "//v2/enqueue"))
			memmove(strstr(url, "//v2/enqueue"), strstr(url, "//v2/enqueue") + 1, strlen("/v2/enqueue") + 1);
		break;
	case KPI__SINK_SLACK:
		body = slack_body(n);
		snprintf(url, sizeof(url), "%s", s->url);
		break;
	case KPI__SINK_WEBHOOK:
		body = json_incref((json_t *)n);
		snprintf(url, sizeof(url), "%s", s->url);
		snprintf(idem_h, sizeof(idem_h), "Idempotency-Key: %s", idem);
		json_headers[1] = idem_h;
		break;
	case KPI__SINK_COMMAND: {
		/* one line with its newline, as line-reading programs (read, jq,
		 * `tee -a FILE.jsonl`) expect */
		kpi_buf line = KPI_BUF_INIT;
		text = kpi__notification_dump(n);
		if (!text || kpi_buf_puts(&line, text) || kpi_buf_puts(&line, "\n")) {
			free(text);
			kpi_buf_release(&line);
			res->outcome = KPI__DELIV_RETRY;
			snprintf(res->detail, sizeof(res->detail), "out of memory");
			return;
		}
		send_command(res, s, line.data, timeout_ms, st);
		free(text);
		kpi_buf_release(&line);
		return;
	}
	case KPI__SINK_SNS:
		send_sns(res, s, n, idem, timeout_ms, st);
		return;
	}
	text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(body);
	if (!text) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		return;
	}
	send_http(res, s, url, json_headers, text, timeout_ms, st);
	/* the PagerDuty body held the routing key */
	memset(text, 0, strlen(text));
	free(text);
}
