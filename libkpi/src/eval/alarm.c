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
