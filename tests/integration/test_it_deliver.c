/*
 * kpi deliver through the command, against real receivers on loopback: an
 * SMTP server (tests/tools/smtp_sink.py: Debian's python3-aiosmtpd) with
 * STARTTLS and AUTH over a certificate made here with openssl, and the
 * tests' HTTP responder (tests/tools/responder.py) playing Slack's Web API
 * and a webhook, with their failures. The pack is the demo fixture rendered
 * by `kpi render` (no database).
 *
 * Checked: the message parses as MIME (Python's email package), its
 * headers, the multipart/alternative summary, the attachments' SHA-256
 * equal the manifest's; Slack's three steps and their arguments; the
 * webhook's manifest and Idempotency-Key; a rerun sends nothing; a 500 is
 * retried by the next run, a 429's Retry-After is honoured, a 400 and a
 * refused login are permanent and reported by every run until --resend;
 * no secret in any output; what a delivery is keyed by: a snapshot that
 * differs only in read time and provenance is not sent again, data A, B,
 * then A again sends A again, and a queued delivery of B is dropped then.
 */
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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_http.h"
#include "it_util.h"
#include "core/internal.h"
#include "alert/alert_internal.h"
#include "deliver/deliver_internal.h"

#define FIXTURE KPI_SOURCE_DIR "/tests/fixtures/render/demo-w46.snapshot.json"
#define SINK KPI_SOURCE_DIR "/tests/tools/smtp_sink.py"
#define PYTHON "/usr/bin/python3" /* Debian's, with python3-aiosmtpd */
#define PASSWORD "smtp-Pw-c4n4ry-5ecret"
#define TOKEN "xoxb-c4n4ry-bot-t0ken"
#define T0 "2026-11-16T09:00:00Z"

static char tmp[64], pack[128];

/* ---- the SMTP server ---- */

typedef struct smtp_server {
	pid_t pid;
	int port;
	char out[160];
} smtp_server;

/* Start smtp_sink.py; `tls`: STARTTLS required and AUTH with PASSWORD;
 * `reply`: answer every DATA with it. Waits until it listens. */
static void smtp_start(smtp_server *s, const char *name, bool tls, const char *reply)
{
	char pidf[200], port[16], cert[160], key[160];
	const char *argv[16];
	int n = 0;

	s->port = it_free_port();
	snprintf(s->out, sizeof(s->out), "%s/%s", tmp, name);
	snprintf(pidf, sizeof(pidf), "%s/%s.pid", tmp, name);
	snprintf(port, sizeof(port), "%d", s->port);
	snprintf(cert, sizeof(cert), "%s/cert.pem", tmp);
	snprintf(key, sizeof(key), "%s/key.pem", tmp);
	unlink(pidf);
	argv[n++] = PYTHON;
	argv[n++] = SINK;
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--out";
	argv[n++] = s->out;
	argv[n++] = "--pid-file";
	argv[n++] = pidf;
	if (tls) {
		argv[n++] = "--tls-cert";
		argv[n++] = cert;
		argv[n++] = "--tls-key";
		argv[n++] = key;
		argv[n++] = "--auth";
		argv[n++] = "kpi:" PASSWORD;
	}
	if (reply) {
		argv[n++] = "--reply";
		argv[n++] = reply;
	}
	argv[n] = NULL;
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		char log[200];
		int fd;
		snprintf(log, sizeof(log), "%s/%s.log", tmp, name);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) { /* up to 15 s */
		struct timespec pause = { 0, 50 * 1000 * 1000 };
		int status;
		if (access(pidf, F_OK) == 0)
			return;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			fail_msg("%s exited with status %d (python3-aiosmtpd installed? see %s/%s.log)", SINK, status, tmp,
			         name);
		nanosleep(&pause, NULL);
	}
	fail_msg("%s did not start within 15 s", SINK);
}

static void smtp_stop(smtp_server *s)
{
	int status;
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 100 && waitpid(s->pid, &status, WNOHANG) != s->pid; i++)
		usleep(50000);
	if (waitpid(s->pid, &status, WNOHANG) == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
	}
	s->pid = 0;
}

/* The .eml files the server wrote, sorted. */
static size_t messages(const smtp_server *s, char names[][300], size_t max)
{
	DIR *d = opendir(s->out);
	struct dirent *e;
	size_t n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".eml") && !strstr(e->d_name, ".tmp") && n < max)
			snprintf(names[n++], 300, "%s/%s", s->out, e->d_name);
	closedir(d);
	qsort(names, n, 300, (int (*)(const void *, const void *))strcmp);
	return n;
}

/* What Python's email package reads in a message (smtp_sink.py --parse). */
static json_t *parse_message(const char *path)
{
	char cmd[600];
	kpi_buf b = KPI_BUF_INIT;
	char chunk[4096];
	size_t n;
	json_error_t je;
	json_t *j;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s --parse '%s'", PYTHON, SINK, path);
	assert_non_null(p = popen(cmd, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		kpi_buf_append(&b, chunk, n);
	assert_int_equal(pclose(p), 0);
	if (!(j = json_loads(b.data ? b.data : "", 0, &je)))
		fail_msg("smtp_sink.py --parse: not JSON: %s", je.text);
	kpi_buf_release(&b);
	return j;
}

/* ---- the command ---- */

/* kpi deliver PACK with the config `text` (written to a file `name`). */
static void deliver(it_run_result *r, const char *name, const char *text, const char *state, const char *now,
                    const char *extra)
{
	char *config = it_write_tmp(name, text);
	char cfg_env[300], state_env[300], now_env[64];
	const char *env[] = { cfg_env, state_env, now_env, "T_SMTP_USER=kpi", "T_SMTP_PASSWORD=" PASSWORD,
		              "T_SMTP_WRONG=not-the-" PASSWORD, "T_SLACK_TOKEN=" TOKEN, NULL, NULL };
	const char *argv[] = { "kpi", "deliver", pack, extra ? "--resend" : NULL, extra, NULL };

	snprintf(cfg_env, sizeof(cfg_env), "KPI_CONFIG=%s", config);
	free(config);
	snprintf(state_env, sizeof(state_env), "KPI_STATE_DIR=%s/%s", tmp, state);
	snprintf(now_env, sizeof(now_env), "KPI_NOW=%s", now);
	it_run(r, argv, env, 120);
	/* no secret in any output */
	if (strstr(r->out, PASSWORD) || strstr(r->err, PASSWORD) || strstr(r->out, TOKEN) || strstr(r->err, TOKEN))
		fail_msg("a secret in the output:\n%s\n%s", r->out, r->err);
}

/* The manifest's SHA-256 of `path`. */
static const char *manifest_sha(json_t *manifest, const char *path)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(manifest, "files"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "path")), path) == 0)
			return json_string_value(json_object_get(f, "sha256"));
	fail_msg("%s is not in the manifest", path);
	return NULL;
}

static json_t *load_manifest(void)
{
	char path[200];
	json_error_t je;
	json_t *m;
	snprintf(path, sizeof(path), "%s/manifest.json", pack);
	if (!(m = json_load_file(path, 0, &je)))
		fail_msg("manifest: %s", je.text);
	return m;
}

/* ---- e-mail ---- */

static void test_email_starttls_auth(void **state)
{
	smtp_server s = { 0 };
	char cfg[2000], names[8][300];
	it_run_result r;
	json_t *m, *manifest = load_manifest(), *parts, *p;
	const char *sha;
	size_t i, seen = 0;
	(void)state;

	smtp_start(&s, "smtp-tls", true, NULL);
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"link_base\": \"https://packs.example.org/reports/\", \"recipients\": {"
	         "\"board\": {\"kind\": \"email\", \"smtp_url\": \"smtp://127.0.0.1:%d\", \"from\": \"kpi@example.org\","
	         " \"to\": [\"board@example.org\", \"ops@example.org\"], \"username_env\": \"T_SMTP_USER\","
	         " \"password_env\": \"T_SMTP_PASSWORD\", \"ca_file\": \"%s/cert.pem\", \"timeout_seconds\": 20}}}}",
	         s.port, tmp);
	deliver(&r, "email.json", cfg, "state-email", T0, NULL);
	if (r.status != 0 || !strstr(r.out, "sent: board (email) 2026-W46 GO"))
		fail_msg("kpi deliver: exit %d\n%s\n%s", r.status, r.out, r.err);
	/* the first run starts the delivery outbox, and says so as kpi deliver's,
	 * not as kpi alert's ledger */
	if (!strstr(r.err, "\"event\":\"deliver.outbox.new\"") || !strstr(r.err, "no delivery outbox at '") ||
	    strstr(r.err, "alert.ledger"))
		fail_msg("kpi deliver, first run: no deliver.outbox.new log line, or an alert.ledger one:\n%s", r.err);
	it_run_free(&r);
	assert_int_equal(messages(&s, names, 8), 1);

	m = parse_message(names[0]);
	assert_string_equal(json_string_value(json_object_get(m, "content_type")), "multipart/mixed");
	assert_int_equal(json_array_size(json_object_get(m, "defects")), 0);
	p = json_object_get(m, "headers");
	assert_string_equal(json_string_value(json_object_get(p, "Subject")),
	                    "Rollout go/no-go 2026-W46: GO as recorded, read as HOLD"); /* an older GO read as a hold */
	assert_string_equal(json_string_value(json_object_get(p, "From")), "kpi@example.org");
	assert_string_equal(json_string_value(json_object_get(p, "To")), "board@example.org, ops@example.org");
	assert_string_equal(json_string_value(json_object_get(p, "Date")), "Mon, 16 Nov 2026 09:00:00 +0000");
	assert_non_null(strstr(json_string_value(json_object_get(p, "Message-ID")), ".board@kpi>"));
	/* the summary: text and HTML alternatives, from the snapshot */
	p = json_object_get(m, "alternative");
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(json_string_value(json_array_get(p, 0)), "text/plain");
	assert_string_equal(json_string_value(json_array_get(p, 1)), "text/html");
	assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "Week 2026-W46, 2026-11-09 to 2026-11-15"));
	assert_non_null(strstr(json_string_value(json_object_get(m, "text")),
	                       "https://packs.example.org/reports/2026-W46/kpi-2026-W46.pdf"));
	assert_non_null(strstr(json_string_value(json_object_get(m, "text")), "Not measured (4 KPIs"));
	assert_non_null(strstr(json_string_value(json_object_get(m, "html")), "<h2>Rollout go/no-go 2026-W46: GO as recorded, read as HOLD</h2>"));
	/* the attachments are the manifest's files, byte for byte */
	parts = json_object_get(m, "parts");
	json_array_foreach(parts, i, p) {
		const char *fn = json_string_value(json_object_get(p, "filename"));
		if (!fn)
			continue;
		sha = manifest_sha(manifest, fn);
		assert_string_equal(json_string_value(json_object_get(p, "sha256")), sha);
		assert_string_equal(json_string_value(json_object_get(p, "disposition")), "attachment");
		if (strcmp(fn, "kpi-2026-W46.pdf") == 0)
			assert_string_equal(json_string_value(json_object_get(p, "content_type")), "application/pdf");
		else if (strcmp(fn, "kpi-2026-W46.xlsx") == 0)
			assert_string_equal(json_string_value(json_object_get(p, "content_type")),
			                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
		else
			fail_msg("unexpected attachment %s", fn);
		seen++;
	}
	assert_int_equal(seen, 2);
	json_decref(m);

	/* a rerun sends nothing */
	deliver(&r, "email.json", cfg, "state-email", "2026-11-16T10:00:00Z", NULL);
	if (r.status != 0 || !strstr(r.out, "already delivered: board (email)"))
		fail_msg("rerun: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(messages(&s, names, 8), 1);

	/* a refused login is permanent: exit 10, reported again by the next run, no secret shown */
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {"
	         "\"wrong\": {\"kind\": \"email\", \"smtp_url\": \"smtp://127.0.0.1:%d\", \"from\": \"kpi@example.org\","
	         " \"to\": \"board@example.org\", \"username_env\": \"T_SMTP_USER\","
	         " \"password_env\": \"T_SMTP_WRONG\", \"ca_file\": \"%s/cert.pem\"}}}}",
	         s.port, tmp);
	deliver(&r, "wrong.json", cfg, "state-wrong", T0, NULL);
	if (r.status != 10 || !strstr(r.out, "failed: wrong (email)") || !strstr(r.out, "login refused"))
		fail_msg("wrong password: exit %d\n%s\n%s", r.status, r.out, r.err);
	assert_null(strstr(r.out, "not-the-"));
	it_run_free(&r);
	deliver(&r, "wrong.json", cfg, "state-wrong", "2026-11-17T09:00:00Z", NULL);
	assert_int_equal(r.status, 10);
	assert_non_null(strstr(r.out, "failed: wrong (email)"));
	it_run_free(&r);

	/* an untrusted certificate (no ca_file) is permanent too */
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {"
	         "\"untrusted\": {\"kind\": \"email\", \"smtp_url\": \"smtp://127.0.0.1:%d\", \"from\": \"kpi@example.org\","
	         " \"to\": \"board@example.org\", \"username_env\": \"T_SMTP_USER\","
	         " \"password_env\": \"T_SMTP_PASSWORD\"}}}}",
	         s.port);
	deliver(&r, "untrusted.json", cfg, "state-untrusted", T0, NULL);
	if (r.status != 10 || !strstr(r.out, "certificate"))
		fail_msg("untrusted: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(messages(&s, names, 8), 1);
	json_decref(manifest);
	smtp_stop(&s);
}

/* An SMTP 4xx is retried by a later run; a 5xx is permanent. */
static void test_email_reply_codes(void **state)
{
	smtp_server s = { 0 };
	char cfg[1000], names[8][300];
	it_run_result r;
	(void)state;

	smtp_start(&s, "smtp-451", false, "451 4.3.0 try again later");
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {\"plain\": {\"kind\": \"email\", \"smtp_url\": \"smtp://127.0.0.1:%d\","
	         " \"starttls\": false, \"from\": \"kpi@example.org\", \"to\": \"board@example.org\"}}}}",
	         s.port);
	deliver(&r, "plain.json", cfg, "state-plain", T0, NULL);
	if (r.status != 9 || !strstr(r.out, "retry: plain (email)") || !strstr(r.out, "451"))
		fail_msg("451: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	/* within the backoff: not tried */
	deliver(&r, "plain.json", cfg, "state-plain", "2026-11-16T09:00:01Z", NULL);
	if (r.status != 9 || !strstr(r.out, "waiting: plain (email)"))
		fail_msg("waiting: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	smtp_stop(&s);

	/* the server accepts again: the next run after the backoff delivers */
	{
		int port = s.port;
		smtp_start(&s, "smtp-ok", false, NULL);
		if (s.port != port) {
			snprintf(cfg, sizeof(cfg),
			         "{\"delivery\": {\"recipients\": {\"plain\": {\"kind\": \"email\", \"smtp_url\": "
			         "\"smtp://127.0.0.1:%d\", \"starttls\": false, \"from\": \"kpi@example.org\", \"to\": "
			         "\"board@example.org\"}}}}",
			         s.port);
		}
	}
	deliver(&r, "plain.json", cfg, "state-plain", "2026-11-16T10:00:00Z", NULL);
	if (r.status != 0 || !strstr(r.out, "sent: plain (email)"))
		fail_msg("after 451: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(messages(&s, names, 8), 1);
	smtp_stop(&s);

	smtp_start(&s, "smtp-554", false, "554 5.7.1 rejected by policy");
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {\"plain\": {\"kind\": \"email\", \"smtp_url\": \"smtp://127.0.0.1:%d\","
	         " \"starttls\": false, \"from\": \"kpi@example.org\", \"to\": \"board@example.org\"}}}}",
	         s.port);
	deliver(&r, "plain554.json", cfg, "state-554", T0, NULL);
	if (r.status != 10 || !strstr(r.out, "failed: plain (email)") || !strstr(r.out, "554"))
		fail_msg("554: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	smtp_stop(&s);
}

/* ---- Slack and the webhook ---- */

static size_t count_path(const it_responder *resp, const char *prefix)
{
	json_t *reqs = it_responder_requests(resp), *q;
	size_t i, n = 0;
	json_array_foreach(reqs, i, q)
		n += strncmp(json_string_value(json_object_get(q, "path")), prefix, strlen(prefix)) == 0;
	json_decref(reqs);
	return n;
}

static json_t *last_request(const it_responder *resp, const char *path)
{
	json_t *reqs = it_responder_requests(resp), *q, *found = NULL;
	size_t i;
	json_array_foreach(reqs, i, q)
		if (strcmp(json_string_value(json_object_get(q, "path")), path) == 0)
			found = q;
	json_incref(found);
	json_decref(reqs);
	if (!found)
		fail_msg("no request to %s", path);
	return found;
}

static void test_slack_and_webhook(void **state)
{
	it_responder *resp = it_responder_start(NULL);
	char script[3000], cfg[1000], hook[200];
	it_run_result r;
	json_t *q, *body, *manifest = load_manifest();
	const char *h;
	char idem1[200];
	(void)state;

	snprintf(script, sizeof(script),
	         "{\"rules\": ["
	         "{\"match\": {\"path\": \"/api/files.getUploadURLExternal\"}, \"responses\": ["
	         "  {\"body\": \"{\\\"ok\\\": true, \\\"upload_url\\\": \\\"%s/upload/F1\\\", \\\"file_id\\\": \\\"F1\\\"}\"},"
	         "  {\"body\": \"{\\\"ok\\\": true, \\\"upload_url\\\": \\\"%s/upload/F2\\\", \\\"file_id\\\": \\\"F2\\\"}\"},"
	         "  {\"body\": \"{\\\"ok\\\": true, \\\"upload_url\\\": \\\"%s/upload/F3\\\", \\\"file_id\\\": \\\"F3\\\"}\"},"
	         "  {\"body\": \"{\\\"ok\\\": true, \\\"upload_url\\\": \\\"%s/upload/F4\\\", \\\"file_id\\\": \\\"F4\\\"}\"}]},"
	         "{\"match\": {\"path_prefix\": \"/upload/\"}, \"responses\": [{\"body\": \"OK - 1\"}]},"
	         "{\"match\": {\"path\": \"/api/files.completeUploadExternal\"}, \"responses\": ["
	         "  {\"status\": 500, \"body\": \"upstream down\"}, {\"body\": \"{\\\"ok\\\": true, \\\"files\\\": []}\"}]},"
	         "{\"match\": {\"path\": \"/hook\"}, \"responses\": ["
	         "  {\"status\": 429, \"headers\": {\"Retry-After\": \"3600\"}, \"body\": \"slow down\"}, {\"body\": \"ok\"}]},"
	         "{\"match\": {\"path\": \"/hook400\"}, \"responses\": [{\"status\": 400, \"body\": \"invalid_payload\"}]}"
	         "], \"default\": {\"status\": 404}}",
	         resp->url, resp->url, resp->url, resp->url);
	it_responder_script(resp, script);
	snprintf(hook, sizeof(hook), "%s/hook", resp->url);
	/* the webhook's URL, a secret, reaches kpi through the environment it inherits */
	assert_int_equal(setenv("T_HOOK_URL", hook, 1), 0);
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {"
	         "\"chat\": {\"kind\": \"slack\", \"token_env\": \"T_SLACK_TOKEN\", \"channel_id\": \"C0KPI0001\","
	         " \"api_url\": \"%s/api\", \"timeout_seconds\": 10},"
	         "\"hook\": {\"kind\": \"webhook\", \"url_env\": \"T_HOOK_URL\", \"timeout_seconds\": 10}}}}",
	         resp->url);

	/* run 1: Slack's completion answers 500, the webhook 429 + Retry-After: both retried */
	deliver(&r, "chat.json", cfg, "state-chat", T0, NULL);
	if (r.status != 9 || !strstr(r.out, "retry: chat (slack)") || !strstr(r.out, "retry: hook (webhook)") ||
	    !strstr(r.out, "HTTP 500") || !strstr(r.out, "HTTP 429"))
		fail_msg("run 1: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(count_path(resp, "/api/files.getUploadURLExternal"), 2);
	assert_int_equal(count_path(resp, "/upload/"), 2);
	assert_int_equal(count_path(resp, "/api/files.completeUploadExternal"), 1);
	assert_int_equal(count_path(resp, "/hook"), 1);
	q = last_request(resp, "/hook");
	snprintf(idem1, sizeof(idem1), "%s",
	         json_string_value(json_object_get(json_object_get(q, "headers"), "idempotency-key")));
	json_decref(q);

	/* run 2, ten minutes later: Slack retried and delivered; the webhook waits for its Retry-After */
	deliver(&r, "chat.json", cfg, "state-chat", "2026-11-16T09:10:00Z", NULL);
	if (r.status != 9 || !strstr(r.out, "sent: chat (slack)") || !strstr(r.out, "waiting: hook (webhook)"))
		fail_msg("run 2: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(count_path(resp, "/api/files.getUploadURLExternal"), 4);
	assert_int_equal(count_path(resp, "/api/files.completeUploadExternal"), 2);
	assert_int_equal(count_path(resp, "/hook"), 1);

	/* Slack's arguments: the files' names and lengths, the bearer token, the channel, the summary */
	q = last_request(resp, "/api/files.getUploadURLExternal");
	h = json_string_value(json_object_get(json_object_get(q, "headers"), "authorization"));
	assert_string_equal(h, "Bearer " TOKEN);
	{
		char want[200], path[200];
		struct stat st;
		snprintf(path, sizeof(path), "%s/kpi-2026-W46.pdf", pack);
		assert_int_equal(stat(path, &st), 0);
		snprintf(want, sizeof(want), "filename=kpi-2026-W46.pdf&length=%lld", (long long)st.st_size);
		assert_string_equal(json_string_value(json_object_get(q, "body")), want);
	}
	json_decref(q);
	q = last_request(resp, "/upload/F4");
	{
		char path[200];
		struct stat st;
		snprintf(path, sizeof(path), "%s/kpi-2026-W46.pdf", pack);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(atoll(json_string_value(json_object_get(json_object_get(q, "headers"), "content-length"))),
		                 st.st_size);
	}
	json_decref(q);
	q = last_request(resp, "/api/files.completeUploadExternal");
	body = json_loads(json_string_value(json_object_get(q, "body")), 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "channel_id")), "C0KPI0001");
	assert_int_equal(json_array_size(json_object_get(body, "files")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(body, "files"), 0), "id")),
	                    "F3");
	assert_non_null(strstr(json_string_value(json_object_get(body, "initial_comment")),
	                       "Rollout go/no-go 2026-W46: GO as recorded, read as HOLD"));
	json_decref(body);
	json_decref(q);

	/* run 3, after the Retry-After: the webhook gets the manifest, same Idempotency-Key */
	deliver(&r, "chat.json", cfg, "state-chat", "2026-11-16T10:00:01Z", NULL);
	if (r.status != 0 || !strstr(r.out, "already delivered: chat (slack)") || !strstr(r.out, "sent: hook (webhook)"))
		fail_msg("run 3: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(count_path(resp, "/hook"), 2);
	q = last_request(resp, "/hook");
	assert_string_equal(json_string_value(json_object_get(json_object_get(q, "headers"), "idempotency-key")), idem1);
	body = json_loads(json_string_value(json_object_get(q, "body")), 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "week")), "2026-W46");
	assert_string_equal(json_string_value(json_object_get(body, "verdict")), "GO");
	assert_true(json_equal(json_object_get(body, "manifest"), manifest));
	assert_non_null(strstr(json_string_value(json_object_get(body, "summary")), "Week 2026-W46"));
	json_decref(body);
	json_decref(q);

	/* run 4: nothing to send */
	{
		size_t before = it_responder_count(resp);
		deliver(&r, "chat.json", cfg, "state-chat", "2026-11-17T10:00:00Z", NULL);
		if (r.status != 0 || !strstr(r.out, "already delivered: chat (slack)") ||
		    !strstr(r.out, "already delivered: hook (webhook)"))
			fail_msg("run 4: exit %d\n%s\n%s", r.status, r.out, r.err);
		it_run_free(&r);
		assert_int_equal(it_responder_count(resp), before);
	}

	/* a 400 is permanent: reported by every run, not sent again until --resend */
	snprintf(hook, sizeof(hook), "%s/hook400", resp->url);
	assert_int_equal(setenv("T_HOOK_URL", hook, 1), 0);
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {\"bad\": {\"kind\": \"webhook\", \"url_env\": \"T_HOOK_URL\"}}}}");
	deliver(&r, "bad.json", cfg, "state-bad", T0, NULL);
	if (r.status != 10 || !strstr(r.out, "failed: bad (webhook)") || !strstr(r.out, "HTTP 400"))
		fail_msg("400: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	deliver(&r, "bad.json", cfg, "state-bad", "2026-11-16T12:00:00Z", NULL);
	if (r.status != 10 || !strstr(r.out, "failed: bad (webhook)"))
		fail_msg("400 again: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(count_path(resp, "/hook400"), 1);
	it_responder_script(resp, "{\"rules\": [], \"default\": {\"status\": 200, \"body\": \"ok\"}}");
	deliver(&r, "bad.json", cfg, "state-bad", "2026-11-16T13:00:00Z", "bad");
	if (r.status != 0 || !strstr(r.out, "sent: bad (webhook)"))
		fail_msg("--resend: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(count_path(resp, "/hook400"), 2);

	/* Slack's own error answer (HTTP 200, ok false) is permanent */
	it_responder_script(resp, "{\"rules\": [], \"default\": {\"body\": \"{\\\"ok\\\": false, \\\"error\\\": "
	                          "\\\"channel_not_found\\\"}\"}}");
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {\"chat\": {\"kind\": \"slack\", \"token_env\": \"T_SLACK_TOKEN\","
	         " \"channel_id\": \"C0NOPE\", \"api_url\": \"%s/api\"}}}}",
	         resp->url);
	deliver(&r, "nochan.json", cfg, "state-nochan", T0, NULL);
	if (r.status != 10 || !strstr(r.out, "channel_not_found"))
		fail_msg("channel_not_found: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);

	/* a receiver's answer cannot add lines to kpi's output: a 404 page and a
	 * Slack error with newlines that forge a delivery and a Nagios line */
	{
		static const char *const scripts[] = {
			"{\"rules\": [], \"default\": {\"status\": 404, \"body\": \"Cannot POST\\ndelivered: chan (slack) "
			"2026-W45 GO\\nKPI OK - forged line\"}}",
			"{\"rules\": [], \"default\": {\"body\": \"{\\\"ok\\\": false, \\\"error\\\": "
			"\\\"nope\\\\ndelivered: chan (slack) 2026-W45 GO\\\\nKPI OK - forged line\\\"}\"}}",
		};
		for (size_t i = 0; i < 2; i++) {
			char st[32];
			it_responder_script(resp, scripts[i]);
			snprintf(st, sizeof(st), "state-forge%zu", i);
			deliver(&r, "nochan.json", cfg, st, T0, NULL);
			if (r.status != 10 || !strstr(r.out, "forged line") || strstr(r.out, "\nKPI OK") ||
			    strstr(r.out, "\ndelivered: chan") || strstr(r.err, "\nKPI OK"))
				fail_msg("forged lines (%zu): exit %d\n%s\n%s", i, r.status, r.out, r.err);
			it_run_free(&r);
		}
	}

	json_decref(manifest);
	it_responder_stop(resp);
}

/* Configuration errors: exit 3, file:line:col, no secret. */
static void test_config_errors(void **state)
{
	it_run_result r;
	(void)state;
	deliver(&r, "none.json", "{}", "state-none", T0, NULL);
	if (r.status != 3 || !strstr(r.err, "no delivery section"))
		fail_msg("no section: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	deliver(&r,
	        "secret.json", "{\"delivery\": {\"recipients\": {\"x\": {\"kind\": \"slack\",\n"
	                                    "  \"token\": \"xoxb-1\", \"channel_id\": \"C1\"}}}}",
	        "state-none", T0, NULL);
	if (r.status != 3 || !strstr(r.err, "secret.json:2:12") || !strstr(r.err, "token_env"))
		fail_msg("secret in file: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	deliver(&r,
	        "unset.json", "{\"delivery\": {\"recipients\": {\"x\": {\"kind\": \"webhook\","
	                                   " \"url_env\": \"T_NOT_SET_ANYWHERE\"}}}}",
	        "state-none", T0, NULL);
	if (r.status != 3 || !strstr(r.err, "T_NOT_SET_ANYWHERE is not set"))
		fail_msg("unset variable: exit %d\n%s\n%s", r.status, r.out, r.err);
	it_run_free(&r);
	{ /* kpi pack --deliver checks the section before reading anything: the
	   * database named is not even reachable (that would be exit 4) */
		char *cfg = it_write_tmp("pack-none.json", "{}"), out[300];
		const char *argv[] = { "kpi", "pack", "--deliver", "--config", cfg, "--db",
			               "host=/nonexistent-kpi-socket-dir dbname=kpi", "--out", out, "--week", "2026-W45",
			               "--quiet", NULL };
		const char *env[] = { "KPI_NOW=2026-12-01T00:00:00Z", NULL };
		struct stat st;
		snprintf(out, sizeof(out), "%s.pack", cfg);
		it_run(&r, argv, env, 60);
		if (r.status != 3 || !strstr(r.err, "pack-none.json: no delivery section") || it_count_lines(r.err) != 1)
			fail_msg("pack --deliver, no section: exit %d\n%s\n%s", r.status, r.out, r.err);
		assert_int_not_equal(stat(out, &st), 0); /* no pack */
		it_run_free(&r);
		free(cfg);
	}
}

/* Run `argv` (kpi pack --deliver or kpi deliver) with `env`: exit 0, `want`
 * in its output, and then `n` requests received in all. */
static void run_delivers(it_responder *resp, const char *const *argv, const char *const *env, const char *want,
                         size_t n)
{
	it_run_result r;
	it_run(&r, argv, env, 120);
	if (r.status != 0 || !strstr(r.out, want))
		fail_msg("%s %s: exit %d, no '%s'\n%s\n%s", argv[0], argv[1], r.status, want, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(it_responder_count(resp), n);
}

/* The JSON body of the last request to `path` (the request in *req). */
static json_t *last_body(it_responder *resp, const char *path, json_t **req)
{
	json_t *body;
	*req = last_request(resp, path);
	body = json_loads(json_string_value(json_object_get(*req, "body")), 0, NULL);
	assert_non_null(body);
	return body;
}

/* kpi pack --deliver: the pack written, then delivered; a second pack of the
 * same data made an hour later (its read time, so its snapshot's and
 * manifest's SHA-256s, differ: the same content digest) is not sent again;
 * a pack whose data changed is. Needs the tests' PostgreSQL (scripts/test
 * sets KPI_TEST_PG). */
static void test_pack_deliver(void **state)
{
	const char *pg = getenv("KPI_TEST_PG");
	it_db *db;
	it_responder *resp;
	char hook[200], cfg_env[300], state_env[300], out[200], cfg[300], manifest1[65], content1[65];
	const char *env[] = { cfg_env, state_env, "KPI_NOW=2026-12-01T00:00:00Z", NULL };
	const char *later[] = { cfg_env, state_env, "KPI_NOW=2026-12-01T01:00:00Z", NULL };
	json_t *q, *body;
	(void)state;

	if (!pg || !*pg) {
		fprintf(stderr, "test_pack_deliver: skipped: KPI_TEST_PG is not set\n");
		skip();
	}
	db = it_db_create("deliver");
	it_db_exec(db, "INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at) "
	               "VALUES (1, 't1', 's1', 'u1', 'prod', 'owned', '2026-11-02');"
	               "INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at) "
	               "VALUES (1, 1, 'export', 'owned', 'succeeded', '2026-11-10 10:00+00', '2026-11-10 10:00:05+00', "
	               "'2026-11-10 10:00:30+00');");
	resp = it_responder_start("{\"rules\": [], \"default\": {\"body\": \"ok\"}}");
	snprintf(hook, sizeof(hook), "%s/packs", resp->url);
	assert_int_equal(setenv("T_HOOK_URL", hook, 1), 0);
	snprintf(cfg, sizeof(cfg),
	         "{\"delivery\": {\"recipients\": {\"archive\": {\"kind\": \"webhook\", \"url_env\": \"T_HOOK_URL\"}}}}");
	{
		char *path = it_write_tmp("pack.json", cfg);
		snprintf(cfg_env, sizeof(cfg_env), "KPI_CONFIG=%s", path);
		free(path);
	}
	snprintf(state_env, sizeof(state_env), "KPI_STATE_DIR=%s/state-pack", tmp);
	snprintf(out, sizeof(out), "%s/packs/2026-W46", tmp);
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "2", "--out", out,
			               "--db", db->conninfo, "--deliver", "--quiet", NULL };
		run_delivers(resp, argv, env, "sent: archive (webhook) 2026-W46", 1);
		{
			char pdf[260];
			snprintf(pdf, sizeof(pdf), "%s/kpi-2026-W46.pdf", out);
			assert_int_equal(access(pdf, R_OK), 0);
		}
		body = last_body(resp, "/packs", &q);
		assert_string_equal(json_string_value(json_object_get(body, "week")), "2026-W46");
		assert_true(json_array_size(json_object_get(json_object_get(body, "manifest"), "files")) >= 5);
		snprintf(manifest1, sizeof(manifest1), "%s", json_string_value(json_object_get(body, "manifest_sha256")));
		snprintf(content1, sizeof(content1), "%s", json_string_value(json_object_get(body, "content_sha256")));
		assert_int_equal(strlen(content1), 64);
		assert_string_not_equal(content1, manifest1);
		/* the Idempotency-Key is the outbox key: the content digest and the recipient */
		assert_true(strncmp(json_string_value(json_object_get(json_object_get(q, "headers"), "idempotency-key")),
		                    content1, 64) == 0);
		json_decref(body);
		json_decref(q);

		/* the same data again at the same instant: the same bytes, nothing sent */
		run_delivers(resp, argv, env, "already delivered: archive (webhook) 2026-W46", 1);

		/* the same data an hour later: another read time, so another
		 * snapshot and manifest, but the same content: nothing sent */
		run_delivers(resp, argv, later, "already delivered: archive (webhook) 2026-W46", 1);
		{
			char mpath[260], sha[65];
			uint64_t size;
			kpi_error err = KPI_ERROR_INIT;
			snprintf(mpath, sizeof(mpath), "%s/manifest.json", out);
			assert_int_equal(kpi__file_sha256(sha, &size, mpath, &err), 0);
			assert_string_not_equal(sha, manifest1); /* the case the outbox once missed */
		}

		/* the data changed: a pack that says something else is sent */
		it_db_exec(db, "INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at) "
		               "VALUES (2, 1, 'export', 'owned', 'failed', '2026-11-11 10:00+00', '2026-11-11 10:00:05+00', "
		               "'2026-11-11 10:00:30+00');");
		run_delivers(resp, argv, later, "sent: archive (webhook) 2026-W46", 2);
		body = last_body(resp, "/packs", &q);
		assert_string_not_equal(json_string_value(json_object_get(body, "content_sha256")), content1);
		/* an outbox entry an older kpi keyed by the manifest SHA-256: this
		 * very pack counts as delivered, not sent again */
		{
			char opath[260], id[200];
			kpi__ledger *l = NULL;
			kpi__ledger_damage dmg;
			kpi_error err = KPI_ERROR_INIT;
			const char *deliver_argv[] = { "kpi", "deliver", out, NULL };
			snprintf(opath, sizeof(opath), "%s/state-pack/" KPI__DELIVER_OUTBOX, tmp);
			assert_int_equal(kpi__ledger_load(&l, opath, KPI__LEDGER_DELIVER_OUTBOX, false, &dmg, &err), 0);
			snprintf(id, sizeof(id), "%s:archive", json_string_value(json_object_get(body, "content_sha256")));
			for (size_t i = 0; i < l->nout; i++)
				if (l->outbox[i].id && strcmp(l->outbox[i].id, id) == 0) {
					snprintf(id, sizeof(id), "%s:archive",
					         json_string_value(json_object_get(body, "manifest_sha256")));
					free(l->outbox[i].id);
					assert_non_null(l->outbox[i].id = strdup(id));
					free(l->outbox[i].dedupe_key); /* as an older kpi wrote it */
					assert_non_null(l->outbox[i].dedupe_key = strdup(
					        json_string_value(json_object_get(body, "manifest_sha256"))));
				}
			assert_int_equal(kpi__ledger_save(opath, l, 0, &err), 0);
			kpi__ledger_free(l);
			run_delivers(resp, deliver_argv, later, "already delivered: archive (webhook) 2026-W46", 2);
		}
		/* the data back as it was: the recipient holds the second pack, so
		 * the first content is sent again, once */
		it_db_exec(db, "DELETE FROM jobs WHERE id = 2;");
		run_delivers(resp, argv, later, "sent: archive (webhook) 2026-W46", 3);
		json_decref(body);
		json_decref(q);
		body = last_body(resp, "/packs", &q);
		assert_string_equal(json_string_value(json_object_get(body, "content_sha256")), content1);
		run_delivers(resp, argv, later, "already delivered: archive (webhook) 2026-W46", 3);
		json_decref(body);
		json_decref(q);
	}
	it_responder_stop(resp);
	it_db_drop(db);
}

/* ---- what a delivery is keyed by ---- */

#define GOLDEN KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_golden.json"

/* `kpi render` the golden snapshot (format 4, a standby's provenance) into
 * TMP/DIR/2026-W46 with `edit` applied to it first; the pack's path in `out`. */
static void render_golden(char *out, size_t size, const char *dir, void (*edit)(json_t *))
{
	json_error_t je;
	json_t *snap = json_load_file(GOLDEN, 0, &je);
	char in[260];
	it_run_result r;
	const char *argv[] = { "kpi", "render", "--snapshot", in, "--out", out, NULL };

	if (!snap)
		fail_msg("%s: %s", GOLDEN, je.text);
	if (edit)
		edit(snap);
	snprintf(in, sizeof(in), "%s/%s.snapshot.json", tmp, dir);
	assert_int_equal(json_dump_file(snap, in, JSON_INDENT(2)), 0);
	json_decref(snap);
	snprintf(out, size, "%s/%s/2026-W46", tmp, dir);
	it_run(&r, argv, NULL, 120);
	if (r.status != 0)
		fail_msg("kpi render %s: exit %d\n%s", in, r.status, r.err);
	it_run_free(&r);
}

/* Another run of a hot standby on the same data: another read time, replay
 * lag, primary time, basis, conflict retries and query costs. */
static void edit_read(json_t *snap)
{
	json_t *src = json_array_get(json_object_get(json_object_get(snap, "provenance"), "sources"), 0), *c;
	size_t i;
	assert_non_null(src);
	json_object_set_new(snap, "read_at", json_string("2026-11-12T11:45:00Z"));
	json_object_set_new(src, "primary_time", json_string("2026-11-12T11:44:53Z"));
	json_object_set_new(src, "lag_seconds", json_real(7.25));
	json_object_set_new(src, "basis", json_string("last replayed transaction"));
	json_object_set_new(src, "conflict_retries", json_integer(0));
	json_array_foreach(json_object_get(json_object_get(snap, "provenance"), "costs"), i, c) {
		json_object_set_new(c, "seconds", json_real(1.5 + (double)i));
		json_object_set_new(c, "shared_blks_hit", json_integer(1000 + (json_int_t)i));
		json_object_set_new(c, "shared_blks_read", json_integer(3));
	}
}

/* Other data: one value of the first KPI changed. */
static void edit_data(json_t *snap)
{
	size_t i, j;
	json_t *v, *r;
	json_t *row = json_array_get(
	        json_object_get(json_array_get(json_object_get(snap, "series"), 0), "rows"), 1);
	assert_non_null(row);
	assert_true(json_real_value(json_object_get(row, "value")) == 94.5);
	json_object_set_new(row, "value", json_real(94.0));
	json_object_set_new(row, "numerator", json_integer(188));
	json_array_foreach(json_object_get(snap, "verdicts"), i, v) /* the verdict's reason quotes it */
		json_array_foreach(json_object_get(v, "reasons"), j, r)
			if (json_real_value(json_object_get(r, "value")) == 94.5)
				json_object_set_new(r, "value", json_real(94.0));
}

/* kpi deliver DIR to the webhook: exit 0, `want` in the output, then `n`
 * requests in all; the last one's Idempotency-Key into `key` (may be NULL). */
/* The config of one webhook recipient, "archive", at $T_HOOK_URL. */
static const char *digest_config(void)
{
	static char path[300];
	if (!path[0]) {
		char *p = it_write_tmp("digest.json", "{\"delivery\": {\"recipients\": {\"archive\": {\"kind\": "
		                                      "\"webhook\", \"url_env\": \"T_HOOK_URL\"}}}}");
		snprintf(path, sizeof(path), "%s", p);
		free(p);
	}
	return path;
}

static void deliver_in(it_responder *resp, const char *state, int status, const char *dir, const char *want,
                       size_t n, char *key, size_t size)
{
	char cfg_env[300], state_env[300];
	const char *env[] = { cfg_env, state_env, "KPI_NOW=2026-11-16T09:00:00Z", NULL };
	const char *argv[] = { "kpi", "deliver", dir, NULL };
	it_run_result r;
	snprintf(cfg_env, sizeof(cfg_env), "KPI_CONFIG=%s", digest_config());
	snprintf(state_env, sizeof(state_env), "KPI_STATE_DIR=%s/%s", tmp, state);
	it_run(&r, argv, env, 120);
	if (r.status != status || !strstr(r.out, want))
		fail_msg("kpi deliver %s: exit %d, not %d with '%s'\n%s\n%s", dir, r.status, status, want, r.out, r.err);
	it_run_free(&r);
	assert_int_equal(it_responder_count(resp), n);
	if (key) {
		json_t *q = last_request(resp, "/packs");
		snprintf(key, size, "%s", json_string_value(json_object_get(json_object_get(q, "headers"), "idempotency-key")));
		json_decref(q);
	}
}

static void deliver_dir(it_responder *resp, const char *dir, const char *want, size_t n, char *key, size_t size)
{
	deliver_in(resp, "state-digest", 0, dir, want, n, key, size);
}

/* The content digest leaves out how and when the data was read (read_at,
 * the whole provenance: a standby's lag and primary time, the queries'
 * costs), and what counts per week and recipient is the content sent last:
 * data A, then B, then A again sends A again (the recipient holds B), under
 * another Idempotency-Key than A's first delivery. */
static void test_content_digest(void **state)
{
	it_responder *resp = it_responder_start("{\"rules\": [], \"default\": {\"body\": \"ok\"}}");
	char hook[200], a[260], a2[260], b[260], key1[200], key2[200], key3[200];
	(void)state;

	snprintf(hook, sizeof(hook), "%s/packs", resp->url);
	assert_int_equal(setenv("T_HOOK_URL", hook, 1), 0);
	render_golden(a, sizeof(a), "digest-a", NULL);
	render_golden(a2, sizeof(a2), "digest-a2", edit_read);
	render_golden(b, sizeof(b), "digest-b", edit_data);

	deliver_dir(resp, a, "sent: archive (webhook) 2026-W46", 1, key1, sizeof(key1));
	/* the same data read again from the standby: nothing sent */
	deliver_dir(resp, a2, "already delivered: archive (webhook) 2026-W46", 1, NULL, 0);
	/* other data: sent */
	deliver_dir(resp, b, "sent: archive (webhook) 2026-W46", 2, key2, sizeof(key2));
	assert_string_not_equal(key1, key2);
	/* back to the first data: the recipient holds B, so A is sent again,
	 * under a key of its own (a receiver keeping keys would drop A's first) */
	deliver_dir(resp, a2, "sent: archive (webhook) 2026-W46", 3, key3, sizeof(key3));
	assert_string_not_equal(key3, key1);
	assert_string_not_equal(key3, key2);
	assert_true(strncmp(key3, key1, 64) == 0); /* the same content digest */
	/* and only once */
	deliver_dir(resp, a, "already delivered: archive (webhook) 2026-W46", 3, NULL, 0);
	deliver_dir(resp, a2, "already delivered: archive (webhook) 2026-W46", 3, NULL, 0);
	/* B again after that: sent again too */
	deliver_dir(resp, b, "sent: archive (webhook) 2026-W46", 4, NULL, 0);
	deliver_dir(resp, b, "already delivered: archive (webhook) 2026-W46", 4, NULL, 0);
	it_responder_stop(resp);
}

/* A delivery of other content still being retried: retried under its own
 * key, never duplicated; when the data goes back before it got through, it
 * is dropped (never sent after the newer one) and the first content sent
 * again. --resend sends again under the key of the record it replaces. */
static void test_content_retry(void **state)
{
	it_responder *resp = it_responder_start(NULL);
	char script[600], hook[200], a[260], b[260], key1[200], key2[200], key3[200], opath[260];
	kpi__ledger *l = NULL;
	kpi__ledger_damage dmg;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;

	snprintf(script, sizeof(script),
	         "{\"rules\": [{\"match\": {\"path\": \"/packs\"}, \"responses\": ["
	         "{\"body\": \"ok\"}, {\"status\": 503, \"body\": \"busy\"}, {\"body\": \"ok\"}]}], \"default\": {\"body\": \"ok\"}}");
	it_responder_script(resp, script);
	snprintf(hook, sizeof(hook), "%s/packs", resp->url);
	assert_int_equal(setenv("T_HOOK_URL", hook, 1), 0);
	render_golden(a, sizeof(a), "retry-a", NULL);
	render_golden(b, sizeof(b), "retry-b", edit_data);

	deliver_in(resp, "state-retry", 0, a, "sent: archive (webhook) 2026-W46", 1, key1, sizeof(key1));
	deliver_in(resp, "state-retry", 9, b, "retry: archive (webhook) 2026-W46", 2, key2, sizeof(key2));
	/* the same content again before its backoff is over: waits, nothing sent */
	deliver_in(resp, "state-retry", 9, b, "waiting: archive (webhook) 2026-W46", 2, NULL, 0);
	/* back to A: A is sent again (the recipient may hold B), B's queued entry dropped */
	deliver_in(resp, "state-retry", 0, a, "sent: archive (webhook) 2026-W46", 3, key3, sizeof(key3));
	assert_string_not_equal(key3, key1);
	assert_true(strncmp(key3, key1, 64) == 0);
	snprintf(opath, sizeof(opath), "%s/state-retry/" KPI__DELIVER_OUTBOX, tmp);
	assert_int_equal(kpi__ledger_load(&l, opath, KPI__LEDGER_DELIVER_OUTBOX, false, &dmg, &err), 0);
	for (size_t i = 0; i < l->nout; i++)
		if (l->outbox[i].status == KPI__ENTRY_PENDING || strcmp(l->outbox[i].id, key2) == 0)
			fail_msg("outbox entry %s still there (status %d)", l->outbox[i].id, (int)l->outbox[i].status);
	kpi__ledger_free(l);
	deliver_in(resp, "state-retry", 0, a, "already delivered: archive (webhook) 2026-W46", 3, NULL, 0);
	/* --resend: the key of the record it replaces */
	{
		char cfg_env[300], state_env[300], got[200];
		const char *env[] = { cfg_env, state_env, "KPI_NOW=2026-11-16T09:00:00Z", NULL };
		const char *argv[] = { "kpi", "deliver", a, "--resend", "archive", NULL };
		json_t *q;
		snprintf(cfg_env, sizeof(cfg_env), "KPI_CONFIG=%s", digest_config());
		snprintf(state_env, sizeof(state_env), "KPI_STATE_DIR=%s/state-retry", tmp);
		run_delivers(resp, argv, env, "sent: archive (webhook) 2026-W46", 4);
		q = last_request(resp, "/packs");
		snprintf(got, sizeof(got), "%s",
		         json_string_value(json_object_get(json_object_get(q, "headers"), "idempotency-key")));
		json_decref(q);
		assert_string_equal(got, key3);
	}
	it_responder_stop(resp);
}

static void cleanup(void)
{
	char cmd[128];
	it_tmp_cleanup();
	if (tmp[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_email_starttls_auth),
		cmocka_unit_test(test_email_reply_codes),
		cmocka_unit_test(test_slack_and_webhook),
		cmocka_unit_test(test_pack_deliver),
		cmocka_unit_test(test_content_digest),
		cmocka_unit_test(test_content_retry),
	};
	char cmd[600];
	const char *argv[] = { "kpi", "render", "--snapshot", FIXTURE, "--out", pack, NULL };
	it_run_result r;

	snprintf(tmp, sizeof(tmp), "/tmp/kpi-it-deliver.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	atexit(cleanup);
	/* a self-signed certificate for 127.0.0.1, trusted through the recipient's ca_file */
	snprintf(cmd, sizeof(cmd),
	         "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/cert.pem -days 2 "
	         "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
	         tmp, tmp);
	if (system(cmd) != 0) {
		fprintf(stderr, "openssl req failed\n");
		return 1;
	}
	snprintf(pack, sizeof(pack), "%s/reports/2026-W46", tmp);
	it_run(&r, argv, NULL, 120);
	if (r.status != 0) {
		fprintf(stderr, "kpi render: %s\n", r.err);
		return 1;
	}
	it_run_free(&r);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
