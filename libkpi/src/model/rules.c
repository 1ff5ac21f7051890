/* The rules of a KPI definition that the catalogue and the config share:
 * thresholds, the missing-data policy, and the M-of-N alarm rule with
 * CloudWatch's treat-missing-data policies (kpi/alarm.h). Parsing only:
 * evaluating them is eval/. */
#include "core/internal.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kpi__parse_threshold(const kpi__jsondoc *doc, const json_t *v, kpi_threshold *th,
                         kpi_error *err)
{
	static const char *const keys[] = { "op", "target", "warn_margin", NULL };
	json_t *op, *target, *warn;
	int rc;

	if (json_is_null(v)) {
		memset(th, 0, sizeof(*th));
		return 0;
	}
	if (!json_is_object(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                          "threshold must be an object {\"op\", \"target\"} or null");
	if ((rc = kpi__json_check_keys(doc, v, keys, "threshold", err)))
		return rc;
	op = json_object_get(v, "op");
	target = json_object_get(v, "target");
	warn = json_object_get(v, "warn_margin");
	if (!json_is_string(op) || kpi_op_parse(&th->op, json_string_value(op)) != 0)
		return kpi__jsondoc_error(doc, op ? op : v, err, KPI_ECONFIG,
		                          "threshold op must be one of \">=\", \">\", \"<=\", \"<\", \"=\"");
	if (!json_is_number(target) || !isfinite(json_number_value(target)))
		return kpi__jsondoc_error(doc, target ? target : v, err, KPI_ECONFIG,
		                          "threshold target must be a number");
	th->target = json_number_value(target);
	th->warn_margin = 0;
	if (warn) {
		if (!json_is_number(warn) || json_number_value(warn) < 0)
			return kpi__jsondoc_error(doc, warn, err, KPI_ECONFIG,
			                          "warn_margin must be a number >= 0");
		th->warn_margin = json_number_value(warn);
	}
	return 0;
}

int kpi__parse_missing(const kpi__jsondoc *doc, const json_t *v, kpi_missing *out, kpi_error *err)
{
	const char *s = json_string_value(v);
	if (s && strcmp(s, "block") == 0)
		*out = KPI_MISSING_BLOCK;
	else if (s && strcmp(s, "ignore") == 0)
		*out = KPI_MISSING_IGNORE;
	else
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "missing must be \"block\" or \"ignore\"");
	return 0;
}

static const char *const treat_names[] = { "missing", "breaching", "not_breaching", "ignore" };

const char *kpi_treat_missing_name(kpi_treat_missing t)
{
	return (unsigned)t < 4 ? treat_names[t] : "missing";
}

int kpi_treat_missing_parse(kpi_treat_missing *out, const char *name)
{
	for (int i = 0; name && i < 4; i++)
		if (strcmp(name, treat_names[i]) == 0) {
			*out = (kpi_treat_missing)i;
			return 0;
		}
	if (name && strcmp(name, "notBreaching") == 0) {
		*out = KPI_TREAT_NOT_BREACHING;
		return 0;
	}
	return KPI_EUSAGE;
}


static int positive_int(const json_t *o, const char *key, int dflt, int *out, const char *id, const char *where,
                        kpi_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s.%s must be a whole number >= 1", id, where, key);
	*out = (int)json_integer_value(v);
	return 0;
}

/* The rule object of a definition: "alarm", or where catalogues before
 * the source abstraction kept it, in the object named after its source
 * ("cloudwatch": {"alarm": ...}). */
static const json_t *alarm_object(const kpi_def *def, char *where, size_t size)
{
	const json_t *raw = def->raw, *a = raw ? json_object_get(raw, "alarm") : NULL;
	const json_t *own = raw && def->source ? json_object_get(raw, def->source) : NULL;
	snprintf(where, size, "alarm");
	if (!a && json_is_object(own) && (a = json_object_get(own, "alarm")))
		snprintf(where, size, "%s.alarm", def->source);
	return a;
}

bool kpi__has_alarm_rule(const kpi_def *def)
{
	char where[96];
	const json_t *a = alarm_object(def, where, sizeof(where));
	return a && !json_is_null(a);
}

int kpi_alarm_rule_of(kpi_alarm_rule *out, const kpi_def *def, kpi_error *err)
{
	static const char *const keys[] = { "period_seconds", "datapoints_to_alarm", "evaluation_periods",
		                            "treat_missing_data", "threshold", NULL };
	const char *key;
	char where[96];
	const json_t *a = alarm_object(def, where, sizeof(where));
	json_t *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!a || json_is_null(a))
		return kpi_error_set(err, KPI_ENOTFOUND, "KPI %s has no alarm rule (alarm)", def->id);
	if (!json_is_object(a))
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s must be an object", def->id, where);
	json_object_foreach((json_t *)a, key, v) {
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok = ok || strcmp(*k, key) == 0;
		if (!ok)
			return kpi_error_set(err, KPI_ECONFIG, "KPI %s: unknown key '%s' in %s", def->id, key, where);
	}
	out->threshold = def->threshold;
	if ((v = json_object_get(a, "threshold")) && (rc = kpi__parse_threshold(NULL, v, &out->threshold, err)))
		return kpi_error_wrap(err, "KPI %s: %s", def->id, where);
	if ((rc = positive_int(a, "period_seconds", 60, &out->period_seconds, def->id, where, err)) ||
	    (rc = positive_int(a, "evaluation_periods", 1, &out->evaluation_periods, def->id, where, err)) ||
	    (rc = positive_int(a, "datapoints_to_alarm", out->evaluation_periods, &out->datapoints_to_alarm,
	                       def->id, where, err)))
		return rc;
	if (out->period_seconds % 60 != 0 && out->period_seconds != 10 && out->period_seconds != 30)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s.period_seconds must be 10, 30 or a multiple of 60",
		                     def->id, where);
	if (out->datapoints_to_alarm > out->evaluation_periods)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s.datapoints_to_alarm (%d) exceeds evaluation_periods (%d)",
		                     def->id, where, out->datapoints_to_alarm, out->evaluation_periods);
	if ((v = json_object_get(a, "treat_missing_data")) &&
	    kpi_treat_missing_parse(&out->treat_missing, json_string_value(v)) != 0)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "KPI %s: %s.treat_missing_data must be \"missing\", \"breaching\", "
		                     "\"not_breaching\" or \"ignore\"", def->id, where);
	if (out->threshold.op == KPI_OP_NONE)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s has no threshold", def->id, where);
	return 0;
}

/* ---- durations ---- */

int kpi__duration_parse(int64_t *out, const json_t *v)
{
	const char *s;
	char *end;
	double n;
	int64_t mult;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (!(s = json_string_value(v)) || !isdigit((unsigned char)s[0]))
		return -1;
	if (strcmp(s, "0") == 0) { /* nothing needs no unit: "0" as 0 (repeat_interval "0": never) */
		*out = 0;
		return 0;
	}
	errno = 0;
	n = strtod(s, &end);
	if (errno || end == s || !isfinite(n) || n < 0)
		return -1;
	if (strcmp(end, "s") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else if (strcmp(end, "d") == 0)
		mult = 86400;
	else
		return -1;
	if (n * (double)mult > 100.0 * 365 * 86400)
		return -1;
	*out = (int64_t)llround(n * (double)mult);
	return 0;
}
