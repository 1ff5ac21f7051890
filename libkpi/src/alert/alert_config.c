/*
 * Settings of `kpi alert`: the config file's "alert" object (state dir,
 * deadlines, retry policy, sinks) and the catalogue's per-KPI "alert"
 * objects (severity, trailing window, for, repeat_interval, recovery
 * margin), overridable per KPI in the config's alert.kpis.
 *
 * Secrets never come from the file: a sink names the environment variable
 * that holds each secret it needs, and a variable that is not set is a
 * configuration error naming the variable. A sink's own keys are its
 * type's business (alert/sinks/): here only the common ones.
 */
#include "alert/alert_internal.h"
#include "alert/sinks/sink.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *kpi_alert_severity_name(kpi_alert_severity s)
{
	switch (s) {
	case KPI_ALERT_SEV_INFO: return "info";
	case KPI_ALERT_SEV_WARNING: return "warning";
	case KPI_ALERT_SEV_ERROR: return "error";
	default: return "critical";
	}
}

int kpi__alert_severity_parse(kpi_alert_severity *out, const char *s)
{
	static const kpi_alert_severity all[] = { KPI_ALERT_SEV_INFO, KPI_ALERT_SEV_WARNING, KPI_ALERT_SEV_ERROR,
		                                  KPI_ALERT_SEV_CRITICAL };
	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, kpi_alert_severity_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}


char *kpi__duration_format(char *buf, size_t size, int64_t s)
{
	int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
	size_t off = 0;

	buf[0] = '\0';
	if (s <= 0) {
		snprintf(buf, size, "0s");
		return buf;
	}
	if (d && off < size)
		off += (size_t)snprintf(buf + off, size - off, "%s%lldd", off ? " " : "", (long long)d);
	if (h && off < size)
		off += (size_t)snprintf(buf + off, size - off, "%s%lldh", off ? " " : "", (long long)h);
	if (m && off < size && !d)
		off += (size_t)snprintf(buf + off, size - off, "%s%lldm", off ? " " : "", (long long)m);
	if (sec && off < size && !d && !h)
		snprintf(buf + off, size - off, "%s%llds", off ? " " : "", (long long)sec);
	return buf;
}

/* ---- cadence (used by alert/alert_cadence.c, kept here so the files have no cycle) ---- */

int kpi__alert_cadence_parse(kpi__alert_rule *r, const json_t *o, const char *where, kpi_error *err)
{
	json_t *v;
	if ((v = json_object_get(o, "cadence")) &&
	    (kpi__duration_parse(&r->cadence, v) || r->cadence < 0 || r->cadence > 7 * 86400))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "%s: alert cadence must be a duration up to 7d (\"1h\", \"15m\") or 0 (every run)",
		                     where);
	if ((v = json_object_get(o, "cadence_grace")) &&
	    (kpi__duration_parse(&r->grace, v) || r->grace < 0 || r->grace > 7 * 86400))
		return kpi_error_set(err, KPI_ECONFIG, "%s: alert cadence_grace must be a duration up to 7d (\"15m\")",
		                     where);
	return 0;
}

int kpi__alert_cadence_setting(kpi__alert_settings *st, const kpi__jsondoc *doc, const json_t *alert,
                               kpi_error *err)
{
	json_t *v = alert ? json_object_get(alert, "use_cadence") : NULL;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                          "alert.use_cadence must be true (the KPIs' cadences) or false (every KPI on every run)");
	for (size_t i = 0; json_is_false(v) && i < st->nrules; i++)
		st->rules[i].cadence = 0;
	return 0;
}

/* ---- rules ---- */

static void rule_defaults(kpi__alert_rule *r, const kpi_def *def, int64_t repeat)
{
	memset(r, 0, sizeof(*r));
	r->def = def;
	r->severity = KPI_ALERT_SEV_CRITICAL;
	r->trailing = 3600;
	r->repeat = repeat;
	r->grace = KPI__ALERT_GRACE_S;
}

int kpi__alert_rule_parse(kpi__alert_rule *r, const json_t *o, const char *where, kpi_error *err)
{
	static const char *const keys[] = { "severity", "trailing", "for", "repeat_interval", "recovery_margin",
		                            "min_denominator", "runbook", "enabled", "cadence", "cadence_grace", NULL };
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return kpi_error_set(err, KPI_ECONFIG, "%s: alert must be an object (or null for no alert)", where);
	json_object_foreach((json_t *)o, k, v) {
		bool known = false;
		for (const char *const *a = keys; *a; a++)
			known |= strcmp(*a, k) == 0;
		if (!known)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "%s: unknown alert key '%s' (expected severity, trailing, for, "
			                     "repeat_interval, recovery_margin, min_denominator, runbook, enabled, cadence, cadence_grace)",
			                     where, k);
	}
	if ((v = json_object_get(o, "severity"))) {
		kpi_alert_severity s;
		if (kpi__alert_severity_parse(&s, json_string_value(v)) ||
		    (s != KPI_ALERT_SEV_WARNING && s != KPI_ALERT_SEV_CRITICAL))
			return kpi_error_set(err, KPI_ECONFIG, "%s: alert severity must be \"warning\" or \"critical\"",
			                     where);
		r->severity = s;
	}
	if ((v = json_object_get(o, "trailing"))) {
		if (r->def && r->def->state)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "%s: trailing applies to flow KPIs only (a state KPI is evaluated as of now)",
			                     where);
		if (kpi__duration_parse(&r->trailing, v) || r->trailing < 60 || r->trailing > 7 * 86400)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "%s: alert trailing must be a duration from 1m to 7d (\"1h\", \"24h\")", where);
		r->trailing_set = true;
	}
	if ((v = json_object_get(o, "for"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "%s: alert for must be a whole number of runs, 0..1000", where);
		r->for_runs = (int)json_integer_value(v);
	}
	if ((v = json_object_get(o, "repeat_interval")) && kpi__duration_parse(&r->repeat, v))
		return kpi_error_set(err, KPI_ECONFIG,
		                     "%s: alert repeat_interval must be a duration (\"4h\", \"30m\") or 0 (never repeat)", where);
	{
		const char *names[] = { "recovery_margin", "min_denominator" };
		double *dst[] = { &r->recovery_margin, &r->min_denominator };
		for (int i = 0; i < 2; i++) {
			if (!(v = json_object_get(o, names[i])))
				continue;
			if (!json_is_number(v) || json_number_value(v) < 0 || !isfinite(json_number_value(v)))
				return kpi_error_set(err, KPI_ECONFIG, "%s: alert %s must be a number >= 0", where, names[i]);
			*dst[i] = json_number_value(v);
		}
	}
	if ((v = json_object_get(o, "runbook"))) {
		if (!json_is_string(v) || !json_string_length(v))
			return kpi_error_set(err, KPI_ECONFIG,
			                     "%s: alert runbook must be an anchor of docs/runbook.md or a link", where);
		free(r->runbook);
		r->runbook = strdup(json_string_value(v));
	}
	if ((v = json_object_get(o, "enabled")) && !json_is_boolean(v))
		return kpi_error_set(err, KPI_ECONFIG, "%s: alert enabled must be true or false", where);
	return kpi__alert_cadence_parse(r, o, where, err);
}

/* The rules of every alerting KPI: the catalogue's object, then the
 * config's alert.kpis.ID on top. */
static int load_rules(kpi__alert_settings *st, const kpi_catalog *cat, const kpi__jsondoc *doc,
                      const json_t *overrides, kpi_error *err)
{
	char where[512];
	const char *id;
	json_t *o;
	int rc;

	if (overrides && !json_is_object(overrides))
		return kpi__jsondoc_error(doc, overrides, err, KPI_ECONFIG,
		                          "alert.kpis must be an object of {KPI id: {severity, for, ...}}");
	json_object_foreach((json_t *)overrides, id, o)
		if (!kpi_catalog_find(cat, id))
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "alert.kpis: unknown KPI '%s' (see kpi list)", id);
	st->rules = calloc(cat->nkpis + 1, sizeof(*st->rules));
	if (!st->rules)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		json_t *base = json_object_get((json_t *)d->raw, "alert");
		json_t *over = json_object_get(overrides, d->id);
		kpi__alert_rule *r = &st->rules[st->nrules];
		bool enabled = base && !json_is_null(base);

		rule_defaults(r, d, st->repeat_default);
		if (enabled) {
			snprintf(where, sizeof(where), "catalogue %s: KPI %s", cat->path, d->id);
			if ((rc = kpi__alert_rule_parse(r, base, where, err)))
				goto fail;
			if (json_is_false(json_object_get(base, "enabled")))
				enabled = false;
		}
		if (over) {
			snprintf(where, sizeof(where), "%s: alert.kpis.%s", doc ? doc->path : "config", d->id);
			if ((rc = kpi__alert_rule_parse(r, over, where, err)))
				goto fail;
			if (json_object_get(over, "enabled"))
				enabled = json_is_true(json_object_get(over, "enabled"));
			else
				enabled = true;
		}
		if (!enabled) {
			free(r->runbook);
			continue;
		}
		r->threshold = d->threshold;
		if (kpi__has_alarm_rule(d)) {
			/* A KPI with an alarm rule (kpi/alarm.h) alerts through it: its
			 * periods are the window, its M of N the damping. */
			if (r->trailing_set) {
				rc = kpi_error_set(err, KPI_ECONFIG,
				                   "KPI %s: trailing does not apply to a KPI with an alarm rule (its periods "
				                   "are the window)",
				                   d->id);
				goto fail;
			}
			if ((rc = kpi_alarm_rule_of(&r->alarm, d, err)))
				goto fail;
			r->has_alarm = true;
			r->threshold = r->alarm.threshold;
		} else if (kpi__source_of(d) && kpi__source_of(d)->alarm_only) {
			rc = kpi_error_set(err, KPI_ECONFIG,
			                   "KPI %s has an alert but no alarm rule: a %s KPI alerts when M of the last N "
			                   "datapoints breach (alarm)",
			                   d->id, kpi__source_of(d)->title);
			goto fail;
		}
		if (r->threshold.op == KPI_OP_NONE) {
			rc = kpi_error_set(err, KPI_ECONFIG,
			                   "KPI %s has an alert but no threshold (informational KPIs do not alert)", d->id);
			goto fail;
		}
		if (!r->runbook) {
			char anchor[128];
			size_t n = 0;
			for (const char *p = d->id; *p && n + 1 < sizeof(anchor); p++)
				anchor[n++] = *p == '_' ? '-' : *p;
			anchor[n] = '\0';
			r->runbook = strdup(anchor);
		}
		st->nrules++;
	}
	return 0;
fail:
	free(st->rules[st->nrules].runbook);
	st->rules[st->nrules].runbook = NULL;
	return rc;
}

/* ---- sinks ---- */

static int get_number(const kpi__jsondoc *doc, const json_t *obj, const char *key, double lo, double hi,
                      double *out, kpi_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "%s must be a number from %g to %g", key, lo, hi);
	*out = json_number_value(v);
	return 0;
}

static bool listed(const char *const *keys, const char *k)
{
	for (; keys && *keys; keys++)
		if (strcmp(*keys, k) == 0)
			return true;
	return false;
}

/* A sink: the common keys here, the rest by its type (alert/sinks/). */
static int parse_sink(kpi__alert_settings *st, const kpi__jsondoc *doc, const char *name, const json_t *o,
                      kpi_error *err)
{
	static const char *const common[] = { "type", "min_severity", "timeout_seconds", NULL };
	kpi__sink *s = &st->sinks[st->nsinks];
	const char *type = json_string_value(json_object_get(o, "type")), *k;
	kpi__sink_parse p;
	double timeout = 10;
	json_t *v;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "sink '%s' must be an object", name);
	for (const char *c = name; *c; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-'))
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
			                          "sink name '%s' may only hold letters, digits, _ and -", name);
	s->name = strdup(name);
	st->nsinks++;
	if (!(s->type = kpi__sink_type_find(type))) {
		char types[256];
		kpi__sink_type_names(types, sizeof(types));
		return kpi__jsondoc_error(doc, json_object_get(o, "type") ? json_object_get(o, "type") : o, err, KPI_ECONFIG,
		                          "sink '%s': type must be %s", name, types);
	}
	json_object_foreach((json_t *)o, k, v) {
		char env_key[128];
		if (listed(common, k) || listed(s->type->keys, k))
			continue;
		snprintf(env_key, sizeof(env_key), "%s_env", k);
		if (listed(s->type->keys, env_key))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "sink '%s': '%s' would put a secret in the config file; name the "
			                          "environment variable that holds it (%s)",
			                          name, k, env_key);
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "sink '%s' (%s): unknown key '%s'", name, s->type->name,
		                          k);
	}
	s->min_severity = KPI_ALERT_SEV_INFO;
	if ((v = json_object_get(o, "min_severity")) && kpi__alert_severity_parse(&s->min_severity, json_string_value(v)))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                          "sink '%s': min_severity must be info, warning, error or critical", name);
	if ((rc = get_number(doc, o, "timeout_seconds", 0.1, 600, &timeout, err)))
		return rc;
	s->timeout_ms = (long)(timeout * 1000);
	p.st = st;
	p.doc = doc;
	p.name = s->name;
	p.type = s->type->name;
	p.obj = o;
	return s->type->parse(&s->state, &p, err);
}

const kpi__sink *kpi__alert_sink_find(const kpi__alert_settings *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->nsinks; i++)
		if (strcmp(s->sinks[i].name, name) == 0)
			return &s->sinks[i];
	return NULL;
}

void kpi__alert_settings_free(kpi__alert_settings *st)
{
	if (!st)
		return;
	kpi__redact_unref(st->redact);
	free(st->state_dir);
	free(st->runbook_base);
	free(st->dedupe_prefix);
	free(st->source);
	for (size_t i = 0; i < st->nsinks; i++)
		kpi__sink_release(&st->sinks[i]);
	free(st->sinks);
	for (size_t i = 0; i < st->nrules; i++)
		free(st->rules[i].runbook);
	free(st->rules);
	kpi__mute_windows_release(st->mutes, st->nmutes);
	for (int i = 0; i < KPI__TPL_N; i++) {
		free(st->tpl[i]);
		free(st->tpl_name[i]);
	}
	free(st);
}

static int load_templates(kpi__alert_settings *st, const kpi_config *cfg, kpi_error *err)
{
	static const char *const files[KPI__TPL_N] = { "trigger.txt", "resolve.txt", "notice.txt", "test.txt" };
	int rc;

	for (int i = 0; i < KPI__TPL_N; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "alert/%s", files[i]);
		st->tpl_name[i] = kpi__path_join(cfg->template_dir, rel);
		if (!st->tpl_name[i])
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		size_t len = 0;
		if ((rc = kpi__read_file_max(&st->tpl[i], &len, st->tpl_name[i], KPI__MAX_CONFIG_BYTES, err)) ||
		    (rc = kpi__text_check_nul(st->tpl_name[i], st->tpl[i], len, KPI_ECONFIG, err)))
			return rc == KPI_ENOTFOUND ? kpi_error_wrap(err, "alert template") : rc;
		if ((rc = kpi__template_check(st->tpl[i], st->tpl_name[i], err)))
			return rc;
	}
	return 0;
}

/* The run's deadline must leave room for the lock wait, one database
 * answer (statement_timeout + the sources' margin), delivery and the
 * reserve for saving and reporting: otherwise every run that waits the
 * longest allowed for its data would end at the deadline. */
static int check_run_deadline(const kpi__alert_settings *st, const kpi_config *cfg, kpi_error *err)
{
	double db = cfg->statement_timeout_ms / 1000.0 + KPI__SOURCE_WAIT_MARGIN_S;
	double need = st->lock_wait + db + st->deadline + KPI__ALERT_RESERVE_S;
	const kpi__jsondoc *doc = (const kpi__jsondoc *)cfg->doc;
	const json_t *a = doc ? json_object_get(doc->root, "alert") : NULL;
	const json_t *v = json_is_object(a) ? json_object_get(a, "run_deadline_seconds") : NULL;
	const char *env = kpi_config_env(cfg, "KPI_ALERT_RUN_DEADLINE_SECONDS");
	char msg[512];

	if (st->run_deadline >= need)
		return 0;
	snprintf(msg, sizeof(msg),
	         "run_deadline_seconds %g leaves no room for the lock wait (alert.lock_wait_seconds %g), a database "
	         "answer (statement_timeout %g s + %g s) and delivery (alert.delivery_deadline_seconds %g) with %g s "
	         "to save and report: it must be at least %g",
	         st->run_deadline, st->lock_wait, cfg->statement_timeout_ms / 1000.0, KPI__SOURCE_WAIT_MARGIN_S,
	         st->deadline, KPI__ALERT_RESERVE_S, ceil(need));
	if (env && *env)
		return kpi_error_set(err, KPI_ECONFIG, "environment KPI_ALERT_RUN_DEADLINE_SECONDS: %s", msg);
	if (v)
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "alert.%s", msg);
	return kpi_error_set(err, KPI_ECONFIG, "alert.%s (the default; set alert.run_deadline_seconds)", msg);
}

int kpi__alert_settings_load(kpi__alert_settings **out, const kpi_config *cfg, const kpi_catalog *cat,
                             kpi_error *err)
{
	static const char *const keys[] = { "state_dir", "source_failures_before_alert", "delivery_deadline_seconds",
		                            "lock_wait_seconds", "run_deadline_seconds", "retry", "runbook_url",
		                            "dedupe_prefix", "source", "repeat_interval", "sinks", "kpis",
		                            "mute_windows", "use_cadence", "undelivered_after", NULL };
	static const char *const retry_keys[] = { "base_seconds", "max_seconds", "max_attempts", NULL };
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	json_t *a = doc ? json_object_get(doc->root, "alert") : NULL, *v;
	kpi__alert_settings *st = calloc(1, sizeof(*st));
	char host[256];
	int rc = 0;

	*out = NULL;
	if (!st)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	st->cfg = cfg;
	st->redact = kpi__redact_ref(kpi__config_redact(cfg));
	st->source_failures = 3;
	st->deadline = 30;
	st->lock_wait = 60;
	st->run_deadline = KPI__ALERT_RUN_DEADLINE_S;
	st->retry_base = 5;
	st->retry_max = 1800;
	st->max_attempts = 12;
	st->repeat_default = 4 * 3600;
	st->undelivered_after = KPI__ALERT_UNDELIVERED_AFTER_S;
	st->runbook_base = strdup("docs/runbook.md");
	st->dedupe_prefix = strdup("kpi");
	if (gethostname(host, sizeof(host)) != 0 || !host[0])
		snprintf(host, sizeof(host), "kpi");
	host[sizeof(host) - 1] = '\0';
	st->source = strdup(host);
	if (a && !json_is_object(a)) {
		rc = kpi__jsondoc_error(doc, a, err, KPI_ECONFIG, "alert must be an object");
		goto fail;
	}
	if (a) {
		double n;
		if ((rc = kpi__json_check_keys(doc, a, keys, "alert", err)))
			goto fail;
		if ((v = json_object_get(a, "state_dir"))) {
			if (!json_is_string(v) || !json_string_length(v)) {
				rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "alert.state_dir must be a path");
				goto fail;
			}
			st->state_dir = kpi__path_relative(cfg->path, json_string_value(v));
		}
		n = st->source_failures;
		if ((rc = get_number(doc, a, "source_failures_before_alert", 1, 1000, &n, err)))
			goto fail;
		if (n != floor(n)) {
			rc = kpi__jsondoc_error(doc, json_object_get(a, "source_failures_before_alert"), err, KPI_ECONFIG,
			                        "source_failures_before_alert must be a whole number of runs");
			goto fail;
		}
		st->source_failures = (int)n;
		if ((rc = get_number(doc, a, "delivery_deadline_seconds", 0.1, 3600, &st->deadline, err)) ||
		    (rc = get_number(doc, a, "lock_wait_seconds", 0, 3600, &st->lock_wait, err)))
			goto fail;
		if ((v = json_object_get(a, "retry"))) {
			if (!json_is_object(v)) {
				rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
				                        "alert.retry must be an object {base_seconds, max_seconds, max_attempts}");
				goto fail;
			}
			n = st->max_attempts;
			if ((rc = kpi__json_check_keys(doc, v, retry_keys, "alert.retry", err)) ||
			    (rc = get_number(doc, v, "base_seconds", 0.01, 86400, &st->retry_base, err)) ||
			    (rc = get_number(doc, v, "max_seconds", 0.01, 7 * 86400, &st->retry_max, err)) ||
			    (rc = get_number(doc, v, "max_attempts", 1, 1000, &n, err)))
				goto fail;
			st->max_attempts = (int)n;
		}
		if ((rc = kpi__alert_get_str(doc, a, "runbook_url", &st->runbook_base, err)) ||
		    (rc = kpi__alert_get_str(doc, a, "dedupe_prefix", &st->dedupe_prefix, err)) ||
		    (rc = kpi__alert_get_str(doc, a, "source", &st->source, err)))
			goto fail;
		for (const char *p = st->dedupe_prefix; *p; p++)
			if (!(isalnum((unsigned char)*p) || strchr("._-", *p)) || strlen(st->dedupe_prefix) > 64) {
				rc = kpi__jsondoc_error(doc, json_object_get(a, "dedupe_prefix"), err, KPI_ECONFIG,
				                        "dedupe_prefix may hold up to 64 letters, digits, '.', '_', '-'");
				goto fail;
			}
		if ((v = json_object_get(a, "repeat_interval")) && kpi__duration_parse(&st->repeat_default, v)) {
			rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                        "alert.repeat_interval must be a duration (\"4h\", \"30m\") or 0 (never repeat)");
			goto fail;
		}
		if ((v = json_object_get(a, "undelivered_after")) &&
		    (kpi__duration_parse(&st->undelivered_after, v) || st->undelivered_after <= 0 ||
		     st->undelivered_after > 7 * 86400)) {
			rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                        "alert.undelivered_after must be a duration from 1s to 7d (\"10m\", \"1h\")");
			goto fail;
		}
		if ((v = json_object_get(a, "sinks"))) {
			const char *name;
			json_t *o;
			if (!json_is_object(v)) {
				rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
				                        "alert.sinks must be an object of {name: {type, ...}}");
				goto fail;
			}
			st->sinks = calloc(json_object_size(v) + 1, sizeof(*st->sinks));
			if (!st->sinks) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto fail;
			}
			json_object_foreach(v, name, o)
				if ((rc = parse_sink(st, doc, name, o, err)))
					goto fail;
		}
	}
	if ((rc = kpi__config_number(cfg, "alert", "run_deadline_seconds", "KPI_ALERT_RUN_DEADLINE_SECONDS", 1, 86400,
	                             "seconds", &st->run_deadline, err)) ||
	    (rc = check_run_deadline(st, cfg, err)) ||
	    (rc = load_rules(st, cat, doc, a ? json_object_get(a, "kpis") : NULL, err)) ||
	    (rc = kpi__mute_windows_parse(st, cat, doc, a ? json_object_get(a, "mute_windows") : NULL, err)) ||
	    (rc = kpi__alert_cadence_setting(st, doc, a, err)) || (rc = load_templates(st, cfg, err)))
		goto fail;
	*out = st;
	return 0;
fail:
	kpi__alert_settings_free(st);
	return rc;
}

