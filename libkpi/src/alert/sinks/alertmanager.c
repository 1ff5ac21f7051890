/*
 * Prometheus Alertmanager: POST {url}/api/v2/alerts, a JSON array of one
 * alert, to every configured Alertmanager (an HA pair gossips silences and
 * notifications but not alerts, so each must get each alert, as Prometheus
 * sends to all); delivered when every one accepted it (2xx). Re-posting an
 * alert is idempotent for Alertmanager (its labels are its identity), so a
 * retry posts to all again.
 *
 *   labels       alertname = the KPI id ("kpi_source", "kpi_alert" for
 *                notices), the KPI's labels, severity, service="kpi"
 *   annotations  summary, description (the template's body), value,
 *                threshold, runbook_url, dedupe_key
 *   startsAt     the episode's first breaching run (else the notification's time)
 *   endsAt       firing: the time of sending + resolve_timeout; resolved:
 *                when kpi saw it recover (never later than now)
 *   generatorURL generator_url with {kpi} replaced, else ""
 *
 * Alertmanager resolves an alert by itself at its endsAt: the table's
 * refresh_every_run makes the run send a firing alert again on every run,
 * so a live alert never ends while kpi runs. Alertmanager judges endsAt by
 * its own clock, so the times of sending come from the system clock (as
 * CloudWatch's requests do), not from --now or KPI_NOW.
 */
#include "alert/sinks/sink.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_URLS 16

typedef struct alertmanager {
	char *urls[MAX_URLS]; /* base URLs, without a trailing '/' (not secret) */
	size_t nurls;
	int64_t resolve_timeout;
	char *generator_url;  /* NULL: none */
	char *user;           /* basic auth user (not secret) */
	char *password;       /* secret, from the environment */
	char *token;          /* bearer token: secret, from the environment */
	char *auth;           /* the Authorization header (secret); NULL: none */
} alertmanager;

static const char *const keys[] = { "urls", "resolve_timeout", "generator_url", "basic_auth_user",
	                            "basic_auth_password_env", "bearer_token_env", NULL };

static int parse_urls(alertmanager *am, const kpi__sink_parse *p, kpi_error *err)
{
	json_t *v = json_object_get(p->obj, "urls"), *u;
	size_t i;
	int rc;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MAX_URLS)
		return kpi__jsondoc_error(p->doc, v ? v : p->obj, err, KPI_ECONFIG,
		                          "sink '%s' (alertmanager): urls must be an array of 1 to %d Alertmanager base "
		                          "URLs (every one gets every alert)",
		                          p->name, MAX_URLS);
	json_array_foreach(v, i, u) {
		const char *s = json_string_value(u);
		size_t n;
		if (!s || !*s)
			return kpi__jsondoc_error(p->doc, u, err, KPI_ECONFIG, "sink '%s' (alertmanager): urls holds URLs only",
			                          p->name);
		if ((rc = kpi__sink_url_check(p, u, s, "urls", err)))
			return rc;
		n = strlen(s);
		while (n > 8 && s[n - 1] == '/')
			n--;
		if (!(am->urls[am->nurls++] = strndup(s, n)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

/* "Authorization: Basic base64(user:password)" or "Authorization: Bearer T". */
static int parse_auth(alertmanager *am, const kpi__sink_parse *p, kpi_error *err)
{
	const json_t *o = p->obj;
	bool basic = json_object_get(o, "basic_auth_user") || json_object_get(o, "basic_auth_password_env");
	kpi_buf b = KPI_BUF_INIT;
	int rc;

	if (basic && json_object_get(o, "bearer_token_env"))
		return kpi__jsondoc_error(p->doc, json_object_get(o, "bearer_token_env"), err, KPI_ECONFIG,
		                          "sink '%s' (alertmanager): basic auth or a bearer token, not both", p->name);
	if (json_object_get(o, "bearer_token_env")) {
		if ((rc = kpi__sink_secret_env(&am->token, p, "bearer_token_env", "bearer token", err)))
			return rc;
		if (kpi_buf_printf(&b, "Authorization: Bearer %s", am->token))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	} else if (basic) {
		kpi_buf cred = KPI_BUF_INIT;
		unsigned char *enc;
		int n;
		if (!json_object_get(o, "basic_auth_user"))
			return kpi__jsondoc_error(p->doc, o, err, KPI_ECONFIG,
			                          "sink '%s' (alertmanager): basic_auth_password_env needs basic_auth_user",
			                          p->name);
		if ((rc = kpi__alert_get_str(p->doc, o, "basic_auth_user", &am->user, err)) ||
		    (rc = kpi__sink_secret_env(&am->password, p, "basic_auth_password_env", "basic auth password", err)))
			return rc;
		if (strchr(am->user, ':'))
			return kpi__jsondoc_error(p->doc, json_object_get(o, "basic_auth_user"), err, KPI_ECONFIG,
			                          "sink '%s' (alertmanager): basic_auth_user cannot hold ':'", p->name);
		if (kpi_buf_printf(&cred, "%s:%s", am->user, am->password) ||
		    !(enc = malloc(4 * (cred.len / 3 + 1) + 1))) {
			kpi_buf_release(&cred);
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
		n = EVP_EncodeBlock(enc, (const unsigned char *)cred.data, (int)cred.len);
		memset(cred.data, 0, cred.len);
		kpi_buf_release(&cred);
		enc[n > 0 ? n : 0] = '\0';
		/* the encoded credentials are as secret as the password */
		rc = kpi__alert_secret_add(p->st, (const char *)enc) || kpi_buf_printf(&b, "Authorization: Basic %s", enc);
		memset(enc, 0, (size_t)(n > 0 ? n : 0));
		free(enc);
		if (rc) {
			kpi_buf_release(&b);
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
	}
	am->auth = b.data;
	return 0;
}

static int parse(void **state, const kpi__sink_parse *p, kpi_error *err)
{
	alertmanager *am = calloc(1, sizeof(*am));
	json_t *v;
	int rc;

	if (!(*state = am))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = parse_urls(am, p, err)))
		return rc;
	am->resolve_timeout = 3600;
	if ((v = json_object_get(p->obj, "resolve_timeout")) &&
	    (kpi__duration_parse(&am->resolve_timeout, v) || am->resolve_timeout < 60 || am->resolve_timeout > 7 * 86400))
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
		                          "sink '%s' (alertmanager): resolve_timeout must be a duration from 1m to 7d "
		                          "(\"1h\"; longer than the cron interval)",
		                          p->name);
	if ((rc = kpi__alert_get_str(p->doc, p->obj, "generator_url", &am->generator_url, err)) ||
	    (am->generator_url &&
	     (rc = kpi__sink_url_check(p, json_object_get(p->obj, "generator_url"), am->generator_url, "generator_url", err))))
		return rc;
	return parse_auth(am, p, err);
}

/* ---- the alert ---- */

/* Alertmanager's label names are [a-zA-Z_][a-zA-Z0-9_]*. */
static void label_name(char *out, size_t size, const char *s)
{
	size_t n = 0;
	for (; *s && n + 1 < size; s++)
		out[n++] = isalnum((unsigned char)*s) || *s == '_' ? *s : '_';
	if (n == 0 || isdigit((unsigned char)out[0]))
		out[0] = '_';
	out[n ? n : 1] = '\0';
}

static void annotation(json_t *a, const char *name, const char *value)
{
	if (value && *value)
		json_object_set_new(a, name, json_string(value));
}

static int64_t time_of(const json_t *n, const char *key, int64_t fallback)
{
	int64_t t;
	return kpi_time_parse(&t, kpi__nstr(n, key), NULL) == 0 ? t : fallback;
}

static json_t *alert_of(const alertmanager *am, const json_t *n, int64_t now)
{
	json_t *labels = json_object(), *ann = json_object(), *a = json_object(), *v;
	const char *k;
	int64_t at = time_of(n, "at", now), starts = time_of(n, "since", at), ends;
	char name[128], buf[128];

	json_object_foreach(json_object_get(n, "labels"), k, v) {
		label_name(name, sizeof(name), k);
		json_object_set(labels, name, v);
	}
	/* set last: a KPI label cannot take these over */
	json_object_set_new(labels, "alertname", json_string(kpi__nstr(n, "kpi")));
	json_object_set_new(labels, "severity", json_string(kpi__nstr(n, "severity")));
	json_object_set_new(labels, "service", json_string("kpi"));

	annotation(ann, "summary", kpi__nstr(n, "summary"));
	annotation(ann, "description", kpi__nstr(n, "body"));
	if (json_is_number(json_object_get(n, "value"))) {
		kpi__alert_display_value(buf, sizeof(buf), json_number_value(json_object_get(n, "value")), kpi__nstr(n, "unit"));
		annotation(ann, "value", buf);
	}
	annotation(ann, "threshold", kpi__nstr(n, "threshold"));
	annotation(ann, "runbook_url", kpi__nstr(n, "runbook"));
	annotation(ann, "dedupe_key", kpi__nstr(n, "dedupe_key"));

	if (strcmp(kpi__nstr(n, "action"), "resolve") == 0)
		ends = at < now ? at : now; /* an endsAt ahead of Alertmanager's clock would keep it firing */
	else
		ends = now + am->resolve_timeout;
	if (starts > ends)
		starts = ends; /* Alertmanager refuses an alert that ends before it starts */
	json_object_set_new(a, "labels", labels);
	json_object_set_new(a, "annotations", ann);
	json_object_set_new(a, "startsAt", json_string(kpi_time_format(buf, sizeof(buf), starts)));
	json_object_set_new(a, "endsAt", json_string(kpi_time_format(buf, sizeof(buf), ends)));
	{
		kpi_buf g = KPI_BUF_INIT;
		const char *p = am->generator_url, *q;
		while (p && (q = strstr(p, "{kpi}"))) {
			kpi_buf_append(&g, p, (size_t)(q - p));
			kpi_buf_puts(&g, kpi__nstr(n, "kpi"));
			p = q + 5;
		}
		if (p)
			kpi_buf_puts(&g, p);
		json_object_set_new(a, "generatorURL", json_string(g.data ? g.data : ""));
		kpi_buf_release(&g);
	}
	return json_pack("[o]", a);
}

static void deliver(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	const alertmanager *am = s->state;
	const char *headers[] = { am->auth, NULL };
	json_t *body = alert_of(am, n, (int64_t)time(NULL));
	double until = kpi__mono_now() + (double)timeout_ms / 1000.0;
	size_t accepted = 0, worst = 0;
	kpi__send_result one[MAX_URLS];

	(void)idem; /* the alert's labels are its identity */
	for (size_t i = 0; i < am->nurls; i++) {
		char url[2048];
		long left = (long)((until - kpi__mono_now()) * 1000);
		memset(&one[i], 0, sizeof(one[i]));
		if (left < 1) {
			one[i].outcome = KPI__DELIV_RETRY;
			snprintf(one[i].detail, sizeof(one[i].detail), "sink '%s' (alertmanager): not tried: the attempt's %ld ms "
			         "were used up", s->name, timeout_ms);
		} else {
			snprintf(url, sizeof(url), "%s/api/v2/alerts", am->urls[i]);
			kpi__sink_post_json(&one[i], s, url, headers, body, left, st);
		}
		res->seconds += one[i].seconds;
		if (one[i].retry_after > res->retry_after)
			res->retry_after = one[i].retry_after;
		if (one[i].outcome == KPI__DELIV_OK)
			accepted++;
		/* terminal wins over retry: another attempt cannot fix that one */
		if (one[i].outcome > one[worst].outcome)
			worst = i;
	}
	json_decref(body);
	res->outcome = one[worst].outcome;
	res->status = one[worst].status;
	if (res->outcome == KPI__DELIV_OK)
		snprintf(res->detail, sizeof(res->detail), "HTTP %ld%s", res->status,
		         am->nurls > 1 ? ", every Alertmanager accepted it" : "");
	else
		snprintf(res->detail, sizeof(res->detail), "%.300s (Alertmanager %.120s; %zu of %zu accepted it)",
		         one[worst].detail, am->urls[worst], accepted, am->nurls);
}

static void where(char *buf, size_t size, const void *state)
{
	const alertmanager *am = state;
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < am->nurls && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s/api/v2/alerts", i ? ", " : "", am->urls[i]);
}

static void free_state(void *state)
{
	alertmanager *am = state;
	if (!am)
		return;
	for (size_t i = 0; i < am->nurls; i++)
		free(am->urls[i]);
	free(am->generator_url);
	free(am->user);
	kpi__sink_wipe(am->password);
	kpi__sink_wipe(am->token);
	kpi__sink_wipe(am->auth);
	free(am);
}

const kpi__sink_type kpi__sink_alertmanager = {
	.name = "alertmanager",
	.keys = keys,
	.parse = parse,
	.send = deliver,
	.where = where,
	.free = free_state,
	/* a test alert is resolved at once, like PagerDuty's test incident */
	.test_resolves = true,
	/* endsAt: Alertmanager resolves what is not refreshed */
	.refresh_every_run = true,
};
