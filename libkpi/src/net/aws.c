/* AWS credentials, region, endpoint and signed calls with retries (aws.h).
 * The credential chain is net/aws_creds.h, the shared files
 * net/aws_config.h. */
#include "net/aws.h"
#include "net/aws_creds.h"
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
	return kpi__aws_env(cfg, name);
}

void kpi__aws_release(kpi__aws *a)
{
	if (!a)
		return;
	kpi__aws_wipe_free(a->access_key);
	kpi__aws_wipe_free(a->secret_key);
	kpi__aws_wipe_free(a->session_token);
	kpi__aws_creds_free(a->creds);
	free(a->region);
	free(a->endpoint);
	free(a->profile);
	kpi__redact_unref(a->redact);
	memset(a, 0, sizeof(*a));
}

int kpi__aws_on_secret(kpi__aws *a, kpi__aws_secret_fn fn, void *ud)
{
	return a->creds ? kpi__aws_creds_on_secret(a->creds, fn, ud) : 0;
}

/* kpi__aws_secret_fn into the run's redaction set */
static int redact_secret(void *ud, const char *secret)
{
	return kpi__redact_add(ud, secret);
}

/* The profile's region: the config file first, then the credentials file. */
static char *profile_region(char *src, size_t ssize, const kpi__aws_files *f)
{
	char section[300], *r = NULL;
	kpi__aws_profile_section(section, sizeof(section), f->profile);
	if (f->conf_text && kpi__aws_ini_get(&r, NULL, f->conf_text, section, "region") == 0 && *r) {
		snprintf(src, ssize, "profile '%s' in %s", f->profile, f->conf_path);
		return r;
	}
	free(r);
	r = NULL;
	if (f->cred_text && kpi__aws_ini_get(&r, NULL, f->cred_text, f->profile, "region") == 0 && *r) {
		snprintf(src, ssize, "profile '%s' in %s", f->profile, f->cred_path);
		return r;
	}
	free(r);
	return NULL;
}

static int resolve_region(kpi__aws *a, const kpi_config *cfg, const kpi__aws_files *f, kpi__aws_imds *imds,
                          const char *fallback, kpi__aws_secrets *secrets, kpi_error *err)
{
	kpi_error e = KPI_ERROR_INIT;
	const char *v;
	int rc = 0;

	if ((v = env(cfg, "AWS_REGION")) || (v = env(cfg, "AWS_DEFAULT_REGION"))) {
		snprintf(a->region_source, sizeof(a->region_source), "%s",
		         env(cfg, "AWS_REGION") ? "AWS_REGION" : "AWS_DEFAULT_REGION");
		a->region = strdup(v);
	} else if ((a->region = profile_region(a->region_source, sizeof(a->region_source), f))) {
		/* found in a profile */
	} else if (fallback && *fallback) {
		snprintf(a->region_source, sizeof(a->region_source), "the kpi config");
		a->region = strdup(fallback);
	} else if (imds->disabled || (rc = kpi__aws_imds_region(&a->region, imds, secrets, &e)) == KPI_ENOTFOUND) {
		return kpi_error_set(err, KPI_ECONFIG,
		                     "%s: no AWS region: set AWS_REGION, or region in profile '%s' of %s (%s)",
		                     a->service->display, a->profile, f->conf_path,
		                     imds->disabled ? "EC2 instance metadata is disabled" : e.message);
	} else if (rc) {
		*err = e;
		return kpi_error_wrap(err, "%s: the AWS region", a->service->display);
	} else {
		snprintf(a->region_source, sizeof(a->region_source), "EC2 instance metadata");
	}
	if (!a->region)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (const char *p = a->region; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-'))
			return kpi_error_set(err, KPI_ECONFIG, "AWS region '%s' (from %s) is not a region name",
			                     a->region, a->region_source);
	return 0;
}

static int resolve_endpoint(kpi__aws *a, const kpi_config *cfg, const kpi__aws_files *f, kpi_error *err)
{
	char src[400], url[256];
	int rc = kpi__aws_endpoint_configured(&a->endpoint, src, sizeof(src), cfg, f, a->service->endpoint_id, err);
	if (rc || a->endpoint)
		return rc;
	snprintf(url, sizeof(url), "https://%s.%s.amazonaws.com", a->service->host_prefix, a->region);
	a->endpoint = strdup(url);
	return a->endpoint ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

int kpi__aws_resolve(kpi__aws *out, const kpi_config *cfg, const kpi__aws_service *svc, const char *fallback_region,
                     kpi_error *err)
{
	kpi__aws_files f;
	kpi__aws_imds imds;
	kpi__aws_keys first = { 0 };
	kpi__aws_secrets region_secrets = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	out->service = svc;
	if ((rc = kpi__aws_files_load(&f, cfg, err)))
		return rc;
	if (!(out->profile = strdup(f.profile))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* the region first: STS calls of the chain are made in it */
	if ((rc = kpi__aws_imds_settings(&imds, cfg, &f, err)) ||
	    (rc = resolve_region(out, cfg, &f, &imds, fallback_region, &region_secrets, err)) ||
	    (rc = resolve_endpoint(out, cfg, &f, err)) ||
	    (rc = kpi__aws_chain(&out->creds, cfg, &f, out->region, &imds, err)))
		goto done;
	for (size_t i = 0; i < region_secrets.n && !rc; i++)
		rc = kpi__aws_secrets_add(&out->creds->secrets, region_secrets.v[i]);
	if (rc || (rc = kpi__aws_creds_current(&first, out->creds, err))) {
		rc = rc == KPI_ENOMEM ? kpi_error_set(err, rc, "out of memory") : rc;
		goto done;
	}
	/* the credentials as resolved: kpi__aws_call() asks the cache again at
	 * every attempt */
	out->access_key = first.access_key;
	out->secret_key = first.secret_key;
	out->session_token = first.session_token;
	memset(&first, 0, sizeof(first));
	kpi__aws_creds_describe(out->source, sizeof(out->source), out->creds);
	snprintf(out->sigv4, sizeof(out->sigv4), "aws:amz:%s:%s", out->region, svc->signing_name);
	snprintf(out->where, sizeof(out->where), "%s %s", out->region, out->endpoint);
	out->redact = kpi__redact_ref(kpi__config_redact(cfg)); /* held: may outlive cfg */
	/* every secret of the chain, now and at each renewal, joins them */
	if (kpi__aws_on_secret(out, redact_secret, out->redact))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
done:
	if (rc)
		kpi__aws_release(out);
	kpi__aws_keys_release(&first);
	kpi__aws_secrets_release(&region_secrets);
	kpi__aws_files_release(&f);
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

/* The credentials to sign with now, and the session token header (or NULL). */
static int credentials(kpi__aws_keys *cur, char **tok, const kpi__aws *aws, kpi_error *err)
{
	kpi__aws_keys_release(cur);
	kpi__aws_wipe_free(*tok);
	*tok = NULL;
	if (aws->creds) {
		int rc = kpi__aws_creds_current(cur, aws->creds, err);
		if (rc)
			return rc;
	} else {
		kpi__aws_keys k = { aws->access_key, aws->secret_key, aws->session_token, 0, 0 };
		if (kpi__aws_keys_copy(cur, &k, err))
			return KPI_ENOMEM;
	}
	if (cur->session_token) {
		size_t n = strlen(cur->session_token) + 32;
		if (!(*tok = malloc(n)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		snprintf(*tok, n, "x-amz-security-token: %s", cur->session_token);
	}
	return 0;
}

static bool expired(const char *code)
{
	return strcmp(code, "ExpiredToken") == 0 || strcmp(code, "ExpiredTokenException") == 0 ||
	       strcmp(code, "RequestExpired") == 0;
}

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
	bool renewed = false;
	kpi_error last = KPI_ERROR_INIT;
	kpi__aws_keys cur = { 0 };

	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	headers[nh++] = ct;
	if (target) {
		snprintf(tg, sizeof(tg), "X-Amz-Target: %s", target);
		headers[nh++] = tg;
	}
	snprintf(url, sizeof(url), "%s/", aws->endpoint);
	for (;;) {
		kpi__http_req req = { 0 };
		double now = kpi__mono_now(), left = deadline - now, wait;
		char code[128], msg[400];
		long tmo = r->timeout_ms > 0 ? r->timeout_ms : 30000;
		bool again = false;

		/* current credentials at each attempt: temporary ones are renewed
		 * before they expire, even within one call */
		if ((rc = credentials(&cur, &tok, aws, err)))
			goto done;
		headers[nh] = tok;
		headers[nh + 1] = NULL;
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
		req.aws_access_key = cur.access_key;
		req.aws_secret_key = cur.secret_key;
		req.max_response = r->max_response;
		kpi_error_clear(&last);
		if (stats) {
			stats->requests++;
			if (attempt > 0)
				stats->retries++;
		}
		rc = kpi__http_do(resp, &req, &last);
		if (rc == KPI_ENOMEM || rc == KPI_EDATA) { /* an answer over the cap would only come again */
			*err = last;
			goto done;
		}
		if (rc) {
			again = true; /* refused, reset, cut short, attempt timed out */
		} else if (resp->status >= 200 && resp->status <= 299) {
			goto done;
		} else {
			/* an answer may echo the request back (the session token):
			 * redacted whole before a line of it is quoted */
			if (kpi__redact_buf(aws->redact, &resp->body))
				kpi__buf_truncate(&resp->body, 0);
			kpi__aws_error_parse(resp, code, sizeof(code), msg, sizeof(msg));
			kpi__redact_str(aws->redact, code, sizeof(code));
			kpi__redact_str(aws->redact, msg, sizeof(msg));
			if (expired(code) && !renewed && aws->creds && kpi__aws_creds_refreshable(aws->creds)) {
				/* refused as expired (a clock off by more than the
				 * margin): once more with new credentials */
				kpi__aws_creds_invalidate(aws->creds);
				renewed = true;
				attempt++;
				continue;
			}
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
			rc = kpi__http_gave_up(err, &last, resp, what, aws->endpoint, attempt + 1, now - start,
			                       deadline - start);
			goto done;
		}
		/* last.message already starts with `what` */
		kpi_log_msg(KPI_LOG_WARN, "aws.retry", "%s; retry %d in %.2f s", last.message, attempt + 1, wait);
		kpi__sleep(wait);
		attempt++;
	}
done:
	if (stats)
		stats->seconds += kpi__mono_now() - start;
	kpi__aws_wipe_free(tok);
	kpi__aws_keys_release(&cur);
	return rc;
}
