/*
 * Slack recipient: the Web API's files upload v2, with a bot token (a
 * secret, from the variable "token_env" names) sent as "Authorization:
 * Bearer":
 *
 *   1. POST files.getUploadURLExternal (form: filename, length) for each
 *      file -> {ok, upload_url, file_id};
 *   2. POST the file's bytes to its upload_url;
 *   3. POST files.completeUploadExternal (JSON: files [{id, title}],
 *      channel_id, initial_comment = the summary): the files and the summary
 *      appear in the channel as one message.
 *
 * The files: the pack's chart PNG of the verdict's first reason (or its
 * first chart) and the PDF. Slack answers HTTP 200 with {"ok": false,
 * "error": E} for most errors: "ratelimited" and server-side errors are
 * retried, the rest (invalid_auth, channel_not_found, ...) are permanent.
 * HTTP 429 and 5xx are retried, with Retry-After honoured by the outbox.
 */
#include "deliver/deliver_internal.h"
#include "net/http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = { "token_env", "channel_id", "api_url", NULL };

typedef struct slack_state {
	char *token;     /* secret */
	char *var;
	char *channel;
	char *api;       /* "https://slack.com/api", no trailing slash */
} slack_state;

static void state_free(void *state)
{
	slack_state *s = state;
	if (!s)
		return;
	kpi__sink_wipe(s->token);
	free(s->var);
	free(s->channel);
	free(s->api);
	free(s);
}

static int parse(void **state, const kpi__sink_parse *p, kpi_error *err)
{
	slack_state *s = calloc(1, sizeof(*s));
	json_t *v;
	int rc;

	if (!(*state = s))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__sink_secret_env(&s->token, p, "token_env", "bot token", err)))
		return rc;
	s->var = strdup(json_string_value(json_object_get(p->obj, "token_env")));
	v = json_object_get(p->obj, "channel_id");
	if (!json_is_string(v) || !json_string_length(v))
		return kpi__jsondoc_error(p->doc, v ? v : p->obj, err, KPI_ECONFIG,
		                          "delivery recipient '%s' (slack): channel_id must be the channel's id (C0123456789)",
		                          p->name);
	s->channel = strdup(json_string_value(v));
	v = json_object_get(p->obj, "api_url");
	if (v && (!json_is_string(v) || (rc = kpi__sink_url_check(p, v, json_string_value(v), "api_url", err))))
		return rc ? rc
		          : kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG, "delivery recipient '%s': api_url must be a URL",
		                               p->name);
	s->api = strdup(v ? json_string_value(v) : "https://slack.com/api");
	if (!s->var || !s->channel || !s->api)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t n = strlen(s->api); n && s->api[n - 1] == '/'; n--)
		s->api[n - 1] = '\0';
	return 0;
}

static void where(char *buf, size_t size, const void *state)
{
	const slack_state *s = state;
	snprintf(buf, size, "%s (channel %s, token in $%s)", s->api, s->channel, s->var);
}

bool kpi__slack_error_retryable(const char *e)
{
	static const char *const retry[] = { "ratelimited", "internal_error", "fatal_error", "service_unavailable",
		                             "request_timeout", NULL };
	for (size_t i = 0; e && retry[i]; i++)
		if (strcmp(retry[i], e) == 0)
			return true;
	return false;
}

/* One call; on success *answer is the parsed JSON answer (NULL for the
 * upload, which answers plain text). Returns false after filling res. */
static bool call(kpi__send_result *res, json_t **answer, const kpi__sink *sk, const char *step, const char *url,
                 const char *type, const void *body, size_t len, long timeout_ms, const kpi__alert_settings *st)
{
	const slack_state *s = sk->state;
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char auth[1024], ctype[128], what[200], ra[32], snip[256];
	const char *hdrs[] = { auth, ctype, NULL };
	json_t *a = NULL;
	bool ok = false;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->token);
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", type);
	snprintf(what, sizeof(what), "recipient '%s' (slack): %s", sk->name, step);
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = len;
	req.timeout_ms = timeout_ms;
	req.what = what;
	req.max_response = 1 << 20;
	if (kpi__http_do(&resp, &req, &err)) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "%s", err.message);
		goto done;
	}
	res->status = resp.status;
	if (resp.status < 200 || resp.status > 299) {
		res->outcome = kpi__http_retryable(resp.status) ? KPI__DELIV_RETRY : KPI__DELIV_TERMINAL;
		if (kpi__http_header(&resp, "retry-after", ra, sizeof(ra)) && atof(ra) > 0)
			res->retry_after = atof(ra);
		kpi__sink_answer_snippet(snip, sizeof(snip), &resp.body, st);
		snprintf(res->detail, sizeof(res->detail), "%s: HTTP %ld: %s%s", what, resp.status, snip,
		         res->outcome == KPI__DELIV_TERMINAL ? " (not retryable)" : "");
		goto done;
	}
	if (!answer) {
		ok = true;
		goto done;
	}
	a = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
	if (!json_is_object(a)) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "%s: the answer is not a JSON object", what);
		goto done;
	}
	if (!json_is_true(json_object_get(a, "ok"))) {
		const char *e = json_string_value(json_object_get(a, "error"));
		kpi_buf eb = KPI_BUF_INIT;
		res->outcome = kpi__slack_error_retryable(e) ? KPI__DELIV_RETRY : KPI__DELIV_TERMINAL;
		/* the receiver's words, one line: a newline in them starts none of ours */
		if (kpi_buf_printf(&eb, "%s", e ? e : "not ok"))
			snprintf(snip, sizeof(snip), "(answer not shown: out of memory)");
		else
			kpi__sink_answer_snippet(snip, sizeof(snip), &eb, st);
		kpi_buf_release(&eb);
		snprintf(res->detail, sizeof(res->detail), "%s: Slack says %s%s", what, snip,
		         res->outcome == KPI__DELIV_TERMINAL ? " (not retryable)" : "");
		goto done;
	}
	*answer = a;
	a = NULL;
	ok = true;
done:
	kpi__alert_redact(st, res->detail, sizeof(res->detail));
	res->seconds += resp.seconds;
	kpi__http_resp_release(&resp);
	json_decref(a);
	return ok;
}

/* Steps 1 and 2 for one file: its Slack file id into ids. */
static bool upload(kpi__send_result *res, json_t *ids, const kpi__sink *sk, const char *path, const char *title,
                   long timeout_ms, const kpi__alert_settings *st)
{
	const slack_state *s = sk->state;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *data = NULL, url[600];
	size_t len = 0;
	kpi_buf form = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	json_t *a = NULL;
	const char *up, *id;
	bool ok = false;

	if (kpi__read_file_max(&data, &len, path, (size_t)1 << 30, &err)) {
		res->outcome = KPI__DELIV_TERMINAL;
		snprintf(res->detail, sizeof(res->detail), "recipient '%s' (slack): %s", sk->name, err.message);
		return false;
	}
	/* the pack's file names are [A-Za-z0-9._-]: nothing to encode */
	kpi_buf_printf(&form, "filename=%s&length=%zu", base, len);
	snprintf(url, sizeof(url), "%s/files.getUploadURLExternal", s->api);
	if (!form.data || !call(res, &a, sk, "files.getUploadURLExternal", url, "application/x-www-form-urlencoded",
	                        form.data, form.len, timeout_ms, st))
		goto done;
	up = json_string_value(json_object_get(a, "upload_url"));
	id = json_string_value(json_object_get(a, "file_id"));
	if (!up || !id || (strncmp(up, "https://", 8) != 0 && strncmp(up, "http://", 7) != 0)) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail),
		         "recipient '%s' (slack): files.getUploadURLExternal gave no upload_url or file_id", sk->name);
		goto done;
	}
	if (!call(res, NULL, sk, "upload", up, "application/octet-stream", data, len, timeout_ms, st))
		goto done;
	ok = json_array_append_new(ids, json_pack("{s:s, s:s}", "id", id, "title", title)) == 0;
done:
	json_decref(a);
	kpi_buf_release(&form);
	free(data);
	return ok;
}

static void deliver(kpi__send_result *res, const kpi__sink *sk, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	const slack_state *s = sk->state;
	const json_t *files = json_object_get(n, "files");
	const char *png = json_string_value(json_object_get(files, "png"));
	const char *pdf = json_string_value(json_object_get(files, "pdf"));
	json_t *ids = json_array(), *body = NULL, *a = NULL;
	char url[600], *text = NULL;

	(void)idem; /* the Web API has no idempotency key */
	if (!ids || (png && !upload(res, ids, sk, png, kpi__nstr(n, "subject"), timeout_ms, st)) ||
	    (pdf && !upload(res, ids, sk, pdf, kpi__nstr(n, "subject"), timeout_ms, st)))
		goto done;
	body = json_pack("{s:O, s:s, s:s}", "files", ids, "channel_id", s->channel, "initial_comment",
	                 kpi__nstr(n, "text"));
	text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	snprintf(url, sizeof(url), "%s/files.completeUploadExternal", s->api);
	if (!text) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		goto done;
	}
	if (call(res, &a, sk, "files.completeUploadExternal", url, "application/json; charset=utf-8", text,
	         strlen(text), timeout_ms, st)) {
		res->outcome = KPI__DELIV_OK;
		snprintf(res->detail, sizeof(res->detail), "%zu files to channel %s", json_array_size(ids), s->channel);
	}
done:
	free(text);
	json_decref(a);
	json_decref(body);
	json_decref(ids);
}

const kpi__sink_type kpi__recipient_slack = {
	.name = "slack",
	.keys = keys,
	.parse = parse,
	.send = deliver,
	.where = where,
	.free = state_free,
};
