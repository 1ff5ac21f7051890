/* IAM Identity Center (SSO) role credentials from the cached token
 * (aws_sso.h). */
#include "net/aws_sso.h"
#include <glib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const profile_keys[] = { "sso_session", "sso_account_id", "sso_role_name", "sso_start_url",
	                                    "sso_region", NULL };

bool kpi__aws_sso_configured(const kpi__aws_files *f, const char *profile)
{
	for (const char *const *k = profile_keys; *k; k++) {
		char *v = NULL;
		if (kpi__aws_profile_get(&v, NULL, f, profile, *k) == 0) {
			free(v);
			return true;
		}
	}
	return false;
}

void kpi__aws_sso_release(kpi__aws_sso *s)
{
	if (!s)
		return;
	free(s->session);
	free(s->start_url);
	free(s->region);
	free(s->account_id);
	free(s->role_name);
	free(s->cache_file);
	free(s->endpoint);
	memset(s, 0, sizeof(*s));
}

void kpi__aws_sso_cache_name(char out[46], const char *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(key, strlen(key), md, &n, EVP_sha1(), NULL);
	for (unsigned int i = 0; i < n && i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	snprintf(out + 40, 6, ".json");
}

/* A setting of the sso-session section, checked against the profile's
 * own value of the same key when it has one (botocore refuses a mismatch). */
static int session_value(char **out, const kpi__aws_files *f, const char *profile, const char *session,
                         const char *key, kpi_error *err)
{
	char section[300], *mine = NULL;
	int rc;

	snprintf(section, sizeof(section), "sso-session %s", session);
	rc = kpi__aws_section_get(out, f, section, key);
	if (rc == KPI_ENOMEM)
		return kpi_error_set(err, rc, "out of memory");
	if (kpi__aws_profile_get(&mine, NULL, f, profile, key) == 0) {
		if (*out && strcmp(*out, mine) != 0) {
			free(mine);
			return kpi_error_set(err, KPI_ECONFIG,
			                     "profile '%s' and its sso-session '%s' set different %s values in %s", profile,
			                     session, key, f->conf_path);
		}
		if (!*out) {
			*out = mine;
			return 0;
		}
	}
	free(mine);
	return 0;
}

int kpi__aws_sso_settings(kpi__aws_sso *out, const kpi_config *cfg, const kpi__aws_files *f, const char *profile,
                          kpi_error *err)
{
	char section[300], name[46], src[200], dir[1024];
	bool found = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	kpi__aws_profile_get(&out->session, NULL, f, profile, "sso_session");
	kpi__aws_profile_get(&out->account_id, NULL, f, profile, "sso_account_id");
	kpi__aws_profile_get(&out->role_name, NULL, f, profile, "sso_role_name");
	if (out->session) {
		char *v = NULL;
		snprintf(section, sizeof(section), "sso-session %s", out->session);
		if (f->conf_text)
			kpi__aws_ini_get(&v, &found, f->conf_text, section, "\n");
		free(v);
		if (!found) {
			rc = kpi_error_set(err, KPI_ECONFIG, "profile '%s' names sso_session '%s', which has no [%s] in %s",
			                   profile, out->session, section, f->conf_path);
			goto done;
		}
		if ((rc = session_value(&out->start_url, f, profile, out->session, "sso_start_url", err)) ||
		    (rc = session_value(&out->region, f, profile, out->session, "sso_region", err)))
			goto done;
	} else {
		kpi__aws_profile_get(&out->start_url, NULL, f, profile, "sso_start_url");
		kpi__aws_profile_get(&out->region, NULL, f, profile, "sso_region");
	}
	if (!out->account_id || !out->role_name || !out->start_url || !out->region) {
		rc = kpi_error_set(err, KPI_ECONFIG, "profile '%s' is set up for SSO but has no %s (%s)", profile,
		                   !out->account_id ? "sso_account_id"
		                   : !out->role_name ? "sso_role_name"
		                   : !out->start_url ? "sso_start_url"
		                                     : "sso_region",
		                   out->session ? "in the profile or its sso-session" : "in the profile");
		goto done;
	}
	if (strspn(out->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(out->region)) {
		rc = kpi_error_set(err, KPI_ECONFIG, "sso_region '%s' of profile '%s' is not a region name", out->region,
		                   profile);
		goto done;
	}
	if (!f->home) {
		rc = kpi_error_set(err, KPI_ECONFIG, "HOME is not set: no ~/.aws/sso/cache to find the SSO token in");
		goto done;
	}
	kpi__aws_sso_cache_name(name, out->session ? out->session : out->start_url);
	snprintf(dir, sizeof(dir), "%s/.aws/sso/cache", f->home);
	if (!(out->cache_file = kpi__path_join(dir, name))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi__aws_endpoint_configured(&out->endpoint, src, sizeof(src), cfg, f, "SSO", err)))
		goto done;
	if (!out->endpoint) {
		char url[200];
		snprintf(url, sizeof(url), "https://portal.sso.%s.amazonaws.com", out->region);
		if (!(out->endpoint = strdup(url)))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if (strcmp(profile, "default") == 0)
		snprintf(out->login, sizeof(out->login), "aws sso login%s%s", out->session ? " --sso-session " : "",
		         out->session ? out->session : "");
	else
		snprintf(out->login, sizeof(out->login), "aws sso login --profile %s", profile);
done:
	if (rc)
		kpi__aws_sso_release(out);
	return rc;
}

/* The cached access token, checked unexpired. */
static int cached_token(char **out, const kpi__aws_sso *s, kpi_error *err)
{
	char *text = NULL, t[32];
	size_t len = 0;
	json_t *doc = NULL;
	const char *tok, *exp;
	int64_t expires = 0;
	int rc = 0;

	*out = NULL;
	if (kpi__read_file(&text, &len, s->cache_file, NULL))
		return kpi_error_set(err, KPI_EAUTH, "no cached SSO token in '%s': run %s", s->cache_file, s->login);
	if (!(doc = json_loads(text, 0, NULL)) || !json_is_object(doc)) {
		rc = kpi_error_set(err, KPI_EDATA, "the SSO token cache '%s' is not a JSON object: run %s", s->cache_file,
		                   s->login);
		goto done;
	}
	tok = json_string_value(json_object_get(doc, "accessToken"));
	exp = json_string_value(json_object_get(doc, "expiresAt"));
	if (!tok || !*tok || strpbrk(tok, "\r\n") || !exp) {
		rc = kpi_error_set(err, KPI_EDATA, "the SSO token cache '%s' has no %s: run %s", s->cache_file,
		                   !exp ? "expiresAt" : "usable accessToken", s->login);
		goto done;
	}
	if ((rc = kpi__aws_expiry_parse(&expires, exp, "the SSO token cache", err)))
		goto done;
	if (expires <= (int64_t)time(NULL)) {
		rc = kpi_error_set(err, KPI_EAUTH, "the SSO token cached in '%s' expired at %s: run %s", s->cache_file,
		                   kpi_time_format(t, sizeof(t), expires), s->login);
		goto done;
	}
	if (!(*out = strdup(tok)))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
done:
	json_decref(doc);
	if (text)
		memset(text, 0, len);
	free(text);
	return rc;
}

static int role_credentials(kpi__aws_keys *out, const json_t *doc, const char *what, kpi_error *err)
{
	static const kpi__aws_json_names names = { "accessKeyId", "secretAccessKey", "sessionToken", NULL, true, false };
	const json_t *rc_obj = json_object_get(doc, "roleCredentials"), *exp = json_object_get(rc_obj, "expiration");
	int rc;

	if (!json_is_object(rc_obj))
		return kpi_error_set(err, KPI_EDATA, "malformed %s: no roleCredentials object", what);
	if (!json_is_integer(exp) || json_integer_value(exp) <= 0)
		return kpi_error_set(err, KPI_EDATA, "malformed %s: roleCredentials.expiration is not a time in ms", what);
	if ((rc = kpi__aws_keys_from_json(out, rc_obj, &names, (int64_t)time(NULL), what, err)))
		return rc;
	out->expires = (int64_t)(json_integer_value(exp) / 1000);
	return 0;
}

int kpi__aws_sso_credentials(kpi__aws_keys *out, const kpi__aws_sso *s, kpi__aws_secrets *secrets, kpi_error *err)
{
	kpi__http_req req = { 0 };
	char *tok = NULL, *hdr = NULL, *role = NULL, *acct = NULL, *url = NULL, what[400];
	const char *headers[2] = { NULL, NULL };
	json_t *doc = NULL;
	long status;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cached_token(&tok, s, err)))
		return rc;
	if ((rc = kpi__aws_secrets_add(secrets, tok))) {
		kpi_error_set(err, rc, "cannot keep the SSO token for redaction");
		goto done;
	}
	role = g_uri_escape_string(s->role_name, NULL, FALSE);
	acct = g_uri_escape_string(s->account_id, NULL, FALSE);
	url = g_strdup_printf("%s/federation/credentials?role_name=%s&account_id=%s", s->endpoint, role, acct);
	hdr = g_strdup_printf("x-amz-sso_bearer_token: %s", tok);
	snprintf(what, sizeof(what), "SSO GetRoleCredentials of role '%s' in account %s (%s)", s->role_name,
	         s->account_id, s->endpoint);
	headers[0] = hdr;
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.timeout_ms = 10000;
	req.what = what;
	req.max_response = 64 * 1024;
	if ((rc = kpi__aws_get_json(&doc, &status, &req, what, err))) {
		if (status == 401 || status == 403)
			rc = kpi_error_set(err, KPI_EAUTH, "%s: HTTP %ld: the portal refused the SSO token: run %s", what,
			                   status, s->login);
		goto done;
	}
	{
		char w[460];
		snprintf(w, sizeof(w), "answer of %s", what);
		rc = role_credentials(out, doc, w, err);
	}
done:
	json_decref(doc);
	kpi__aws_wipe_free(tok);
	if (hdr)
		memset(hdr, 0, strlen(hdr));
	g_free(hdr);
	g_free(role);
	g_free(acct);
	g_free(url);
	return rc;
}
