/* M-of-N alarm rules with CloudWatch's treat-missing-data semantics
 * (kpi/alarm.h has the rules and where they come from). */
#include "core/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kpi_alarm_state_name(kpi_alarm_state state)
{
	switch (state) {
	case KPI_ALARM_OK: return "OK";
	case KPI_ALARM_ALARM: return "ALARM";
	default: return "INSUFFICIENT_DATA";
	}
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

bool kpi_alarm_breaches(const kpi_alarm_rule *rule, double value)
{
	if (isnan(value) || rule->threshold.op == KPI_OP_NONE)
		return false;
	return kpi_eval_status(&rule->threshold, true, value, true) == KPI_STATUS_BREACH;
}

int kpi_alarm_range(const kpi_alarm_rule *rule)
{
	int n = rule->evaluation_periods + 2;
	return n < 5 ? 5 : n;
}

kpi_alarm_state kpi_alarm_eval(const kpi_alarm_rule *rule, const double *values, const bool *present,
                               size_t n, kpi_alarm_state current)
{
	size_t N = rule->evaluation_periods > 0 ? (size_t)rule->evaluation_periods : 1;
	size_t M = rule->datapoints_to_alarm > 0 ? (size_t)rule->datapoints_to_alarm : N;
	size_t real = 0, breaching = 0, good = 0;

	if (M > N)
		M = N;
	/* The N most recent real datapoints (all of them when fewer). */
	for (size_t i = n; i-- > 0 && real < N;) {
		if (!present[i] || isnan(values[i]))
			continue;
		real++;
		if (kpi_alarm_breaches(rule, values[i]))
			breaching++;
		else
			good++;
	}
	if (real >= N)
		return breaching >= M ? KPI_ALARM_ALARM : KPI_ALARM_OK;
	switch (rule->treat_missing) {
	case KPI_TREAT_BREACHING:
		return breaching + (N - real) >= M ? KPI_ALARM_ALARM : KPI_ALARM_OK;
	case KPI_TREAT_NOT_BREACHING:
		return breaching >= M ? KPI_ALARM_ALARM : KPI_ALARM_OK;
	case KPI_TREAT_IGNORE:
		if (real > 0 && breaching >= M)
			return KPI_ALARM_ALARM;
		if (good > 0)
			return KPI_ALARM_OK;
		return current;
	default: /* missing */
		if (real > 0 && breaching >= M)
			return KPI_ALARM_ALARM;
		if (good > 0)
			return KPI_ALARM_OK;
		/* Only breaching datapoints, fewer than M: the guide's table gives
		 * ALARM when the oldest datapoint of the range breaches ("X - - - -")
		 * and INSUFFICIENT_DATA otherwise ("- - - - X", "- - - - -"). */
		if (real > 0 && n > 0 && present[0] && !isnan(values[0]) && kpi_alarm_breaches(rule, values[0]))
			return KPI_ALARM_ALARM;
		return KPI_ALARM_INSUFFICIENT_DATA;
	}
}

int kpi__parse_threshold(const kpi__jsondoc *doc, const json_t *v, kpi_threshold *th, kpi_error *err);

static int positive_int(const json_t *o, const char *key, int dflt, int *out, const char *id, kpi_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: cloudwatch.alarm.%s must be a whole number >= 1", id, key);
	*out = (int)json_integer_value(v);
	return 0;
}

int kpi_alarm_rule_of(kpi_alarm_rule *out, const kpi_def *def, kpi_error *err)
{
	static const char *const keys[] = { "period_seconds", "datapoints_to_alarm", "evaluation_periods",
		                            "treat_missing_data", "threshold", NULL };
	const json_t *cw = def->raw ? json_object_get((const json_t *)def->raw, "cloudwatch") : NULL;
	const json_t *a = cw ? json_object_get(cw, "alarm") : NULL;
	const char *key;
	json_t *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!a || json_is_null(a))
		return kpi_error_set(err, KPI_ENOTFOUND, "KPI %s has no alarm rule (cloudwatch.alarm)", def->id);
	if (!json_is_object(a))
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: cloudwatch.alarm must be an object", def->id);
	json_object_foreach((json_t *)a, key, v) {
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok = ok || strcmp(*k, key) == 0;
		if (!ok)
			return kpi_error_set(err, KPI_ECONFIG, "KPI %s: unknown key '%s' in cloudwatch.alarm", def->id, key);
	}
	out->threshold = def->threshold;
	if ((v = json_object_get(a, "threshold")) && (rc = kpi__parse_threshold(NULL, v, &out->threshold, err)))
		return kpi_error_wrap(err, "KPI %s: cloudwatch.alarm", def->id);
	if ((rc = positive_int(a, "period_seconds", 60, &out->period_seconds, def->id, err)) ||
	    (rc = positive_int(a, "evaluation_periods", 1, &out->evaluation_periods, def->id, err)) ||
	    (rc = positive_int(a, "datapoints_to_alarm", out->evaluation_periods, &out->datapoints_to_alarm,
	                       def->id, err)))
		return rc;
	if (out->period_seconds % 60 != 0 && out->period_seconds != 10 && out->period_seconds != 30)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "KPI %s: cloudwatch.alarm.period_seconds must be 10, 30 or a multiple of 60", def->id);
	if (out->datapoints_to_alarm > out->evaluation_periods)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "KPI %s: cloudwatch.alarm.datapoints_to_alarm (%d) exceeds evaluation_periods (%d)",
		                     def->id, out->datapoints_to_alarm, out->evaluation_periods);
	if ((v = json_object_get(a, "treat_missing_data")) &&
	    kpi_treat_missing_parse(&out->treat_missing, json_string_value(v)) != 0)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "KPI %s: cloudwatch.alarm.treat_missing_data must be \"missing\", \"breaching\", "
		                     "\"not_breaching\" or \"ignore\"", def->id);
	if (out->threshold.op == KPI_OP_NONE)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: cloudwatch.alarm has no threshold", def->id);
	return 0;
}
