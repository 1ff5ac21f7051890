/* Keys, secrets, expiry timestamps, JSON answers and retried requests of the
 * AWS credential sources (aws_keys.h). */
#include "net/aws_keys.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kpi__aws_wipe_free(char *s)
{
	if (!s)
		return;
	for (volatile char *p = s; *p; p++)
		*p = 0;
	free(s);
}

void kpi__aws_keys_release(kpi__aws_keys *k)
{
	if (!k)
		return;
	kpi__aws_wipe_free(k->access_key);
	kpi__aws_wipe_free(k->secret_key);
	kpi__aws_wipe_free(k->session_token);
	memset(k, 0, sizeof(*k));
}

int kpi__aws_keys_copy(kpi__aws_keys *out, const kpi__aws_keys *k, kpi_error *err)
{
	memset(out, 0, sizeof(*out));
	out->access_key = kpi__strdup(k->access_key);
	out->secret_key = kpi__strdup(k->secret_key);
	out->session_token = kpi__strdup(k->session_token);
	out->expires = k->expires;
	out->received = k->received;
	if ((k->access_key && !out->access_key) || (k->secret_key && !out->secret_key) ||
	    (k->session_token && !out->session_token)) {
		kpi__aws_keys_release(out);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

int kpi__aws_secrets_add(kpi__aws_secrets *s, const char *secret)
{
	if (!secret || !*secret)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], secret) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		char **p = realloc(s->v, nc * sizeof(*p));
		if (!p)
			return KPI_ENOMEM;
		s->v = p;
		s->cap = nc;
	}
	if (!(s->v[s->n] = strdup(secret)))
		return KPI_ENOMEM;
	s->n++;
	return s->fn ? s->fn(s->ud, secret) : 0;
}

int kpi__aws_secrets_add_keys(kpi__aws_secrets *s, const kpi__aws_keys *k)
{
	/* the access key id too: not a secret to AWS, but a credential the
	 * redaction keeps out of outputs (docs/configuration.md) */
	int rc = kpi__aws_secrets_add(s, k->access_key);
	if (!rc)
		rc = kpi__aws_secrets_add(s, k->secret_key);
	return rc ? rc : kpi__aws_secrets_add(s, k->session_token);
}

void kpi__aws_secrets_release(kpi__aws_secrets *s)
{
	for (size_t i = 0; i < s->n; i++)
		kpi__aws_wipe_free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int kpi__aws_expiry_parse(int64_t *out, const char *text, const char *what, kpi_error *err)
{
	char buf[64];
	size_t n = text ? strlen(text) : 0;

	/* old AWS CLI caches write "2026-11-16T08:00:00UTC" */
	if (n > 3 && n < sizeof(buf) && strcmp(text + n - 3, "UTC") == 0) {
		snprintf(buf, sizeof(buf), "%.*sZ", (int)(n - 3), text);
		text = buf;
		n = strlen(buf);
	}
	/* a zone is required: a local time would be a guess */
	if (n < 20 || !(text[n - 1] == 'Z' || text[n - 1] == 'z' || text[n - 6] == '+' || text[n - 6] == '-') ||
	    kpi_time_parse(out, text, NULL))
		return kpi_error_set(err, KPI_EDATA, "%s: the expiration is not an ISO 8601 time with a zone", what);
	return 0;
}

static int field(char **out, const json_t *o, const char *name, bool required, const char *what, kpi_error *err)
{
	const json_t *v = json_object_get(o, name);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return kpi_error_set(err, KPI_EDATA, "%s has no %s", what, name);
		return 0;
	}
	if (!json_is_string(v) || !json_string_length(v))
		return kpi_error_set(err, KPI_EDATA, "%s: %s is not a non-empty string", what, name);
	if (strlen(json_string_value(v)) != json_string_length(v) || strpbrk(json_string_value(v), "\r\n"))
		return kpi_error_set(err, KPI_EDATA, "%s: %s holds a line break or NUL", what, name);
	if (!(*out = strdup(json_string_value(v))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__aws_keys_from_json(kpi__aws_keys *out, const json_t *o, const kpi__aws_json_names *names, int64_t now,
                            const char *what, kpi_error *err)
{
	char *exp = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o))
		return kpi_error_set(err, KPI_EDATA, "%s is not a JSON object", what);
	if ((rc = field(&out->access_key, o, names->access_key, true, what, err)) ||
	    (rc = field(&out->secret_key, o, names->secret_key, true, what, err)) ||
	    (rc = field(&out->session_token, o, names->token, names->token_required, what, err)))
		goto done;
	if (names->expiration) {
		if ((rc = field(&exp, o, names->expiration, names->expiration_required, what, err)))
			goto done;
		if (exp && (rc = kpi__aws_expiry_parse(&out->expires, exp, what, err)))
			goto done;
	}
	out->received = now;
done:
	free(exp);
	if (rc)
		kpi__aws_keys_release(out);
	return rc;
}

int kpi__aws_keys_check_fresh(const kpi__aws_keys *k, int64_t now, const char *what, kpi_error *err)
{
	char t[32];
	if (k->expires && k->expires <= now)
		return kpi_error_set(err, KPI_EDATA, "%s: the credentials expired already (at %s; is the clock right?)",
		                     what, kpi_time_format(t, sizeof(t), k->expires));
	return 0;
}

int kpi__aws_http_retry(kpi__http_resp *resp, const kpi__http_req *req, int attempts, kpi__aws_again_fn again,
                        kpi_error *err)
{
	int rc = 0;
	for (int i = 0; i < (attempts > 0 ? attempts : 1); i++) {
		if (i > 0)
			kpi__sleep(kpi_backoff_delay(0.5, 4.0, i - 1, kpi_random_unit()));
		rc = kpi__http_do(resp, req, err);
		if (rc == KPI_ENOMEM)
			return rc;
		if (rc == 0 && !kpi__http_retryable(resp->status) && !(again && again(resp)))
			return 0;
	}
	return rc;
}

void kpi__aws_json_error(const char *body, char *code, size_t csize, char *msg, size_t msize)
{
	json_t *doc = body && body[0] == '{' ? json_loads(body, 0, NULL) : NULL;
	const char *c = NULL, *m = NULL;
	static const char *const codes[] = { "code", "Code", "__type", NULL }, *const msgs[] = { "message", "Message",
		                                                                           NULL };

	code[0] = msg[0] = '\0';
	for (const char *const *k = codes; doc && !c && *k; k++)
		c = json_string_value(json_object_get(doc, *k));
	for (const char *const *k = msgs; doc && !m && *k; k++)
		m = json_string_value(json_object_get(doc, *k));
	if (c)
		snprintf(code, csize, "%s", strrchr(c, '#') ? strrchr(c, '#') + 1 : c);
	if (m)
		snprintf(msg, msize, "%s", m);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	for (char *p = code; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	json_decref(doc);
}

int kpi__aws_get_json(json_t **doc, long *status, const kpi__http_req *req, const char *what, kpi_error *err)
{
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	int rc;

	*doc = NULL;
	*status = 0;
	if ((rc = kpi__aws_http_retry(&resp, req, 3, NULL, err)))
		goto done;
	*status = resp.status;
	if (resp.status != 200) {
		char code[128], msg[300];
		kpi__aws_json_error(resp.body.data, code, sizeof(code), msg, sizeof(msg));
		rc = kpi_error_set(err, resp.status >= 500 ? KPI_ESOURCE : KPI_EAUTH, "%s: HTTP %ld%s%s%s%s", what,
		                   resp.status, code[0] ? " " : "", code, msg[0] ? ": " : "", msg);
	} else if (!(*doc = json_loads(resp.body.data ? resp.body.data : "", 0, NULL))) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed answer of %s: not JSON", what);
	}
done:
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	kpi__http_resp_release(&resp);
	return rc;
}
