/*
 * What the alert sinks share: secrets from the environment (added to the
 * set every output of the run is redacted of, core/redact.h), strings and
 * URLs of the config file, the secret-URL state of Slack and webhooks, and
 * JSON over HTTP with the answer judged (retry or not) and quoted without
 * secrets. Each sink is one
 * file of this folder with its operations table (sink.h), registered in
 * registry.h (registry.c dispatches to them).
 */
#include "alert/sinks/sink.h"
#include "net/http.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kpi__notification_dump(const json_t *n)
{
	return json_dumps(n, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

void kpi__sink_wipe(char *secret)
{
	if (secret)
		memset(secret, 0, strlen(secret));
	free(secret);
}

const char *kpi__nstr(const json_t *n, const char *key)
{
	const char *s = json_string_value(json_object_get(n, key));
	return s ? s : "";
}

/* ---- configuration ---- */

static bool env_name_ok(const char *s)
{
	if (!s || !*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(isupper((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* Whether `s` holds a blank followed by '#'. */
static bool blank_hash(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)s[0]) && s[1] == '#')
			return true;
	return false;
}

int kpi__sink_secret_env(char **out, const kpi__sink_parse *p, const char *key, const char *what, kpi_error *err)
{
	json_t *v = json_object_get(p->obj, key);
	const char *name = json_string_value(v), *val;

	if (!v)
		return kpi__jsondoc_error(p->doc, p->obj, err, KPI_ECONFIG,
		                          "sink '%s': missing '%s', the environment variable holding its %s", p->name, key,
		                          what);
	if (!env_name_ok(name))
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
		                          "sink '%s': %s must name an environment variable (A-Z, 0-9, _)", p->name, key);
	val = kpi_config_env(p->st->cfg, name);
	if (!val || !*val)
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
		                          "sink '%s': environment variable %s is not set (its %s comes only from "
		                          "the environment)",
		                          p->name, name, what);
	/* Under systemd's EnvironmentFile= a comment after a value ("KEY=abc
	 * # note") is part of it: the receiver would refuse every page. No
	 * token, key or URL starts or ends with a blank or holds " #"; the value
	 * itself is never shown. */
	if (isspace((unsigned char)val[0]) || isspace((unsigned char)val[strlen(val) - 1]) || blank_hash(val))
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
		                          "sink '%s': environment variable %s holds its %s with blanks around it or a "
		                          "'#' after a blank: an inline '# comment' in an EnvironmentFile such as "
		                          "/etc/default/kpi is part of the value; put comments on lines of their own",
		                          p->name, name, what);
	free(*out);
	if (!(*out = strdup(val)) || kpi__alert_secret_add(p->st, val))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__sink_url_check(const kpi__sink_parse *p, const json_t *v, const char *url, const char *key, kpi_error *err)
{
	const char *host = strstr(url, "://"), *end;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG, "sink '%s' (%s): %s must start with https:// (or http://)",
		                          p->name, p->type, key);
	host += 3;
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)))
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
		                          "sink '%s' (%s): a user:password@ in %s would put a secret in the config file; "
		                          "name the environment variables that hold the credentials",
		                          p->name, p->type, key);
	return 0;
}

int kpi__sink_secret_url_parse(void **state, const kpi__sink_parse *p, kpi_error *err)
{
	kpi__sink_secret_url *u = calloc(1, sizeof(*u));
	int rc;

	if (!(*state = u))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__sink_secret_env(&u->url, p, "url_env", "URL", err)))
		return rc;
	u->var = strdup(json_string_value(json_object_get(p->obj, "url_env")));
	if (!u->var)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (strncmp(u->url, "http://", 7) != 0 && strncmp(u->url, "https://", 8) != 0)
		return kpi__jsondoc_error(p->doc, json_object_get(p->obj, "url_env"), err, KPI_ECONFIG,
		                          "sink '%s': the URL in %s must start with https:// (or http://)", p->name, u->var);
	return 0;
}

void kpi__sink_secret_url_where(char *buf, size_t size, const void *state)
{
	const kpi__sink_secret_url *u = state;
	snprintf(buf, size, "the URL in $%s", u->var);
}

void kpi__sink_secret_url_free(void *state)
{
	kpi__sink_secret_url *u = state;
	if (!u)
		return;
	kpi__sink_wipe(u->url);
	free(u->var);
	free(u);
}

/* ---- JSON over HTTP ---- */

void kpi__sink_answer_snippet(char *out, size_t size, kpi_buf *body, const kpi__alert_settings *st)
{
	size_t n = 0;
	if (kpi__redact_buf(st->redact, body)) {
		snprintf(out, size, "(answer not shown: out of memory)");
		return;
	}
	for (size_t i = 0; body->data && i < body->len && n + 1 < size && n < 200; i++) {
		unsigned char c = (unsigned char)body->data[i];
		out[n++] = c >= 0x20 && c != 0x7f ? (char)c : ' ';
	}
	out[n] = '\0';
	kpi__alert_redact(st, out, size);
}

static void classify_http(kpi__send_result *res, kpi__http_resp *resp, const kpi__sink *s,
                          const kpi__alert_settings *st)
{
	char snip[256], ra[32];

	res->status = resp->status;
	if (resp->status >= 200 && resp->status <= 299) {
		res->outcome = KPI__DELIV_OK;
		snprintf(res->detail, sizeof(res->detail), "HTTP %ld", resp->status);
		return;
	}
	kpi__sink_answer_snippet(snip, sizeof(snip), &resp->body, st);
	res->outcome = kpi__http_retryable(resp->status) ? KPI__DELIV_RETRY : KPI__DELIV_TERMINAL;
	if (kpi__http_header(resp, "retry-after", ra, sizeof(ra))) {
		char *end;
		double v = strtod(ra, &end);
		if (end != ra && v > 0)
			res->retry_after = v;
	}
	snprintf(res->detail, sizeof(res->detail), "sink '%s' (%s): HTTP %ld%s%s%s", s->name, s->type->name,
	         resp->status, snip[0] ? ": " : "", snip, res->outcome == KPI__DELIV_TERMINAL ? " (not retryable)" : "");
}

void kpi__sink_post_json(kpi__send_result *res, const kpi__sink *s, const char *url, const char *const *headers,
                         const json_t *body, long timeout_ms, const kpi__alert_settings *st)
{
	const char *hdrs[8] = { "Content-Type: application/json" };
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char what[160], *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
	size_t nh = 1;

	if (!text) {
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "out of memory");
		return;
	}
	for (const char *const *h = headers; h && *h && nh + 1 < sizeof(hdrs) / sizeof(hdrs[0]); h++)
		hdrs[nh++] = *h;
	snprintf(what, sizeof(what), "sink '%s' (%s)", s->name, s->type->name);
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.body = text;
	req.body_len = strlen(text);
	req.timeout_ms = timeout_ms;
	req.what = what;
	req.max_response = 1 << 20;
	if (kpi__http_do(&resp, &req, &err)) {
		/* unreachable, refused, reset, cut short, timed out: all worth another try */
		res->outcome = KPI__DELIV_RETRY;
		snprintf(res->detail, sizeof(res->detail), "%s", err.message);
		kpi__alert_redact(st, res->detail, sizeof(res->detail));
	} else {
		classify_http(res, &resp, s, st);
	}
	res->seconds = resp.seconds;
	kpi__http_resp_release(&resp);
	/* the body may hold a secret (PagerDuty's routing key) */
	memset(text, 0, strlen(text));
	free(text);
}

/* ---- settings and secrets ---- */

int kpi__alert_get_str(const kpi__jsondoc *doc, const json_t *obj, const char *key, char **out, kpi_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_string(v) || !json_string_length(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "%s must be a non-empty string", key);
	free(*out);
	*out = strdup(json_string_value(v));
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

int kpi__alert_secret_add(kpi__alert_settings *st, const char *s)
{
	return kpi__redact_add(st->redact, s);
}

void kpi__alert_redact(const kpi__alert_settings *st, char *s, size_t size)
{
	kpi__redact_str(st ? st->redact : NULL, s, size);
}
