/* The Prometheus source's settings (the config file's "prometheus" section
 * and the KPI_PROM_* environment, which wins) and its query files (the JSON
 * files of queries/prometheus/). Secrets come from the environment only and
 * never appear in a message: a URL that holds credentials is refused
 * without being quoted. */
#include "sources/prometheus/prom.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void kpi__prom_wipe_free(char *s)
{
	if (!s)
		return;
	for (volatile char *p = s; *p; p++)
		*p = 0;
	free(s);
}

void kpi__prom_settings_release(kpi__prom_settings *s)
{
	if (!s)
		return;
	free(s->url);
	kpi__prom_wipe_free(s->bearer_token);
	kpi__prom_wipe_free(s->username);
	kpi__prom_wipe_free(s->password);
	memset(s, 0, sizeof(*s));
}

/* Check a base URL; `from` names the setting. The URL is quoted only when
 * it can hold no secret (no userinfo, no query string). */
static int check_url(char **out, const char *u, const char *from, kpi_error *err)
{
	const char *host, *end;
	size_t len = strlen(u);

	if (strncasecmp(u, "http://", 7) == 0)
		host = u + 7;
	else if (strncasecmp(u, "https://", 8) == 0)
		host = u + 8;
	else
		return kpi_error_set(err, KPI_ECONFIG, "%s must be an http:// or https:// URL", from);
	end = host + strcspn(host, "/");
	if (memchr(host, '@', (size_t)(end - host)))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "%s must not hold credentials (user:password@): set KPI_PROM_BEARER_TOKEN, "
		                     "or KPI_PROM_USERNAME and KPI_PROM_PASSWORD",
		                     from);
	if (strpbrk(u, "?#"))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "%s must be the server's base URL, without a query string or fragment", from);
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return kpi_error_set(err, KPI_ECONFIG, "%s must not contain blanks or control characters", from);
	if (end == host)
		return kpi_error_set(err, KPI_ECONFIG, "%s '%s' has no host", from, u);
	while (len && u[len - 1] == '/')
		len--;
	if (!(*out = strndup(u, len)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

/* A secret from the environment: no line breaks (it goes in a header). */
static int env_secret(char **out, const kpi_config *cfg, const char *name, kpi_error *err)
{
	const char *v = kpi_config_env(cfg, name);
	if (!v || !*v)
		return 0;
	if (strpbrk(v, "\r\n"))
		return kpi_error_set(err, KPI_ECONFIG, "environment %s holds a line break", name);
	if (!(*out = strdup(v)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__prom_settings_load(kpi__prom_settings *out, const kpi_config *cfg, kpi_error *err)
{
	static const char *const keys[] = { "url", "deadline_seconds", "retry_base_seconds", "retry_max_seconds",
		                            "request_timeout_seconds", "max_response_bytes", NULL };
	/* Keys someone might try for credentials: refused with the reason. */
	static const char *const secrets[] = { "bearer_token", "token", "password", "username", "user",
		                               "basic_auth", "authorization", "headers", NULL };
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	const json_t *o = doc ? json_object_get(doc->root, "prometheus") : NULL;
	double timeout = KPI__PROM_TIMEOUT_S, maxresp = (double)KPI__PROM_MAX_RESPONSE;
	const char *v;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->deadline_s = KPI__PROM_DEADLINE_S;
	out->base_s = KPI__PROM_BASE_S;
	out->max_s = KPI__PROM_MAX_S;
	if (o) {
		json_t *u;
		if (!json_is_object(o))
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "prometheus must be an object");
		for (const char *const *s = secrets; *s; s++)
			if (json_object_get(o, *s))
				return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
				                          "prometheus.%s: credentials are read from the environment only "
				                          "(KPI_PROM_BEARER_TOKEN, or KPI_PROM_USERNAME and KPI_PROM_PASSWORD), "
				                          "never from the config file",
				                          *s);
		if ((rc = kpi__json_check_keys(doc, o, keys, "prometheus", err)))
			return rc;
		if ((u = json_object_get(o, "url")) && !json_is_null(u)) {
			if (!json_is_string(u) || !json_string_length(u))
				return kpi__jsondoc_error(doc, u, err, KPI_ECONFIG,
				                          "prometheus.url must be the server's URL, e.g. \"http://prometheus:9090\"");
			if ((rc = check_url(&out->url, json_string_value(u), "prometheus.url", err)))
				return err ? kpi__jsondoc_error(doc, u, err, rc, "%s", err->message) : rc;
		}
	}
	/* The environment wins over the file. */
	if ((v = kpi_config_env(cfg, "KPI_PROM_URL")) && *v) {
		free(out->url);
		out->url = NULL;
		if ((rc = check_url(&out->url, v, "environment KPI_PROM_URL", err)))
			goto fail;
	}
	if ((rc = kpi__config_number(cfg, "prometheus", "deadline_seconds", "KPI_PROM_DEADLINE_SECONDS", 0.1, 3600,
	                             "seconds", &out->deadline_s, err)) ||
	    (rc = kpi__config_number(cfg, "prometheus", "retry_base_seconds", "KPI_PROM_RETRY_BASE_SECONDS", 0.001, 600,
	                             "seconds", &out->base_s, err)) ||
	    (rc = kpi__config_number(cfg, "prometheus", "retry_max_seconds", "KPI_PROM_RETRY_MAX_SECONDS", 0.001, 3600,
	                             "seconds", &out->max_s, err)) ||
	    (rc = kpi__config_number(cfg, "prometheus", "request_timeout_seconds", "KPI_PROM_REQUEST_TIMEOUT_SECONDS", 0.1,
	                             600, "seconds", &timeout, err)) ||
	    (rc = kpi__config_number(cfg, "prometheus", "max_response_bytes", "KPI_PROM_MAX_RESPONSE_BYTES", 1024,
	                             1073741824.0, "bytes", &maxresp, err)) ||
	    (rc = env_secret(&out->bearer_token, cfg, "KPI_PROM_BEARER_TOKEN", err)) ||
	    (rc = env_secret(&out->username, cfg, "KPI_PROM_USERNAME", err)) ||
	    (rc = env_secret(&out->password, cfg, "KPI_PROM_PASSWORD", err)))
		goto fail;
	if (out->bearer_token && (out->username || out->password)) {
		rc = kpi_error_set(err, KPI_ECONFIG,
		                   "set either KPI_PROM_BEARER_TOKEN or KPI_PROM_USERNAME and KPI_PROM_PASSWORD, not both");
		goto fail;
	}
	if (!out->username != !out->password) {
		rc = kpi_error_set(err, KPI_ECONFIG, "basic auth needs both KPI_PROM_USERNAME and KPI_PROM_PASSWORD");
		goto fail;
	}
	if (out->username && strchr(out->username, ':')) {
		rc = kpi_error_set(err, KPI_ECONFIG, "environment KPI_PROM_USERNAME must not contain ':' (basic auth)");
		goto fail;
	}
	out->timeout_ms = (long)(timeout * 1000.0);
	out->max_response = (size_t)maxresp;
	return 0;
fail:
	kpi__prom_settings_release(out);
	return rc;
}

const char *kpi__prom_auth_name(const kpi__prom_settings *s)
{
	if (s->bearer_token)
		return "bearer token from KPI_PROM_BEARER_TOKEN";
	if (s->username)
		return "basic auth from KPI_PROM_USERNAME and KPI_PROM_PASSWORD";
	return "none";
}

int kpi__prom_auth_header(char **out, const kpi__prom_settings *s, kpi_error *err)
{
	char *plain = NULL, *line = NULL;
	size_t n;

	*out = NULL;
	if (s->bearer_token) {
		n = strlen(s->bearer_token) + 32;
		if (!(line = malloc(n)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		snprintf(line, n, "Authorization: Bearer %s", s->bearer_token);
	} else if (s->username) {
		size_t plen = strlen(s->username) + 1 + strlen(s->password);
		n = 4 * ((plen + 2) / 3) + 32;
		if (!(plain = malloc(plen + 1)) || !(line = malloc(n))) {
			free(plain);
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
		snprintf(plain, plen + 1, "%s:%s", s->username, s->password);
		memcpy(line, "Authorization: Basic ", 21);
		EVP_EncodeBlock((unsigned char *)line + 21, (const unsigned char *)plain, (int)plen);
		kpi__prom_wipe_free(plain);
	}
	*out = line;
	return 0;
}

/* ---- query files ---- */

void kpi__prom_spec_release(kpi__prom_spec *s)
{
	if (!s)
		return;
	free(s->path);
	for (size_t i = 0; i < s->nexpr; i++)
		free(s->expr[i]);
	for (size_t i = 0; s->result_labels && s->def && i < s->def->nlabels; i++)
		free(s->result_labels[i]);
	free(s->result_labels);
	memset(s, 0, sizeof(*s));
}

const char *kpi__prom_expr_name(const kpi__prom_spec *s, size_t i)
{
	if (s->kind == KPI__PROM_PLAIN)
		return "value";
	return i == KPI__PROM_NUMERATOR ? "numerator" : "denominator";
}

static int spec_expr(kpi__prom_spec *s, const kpi__jsondoc *doc, const json_t *o, const char *key, kpi_error *err)
{
	json_t *v = json_object_get(o, key);
	kpi_error perr = KPI_ERROR_INIT;
	if (!json_is_string(v) || !json_string_length(v))
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_ECONFIG, "'%s' must be a PromQL expression (a string)",
		                          key);
	if (kpi__prom_expand(NULL, json_string_value(v), 1, &perr))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "%s: %s", key, perr.message);
	if (!(s->expr[s->nexpr] = strdup(json_string_value(v))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->nexpr++;
	return 0;
}

int kpi__prom_spec_load(kpi__prom_spec *out, const kpi_config *cfg, const kpi_def *def, kpi_error *err)
{
	static const char *const keys[] = { "description", "labels", "value", "numerator", "denominator", "scale",
		                            "absent_numerator", "bounds", NULL };
	kpi__jsondoc *doc = NULL;
	json_t *o, *v, *labels;
	int rc;

	memset(out, 0, sizeof(*out));
	out->def = def;
	out->scale = 1.0;
	if (!def->query)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s has no query file", def->id);
	if (!(out->path = kpi__path_join(cfg->query_dir, def->query)) ||
	    !(out->result_labels = calloc(def->nlabels + 1, sizeof(char *)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = kpi__jsondoc_load_hashed(&doc, out->sha256, out->path, err))) {
		if (rc != KPI_ECONFIG)
			kpi_error_wrap(err, "KPI %s", def->id);
		goto fail;
	}
	o = doc->root;
	if (!json_is_object(o)) {
		rc = kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "a Prometheus query file is a JSON object");
		goto fail;
	}
	if ((rc = kpi__json_check_keys(doc, o, keys, "Prometheus query file", err)))
		goto fail;
	if (json_object_get(o, "value")) {
		out->kind = KPI__PROM_PLAIN;
		if (json_object_get(o, "numerator") || json_object_get(o, "denominator")) {
			rc = kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
			                        "a query file has either \"value\" or \"numerator\" and \"denominator\"");
			goto fail;
		}
		if ((rc = spec_expr(out, doc, o, "value", err)))
			goto fail;
	} else if (json_object_get(o, "numerator") || json_object_get(o, "denominator")) {
		out->kind = KPI__PROM_RATIO;
		if ((rc = spec_expr(out, doc, o, "numerator", err)) || (rc = spec_expr(out, doc, o, "denominator", err)))
			goto fail;
	} else {
		rc = kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
		                        "a query file needs \"value\", or \"numerator\" and \"denominator\" (PromQL)");
		goto fail;
	}
	if ((v = json_object_get(o, "scale"))) {
		if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) == 0) {
			rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "scale must be a non-zero number");
			goto fail;
		}
		out->scale = json_number_value(v);
	}
	if ((v = json_object_get(o, "absent_numerator"))) {
		const char *a = json_string_value(v);
		if (out->kind != KPI__PROM_RATIO || !a || (strcmp(a, "zero") != 0 && strcmp(a, "null") != 0)) {
			rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                        "absent_numerator must be \"zero\" or \"null\", in a query file with a "
			                        "numerator");
			goto fail;
		}
		out->zero_numerator = strcmp(a, "zero") == 0;
	}
	if ((rc = kpi__bounds_parse(&out->bounds, doc, json_object_get(o, "bounds"), err)))
		goto fail;
	/* Every label of the KPI comes from one label of the result vector. */
	labels = json_object_get(o, "labels");
	if (labels && !json_is_object(labels)) {
		rc = kpi__jsondoc_error(doc, labels, err, KPI_ECONFIG,
		                        "labels must be an object {KPI label: label of the result vector}");
		goto fail;
	}
	for (size_t i = 0; i < def->nlabels; i++) {
		const char *name = def->labels[i].name;
		v = json_object_get(labels, name);
		if (!json_is_string(v) || !json_string_length(v)) {
			rc = kpi__jsondoc_error(doc, v ? v : labels ? labels : o, err, KPI_ECONFIG,
			                        "labels.%s must name the label of the result vector that holds KPI %s's "
			                        "label '%s'",
			                        name, def->id, name);
			goto fail;
		}
		if (!(out->result_labels[i] = strdup(json_string_value(v)))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (labels) {
		const char *key;
		json_object_foreach(labels, key, v)
			if (kpi_def_label_index(def, key) < 0) {
				rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "KPI %s has no label '%s'", def->id, key);
				goto fail;
			}
	}
	kpi__jsondoc_free(doc);
	return 0;
fail:
	kpi__jsondoc_free(doc);
	kpi__prom_spec_release(out);
	return rc;
}
