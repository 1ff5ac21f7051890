/* AWS credentials, region, endpoint and signed calls with retries (aws.h). */
#include "net/aws.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const kpi__aws_service kpi__aws_cloudwatch = { "monitoring", "CLOUDWATCH", "monitoring", "CloudWatch" };
const kpi__aws_service kpi__aws_sns = { "sns", "SNS", "sns", "SNS" };

static const char *env(const kpi_config *cfg, const char *name)
{
	const char *v = kpi_config_env(cfg, name);
	return v && *v ? v : NULL;
}

/* ---- INI files (~/.aws/credentials, ~/.aws/config) ---- */

static void trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* Compare a section header's inside with `want`, collapsing runs of blanks
 * ("[profile   x]" is profile x, as botocore reads it). */
static bool section_is(const char *b, const char *e, const char *want)
{
	trim(&b, &e);
	while (b < e && *want) {
		if (isspace((unsigned char)*b)) {
			if (*want != ' ')
				return false;
			while (b < e && isspace((unsigned char)*b))
				b++;
			want++;
			continue;
		}
		if (*b++ != *want++)
			return false;
	}
	return b == e && !*want;
}

int kpi__aws_ini_get(char **out, bool *found_section, const char *text, const char *section,
                     const char *key)
{
	const char *p = text;
	bool in = false, sub = false; /* sub: inside "key =" followed by indented lines */
	size_t klen = strlen(key);
	const char *vb = NULL, *ve = NULL;

	*out = NULL;
	if (found_section)
		*found_section = false;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		const char *b = p, *e = eol ? eol : p + strlen(p);
		bool indented = b < e && (*b == ' ' || *b == '\t');
		p = eol ? eol + 1 : NULL;
		trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[' && !indented) {
			const char *close = memchr(b, ']', (size_t)(e - b));
			in = close && section_is(b + 1, close, section);
			sub = false;
			if (in && found_section)
				*found_section = true;
			continue;
		}
		if (!in || (indented && sub))
			continue;
		{
			const char *eq = memchr(b, '=', (size_t)(e - b));
			const char *kb = b, *ke, *v, *vend = e;
			if (!eq)
				continue;
			ke = eq;
			trim(&kb, &ke);
			v = eq + 1;
			trim(&v, &vend);
			if (!indented)
				sub = v == vend;
			if ((size_t)(ke - kb) != klen || strncasecmp(kb, key, klen) != 0)
				continue;
			vb = v;
			ve = vend;
		}
	}
	if (!vb)
		return KPI_ENOTFOUND;
	*out = strndup(vb, (size_t)(ve - vb));
	return *out ? 0 : KPI_ENOMEM;
}

/* A file path from the environment or the default under $HOME, with a
 * leading "~/" expanded like the AWS CLI does. */
static char *aws_file(const kpi_config *cfg, const char *envname, const char *dflt)
{
	const char *v = env(cfg, envname), *home = env(cfg, "HOME");
	char *p;
	if (!v)
		v = dflt;
	if (v[0] == '~' && v[1] == '/') {
		if (!home)
			return strdup(v);
		if (!(p = malloc(strlen(home) + strlen(v))))
			return NULL;
		sprintf(p, "%s%s", home, v + 1);
		return p;
	}
	return strdup(v);
}

/* A file's text, or NULL when it does not exist (other errors too: the
 * caller then reports that no credentials were found there). */
static char *slurp(const char *path)
{
	char *text = NULL;
	if (!path || kpi__read_file_max(&text, NULL, path, KPI__MAX_CONFIG_BYTES, NULL))
		return NULL;
	return text;
}

/* What the profile configures instead of static keys, for a helpful error. */
static const char *unsupported_method(const char *text, const char *section)
{
	static const char *const keys[] = { "role_arn", "credential_process", "sso_session", "sso_start_url",
		                            "web_identity_token_file", NULL };
	for (const char *const *k = keys; *k; k++) {
		char *v = NULL;
		if (kpi__aws_ini_get(&v, NULL, text, section, *k) == 0) {
			free(v);
			return *k;
		}
	}
	return NULL;
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	for (volatile char *p = s; *p; p++)
		*p = 0;
	free(s);
}

void kpi__aws_release(kpi__aws *a)
{
	if (!a)
		return;
	wipe_free(a->access_key);
	wipe_free(a->secret_key);
	wipe_free(a->session_token);
	free(a->region);
	free(a->endpoint);
	free(a->profile);
	memset(a, 0, sizeof(*a));
}

/* Credentials from a profile section of one file; 0 when found, KPI_ENOTFOUND
 * when the section has no keys, KPI_EAUTH when only half of them. */
static int keys_from(kpi__aws *a, const char *text, const char *section, const char *desc, kpi_error *err)
{
	char *id = NULL, *secret = NULL, *token = NULL;
	int rc;

	kpi__aws_ini_get(&id, NULL, text, section, "aws_access_key_id");
	kpi__aws_ini_get(&secret, NULL, text, section, "aws_secret_access_key");
	kpi__aws_ini_get(&token, NULL, text, section, "aws_session_token");
	if (id && *id && secret && *secret) {
		a->access_key = id;
		a->secret_key = secret;
		a->session_token = token && *token ? token : NULL;
		if (!a->session_token)
			free(token);
		snprintf(a->source, sizeof(a->source), "%s", desc);
		return 0;
	}
	if ((id && *id) || (secret && *secret))
		rc = kpi_error_set(err, KPI_EAUTH, "AWS credentials of %s are incomplete: %s is missing", desc,
		                   id && *id ? "aws_secret_access_key" : "aws_access_key_id");
	else
		rc = KPI_ENOTFOUND;
	wipe_free(id);
	wipe_free(secret);
	wipe_free(token);
	return rc;
}

static int resolve_credentials(kpi__aws *a, const kpi_config *cfg, const char *cred_path, const char *cred_text,
                               const char *conf_path, const char *conf_text, const char *conf_section,
                               kpi_error *err)
{
	const char *id = env(cfg, "AWS_ACCESS_KEY_ID"), *secret = env(cfg, "AWS_SECRET_ACCESS_KEY");
	const char *token = env(cfg, "AWS_SESSION_TOKEN");
	char desc[400];
	int rc;

	if (id || secret) {
		if (!id || !secret)
			return kpi_error_set(err, KPI_EAUTH,
			                     "AWS credentials from the environment are incomplete: %s is set but %s is not",
			                     id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			                     id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		a->access_key = strdup(id);
		a->secret_key = strdup(secret);
		a->session_token = token ? strdup(token) : NULL;
		snprintf(a->source, sizeof(a->source), "the environment (AWS_ACCESS_KEY_ID%s)",
		         token ? ", AWS_SESSION_TOKEN" : "");
		return a->access_key && a->secret_key && (!token || a->session_token)
		               ? 0
		               : kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if (cred_text) {
		snprintf(desc, sizeof(desc), "profile '%s' in %s", a->profile, cred_path);
		if ((rc = keys_from(a, cred_text, a->profile, desc, err)) != KPI_ENOTFOUND)
			return rc;
	}
	if (conf_text) {
		snprintf(desc, sizeof(desc), "profile '%s' in %s", a->profile, conf_path);
		if ((rc = keys_from(a, conf_text, conf_section, desc, err)) != KPI_ENOTFOUND)
			return rc;
		{
			const char *m = unsupported_method(conf_text, conf_section);
			if (m)
				return kpi_error_set(err, KPI_EAUTH,
				                     "profile '%s' in %s uses %s, which kpi does not support: give it "
				                     "static keys or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
				                     "(e.g. from 'aws configure export-credentials')",
				                     a->profile, conf_path, m);
		}
	}
	return kpi_error_set(err, KPI_EAUTH,
	                     "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and "
	                     "profile '%s' has no aws_access_key_id in %s%s or %s%s",
	                     a->profile, cred_path, cred_text ? "" : " (no such file)", conf_path,
	                     conf_text ? "" : " (no such file)");
}

/* The profile's region: the config file first, then the credentials file. */
static char *profile_region(char *src, size_t ssize, const kpi__aws *a, const char *cred_path,
                            const char *cred_text, const char *conf_path, const char *conf_text,
                            const char *conf_section)
{
	char *r = NULL;
	if (conf_text && kpi__aws_ini_get(&r, NULL, conf_text, conf_section, "region") == 0 && *r) {
		snprintf(src, ssize, "profile '%s' in %s", a->profile, conf_path);
		return r;
	}
	free(r);
	r = NULL;
	if (cred_text && kpi__aws_ini_get(&r, NULL, cred_text, a->profile, "region") == 0 && *r) {
		snprintf(src, ssize, "profile '%s' in %s", a->profile, cred_path);
		return r;
	}
	free(r);
	return NULL;
}

static int resolve_region(kpi__aws *a, const kpi_config *cfg, const char *cred_path, const char *cred_text, const char *conf_path,
                          const char *conf_text, const char *conf_section, const char *fallback,
                          kpi_error *err)
{
	const char *v;

	if ((v = env(cfg, "AWS_REGION")) || (v = env(cfg, "AWS_DEFAULT_REGION"))) {
		snprintf(a->region_source, sizeof(a->region_source), "%s",
		         env(cfg, "AWS_REGION") ? "AWS_REGION" : "AWS_DEFAULT_REGION");
		a->region = strdup(v);
	} else if ((a->region = profile_region(a->region_source, sizeof(a->region_source), a, cred_path,
	                                       cred_text, conf_path, conf_text, conf_section))) {
		/* found in a profile */
	} else if (fallback && *fallback) {
		snprintf(a->region_source, sizeof(a->region_source), "the kpi config");
		a->region = strdup(fallback);
	} else {
		return kpi_error_set(err, KPI_ECONFIG,
		                     "%s: no AWS region: set AWS_REGION, or region in profile '%s' of %s",
		                     a->service->display, a->profile, conf_path);
	}
	if (!a->region)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (const char *p = a->region; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-'))
			return kpi_error_set(err, KPI_ECONFIG, "AWS region '%s' (from %s) is not a region name",
			                     a->region, a->region_source);
	return 0;
}

static int resolve_endpoint(kpi__aws *a, const kpi_config *cfg, kpi_error *err)
{
	char name[64];
	const char *v, *src;
	size_t n;

	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", a->service->endpoint_id);
	if ((v = env(cfg, name))) {
		src = name;
	} else if ((v = env(cfg, "AWS_ENDPOINT_URL"))) {
		src = "AWS_ENDPOINT_URL";
	} else {
		char url[256];
		snprintf(url, sizeof(url), "https://%s.%s.amazonaws.com", a->service->host_prefix, a->region);
		a->endpoint = strdup(url);
		return a->endpoint ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return kpi_error_set(err, KPI_ECONFIG, "%s must be an http:// or https:// URL", src);
	if (strchr(v, '@') || strchr(v, '?'))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "%s must not hold user information or a query string", src);
	if (!(a->endpoint = strdup(v)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	n = strlen(a->endpoint);
	while (n > 0 && a->endpoint[n - 1] == '/')
		a->endpoint[--n] = '\0';
	return 0;
}

int kpi__aws_resolve(kpi__aws *out, const kpi_config *cfg, const kpi__aws_service *svc, const char *fallback_region,
                     kpi_error *err)
{
	char *cred_path = NULL, *conf_path = NULL, *cred_text = NULL, *conf_text = NULL;
	char section[300];
	const char *prof = env(cfg, "AWS_PROFILE");
	int rc;

	memset(out, 0, sizeof(*out));
	out->service = svc;
	out->profile = strdup(prof ? prof : "default");
	cred_path = aws_file(cfg, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
	conf_path = aws_file(cfg, "AWS_CONFIG_FILE", "~/.aws/config");
	if (!out->profile || !cred_path || !conf_path) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* In the config file a profile is [profile NAME]; the default one may
	 * also be plain [default]. */
	if (strcmp(out->profile, "default") == 0)
		snprintf(section, sizeof(section), "default");
	else
		snprintf(section, sizeof(section), "profile %s", out->profile);
	cred_text = slurp(cred_path);
	conf_text = slurp(conf_path);
	if ((rc = resolve_credentials(out, cfg, cred_path, cred_text, conf_path, conf_text, section, err)))
		goto done;
	if ((rc = resolve_region(out, cfg, cred_path, cred_text, conf_path, conf_text, section, fallback_region, err)))
		goto done;
	if ((rc = resolve_endpoint(out, cfg, err)))
		goto done;
	snprintf(out->sigv4, sizeof(out->sigv4), "aws:amz:%s:%s", out->region, svc->signing_name);
	snprintf(out->where, sizeof(out->where), "%s %s", out->region, out->endpoint);
done:
	if (rc)
		kpi__aws_release(out);
	free(cred_path);
	free(conf_path);
	wipe_free(cred_text);
	wipe_free(conf_text);
	return rc;
}

/* ---- errors ---- */

static void copy_between(char *dst, size_t size, const char *text, const char *open, const char *close)
{
	const char *b = text ? strstr(text, open) : NULL, *e;
	if (!b || size == 0)
		return;
	b += strlen(open);
	if (!(e = strstr(b, close)))
		return;
	snprintf(dst, size, "%.*s", (int)(e - b), b);
}

void kpi__aws_error_parse(const kpi__http_resp *resp, char *code, size_t csize, char *msg, size_t msize)
{
	char h[256];
	const char *body = resp->body.data ? resp->body.data : "";
	json_t *doc = NULL;

	code[0] = '\0';
	msg[0] = '\0';
	if (kpi__http_header(resp, "x-amzn-query-error", h, sizeof(h))) {
		char *semi = strchr(h, ';');
		if (semi)
			*semi = '\0';
		snprintf(code, csize, "%s", h);
	}
	if (body[0] == '{' && (doc = json_loads(body, 0, NULL)) && json_is_object(doc)) {
		const char *t = json_string_value(json_object_get(doc, "__type"));
		const char *m = json_string_value(json_object_get(doc, "message"));
		if (!m)
			m = json_string_value(json_object_get(doc, "Message"));
		if (t && !code[0]) {
			const char *hash = strrchr(t, '#');
			snprintf(code, csize, "%s", hash ? hash + 1 : t);
		}
		if (m)
			snprintf(msg, msize, "%s", m);
	} else if (body[0] == '<') {
		if (!code[0])
			copy_between(code, csize, body, "<Code>", "</Code>");
		copy_between(msg, msize, body, "<Message>", "</Message>");
	}
	json_decref(doc);
	/* One line, printable: messages end up in a one-line error. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	for (char *p = code; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == ':'))
			*p = '?';
}

static bool code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(code, *list) == 0)
			return true;
	return false;
}

bool kpi__aws_code_retryable(const char *code)
{
	static const char *const codes[] = { "Throttling", "ThrottlingException", "ThrottledException",
		                             "RequestThrottled", "RequestThrottledException",
		                             "TooManyRequestsException", "RequestLimitExceeded",
		                             "ProvisionedThroughputExceededException", "SlowDown",
		                             "ServiceUnavailable", "ServiceUnavailableException",
		                             "InternalFailure", "InternalServiceError", "InternalError",
		                             "RequestTimeout", "RequestTimeoutException", NULL };
	return code && code_in(code, codes);
}

bool kpi__aws_code_auth(const char *code)
{
	static const char *const codes[] = { "UnrecognizedClientException", "InvalidClientTokenId",
		                             "ExpiredToken", "ExpiredTokenException", "RequestExpired",
		                             "SignatureDoesNotMatch", "IncompleteSignature",
		                             "InvalidSignatureException", "MissingAuthenticationToken",
		                             "MissingAuthenticationTokenException", "AccessDenied",
		                             "AccessDeniedException", "AuthFailure", "InvalidAccessKeyId",
		                             "NotAuthorized", NULL };
	return code && code_in(code, codes);
}

/* ---- the call ---- */

int kpi__aws_call(kpi__http_resp *resp, const kpi__aws *aws, const char *content_type, const char *target,
                  const void *body, size_t len, const char *what, const kpi__aws_retry *retry,
                  kpi__aws_stats *stats, kpi_error *err)
{
	kpi__aws_retry dflt = KPI__AWS_RETRY_INIT;
	const kpi__aws_retry *r = retry ? retry : &dflt;
	char ct[128], tg[160], *tok = NULL, url[600];
	const char *headers[5];
	double start = kpi__mono_now(), deadline = start + (r->deadline_s > 0 ? r->deadline_s : 60.0);
	int nh = 0, attempt = 0, rc = 0;
	kpi_error last = KPI_ERROR_INIT;

	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	headers[nh++] = ct;
	if (target) {
		snprintf(tg, sizeof(tg), "X-Amz-Target: %s", target);
		headers[nh++] = tg;
	}
	if (aws->session_token) {
		size_t n = strlen(aws->session_token) + 32;
		if (!(tok = malloc(n)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		snprintf(tok, n, "x-amz-security-token: %s", aws->session_token);
		headers[nh++] = tok;
	}
	headers[nh] = NULL;
	snprintf(url, sizeof(url), "%s/", aws->endpoint);
	for (;;) {
		kpi__http_req req = { 0 };
		double now = kpi__mono_now(), left = deadline - now, wait;
		char code[128], msg[400];
		long tmo = r->timeout_ms > 0 ? r->timeout_ms : 30000;
		bool again = false;

		if ((double)tmo / 1000.0 > left)
			tmo = (long)(left * 1000.0) > 100 ? (long)(left * 1000.0) : 100;
		req.method = "POST";
		req.url = url;
		req.headers = headers;
		req.body = body;
		req.body_len = len;
		req.timeout_ms = tmo;
		req.what = what;
		req.sigv4 = aws->sigv4;
		req.aws_access_key = aws->access_key;
		req.aws_secret_key = aws->secret_key;
		kpi_error_clear(&last);
		if (stats) {
			stats->requests++;
			if (attempt > 0)
				stats->retries++;
		}
		rc = kpi__http_do(resp, &req, &last);
		if (rc == KPI_ENOMEM) {
			*err = last;
			goto done;
		}
		if (rc) {
			again = true; /* refused, reset, cut short, attempt timed out */
		} else if (resp->status >= 200 && resp->status <= 299) {
			goto done;
		} else {
			kpi__aws_error_parse(resp, code, sizeof(code), msg, sizeof(msg));
			if (resp->status == 403 || kpi__aws_code_auth(code)) {
				rc = kpi_error_set(err, KPI_EAUTH,
				                   "%s (%s): authentication failed: HTTP %ld%s%s%s%s (credentials from %s)",
				                   what, aws->where, resp->status, code[0] ? " " : "", code,
				                   msg[0] ? ": " : "", msg, aws->source);
				goto done;
			}
			rc = kpi_error_set(&last, KPI_ESOURCE, "%s (%s): HTTP %ld%s%s%s%s", what, aws->where,
			                   resp->status, code[0] ? " " : "", code, msg[0] ? ": " : "", msg);
			again = kpi__http_retryable(resp->status) || kpi__aws_code_retryable(code);
			if (!again) {
				*err = last;
				goto done;
			}
		}
		wait = kpi_backoff_delay(r->base_s > 0 ? r->base_s : 0.5, r->max_s > 0 ? r->max_s : 10.0, attempt,
		                         kpi_random_unit());
		now = kpi__mono_now();
		if (now + wait >= deadline) {
			rc = kpi_error_set(err, KPI_ETIMEOUT, "%s: gave up after %d attempts in %.1f s (deadline %.0f s): %s",
			                   what, attempt + 1, now - start, r->deadline_s, last.message);
			goto done;
		}
		kpi_log_msg(KPI_LOG_WARN, "aws.retry", "%s: %s; retry %d in %.2f s", what, last.message, attempt + 1,
		            wait);
		kpi__sleep(wait);
		attempt++;
	}
done:
	if (stats)
		stats->seconds += kpi__mono_now() - start;
	wipe_free(tok);
	return rc;
}
