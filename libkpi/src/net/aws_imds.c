/* EC2 instance metadata, IMDSv2 (aws_imds.h). */
#include "net/aws_imds.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TOKEN_TTL "21600" /* seconds, as the SDKs ask */

/* A setting of the environment, else of the profile in use (caller frees). */
static char *setting(const kpi_config *cfg, const kpi__aws_files *f, const char *env, const char *key,
                     const char **src)
{
	const char *v = kpi__aws_env(cfg, env);
	char *p = NULL;
	if (v) {
		*src = env;
		return strdup(v);
	}
	if (kpi__aws_profile_get(&p, NULL, f, f->profile, key) == 0)
		*src = key;
	return p;
}

static int number(double *out, const kpi_config *cfg, const kpi__aws_files *f, const char *env, const char *key,
                  double lo, double hi, kpi_error *err)
{
	const char *src = NULL;
	char *v = setting(cfg, f, env, key, &src), *end = NULL;
	double d;
	if (!v)
		return 0;
	d = strtod(v, &end);
	free(v);
	if (!end || *end || end == v || !(d >= lo && d <= hi))
		return kpi_error_set(err, KPI_ECONFIG, "%s must be a number from %g to %g", src, lo, hi);
	*out = d;
	return 0;
}

int kpi__aws_imds_settings(kpi__aws_imds *out, const kpi_config *cfg, const kpi__aws_files *f, kpi_error *err)
{
	const char *src = NULL, *msrc = NULL;
	char *ep, *mode;
	double timeout = 1, attempts = 1;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->disabled = kpi__aws_true(kpi__aws_env(cfg, "AWS_EC2_METADATA_DISABLED"));
	ep = setting(cfg, f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint", &src);
	mode = setting(cfg, f, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode", &msrc);
	if (ep) {
		size_t n = strlen(ep);
		while (n > 0 && ep[n - 1] == '/')
			ep[--n] = '\0';
		if ((strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) || strchr(ep, '@') ||
		    strchr(ep, '?') || n >= sizeof(out->endpoint))
			rc = kpi_error_set(err, KPI_ECONFIG, "%s must be an http:// or https:// URL without user or query",
			                   src);
		snprintf(out->endpoint, sizeof(out->endpoint), "%s", ep);
		snprintf(out->endpoint_src, sizeof(out->endpoint_src), "%s", src);
	} else if (mode && strcasecmp(mode, "IPv6") == 0) {
		snprintf(out->endpoint, sizeof(out->endpoint), "http://[fd00:ec2::254]");
		snprintf(out->endpoint_src, sizeof(out->endpoint_src), "%s", msrc);
	} else if (mode && strcasecmp(mode, "IPv4") != 0) {
		rc = kpi_error_set(err, KPI_ECONFIG, "%s must be IPv4 or IPv6", msrc);
	} else {
		snprintf(out->endpoint, sizeof(out->endpoint), "http://169.254.169.254");
		snprintf(out->endpoint_src, sizeof(out->endpoint_src), "the default");
	}
	free(ep);
	free(mode);
	if (rc || (rc = number(&timeout, cfg, f, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", 0.1, 60,
	                       err)) ||
	    (rc = number(&attempts, cfg, f, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts", 1, 10,
	                 err)))
		return rc;
	out->timeout_ms = (long)(timeout * 1000.0);
	out->attempts = (int)attempts;
	return 0;
}

/* One request to the service. */
static int ask(kpi__http_resp *resp, kpi__aws_imds *s, const char *method, const char *path, const char *header,
               kpi_error *err)
{
	kpi__http_req req = { 0 };
	char url[512], what[400];
	const char *headers[2] = { header, NULL };
	int rc;

	snprintf(url, sizeof(url), "%s%s", s->endpoint, path);
	snprintf(what, sizeof(what), "EC2 instance metadata (%s)", s->endpoint);
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.timeout_ms = s->timeout_ms;
	req.connect_timeout_ms = s->timeout_ms;
	req.what = what;
	req.max_response = 64 * 1024;
	if (strcmp(method, "PUT") == 0) {
		req.body = "";
		req.body_len = 0;
	}
	rc = kpi__aws_http_retry(resp, &req, s->attempts, NULL, err);
	if (rc && rc != KPI_ENOMEM) {
		s->down = true;
		return kpi_error_set(err, KPI_ENOTFOUND,
		                     "EC2 instance metadata (%s) did not answer within %.1f s (not an EC2 instance?)",
		                     s->endpoint, (double)s->timeout_ms / 1000.0);
	}
	return rc;
}

/* The session token into `hdr` ("X-aws-ec2-metadata-token: T"). */
static int token(char *hdr, size_t size, kpi__aws_imds *s, kpi__aws_secrets *secrets, kpi_error *err)
{
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	const char *t;
	size_t n;
	int rc;

	if (s->disabled)
		return kpi_error_set(err, KPI_ENOTFOUND, "EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED)");
	if (s->down)
		return kpi_error_set(err, KPI_ENOTFOUND, "EC2 instance metadata (%s) did not answer", s->endpoint);
	if ((rc = ask(&resp, s, "PUT", "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds: " TOKEN_TTL, err)))
		goto done;
	t = resp.body.data ? resp.body.data : "";
	n = strcspn(t, "\r\n");
	if (resp.status != 200 || n == 0 || n > size - 40 || t[n + strspn(t + n, "\r\n")]) {
		/* 403: the instance allows no metadata access; 404/405: no IMDSv2 */
		rc = kpi_error_set(err, KPI_ENOTFOUND, "EC2 instance metadata (%s) gave no IMDSv2 session token (HTTP %ld)",
		                   s->endpoint, resp.status);
		goto done;
	}
	snprintf(hdr, size, "X-aws-ec2-metadata-token: %.*s", (int)n, t);
	if ((rc = kpi__aws_secrets_add(secrets, hdr + 26)))
		kpi_error_set(err, rc, "cannot keep the metadata token for redaction");
done:
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	kpi__http_resp_release(&resp);
	return rc;
}

/* GET `path` with the token; the body's first line (trimmed) into *out. */
static int get_line(char **out, long *status, kpi__aws_imds *s, const char *path, const char *hdr, kpi_error *err)
{
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	int rc;
	*out = NULL;
	if ((rc = ask(&resp, s, "GET", path, hdr, err)) == 0) {
		const char *b = resp.body.data ? resp.body.data : "";
		size_t n = strcspn(b, "\r\n");
		while (n > 0 && isspace((unsigned char)b[n - 1]))
			n--;
		*status = resp.status;
		if (!(*out = strndup(b, n)))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	kpi__http_resp_release(&resp);
	return rc;
}

int kpi__aws_imds_region(char **out, kpi__aws_imds *s, kpi__aws_secrets *secrets, kpi_error *err)
{
	char hdr[4200];
	long status = 0;
	int rc;

	*out = NULL;
	if ((rc = token(hdr, sizeof(hdr), s, secrets, err)) ||
	    (rc = get_line(out, &status, s, "/latest/meta-data/placement/region", hdr, err)))
		goto done;
	if (status != 200 || !**out || strspn(*out, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(*out)) {
		rc = kpi_error_set(err, KPI_EDATA, "EC2 instance metadata (%s): no region in its answer (HTTP %ld)",
		                   s->endpoint, status);
		free(*out);
		*out = NULL;
	}
done:
	memset(hdr, 0, sizeof(hdr));
	return rc;
}

int kpi__aws_imds_credentials(kpi__aws_keys *out, kpi__aws_imds *s, kpi__aws_secrets *secrets, kpi_error *err)
{
	static const kpi__aws_json_names names = { "AccessKeyId", "SecretAccessKey", "Token", "Expiration", true, true };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	char hdr[4200], path[256], what[400], *role = NULL;
	long status = 0;
	json_t *doc = NULL;
	const char *code;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = token(hdr, sizeof(hdr), s, secrets, err)) ||
	    (rc = get_line(&role, &status, s, "/latest/meta-data/iam/security-credentials/", hdr, err)))
		goto done;
	if (status == 404 || (status == 200 && !*role)) {
		rc = kpi_error_set(err, KPI_ENOTFOUND,
		                   "EC2 instance metadata (%s): the instance has no IAM role (attach an instance profile)",
		                   s->endpoint);
		goto done;
	}
	if (status != 200 || strlen(role) >= sizeof(s->role) ||
	    strspn(role, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") != strlen(role)) {
		rc = kpi_error_set(err, KPI_EDATA, "EC2 instance metadata (%s): no role name in its answer (HTTP %ld)",
		                   s->endpoint, status);
		goto done;
	}
	snprintf(s->role, sizeof(s->role), "%s", role);
	snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", role);
	snprintf(what, sizeof(what), "the EC2 instance metadata answer for role '%s'", role);
	if ((rc = ask(&resp, s, "GET", path, hdr, err)))
		goto done;
	if (resp.status != 200) {
		rc = kpi_error_set(err, resp.status == 404 ? KPI_EAUTH : KPI_ESOURCE, "%s: HTTP %ld", what, resp.status);
		goto done;
	}
	if (!(doc = json_loads(resp.body.data ? resp.body.data : "", 0, NULL)) || !json_is_object(doc)) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed %s: not a JSON object", what);
		goto done;
	}
	code = json_string_value(json_object_get(doc, "Code"));
	if (code && strcmp(code, "Success") != 0) {
		char c[64], m[300];
		snprintf(c, sizeof(c), "%s", code);
		const char *msg = json_string_value(json_object_get(doc, "Message"));
		snprintf(m, sizeof(m), "%s", msg ? msg : "");
		for (char *p = m; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		rc = kpi_error_set(err, KPI_EAUTH, "%s: %s%s%s", what, c, m[0] ? ": " : "", m);
		goto done;
	}
	rc = kpi__aws_keys_from_json(out, doc, &names, (int64_t)time(NULL), what, err);
done:
	memset(hdr, 0, sizeof(hdr));
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	kpi__http_resp_release(&resp);
	json_decref(doc);
	free(role);
	return rc;
}
