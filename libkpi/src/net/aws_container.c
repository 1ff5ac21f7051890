/* The ECS / EKS container credentials endpoint (aws_container.h). */
#include "net/aws_container.h"
#include "net/aws_config.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

bool kpi__aws_container_host_allowed(const char *host)
{
	static const char *const agents[] = { "169.254.170.2", "169.254.170.23", "fd00:ec2::23", NULL };
	unsigned char a[16], b[16];
	char h[128];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(h))
		snprintf(h, sizeof(h), "%.*s", (int)(n - 2), host + 1);
	else
		snprintf(h, sizeof(h), "%s", host);
	if (inet_pton(AF_INET, h, a) == 1) {
		if (a[0] == 127)
			return true;
		for (const char *const *g = agents; *g; g++)
			if (inet_pton(AF_INET, *g, b) == 1 && memcmp(a, b, 4) == 0)
				return true;
		return false;
	}
	if (inet_pton(AF_INET6, h, a) == 1) {
		static const unsigned char loop[16] = { [15] = 1 };
		if (memcmp(a, loop, 16) == 0)
			return true;
		for (const char *const *g = agents; *g; g++)
			if (inet_pton(AF_INET6, *g, b) == 1 && memcmp(a, b, 16) == 0)
				return true;
	}
	return false;
}

void kpi__aws_container_release(kpi__aws_container *c)
{
	if (!c)
		return;
	kpi__aws_wipe_free(c->url);
	kpi__aws_wipe_free(c->token);
	free(c->token_file);
	memset(c, 0, sizeof(*c));
}

/* Scheme and host of a URL, checked with libcurl's parser. */
static int url_host(char *host, size_t size, const char *url, const char *var, kpi_error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL;
	int rc = 0;

	if (!u)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		rc = kpi_error_set(err, KPI_ECONFIG, "%s is not an http:// or https:// URL", var);
	else
		snprintf(host, size, "%s", h);
	curl_free(scheme);
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

int kpi__aws_container_settings(kpi__aws_container *out, const kpi_config *cfg, kpi_error *err)
{
	const char *rel = kpi__aws_env(cfg, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = kpi__aws_env(cfg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tok = kpi__aws_env(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tokf = kpi__aws_env(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rel && !full)
		return KPI_ENOTFOUND;
	if (rel) {
		/* the relative URI wins, as in the SDKs */
		if (rel[0] != '/')
			return kpi_error_set(err, KPI_ECONFIG, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
		out->var = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
		snprintf(out->host, sizeof(out->host), "169.254.170.2");
		if (!(out->url = malloc(strlen(rel) + 32)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		sprintf(out->url, "http://169.254.170.2%s", rel);
	} else {
		out->var = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
		if ((rc = url_host(out->host, sizeof(out->host), full, out->var, err)))
			return rc;
		if (!kpi__aws_container_host_allowed(out->host))
			return kpi_error_set(err, KPI_ECONFIG,
			                     "AWS_CONTAINER_CREDENTIALS_FULL_URI names host '%s': kpi takes container "
			                     "credentials only from loopback (127.0.0.0/8, ::1, localhost) or the "
			                     "ECS/EKS agent addresses 169.254.170.2, 169.254.170.23, fd00:ec2::23",
			                     out->host);
		if (!(out->url = strdup(full)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if ((tok && !(out->token = strdup(tok))) || (tokf && !(out->token_file = strdup(tokf)))) {
		kpi__aws_container_release(out);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

/* The authorization token: the file's (read now) or the variable's. */
static int auth_token(char **out, const kpi__aws_container *c, kpi_error *err)
{
	const char *var = c->token_file ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" : "AWS_CONTAINER_AUTHORIZATION_TOKEN";
	size_t len = 0, n;
	bool nul = false;

	*out = NULL;
	if (c->token_file) {
		if (kpi__read_file(out, &len, c->token_file, err)) {
			if (err)
				err->code = KPI_ECONFIG;
			return kpi_error_wrap(err, "%s", var);
		}
		nul = strlen(*out) != len;
		n = len;
		while (n > 0 && ((*out)[n - 1] == '\n' || (*out)[n - 1] == '\r' || (*out)[n - 1] == ' '))
			(*out)[--n] = '\0';
	} else if (c->token) {
		if (!(*out = strdup(c->token)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	} else {
		return 0;
	}
	if (nul || strpbrk(*out, "\r\n"))
		return kpi_error_set(err, KPI_ECONFIG, "%s holds a line break or NUL: it cannot be an Authorization header",
		                     var);
	return 0;
}

int kpi__aws_container_credentials(kpi__aws_keys *out, const kpi__aws_container *c, kpi__aws_secrets *secrets,
                                   kpi_error *err)
{
	static const kpi__aws_json_names names = { "AccessKeyId", "SecretAccessKey", "Token", "Expiration", true, true };
	kpi__http_req req = { 0 };
	const char *headers[3] = { "Accept: application/json", NULL, NULL };
	char what[300], *tok = NULL, *auth = NULL;
	json_t *doc = NULL;
	long status;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(what, sizeof(what), "the container credentials endpoint (%s, host %s)", c->var, c->host);
	if ((rc = auth_token(&tok, c, err)))
		goto done;
	if (tok) {
		if ((rc = kpi__aws_secrets_add(secrets, tok))) {
			kpi_error_set(err, rc, "cannot keep the container authorization token for redaction");
			goto done;
		}
		if (!(auth = malloc(strlen(tok) + 32))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		sprintf(auth, "Authorization: %s", tok);
		headers[1] = auth;
	}
	req.method = "GET";
	req.url = c->url;
	req.headers = headers;
	req.timeout_ms = 2000;
	req.connect_timeout_ms = 2000;
	req.what = what;
	req.max_response = 64 * 1024;
	if ((rc = kpi__aws_get_json(&doc, &status, &req, what, err)))
		goto done;
	{
		char w[360];
		snprintf(w, sizeof(w), "the answer of %s", what);
		rc = kpi__aws_keys_from_json(out, doc, &names, (int64_t)time(NULL), w, err);
	}
done:
	json_decref(doc);
	kpi__aws_wipe_free(tok);
	kpi__aws_wipe_free(auth);
	return rc;
}
