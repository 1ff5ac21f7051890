/*
 * The config file's "delivery" object:
 *
 *   "delivery": {"state_dir", "lock_wait_seconds", "link_base",
 *                "retry": {"base_seconds", "max_seconds", "max_attempts"},
 *                "recipients": {NAME: {"kind": "email"|"slack"|"webhook",
 *                                      "timeout_seconds", ...the kind's keys}}}
 *
 * Secrets never come from the file: a recipient names the environment
 * variables holding them (*_env keys), as the alert sinks do, and they are
 * added to what every output is redacted of.
 */
#include "deliver/deliver_internal.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const kpi__sink_type *const kinds[] = { &kpi__recipient_email, &kpi__recipient_slack,
	                                       &kpi__recipient_webhook, NULL };

static bool in_list(const char *const *keys, const char *k)
{
	for (; keys && *keys; keys++)
		if (strcmp(*keys, k) == 0)
			return true;
	return false;
}

static int number(const kpi__jsondoc *doc, const json_t *o, const char *key, double lo, double hi, double *out,
                  kpi_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "delivery: %s must be a number from %g to %g", key, lo,
		                          hi);
	*out = json_number_value(v);
	return 0;
}

static int parse_recipient(kpi__deliver_settings *s, const kpi__jsondoc *doc, const char *name, const json_t *o,
                           kpi_error *err)
{
	static const char *const common[] = { "kind", "timeout_seconds", NULL };
	kpi__sink *r = &s->recipients[s->nrecipients];
	const char *kind = json_string_value(json_object_get(o, "kind")), *k;
	kpi__sink_parse p;
	double timeout = 60;
	json_t *v;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "delivery recipient '%s' must be an object", name);
	for (const char *c = name; *c; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-') || c - name >= 64)
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
			                          "delivery recipient name '%s' may hold up to 64 letters, digits, _ and -",
			                          name);
	if (!(r->name = strdup(name)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->nrecipients++;
	for (size_t i = 0; kind && kinds[i] && !r->type; i++)
		if (strcmp(kinds[i]->name, kind) == 0)
			r->type = kinds[i];
	if (!r->type)
		return kpi__jsondoc_error(doc, json_object_get(o, "kind") ? json_object_get(o, "kind") : o, err,
		                          KPI_ECONFIG, "delivery recipient '%s': kind must be email, slack or webhook", name);
	json_object_foreach((json_t *)o, k, v) {
		char env_key[128];
		if (in_list(common, k) || in_list(r->type->keys, k))
			continue;
		snprintf(env_key, sizeof(env_key), "%s_env", k);
		if (in_list(r->type->keys, env_key))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "delivery recipient '%s': '%s' would put a secret in the config file; "
			                          "name the environment variable that holds it (%s)",
			                          name, k, env_key);
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "delivery recipient '%s' (%s): unknown key '%s'", name,
		                          r->type->name, k);
	}
	if ((rc = number(doc, o, "timeout_seconds", 0.1, 600, &timeout, err)))
		return rc;
	r->timeout_ms = (long)(timeout * 1000);
	r->min_severity = KPI_ALERT_SEV_INFO;
	p.st = &s->base;
	p.doc = doc;
	p.name = r->name;
	p.type = r->type->name;
	p.obj = o;
	return r->type->parse(&r->state, &p, err);
}

static int parse_section(kpi__deliver_settings *s, const kpi__jsondoc *doc, const json_t *d, kpi_error *err)
{
	static const char *const keys[] = { "state_dir", "lock_wait_seconds", "link_base", "retry", "recipients", NULL };
	static const char *const retry_keys[] = { "base_seconds", "max_seconds", "max_attempts", NULL };
	json_t *v, *o;
	const char *name;
	int rc;

	if (!json_is_object(d))
		return kpi__jsondoc_error(doc, d, err, KPI_ECONFIG, "delivery must be an object");
	if ((rc = kpi__json_check_keys(doc, d, keys, "delivery", err)))
		return rc;
	if ((v = json_object_get(d, "state_dir"))) {
		if (!json_is_string(v) || !json_string_length(v))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "delivery.state_dir must be a path");
		if (!(s->base.state_dir = kpi__path_relative(s->base.cfg->path, json_string_value(v))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if ((rc = number(doc, d, "lock_wait_seconds", 0, 3600, &s->base.lock_wait, err)) ||
	    (rc = kpi__alert_get_str(doc, d, "link_base", &s->link_base, err)))
		return rc;
	if ((v = json_object_get(d, "retry"))) {
		double n = s->base.max_attempts;
		if (!json_is_object(v))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "delivery.retry must be an object {base_seconds, max_seconds, max_attempts}");
		if ((rc = kpi__json_check_keys(doc, v, retry_keys, "delivery.retry", err)) ||
		    (rc = number(doc, v, "base_seconds", 0.01, 86400, &s->base.retry_base, err)) ||
		    (rc = number(doc, v, "max_seconds", 0.01, 7 * 86400, &s->base.retry_max, err)) ||
		    (rc = number(doc, v, "max_attempts", 1, 1000, &n, err)))
			return rc;
		s->base.max_attempts = (int)n;
	}
	v = json_object_get(d, "recipients");
	if (!json_is_object(v) || !json_object_size(v))
		return kpi__jsondoc_error(doc, v ? v : d, err, KPI_ECONFIG,
		                          "delivery.recipients must be an object of {name: {kind, ...}}, at least one");
	if (!(s->recipients = calloc(json_object_size(v), sizeof(*s->recipients))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_object_foreach(v, name, o)
		if ((rc = parse_recipient(s, doc, name, o, err)))
			return rc;
	return 0;
}

int kpi__deliver_settings_load(kpi__deliver_settings **out, const kpi_config *cfg, kpi_error *err)
{
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	json_t *d = doc ? json_object_get(doc->root, "delivery") : NULL;
	kpi__deliver_settings *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->base.cfg = cfg;
	s->base.redact = kpi__redact_ref(kpi__config_redact(cfg));
	s->base.lock_wait = 60;
	s->base.retry_base = 5;
	s->base.retry_max = 1800;
	s->base.max_attempts = 12;
	if (!d)
		rc = kpi_error_set(err, KPI_ECONFIG, "%s: no delivery section: nothing to deliver to (docs/configuration.md, "
		                   "\"Delivery\")", cfg && cfg->path ? cfg->path : "no config file (--config or KPI_CONFIG)");
	else
		rc = parse_section(s, doc, d, err);
	if (rc) {
		kpi__deliver_settings_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int kpi_deliver_config_check(const kpi_config *cfg, kpi_error *err)
{
	kpi__deliver_settings *s = NULL;
	int rc = kpi__deliver_settings_load(&s, cfg, err);
	kpi__deliver_settings_free(s);
	return rc;
}

void kpi__deliver_settings_free(kpi__deliver_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nrecipients; i++)
		kpi__sink_release(&s->recipients[i]);
	free(s->recipients);
	free(s->link_base);
	free(s->base.state_dir);
	kpi__redact_unref(s->base.redact);
	free(s);
}
